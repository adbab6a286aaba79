//! One transport test suite, run on every backend: `backend_tests!` expands each test into a
//! syscall copy and io_uring copies (both receive modes). The io_uring copies say why they
//! skipped when the kernel probe fails.

use super::{Closed, Transport, TransportConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A connected pair: the transport's side and a plain blocking socket for the peer. With
/// `max_conns` above 1, idle connections fill the other slots first, so the test runs with
/// the transport in its many-connections mode (see [`FEW_CONNS`](super::FEW_CONNS)).
fn pair<T: Transport>(cfg: TransportConfig) -> (T, usize, TcpStream) {
    pair_on(cfg, TcpListener::bind("127.0.0.1:0").unwrap())
}

/// [`pair`], the peer accepted by listener `l` (with the socket options it passes on).
fn pair_on<T: Transport>(cfg: TransportConfig, l: TcpListener) -> (T, usize, TcpStream) {
    let mut t = T::new(cfg).unwrap();
    for _ in 1..cfg.max_conns {
        t.add(TcpStream::connect(l.local_addr().unwrap()).unwrap()).unwrap();
        // The idle peers stay open for the whole test process (a few descriptors).
        std::mem::forget(l.accept().unwrap().0);
    }
    let ours = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (theirs, _) = l.accept().unwrap();
    theirs.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let c = t.add(ours).unwrap();
    (t, c, theirs)
}

/// Polls until `done` or 10 s (a bounded loop: a broken transport fails, never hangs).
fn poll_until<T: Transport>(t: &mut T, mut done: impl FnMut(&mut T) -> bool) {
    let t0 = Instant::now();
    while !done(t) {
        assert!(t0.elapsed() < Duration::from_secs(10), "transport made no progress in 10 s");
        t.poll();
        std::thread::yield_now();
    }
}

/// Messages of every size from 1 byte to well over a socket buffer, echoed back by the peer,
/// arrive whole and in order: short writes and partial reads are invisible to the caller.
pub fn bytes_round_trip_in_order<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    let echo = std::thread::spawn(move || {
        let mut buf = vec![0u8; 70_000];
        let mut total = 0;
        while let Ok(n) = peer.read(&mut buf) {
            if n == 0 {
                break;
            }
            peer.write_all(&buf[..n]).unwrap();
            total += n;
        }
        total
    });
    let mut sent = Vec::new();
    let mut got = Vec::new();
    let sizes = [1usize, 2, 7, 100, 1500, 4095, 4096, 4097, 20_000, 60_000, 3, 1];
    for (i, &n) in sizes.iter().cycle().take(60).enumerate() {
        let msg: Vec<u8> = (0..n).map(|j| (i * 31 + j) as u8).collect();
        poll_until(&mut t, |t| {
            let room = t.out(c).room() >= n;
            got.extend_from_slice(t.inbox(c).data());
            let len = t.inbox(c).data().len();
            t.inbox(c).consume(len);
            room
        });
        assert!(t.out(c).push(&msg));
        sent.extend_from_slice(&msg);
    }
    poll_until(&mut t, |t| {
        got.extend_from_slice(t.inbox(c).data());
        let len = t.inbox(c).data().len();
        t.inbox(c).consume(len);
        got.len() >= sent.len()
    });
    assert_eq!(got.len(), sent.len());
    assert!(got == sent, "bytes changed or reordered");
    t.close(c);
    drop(t);
    assert_eq!(echo.join().unwrap(), sent.len());
}

/// The peer closing is reported as such, after the bytes it sent before closing.
pub fn peer_close_is_reported_after_its_last_bytes<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    peer.write_all(b"last words").unwrap();
    drop(peer);
    poll_until(&mut t, |t| t.closed(c).is_some());
    assert_eq!(t.closed(c), Some(Closed::ByPeer));
    assert_eq!(t.inbox(c).data(), b"last words");
}

