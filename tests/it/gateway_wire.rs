//! The built-in gateway's own wire time (`gateway.wire_ns`): with `--wire-timestamps
//! software` the gateway stamps too, accounts for every request it answered, and its
//! socket-to-socket time sits inside the client's wire time, order by order.

use super::{QUICK, SYSCALL, gateway, run};
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use fixblast::gateway::GatewayConfig;
use fixblast::metrics::LatencyKind;
use fixblast::transport::wire;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const WIRE: &[&str] = &["--backend", "syscall", "--gateway-backend", "syscall", "--wire-timestamps", "software"];

crate::on_every_backend!(
    the_built_in_gateway_accounts_for_every_answer_and_its_time_is_inside_the_wire,
    order_by_order_the_gateways_time_is_inside_the_clients_wire_time,
);

/// The harness and the built-in gateway both on `backend` (the io_uring copies: the
/// gateway receives in the same `--uring-recv` mode as the harness), stamping.
fn wire_on<'a>(backend: &[&'a str]) -> Vec<&'a str> {
    let gateway: &[&str] = if backend == SYSCALL { &["--gateway-backend", "syscall"] } else { &[] };
    [backend, gateway, &["--wire-timestamps", "software"]].concat()
}

fn the_built_in_gateway_accounts_for_every_answer_and_its_time_is_inside_the_wire(backend: &[&str]) {
    let out = run(&[&wire_on(backend)[..], &["--rate", "2000"], QUICK].concat()).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    let r = &out.result;
    let g = r.gateway.as_ref().expect("a gateway section");
    let gw = g.wire_ns.as_ref().expect("gateway.wire_ns: every gateway backend stamps");
    assert!(g.answered > 0 && gw.count > 0, "{g:?}");
    assert_eq!(gw.count + g.wire_unstamped + g.wire_anomalies, g.answered, "{g:?}");
    // Past the warm-up the kernel stamps every read and send: a missing stamp is the
    // exception (a connection closing), never the rule.
    assert!(g.wire_unstamped * 10 <= g.answered, "most answers unstamped: {g:?}");
    assert!(g.wire_unmeasured.is_none());
    // The gateway's read-to-send time is part of each order's wire time.
    let wire = r.latency_ns.get(LatencyKind::Wire).expect("latency_ns.wire");
    assert!(gw.p50 <= wire.p50, "gateway {gw:?} wire {wire:?}");
    let v = serde_json::to_value(r).unwrap();
    assert_eq!(v["gateway"]["wire_ns"]["count"], gw.count, "{}", v["gateway"]);
    assert!(v["gateway"].get("wire_unmeasured").is_none());
    let text = fixblast::report::summary::summary(r);
    assert!(text.contains(" (of which gateway p50 "), "{text}");
}

#[test]
fn an_external_gateway_has_no_gateway_section_even_when_it_stamps() {
    let g = gateway(SYSCALL, GatewayConfig { wire: true, ..GatewayConfig::loopback() });
    let target = g.addr().to_string();
    let out = run(&[WIRE, &["--rate", "500", "--target", &target], QUICK].concat()).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    assert!(out.result.gateway.is_none());
    assert!(serde_json::to_value(&out.result).unwrap().get("gateway").is_none());
    // Without --wire-timestamps, the built-in gateway has none either.
    let plain = run(&[SYSCALL, &["--rate", "500"], QUICK].concat()).unwrap();
    assert!(plain.result.gateway.is_none());
    let stopped = g.stop().expect("a gateway started with wire returns its tally");
    assert!(stopped.answered > 0 && !stopped.unsupported);
}

