#!/usr/bin/env bash
# scripts/run-hosts.sh over real links, as an operator runs it: two load hosts and a gateway
# host, each a network namespace joined by a veth pair to a bridge in this namespace. Each
# load host runs Debian's sshd with a throwaway host key and accepts a throwaway client key;
# the gateway host runs `fixblast gateway`. run-hosts.sh drives both load hosts from here,
# once over ssh and once over pdsh (PDSH=1), and this checks that:
#   - both results come back and merge;
#   - the merge adds every counter of the two sources exactly (orders, messages, errors,
#     histogram counts) and keeps the larger max;
#   - the flags reached each host as typed (`<`, `%u`), with {index} made 0 and 1;
#   - each result's status.start_at_unix_s is the instant run-hosts.sh chose, and the merged
#     status.start_spread_s is the spread of the sources' status.first_sent_at_unix_s (when
#     each host's first order really left);
#   - the two hosts started within START_SPREAD_MS (default 50) of each other, and each at
#     most START_LATE_MS (default 500) after the --start-at instant (and no more than 5 ms
#     before it): as each process reports it, and as the gateway's link saw it (the first
#     NewOrderSingle from each host in a tcpdump capture there, one clock for all). A stall
#     of the whole machine (a loaded CI host, a throttled cgroup) delays both hosts alike, so
#     the spread gets the tight bound and the lateness a loose one: it catches a host that
#     starts on the wrong second, not a slow scheduler;
#   - a host without a result makes run-hosts.sh exit 3, and usage errors exit 2.
# It prints the measured start spread and lateness of each run.
#
# Needs root (namespaces, sshd, tcpdump); without it, it checks the usage errors, says why it
# skips the rest, and exits 0. As root it must run: anything that fails is a failure (exit 1).
# Installs openssh-server, openssh-client, pdsh and tcpdump with apt when missing. FIXBLAST
# names the binary to use (default: `cargo build` and target/debug/fixblast). Everything it
# makes (namespaces, bridge, sshd, gateway, capture, temp dir) is torn down on exit, also on
# failure. Takes about 25 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

START_SPREAD_MS=${START_SPREAD_MS:-50}
START_LATE_MS=${START_LATE_MS:-500}
PORT=9878

say() { echo "hosts check: $*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

# Usage errors need no hosts: exit 2, before anything runs.
for args in "a,b -- --rate 1" "a,root@a -- --target x:1" "a -- --target x:1 --json r.json" \
  "a -- --target=x:1 --start-at=+1s"; do
  # shellcheck disable=SC2086
  if scripts/run-hosts.sh $args >/dev/null 2>&1; then rc=0; else rc=$?; fi
  [ "$rc" -eq 2 ] || fail "run-hosts.sh $args: exit $rc, not 2"
done
if msg=$(PDSH=1 scripts/run-hosts.sh root@a,b -- --target x:1 2>&1); then rc=0; else rc=$?; fi
[[ $rc -eq 2 && $msg == *"same user@"* ]] || fail "PDSH=1 with two users: exit $rc, not 2: $msg"

if [ "$(id -u)" -ne 0 ]; then
  say "skipped: needs root to make network namespaces and run sshd"
  exit 0
fi

# Installs Debian package $2 (default $1) unless command $1 is there, updating the package
# lists only if it has no install candidate (as scripts/test.sh does).
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  set -- "${2:-$1}"
  if ! apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}
apt_install ip iproute2
apt_install ssh openssh-client
apt_install /usr/sbin/sshd openssh-server
apt_install pdsh
apt_install ssh-keygen openssh-client
apt_install tcpdump

if [ -z "${FIXBLAST:-}" ]; then
  cargo build --quiet --bin fixblast
  FIXBLAST=$(realpath "${CARGO_TARGET_DIR:-target}/debug/fixblast")
fi
[ -x "$FIXBLAST" ] || fail "no fixblast binary at $FIXBLAST"
FIXBLAST=$(realpath "$FIXBLAST")

# Names unique to this run, at most 15 characters for the interfaces.
id=$$
ns_load1=fbhosts$id-l1
ns_load2=fbhosts$id-l2
ns_gw=fbhosts$id-gw
bridge=fbh${id}br
namespaces=()
tcpdump_pid=
tmp=$(mktemp -d)

