#!/usr/bin/env bash
# Compares two builds of a gateway: starts each in turn (A B A B …, ROUNDS times, so drift on
# the host hits both), runs the same fixblast client against it, then `fixblast compare`.
#
#   scripts/compare-builds.sh GATEWAY_A GATEWAY_B [FIXBLAST_RUN_FLAGS…]
#
# GATEWAY_A and GATEWAY_B are command lines that start a gateway in the foreground listening
# on 127.0.0.1:{port}; the script substitutes {port} (and exports PORT). Each is stopped
# (SIGTERM, then SIGKILL) after its round. Example, two builds of the reference gateway:
#
#   scripts/compare-builds.sh "old/fixblast gateway --listen 127.0.0.1:{port}" \
#       "target/release/fixblast gateway --listen 127.0.0.1:{port}" --rate 20k --duration 10s
#
# Environment: ROUNDS (default 5), OUT (directory, default compare-YYYYmmdd-HHMMSS),
# FAIL_IF_WORSE (e.g. 5%: exit 1 when the new build is worse by more), PORT (default 9878),
# FIXBLAST (the client binary; default: built from this checkout).
# Exit: compare's (0, or 1 when FAIL_IF_WORSE is exceeded), 3 when a round could not run.
set -uo pipefail
if (($# < 2)); then
    sed -n '2,18p' "$0" >&2
    exit 2
fi
gw_a=$1
gw_b=$2
shift 2
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-compare-$(date +%Y%m%d-%H%M%S)}
export PORT=${PORT:-9878}
if [[ -z ${FIXBLAST:-} ]]; then
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && cargo build --release --quiet --bin fixblast) || exit 2
    FIXBLAST="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/${CARGO_TARGET_DIR:-target}/release/fixblast"
fi
mkdir -p "$OUT" || exit 2
gw_pid=""
stop_gateway() {
    [[ -n $gw_pid ]] || return 0
    kill "$gw_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$gw_pid" 2>/dev/null
    wait "$gw_pid" 2>/dev/null
    gw_pid=""
}
trap stop_gateway EXIT
trap 'exit 130' INT TERM

# round NAME COMMAND I
round() {
    local name=$1 cmd=${2//\{port\}/$PORT} i=$3
    shift 3
    echo "== round $i, build $name: $cmd" >&2
    bash -c "exec $cmd" >"$OUT/$name-$i.gateway.log" 2>&1 &
    gw_pid=$!
    local up=0
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then up=1; break; fi
        kill -0 "$gw_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ((!up)); then
        echo "   gateway $name did not listen on 127.0.0.1:$PORT within 10 s; see $OUT/$name-$i.gateway.log" >&2
        stop_gateway
        return 3
    fi
    "$FIXBLAST" run --target "127.0.0.1:$PORT" --json "$OUT/$name-$i.json" --quiet "$@" >"$OUT/$name-$i.txt" 2>&1
    local code=$?
    stop_gateway
    if [[ ! -s $OUT/$name-$i.json ]]; then
        echo "   no result (exit $code): $(tail -1 "$OUT/$name-$i.txt")" >&2
        return 3
    fi
    echo "   exit $code, $(grep -m1 '^  ack (intended' "$OUT/$name-$i.txt" | tr -s ' ')" >&2
}

for i in $(seq "$ROUNDS"); do
    round a "$gw_a" "$i" "$@" || exit 3
    round b "$gw_b" "$i" "$@" || exit 3
done
base=() new=()
for i in $(seq "$ROUNDS"); do base+=("$OUT/a-$i.json"); new+=("$OUT/b-$i.json"); done
fail=()
[[ -n ${FAIL_IF_WORSE:-} ]] && fail=(--fail-if-worse "$FAIL_IF_WORSE")
"$FIXBLAST" compare --base "${base[@]}" --new "${new[@]}" "${fail[@]}" --json "$OUT/compare.json" | tee "$OUT/compare.txt"
exit "${PIPESTATUS[0]}"