/// A peer that vanishes in the middle of a large send is an ordinary error: reported,
/// no panic, and dropping the transport afterwards drains cleanly.
pub fn disconnect_mid_send_is_an_error_not_a_crash<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, peer) = pair::<T>(cfg);
    let chunk = vec![7u8; 32 * 1024];
    let t0 = Instant::now();
    let mut dropped = Some(peer);
    while t.closed(c).is_none() {
        assert!(t0.elapsed() < Duration::from_secs(10), "the disconnect was never reported");
        if t.out(c).room() >= chunk.len() {
            t.out(c).push(&chunk);
        }
        t.poll();
        if t0.elapsed() > Duration::from_millis(50) {
            dropped.take();
        }
    }
    assert!(matches!(t.closed(c), Some(Closed::Error(_) | Closed::ByPeer)), "{:?}", t.closed(c));
    drop(t);
}

/// Many idle connections and one busy one: the busy one's bytes still flow.
pub fn one_busy_connection_among_many_idle<T: Transport>(cfg: TransportConfig) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut t = T::new(TransportConfig { max_conns: 64, ..cfg }).unwrap();
    let mut peers = Vec::new();
    for _ in 0..64 {
        let s = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        t.add(s).unwrap();
        peers.push(l.accept().unwrap().0);
    }
    peers[40].write_all(b"hello from 40").unwrap();
    poll_until(&mut t, |t| t.inbox(40).data() == b"hello from 40");
    assert!((0..64).filter(|&i| i != 40).all(|i| t.inbox(i).is_empty()));
}

/// A released slot is reused by the next connection, whose bytes are its own.
pub fn released_slots_are_reused_cleanly<T: Transport>(cfg: TransportConfig) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut t = T::new(TransportConfig { max_conns: 2, ..cfg }).unwrap();
    for round in 0..5u8 {
        let c = t.add(TcpStream::connect(l.local_addr().unwrap()).unwrap()).unwrap();
        assert_eq!(c, 0, "round {round}: the released slot was not reused");
        let mut peer = l.accept().unwrap().0;
        peer.write_all(&[round; 3]).unwrap();
        poll_until(&mut t, |t| t.inbox(c).data().len() >= 3);
        assert_eq!(t.inbox(c).data(), &[round; 3]);
        t.release(c);
        // Let any completion for the old connection land before the slot is reused.
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_millis(20) {
            t.poll();
        }
    }
}

/// A caller that stops consuming is backpressure, not an error: the inbox fills, the
/// connection stays open, and once consumed every byte arrives in order.
pub fn a_full_inbox_is_backpressure_not_an_error<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    // More than the inbox's bound and the socket buffers together.
    const TOTAL: usize = 8 << 20;
    let writer = std::thread::spawn(move || {
        let data: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
        peer.write_all(&data).unwrap();
        peer
    });
    // The inbox grows to its bound and no further; the rest waits in the kernel.
    poll_until(&mut t, |t| t.inbox(c).is_full());
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(100) {
        t.poll();
    }
    assert_eq!(t.closed(c), None, "a full inbox closed the connection");
    assert_eq!(t.inbox(c).capacity(), cfg.recv_max);
    assert!(t.inbox(c).is_full());
    let mut got = Vec::with_capacity(TOTAL);
    poll_until(&mut t, |t| {
        got.extend_from_slice(t.inbox(c).data());
        let n = t.inbox(c).data().len();
        t.inbox(c).consume(n);
        got.len() >= TOTAL
    });
    assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8), "bytes changed or reordered");
    drop(writer.join().unwrap());
}

