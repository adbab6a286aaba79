//! The standalone gateway survives its clients: garbage, half messages, clients that vanish
//! mid-message or never read, and a thousand short sessions leave it answering, holding no
//! socket it does not serve, and with flat memory. On every backend, as a separate process,
//! so its descriptors and RSS are its own (`/proc/<pid>`).

use super::bin;
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// How long a client waits for an answer before the gateway counts as stuck.
const ANSWER: Duration = Duration::from_secs(5);

/// RSS the second pass may add over the first. Each connection holds at most a 64 KiB
/// out-buffer and a 64 KiB inbox (the gateway's `recv_max`), reused once released: a
/// per-connection leak over the second pass's 1,000 cycles would be 1,000 times that, at
/// least tens of MiB. 4 MiB leaves room for the allocator's and the kernel's own noise.
const RSS_SLACK_KIB: u64 = 4 << 10;

/// A blocking FIX 4.2 initiator, as little of one as the test needs.
struct Client {
    s: TcpStream,
    seq: u64,
    buf: Vec<u8>,
    orders: u64,
}

/// One message from the test's client: the standard header, then `extra`.
fn msg(seq: u64, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    super::fake::message(b"SURVIVOR", b"GATEWAY", seq, msg_type, extra)
}

impl Client {
    fn connect(addr: &str) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(ANSWER)).unwrap();
        s.set_write_timeout(Some(ANSWER)).unwrap();
        Client { s, seq: 1, buf: Vec::new(), orders: 0 }
    }

    fn logon_msg(&mut self) -> Vec<u8> {
        self.next(b"A", &[(98, b"0"), (108, b"30"), (141, b"Y")])
    }

    fn order_msg(&mut self) -> Vec<u8> {
        self.orders += 1;
        let id = format!("SURV{}-{}", self.s.local_addr().unwrap().port(), self.orders);
        let extra: [(u32, &[u8]); 8] = [
            (11, id.as_bytes()),
            (21, b"1"),
            (55, b"ACME"),
            (54, b"1"),
            (60, b"20240102-03:04:05.678"),
            (38, b"100"),
            (40, b"2"),
            (44, b"10.5"),
        ];
        self.next(b"D", &extra)
    }

    fn next(&mut self, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
        self.seq += 1;
        msg(self.seq - 1, msg_type, extra)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    /// Reads until a message of type `want` arrives; panics after [`ANSWER`].
    fn expect(&mut self, want: MsgType, what: &str) {
        let t0 = Instant::now();
        let mut chunk = [0u8; 4096];
        loop {
            while let Frame::Message { len } = frame(&self.buf) {
                let raw: Vec<u8> = self.buf.drain(..len).collect();
                if parse(&raw).is_ok_and(|m| m.msg_type == want) {
                    return;
                }
            }
            assert!(t0.elapsed() < ANSWER, "no answer to {what} within {ANSWER:?}");
            match self.s.read(&mut chunk) {
                Ok(0) => panic!("the gateway closed the connection instead of answering {what}"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("no answer to {what}: {e}"),
            }
        }
    }

    fn logon(addr: &str) -> Client {
        let mut c = Client::connect(addr);
        let logon = c.logon_msg();
        c.send(&logon);
        c.expect(MsgType::Logon, "a Logon");
        c
    }

    fn order_acked(&mut self) {
        let order = self.order_msg();
        self.send(&order);
        self.expect(MsgType::ExecutionReport, "a NewOrderSingle");
    }

    fn logout(mut self) {
        let logout = self.next(b"5", &[]);
        self.send(&logout);
        self.expect(MsgType::Logout, "a Logout");
    }
}

/// The standalone gateway, killed when dropped (also when the test fails).
struct Gw {
    child: Child,
    addr: String,
}

impl Drop for Gw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gw {
    fn start(backend: &[&str]) -> Gw {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = bin()
            .args(["gateway", "--listen", &addr, "--poll", "yield"])
            .args(backend)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(10), "{backend:?}: the gateway never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        Gw { child, addr }
    }

    /// Its open descriptors, of every kind, and how many of them are sockets.
    fn fds_and_sockets(&self) -> (usize, usize) {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())) else { return (0, 0) };
        let links: Vec<_> = dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).collect();
        (links.len(), links.iter().filter(|l| l.to_string_lossy().starts_with("socket:")).count())
    }

    fn fds(&self) -> usize {
        self.fds_and_sockets().0
    }

    /// Its descriptors with no client connected: once the only socket left is the listener
    /// (the connect that saw it listening is closed, and the gateway may take a moment to
    /// notice).
    fn fds_idle(&self) -> usize {
        let t0 = Instant::now();
        while self.fds_and_sockets().1 > 1 && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (fds, sockets) = self.fds_and_sockets();
        assert_eq!(sockets, 1, "the gateway holds sockets with no client connected");
        fds
    }

    /// Its descriptors once it has let go of what it no longer serves: waits (bounded) for
    /// the count to fall to `want`.
    fn fds_settled(&self, want: usize) -> usize {
        let t0 = Instant::now();
        while self.fds() > want && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.fds()
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    fn alive(&mut self, phase: &str) {
        assert!(self.child.try_wait().unwrap().is_none(), "the gateway died after {phase}");
    }

    /// A fresh client logs on and gets an order acked: the gateway is still answering.
    fn answers(&mut self, phase: &str) {
        self.alive(phase);
        let mut c = Client::logon(&self.addr);
        c.order_acked();
        c.logout();
    }
}

