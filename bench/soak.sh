#!/usr/bin/env bash
# Soak: a long open-loop run against a separate reference gateway that misbehaves on a
# schedule (a stall longer than --timeout, garbage, bad checksums, dropped replies, and a
# disconnect that the run survives with --reconnect), sampling the RSS and open descriptors
# of both processes every SAMPLE seconds.
#
# It passes when, after warm-up:
#   - each process's RSS stays within 5% of its first sample (memory flat),
#   - each process's open descriptors never change (no leak),
#   - nothing is lost: sent = acked + rejected + timed_out, every fault is counted under its
#     own kind, and late replies are matched (unmatched stays 0);
#   - every disconnect was reconnected (reconnects.not_back is 0) and the run exited 0.
# It prints every sample, the verdict and the result's counts, and exits 1 when it fails.
#
#   bench/soak.sh                                   # DUR=10m RATE=500k (about half the max)
#   DUR=1m RATE=100k SAMPLE=5 bench/soak.sh          # a short one
# Knobs: DUR, RATE, SAMPLE (s), FAULTS (gateway flags; default below), TIMEOUT (run's
# --timeout), FIXBLAST (a built binary, else it builds). Loopback only; bounded by DUR plus a
# minute; kills the gateway on exit.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DUR=${DUR:-10m}
RATE=${RATE:-500k}
SAMPLE=${SAMPLE:-10}
TIMEOUT=${TIMEOUT:-100ms}
FAULTS=${FAULTS:---stall 2000000:250ms --garbage-every 100000 --bad-checksum-every 200000 --drop-every 50000 --disconnect-after 60000000}
if [[ -n ${FIXBLAST:-} ]]; then
    echo "== using $FIXBLAST as it is" >&2
else
    build_fixblast
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
"$FIXBLAST" gateway --listen "127.0.0.1:$port" --poll yield $FAULTS >"$BENCH_TMP/gateway.log" 2>&1 &
gw=$!
track_pid "$gw"
for _ in $(seq 50); do
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
    sleep 0.1
done

secs=$(python3 -c "import re,sys; v='$DUR'; m=re.fullmatch(r'(\d+)(ms|s|m|h)', v); print(int(m[1]) * {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600}[m[2]])")
json="$BENCH_TMP/soak.json"
timeout $((${secs%.*} + 60)) "$FIXBLAST" run --target "127.0.0.1:$port" --rate "$RATE" --duration "$DUR" \
    --warmup 5s --timeout "$TIMEOUT" --poll yield --quiet --reconnect --json "$json" >"$BENCH_TMP/run.log" 2>&1 &
run=$!
track_pid "$run"
# The harness itself, under `timeout`: its memory and descriptors are what is sampled.
harness=""
for _ in $(seq 50); do
    harness=$(pgrep -P "$run" -n fixblast || true)
    [[ -n $harness ]] && break
    sleep 0.1
done
[[ -n $harness ]] || { echo "soak: the run did not start: $(tail -1 "$BENCH_TMP/run.log")" >&2; exit 2; }

samples="$BENCH_TMP/samples.tsv"
printf 't_s\trun_rss_kib\trun_fds\tgw_rss_kib\tgw_fds\n' >"$samples"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
t=0
echo "== soak: $RATE orders/s for $DUR against a gateway with: $FAULTS" >&2
while kill -0 "$run" 2>/dev/null; do
    sleep "$SAMPLE"
    t=$((t + SAMPLE))
    kill -0 "$run" 2>/dev/null || break
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$(rss "$harness")" "$(fds "$harness")" "$(rss "$gw")" "$(fds "$gw")" | tee -a "$samples" >&2
done
code=0
wait "$run" || code=$?
echo "== run exit $code" >&2

python3 - "$samples" "$json" "$code" <<'PY'
import csv, json, sys
# Samples after the 5 s warm-up only: the baseline is the first of those.
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["run_rss_kib"] != "-" and int(r["t_s"]) > 5]
r = json.load(open(sys.argv[2]))
o, e = r["orders"], r["errors"]["by_kind"]
fails = []
for who in ("run", "gw"):
    rss = [int(x[f"{who}_rss_kib"]) for x in rows]
    fds = {int(x[f"{who}_fds"]) for x in rows}
    if rss and max(rss) > rss[0] * 1.05:
        fails.append(f"{who}: RSS grew from {rss[0]} to {max(rss)} KiB (over 5%)")
    if len(fds) > 1:
        fails.append(f"{who}: open descriptors changed: {sorted(fds)}")
    print(f"{who}: RSS {rss[0] if rss else '-'} -> {rss[-1] if rss else '-'} KiB (max {max(rss) if rss else '-'}), fds {sorted(fds)}")
answered = o["acked"] + o["rejected"] + o["timed_out"]
if o["sent"] != answered:
    fails.append(f"sent {o['sent']} != acked + rejected + timed_out = {answered}")
if o["unmatched"]:
    fails.append(f"{o['unmatched']} unmatched replies")
if sys.argv[3] != "0":
    fails.append(f"the run exited {sys.argv[3]}: {r['status']}")
rc = r.get("reconnects") or {}
if rc.get("not_back"):
    fails.append(f"{rc['not_back']} lost connections not reconnected")
print(f"reconnects: {rc.get('count', 0)} (away at most {rc.get('gap_max_s', 0)*1e3:.1f}ms, "
      f"{rc.get('gap_total_s', 0)*1e3:.1f}ms in all; {rc.get('unanswered', 0)} orders unanswered on lost connections)")
print(f"orders: sent {o['sent']}, acked {o['acked']}, rejected {o['rejected']}, timed out {o['timed_out']}, "
      f"late {o['late']}, unmatched {o['unmatched']}, not sent {o['not_sent']}")
print("errors:", {k: v for k, v in e.items() if v})
a = r["latency_ns"]["ack"]
print(f"ack p50 {a['p50']/1e3:.1f}us p99 {a['p99']/1e3:.1f}us max {a['max']/1e6:.1f}ms; "
      f"rate achieved {r['throughput']['rate_achieved']}")
print("PASS" if not fails else "FAIL:\n  " + "\n  ".join(fails))
sys.exit(1 if fails else 0)
PY
