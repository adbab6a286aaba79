#!/usr/bin/env bash
# Checks fixblast's reported round trip against a packet capture, and sockperf's under the same
# kind of capture, so that the harness is checked against tools we did not write.
#
# For each N in SESSIONS, on TCP loopback, each run under its own tcpdump (nanosecond
# timestamps, taken as each segment passes the loopback device):
#   fixblast:  `fixblast run --closed-loop --window 1 --sessions N` (BACKEND) against a separate
#              `fixblast gateway --backend syscall --poll yield`; reported = latency_ns.ack_service
#              (send to first ExecutionReport); wire = each 35=D segment to the 35=8 with its
#              ClOrdID, for the orders sent inside the measured window (warm-up excluded);
#   sockperf:poll  N sockets: `sockperf sr/pp -f FEED -F poll --nonblocked`, one listening port
#              per socket; reported = 2 x its one-way percentiles; wire = per TCP flow, each
#              request segment to the next reply segment, minus sockperf's own warm-up/cool-down.
# and once, 1 socket, the plain `sockperf sr/pp --tcp -i -p --nonblocked` that
# bench/rtt-vs-sockperf.sh runs (sockperf:recvfrom; it blocks in recvfrom()).
# sockperf with N sockets sends round-robin over them with ONE message in flight in total, where
# fixblast keeps one in flight per session (N in all): its N-socket rows show what many open
# connections cost a ping-pong tool, not N concurrent round trips. The -f runs use the same
# multiplexer at every N, -F poll unless SOCKPERF_MUX says otherwise (sockperf's own default
# there is epoll; recvfrom is what it uses with -i/-p alone). sockperf sleeps in the kernel
# while it waits, fixblast (--poll yield) does not: on a shared or virtual host sockperf's
# figures swing with wake-up latency from run to run, so use ROUNDS >= 3 there.
#
# Reading it: on loopback each segment is stamped once, as it is sent, and delivered at once,
# so wire = the server's turnaround, and reported - wire = the client's own share: its send
# call up to the device, then the wake-up and receive of the reply (for fixblast also the time
# a reply waits while the worker serves other sessions). sockperf is the same program at both
# ends, so its reported is about 2 x wire. The rule checked: fixblast's reported - wire may
# exceed sockperf's own reported - wire under the same capture by little, and at 16 sessions
# by no more than at 1 (printed after the table; from the medians when ROUNDS > 1). Compare
# the differences, not the wire columns (different servers and messages). tcpdump shares the
# cores and slows every send a little; its kernel drops are shown per row and must be 0, and
# wire n should be within a fraction of a percent of the tool's own count.
# The harness block (loop, send call, receive call p50) is fixblast's own view of its cost.
#
#   bench/capture.sh                                    # SESSIONS="1 16" SECS=4 BACKEND=auto
#   SESSIONS="1 4" SECS=2 FIXBLAST=target/release/fixblast bench/capture.sh
# Knobs: SESSIONS (default "1 16"), SECS per run (default 4), BACKEND for fixblast run (default
# auto), ROUNDS (default 1; above 1 the medians are printed too), SOCKPERF_MUX for the feed-file
# runs (default poll), OUT (directory for capture.tsv, default a new /tmp/fixblast-capture.*;
# kept), KEEP_PCAP=1 to keep the captures in OUT (about 100 MB per second of run), FIXBLAST
# (a built binary to use instead of building).
#
# Loopback only; each run is bounded by timeout; kills its gateways, servers and captures on
# exit. Needs: root (or CAP_NET_RAW) for tcpdump, python3, ss, cargo (unless FIXBLAST is set),
# and apt-get the first time, for Debian's tcpdump and sockperf.
set -euo pipefail
CALLER_PWD=$PWD
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SESSIONS=${SESSIONS:-1 16}
SECS=${SECS:-4}
BACKEND=${BACKEND:-auto}
ROUNDS=${ROUNDS:-1}
SOCKPERF_MUX=${SOCKPERF_MUX:-poll}
KEEP_PCAP=${KEEP_PCAP:-0}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/fixblast-capture.XXXXXX")}
[[ $OUT == /* ]] || OUT="$CALLER_PWD/$OUT"
mkdir -p "$OUT"
# sockperf leaves out the last 50 ms of a timed run (TEST_END_COOLDOWN_MSEC); it prints its
# warm-up, which is read from its output.
SOCKPERF_COOLDOWN_MS=50

[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "SECS must be whole seconds (sockperf -t), not '$SECS'" >&2; exit 2; }
ensure_pkg ss iproute2
ensure_pkg tcpdump tcpdump
ensure_pkg sockperf sockperf
if [[ -n ${FIXBLAST:-} ]]; then
    [[ -x $FIXBLAST ]] || FIXBLAST="$CALLER_PWD/$FIXBLAST"
    echo "== using $FIXBLAST as it is (FIXBLAST set: not building)" >&2
else
    build_fixblast
fi

# free_ports N: N distinct free loopback ports, space-separated.
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Waits up to 5 s for something to listen on 127.0.0.1:$1.
wait_listening() {
    local _
    for _ in $(seq 50); do
        if ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# start_capture FILE FILTER: tcpdump on lo into FILE; sets CAPTURE_PID.
CAPTURE_PID=
start_capture() {
    tcpdump -i lo --time-stamp-precision=nano -s 512 -B 32768 -w "$1" "$2" 2>"$1.log" &
    CAPTURE_PID=$!
    track_pid "$CAPTURE_PID"
    sleep 0.5
    if ! kill -0 "$CAPTURE_PID" 2>/dev/null; then
        echo "tcpdump did not start:" >&2
        cat "$1.log" >&2
        exit 1
    fi
}

# stop_capture FILE: stops tcpdump (SIGINT, so it flushes) and sets CAPTURE_DROPS to its
# kernel drops. Not in a subshell: only this shell can wait for tcpdump.
CAPTURE_DROPS=
stop_capture() {
    # libpcap's ring hands packets to tcpdump a block at a time, when a block fills or after
    # tcpdump's 1 s timeout; a block still open when tcpdump stops is lost (about a hundred
    # orders of a run's last second). Waiting out the timeout lets the kernel hand it over.
    sleep 1.1
    kill -INT "$CAPTURE_PID" 2>/dev/null || true
    wait "$CAPTURE_PID" 2>/dev/null || true
    CAPTURE_DROPS=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$1.log")
    CAPTURE_DROPS=${CAPTURE_DROPS:-?}
    if [[ $CAPTURE_DROPS != 0 ]]; then
        echo "warning: tcpdump dropped $CAPTURE_DROPS packets ($1)" >&2
    fi
}

# join_by SEP WORDS...
join_by() {
    local sep=$1 out=$2 w
    shift 2
    for w in "$@"; do out+="$sep$w"; done
    echo "$out"
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# done_capture FILE: drops the capture unless KEEP_PCAP=1.
done_capture() {
    if [[ $KEEP_PCAP == 1 ]]; then
        mv "$1" "$OUT/"
    else
        rm -f "$1"
    fi
}

RESULTS="$OUT/runs.tsv"
TABLE="$OUT/capture.tsv"
printf 'tool\tsessions\tround\twire_n\twire_flows\twire_p50_ns\twire_p99_ns\treported_n\treported_p50_ns\treported_p99_ns\tloop_p50_ns\tsend_call_p50_ns\trecv_call_p50_ns\ttcpdump_drops\n' >"$RESULTS"

run_fixblast() {
    local n=$1 round=$2 port gw wire tag="fixblast-$1-$2"
    local pcap="$BENCH_TMP/$tag.pcap" json="$OUT/$tag.json" log="$BENCH_TMP/$tag.txt"
    port=$(free_ports 1)
    "$FIXBLAST" gateway --listen "127.0.0.1:$port" --backend syscall --poll yield >"$BENCH_TMP/gateway-$tag.txt" 2>&1 &
    gw=$!
    track_pid "$gw"
    wait_listening "$port"
    start_capture "$pcap" "tcp port $port"
    if ! timeout $((SECS + 60)) "$FIXBLAST" run --target "127.0.0.1:$port" --sessions "$n" --closed-loop --window 1 \
        --duration "${SECS}s" --warmup 1s --poll yield --backend "$BACKEND" --quiet --json "$json" >"$log" 2>&1; then
        echo "fixblast run --sessions $n failed in round $round:" >&2
        cat "$log" >&2
        exit 1
    fi
    stop_capture "$pcap"
    stop_server "$gw"
    wire=$(python3 bench/wire-rtt.py --skip-warmup --tsv "$pcap" "$json" | tail -n 1)
    done_capture "$pcap"
    python3 - "$json" "$n" "$round" "$wire" "$CAPTURE_DROPS" >>"$RESULTS" <<'EOF'
import json, sys
path, n, rnd, wire, drops = sys.argv[1:]
r = json.load(open(path))
if r["errors"]["total"]:
    print("warning: fixblast %s sessions round %s had errors: %s" % (n, rnd, r["errors"]["by_kind"]), file=sys.stderr)
if not r["status"]["completed"]:
    print("warning: fixblast %s sessions round %s did not complete: %s" % (n, rnd, r["status"]), file=sys.stderr)
h = r.get("harness") or {}
p50 = lambda k: str((h.get(k) or {}).get("p50", "-"))
print("\t".join(["fixblast:" + r["config"]["backend"], n, rnd, wire,
                 p50("loop_ns"), p50("send_call_ns"), p50("recv_call_ns"), drops]))
EOF
}

# run_sockperf N ROUND MUX: MUX "recvfrom" is the plain one-socket invocation; anything else
# is a feed file of N sockets, each on its own port, with `-F MUX`.
run_sockperf() {
    local n=$1 round=$2 mux=$3 ports p srv wire warm tag="sockperf-$3-$1-$2"
    local pcap="$BENCH_TMP/$tag.pcap" out="$OUT/$tag.txt" feed="$BENCH_TMP/$tag.feed"
    local server=() client=()
    read -r -a ports <<<"$(free_ports "$n")"
    if [[ $mux == recvfrom ]]; then
        server=(sr --tcp -i 127.0.0.1 -p "${ports[0]}" --nonblocked)
        client=(pp --tcp -i 127.0.0.1 -p "${ports[0]}" --nonblocked -t "$SECS")
    else
        : >"$feed"
        for p in "${ports[@]}"; do
            echo "T:127.0.0.1:$p" >>"$feed"
        done
        server=(sr -f "$feed" -F "$mux" --nonblocked)
        client=(pp -f "$feed" -F "$mux" --nonblocked -t "$SECS")
    fi
    sockperf "${server[@]}" >"$BENCH_TMP/server-$tag.txt" 2>&1 &
    srv=$!
    track_pid "$srv"
    local filter=()
    for p in "${ports[@]}"; do
        wait_listening "$p"
        filter+=("port $p")
    done
    if ((n > 64)); then
        # A BPF program has at most 4096 instructions: span the ports instead (other traffic in
        # the range is captured, but only flows to these ports are paired).
        read -r -a filter <<<"$(printf '%s\n' "${ports[@]}" | sort -n | sed -n '1p;$p' | tr '\n' ' ')"
        filter=("portrange ${filter[0]}-${filter[1]}")
    fi
    start_capture "$pcap" "tcp and ($(join_by " or " "${filter[@]}"))"
    if ! timeout $((SECS + 30)) sockperf "${client[@]}" >"$out" 2>&1; then
        echo "sockperf ${client[*]} failed in round $round:" >&2
        cat "$out" >&2
        exit 1
    fi
    stop_capture "$pcap"
    stop_server "$srv"
    warm=$(sed -n 's/.*Warm up time=\([0-9]*\) msec.*/\1/p' "$out")
    wire=$(python3 bench/wire-rtt.py --pairs --tsv --sockperf "$out" --skip-head-ms "${warm:-0}" \
        --skip-tail-ms "$SOCKPERF_COOLDOWN_MS" "$pcap" "$(join_by , "${ports[@]}")" | tail -n 1)
    done_capture "$pcap"
    printf 'sockperf:%s\t%s\t%s\t%s\t-\t-\t-\t%s\n' "$mux" "$n" "$round" "$wire" "$CAPTURE_DROPS" >>"$RESULTS"
}

echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== $ROUNDS round(s); per round, ${SECS}s each: fixblast --backend $BACKEND at sessions $SESSIONS;" \
    "sockperf -F $SOCKPERF_MUX at sockets $SESSIONS; sockperf recvfrom at 1 socket. Results in $OUT" >&2
for round in $(seq "$ROUNDS"); do
    echo "-- round $round: sockperf recvfrom, 1 socket" >&2
    run_sockperf 1 "$round" recvfrom
    for n in $SESSIONS; do
        echo "-- round $round: sockperf $SOCKPERF_MUX, $n sockets" >&2
        run_sockperf "$n" "$round" "$SOCKPERF_MUX"
        echo "-- round $round: fixblast, $n sessions" >&2
        run_fixblast "$n" "$round"
    done
done

python3 - "$RESULTS" "$ROUNDS" "$TABLE" "$SOCKPERF_MUX" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
rounds = int(sys.argv[2])
num = lambda v: None if v in ("-", "?", "", None) else int(v)
for r in rows:
    for q in ("p50", "p99"):
        w, rep = num(r["wire_%s_ns" % q]), num(r["reported_%s_ns" % q])
        r["diff_" + q] = None if None in (w, rep) else rep - w
us = lambda v: "-" if v is None else "%.2f" % (v / 1000)
cols = [("tool", 17), ("N", 4), ("round", 5), ("wire p50", 9), ("rep p50", 9), ("rep-wire", 9),
        ("wire p99", 9), ("rep p99", 9), ("rep-wire", 9), ("loop p50", 9), ("send p50", 9),
        ("recv p50", 9), ("wire n/rep n", 16), ("flows", 5), ("drops", 5)]
line = lambda vals: " ".join(("%-*s" if i == 0 else "%*s") % (w, v) for i, ((_, w), v) in enumerate(zip(cols, vals)))
print()
print("Round trips on TCP loopback under tcpdump, microseconds: wire = capture timestamps,")
print("rep = what the tool reported (fixblast: latency_ns.ack_service; sockperf: 2 x one-way),")
print("loop/send/recv = fixblast's harness block p50s")
print()
print(line([c for c, _ in cols]))
def show(r, rnd):
    print(line([r["tool"], r["sessions"], rnd, us(num(r["wire_p50_ns"])), us(num(r["reported_p50_ns"])), us(r["diff_p50"]),
                us(num(r["wire_p99_ns"])), us(num(r["reported_p99_ns"])), us(r["diff_p99"]),
                us(num(r["loop_p50_ns"])), us(num(r["send_call_p50_ns"])), us(num(r["recv_call_p50_ns"])),
                "%s/%s" % (r["wire_n"], r["reported_n"]), r["wire_flows"], r["tcpdump_drops"]]))
for r in rows:
    show(r, r["round"])
keys = list(dict.fromkeys((r["tool"], r["sessions"]) for r in rows))
med = {}
for k in keys:
    rs = [r for r in rows if (r["tool"], r["sessions"]) == k]
    m = {}
    for f in ("wire_p50_ns", "reported_p50_ns", "wire_p99_ns", "reported_p99_ns", "loop_p50_ns", "send_call_p50_ns", "recv_call_p50_ns"):
        vals = [num(r[f]) for r in rs if num(r[f]) is not None]
        m[f] = int(statistics.median(vals)) if vals else None
    for q in ("p50", "p99"):
        vals = [r["diff_" + q] for r in rs if r["diff_" + q] is not None]
        m["diff_" + q] = int(statistics.median(vals)) if vals else None
    med[k] = m
if rounds > 1:
    for k in keys:
        m = dict(med[k], tool=k[0], sessions=k[1], wire_n="", reported_n="", wire_flows="", tcpdump_drops="")
        show({f: ("-" if v is None else v) if f.endswith("_ns") else v for f, v in m.items()}, "med")
with open(sys.argv[3], "w") as f:
    w = csv.writer(f, delimiter="\t", lineterminator="\n")
    w.writerow(["tool", "sessions", "round", "wire_p50_ns", "reported_p50_ns", "reported_minus_wire_p50_ns",
                "wire_p99_ns", "reported_p99_ns", "reported_minus_wire_p99_ns", "loop_p50_ns", "send_call_p50_ns",
                "recv_call_p50_ns", "wire_n", "reported_n", "wire_flows", "tcpdump_drops"])
    dash = lambda v: "-" if v is None else v
    for r in rows:
        w.writerow([r["tool"], r["sessions"], r["round"], r["wire_p50_ns"], r["reported_p50_ns"], dash(r["diff_p50"]),
                    r["wire_p99_ns"], r["reported_p99_ns"], dash(r["diff_p99"]), r["loop_p50_ns"], r["send_call_p50_ns"],
                    r["recv_call_p50_ns"], r["wire_n"], r["reported_n"], r["wire_flows"], r["tcpdump_drops"]])
    if rounds > 1:
        for (tool, n), m in med.items():
            w.writerow([tool, n, "med"] + [dash(m[f]) for f in ("wire_p50_ns", "reported_p50_ns", "diff_p50", "wire_p99_ns",
                       "reported_p99_ns", "diff_p99", "loop_p50_ns", "send_call_p50_ns", "recv_call_p50_ns")] + ["-"] * 4)

# The rule: fixblast's rep-wire against sockperf's at the same N, and fixblast's at the largest N
# against the smallest (sockperf's beside it, for scale).
print()
d = lambda tool, n, q: med.get((tool, str(n)), {}).get("diff_" + q)
fix = next((k[0] for k in keys if k[0].startswith("fixblast")), None)
ns = sorted({int(k[1]) for k in keys if k[0] == fix})
ref = "sockperf:" + sys.argv[4]
for q in ("p50", "p99"):
    for n in ns:
        for tool in dict.fromkeys(k[0] for k in keys if k[0].startswith("sockperf") and int(k[1]) == n):
            f, s = d(fix, n, q), d(tool, n, q)
            if None not in (f, s):
                print("rep-wire %s, N=%d: %s %s - %s %s = %+.2fus" % (q, n, fix, us(f), tool, us(s), (f - s) / 1000))
    if len(ns) > 1:
        lo, hi = ns[0], ns[-1]
        a, b = d(fix, lo, q), d(fix, hi, q)
        sa, sb = d(ref, lo, q), d(ref, hi, q)
        if None not in (a, b):
            print("rep-wire %s, %s N=%d - N=%d: %s - %s = %+.2fus%s" % (q, fix, hi, lo, us(b), us(a), (b - a) / 1000,
                  "" if None in (sa, sb) else " (%s: %+.2fus)" % (ref, (sb - sa) / 1000)))
EOF
echo
echo "table: $TABLE (raw figures: $RESULTS; JSON results and sockperf outputs beside them)"