/// Orders sent one at a time by a client that stamps too: every order's gateway time is
/// inside its client wire time, so the k-th smallest of each (the gateway's histogram read
/// at the low end of each bucket) are in that order for every k. On every gateway backend
/// (io_uring: in both receive modes), every answer is stamped.
fn order_by_order_the_gateways_time_is_inside_the_clients_wire_time(backend: &[&str]) {
    let g = gateway(backend, GatewayConfig { wire: true, ..GatewayConfig::loopback() });
    let mut c = Client::logon(&g.addr().to_string());
    // The kernel turns receive stamping on a moment after the first socket asks.
    std::thread::sleep(Duration::from_millis(200));
    const N: usize = 50;
    let mut client: Vec<u64> = (0..N).map(|i| c.order(&format!("o{i}"))).collect();
    // A round trip after the last answer: the gateway has since taken that answer's send
    // stamp (it does before reading), so stopping it abandons nothing.
    c.test_request();
    drop(c);
    let t = g.stop().expect("a tally");
    let on = backend.join(" ");
    assert_eq!((t.answered, t.unstamped, t.anomalies), (N as u64, 0, 0), "{on}: every order answered and stamped");
    assert_eq!(t.hist.len(), N as u64);
    client.sort_unstable();
    let mut k = 0;
    for v in t.hist.iter_recorded() {
        for _ in 0..v.count_at_value() {
            let low = t.hist.lowest_equivalent(v.value_iterated_to());
            assert!(low <= client[k], "{on}: gateway {low} ns > client wire {} ns at rank {k}: {client:?}", client[k]);
            k += 1;
        }
    }
}

/// A FIX client on a stamped socket: each order's wire time, from the kernel's stamp of its
/// send to the kernel's stamp of the read that brought its reply's last byte.
struct Client {
    s: TcpStream,
    seq: u64,
    buf: Vec<u8>,
    stamps: wire::Conn,
    cmsg: [u8; wire::CMSG_SPACE],
}

impl Client {
    fn logon(addr: &str) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_nodelay(true).unwrap();
        wire::enable(&s).unwrap();
        let mut c = Client { s, seq: 1, buf: Vec::new(), stamps: wire::Conn::default(), cmsg: [0; wire::CMSG_SPACE] };
        c.send(b"A", &[(98, b"0"), (108, b"30")]);
        assert_eq!(parse(&c.recv().0).unwrap().msg_type, MsgType::Logon);
        c
    }

    /// Sends a message; returns the offset of its last byte.
    fn send(&mut self, msg_type: &[u8], body: &[(u32, &[u8])]) -> u64 {
        let msg = crate::client_message(self.seq, msg_type, body);
        let n = msg.len();
        self.s.write_all(&msg).unwrap();
        self.stamps.written += n as u64;
        self.seq += 1;
        self.stamps.written - 1
    }

    /// The next message, with the stamp of the read that brought its last byte.
    fn recv(&mut self) -> (Vec<u8>, Option<u64>) {
        let mut chunk = [0u8; 4096];
        let t0 = Instant::now();
        loop {
            if let Frame::Message { len } = frame(&self.buf) {
                let last = self.stamps.received - self.buf.len() as u64 + len as u64 - 1;
                return (self.buf.drain(..len).collect(), self.stamps.rx.find(last));
            }
            assert!(t0.elapsed() < Duration::from_secs(10), "no reply from the gateway");
            match wire::recv(&self.s, &mut chunk, &mut self.cmsg) {
                Ok((0, _)) => panic!("the gateway closed the connection"),
                Ok((n, stamp)) => {
                    self.stamps.on_read(n, stamp);
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Sends a TestRequest and waits for the Heartbeat that answers it.
    fn test_request(&mut self) {
        self.send(b"1", &[(112, b"sync")]);
        assert_eq!(parse(&self.recv().0).unwrap().msg_type, MsgType::Heartbeat);
    }

    /// Sends a NewOrderSingle; returns its wire time.
    fn order(&mut self, id: &str) -> u64 {
        let body: [(u32, &[u8]); 7] = [
            (11, id.as_bytes()),
            (21, b"1"),
            (55, b"ACME"),
            (54, b"1"),
            (60, b"20240102-03:04:05.678"),
            (38, b"100"),
            (40, b"1"),
        ];
        let last = self.send(b"D", &body);
        let (reply, rx) = self.recv();
        assert_eq!(parse(&reply).unwrap().msg_type, MsgType::ExecutionReport);
        let (stamps, cmsg) = (&mut self.stamps, &mut self.cmsg);
        wire::drain_tx(&self.s, cmsg, |key, ns| stamps.on_tx(key, ns));
        let tx = self.stamps.tx.find(last).expect("the order's send stamp");
        rx.expect("the reply's receive stamp").checked_sub(tx).expect("received after sent")
    }
}