/// `send` only writes and `recv` only reads, so a clock read beside either call stamps that
/// call's own I/O: a reply already waiting is not taken by `send`, and queued bytes are not
/// written by `recv`.
pub fn send_only_writes_and_recv_only_reads<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    // Arms io_uring's multishot receive before the reply comes.
    assert!(!t.recv());
    peer.write_all(b"reply").unwrap();
    assert!(t.out(c).push(b"order"));
    assert!(t.send(), "send() wrote nothing");
    let mut got = [0u8; 5];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"order");
    for _ in 0..10 {
        t.send();
    }
    assert!(t.inbox(c).is_empty(), "send() read the waiting reply");
    assert!(t.out(c).push(b"later"));
    let t0 = Instant::now();
    while t.inbox(c).data().len() < 5 {
        assert!(t0.elapsed() < Duration::from_secs(10), "recv() never read the reply");
        t.recv();
    }
    assert_eq!(t.inbox(c).data(), b"reply");
    peer.set_nonblocking(true).unwrap();
    let e = peer.read(&mut got).expect_err("recv() wrote the queued bytes");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
}

/// One message of 1 MiB, written by the peer in one go behind a short one, arrives whole: a
/// caller that waits for the rest of a frame (consuming nothing of it) is never stuck with a
/// full inbox.
pub fn a_one_mib_message_arrives_whole<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    const LEN: usize = 1 << 20;
    let first = [b'a'; 100];
    let big: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let expect = big.clone();
    let writer = std::thread::spawn(move || {
        peer.write_all(&first).unwrap();
        peer.write_all(&big).unwrap();
        peer
    });
    let mut first_seen = false;
    poll_until(&mut t, |t| {
        // Like a framer: the short message is consumed whole, the big one only once complete.
        if !first_seen && t.inbox(c).data().len() >= first.len() {
            assert_eq!(&t.inbox(c).data()[..first.len()], &first);
            t.inbox(c).consume(first.len());
            first_seen = true;
        }
        first_seen && t.inbox(c).data().len() >= LEN
    });
    assert_eq!(t.inbox(c).data().len(), LEN);
    assert!(t.inbox(c).data() == &expect[..], "bytes changed or reordered");
    assert_eq!(t.closed(c), None);
    drop(writer.join().unwrap());
}

/// After a stall, a backlog drains in a few `recv` calls, not a few KiB per call: 2,000
/// replies the peer wrote while the reader was not polling all arrive within 4 calls.
pub fn a_backlog_drains_in_a_few_recv_calls<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    // Arms io_uring's multishot receive, as a running loop would have.
    assert!(!t.recv());
    const N: usize = 2000;
    const LEN: usize = 200;
    let mut sent = Vec::with_capacity(N * LEN);
    peer.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    for i in 0..N {
        let mut msg = format!("8=FIX.4.2|9=177|35=8|11={i:08}|").into_bytes();
        msg.resize(LEN - 1, b'x');
        msg.push(b'|');
        peer.write_all(&msg).unwrap();
        sent.extend_from_slice(&msg);
    }
    let mut got = Vec::with_capacity(sent.len());
    let mut calls = 0;
    while got.len() < sent.len() && calls < 4 {
        t.recv();
        calls += 1;
        got.extend_from_slice(t.inbox(c).data());
        let n = t.inbox(c).data().len();
        t.inbox(c).consume(n);
    }
    assert_eq!(got.len(), sent.len(), "{calls} recv calls delivered {} of {} bytes", got.len(), sent.len());
    assert!(got == sent, "bytes changed or reordered");
}

/// Bytes that a plain `recv` brought in (a `poll`, or a `close` that polls) are named by the
/// next `recv_each`, so a caller that serves only named connections never misses them.
pub fn what_a_plain_recv_brings_is_named_by_the_next_recv_each<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(cfg);
    // Arms io_uring's multishot receive.
    t.recv();
    peer.write_all(b"hello").unwrap();
    poll_until(&mut t, |t| t.inbox(c).data().len() >= 5);
    let mut named = Vec::new();
    t.recv_each(|i| named.push(i));
    assert!(named.contains(&c), "named {named:?}, not {c}");
    // Named once: the next call has nothing new to say.
    named.clear();
    t.recv_each(|i| named.push(i));
    assert!(!named.contains(&c), "named again: {named:?}");
}

