#!/usr/bin/env bash
# io_uring against the syscall backend, in one invocation, interleaved (A B C A B C …) so
# drift on a shared host hits every variant alike. Prints per-round figures, medians and
# ratios to the syscall backend for:
#   1. one session, closed loop: RTT p50 and p99       (goal: uring <= 1.10x syscall)
#   2. 64 sessions on one worker, closed loop, window 4: orders/s   (goal: uring >= 1.5x)
#   3. peak RSS of the client at 64 sessions            (goal: uring <= 1.5x)
#   4. syscalls per order on the client (strace -c -f)
# The gateway is one separate `fixblast gateway` process, pinned to core 0 and left running,
# so only the client's transport changes; the client is pinned to core 1.
#
#   bench/backends.sh                       # ROUNDS=3 DUR=5s
#   GATEWAY="--backend uring --uring-recv poll" ROUNDS=5 bench/backends.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS="${ROUNDS:-3}"
DUR="${DUR:-5s}"
GATEWAY="${GATEWAY:---backend syscall}"
VARIANTS=("syscall:--backend syscall" "uring-poll:--backend uring --uring-recv poll" "uring-multishot:--backend uring --uring-recv multishot")

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get install -y -q "$2" >/dev/null; }; }
need strace strace
[ -x /usr/bin/time ] || { echo "installing time"; apt-get install -y -q time >/dev/null; }
cargo build --release --quiet
BIN=target/release/fixblast
TMP="$(mktemp -d)"
PORT=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2086
$BIN gateway --listen "127.0.0.1:$PORT" --cores 0 $GATEWAY 2>"$TMP/gateway.log" &
GW=$!
trap 'kill $GW 2>/dev/null; wait $GW 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "gateway: $(head -1 "$TMP/gateway.log")"
echo "client: core 1; $ROUNDS rounds of $DUR per test; $(nproc) cores, $(uname -r)"

field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
run() { # name flags... -> JSON in $TMP/$name.json
  local out="$1"; shift
  # shellcheck disable=SC2086
  $BIN run --target "127.0.0.1:$PORT" --cores 1 --duration "$DUR" --warmup 1s -q --json "$out" "$@" >/dev/null 2>&1 || true
}

echo
echo "== 1 session, closed loop (RTT = ack from the actual send, ns)"
for r in $(seq "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    name="${v%%:*}"; flags="${v#*:}"
    # shellcheck disable=SC2086
    run "$TMP/one-$name-$r.json" --closed-loop $flags
    printf '  round %s %-16s p50 %7s  p99 %7s\n' "$r" "$name" \
      "$(field "$TMP/one-$name-$r.json" "r['latency_ns']['ack_service']['p50']")" \
      "$(field "$TMP/one-$name-$r.json" "r['latency_ns']['ack_service']['p99']")"
  done
done

echo
echo "== 64 sessions on one worker, closed loop, window 4 (orders/s)"
for r in $(seq "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    name="${v%%:*}"; flags="${v#*:}"
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$TMP/time-$name-$r.txt" \
      $BIN run --target "127.0.0.1:$PORT" --cores 1 --duration "$DUR" --warmup 1s -q --json "$TMP/many-$name-$r.json" \
      --sessions 64 --threads 1 --closed-loop --window 4 $flags >/dev/null 2>&1 || true
    printf '  round %s %-16s %9.0f orders/s  p50 %8s ns  peak RSS %6s KiB  errors %s\n' "$r" "$name" \
      "$(field "$TMP/many-$name-$r.json" "r['throughput']['orders_per_s']")" \
      "$(field "$TMP/many-$name-$r.json" "r['latency_ns']['ack']['p50']")" \
      "$(awk '/Maximum resident/ {print $6}' "$TMP/time-$name-$r.txt")" \
      "$(field "$TMP/many-$name-$r.json" "r['errors']['total']")"
  done
done

echo
echo "== syscalls per order on the client (strace -c -f, 2 s; strace slows everything, counts still hold)"
for v in "${VARIANTS[@]}"; do
  name="${v%%:*}"; flags="${v#*:}"
  for shape in "one:--closed-loop" "many:--sessions 64 --threads 1 --closed-loop --window 4"; do
    # shellcheck disable=SC2086
    strace -f -c -o "$TMP/strace-$name-${shape%%:*}.txt" \
      $BIN run --target "127.0.0.1:$PORT" --cores 1 --duration 2s --warmup 0s -q --json "$TMP/st.json" ${shape#*:} $flags \
      >/dev/null 2>&1 || true
    orders="$(field "$TMP/st.json" "r['orders']['sent']")"
    calls="$(awk '$NF ~ /^(read|recvfrom|write|sendto|io_uring_enter)$/ {n += $4} END {print n+0}' "$TMP/strace-$name-${shape%%:*}.txt")"
    printf '  %-16s %-5s %8s orders  %9s I/O syscalls  %6.2f per order\n' "$name" "${shape%%:*}" "$orders" "$calls" \
      "$(python3 -c "print($calls / max($orders, 1))")"
  done
done

echo
echo "== medians and ratios to syscall"
python3 - "$TMP" "$ROUNDS" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
names = ["syscall", "uring-poll", "uring-multishot"]
def load(kind, name):
    out = []
    for r in range(1, rounds + 1):
        try:
            out.append(json.load(open(f"{tmp}/{kind}-{name}-{r}.json")))
        except Exception:
            pass
    return out
def rss(name):
    vals = []
    for r in range(1, rounds + 1):
        for line in open(f"{tmp}/time-{name}-{r}.txt"):
            if "Maximum resident" in line:
                vals.append(int(line.split()[-1]))
    return statistics.median(vals)
base = {}
for n in names:
    one, many = load("one", n), load("many", n)
    m = {
        "p50": statistics.median(x["latency_ns"]["ack_service"]["p50"] for x in one),
        "p99": statistics.median(x["latency_ns"]["ack_service"]["p99"] for x in one),
        "rate64": statistics.median(x["throughput"]["orders_per_s"] for x in many),
        "rss64": rss(n),
    }
    base.setdefault("syscall", m)
    b = base["syscall"]
    print(f"  {n:16s} 1-session p50 {m['p50']/1e3:6.2f}us ({m['p50']/b['p50']:.2f}x)  "
          f"p99 {m['p99']/1e3:7.2f}us ({m['p99']/b['p99']:.2f}x)  "
          f"64-session {m['rate64']:9.0f}/s ({m['rate64']/b['rate64']:.2f}x)  "
          f"RSS {m['rss64']/1024:5.1f}MiB ({m['rss64']/b['rss64']:.2f}x)")
PY
