//! ClOrdIDs across runs and on the wire: back-to-back and parallel runs against one gateway
//! that refuses a ClOrdID it has seen (as venues do for a trading day) are never refused,
//! `--clordid-prefix` goes in front of every ClOrdID and OrigClOrdID, and the gateway's
//! `--reject-duplicate-clordid` does refuse a reused one, on any connection.

use super::fake::{Fault, recording};
use super::{QUICK, SYSCALL, bin, gateway, run};
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use fixblast::fix::printable;
use fixblast::gateway::GatewayConfig;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn args<'a>(target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = QUICK.to_vec();
    v.extend_from_slice(SYSCALL);
    v.extend_from_slice(&["--target", target, "--rate", "1000"]);
    v.extend_from_slice(extra);
    v
}

/// A gateway that refuses any ClOrdID it has seen since it started.
fn strict_gateway() -> fixblast::gateway::Gateway {
    gateway(SYSCALL, GatewayConfig { reject_duplicate_clordid: Some(1_000_000), ..GatewayConfig::loopback() })
}

/// A run that the strict gateway answered in full: nothing refused, nothing unmatched.
fn assert_all_accepted(out: &fixblast::run::Outcome, which: &str) {
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{which}: {:?}", r.status);
    assert_eq!(r.orders.rejected, 0, "{which}: {:?}", r.orders);
    assert_eq!(r.errors.total, 0, "{which}: {:?}", r.errors);
    assert_eq!(r.orders.acked, r.orders.sent, "{which}: {:?}", r.orders);
    // 1000 due; a loaded host may send a few fewer, which is not what this is about.
    assert!(r.orders.sent >= 500, "{which}: {:?}", r.orders);
}

#[test]
fn back_to_back_runs_against_a_gateway_that_refuses_duplicates_are_never_refused() {
    let g = strict_gateway();
    let target = g.addr().to_string();
    for which in ["first run", "second run"] {
        let out = run(&args(&target, &[])).unwrap();
        assert_all_accepted(&out, which);
        // Warm-up orders are not in the result; the gateway counts every refusal.
        assert_eq!(g.duplicates_rejected(), 0, "{which}");
        // No prefix: the result says so with a null.
        let config = serde_json::to_value(&out.result.config).unwrap();
        assert_eq!(config["clordid_prefix"], serde_json::Value::Null);
    }
}

#[test]
fn parallel_runs_with_the_same_sender_against_one_gateway_are_never_refused() {
    let g = strict_gateway();
    let target = g.addr().to_string();
    let outs: Vec<_> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| run(&args(&target, &[])).unwrap())).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for (i, out) in outs.iter().enumerate() {
        assert_all_accepted(out, &format!("run {i}"));
    }
    assert_eq!(g.duplicates_rejected(), 0);
}

/// The value of `tag` in a message, if present.
fn field(raw: &[u8], tag: u32) -> Option<String> {
    let text = printable(raw);
    let key = format!("{tag}=");
    text.split('|').find_map(|f| f.strip_prefix(&key).map(str::to_string))
}

