#!/usr/bin/env python3
# Wire round trips from a loopback capture: each 35=D segment to the 35=8 segment with its
# ClOrdID, with nanosecond pcap timestamps; printed beside the result file's ack_service.
#   python3 bench/wire-rtt.py CAPTURE.pcap RESULT.json
import json, struct, sys
pcap, result = sys.argv[1], sys.argv[2]
data = open(pcap, 'rb').read()
magic = struct.unpack('<I', data[:4])[0]
assert magic == 0xa1b23c4d, hex(magic)
link = struct.unpack('<I', data[20:24])[0]
off = 24; sent = {}; rtts = []
while off + 16 <= len(data):
    s, ns, incl, orig = struct.unpack('<IIII', data[off:off+16]); off += 16
    pkt = data[off:off+incl]; off += incl
    t = s * 10**9 + ns
    p = pkt[14:] if link == 1 else pkt[16:]
    ihl = (p[0] & 0xf) * 4
    tcp = p[ihl:]
    doff = (tcp[12] >> 4) * 4
    payload = tcp[doff:]
    for m in payload.split(b'8=FIX')[1:]:
        f = dict(x.split(b'=', 1) for x in m.split(b'\x01') if b'=' in x)
        mt, cl = f.get(b'35'), f.get(b'11')
        if cl is None: continue
        if mt == b'D': sent[cl] = t
        elif mt == b'8' and cl in sent:
            rtts.append(t - sent.pop(cl))
r = json.load(open(result))
rep = r['latency_ns']['ack_service']
rtts.sort()
q = lambda p: rtts[int(p * (len(rtts) - 1))]
print(f"wire: n={len(rtts)} p50={q(0.5)/1000:.1f}us p99={q(0.99)/1000:.1f}us | reported ack_service: n={rep['count']} p50={rep['p50']/1000:.1f}us p99={rep['p99']/1000:.1f}us | reported-wire p50 {(rep['p50']-q(0.5))/1000:.1f}us")
