#!/usr/bin/env bash
# Peak and steady-state memory of a run: `/usr/bin/time -v` gives the peak RSS, and VmRSS from
# /proc/PID/status, sampled once a second while the run goes, shows whether it stays flat.
# Two runs of SECS seconds, open loop at RATE orders/s, one worker thread, built-in gateway
# (which runs inside the same process, so its memory is included):
#   1 session, and SESSIONS_MANY sessions.
# FIXBLAST_ARGS adds options to every run (e.g. "--backend syscall"); the backend used is
# printed.
#   SECS=10 RATE=20k SESSIONS_MANY=64 FIXBLAST_ARGS="--backend syscall" bench/memory.sh
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS=${SECS:-10}
RATE=${RATE:-20k}
SESSIONS_MANY=${SESSIONS_MANY:-64}
read -r -a EXTRA <<<"${FIXBLAST_ARGS:-}"

ensure_pkg /usr/bin/time time
build_fixblast
echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# measure SESSIONS: runs fixblast under /usr/bin/time -v and samples its VmRSS each second.
measure() {
    local sessions=$1 timed="$BENCH_TMP/time-$1.txt" series="$BENCH_TMP/rss-$1.txt" tpid pid="" i
    /usr/bin/time -v -o "$timed" timeout $((SECS + 60)) "$FIXBLAST" run --sessions "$sessions" --threads 1 \
        --rate "$RATE" --duration "${SECS}s" --warmup 1s --json "$BENCH_TMP/run-$sessions.json" --quiet "${EXTRA[@]}" \
        >"$BENCH_TMP/run-$sessions.txt" 2>&1 &
    tpid=$!
    track_pid "$tpid"
    # time -> timeout -> fixblast: find fixblast.
    for i in $(seq 50); do
        pid=$(pgrep -x fixblast -P "$(pgrep -P "$tpid" | head -1)" 2>/dev/null | head -1 || true)
        [[ -n $pid ]] && break
        sleep 0.1
    done
    : >"$series"
    if [[ -n $pid ]]; then
        i=0
        while kill -0 "$pid" 2>/dev/null; do
            awk -v t="$i" '/^VmRSS:/ { print t, $2 }' "/proc/$pid/status" >>"$series" 2>/dev/null || true
            sleep 1
            i=$((i + 1))
        done
    fi
    wait "$tpid" || {
        echo "fixblast --sessions $sessions failed:" >&2
        cat "$BENCH_TMP/run-$sessions.txt" "$timed" >&2
        exit 1
    }
    local peak_kb sent backend
    peak_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timed")
    sent=$(json_get "$BENCH_TMP/run-$sessions.json" orders.sent)
    backend=$(json_get "$BENCH_TMP/run-$sessions.json" config.backend)
    awk -v s="$sessions" -v kb="$peak_kb" -v secs="$SECS" -v sent="$sent" -v be="$backend" '
        { t[NR] = $1; rss[NR] = $2; line = line sprintf(" %.1f", $2 / 1024) }
        END {
            printf "%-9s peak RSS %6.1f MiB   (backend %s; orders sent in the measured %ss: %s)\n", s, kb / 1024, be, secs, sent
            printf "          VmRSS MiB at t = 0, 1, 2, ... s:%s\n", line
            # Growth while measuring: from t = 2 s (after start-up and the 1 s warm-up) to
            # t = SECS s (before the drain and logout, when memory is being given back).
            a = 3; b = secs + 1
            if (b > NR) b = NR
            if (b > a) printf "          growth from t=%d s to t=%d s: %+.2f MiB/s\n",
                t[a], t[b], (rss[b] - rss[a]) / 1024 / (t[b] - t[a])
        }' "$series"
}

echo "== ${SECS}s runs at --rate $RATE, --threads 1, built-in gateway in the same process; goal <= 50 MiB" >&2
printf 'sessions\n'
measure 1
measure "$SESSIONS_MANY"
