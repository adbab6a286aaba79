//! Session tests on a virtual clock: a harness session (initiator) and a toy acceptor (the
//! same state machine in the other role) exchange bytes with no sockets.

use super::*;
use crate::fix::encode::Encoder;
use crate::fix::parse::{FrameError, frame, frame_as};
use crate::fix::parse::{Msg, parse};
use crate::fix::printable;

const S: u64 = 1_000_000_000;
const T0: u64 = 1_700_000_000 * S;

fn initiator() -> Session {
    let mut cfg = SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30);
    cfg.reset_seq = true;
    Session::new(cfg, T0)
}

/// Everything `s` wants to send, as wire bytes.
fn drain(s: &mut Session, now: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while let Some(n) = s.poll_transmit(now, &mut buf).unwrap() {
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// Delivers `bytes` to `s`; returns the application messages' readable text.
fn deliver(s: &mut Session, now: u64, bytes: &[u8]) -> Vec<String> {
    let mut app = Vec::new();
    let used = s.on_bytes(now, bytes, |_, _, raw| app.push(printable(raw)));
    assert_eq!(used, bytes.len(), "incomplete message left over");
    app
}

fn msgs(bytes: &[u8]) -> Vec<(Msg, String)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Frame::Message { len } = frame(&bytes[pos..]) else { panic!("bad frame in {}", printable(bytes)) };
        let raw = &bytes[pos..pos + len];
        out.push((parse(raw).unwrap(), printable(raw)));
        pos += len;
    }
    out
}

/// Logs a pair on: returns (harness, acceptor) both Active.
fn logged_on_pair() -> (Session, Session) {
    let mut c = initiator();
    let mut a = Session::new(SessionConfig::acceptor(), T0);
    let logon = drain(&mut c, T0);
    deliver(&mut a, T0, &logon);
    assert_eq!(events(&mut a), vec![Event::LoggedOn]);
    let reply = drain(&mut a, T0);
    deliver(&mut c, T0, &reply);
    assert_eq!(events(&mut c), vec![Event::LoggedOn]);
    (c, a)
}

/// A message from the acceptor side with a chosen MsgSeqNum.
fn from_gateway(seq: u32, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    message(b"GATEWAY", b"FIXBLAST", seq, msg_type, extra)
}

/// A message from `sender` to `target` with a chosen MsgSeqNum and fields.
fn message(sender: &[u8], target: &[u8], seq: u32, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let mut e = Encoder::new(&mut buf);
    e.field(35, msg_type);
    e.field(49, sender);
    e.field(56, target);
    e.field_u64(34, seq as u64);
    e.field(52, b"20231114-22:13:20.000");
    for (t, v) in extra {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf[..n].to_vec()
}

#[test]
fn logon_carries_encrypt_method_heartbeat_and_reset() {
    let mut c = initiator();
    let m = msgs(&drain(&mut c, T0));
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0].1,
        "8=FIX.4.2|9=76|35=A|49=FIXBLAST|56=GATEWAY|34=1|52=20231114-22:13:20.000|98=0|108=30|141=Y|10=133|"
    );
    assert_eq!(c.state(), State::AwaitingLogon);
}

#[test]
fn logon_with_credentials_carries_553_and_554() {
    let mut cfg = SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30);
    cfg.username = Some(b"trader".to_vec());
    cfg.password = Some(b"secret".to_vec());
    let mut c = Session::new(cfg, T0);
    let m = msgs(&drain(&mut c, T0));
    assert!(m[0].1.contains("|108=30|553=trader|554=secret|"), "{}", m[0].1);
    assert!(!m[0].1.contains("141="));
}

#[test]
fn logon_handshake_reaches_active_on_both_sides() {
    let (c, a) = logged_on_pair();
    assert!(c.is_active() && a.is_active());
    assert_eq!(a.sender(), b"GATEWAY");
    assert_eq!(a.target(), b"FIXBLAST");
    assert_eq!(c.next_out_seq(), 2);
}