teardown() {
  local rc=$? ns pid
  set +e
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
  for ns in "${namespaces[@]}"; do
    # Everything in these namespaces was started here: sshd, the gateway, any fixblast run
    # that outlived a failed check.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.2
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null # takes the veth pair with it
  done
  ip link del "$bridge" 2>/dev/null
  if [ "$rc" -ne 0 ]; then
    for f in "$tmp"/*.log "$tmp"/out-*/*.log; do
      [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 1' INT TERM

# A /24 in 10.213.16-31 that no address or route here uses yet.
net=
for o in $(seq 16 31); do
  if ! ip -4 -o addr show | grep -q " 10\.213\.$o\." && ! ip -4 route show | grep -q "^10\.213\.$o\."; then
    net=10.213.$o
    break
  fi
done
[ -n "$net" ] || fail "10.213.16.0/24 to 10.213.31.0/24 are all in use here"
addr_load1=$net.11
addr_load2=$net.12
addr_gw=$net.13

ip netns add "$ns_load1" || fail "ip netns add: cannot make network namespaces here"
namespaces+=("$ns_load1")
# Frames between the namespaces stay off this host's firewall (br_netfilter), if it has one.
ip link add "$bridge" type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
i=0
for pair in "$ns_load1 $addr_load1" "$ns_load2 $addr_load2" "$ns_gw $addr_gw"; do
  read -r ns addr <<<"$pair"
  i=$((i + 1))
  if [ "$ns" != "$ns_load1" ]; then
    ip netns add "$ns"
    namespaces+=("$ns")
  fi
  ip link add "fbh${id}v$i" type veth peer name eth0 netns "$ns"
  ip link set "fbh${id}v$i" master "$bridge" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

# Throwaway keys: one for the hosts, one for the client; the hosts' key is the only one the
# client trusts for these addresses.
ssh-keygen -q -t ed25519 -N '' -C fixblast-hosts-check -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -C fixblast-hosts-check -f "$tmp/client_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
for addr in "$addr_load1" "$addr_load2"; do
  echo "$addr $(cut -d' ' -f1,2 "$tmp/host_key.pub")"
done >"$tmp/known_hosts"
mkdir -p /run/sshd # sshd's privilege separation directory

for pair in "$ns_load1 $addr_load1" "$ns_load2 $addr_load2"; do
  read -r ns addr <<<"$pair"
  cat >"$tmp/sshd-$addr.conf" <<EOF
ListenAddress $addr:22
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
Subsystem sftp internal-sftp
EOF
  ip netns exec "$ns" /usr/sbin/sshd -D -f "$tmp/sshd-$addr.conf" -E "$tmp/sshd-$addr.log" &
done

ip netns exec "$ns_gw" "$FIXBLAST" gateway --listen "$addr_gw:$PORT" --poll yield >"$tmp/gateway.log" 2>&1 &

# -F /dev/null: none of this machine's ssh configuration; the known hosts are only ours.
export SSH_OPTS="-F /dev/null -i $tmp/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$tmp/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ConnectTimeout=5"

# Ready: both sshd answer and the gateway listens (10 s at most).
for addr in "$addr_load1" "$addr_load2"; do
  for _ in $(seq 50); do
    # shellcheck disable=SC2086
    ssh $SSH_OPTS -o BatchMode=yes "root@$addr" true 2>/dev/null && continue 2
    sleep 0.2
  done
  fail "sshd on $addr does not let root in with the throwaway key"
done
for _ in $(seq 50); do
  ip netns exec "$ns_gw" ss -Hltn "sport = :$PORT" | grep -q . && break
  sleep 0.2
done
ip netns exec "$ns_gw" ss -Hltn "sport = :$PORT" | grep -q . || fail "the gateway does not listen on $addr_gw:$PORT"
say "load hosts root@$addr_load1 and root@$addr_load2 (sshd), gateway $addr_gw:$PORT"

# Every counter of the merge is the sum of the sources'; both processes started at the
# --start-at instant, within the bounds.
check_results() { # check_results LABEL START OUT PCAP
  python3 - "$@" "$START_SPREAD_MS" "$START_LATE_MS" "$addr_load1" "$addr_load2" <<'PY'
import json, socket, struct, sys

label, start, out, pcap, spread_ms, late_ms, h1, h2 = sys.argv[1:]
start, spread_max, late_max = float(start), float(spread_ms) / 1e3, float(late_ms) / 1e3
load = lambda name: json.load(open(f"{out}/{name}.json"))
a, b, m = load(h1), load(h2), load("merged")
problems = []

def sums(path, x, y, z):
    """Every integer under x and y adds up to the one under z."""
    if isinstance(z, bool) or not isinstance(z, (int, dict)):
        return
    if isinstance(z, int):
        if z != x + y:
            problems.append(f"merged {path} = {z}, sources {x} + {y} = {x + y}")
        return
    for k in z:
        sums(f"{path}.{k}", x[k], y[k], z[k])

for part in ("orders", "messages", "errors"):
    sums(part, a[part], b[part], m[part])
for kind, lat in m["latency_ns"].items():
    if lat is None:
        continue
    la, lb = a["latency_ns"][kind], b["latency_ns"][kind]
    sums(f"latency_ns.{kind}.count", la["count"], lb["count"], lat["count"])
    if lat["max"] != max(la["max"], lb["max"]):
        problems.append(f"merged latency_ns.{kind}.max {lat['max']} is not the larger of {la['max']}, {lb['max']}")
for index, (name, r) in enumerate(((h1, a), (h2, b))):
    if r["config"]["sender_comp_id"] != f"LD{index}-":
        problems.append(f"{name}: --sender-comp-id arrived as {r['config']['sender_comp_id']!r}, not 'LD{index}-'")
    if not r["status"]["completed"]:
        problems.append(f"{name}: did not complete: {r['status']}")
    if [t["threshold"] for t in r["sla"]] != ["errors<50%"]:
        problems.append(f"{name}: --sla arrived as {[t['threshold'] for t in r['sla']]}, not errors<50%")
    if r["config"]["clordid_prefix"] != "fb%u":
        problems.append(f"{name}: --clordid-prefix arrived as {r['config']['clordid_prefix']!r}, not 'fb%u'")
    if r["orders"]["sent"] <= 0 or r["orders"]["acked"] <= 0:
        problems.append(f"{name}: sent {r['orders']['sent']}, acked {r['orders']['acked']}: no load went over the link")


def first_orders(path):
    """When each source address's first NewOrderSingle (35=D) crossed the gateway's link."""
    first = {}
    with open(path, "rb") as f:
        magic, = struct.unpack("<I", f.read(24)[:4])
        scale = {0xA1B2C3D4: 1e-6, 0xA1B23C4D: 1e-9}[magic]
        while header := f.read(16):
            sec, frac, caplen, _ = struct.unpack("<IIII", header)
            frame = f.read(caplen)
            if frame[12:14] != b"\x08\x00" or frame[23] != 6:  # IPv4, TCP
                continue
            ip = 14 + (frame[14] & 0xF) * 4
            payload = frame[ip + (frame[ip + 12] >> 4) * 4 :]
            src = socket.inet_ntoa(frame[26:30])
            if b"\x0135=D\x01" in payload and src not in first:
                first[src] = sec + frac * scale
    return first


# The start as each process reports it, and as the gateway's link saw it: the first order from
# each host, stamped by the one clock all the namespaces share.
reported = [a["status"]["first_sent_at_unix_s"], b["status"]["first_sent_at_unix_s"]]
for name, r in ((h1, a), (h2, b), ("merged", m)):
    if r["status"]["start_at_unix_s"] != start:
        problems.append(f"{name}: status.start_at_unix_s {r['status']['start_at_unix_s']}, not --start-at {start:.0f}")
spread = m["status"]["start_spread_s"]
if spread is None or abs(spread - (max(reported) - min(reported))) > 1e-6:
    problems.append(f"merged status.start_spread_s {spread}, not {max(reported) - min(reported)} from the sources")
wire = first_orders(pcap)
for name, seen in (("status.first_sent_at_unix_s", reported), ("first order on the wire", [wire.get(h1), wire.get(h2)])):
    if None in seen:
        problems.append(f"{name}: no start for {[h for h, t in zip((h1, h2), seen) if t is None]}")
        continue
    spread = max(seen) - min(seen)
    late = [t - start for t in seen]
    print(
        f"hosts check: {label}: {name}: start spread {spread * 1e3:.3f} ms (bound {spread_max * 1e3:g}), "
        f"after --start-at {late[0] * 1e3:.3f} and {late[1] * 1e3:.3f} ms (bound -5 to {late_max * 1e3:g})",
        file=sys.stderr,
    )
    if spread > spread_max:
        problems.append(f"{name}: start spread {spread * 1e3:.3f} ms > {spread_max * 1e3:g} ms")
    for host, l in zip((h1, h2), late):
        # 5 ms early at most: a process maps its steady clock to UTC once, at its own start,
        # and NTP may slew UTC by up to 0.5 ms/s in the seconds before --start-at.
        if not -0.005 <= l <= late_max:
            problems.append(f"{name}: {host} started {l * 1e3:.3f} ms after --start-at, not -5 to {late_max * 1e3:g} ms")
print(
    f"hosts check: {label}: {a['orders']['sent']} + {b['orders']['sent']} orders merged to {m['orders']['sent']}",
    file=sys.stderr,
)
for p in problems:
    print(f"hosts check: {label}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

mkdir "$tmp/remote"
export REMOTE_FIXBLAST=$FIXBLAST FIXBLAST REMOTE_DIR=$tmp/remote LEAD=3
hosts="root@$addr_load1,root@$addr_load2"
# A `<` for the remote shell and a `%u` that pdsh would take for its user: both must reach the
# hosts as typed, through ssh's and pdsh's command lines. {index} must become 0 and 1.
flags=(--target "$addr_gw:$PORT" --sessions 2 --threads 1 --poll yield --rate 2000 --duration 2s
  --warmup 1s --sla 'errors<50%' --clordid-prefix 'fb%u' --sender-comp-id 'LD{index}-')
for how in ssh pdsh; do
  out=$tmp/out-$how
  pdsh=0
  [ "$how" = pdsh ] && pdsh=1
  # Every packet to the gateway, on its link, with the kernel's nanosecond stamps.
  tcpdump -i "fbh${id}v3" -n -U --time-stamp-precision=nano -w "$tmp/$how.pcap" "tcp dst port $PORT" \
    2>"$tmp/tcpdump-$how.log" &
  tcpdump_pid=$!
  for _ in $(seq 50); do
    grep -q 'listening on' "$tmp/tcpdump-$how.log" && break
    sleep 0.1
  done
  grep -q 'listening on' "$tmp/tcpdump-$how.log" || fail "tcpdump does not capture on the gateway's link"
  # Over pdsh, REMOTE_FIXBLAST is a command with an argument, as the hosts' shell reads it.
  remote=$FIXBLAST
  [ "$how" = pdsh ] && remote="nice -n 0 $FIXBLAST"
  if ! REMOTE_FIXBLAST=$remote OUT=$out PDSH=$pdsh scripts/run-hosts.sh "$hosts" -- "${flags[@]}" 2>"$tmp/run-hosts-$how.log"; then
    cat "$tmp/run-hosts-$how.log" >&2
    fail "$how: run-hosts.sh failed"
  fi
  kill "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=
  if [ "$how" = pdsh ] && [ ! -s "$out/pdsh.log" ]; then
    fail "pdsh: run-hosts.sh did not go through pdsh"
  fi
  start=$(sed -n 's/^== 2 host(s) start at \([0-9]*\) .*/\1/p' "$tmp/run-hosts-$how.log")
  [ -n "$start" ] || fail "$how: run-hosts.sh did not say when the hosts start"
  check_results "$how" "$start" "$out" "$tmp/$how.pcap" || fail "$how: the results are wrong (above)"
done

# A host whose fixblast fails leaves no result: exit 3, naming it, and no merge.
if OUT=$tmp/out-bad LEAD=1 scripts/run-hosts.sh "$hosts" -- "${flags[@]}" --rate nonsense 2>"$tmp/run-hosts-bad.log"; then
  fail "run-hosts.sh exited 0 though no host produced a result"
else
  rc=$?
fi
[ "$rc" -eq 3 ] || fail "run-hosts.sh exited $rc, not 3, when no host produced a result"
grep -q "root@$addr_load1: no result" "$tmp/run-hosts-bad.log" || fail "run-hosts.sh did not name the host without a result"
[ ! -e "$tmp/out-bad/merged.json" ] || fail "run-hosts.sh merged though a host had no result"
say "ok"