/// A connection whose caller stops consuming holds back only itself: with its inbox full
/// and its peer still writing (more than io_uring's shared provided buffers hold), another
/// connection's bytes still arrive.
pub fn a_connection_not_consumed_does_not_starve_the_others<T: Transport>(cfg: TransportConfig) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut t = T::new(TransportConfig { max_conns: 2, ..cfg }).unwrap();
    let hog = t.add(TcpStream::connect(l.local_addr().unwrap()).unwrap()).unwrap();
    let mut hog_peer = l.accept().unwrap().0;
    let other = t.add(TcpStream::connect(l.local_addr().unwrap()).unwrap()).unwrap();
    let mut other_peer = l.accept().unwrap().0;
    hog_peer.set_write_timeout(Some(Duration::from_millis(200))).unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![7u8; 64 << 10];
        let t0 = Instant::now();
        // Until the socket refuses more (flow control) or 24 MiB, whichever first.
        let mut sent = 0;
        while sent < 24 << 20 && t0.elapsed() < Duration::from_secs(5) {
            match hog_peer.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        hog_peer
    });
    // The hog's inbox fills and is never consumed while its peer writes.
    let t0 = Instant::now();
    while !writer.is_finished() {
        assert!(t0.elapsed() < Duration::from_secs(10));
        t.poll();
    }
    assert!(t.inbox(hog).is_full());
    other_peer.write_all(b"still here").unwrap();
    poll_until(&mut t, |t| t.inbox(other).data() == b"still here");
    drop(writer.join().unwrap());
}

/// A peer that stops reading, then reads in small pieces: the socket fills and refuses
/// writes or takes part of one, the caller keeps queueing whole messages whenever
/// there is room, and neither `poll` nor the caller's loop ever blocks on the full socket
/// (a watchdog fails the test if the loop stops turning). The peer receives exactly the
/// bytes queued, in order: a message written in part resumes where it stopped.
pub fn a_slow_reader_gets_every_byte_in_order<T: Transport + 'static>(cfg: TransportConfig) {
    use std::sync::mpsc;
    let (done_tx, done_rx) = mpsc::channel();
    let body = std::thread::spawn(move || {
        slow_reader_body::<T>(cfg);
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => body.join().unwrap(),
        // The body panicked: show its message.
        Err(mpsc::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(body.join().unwrap_err()),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the loop stopped turning for 60 s: it blocked on a full socket")
        }
    }
}

fn slow_reader_body<T: Transport>(cfg: TransportConfig) {
    use std::sync::mpsc;
    // The peer's receive buffer is small from the handshake on, so the socket frees room a
    // few KiB at a time as the peer reads.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    nix::sys::socket::setsockopt(&l, nix::sys::socket::sockopt::RcvBuf, &4096).unwrap();
    // An out-buffer larger than what the kernel takes in one go (a 64 KiB segment over
    // loopback), so that a write into a nearly full socket ends inside it.
    let (mut t, c, mut peer) = pair_on::<T>(TransportConfig { send: 1 << 20, ..cfg }, l);
    // The peer reads nothing until told, then everything, under 1 KiB at a time.
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        let (mut got, mut buf) = (Vec::new(), [0u8; 997]);
        loop {
            match peer.read(&mut buf) {
                Ok(0) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => panic!("the slow reader: {e} after {} bytes", got.len()),
            }
        }
    });
    let mut w = Writes::default();
    let t0 = Instant::now();
    w.fill_the_socket(&mut t, c);
    // Now the peer reads; the caller queues as many messages again meanwhile.
    go_tx.send(()).unwrap();
    let more = w.count * 2;
    while w.count < more || !t.out(c).is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(50), "the peer never got everything");
        w.fill(&mut t, c, more);
        t.poll();
        w.check(&mut t, c);
        std::thread::yield_now();
    }
    assert_eq!(t.closed(c), None);
    t.close(c);
    drop(t);
    let got = reader.join().unwrap();
    assert_eq!(got.len(), w.queued.len(), "bytes lost or added");
    let first_bad = got.iter().zip(&w.queued).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "bytes changed or reordered");
    // Both backends write into whatever room the socket has (io_uring with MSG_DONTWAIT),
    // so filling it ends a write inside a message, and the test saw that write resume.
    assert!(w.partial > 0, "no write ended inside a message");
}

