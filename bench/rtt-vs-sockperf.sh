#!/usr/bin/env bash
# How close fixblast's order round trip comes to the TCP loopback floor.
#
# In one invocation, interleaved A B A B (ROUNDS rounds of SECS seconds each):
#   A: sockperf ping-pong over TCP loopback, non-blocking, server and client pinned
#      (sockperf prints one-way latency = RTT/2; this script doubles it to an RTT);
#   B: fixblast closed loop, one session, one worker, against its built-in gateway, with
#      worker and gateway pinned to the same two cores as sockperf's client and server.
# Prints every round, the medians, and fixblast RTT / sockperf RTT at p50 and p99.
# fixblast's RTT is latency_ns.ack_service (send to first ExecutionReport); in closed loop
# latency_ns.ack (from the intended send time) is nearly the same and is shown too.
#
# Loopback only; stops by itself; kills its servers on exit. Needs: cargo, python3, taskset,
# and apt-get (root or sudo) the first time, for Debian's sockperf.
#   ROUNDS=3 SECS=5 bench/rtt-vs-sockperf.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

ensure_pkg sockperf sockperf
build_fixblast

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 5 s for something to listen on 127.0.0.1:$1.
wait_listening() {
    local i
    for i in $(seq 50); do
        if ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

RESULTS="$BENCH_TMP/rounds.tsv"
printf 'tool\tround\tp50_ns\tp99_ns\tack_p50_ns\tack_p99_ns\tsamples\n' >"$RESULTS"

run_sockperf() {
    local round=$1 port pid out="$BENCH_TMP/sockperf-$1.txt"
    port=$(free_port)
    taskset -c "$SERVER_CORE" sockperf sr --tcp -i 127.0.0.1 -p "$port" --nonblocked >"$BENCH_TMP/server-$round.txt" 2>&1 &
    pid=$!
    track_pid "$pid"
    wait_listening "$port"
    timeout $((SECS + 30)) taskset -c "$CLIENT_CORE" \
        sockperf pp --tcp -i 127.0.0.1 -p "$port" --nonblocked -t "$SECS" >"$out" 2>&1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # One-way microseconds -> round-trip nanoseconds.
    python3 - "$out" "$round" >>"$RESULTS" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def pct(p):
    m = re.search(r"percentile %s =\s*([0-9.]+)" % re.escape(p), text)
    if not m:
        sys.exit("sockperf printed no percentile %s:\n%s" % (p, text))
    return round(float(m.group(1)) * 2 * 1000)
n = re.search(r"Total (\d+) observations", text)
print("sockperf\t%s\t%d\t%d\t-\t-\t%s" % (sys.argv[2], pct("50.000"), pct("99.000"), n.group(1) if n else "?"))
EOF
}

run_fixblast() {
    local round=$1 json="$BENCH_TMP/fixblast-$1.json"
    timeout $((SECS + 60)) "$FIXBLAST" run --closed-loop --sessions 1 --threads 1 \
        --cores "$CLIENT_CORE" --gateway-cores "$SERVER_CORE" \
        --duration "${SECS}s" --warmup 1s --json "$json" --quiet >"$BENCH_TMP/fixblast-$round.txt" 2>&1 || {
        echo "fixblast run failed in round $round:" >&2
        cat "$BENCH_TMP/fixblast-$round.txt" >&2
        exit 1
    }
    python3 - "$json" "$round" >>"$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ns"]
if r["errors"]["total"]:
    print("warning: fixblast round %s had errors: %s" % (sys.argv[2], r["errors"]["by_kind"]), file=sys.stderr)
print("fixblast\t%s\t%d\t%d\t%d\t%d\t%d" % (sys.argv[2], l["ack_service"]["p50"], l["ack_service"]["p99"],
                                            l["ack"]["p50"], l["ack"]["p99"], l["ack_service"]["count"]))
EOF
}

echo "== $ROUNDS rounds x ${SECS}s each, interleaved: sockperf (server core $SERVER_CORE, client core $CLIENT_CORE), fixblast (gateway core $SERVER_CORE, worker core $CLIENT_CORE)" >&2
for round in $(seq "$ROUNDS"); do
    echo "-- round $round: sockperf" >&2
    run_sockperf "$round"
    echo "-- round $round: fixblast" >&2
    run_fixblast "$round"
done

python3 - "$RESULTS" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print()
print("RTT over TCP loopback, nanoseconds (sockperf: 2 x its one-way figure; fixblast: latency_ns.ack_service,")
print("send to first ExecutionReport; ack = latency_ns.ack, from the intended send time)")
print()
print("%-9s %5s %9s %9s %9s %9s %10s" % ("tool", "round", "p50", "p99", "ack p50", "ack p99", "samples"))
for r in rows:
    print("%-9s %5s %9s %9s %9s %9s %10s" % (r["tool"], r["round"], r["p50_ns"], r["p99_ns"],
                                             r["ack_p50_ns"], r["ack_p99_ns"], r["samples"]))
med = {}
for tool in ("sockperf", "fixblast"):
    rs = [r for r in rows if r["tool"] == tool]
    med[tool] = {k: statistics.median(int(r[k]) for r in rs) for k in ("p50_ns", "p99_ns")}
    extra = ("%9d %9d" % (statistics.median(int(r["ack_p50_ns"]) for r in rs),
                          statistics.median(int(r["ack_p99_ns"]) for r in rs))) if tool == "fixblast" else "%9s %9s" % ("-", "-")
    print("%-9s %5s %9d %9d %s" % (tool, "med", med[tool]["p50_ns"], med[tool]["p99_ns"], extra))
print()
for k, name in (("p50_ns", "p50"), ("p99_ns", "p99")):
    print("fixblast RTT %s / sockperf RTT %s = %.2fx  (goal <= 1.25x)" % (name, name, med["fixblast"][k] / med["sockperf"][k]))
EOF
