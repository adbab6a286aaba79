#!/usr/bin/env bash
# Loads a 1,000,000-row --orders feed the way `run` does (fixblast orders check) and reports
# the load time and the memory it costs per order: peak RSS minus that of a one-row feed,
# divided by the rows. The issue's goals: under 1 s, about 200 bytes per order at most.
#
#   bench/feed.sh              1M rows, every row distinct (the worst case), and 1k distinct
#   ROWS=200000 bench/feed.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
ROWS=${ROWS:-1000000}
ensure_pkg /usr/bin/time time
build_fixblast

gen() { # gen ROWS DISTINCT FILE
    awk -v n="$1" -v d="$2" 'BEGIN {
        print "symbol,side,qty,price,ord_type,tif"
        for (i = 0; i < n; i++) {
            k = i % d
            printf "SYM%d,%s,%d,%d.%02d,limit,day\n", k % 5000, (k % 2 ? "sell" : "buy"), 100 + k, 10 + k % 997, k % 100
        }
    }' >"$3"
}

measure() { # measure FILE -> "seconds max_rss_kib report-line"
    local out
    out=$( { /usr/bin/time -f '%e %M' "$FIXBLAST" orders check "$1" >"$BENCH_TMP/line"; } 2>&1)
    echo "$out $(cat "$BENCH_TMP/line")"
}

gen 1 1 "$BENCH_TMP/one.csv"
read -r _ base_kib _ <<<"$(measure "$BENCH_TMP/one.csv")"
for distinct in "$ROWS" 1000; do
    gen "$ROWS" "$distinct" "$BENCH_TMP/feed.csv"
    size=$(stat -c %s "$BENCH_TMP/feed.csv")
    read -r secs kib line <<<"$(measure "$BENCH_TMP/feed.csv")"
    per=$(awk -v a="$kib" -v b="$base_kib" -v n="$ROWS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
    echo "$ROWS rows, $distinct distinct, file $((size / 1048576)) MiB: wall ${secs}s (read + check + encode), peak RSS +$(((kib - base_kib) / 1024)) MiB = $per bytes/order"
    echo "    fixblast: ${line#*: }"
done