#[test]
fn the_prefix_goes_in_front_of_every_clordid_and_origclordid_on_the_wire() {
    const PREFIX: &str = "T1/x-";
    let (target, received) = recording(Fault::None);
    let out = run(&args(&target, &["--mix", "new=2,cancel=1,replace=1", "--clordid-prefix", PREFIX])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    // Every reply echoed the prefixed ClOrdID and was matched to its order.
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    assert_eq!(r.config.clordid_prefix.as_deref(), Some(PREFIX));
    let got = received.lock().unwrap();
    assert!(got.len() >= 500, "{}", got.len());
    let (mut ids, mut amends) = (HashSet::new(), 0);
    let mut tag = None;
    for raw in got.iter() {
        let id = field(raw, 11).unwrap_or_else(|| panic!("no ClOrdID: {}", printable(raw)));
        assert!(id.starts_with(PREFIX), "{id}");
        assert_eq!(id.len(), PREFIX.len() + 20, "fixed width: {id}");
        // One run, one tag: the 7 characters after the prefix.
        let t = id[PREFIX.len()..PREFIX.len() + 7].to_string();
        let first = tag.get_or_insert_with(|| t.clone());
        assert_eq!(*first, t, "{id}");
        assert!(ids.insert(id.clone()), "ClOrdID {id} sent twice");
        if let Some(orig) = field(raw, 41) {
            assert!(orig.starts_with(PREFIX) && orig.len() == id.len(), "{}", printable(raw));
            amends += 1;
        }
    }
    assert!(amends >= 200, "cancels and replaces name their orders: {amends}");
}

#[test]
fn a_bad_prefix_exits_2_naming_the_flag_the_value_and_what_is_allowed() {
    for (bad, why) in
        [("a|b", "has '|'"), ("ABCDEFGHIJKLMNOPQ", "has 17 characters"), ("a b", "has ' '"), ("", "is empty")]
    {
        let e = run(&["--clordid-prefix", bad]).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert_eq!(e.exit_code(), 2, "{e}");
        let text = e.to_string();
        assert!(text.starts_with(&format!("--clordid-prefix {bad:?}: {why}")), "{text}");
        assert!(text.contains("1 to 16 printable ASCII characters, without spaces, SOH or '|'"), "{text}");
    }
    let out = bin().args(["run", "--clordid-prefix", "x\u{1}y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(r#"--clordid-prefix "x\u{1}y": has '\u{1}'"#), "{stderr}");
}

/// A FIX client that logs on to the gateway and sends what the test says.
struct Client {
    s: TcpStream,
    seq: u64,
    buf: Vec<u8>,
}

impl Client {
    fn logon(addr: &str) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = Client { s, seq: 1, buf: Vec::new() };
        c.send(b"A", &[(98, b"0"), (108, b"30")]);
        assert_eq!(parse(&c.recv()).unwrap().msg_type, MsgType::Logon);
        c
    }

    fn send(&mut self, msg_type: &[u8], body: &[(u32, &[u8])]) {
        let msg = crate::client_message(self.seq, msg_type, body);
        self.s.write_all(&msg).unwrap();
        self.seq += 1;
    }

    fn recv(&mut self) -> Vec<u8> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Frame::Message { len } = frame(&self.buf) {
                return self.buf.drain(..len).collect();
            }
            let n = self.s.read(&mut chunk).unwrap();
            assert!(n > 0, "the gateway closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends a NewOrderSingle with this ClOrdID; returns the reply.
    fn order(&mut self, id: &str) -> Vec<u8> {
        let body: [(u32, &[u8]); 7] = [
            (11, id.as_bytes()),
            (21, b"1"),
            (55, b"ACME"),
            (54, b"1"),
            (60, b"20240102-03:04:05.678"),
            (38, b"100"),
            (40, b"1"),
        ];
        self.send(b"D", &body);
        self.recv()
    }
}

#[test]
fn the_gateway_refuses_a_clordid_seen_on_any_connection_and_says_why() {
    let g = strict_gateway();
    let addr = g.addr().to_string();
    let accepted = |m: &[u8]| (field(m, 150).as_deref() == Some("0")).then_some(()).ok_or(printable(m));
    let refused = |m: &[u8]| {
        let ok = field(m, 150).as_deref() == Some("8")
            && field(m, 39).as_deref() == Some("8")
            && field(m, 103).as_deref() == Some("6")
            && field(m, 58).as_deref() == Some("duplicate ClOrdID");
        ok.then_some(()).ok_or(printable(m))
    };
    let mut a = Client::logon(&addr);
    accepted(&a.order("ID-1")).unwrap();
    refused(&a.order("ID-1")).unwrap();
    accepted(&a.order("ID-2")).unwrap();
    // Another connection, later: the gateway still remembers.
    let mut b = Client::logon(&addr);
    refused(&b.order("ID-2")).unwrap();
    accepted(&b.order("ID-3")).unwrap();
    // A cancel whose own ClOrdID was used before gets an OrderCancelReject saying so.
    b.send(
        b"F",
        &[(41, b"ID-3"), (11, b"ID-1"), (55, b"ACME"), (54, b"1"), (38, b"100"), (60, b"20240102-03:04:05.678")],
    );
    let m = b.recv();
    assert_eq!(parse(&m).unwrap().msg_type, MsgType::OrderCancelReject, "{}", printable(&m));
    assert_eq!(field(&m, 58).as_deref(), Some("duplicate ClOrdID"), "{}", printable(&m));
    assert_eq!(g.duplicates_rejected(), 3);
}

#[test]
fn clordid_memory_needs_duplicate_rejection_and_a_bound() {
    let out = bin().args(["gateway", "--clordid-memory", "10"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reject-duplicate-clordid"));
    for bad in ["0", "16777217"] {
        let out = bin().args(["gateway", "--reject-duplicate-clordid", "--clordid-memory", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("--clordid-memory {bad}: must be 1 to 16777216")), "{stderr}");
    }
}
