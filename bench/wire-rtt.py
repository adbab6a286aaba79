#!/usr/bin/env python3
# Wire round trips from a loopback capture with nanosecond timestamps (tcpdump
# --time-stamp-precision=nano; linktype 1, 113 or 276), printed beside what the tool reported.
#
# FIX (default): each 35=D segment to the 35=8 segment with its ClOrdID (11); printed beside
# the result file's latency_ns.ack_service.
#   python3 bench/wire-rtt.py [--skip-warmup] [--tsv] CAPTURE.pcap RESULT.json
# --skip-warmup counts only orders whose 35=D was captured inside the result's measured window,
# from status.started_at_unix_s + config.warmup_s for config.duration_s (pcap time is Unix time).
#
# Ping-pong (--pairs): per TCP flow, each client->server data segment to the next
# server->client data segment (one message in flight, as in sockperf ping-pong); segments
# without payload are ignored. The server side is the one on a SERVER_PORT.
#   python3 bench/wire-rtt.py --pairs [--sockperf CLIENT_OUTPUT] [--skip-head-ms MS]
#       [--skip-tail-ms MS] [--tsv] CAPTURE.pcap SERVER_PORT[,SERVER_PORT...]
# --sockperf reads a `sockperf ping-pong` client's output and reports 2 x its one-way
# percentiles (an RTT); --skip-head-ms/--skip-tail-ms drop the pairs sent that long after the
# first or before the last one (sockperf's own warm-up and cool-down).
#
# --tsv prints a header line and one line of figures, in nanoseconds ("-" where unknown):
#   wire_n wire_flows wire_p50_ns wire_p99_ns reported_n reported_p50_ns reported_p99_ns
import argparse, json, re, struct, sys


def packets(path):
    """Yields (t_ns, src, sport, dst, dport, payload) for each captured IPv4 TCP segment."""
    data = open(path, 'rb').read()
    if len(data) < 24:
        sys.exit(f"{path}: not a pcap file (or an empty capture)")
    magic = struct.unpack_from('<I', data)[0]
    if magic != 0xa1b23c4d:
        sys.exit(f"{path}: magic {magic:#x}, want 0xa1b23c4d: capture with --time-stamp-precision=nano")
    link = struct.unpack_from('<I', data, 20)[0]
    hdr = {1: 14, 113: 16, 276: 20}.get(link)
    if hdr is None:
        sys.exit(f"{path}: linktype {link} not handled (1, 113 or 276)")
    off, end = 24, len(data)
    unpack_rec, unpack_ports = struct.Struct('<IIII').unpack_from, struct.Struct('>HH').unpack_from
    while off + 16 <= end:
        s, ns, incl, _ = unpack_rec(data, off)
        off += 16
        p = off + hdr
        off += incl
        if off > end:
            break  # the last record was cut short (capture stopped mid-write)
        if data[p] >> 4 != 4 or data[p + 9] != 6:
            continue  # not IPv4, or not TCP
        ihl = (data[p] & 0xf) * 4
        ip_end = min(p + struct.unpack_from('>H', data, p + 2)[0], off)
        tcp = p + ihl
        start = tcp + (data[tcp + 12] >> 4) * 4
        if start >= ip_end:
            continue  # no payload (a bare ACK, SYN or FIN)
        sport, dport = unpack_ports(data, tcp)
        yield (s * 10**9 + ns, data[p + 12:p + 16], sport, data[p + 16:p + 20], dport,
               data[start:ip_end])


def fix_rtts(path, lo, hi):
    """Wire RTTs of the orders whose 35=D was captured in [lo, hi) ns, and their flows."""
    sent, rtts, flows = {}, [], set()
    for t, src, sport, dst, dport, payload in packets(path):
        for m in payload.split(b'8=FIX')[1:]:
            i = m.find(b'\x0135=')
            j = m.find(b'\x0111=')
            if i < 0 or j < 0:
                continue
            k = m.find(b'\x01', j + 4)
            if k < 0:
                continue  # cut by the snap length
            mt, cl = m[i + 4:m.find(b'\x01', i + 4)], m[j + 4:k]
            if mt == b'D':
                if lo <= t < hi:
                    sent[cl] = t
                    flows.add((src, sport, dst, dport))
            elif mt == b'8' and cl in sent:
                rtts.append(t - sent.pop(cl))
    return rtts, len(flows)


