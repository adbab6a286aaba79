#!/usr/bin/env python3
# Wire round trips from a loopback capture with nanosecond timestamps (tcpdump
# --time-stamp-precision=nano; linktype 1, 113 or 276), printed beside what the tool reported.
#
# FIX (default): each 35=D segment to the first 35=8 segment with its ClOrdID (11); printed
# beside the result file's latency_ns.ack_service (--field picks another latency_ns entry, such
# as wire: `run --wire-timestamps software`).
#   python3 bench/wire-rtt.py [--skip-warmup | --measured] [--field NAME] [--probe FILE] [--tsv] CAPTURE.pcap RESULT.json
# --skip-warmup counts only orders whose 35=D was captured inside the result's measured window,
# from status.started_at_unix_s + config.warmup_s for config.duration_s (pcap time is Unix time).
# --measured counts exactly the result's measured orders instead: the last orders.sent 35=D
# segments of the capture (each session sends its measured orders after its warm-up ones, and
# with one session the cut is exact; with more, orders sent within a few us of the warm-up's end
# may swap sides). It needs a capture of the whole run, with no drops, and a mix of new orders.
# The capture's percentiles are rounded as the result's HdrHistograms round theirs.
# --probe reads bench/lo-stamps.py's output (segments sent under the same capture with the
# kernel's software TX and RX stamps; --probe-echo for its --netns mode, each segment
# captured on its way out and on its echo's way back) and splits the kernel's loopback path at
# the capture's tap: TX stamp -> tap (the sender's half) and tap -> RX stamp (the receiver's). The capture
# stamps each segment at the tap, SO_TIMESTAMPING before and after it, so a wire time from
# those stamps is a capture's plus one such path: `moved` is the capture's p50 plus the path's
# p50 and its p99 plus the path's p99 (the orders in the round trips' tail are the ones the
# kernel's path was slow for, when the host was busy), rounded as HdrHistogram rounds.
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
# and with --probe: probe_n tx_tap_p50_ns tap_rx_p50_ns path_p50_ns path_p99_ns moved_p50_ns
# moved_p99_ns
import argparse, json, math, re, struct, sys


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


def fix_rtts(path, lo, hi, last=None):
    """Wire RTTs of the orders whose 35=D was captured in [lo, hi) ns, and their flows; with
    `last`, of the last `last` 35=D segments captured instead."""
    sent, rtts, flows, n = {}, [], {}, 0
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
                if last is not None or lo <= t < hi:
                    sent[cl] = (t, n)
                    flows[n] = (src, sport, dst, dport)
                n += 1
            elif mt == b'8' and cl in sent:
                t0, i = sent.pop(cl)
                rtts.append((i, t - t0))
    cut = 0 if last is None else n - last
    return [r for i, r in rtts if i >= cut], len({f for i, f in flows.items() if i >= cut})


def hdr_rank(xs, p):
    """The p-quantile of sorted xs as an HdrHistogram ranks it: the value of rank ceil(p x n)."""
    return xs[max(1, math.ceil(p * len(xs))) - 1]


def hdr_round(v):
    """v as the result's HdrHistograms report it (3 significant digits, 1 ns unit: the highest
    value of its bucket), so that both sides of a comparison are rounded alike (4 us buckets
    at 4 ms)."""
    shift = max(0, v.bit_length() - 11)
    return ((v >> shift) << shift) + (1 << shift) - 1


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


def probe_paths(capture, path, echo=False):
    """(TX->tap, tap->RX) ns of each probe segment from bench/lo-stamps.py found in the capture
    with both stamps (a segment is found by its payload's start, PROBE and 8 digits). With
    echo (lo-stamps.py --netns), each segment is captured going out and coming back: TX stamp
    -> the first tap, and the second tap -> RX stamp."""
    stamps = {}
    for line in open(path):
        key, tx, rx = line.split()
        if tx != '-' and rx != '-':
            stamps[key.encode()] = (int(tx), int(rx))
    halves, out = [], {}
    for t, _, _, _, _, payload in packets(capture):
        key = payload[:13] if payload.startswith(b'PROBE') else None
        if key not in stamps:
            continue
        if echo and key not in out:
            out[key] = t
            continue
        tx, rx = stamps.pop(key)
        halves.append((out.pop(key, t) - tx, rx - t))
    return halves


