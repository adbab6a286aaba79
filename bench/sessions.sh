#!/usr/bin/env bash
# The harness's cost against the number of sessions, at one total rate: ack p50/p99 and the
# harness block (loop period, send and receive calls, share of the ack p50) for 1, 4, 16,
# 64, 256 and 1000 sessions on one worker, against the built-in gateway with default flags,
# on both client backends, in one invocation. Only the number of connections changes, so
# any growth is the harness's (or the gateway's receive strategy), not the load.
#
#   bench/sessions.sh                                  # RATE=20k DUR=5s SESSIONS="1 4 16 64 256 1000"
#   SESSIONS="1 64" BACKENDS=uring DUR=3s bench/sessions.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RATE="${RATE:-20k}"
DUR="${DUR:-5s}"
SESSIONS="${SESSIONS:-1 4 16 64 256 1000}"
BACKENDS="${BACKENDS:-syscall uring}"
build_fixblast
echo "== $(nproc) cores, $(uname -r); $RATE orders/s in total, $DUR per point, 1 worker"
printf '%-8s %9s %9s %9s %9s %9s %9s %7s %s\n' backend sessions "ack p50" "ack p99" "loop p50" "send p50" "recv p50" "share" "status"
us() { [[ $1 == null ]] && echo - || python3 -c "print(f'{$1/1000:.1f}us')"; }
for backend in $BACKENDS; do
    for n in $SESSIONS; do
        out="$BENCH_TMP/$backend-$n.json"
        # Sessions log on at a bounded rate; the timeout is generous for 1000 of them.
        "$FIXBLAST" run --backend "$backend" --sessions "$n" --rate "$RATE" --duration "$DUR" --warmup 2s \
            --logon-rate 2000 --quiet --json "$out" >/dev/null 2>"$BENCH_TMP/err" || true
        if [[ ! -s $out ]]; then
            printf '%-8s %9s  failed: %s\n' "$backend" "$n" "$(tail -1 "$BENCH_TMP/err")"
            continue
        fi
        share=$(python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r.get("harness", {})
p = lambda k: (h.get(k) or {}).get("p50")
ack = r["latency_ns"]["ack"]["p50"]
loop, send, recv = p("loop_ns"), p("send_call_ns"), p("recv_call_ns")
print("-" if None in (loop, send, ack) else f"{100 * (loop / 2 + send + (recv or 0)) / ack:.1f}%")
PY
)
        status=$(json_get "$out" status.completed)
        printf '%-8s %9s %9s %9s %9s %9s %9s %7s %s\n' "$backend" "$n" \
            "$(us "$(json_get "$out" latency_ns.ack.p50)")" "$(us "$(json_get "$out" latency_ns.ack.p99)")" \
            "$(us "$(json_get "$out" harness.loop_ns.p50)")" "$(us "$(json_get "$out" harness.send_call_ns.p50)")" \
            "$(us "$(json_get "$out" harness.recv_call_ns.p50)")" "$share" "completed=$status"
    done
done