fn garbage(gw: &Gw) {
    let junk: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        &[0u8, 0xff, 1, 2, 3, 0x01, b'=', b'=', 0x01],
        b"8=FIX.4.2\x019=5\x0135=A\x0110=000\x01",
        b"8=FIX.4.4\x019=12\x0135=0\x0134=1\x0110=999\x01",
    ];
    for j in junk {
        let mut s = TcpStream::connect(&gw.addr).unwrap();
        for _ in 0..50 {
            if s.write_all(j).is_err() {
                break;
            }
        }
    }
    // A frame whose BodyLength promises more than the gateway will ever hold (its inbox
    // stops at 64 KiB), then enough bytes to fill that inbox, then gone: the gateway must
    // still notice the close. Sent before the Logon and after it.
    let mut huge = b"8=FIX.4.2\x019=900000\x0135=D\x01".to_vec();
    huge.resize(200 << 10, b'x');
    for logged_on in [false, true] {
        let mut c = if logged_on { Client::logon(&gw.addr) } else { Client::connect(&gw.addr) };
        c.s.set_write_timeout(Some(Duration::from_millis(300))).unwrap();
        let _ = c.s.write_all(&huge);
    }
}

fn half_logon(gw: &Gw) {
    for cut in [1, 10, 40] {
        let mut c = Client::connect(&gw.addr);
        let logon = c.logon_msg();
        c.send(&logon[..cut.min(logon.len() - 1)]);
    }
}

fn half_order(gw: &Gw) {
    for cut in [1, 30, 100] {
        let mut c = Client::logon(&gw.addr);
        c.order_acked();
        let order = c.order_msg();
        c.send(&order[..cut.min(order.len() - 1)]);
    }
}

/// Clients that send orders and never read, each until its writes block (the gateway
/// stopped reading it, as it should once its answers have nowhere to go) or the gateway
/// drops it. Several, so that together they could take whatever the gateway shares between
/// connections (io_uring's provided buffers). Meanwhile another client must be answered.
fn never_reads(gw: &mut Gw) {
    let hogs: Vec<Client> = (0..HOGS).map(|_| hog(&gw.addr)).collect();
    gw.answers("clients that never read, while they are still connected");
    drop(hogs);
}

/// Clients that never read, in [`never_reads`].
const HOGS: usize = 3;

/// A client that logs on, then sends orders without reading until its writes block.
fn hog(addr: &str) -> Client {
    let mut hog = Client::logon(addr);
    hog.s.set_write_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut batch = Vec::new();
    for _ in 0..64 {
        batch.extend(hog.order_msg());
    }
    let t0 = Instant::now();
    let mut sent = 0usize;
    while t0.elapsed() < Duration::from_secs(5) && sent < 32 << 20 {
        match hog.s.write(&batch) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    eprintln!("a client that never reads wrote {sent} bytes in {:.1?}", t0.elapsed());
    hog
}

/// Connect, log on, then log out or just go, `n` times.
fn cycles(gw: &Gw, n: usize) {
    for i in 0..n {
        let c = Client::logon(&gw.addr);
        if i % 2 == 0 {
            c.logout();
        }
    }
}

/// Every phase once, then `n` cycles; after each, a fresh client must be answered.
fn pass(gw: &mut Gw, n: usize) {
    garbage(gw);
    gw.answers("garbage");
    half_logon(gw);
    gw.answers("half a Logon");
    half_order(gw);
    gw.answers("half a NewOrderSingle");
    never_reads(gw);
    gw.answers("clients that never read");
    cycles(gw, n);
    gw.answers("the connect/logon/disconnect cycles");
}

fn survives(backend: &[&str]) {
    let mut gw = Gw::start(backend);
    // The listener and what the process holds at start (stdio, the ring), nothing per client.
    let fds0 = gw.fds_idle();
    let t0 = Instant::now();
    pass(&mut gw, 100);
    let fds1 = gw.fds_settled(fds0);
    let rss1 = gw.rss_kib();
    pass(&mut gw, 1000);
    let fds2 = gw.fds_settled(fds0);
    let rss2 = gw.rss_kib();
    eprintln!(
        "{backend:?}: fds {fds0} at start, {fds1} after the first pass, {fds2} after the second; \
         RSS {rss1} KiB after the first pass, {rss2} KiB after the second; {:.1?}",
        t0.elapsed()
    );
    assert_eq!(fds1, fds0, "{backend:?}: descriptors leaked in the first pass");
    assert_eq!(fds2, fds0, "{backend:?}: descriptors leaked in the second pass");
    assert!(rss2 <= rss1 + RSS_SLACK_KIB, "{backend:?}: RSS grew from {rss1} KiB to {rss2} KiB");
    gw.alive("the second pass");
}

#[test]
fn the_gateway_survives_garbage_half_messages_slow_readers_and_churn() {
    survives(&["--backend", "syscall"]);
    if super::uring_ok() {
        survives(&["--backend", "uring", "--uring-recv", "poll"]);
        survives(&["--backend", "uring", "--uring-recv", "multishot"]);
    }
}
