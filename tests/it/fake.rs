//! A scripted FIX 4.2 acceptor for the tests: it logs on, acks orders, answers cancels and
//! replaces, records what it received, and misbehaves on request ([`Fault`]).

use fixblast::fix::encode::Encoder;
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy)]
pub enum Fault {
    /// Answer the Logon with a Logout carrying this text.
    RefuseLogon(&'static str),
    /// Ack every order, but from order 300 on send every `n`th ack with a wrong checksum
    /// (well clear of warm-up, whose errors are counted apart), and junk bytes once.
    CorruptEvery(u64),
    /// Ack the first `n` orders, then go silent (connection left open).
    StallAfter(u64),
    /// Ack every order, but drop the connection of this SenderCompID after `n` orders.
    DropSenderAfter(&'static str, u64),
    /// Ack every order, but hold back the ack of order `order`: its MsgSeqNum is skipped,
    /// and the ack is sent only as a FIX engine resends it (43=Y, 122), `copies` times, in
    /// answer to a ResendRequest for exactly that MsgSeqNum. Any other request is not
    /// answered, and the order then never gets its ack.
    ResendGap { order: u64, copies: usize },
    /// Behave: ack orders, answer cancels (150=4, and every other one refused with a 35=9
    /// that says the order is filled, 39=2) and replaces (150=5).
    None,
}

/// Application messages the acceptor received, in order, as wire bytes.
pub type Received = Arc<Mutex<Vec<Vec<u8>>>>;

/// One message from the fake acceptor: the standard header, then `extra`.
fn msg(seq: u64, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    message(b"GATEWAY", b"FIXBLAST", seq, msg_type, extra)
}

/// One FIX 4.2 message from `sender` to `target`: the standard header, then `extra`.
pub fn message(sender: &[u8], target: &[u8], seq: u64, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut e = Encoder::new(&mut buf);
    e.field(35, msg_type);
    e.field(49, sender);
    e.field(56, target);
    e.field_u64(34, seq);
    e.field(52, b"20240102-03:04:05.678");
    for (t, v) in extra {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf.truncate(n);
    buf
}

/// `raw` as a resend: PossDupFlag (43) Y after MsgSeqNum, OrigSendingTime (122) the
/// SendingTime (52) after it, the rest as it was.
fn as_resend(raw: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; raw.len() + 64];
    let mut e = Encoder::new(&mut buf);
    for field in raw.split(|&b| b == 1).filter(|f| !f.is_empty()) {
        let eq = field.iter().position(|&b| b == b'=').unwrap();
        let (tag, value) = (std::str::from_utf8(&field[..eq]).unwrap().parse::<u32>().unwrap(), &field[eq + 1..]);
        match tag {
            // BeginString (8), BodyLength (9), CheckSum (10): the encoder writes them.
            8..=10 => {}
            34 => {
                e.field(34, value);
                e.field(43, b"Y");
            }
            52 => {
                e.field(52, value);
                e.field(122, value);
            }
            _ => e.field(tag, value),
        }
    }
    let n = e.finish().unwrap();
    buf.truncate(n);
    buf
}

fn serve(mut s: TcpStream, fault: Fault, received: Received) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut seq = 1u64;
    let mut orders = 0u64;
    let mut cancels = 0u64;
    let mut sender = Vec::new();
    // The ack held back by `ResendGap`: its MsgSeqNum and its resend.
    let mut held: Option<(u32, Vec<u8>)> = None;
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
            } else if !m.msg_type.is_admin() {
                received.lock().unwrap().push(raw.clone());
            }
            if let Fault::DropSenderAfter(who, n) = fault
                && sender == who.as_bytes()
                && orders >= n
            {
                return;
            }
            if let (MsgType::ResendRequest, Fault::ResendGap { copies, .. }) = (m.msg_type, fault) {
                // A resend takes no new MsgSeqNum: it is the old message again.
                if let Some((_, resend)) = held.take_if(|(h, _)| m.begin_seq == *h && m.end_seq == *h)
                    && s.write_all(&resend.repeat(copies)).is_err()
                {
                    return;
                }
                continue;
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
                (MsgType::Other([t @ (b'F' | b'G'), 0]), _) => {
                    orders += 1;
                    let (id, orig) = (m.cl_ord_id.get(&raw).to_vec(), m.orig_cl_ord_id.get(&raw).to_vec());
                    let oid = orders.to_string();
                    cancels += (t == b'F') as u64;
                    if t == b'F' && cancels.is_multiple_of(2) {
                        msg(seq, b"9", &[(37, oid.as_bytes()), (11, &id), (41, &orig), (39, b"2"), (434, b"1")])
                    } else {
                        let done: &[u8] = if t == b'F' { b"4" } else { b"5" };
                        msg(
                            seq,
                            b"8",
                            &[
                                (37, oid.as_bytes()),
                                (11, &id),
                                (41, &orig),
                                (17, oid.as_bytes()),
                                (20, b"0"),
                                (150, done),
                                (39, done),
                                (55, b"ACME"),
                                (54, b"1"),
                                (38, b"100"),
                                (151, b"0"),
                                (14, b"0"),
                                (6, b"0"),
                            ],
                        )
                    }
                }
                _ => continue,
            };
            seq += 1;
            if let Fault::ResendGap { order, .. } = fault
                && m.msg_type == MsgType::NewOrderSingle
                && orders == order
            {
                held = Some((seq as u32 - 1, as_resend(&out)));
                continue;
            }
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
pub fn fake(fault: Fault) -> String {
    recording(fault).0
}

/// Starts the fake acceptor; returns its address and what it will receive.
pub fn recording(fault: Fault) -> (String, Received) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let received = Received::default();
    let r = received.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let r = r.clone();
            std::thread::spawn(move || serve(s, fault, r));
        }
    });
    (addr, received)
}

/// Starts the fake acceptor for one connection only: once that one is over, nothing listens
/// on its address and a connect there is refused.
pub fn once(fault: Fault) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            drop(l);
            serve(s, fault, Received::default());
        }
    });
    addr
}
