//! FIX 4.4 and FIX 5.0 over FIXT.1.1 against QuickFIX's executor with its strict
//! dictionaries (tests/quickfix/start-executor.sh VERSION).
//!
//! A client here encodes every message by hand, with none of fixblast's FIX code, so that the
//! executor's configuration for each version is proven apart from fixblast's own encoder: it
//! logs on, has one order filled, sends a cancel and a replace, and shows that the version's
//! dictionary (not FIX 4.2's) is the one that judges the orders. What the executor answers
//! is pinned here, so that fixblast's reading of each version can be checked against it:
//!
//! | version | NewOrderSingle (limit)              | cancel (F), replace (G)  |
//! |---------|-------------------------------------|--------------------------|
//! | 4.2     | 35=8 150=2 (Fill) 39=2              | 35=j 380=3 (unsupported) |
//! | 4.4     | 35=8 150=F (Trade) 39=2             | 35=j 380=3               |
//! | 5.0     | 35=8 150=F (Trade) 39=2, 1128=7     | 35=j 380=3               |
//! | 5.0 SP2 | 35=j 380=3 if marked 1128=9; else   | not tried                |
//! |         | filled as 5.0 with no validation    |                          |
//!
//! What a message must carry for the executor to fill or answer it (QuickFIX 1.15.1's
//! FIX44.xml; FIX50.xml asks the same of the body, FIXT11.xml of the header):
//! - header 8, 9, 35, 49, 56, 34, 52; trailer 10; a FIXT.1.1 Logon adds 1137 to 98 and 108.
//! - NewOrderSingle: the dictionary requires 11, 54, 60, 40 (HandlInst 21, required in 4.2,
//!   is optional); the executor's handler also reads 55, 38 and 44 (35=j 380=5
//!   "Conditionally Required Field Missing" without one) and fills only 40=2 (35=3 373=5).
//! - OrderCancelRequest: 41, 11, 54, 60; OrderCancelReplaceRequest: 41, 11, 54, 60, 40. A
//!   message that passes is then refused as unsupported (35=j 380=3, by RefSeqNum 45 and
//!   RefMsgType 372, with no ClOrdID); one that fails the dictionary gets 35=3 instead.
//! - Tags of FIX 4.2 that 4.4 dropped, such as 47 (Rule80A) or 20 (ExecTransType), are refused
//!   as invalid (35=3 373=0).
//!
//! The tests at the end run fixblast itself (`--fix-version 4.4` and `5.0`) against the
//! executor. fixblast's 5.0 SP1 and SP2 are tested against its own gateway
//! (`tests/it/fix_versions.rs`), since the executor has no handler for them.

use super::quickfix::{measure, start_executor_version};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SOH: u8 = 0x01;
/// SendingTime and TransactTime of every message (the executor runs with CheckLatency=N).
const TIME: &str = "20240102-03:04:05.678";

/// A message as received: its fields in wire order.
#[derive(Debug)]
struct Msg(Vec<(u32, String)>);

impl Msg {
    fn get(&self, tag: u32) -> Option<&str> {
        self.0.iter().find(|(t, _)| *t == tag).map(|(_, v)| v.as_str())
    }

    fn msg_type(&self) -> &str {
        self.get(35).unwrap_or("")
    }
}

/// Encodes `8=begin|9=…|body|10=…|` from `body` written with `|` for SOH.
fn encode(begin: &str, body: &str) -> Vec<u8> {
    assert!(body.ends_with('|'), "a body ends with its last field's SOH: {body}");
    let body = body.replace('|', "\u{1}");
    let mut out = format!("8={begin}\u{1}9={}\u{1}{body}", body.len()).into_bytes();
    let sum = out.iter().map(|&b| b as u32).sum::<u32>() % 256;
    out.extend_from_slice(format!("10={sum:03}\u{1}").as_bytes());
    out
}

/// One FIX session to the executor, as FIXBLAST, encoded by hand.
struct Client {
    stream: TcpStream,
    begin: &'static str,
    seq: u64,
    inbox: Vec<u8>,
}