#[test]
fn logout_in_reply_to_logon_is_a_rejected_logon_with_its_text() {
    let mut c = initiator();
    drain(&mut c, T0);
    deliver(&mut c, T0, &from_gateway(1, b"5", &[(58, b"unknown SenderCompID")]));
    assert_eq!(events(&mut c), vec![Event::LogonRejected]);
    assert_eq!(c.text(), b"unknown SenderCompID");
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn a_peer_that_closes_before_answering_the_logon_is_not_a_rejected_logon() {
    let mut c = initiator();
    drain(&mut c, T0);
    c.on_disconnect(T0 + S);
    assert_eq!(events(&mut c), vec![Event::ClosedBeforeLogon]);
    assert_eq!(c.before_logon().to_string(), "nothing received");
}

#[test]
fn what_arrived_before_the_logon_reply_is_told_apart() {
    let mut c = initiator();
    drain(&mut c, T0);
    // Not FIX at all, then a FIX frame with a wrong checksum, then half a message.
    let garbage = b"GET / HTTP/1.1\r\n\r\n".to_vec();
    let mut bad = drain(&mut initiator(), T0);
    let n = bad.len();
    let wrong = if &bad[n - 4..n - 1] == b"000" { b"001" } else { b"000" };
    bad[n - 4..n - 1].copy_from_slice(wrong);
    let mut bytes = [garbage, bad].concat();
    let whole = bytes.len();
    bytes.extend_from_slice(b"8=FIX.4.2\x019=5");
    let used = c.on_bytes(T0, &bytes, |_, _, _| panic!("nothing is an application message"));
    assert_eq!(used, whole);
    let seen = *c.before_logon();
    assert_eq!((seen.bad_checksum, seen.pending, seen.consumed), (1, 13, whole as u64), "{seen:?}");
    assert!(seen.garbled >= 1, "{seen:?}");
    let text = seen.to_string();
    assert!(text.contains("1 frame with a bad checksum") && text.contains("13 bytes of an incomplete"), "{text}");
    // After the Logon, nothing more is counted.
    let (mut h, _) = logged_on_pair();
    h.on_bytes(T0, b"GET /", |_, _, _| {});
    assert_eq!(h.before_logon().garbled, 0);
}

#[test]
fn no_logon_reply_times_out() {
    let mut c = initiator();
    drain(&mut c, T0);
    let due = c.poll_timeout().unwrap();
    assert_eq!(due, T0 + 10 * S);
    c.on_timeout(due - 1);
    assert!(events(&mut c).is_empty());
    c.on_timeout(due);
    assert_eq!(events(&mut c), vec![Event::LogonTimeout]);
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn acceptor_refuses_anything_before_logon() {
    let mut a = Session::new(SessionConfig::acceptor(), T0);
    deliver(&mut a, T0, &from_gateway(1, b"0", &[]));
    assert_eq!(events(&mut a), vec![Event::Error(ProtocolError::NotLoggedOn)]);
    assert_eq!(a.state(), State::AwaitingLogon);
}

#[test]
fn heartbeat_is_sent_after_an_idle_interval_and_not_before() {
    let (mut c, _) = logged_on_pair();
    assert_eq!(c.poll_timeout(), Some(T0 + 30 * S));
    c.on_timeout(T0 + 30 * S - 1);
    assert!(drain(&mut c, T0 + 30 * S - 1).is_empty());
    c.on_timeout(T0 + 30 * S);
    let m = msgs(&drain(&mut c, T0 + 30 * S));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].0.msg_type, MsgType::Heartbeat);
    assert!(!m[0].1.contains("112="));
}

#[test]
fn sending_orders_postpones_the_heartbeat() {
    let (mut c, _) = logged_on_pair();
    assert_eq!(c.take_app_seq(T0 + 20 * S), 2);
    assert_eq!(c.poll_timeout(), Some(T0 + 36 * S)); // TestRequest deadline: 1.2 × 30 s of silence
    c.on_timeout(T0 + 30 * S);
    assert!(drain(&mut c, T0 + 30 * S).is_empty());
}

#[test]
fn test_request_is_answered_with_its_id() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0 + S, &from_gateway(2, b"1", &[(112, b"PING-42")]));
    let m = msgs(&drain(&mut c, T0 + S));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].0.msg_type, MsgType::Heartbeat);
    assert!(m[0].1.contains("|112=PING-42|"), "{}", m[0].1);
}

