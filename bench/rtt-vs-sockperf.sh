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
# BACKENDS lists fixblast --backend values to measure, each a variant of every round
# (default: auto, what a plain `fixblast run` uses; the backend it chose is printed).
#
# Loopback only; stops by itself; kills its servers on exit. Needs: cargo, python3, taskset,
# and apt-get (root or sudo) the first time, for Debian's sockperf.
#   ROUNDS=3 SECS=5 BACKENDS="auto syscall" bench/rtt-vs-sockperf.sh
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
BACKENDS=${BACKENDS:-auto}

ensure_pkg sockperf sockperf
build_fixblast

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
    local round=$1 backend=$2 json="$BENCH_TMP/fixblast-$1-$2.json" log="$BENCH_TMP/fixblast-$1-$2.txt"
    timeout $((SECS + 60)) "$FIXBLAST" run --closed-loop --sessions 1 --threads 1 --backend "$backend" \
        --cores "$CLIENT_CORE" --gateway-cores "$SERVER_CORE" \
        --duration "${SECS}s" --warmup 1s --json "$json" --quiet >"$log" 2>&1 || {
        echo "fixblast run --backend $backend failed in round $round:" >&2
        cat "$log" >&2
        exit 1
    }
    python3 - "$json" "$round" "$backend" >>"$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ns"]
name = "fixblast:%s" % sys.argv[3]
if sys.argv[3] != r["config"]["backend"]:
    name += "=" + r["config"]["backend"]
if r["errors"]["total"]:
    print("warning: %s round %s had errors: %s" % (name, sys.argv[2], r["errors"]["by_kind"]), file=sys.stderr)
print("%s\t%s\t%d\t%d\t%d\t%d\t%d" % (name, sys.argv[2], l["ack_service"]["p50"], l["ack_service"]["p99"],
                                      l["ack"]["p50"], l["ack"]["p99"], l["ack_service"]["count"]))
EOF
}

echo "== $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== $ROUNDS rounds x ${SECS}s each, interleaved: sockperf (server core $SERVER_CORE, client core $CLIENT_CORE), fixblast --backend $BACKENDS (gateway core $SERVER_CORE, worker core $CLIENT_CORE)" >&2
for round in $(seq "$ROUNDS"); do
    echo "-- round $round: sockperf" >&2
    run_sockperf "$round"
    for backend in $BACKENDS; do
        echo "-- round $round: fixblast --backend $backend" >&2
        run_fixblast "$round" "$backend"
    done
done

python3 - "$RESULTS" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print()
print("RTT over TCP loopback, nanoseconds (sockperf: 2 x its one-way figure; fixblast: latency_ns.ack_service,")
print("send to first ExecutionReport; ack = latency_ns.ack, from the intended send time)")
print()
w = max(len(r["tool"]) for r in rows)
print("%-*s %5s %9s %9s %9s %9s %10s" % (w, "tool", "round", "p50", "p99", "ack p50", "ack p99", "samples"))
for r in rows:
    print("%-*s %5s %9s %9s %9s %9s %10s" % (w, r["tool"], r["round"], r["p50_ns"], r["p99_ns"],
                                             r["ack_p50_ns"], r["ack_p99_ns"], r["samples"]))
tools = list(dict.fromkeys(r["tool"] for r in rows))
med = {}
for tool in tools:
    rs = [r for r in rows if r["tool"] == tool]
    m = lambda k: statistics.median(int(r[k]) for r in rs)
    med[tool] = {"p50": m("p50_ns"), "p99": m("p99_ns")}
    extra = "%9s %9s" % ("-", "-") if tool == "sockperf" else "%9d %9d" % (m("ack_p50_ns"), m("ack_p99_ns"))
    print("%-*s %5s %9d %9d %s" % (w, tool, "med", med[tool]["p50"], med[tool]["p99"], extra))
print()
for tool in tools:
    if tool == "sockperf":
        continue
    for q in ("p50", "p99"):
        print("%s RTT %s / sockperf RTT %s = %.2fx  (goal <= 1.25x)" % (tool, q, q, med[tool][q] / med["sockperf"][q]))
EOF