impl Client {
    fn connect(port: u16, begin: &'static str) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        Client { stream, begin, seq: 0, inbox: Vec::new() }
    }

    /// Sends a message of `msg_type` with the standard header and `fields` (`tag=value|…`);
    /// returns its MsgSeqNum.
    fn send(&mut self, msg_type: &str, fields: &str) -> u64 {
        self.seq += 1;
        let body = format!("35={msg_type}|49=FIXBLAST|56=GATEWAY|34={}|52={TIME}|{fields}", self.seq);
        self.stream.write_all(&encode(self.begin, &body)).unwrap();
        self.seq
    }

    /// The next whole message from the executor, heartbeats skipped, within 10 s.
    fn next(&mut self) -> Msg {
        let t0 = Instant::now();
        loop {
            if let Some(msg) = self.take() {
                if msg.msg_type() != "0" {
                    return msg;
                }
                continue;
            }
            assert!(t0.elapsed() < Duration::from_secs(10), "no message within 10 s; have {:?}", self.inbox);
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    panic!("the executor closed the connection; unread: {:?}", String::from_utf8_lossy(&self.inbox))
                }
                Ok(n) => self.inbox.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Takes one whole message off the inbox, checking its BeginString, length and checksum.
    fn take(&mut self) -> Option<Msg> {
        let begin = format!("8={}\u{1}9=", self.begin);
        if self.inbox.len() < begin.len() {
            return None;
        }
        assert!(self.inbox.starts_with(begin.as_bytes()), "not {begin:?}: {:?}", String::from_utf8_lossy(&self.inbox));
        let digits_at = begin.len();
        let soh = digits_at + self.inbox[digits_at..].iter().position(|&b| b == SOH)?;
        let body_len: usize = std::str::from_utf8(&self.inbox[digits_at..soh]).unwrap().parse().unwrap();
        let end = soh + 1 + body_len + "10=000\u{1}".len();
        if self.inbox.len() < end {
            return None;
        }
        let raw: Vec<u8> = self.inbox.drain(..end).collect();
        let sum = raw[..end - 7].iter().map(|&b| b as u32).sum::<u32>() % 256;
        assert_eq!(&raw[end - 7..], format!("10={sum:03}\u{1}").as_bytes(), "{:?}", String::from_utf8_lossy(&raw));
        let fields = raw[..end - 1]
            .split(|&b| b == SOH)
            .map(|f| {
                let f = std::str::from_utf8(f).unwrap();
                let (tag, value) = f.split_once('=').unwrap();
                (tag.parse().unwrap(), value.to_string())
            })
            .collect();
        Some(Msg(fields))
    }

    /// Sends `msg_type` and returns the executor's answer.
    fn ask(&mut self, msg_type: &str, fields: &str) -> (u64, Msg) {
        let seq = self.send(msg_type, fields);
        (seq, self.next())
    }
}

/// How one version is spoken, and what its executor answers.
struct Version {
    /// start-executor.sh's VERSION.
    name: &'static str,
    begin: &'static str,
    /// Fields the Logon carries beyond EncryptMethod, HeartBtInt and ResetSeqNumFlag.
    logon: &'static str,
    /// Fields a NewOrderSingle needs in this version beyond those common to all three.
    order: &'static str,
    /// The ExecType of the executor's fill.
    fill: &'static str,
}

const FIX42: Version = Version { name: "4.2", begin: "FIX.4.2", logon: "", order: "21=1|", fill: "2" };
const FIX44: Version = Version { name: "4.4", begin: "FIX.4.4", logon: "", order: "", fill: "F" };
const FIX50: Version = Version { name: "5.0", begin: "FIXT.1.1", logon: "1137=7|", order: "", fill: "F" };

/// A limit order the executor fills: ClOrdID `id`, 100 at 10.00. HandlInst (21) only where the
/// version requires it (4.2): in 4.4 and 5.0 it is optional.
fn order(v: &Version, id: &str) -> String {
    format!("11={id}|{}55=IBM|54=1|60={TIME}|38=100|40=2|44=10.00|", v.order)
}

/// Logs on and checks the executor's Logon.
fn logon(port: u16, v: &Version) -> Client {
    let mut c = Client::connect(port, v.begin);
    let (_, reply) = c.ask("A", &format!("98=0|108=30|141=Y|{}", v.logon));
    assert_eq!(reply.msg_type(), "A", "{reply:?}");
    c
}

/// Asserts that `reply` is the executor's fill of order `id`, with the version's ExecType.
fn assert_filled(v: &Version, reply: &Msg, id: &str) {
    assert_eq!(reply.msg_type(), "8", "{reply:?}");
    assert_eq!(reply.get(11), Some(id), "{reply:?}");
    assert_eq!((reply.get(150), reply.get(39)), (Some(v.fill), Some("2")), "ExecType, OrdStatus: {reply:?}");
    assert_eq!((reply.get(14), reply.get(151)), (Some("100"), Some("0")), "CumQty, LeavesQty: {reply:?}");
    assert_eq!((reply.get(32), reply.get(38)), (Some("100"), Some("100")), "LastQty, OrderQty: {reply:?}");
    // Over FIXT.1.1 the executor names the application version of each report in its header.
    let appl_ver_id = (v.begin == "FIXT.1.1").then_some("7");
    assert_eq!(reply.get(1128), appl_ver_id, "ApplVerID: {reply:?}");
}

/// Asserts that `reply` is a BusinessMessageReject of message `seq` of type `msg_type` for
/// an unsupported message type: the executor has no handler for it.
fn assert_unsupported(reply: &Msg, seq: u64, msg_type: &str) {
    assert_eq!(reply.msg_type(), "j", "{reply:?}");
    assert_eq!(
        (reply.get(45), reply.get(372), reply.get(380)),
        (Some(&*seq.to_string()), Some(msg_type), Some("3")),
        "{reply:?}"
    );
}

/// The whole conversation with the executor for version `v`.
fn hand_encoded_session(v: &Version) {
    let Some(ex) = start_executor_version(&format!("qf-hand-{}", v.name), v.name) else { return };
    let mut c = logon(ex.port, v);
    let (_, reply) = c.ask("D", &order(v, "ORDER1"));
    assert_filled(v, &reply, "ORDER1");
    // The executor fills every order at once and keeps none: neither a cancel nor a replace
    // has a handler, in any version.
    let (seq, reply) = c.ask("F", &format!("41=ORDER1|11=CANCEL1|55=IBM|54=1|60={TIME}|38=100|"));
    assert_unsupported(&reply, seq, "F");
    let (seq, reply) =
        c.ask("G", &format!("41=ORDER1|11=REPLACE1|{}55=IBM|54=1|60={TIME}|38=200|40=2|44=10.50|", v.order));
    assert_unsupported(&reply, seq, "G");
    // The dictionary judges them first: a 35=j says that a cancel passed it, since one without
    // TransactTime (60) gets a session-level Reject, "required tag missing", instead.
    let (seq, reply) = c.ask("F", "41=ORDER1|11=CANCEL2|55=IBM|54=1|38=100|");
    assert_eq!((reply.msg_type(), reply.get(45)), ("3", Some(&*seq.to_string())), "{reply:?}");
    assert_eq!((reply.get(371), reply.get(373)), (Some("60"), Some("1")), "{reply:?}");
    // So is an order without it, and the session goes on.
    let (seq, reply) = c.ask("D", &format!("11=NOTIME|{}55=IBM|54=1|38=100|40=2|44=10.00|", v.order));
    assert_eq!((reply.msg_type(), reply.get(45)), ("3", Some(&*seq.to_string())), "{reply:?}");
    assert_eq!((reply.get(371), reply.get(373)), (Some("60"), Some("1")), "{reply:?}");
    if v.name != "4.2" {
        // And it is this version's: Rule80A (47), a FIX 4.2 NewOrderSingle field that FIX 4.4
        // replaced with OrderCapacity (528), is an unknown tag here.
        let (seq, reply) = c.ask("D", &format!("{}47=A|", order(v, "RULE80A")));
        assert_eq!((reply.msg_type(), reply.get(45)), ("3", Some(&*seq.to_string())), "{reply:?}");
        assert_eq!((reply.get(371), reply.get(373)), (Some("47"), Some("0")), "invalid tag: {reply:?}");
    }
    let (_, reply) = c.ask("D", &order(v, "ORDER2"));
    assert_filled(v, &reply, "ORDER2");
    let (_, reply) = c.ask("5", "");
    assert_eq!(reply.msg_type(), "5", "{reply:?}");
}

#[test]
fn hand_encoded_fix42_control_is_filled_with_exec_type_fill() {
    hand_encoded_session(&FIX42);
}

#[test]
fn quickfix_executor_as_fix44_acceptor_fills_a_hand_encoded_order_with_exec_type_trade() {
    hand_encoded_session(&FIX44);
}

#[test]
fn quickfix_executor_as_fixt11_fix50_acceptor_fills_a_hand_encoded_order_with_exec_type_trade() {
    hand_encoded_session(&FIX50);
}

#[test]
fn quickfix_executor_answers_fix50_logon_with_its_default_appl_ver_id() {
    let Some(ex) = start_executor_version("qf-hand-5.0-logon", "5.0") else { return };
    let mut c = Client::connect(ex.port, "FIXT.1.1");
    let (_, reply) = c.ask("A", "98=0|108=30|141=Y|1137=7|");
    assert_eq!((reply.msg_type(), reply.get(1137)), ("A", Some("7")), "{reply:?}");
}

#[test]
fn quickfix_executor_refuses_marked_fix50sp2_orders_and_checks_no_unmarked_one() {
    // Logged on with DefaultApplVerID 9 (FIX.5.0SP2), the executor has no dictionary and no
    // handler for FIX.5.0SP2 messages: fixblast's 5.0 SP2 is tested against its own gateway.
    let Some(ex) = start_executor_version("qf-hand-5.0sp2", "5.0") else { return };
    let mut c = Client::connect(ex.port, "FIXT.1.1");
    let (_, reply) = c.ask("A", "98=0|108=30|141=Y|1137=9|");
    assert_eq!(reply.msg_type(), "A", "{reply:?}");
    // An order marked FIX.5.0SP2 (ApplVerID 1128=9, in the header) is an unsupported type.
    let (seq, reply) = c.ask("D", &format!("1128=9|{}", order(&FIX50, "SP2ORDER")));
    assert_unsupported(&reply, seq, "D");
    // An unmarked one is validated against the (missing) FIX.5.0SP2 dictionary, so nothing is
    // checked, not even TransactTime, and then filled by the FIX 5.0 handler (its report says
    // 1128=7): a zero-error run against the executor in 5.0 SP2 would prove nothing.
    let (_, reply) = c.ask("D", "11=NOTIME|55=IBM|54=1|38=100|40=2|44=10.00|");
    assert_filled(&FIX50, &reply, "NOTIME");
}

/// The executor has no handler for 5.0 SP2, so the same hand-encoded client checks
/// fixblast's own gateway in 5.0 SP2: it answers a Logon with 1137=9 in kind, fills an order
/// as 5.0 does (150=F), takes an order marked with any 5.0 ApplVerID (1128), and rejects
/// one marked FIX 4.4 (1128=6) with FIXT.1.1's SessionRejectReason 18.
#[test]
fn builtin_fix50sp2_gateway_answers_the_hand_encoded_client() {
    use fixblast::gateway::GatewayConfig;
    let cfg = GatewayConfig { version: fixblast::fix::FixVersion::Fix50Sp2, fill: true, ..GatewayConfig::loopback() };
    let g = super::gateway(super::SYSCALL, cfg);
    let mut c = Client::connect(g.addr().port(), "FIXT.1.1");
    let (_, reply) = c.ask("A", "98=0|108=30|141=Y|1137=9|");
    assert_eq!((reply.msg_type(), reply.get(1137)), ("A", Some("9")), "{reply:?}");
    let v = Version { name: "5.0sp2", begin: "FIXT.1.1", logon: "1137=9|", order: "", fill: "F" };
    let (_, ack) = c.ask("D", &order(&v, "ORDER1"));
    assert_eq!((ack.msg_type(), ack.get(150), ack.get(11)), ("8", Some("0"), Some("ORDER1")), "{ack:?}");
    let fill = c.next();
    assert_eq!((fill.get(150), fill.get(39), fill.get(11)), (Some("F"), Some("2"), Some("ORDER1")), "{fill:?}");
    let (_, ack) = c.ask("D", &format!("1128=7|{}", order(&v, "MARKED50")));
    assert_eq!((ack.msg_type(), ack.get(11)), ("8", Some("MARKED50")), "{ack:?}");
    c.next();
    let (seq, reply) = c.ask("D", &format!("1128=6|{}", order(&v, "MARKED44")));
    assert_eq!(
        (reply.msg_type(), reply.get(45), reply.get(373)),
        ("3", Some(&*seq.to_string()), Some("18")),
        "{reply:?}"
    );
    let (_, reply) = c.ask("5", "");
    assert_eq!(reply.msg_type(), "5", "{reply:?}");
}

/// QuickFIX 1.15.1 does not implement NextExpectedMsgSeqNum (789), but its strict FIX 4.4
/// dictionary must take a Logon that carries it.
#[test]
fn quickfix_fix44_executor_takes_a_logon_with_next_expected_seq() {
    let Some(ex) = start_executor_version("qf44-789", "4.4") else { return };
    let out = measure(&ex, &["--fix-version", "4.4", "--next-expected-seq", "--rate", "300", "--backend", "syscall"]);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!((r.orders.sent, r.orders.filled, r.errors.total), (300, 300, 0), "{:?}", r.errors.by_kind);
}

// fixblast itself against the 4.4 and 5.0 executor: the same checks as the 4.2 tests in
// `quickfix`.

/// fixblast `--fix-version v` at 300 orders/s against the strict executor in `v`: every
/// order filled, no error.
fn fills_every_order(name: &str, v: &str) {
    let Some(ex) = start_executor_version(name, v) else { return };
    let out = measure(&ex, &["--fix-version", v, "--rate", "300", "--backend", "syscall"]);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!((r.orders.sent, r.orders.acked, r.orders.filled), (300, 300, 300));
    assert_eq!(r.errors.total, 0, "the strict FIX {v} dictionary objected: {:?}", r.errors.by_kind);
}

/// Three sessions on one thread in closed loop against the strict executor in `v`.
fn takes_three_sessions(name: &str, v: &str) {
    let Some(ex) = start_executor_version(name, v) else { return };
    let out =
        measure(&ex, &["--fix-version", v, "--sessions", "3", "--threads", "1", "--closed-loop", "--window", "2"]);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert!(r.orders.sent >= 30, "sent {}", r.orders.sent);
    assert_eq!((r.orders.acked, r.orders.filled), (r.orders.sent, r.orders.sent));
    assert_eq!(r.errors.total, 0, "{:?}", r.errors.by_kind);
}

#[test]
fn quickfix_executor_with_strict_fix44_dictionary_fills_every_order() {
    fills_every_order("qf44-one", "4.4");
}

#[test]
fn quickfix_fix44_executor_takes_three_sessions_in_closed_loop() {
    takes_three_sessions("qf44-many", "4.4");
}

#[test]
fn quickfix_executor_with_strict_fix50_dictionary_fills_every_order() {
    fills_every_order("qf50-one", "5.0");
}

#[test]
fn quickfix_fix50_executor_takes_three_sessions_in_closed_loop() {
    takes_three_sessions("qf50-many", "5.0");
}