#[test]
fn silence_brings_a_test_request_then_a_peer_timeout() {
    let (mut c, _) = logged_on_pair();
    let t1 = T0 + 36 * S;
    c.on_timeout(t1);
    let m = msgs(&drain(&mut c, t1));
    let types: Vec<MsgType> = m.iter().map(|(m, _)| m.msg_type).collect();
    assert_eq!(types, vec![MsgType::Heartbeat, MsgType::TestRequest]);
    c.on_timeout(t1 + 30 * S - 1);
    assert!(events(&mut c).is_empty());
    c.on_timeout(t1 + 30 * S);
    assert_eq!(events(&mut c), vec![Event::PeerTimeout]);
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn a_reply_to_the_test_request_keeps_the_session() {
    let (mut c, _) = logged_on_pair();
    let t1 = T0 + 36 * S;
    c.on_timeout(t1);
    drain(&mut c, t1);
    deliver(&mut c, t1 + S, &from_gateway(2, b"0", &[(112, b"1")]));
    c.on_timeout(t1 + 30 * S);
    assert!(events(&mut c).is_empty());
    assert!(c.is_active());
}

#[test]
fn resend_request_is_answered_with_a_gap_fill_to_the_next_sequence() {
    let (mut c, _) = logged_on_pair();
    for _ in 0..5 {
        c.take_app_seq(T0);
    }
    assert_eq!(c.next_out_seq(), 7);
    deliver(&mut c, T0 + S, &from_gateway(2, b"2", &[(7, b"3"), (16, b"0")]));
    let m = msgs(&drain(&mut c, T0 + S));
    assert_eq!(m.len(), 1);
    let (gf, text) = &m[0];
    assert_eq!(gf.msg_type, MsgType::SequenceReset);
    assert_eq!(gf.seq, 3);
    assert!(gf.gap_fill && gf.poss_dup);
    assert_eq!(gf.new_seq, 7);
    assert!(text.contains("|122="), "{text}");
    // The gap fill does not consume a sequence number.
    assert_eq!(c.next_out_seq(), 7);
}

#[test]
fn inbound_gap_is_counted_and_the_sequence_moves_on() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &from_gateway(5, b"0", &[]));
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqGap { missing: 3 })]);
    deliver(&mut c, T0, &from_gateway(6, b"0", &[]));
    assert!(events(&mut c).is_empty());
}

#[test]
fn low_sequence_is_an_error_unless_poss_dup() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &from_gateway(2, b"0", &[]));
    deliver(&mut c, T0, &from_gateway(2, b"0", &[]));
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqTooLow { expected: 3, received: 2 })]);
    // A duplicate that says so is ignored, application message or not, and counted.
    let app = deliver(&mut c, T0, &from_gateway(2, b"8", &[(43, b"Y"), (11, b"X")]));
    assert!(app.is_empty());
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::Duplicate { seq: 2 })]);
}

#[test]
fn a_poss_dup_resend_of_a_message_never_received_is_handled_once() {
    let (mut c, _) = logged_on_pair();
    // The first copy of 2 was lost (a bad checksum, say): its resend is the message.
    let app = deliver(&mut c, T0, &from_gateway(2, b"8", &[(43, b"Y"), (122, b"20231114-22:13:20.000")]));
    assert_eq!(app.len(), 1);
    assert!(events(&mut c).is_empty());
}

#[test]
fn gap_fill_from_the_peer_moves_the_expected_sequence() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &from_gateway(2, b"4", &[(123, b"Y"), (36, b"10")]));
    deliver(&mut c, T0, &from_gateway(10, b"0", &[]));
    assert!(events(&mut c).is_empty());
    // SequenceReset-Reset ignores its own MsgSeqNum.
    deliver(&mut c, T0, &from_gateway(99, b"4", &[(36, b"20")]));
    deliver(&mut c, T0, &from_gateway(20, b"0", &[]));
    assert!(events(&mut c).is_empty());
}

#[test]
fn a_session_reject_is_counted_with_its_reference_and_a_business_reject_goes_to_the_caller() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &from_gateway(2, b"3", &[(45, b"7"), (58, b"Required tag missing")]));
    let bmr = from_gateway(3, b"j", &[(45, b"8"), (379, b"ORD8"), (380, b"3")]);
    let app = deliver(&mut c, T0, &bmr);
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SessionReject { ref_seq: 7, reason: None })]);
    // A BusinessMessageReject names an order (379): the caller, who knows the orders, takes it.
    assert_eq!(app, vec![printable(&bmr)]);
}

