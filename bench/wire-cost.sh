#!/usr/bin/env bash
# What `--wire-timestamps software` costs, on both backends.
#
# Latency: PAIRS pairs per backend and load, each pair the same run without and then with
# stamps, the backends and loads interleaved (syscall off, syscall on, uring off, uring on,
# and again): open loop at RATE, and closed loop with one session and a window of 1. Each
# run: `fixblast run --backend B --sessions 1 --duration SECS --warmup 1s --poll yield`.
# Prints each run's ack p50 and the pair's on/off ratio, then the median ratio per backend
# and load. Also each stamped run's wire/client_out/client_in p50 and its unstamped count.
#
# GATEWAY=builtin (the default) runs the built-in gateway, which stamps its own sockets when
# the client does: the cost of both sides. GATEWAY=external starts one `fixblast gateway`
# without stamps (syscall backend, --poll yield) on loopback and points every run at it
# with --target: the client's own cost only.
#
# Max rate (MAXRATE=1): bench/max-rate.sh for each backend without and with stamps, in
# turn (RATES, SECS as there), and the last passing step of each.
#   PAIRS=3 RATE=10k SECS=5 MAXRATE=1 RATES="100k 200k 300k 400k 600k" bench/wire-cost.sh
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PAIRS=${PAIRS:-3}
RATE=${RATE:-10k}
SECS=${SECS:-5}
MAXRATE=${MAXRATE:-1}
RATES=${RATES:-"100k 200k 300k 400k 500k 600k 800k"}
GATEWAY=${GATEWAY:-builtin}

build_fixblast
echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg), gateway $GATEWAY" >&2

target=()
case $GATEWAY in
    builtin) ;;
    external)
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$FIXBLAST" gateway --listen "127.0.0.1:$port" --backend syscall --poll yield >/dev/null 2>&1 &
        track_pid $!
        sleep 0.5
        target=(--target "127.0.0.1:$port")
        ;;
    *)
        echo "GATEWAY must be builtin or external, not '$GATEWAY'" >&2
        exit 2
        ;;
esac

# one NAME ARGS...: one run into $BENCH_TMP/NAME.json.
one() {
    local name=$1
    shift
    timeout $((SECS + 60)) "$FIXBLAST" run --sessions 1 --threads 1 --duration "${SECS}s" --warmup 1s \
        --poll yield --quiet --json "$BENCH_TMP/$name.json" "${target[@]}" "$@" >/dev/null 2>&1 || true
}

for pair in $(seq "$PAIRS"); do
    for backend in syscall uring; do
        for load in open closed; do
            case $load in
                open) args=(--rate "$RATE") ;;
                closed) args=(--closed-loop --window 1) ;;
            esac
            one "$backend-$load-$pair-off" --backend "$backend" "${args[@]}"
            one "$backend-$load-$pair-on" --backend "$backend" "${args[@]}" --wire-timestamps software
        done
    done
done

python3 - "$BENCH_TMP" "$PAIRS" <<'PY'
import json, os, statistics, sys
d, pairs = sys.argv[1], int(sys.argv[2])
def load(name):
    p = os.path.join(d, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None
us = lambda ns: "-" if ns is None else "%.1f" % (ns / 1000)
print("%-8s %-6s %4s %10s %10s %6s  %s" % ("backend", "load", "pair", "off p50us", "on p50us", "on/off",
      "stamped run: wire/client_out/client_in p50 us, unstamped/acked"))
for b in ["syscall", "uring"]:
    for l in ["open", "closed"]:
        ratios = []
        for i in range(1, pairs + 1):
            off, on = load(f"{b}-{l}-{i}-off"), load(f"{b}-{l}-{i}-on")
            if not off or not on:
                print(f"{b:8} {l:6} {i:4}  missing result")
                continue
            a, c = off["latency_ns"]["ack"]["p50"], on["latency_ns"]["ack"]["p50"]
            ratios.append(c / a)
            lat, w = on["latency_ns"], on.get("wire") or {}
            split = "/".join(us((lat.get(k) or {}).get("p50")) for k in ["wire", "client_out", "client_in"])
            print("%-8s %-6s %4d %10s %10s %6.3f  %s, %s/%s" % (b, l, i, us(a), us(c), c / a, split,
                  w.get("unstamped"), on["orders"]["acked"]))
        if ratios:
            print("%-8s %-6s median on/off %.3f (min %.3f, max %.3f)" % (b, l, statistics.median(ratios),
                  min(ratios), max(ratios)))
PY

if [[ $MAXRATE == 1 ]]; then
    for backend in syscall uring; do
        for wire in off on; do
            extra="--backend $backend"
            [[ $wire == on ]] && extra+=" --wire-timestamps software"
            best=$(RATES=$RATES SECS=$SECS FIXBLAST_ARGS=$extra bench/max-rate.sh 2>/dev/null | tail -1)
            echo "max rate, $backend, stamps $wire: ${best##*: }"
        done
    done
fi
