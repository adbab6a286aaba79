//! A scripted, misbehaving acceptor: it refuses logons, garbles replies or stalls, so the
//! tests can check that each is reported, counted, and loses nothing.

use super::{QUICK, run};
use fixblast::fix::encode::Encoder;
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

#[derive(Clone, Copy)]
enum Fault {
    /// Answer the Logon with a Logout carrying this text.
    RefuseLogon(&'static str),
    /// Ack every order, but from order 300 on send every `n`th ack with a wrong checksum
    /// (well clear of warm-up, whose errors are counted apart), and junk bytes once.
    CorruptEvery(u64),
    /// Ack the first `n` orders, then go silent (connection left open).
    StallAfter(u64),
    /// Ack every order, but drop the connection of this SenderCompID after `n` orders.
    DropSenderAfter(&'static str, u64),
}

fn msg(seq: u64, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut e = Encoder::new(&mut buf);
    e.field(35, msg_type);
    e.field(49, b"GATEWAY");
    e.field(56, b"FIXBLAST");
    e.field_u64(34, seq);
    e.field(52, b"20240102-03:04:05.678");
    for (t, v) in extra {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf.truncate(n);
    buf
}

fn serve(mut s: TcpStream, fault: Fault) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut seq = 1u64;
    let mut orders = 0u64;
    let mut sender = Vec::new();
    loop {
        let n = match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Frame::Message { len } = frame(&buf) {
            let raw: Vec<u8> = buf.drain(..len).collect();
            let m = parse(&raw).unwrap();
            if m.msg_type == MsgType::Logon {
                sender = m.sender.get(&raw).to_vec();
            }
            if let Fault::DropSenderAfter(who, n) = fault
                && sender == who.as_bytes()
                && orders >= n
            {
                return;
            }
            let mut out = match (m.msg_type, fault) {
                (MsgType::Logon, Fault::RefuseLogon(text)) => msg(seq, b"5", &[(58, text.as_bytes())]),
                (MsgType::Logon, _) => msg(seq, b"A", &[(98, b"0"), (108, b"30")]),
                (MsgType::Logout, _) => msg(seq, b"5", &[]),
                (MsgType::NewOrderSingle, Fault::StallAfter(n)) if orders >= n => {
                    orders += 1;
                    continue;
                }
                (MsgType::NewOrderSingle, _) => {
                    orders += 1;
                    let id = m.cl_ord_id.get(&raw).to_vec();
                    let oid = orders.to_string();
                    msg(
                        seq,
                        b"8",
                        &[
                            (37, oid.as_bytes()),
                            (11, &id),
                            (17, oid.as_bytes()),
                            (20, b"0"),
                            (150, b"0"),
                            (39, b"0"),
                            (55, b"ACME"),
                            (54, b"1"),
                            (38, b"100"),
                            (151, b"100"),
                            (14, b"0"),
                            (6, b"0"),
                        ],
                    )
                }
                _ => continue,
            };
            seq += 1;
            if let Fault::CorruptEvery(n) = fault
                && m.msg_type == MsgType::NewOrderSingle
            {
                if orders > 300 && orders % n == 5 {
                    // Wrong CheckSum digits: the frame is sound, the sum is not.
                    let l = out.len();
                    out[l - 2] = if out[l - 2] == b'0' { b'1' } else { b'0' };
                }
                if orders == 250 {
                    out.splice(0..0, b"\x00garbage\x01".iter().copied());
                }
            }
            if s.write_all(&out).is_err() {
                return;
            }
        }
    }
}

/// Starts the fake acceptor; returns its address.
fn fake(fault: Fault) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || serve(s, fault));
        }
    });
    addr
}

fn args<'a>(backend: &[&'a str], target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = QUICK.to_vec();
    v.extend_from_slice(backend);
    v.extend_from_slice(&["--target", target]);
    v.extend_from_slice(extra);
    v
}

#[test]
fn a_lost_session_is_reported_and_the_others_go_on() {
    let target = fake(Fault::DropSenderAfter("FIXBLAST2", 100));
    let out = run(&args(super::SYSCALL, &target, &["--sessions", "2", "--rate", "1000"])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.status.sessions_lost.len(), 1, "{:?}", r.status);
    assert!(r.status.sessions_lost[0].contains("session 2 (FIXBLAST2)"), "{:?}", r.status.sessions_lost);
    // Session 1 carried on with the whole rate after session 2 was gone.
    assert_eq!(r.orders.sent, 1000);
    assert!(r.orders.acked >= 990, "{:?}", r.orders);
    assert!(r.errors.by_kind["disconnected"] == 1);
}

#[test]
fn fail_fast_makes_a_lost_session_fail_the_run() {
    let target = fake(Fault::DropSenderAfter("FIXBLAST2", 100));
    let out = run(&args(super::SYSCALL, &target, &["--sessions", "2", "--rate", "1000", "--fail-fast"])).unwrap();
    assert_eq!(out.exit_code(), 3);
    assert!(out.result.status.failure.as_ref().unwrap().contains("FIXBLAST2"), "{:?}", out.result.status);
}

crate::on_every_backend!(
    refused_logon_exits_3_with_the_gateways_reason,
    garbage_and_bad_checksums_are_counted_and_their_orders_time_out,
    a_stalled_gateway_shows_up_as_timeouts_not_as_missing_orders,
);

fn refused_logon_exits_3_with_the_gateways_reason(backend: &[&str]) {
    let target = fake(Fault::RefuseLogon("MsgSeqNum too low, expecting 7"));
    let out = run(&args(backend, &target, &[])).unwrap();
    assert_eq!(out.exit_code(), 3);
    let f = out.result.status.failure.unwrap();
    assert!(f.contains("refused the logon") && f.contains("MsgSeqNum too low, expecting 7"), "{f}");
    assert_eq!(out.result.orders.sent, 0);
}

fn garbage_and_bad_checksums_are_counted_and_their_orders_time_out(backend: &[&str]) {
    let target = fake(Fault::CorruptEvery(10));
    // 200 warm-up orders (200 ms at 1000/s), then 1000 measured: orders 201..=1200.
    let out = run(&args(backend, &target, &["--rate", "1000", "--timeout", "200ms"])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.orders.sent, 1000);
    // Replies to orders 305, 315 … 1195 have bad checksums: dropped, counted, and their
    // orders time out. Each dropped message also shows as a gap in the gateway's MsgSeqNum.
    assert_eq!(r.errors.by_kind["bad_checksum"], 90);
    assert_eq!(r.orders.timed_out, 90);
    assert_eq!(r.orders.acked, 910);
    assert_eq!(r.errors.by_kind["seq_gap"], 90);
    assert_eq!(r.errors.by_kind["garbled"], 1);
    // The garbage did not cost the reply that followed it.
    assert_eq!(r.orders.unmatched, 0);
}

fn a_stalled_gateway_shows_up_as_timeouts_not_as_missing_orders(backend: &[&str]) {
    let target = fake(Fault::StallAfter(500));
    // 200 warm-up orders, then the gateway answers 300 measured orders and goes silent.
    let out = run(&args(backend, &target, &["--rate", "1000", "--timeout", "300ms"])).unwrap();
    let r = &out.result;
    assert_eq!(r.orders.sent, 1000, "the schedule kept sending through the stall");
    assert_eq!(r.orders.acked, 300);
    assert_eq!(r.orders.timed_out, 700);
}
