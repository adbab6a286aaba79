#!/usr/bin/env bash
# The highest open-loop rate one worker (one session) sustains against the built-in gateway.
#
# Steps --rate up through RATES, each step a fresh `fixblast run --duration 5s --warmup 1s`,
# and stops at the first step that fails. A step passes when
#   throughput.orders_per_s >= 99% of the target, throughput.acks_per_s >= 99% of the target,
#   and errors.total (timed_out included) <= 1% of orders sent, and the run completed.
# Prints each step's achieved rate, ack p50/p99 and schedule lag p99 (from the result JSON).
# Bounded: at most the listed steps, and no new step starts after MAX_SECONDS.
#   RATES="50k 100k 150k" MAX_SECONDS=300 bench/max-rate.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RATES=${RATES:-"50k 100k 150k 200k 300k 400k 500k 600k 800k 1m 1.2m 1.5m 2m"}
SECS=${SECS:-5}
MAX_SECONDS=${MAX_SECONDS:-300}

build_fixblast

printf '%-8s %12s %7s %12s %10s %10s %12s %7s  %s\n' \
    target achieved '%' acks/s 'ack p50' 'ack p99' 'lag p99' errors verdict
start=$SECONDS
best=none
for rate in $RATES; do
    if ((SECONDS - start > MAX_SECONDS)); then
        echo "stopping: over MAX_SECONDS=$MAX_SECONDS" >&2
        break
    fi
    json="$BENCH_TMP/rate-$rate.json"
    set +e
    timeout $((SECS + 60)) "$FIXBLAST" run --sessions 1 --threads 1 --rate "$rate" \
        --duration "${SECS}s" --warmup 1s --json "$json" --quiet >"$BENCH_TMP/rate-$rate.txt" 2>&1
    code=$?
    set -e
    if [[ ! -s $json ]]; then
        echo "fixblast exited $code with no result at --rate $rate:" >&2
        cat "$BENCH_TMP/rate-$rate.txt" >&2
        break
    fi
    verdict=$(python3 - "$json" "$code" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
code = int(sys.argv[2])
t = r["throughput"]
target = t["target_orders_per_s"]
sent = r["orders"]["sent"]
errors = r["errors"]["total"]
ack, lag = r["latency_ns"]["ack"], r["schedule_lag_ns"]
why = []
if code != 0 or not r["status"]["completed"]:
    why.append("run did not complete (exit %d: %s)" % (code, r["status"]["failure"]))
if t["orders_per_s"] < 0.99 * target:
    why.append("sent < 99% of target")
if t["acks_per_s"] < 0.99 * target:
    why.append("acked < 99% of target")
if errors > 0.01 * max(sent, 1):
    why.append("errors %s" % {k: v for k, v in r["errors"]["by_kind"].items() if v})
fmt = lambda ns: "-" if ns is None else "%.1f us" % (ns / 1000)
print("%-8s %12.0f %6.1f%% %12.0f %10s %10s %12s %7d  %s" % (
    sys.argv[1].rsplit("rate-", 1)[1][:-5], t["orders_per_s"], 100 * t["orders_per_s"] / target,
    t["acks_per_s"], fmt(ack["p50"]), fmt(ack["p99"]), fmt(lag["p99"]), errors,
    "pass" if not why else "FAIL: " + "; ".join(why)))
EOF
)
    echo "$verdict"
    if [[ $verdict != *FAIL* ]]; then
        best=$rate
    else
        break
    fi
done
echo
echo "max sustained open-loop rate, 1 worker, 1 session, built-in gateway: $best orders/s (last passing step)"