def quantile(xs, p):
    """The p-quantile of sorted xs (the value at rank p x (n - 1), rounded down)."""
    return xs[int(p * (len(xs) - 1))]


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
    ap.add_argument('--measured', action='store_true',
                    help="FIX mode: only the last orders.sent 35=D segments (the result's measured orders)")
    ap.add_argument('--field', default='ack_service', metavar='NAME',
                    help="FIX mode: the latency_ns entry to compare (default ack_service; wire with --wire-timestamps)")
    ap.add_argument('--probe', metavar='FILE', help="FIX mode: bench/lo-stamps.py output from the same capture")
    ap.add_argument('--probe-echo', action='store_true',
                    help="--probe: its segments were echoed (lo-stamps.py --netns): each is captured twice")
    ap.add_argument('--tsv', action='store_true', help="machine-readable figures (ns)")
    a = ap.parse_args()
    if a.measured and a.skip_warmup:
        ap.error("--measured and --skip-warmup choose the orders two ways: give one")
    if a.pairs and (a.measured or a.skip_warmup or a.probe or a.field != 'ack_service'):
        ap.error("--measured, --skip-warmup, --probe and --field are for FIX mode, not --pairs")

    if a.pairs:
        servers = {int(p) for p in a.target.split(',') if p}
        rtts, flows = pair_rtts(a.capture, servers, int(a.skip_head_ms * 1e6), int(a.skip_tail_ms * 1e6))
        rep = sockperf_reported(a.sockperf) if a.sockperf else (None, None, None)
        label = "sockperf (2 x one-way)"
    else:
        r = json.load(open(a.target))
        lo, hi, last = 0, float('inf'), None
        if a.measured:
            last = r['orders']['sent']
        elif a.skip_warmup:
            start = r['status']['started_at_unix_s']
            if not start:
                sys.exit(f"{a.target}: status.started_at_unix_s is 0: the run never started sending")
            lo = int((start + r['config']['warmup_s']) * 1e9)
            hi = lo + int(r['config']['duration_s'] * 1e9)
        rtts, flows = fix_rtts(a.capture, lo, hi, last)
        s = r['latency_ns'].get(a.field)
        if not s:
            sys.exit(f"{a.target}: latency_ns.{a.field} is missing or null")
        rep = (s['count'], s['p50'], s['p99'])
        label = a.field

    if not rtts:
        sys.exit(f"{a.capture}: no round trips found")
    rtts.sort()
    # FIX mode compares with a result's HdrHistogram: rounded as it rounds.
    q = (lambda p: quantile(rtts, p)) if a.pairs else (lambda p: hdr_round(hdr_rank(rtts, p)))
    probe = []
    if a.probe and not a.pairs:
        halves = probe_paths(a.capture, a.probe, a.probe_echo)
        if not halves:
            sys.exit(f"{a.capture}: no segment of {a.probe} found with both stamps")
        paths = sorted(d1 + d2 for d1, d2 in halves)
        p50, p99 = quantile(paths, 0.5), quantile(paths, 0.99)
        probe = [len(paths), quantile(sorted(d1 for d1, _ in halves), 0.5),
                 quantile(sorted(d2 for _, d2 in halves), 0.5), p50, p99,
                 hdr_round(hdr_rank(rtts, 0.5) + p50), hdr_round(hdr_rank(rtts, 0.99) + p99)]
    if a.tsv:
        dash = lambda v: '-' if v is None else str(v)
        head = "wire_n\twire_flows\twire_p50_ns\twire_p99_ns\treported_n\treported_p50_ns\treported_p99_ns"
        if probe:
            head += "\tprobe_n\ttx_tap_p50_ns\ttap_rx_p50_ns\tpath_p50_ns\tpath_p99_ns\tmoved_p50_ns\tmoved_p99_ns"
        print(head)
        print("\t".join([str(len(rtts)), str(flows), str(q(0.5)), str(q(0.99))] + [dash(v) for v in rep]
                        + [str(v) for v in probe]))
    elif rep[1] is None:
        print(f"wire: n={len(rtts)} p50={q(0.5)/1000:.1f}us p99={q(0.99)/1000:.1f}us")
    else:
        n = '?' if rep[0] is None else rep[0]
        print(f"wire: n={len(rtts)} p50={q(0.5)/1000:.1f}us p99={q(0.99)/1000:.1f}us | reported {label}: n={n} p50={rep[1]/1000:.1f}us p99={rep[2]/1000:.1f}us | reported-wire p50 {(rep[1]-q(0.5))/1000:.1f}us")
    if probe and not a.tsv:
        print(f"probe: n={probe[0]} tx->tap p50={probe[1]/1000:.2f}us tap->rx p50={probe[2]/1000:.2f}us path p50={probe[3]/1000:.2f}us p99={probe[4]/1000:.2f}us | capture + path, rank by rank: p50={probe[5]/1000:.1f}us p99={probe[6]/1000:.1f}us")


if __name__ == '__main__':
    main()