/// What a caller queued, message by message, and how many times the socket had taken a
/// part of a message when a poll returned.
#[derive(Default)]
struct Writes {
    queued: Vec<u8>,
    /// Where each message ends in `queued`.
    ends: std::collections::BTreeSet<usize>,
    count: usize,
    written: usize,
    partial: usize,
}

impl Writes {
    /// Message k: its number, then bytes that depend on it, 1 to 9,000 bytes long.
    fn message(k: usize) -> Vec<u8> {
        let len = 1 + (k * 7919) % 9000;
        let mut m: Vec<u8> = (0..len).map(|j| (k * 31 + j * 7) as u8).collect();
        let tag = (k as u32).to_le_bytes();
        let n = tag.len().min(len);
        m[..n].copy_from_slice(&tag[..n]);
        m
    }

    /// Queues whole messages while they fit, up to `upto` in all.
    fn fill<T: Transport>(&mut self, t: &mut T, c: usize, upto: usize) {
        while self.count < upto {
            let m = Self::message(self.count);
            if !t.out(c).push(&m) {
                return;
            }
            self.queued.extend_from_slice(&m);
            self.ends.insert(self.queued.len());
            self.count += 1;
        }
    }

    /// Queues whole messages while there is room, until the socket has taken no byte for
    /// 1,000 turns in a row: the kernel's send buffer and the peer's receive buffer are full,
    /// and the out-buffer has no room for the next message.
    fn fill_the_socket<T: Transport>(&mut self, t: &mut T, c: usize) {
        let t0 = Instant::now();
        let mut refused = 0;
        while refused < 1000 {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "the socket never filled ({} bytes queued)",
                self.queued.len()
            );
            assert!(self.queued.len() < 256 << 20, "the socket never filled");
            self.fill(t, c, usize::MAX);
            let before = self.written;
            t.poll();
            self.check(t, c);
            refused = if self.written != before { 0 } else { refused + 1 };
            std::thread::yield_now();
        }
        assert_eq!(t.closed(c), None, "a full socket closed the connection");
        assert!(!t.out(c).is_empty(), "the out-buffer should hold what the socket refused");
    }

    /// After a poll: counts a write that stopped inside a message.
    fn check<T: Transport>(&mut self, t: &mut T, c: usize) {
        let written = self.queued.len() - t.out(c).pending().len();
        if written != self.written && !self.ends.contains(&written) {
            self.partial += 1;
        }
        self.written = written;
    }
}

/// Once the peer reads a little from a full socket, the next polls hand the kernel more:
/// the transport writes into the room there is, rather than waiting for the kernel to call
/// the socket writable (a third of its send buffer free, which a slow reader may take
/// seconds to make) with the whole out-buffer held in flight and no room for new orders.
pub fn a_full_socket_takes_bytes_as_soon_as_the_peer_reads_a_little<T: Transport>(cfg: TransportConfig) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    nix::sys::socket::setsockopt(&l, nix::sys::socket::sockopt::RcvBuf, &4096).unwrap();
    let (mut t, c, mut peer) = pair_on::<T>(cfg, l);
    let mut w = Writes::default();
    w.fill_the_socket(&mut t, c);
    let full = w.written;
    // 64 KiB: a sliver of a send buffer that has grown to megabytes.
    let mut sliver = vec![0u8; 64 << 10];
    peer.read_exact(&mut sliver).unwrap();
    assert_eq!(sliver, w.queued[..sliver.len()], "bytes changed or reordered");
    poll_until(&mut t, |t| {
        w.check(t, c);
        w.written > full
    });
}