def pair_rtts(path, servers, head_ns, tail_ns):
    """Ping-pong wire RTTs: each client->server data segment to the next reply on its flow."""
    pending, pairs, overlapped = {}, [], 0
    for t, src, sport, dst, dport, _ in packets(path):
        if dport in servers:
            key = (src, sport, dst, dport)
            if key in pending:
                overlapped += 1  # a second request before the reply: not a ping-pong
            else:
                pending[key] = t
        elif sport in servers:
            key = (dst, dport, src, sport)
            t0 = pending.pop(key, None)
            if t0 is not None:
                pairs.append((t0, t - t0, key))
    if overlapped:
        print(f"warning: {overlapped} request segments followed another before its reply",
              file=sys.stderr)
    if not pairs:
        return [], 0
    first, last = min(p[0] for p in pairs), max(p[0] for p in pairs)
    kept = [p for p in pairs if first + head_ns <= p[0] <= last - tail_ns]
    return [p[1] for p in kept], len({p[2] for p in kept})


def sockperf_reported(path):
    """(count, p50, p99) in ns from a sockperf ping-pong client's output: 2 x its one-way figures."""
    text = open(path).read()
    def pct(p):
        m = re.search(r"percentile %s =\s*([0-9.]+)" % re.escape(p), text)
        if not m:
            sys.exit(f"{path}: sockperf printed no percentile {p}")
        return round(float(m.group(1)) * 2 * 1000)
    n = re.search(r"Total (\d+) observations", text)
    return (int(n.group(1)) if n else None), pct("50.000"), pct("99.000")


def main():
    ap = argparse.ArgumentParser(description="Wire round trips from a nanosecond loopback pcap.")
    ap.add_argument('capture')
    ap.add_argument('target', help="RESULT.json (FIX mode) or SERVER_PORT[,...] (--pairs)")
    ap.add_argument('--pairs', action='store_true', help="ping-pong pairing per TCP flow")
    ap.add_argument('--skip-warmup', action='store_true',
                    help="FIX mode: only orders sent inside the result's measured window")
    ap.add_argument('--sockperf', metavar='OUTPUT', help="--pairs: sockperf client output")
    ap.add_argument('--skip-head-ms', type=float, default=0.0)
    ap.add_argument('--skip-tail-ms', type=float, default=0.0)
    ap.add_argument('--tsv', action='store_true', help="machine-readable figures (ns)")
    a = ap.parse_args()

    if a.pairs:
        servers = {int(p) for p in a.target.split(',') if p}
        rtts, flows = pair_rtts(a.capture, servers, int(a.skip_head_ms * 1e6), int(a.skip_tail_ms * 1e6))
        rep = sockperf_reported(a.sockperf) if a.sockperf else (None, None, None)
        label = "sockperf (2 x one-way)"
    else:
        r = json.load(open(a.target))
        lo, hi = 0, float('inf')
        if a.skip_warmup:
            start = r['status']['started_at_unix_s']
            if not start:
                sys.exit(f"{a.target}: status.started_at_unix_s is 0: the run never started sending")
            lo = int((start + r['config']['warmup_s']) * 1e9)
            hi = lo + int(r['config']['duration_s'] * 1e9)
        rtts, flows = fix_rtts(a.capture, lo, hi)
        s = r['latency_ns']['ack_service']
        rep = (s['count'], s['p50'], s['p99'])
        label = "ack_service"

    if not rtts:
        sys.exit(f"{a.capture}: no round trips found")
    rtts.sort()
    q = lambda p: rtts[int(p * (len(rtts) - 1))]
    if a.tsv:
        dash = lambda v: '-' if v is None else str(v)
        print("wire_n\twire_flows\twire_p50_ns\twire_p99_ns\treported_n\treported_p50_ns\treported_p99_ns")
        print("\t".join([str(len(rtts)), str(flows), str(q(0.5)), str(q(0.99))] + [dash(v) for v in rep]))
    elif rep[1] is None:
        print(f"wire: n={len(rtts)} p50={q(0.5)/1000:.1f}us p99={q(0.99)/1000:.1f}us")
    else:
        n = '?' if rep[0] is None else rep[0]
        print(f"wire: n={len(rtts)} p50={q(0.5)/1000:.1f}us p99={q(0.99)/1000:.1f}us | reported {label}: n={n} p50={rep[1]/1000:.1f}us p99={rep[2]/1000:.1f}us | reported-wire p50 {(rep[1]-q(0.5))/1000:.1f}us")


if __name__ == '__main__':
    main()
