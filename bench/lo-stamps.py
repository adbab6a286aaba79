#!/usr/bin/env python3
# Probes the kernel's own path over TCP loopback while a capture runs: every 2 ms, a burst of
# BURST small segments over a connection of its own, one at a time, each stamped by the kernel as fixblast's
# --wire-timestamps software stamps (SO_TIMESTAMPING: the software TX stamp of the send, the
# software RX stamp of the read), and writes one line per burst, for its last segment (the
# first ones warm the path up, as a busy-polling harness keeps it warm; a lone segment after a
# sleep takes about half as long again on a VM):
#   PROBE<n> TX_NS RX_NS          (realtime ns; "-" where the kernel gave no stamp)
# bench/wire-rtt.py --probe FILE finds each segment in the capture by its payload and splits
# its path at the capture's tap: TX stamp -> tap -> RX stamp.
#
#   python3 bench/lo-stamps.py PORT SECONDS OUT
#   python3 bench/lo-stamps.py --netns NAME ADDR PORT SECONDS OUT      # as root
# PORT: a free loopback port to listen on (the capture filter names it). Stops by itself.
# --netns (bench/wire-capture.sh LINK=veth): the listener is made inside network namespace
# NAME, on ADDR, and echoes each segment back; TX_NS is then the send stamp of the segment on
# its way out and RX_NS the receive stamp of its echo, both taken on this side (the host's),
# and the capture on the host's end of the pair sees each segment twice: bench/wire-rtt.py
# --probe-echo splits them there (tap -> TX stamp of the first, tap -> RX stamp of the second).
import ctypes, os, socket, struct, sys, time

SO_TIMESTAMPING = 37
# SOF_TIMESTAMPING_{TX_SOFTWARE, RX_SOFTWARE, SOFTWARE, OPT_ID, OPT_TSONLY}: as fixblast asks.
BURST = 4
# Padding to the size of an order (a segment's copy and checksum grow with it).
PAD = b"." * 243
# A segment: PROBE, 8 digits, the padding.
SIZE = 13 + len(PAD)
FLAGS = (1 << 1) | (1 << 3) | (1 << 4) | (1 << 7) | (1 << 11)


def stamp(ancillary):
    """The software stamp (the first of the three timespecs) of an SCM_TIMESTAMPING message."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= 16:
            s, ns = struct.unpack_from("qq", data)
            return s * 10**9 + ns or None
    return None


CLONE_NEWNET = 0x40000000


def setns(fd):
    """Moves this thread into the network namespace open as fd (sockets keep theirs)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit("lo-stamps: setns: %s" % os.strerror(ctypes.get_errno()))


def main():
    args, netns, addr = sys.argv[1:], None, "127.0.0.1"
    if args[:1] == ["--netns"]:
        netns, addr, args = args[1], args[2], args[3:]
    port, secs, out = int(args[0]), float(args[1]), args[2]
    home = None
    if netns:
        home = os.open("/proc/self/ns/net", os.O_RDONLY)
        setns(os.open("/run/netns/" + netns, os.O_RDONLY))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, port))
    listener.listen(1)
    if home is not None:
        setns(home)
    a = socket.create_connection((addr, port))
    b, _ = listener.accept()
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, FLAGS)
    b.settimeout(1.0)
    lines, end, n = [], time.monotonic() + secs, 0
    while time.monotonic() < end:
        for _ in range(BURST):
            tx, rx, key = one(a, b, n, echo=netns is not None)
            n += 1
        lines.append("%s %s %s" % (key.decode(), tx or "-", rx or "-"))
        time.sleep(0.002)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def one(a, b, n, echo=False):
    """Sends segment n from a to b: (its TX stamp, its RX stamp, its payload); with echo, b
    sends it back and the RX stamp is a's of the echo."""
    key = b"PROBE%08d" % n
    # As a harness polling with --poll yield does: on a busy host the CPU runs another task
    # in between, and the send then finds its caches cold.
    os.sched_yield()
    a.send(key + PAD)
    tx, deadline = None, time.monotonic() + 1.0
    while tx is None and time.monotonic() < deadline:
        try:
            _, anc, _, _ = a.recvmsg(0, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            tx = stamp(anc)
        except BlockingIOError:
            time.sleep(0)
    got, rx = receive(b)
    if echo:
        b.send(got)
        _, rx = receive(a)
    return tx, rx, key


def receive(s):
    """One segment's bytes from s, and the RX stamp of the read that brought the last."""
    got, rx = b"", None
    while len(got) < SIZE:
        data, anc, _, _ = s.recvmsg(SIZE - len(got), 512)
        if not data:
            sys.exit("lo-stamps: the probe connection closed")
        got += data
        rx = stamp(anc)
    return got, rx


if __name__ == "__main__":
    main()