#[test]
fn an_acceptor_refuses_a_logon_with_a_logout_and_its_text() {
    let mut c = initiator();
    let mut a = Session::new(SessionConfig::acceptor(), T0);
    deliver(&mut a, T0, &drain(&mut c, T0));
    a.refuse_logon(T0, b"not today");
    let m = msgs(&drain(&mut a, T0));
    assert_eq!(m.len(), 1, "a Logout and no Logon");
    assert_eq!(m[0].0.msg_type, MsgType::Logout);
    assert!(m[0].1.contains("|34=1|") && m[0].1.contains("|58=not today|"), "{}", m[0].1);
    assert_eq!(a.state(), State::Closed);
    deliver(&mut c, T0, &msgs_bytes(&m));
    assert_eq!(events(&mut c), vec![Event::LogonRejected]);
    assert_eq!(c.text(), b"not today");
    // Once the Logon is answered, refusing does nothing.
    let (_, mut a) = logged_on_pair();
    a.refuse_logon(T0, b"too late");
    assert!(a.is_active() && !a.has_transmit());
}

/// The wire bytes of `m` again.
fn msgs_bytes(m: &[(Msg, String)]) -> Vec<u8> {
    m.iter().flat_map(|(_, text)| crate::fix::readable(text)).collect()
}

#[test]
fn execution_reports_go_to_the_application() {
    let (mut c, _) = logged_on_pair();
    let er = from_gateway(2, b"8", &[(11, b"0000000000000001"), (150, b"0")]);
    let app = deliver(&mut c, T0, &er);
    assert_eq!(app, vec![printable(&er)]);
    assert!(events(&mut c).is_empty());
}

#[test]
fn garbage_is_reported_and_following_messages_still_arrive() {
    let (mut c, _) = logged_on_pair();
    let mut wire = b"\x00\x00junk".to_vec();
    let er = from_gateway(2, b"8", &[(11, b"0000000000000001")]);
    wire.extend_from_slice(&er);
    let app = deliver(&mut c, T0, &wire);
    assert_eq!(app.len(), 1);
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::Garbled(FrameError::BadBeginString))]);
}

#[test]
fn logout_handshake_initiated_by_us() {
    let (mut c, mut a) = logged_on_pair();
    c.logout(T0 + S);
    assert_eq!(c.state(), State::LogoutSent);
    let bye = drain(&mut c, T0 + S);
    assert_eq!(msgs(&bye)[0].0.msg_type, MsgType::Logout);
    deliver(&mut a, T0 + S, &bye);
    assert_eq!(events(&mut a), vec![Event::LoggedOut { by_peer: true, acknowledged: true }]);
    let reply = drain(&mut a, T0 + S);
    assert_eq!(msgs(&reply)[0].0.msg_type, MsgType::Logout);
    assert_eq!(a.state(), State::Closed);
    deliver(&mut c, T0 + S, &reply);
    assert_eq!(events(&mut c), vec![Event::LoggedOut { by_peer: false, acknowledged: true }]);
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn unanswered_logout_times_out() {
    let (mut c, _) = logged_on_pair();
    c.logout(T0);
    drain(&mut c, T0);
    c.on_timeout(T0 + 2 * S);
    assert_eq!(events(&mut c), vec![Event::LoggedOut { by_peer: false, acknowledged: false }]);
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn acceptor_answers_logon_with_reset_when_asked() {
    let mut c = initiator();
    let mut a = Session::new(SessionConfig::acceptor(), T0);
    deliver(&mut a, T0, &drain(&mut c, T0));
    let reply = msgs(&drain(&mut a, T0));
    assert_eq!(
        reply[0].1,
        "8=FIX.4.2|9=76|35=A|49=GATEWAY|56=FIXBLAST|34=1|52=20231114-22:13:20.000|98=0|108=30|141=Y|10=133|"
    );
}

/// The resend protocol, both ways.
mod resend;

/// What each version asks of the Logon: DefaultApplVerID, NextExpectedMsgSeqNum.
mod logon;

/// Found by the session property test: a peer that jumped to the last MsgSeqNum wrapped the
/// expected number to 0, and its next message then looked like a second gap below the first.
#[test]
fn a_peer_at_the_last_msg_seq_num_does_not_wrap_the_expected_number() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &from_gateway(u32::MAX, b"0", &[]));
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqGap { missing: u32::MAX - 2 })]);
    deliver(&mut c, T0, &from_gateway(3, b"0", &[]));
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqTooLow { expected: u32::MAX, received: 3 })]);
}

