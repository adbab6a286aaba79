#!/usr/bin/env bash
# Schedule accuracy: how late the generator itself sends, and whether it hits the rate.
#
# Runs `fixblast run --rate R` ROUNDS times at each rate in RATES (default: 50% of the
# highest rate bench/max-rate.sh sustained here, and a tenth of it), one worker and the
# built-in gateway, and prints per run the achieved rate against the target and the schedule
# lag (actual minus intended send time) p50/p99/max from the result file. Goal (issue 4): at
# 50% of the highest sustainable rate, lag p99 <= 2 us and achieved rate within 1% of target.
#   RATES="200k" ROUNDS=5 FIXBLAST_ARGS="--mix new=90,cancel=10" bench/schedule.sh
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RATES=${RATES:-"20k 200k"}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
read -r -a EXTRA <<<"${FIXBLAST_ARGS:-}"
build_fixblast
echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf '%-6s %5s %11s %8s %9s %9s %9s\n' target round achieved/s '%' 'lag p50' 'lag p99' 'lag max'
for rate in $RATES; do
    for round in $(seq "$ROUNDS"); do
        json="$BENCH_TMP/s-$rate-$round.json"
        timeout $((SECS + 60)) "$FIXBLAST" run --rate "$rate" --duration "${SECS}s" --warmup 1s \
            --json "$json" --quiet "${EXTRA[@]}" >/dev/null 2>&1 || true
        python3 - "$json" "$rate" "$round" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, lag = r["throughput"], r["schedule_lag_ns"]
us = lambda ns: "-" if ns is None else "%.2fus" % (ns / 1000)
pct = 100 * t["orders_per_s"] / t["target_orders_per_s"]
print("%-6s %5s %11.0f %7.2f%% %9s %9s %9s" % (sys.argv[2], sys.argv[3], t["orders_per_s"], pct,
      us(lag["p50"]), us(lag["p99"]), us(lag["max"])))
PY
    done
done
