#!/usr/bin/env bash
# Runs one fixblast per load host at the same instant, collects each host's result and
# merges them: existing tools (ssh or pdsh, scp), no coordinator of our own.
#
#   scripts/run-hosts.sh HOSTS -- FIXBLAST_RUN_FLAGS…
#
# HOSTS is a file with one ssh destination per line (`user@loadgen1`), or a comma-separated
# list. Each host needs `fixblast` on its PATH (or set REMOTE_FIXBLAST) and must reach the
# target named in the flags (--target is required: the built-in gateway is per process).
# The script picks a start time LEAD seconds ahead (default 15), runs on every host
#   fixblast run --start-at <that time> --json /tmp/fixblast-<host>.json <flags>
# in parallel (pdsh when installed and PDSH=1, else one ssh per host), copies the results
# back to OUT (default hosts-YYYYmmdd-HHMMSS) and runs `fixblast merge … -o OUT/merged.json`.
# Host clocks must agree (NTP/PTP) to well under the warm-up: --start-at is wall-clock time.
# Exit: 0 when every host produced a result and the merge succeeded, 3 otherwise.
set -uo pipefail
if (($# < 3)) || [[ $2 != -- ]]; then
    sed -n '2,17p' "$0" >&2
    exit 2
fi
hosts_arg=$1
shift 2
if [[ -f $hosts_arg ]]; then
    mapfile -t HOSTS < <(grep -v '^\s*\(#\|$\)' "$hosts_arg")
else
    IFS=',' read -r -a HOSTS <<<"$hosts_arg"
fi
((${#HOSTS[@]})) || { echo "run-hosts.sh: no hosts" >&2; exit 2; }
[[ " $* " == *" --target "* ]] || { echo "run-hosts.sh: give --target HOST:PORT in the flags" >&2; exit 2; }
LEAD=${LEAD:-15}
OUT=${OUT:-hosts-$(date +%Y%m%d-%H%M%S)}
REMOTE_FIXBLAST=${REMOTE_FIXBLAST:-fixblast}
FIXBLAST=${FIXBLAST:-fixblast}
mkdir -p "$OUT" || exit 2
start=$(($(date +%s) + LEAD))
quoted=$(printf ' %q' "$@")
echo "== ${#HOSTS[@]} host(s) start at $start ($(date -d "@$start" 2>/dev/null || echo "in ${LEAD}s"))" >&2

remote_cmd() { # remote_cmd NAME
    echo "$REMOTE_FIXBLAST run --start-at $start --json /tmp/fixblast-$1.json --quiet$quoted"
}
name_of() { local h=${1#*@}; echo "${h//[^A-Za-z0-9._-]/_}"; }

if [[ ${PDSH:-0} == 1 ]] && command -v pdsh >/dev/null; then
    # pdsh substitutes %h with each host name.
    pdsh -w "$(IFS=,; echo "${HOSTS[*]}")" "$(remote_cmd '%h')" >"$OUT/pdsh.log" 2>&1
else
    pids=()
    for h in "${HOSTS[@]}"; do
        ssh -o BatchMode=yes "$h" "$(remote_cmd "$(name_of "$h")")" >"$OUT/$(name_of "$h").log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
fi
results=()
for h in "${HOSTS[@]}"; do
    n=$(name_of "$h")
    remote=/tmp/fixblast-$n.json
    [[ ${PDSH:-0} == 1 ]] && remote=/tmp/fixblast-${h#*@}.json
    if scp -q -o BatchMode=yes "$h:$remote" "$OUT/$n.json" && [[ -s $OUT/$n.json ]]; then
        results+=("$OUT/$n.json")
    else
        echo "   $h: no result (see $OUT/$n.log)" >&2
    fi
done
((${#results[@]} == ${#HOSTS[@]})) || exit 3
"$FIXBLAST" merge "${results[@]}" -o "$OUT/merged.json" || exit 3
echo "merged ${#results[@]} result(s) into $OUT/merged.json" >&2