/// With stamps, looking at a connection's stamps forgets none (the gateway looks after it
/// consumed its requests): those of consumed bytes stay until the next receive.
pub fn consumed_bytes_keep_their_stamps_until_the_next_receive<T: Transport>(cfg: TransportConfig) {
    let (mut t, c, mut peer) = pair::<T>(TransportConfig { wire: true, ..cfg });
    let t0 = Instant::now();
    // The kernel turns receive stamping on a moment after the first socket asks: until a
    // read comes stamped, each round's bytes are consumed and another round is sent.
    let stamp = loop {
        assert!(t0.elapsed() < Duration::from_secs(10), "no read came stamped in 10 s");
        peer.write_all(&[b'x'; 100]).unwrap();
        poll_until(&mut t, |t| t.inbox(c).data().len() == 100);
        let last = t.inbox(c).consumed() + 99;
        let (inbox, stamps) = t.inbox_wire(c);
        let found = stamps.expect("a stamped connection's stamps").rx.find(last);
        inbox.consume(100);
        if let Some(ns) = found {
            break (last, ns);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (_, stamps) = t.inbox_wire(c);
    assert_eq!(stamps.unwrap().rx.find(stamp.0), Some(stamp.1), "forgotten before the next receive");
}

macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod syscall {
            use crate::transport::{TransportConfig, syscall::SyscallTransport};
            $(#[test] fn $name() { super::$name::<SyscallTransport>(TransportConfig::for_conns(1)); })*
        }
        /// Beside idle connections, above `FEW_CONNS`: readiness (epoll) decides what is read.
        mod syscall_epoll {
            use crate::transport::{FEW_CONNS, TransportConfig, syscall::SyscallTransport};
            $(#[test] fn $name() { super::$name::<SyscallTransport>(TransportConfig::for_conns(FEW_CONNS + 3)); })*
        }
        mod uring_poll {
            use crate::transport::{TransportConfig, UringRecv, uring::{UringTransport, probe}};
            $(#[test] fn $name() {
                if let Err(why) = probe() { return super::skip(&why.to_string()); }
                super::$name::<UringTransport>(TransportConfig { uring_recv: UringRecv::Poll, ..TransportConfig::for_conns(1) });
            })*
        }
        mod uring_multishot {
            use crate::transport::{TransportConfig, UringRecv, uring::{UringTransport, probe}};
            $(#[test] fn $name() {
                if let Err(why) = probe() { return super::skip(&why.to_string()); }
                super::$name::<UringTransport>(TransportConfig { uring_recv: UringRecv::Multishot, ..TransportConfig::for_conns(1) });
            })*
        }
        /// Beside idle connections: only the listed connections are armed and sent.
        mod uring_multishot_many {
            use crate::transport::{FEW_CONNS, TransportConfig, UringRecv, uring::{UringTransport, probe}};
            $(#[test] fn $name() {
                if let Err(why) = probe() { return super::skip(&why.to_string()); }
                let cfg = TransportConfig { uring_recv: UringRecv::Multishot, ..TransportConfig::for_conns(FEW_CONNS + 3) };
                super::$name::<UringTransport>(cfg);
            })*
        }
    };
}

/// io_uring is unavailable: skip, saying why, unless the environment demands it.
fn skip(why: &str) {
    assert!(std::env::var_os("FIXBLAST_REQUIRE_URING").is_none(), "io_uring required but unavailable: {why}");
    eprintln!("skipping the io_uring copy: {why}");
}

backend_tests!(
    bytes_round_trip_in_order,
    peer_close_is_reported_after_its_last_bytes,
    disconnect_mid_send_is_an_error_not_a_crash,
    one_busy_connection_among_many_idle,
    released_slots_are_reused_cleanly,
    a_full_inbox_is_backpressure_not_an_error,
    send_only_writes_and_recv_only_reads,
    a_one_mib_message_arrives_whole,
    a_backlog_drains_in_a_few_recv_calls,
    what_a_plain_recv_brings_is_named_by_the_next_recv_each,
    a_connection_not_consumed_does_not_starve_the_others,
    a_slow_reader_gets_every_byte_in_order,
    a_full_socket_takes_bytes_as_soon_as_the_peer_reads_a_little,
    consumed_bytes_keep_their_stamps_until_the_next_receive,
);
