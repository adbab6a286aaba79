#!/usr/bin/env bash
# Sweeps fixblast over threads, sessions, cores and rates, one `fixblast run` per point, and
# writes one result JSON per point, a summary CSV and an HTML chart of ack p50/p99 and the
# achieved rate across the sweep. Unattended (cron, CI): no prompt, bounded, exits non-zero
# only when a point could not run at all.
#
#   scripts/sweep.sh [--out DIR] [--threads LIST] [--sessions LIST] [--cores LIST]
#                    [--rates LIST] [--keep-going] [--fixblast PATH] [-- FIXBLAST_RUN_FLAGS…]
#
# LIST is comma-separated values or a range: `1,2,4`, `1..8` (step 1), `10k..100k/10k`
# (rates accept k and m). --cores takes core lists separated by `;`: `--cores '2;2,3;2-5'`.
# Every combination of threads, sessions and cores is swept over the rates in ascending
# order; a rate sweep stops at the first point whose achieved rate falls under 99% of its
# target (throughput.rate_achieved false), since higher rates only queue more. --keep-going
# sweeps every rate anyway, to chart the curve past saturation.
#
# Example: the built-in gateway, 1 and 2 sessions, 10k to 100k orders/s:
#   scripts/sweep.sh --out sweep --sessions 1,2 --rates 10k..100k/10k -- --duration 5s --warmup 1s
#
# Output in DIR (default sweep-YYYYmmdd-HHMMSS):
#   point-T<threads>-S<sessions>-C<cores>-R<rate>.json   one result per point
#   summary.csv   threads,sessions,cores,rate,achieved_per_s,rate_achieved,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,exit,json
#   sweep.html    the chart (fixblast report --sweep)
set -uo pipefail

out="sweep-$(date +%Y%m%d-%H%M%S)"
threads=1
sessions=1
cores=""
rates=10k
fixblast=""
keep_going=0
while (($#)); do
    case $1 in
        --out) out=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --sessions) sessions=$2; shift 2 ;;
        --cores) cores=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --fixblast) fixblast=$2; shift 2 ;;
        --keep-going) keep_going=1; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "sweep.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
extra=("$@")

if [[ -z $fixblast ]]; then
    cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
    cargo build --release --quiet --bin fixblast || exit 2
    fixblast="$PWD/${CARGO_TARGET_DIR:-target}/release/fixblast"
fi

# to_number 10k -> 10000; 1.5m -> 1500000
to_number() {
    awk -v v="$1" 'BEGIN {
        m = 1; s = v
        if (s ~ /[kK]$/) { m = 1e3; s = substr(s, 1, length(s) - 1) }
        else if (s ~ /[mM]$/) { m = 1e6; s = substr(s, 1, length(s) - 1) }
        if (s !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
        printf "%.0f\n", s * m
    }'
}

# expand LIST -> one value per line, ascending for ranges.
expand() {
    local list=$1 item from to step
    IFS=',' read -r -a items <<<"$list"
    for item in "${items[@]}"; do
        if [[ $item == *..* ]]; then
            from=${item%%..*}
            to=${item#*..}
            step=1
            if [[ $to == */* ]]; then step=${to#*/}; to=${to%%/*}; fi
            from=$(to_number "$from") && to=$(to_number "$to") && step=$(to_number "$step") || {
                echo "sweep.sh: bad range $item" >&2; exit 2; }
            ((step > 0)) || { echo "sweep.sh: range step must be > 0 in $item" >&2; exit 2; }
            for ((v = from; v <= to; v += step)); do echo "$v"; done
        else
            to_number "$item" || { echo "sweep.sh: bad value $item" >&2; exit 2; }
        fi
    done
}

mapfile -t T < <(expand "$threads") || exit 2
mapfile -t S < <(expand "$sessions") || exit 2
mapfile -t R < <(expand "$rates" | sort -n) || exit 2
if [[ -n $cores ]]; then IFS=';' read -r -a C <<<"$cores"; else C=(""); fi
((${#T[@]} && ${#S[@]} && ${#R[@]})) || { echo "sweep.sh: nothing to sweep" >&2; exit 2; }

mkdir -p "$out" || exit 2
summary="$out/summary.csv"
echo "threads,sessions,cores,rate,achieved_per_s,rate_achieved,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,exit,json" >"$summary"
failed=0
points=0
for t in "${T[@]}"; do
    for s in "${S[@]}"; do
        for c in "${C[@]}"; do
            for r in "${R[@]}"; do
                tag="T$t-S$s-C${c:-auto}-R$r"
                json="$out/point-${tag//,/_}.json"
                args=(run --threads "$t" --sessions "$s" --rate "$r" --json "$json" --quiet "${extra[@]}")
                [[ -n $c ]] && args+=(--cores "$c")
                echo "== $tag: fixblast ${args[*]}" >&2
                "$fixblast" "${args[@]}" >"$out/point-${tag//,/_}.txt" 2>&1
                code=$?
                points=$((points + 1))
                if [[ ! -s $json ]]; then
                    echo "   no result (exit $code): $(tail -1 "$out/point-${tag//,/_}.txt")" >&2
                    echo "$t,$s,\"$c\",$r,,,,,,,$code,$json" >>"$summary"
                    failed=$((failed + 1))
                    break
                fi
                row=$(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, a = r["throughput"], r["latency_ns"]["ack"]
v = lambda x: "" if x is None else str(x)
print(",".join([str(round(t["orders_per_s"])), str(t["rate_achieved"]).lower(), v(a["p50"]), v(a["p99"]),
                v(a["max"]), str(r["errors"]["total"])]))
PY
)
                echo "$t,$s,\"$c\",$r,$row,$code,$json" >>"$summary"
                echo "   $row" >&2
                if [[ $row == *,false,* ]] && ((!keep_going)); then
                    echo "   achieved rate under 99% of $r: the rate sweep stops here" >&2
                    break
                fi
            done
        done
    done
done
"$fixblast" report --sweep "$summary" --html "$out/sweep.html" || echo "sweep.sh: no chart (fixblast report failed)" >&2
echo "sweep: $points point(s), results in $out/ (summary.csv, sweep.html)" >&2
((failed == 0)) || exit 3