fn session_44(role: Role) -> Session {
    let base = if role == Role::Initiator { initiator().cfg } else { SessionConfig::acceptor() };
    Session::new(SessionConfig { version: FixVersion::Fix44, ..base }, T0)
}

#[test]
fn a_fix44_pair_logs_on_heartbeats_and_logs_out_in_fix44() {
    let (mut c, mut a) = (session_44(Role::Initiator), session_44(Role::Acceptor));
    let logon = drain(&mut c, T0);
    assert!(logon.starts_with(b"8=FIX.4.4\x019="), "{}", printable(&logon));
    assert_eq!(frame_as(&logon, FixVersion::Fix44), Frame::Message { len: logon.len() });
    deliver(&mut a, T0, &logon);
    assert_eq!(events(&mut a), vec![Event::LoggedOn]);
    let reply = drain(&mut a, T0);
    assert!(reply.starts_with(b"8=FIX.4.4\x01"), "{}", printable(&reply));
    deliver(&mut c, T0, &reply);
    assert_eq!(events(&mut c), vec![Event::LoggedOn]);
    // Idle past HeartBtInt: a Heartbeat, in 4.4.
    c.on_timeout(T0 + 30 * S);
    let hb = drain(&mut c, T0 + 30 * S);
    assert!(printable(&hb).starts_with("8=FIX.4.4|") && printable(&hb).contains("|35=0|"), "{}", printable(&hb));
    c.logout(T0 + 31 * S);
    let out = drain(&mut c, T0 + 31 * S);
    assert!(printable(&out).starts_with("8=FIX.4.4|") && printable(&out).contains("|35=5|"), "{}", printable(&out));
}

#[test]
fn a_logon_in_another_version_is_refused_naming_both() {
    let mut c = initiator();
    let mut a = session_44(Role::Acceptor);
    let logon = drain(&mut c, T0);
    deliver(&mut a, T0, &logon);
    assert_eq!(a.before_logon().other_version, Some((FixVersion::Fix42, FixVersion::Fix44)));
    a.refuse_other_version(T0);
    assert_eq!(a.state(), State::Closed);
    let refusal = drain(&mut a, T0);
    let text = printable(&refusal);
    assert!(text.starts_with("8=FIX.4.4|") && text.contains("|35=5|"), "{text}");
    assert!(text.contains("58=this gateway speaks FIX.4.4, the Logon was FIX.4.2|"), "{text}");
    // Addressed to the session that logged on, read from its 4.2 Logon.
    assert!(text.contains("|49=GATEWAY|56=FIXBLAST|"), "{text}");
    // The initiator cannot read the 4.4 Logout, but says which versions met.
    c.on_bytes(T0, &refusal, |_, _, _| panic!("not an application message"));
    let seen = c.before_logon().to_string();
    assert!(seen.contains("the peer speaks FIX 4.4 (FIX.4.4), this session FIX 4.2 (FIX.4.2)"), "{seen}");
}

#[test]
fn refusing_another_version_does_nothing_without_one() {
    let mut a = session_44(Role::Acceptor);
    deliver(&mut a, T0, b"");
    a.refuse_other_version(T0);
    assert_eq!(a.state(), State::AwaitingLogon);
    assert!(!a.has_transmit());
}

#[test]
fn logon_fields_follow_fixblasts_own_on_the_logon_only() {
    let mut cfg = SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30);
    cfg.logon_fields = vec![(1408, b"1.0".to_vec()), (95, b"2".to_vec())];
    let mut c = Session::new(cfg, T0);
    let m = msgs(&drain(&mut c, T0));
    assert!(m[0].1.contains("|98=0|108=30|1408=1.0|95=2|10="), "{}", m[0].1);
}
