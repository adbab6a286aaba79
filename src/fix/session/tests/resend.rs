//! Gaps, ResendRequests and what answers them, on the virtual clock: the harness session
//! asks for exactly what is missing, handles a resend of a message it never received once,
//! takes the gap fill that answers it as no error, and the acceptor fills what it is asked.

use super::*;

/// An ExecutionReport from the gateway with MsgSeqNum `seq`; `resend` adds 43=Y and 122.
fn er(seq: u32, resend: bool) -> Vec<u8> {
    let id = format!("{seq:016}");
    if resend {
        from_gateway(seq, b"8", &[(43, b"Y"), (122, b"20231114-22:13:19.000"), (11, id.as_bytes()), (150, b"0")])
    } else {
        from_gateway(seq, b"8", &[(11, id.as_bytes()), (150, b"0")])
    }
}

/// A SequenceReset-GapFill from the gateway over `seq..new_seq`, as a resend (43=Y).
fn gap_fill(seq: u32, new_seq: u32) -> Vec<u8> {
    let n = new_seq.to_string();
    from_gateway(seq, b"4", &[(43, b"Y"), (122, b"20231114-22:13:19.000"), (123, b"Y"), (36, n.as_bytes())])
}

/// A message from the harness side to the acceptor, with a chosen MsgSeqNum.
fn from_harness(seq: u32, msg_type: &[u8], extra: &[(u32, &[u8])]) -> Vec<u8> {
    message(b"FIXBLAST", b"GATEWAY", seq, msg_type, extra)
}

/// (MsgSeqNum, BeginSeqNo, EndSeqNo) of each ResendRequest in `bytes`; panics on anything else.
fn resend_requests(bytes: &[u8]) -> Vec<(u32, u32, u32)> {
    msgs(bytes)
        .iter()
        .map(|(m, text)| {
            assert_eq!(m.msg_type, MsgType::ResendRequest, "{text}");
            (m.seq, m.begin_seq, m.end_seq)
        })
        .collect()
}

/// (MsgSeqNum, NewSeqNo) of each gap fill in `bytes`, checking each is one as FIX 4.2 wants:
/// 123=Y, and 43=Y with 122 as every resend.
fn gap_fills(bytes: &[u8]) -> Vec<(u32, u32)> {
    msgs(bytes)
        .iter()
        .map(|(m, text)| {
            assert_eq!(m.msg_type, MsgType::SequenceReset, "{text}");
            assert!(m.gap_fill && m.poss_dup && text.contains("|122="), "{text}");
            (m.seq, m.new_seq)
        })
        .collect()
}

#[test]
fn a_gap_asks_for_exactly_the_missing_range_and_its_message_is_handled_at_once() {
    let (mut c, _) = logged_on_pair();
    let app = deliver(&mut c, T0, &er(5, false));
    assert_eq!(app.len(), 1, "the message after a gap is not held back");
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqGap { missing: 3 })]);
    // 2, 3 and 4 are missing: EndSeqNo 4, not 0.
    assert_eq!(resend_requests(&drain(&mut c, T0)), [(2, 2, 4)]);
    assert_eq!(events(&mut c), vec![Event::ResendRequested { begin: 2, end: 4 }]);
    assert!(!c.has_transmit(), "asked once");
    assert_eq!(c.next_out_seq(), 3, "a ResendRequest takes a MsgSeqNum");
    assert_eq!(c.resends_outstanding(), 1);
}

#[test]
fn several_gaps_before_a_transmit_are_each_asked_for_in_order() {
    let (mut c, _) = logged_on_pair();
    let app = deliver(&mut c, T0, &[er(4, false), er(7, false)].concat());
    assert_eq!(app.len(), 2);
    assert_eq!(
        events(&mut c),
        vec![Event::Error(ProtocolError::SeqGap { missing: 2 }), Event::Error(ProtocolError::SeqGap { missing: 2 })]
    );
    // Two requests, not one over 2..=6: 4 arrived, and asked again it would come back as a
    // duplicate.
    assert_eq!(resend_requests(&drain(&mut c, T0)), [(2, 2, 3), (3, 5, 6)]);
}

#[test]
fn gaps_past_the_bound_are_counted_but_not_asked_for() {
    let (mut c, _) = logged_on_pair();
    // Nine gaps of one, none answered: 3, 5, … 19 arrive; 2, 4, … 18 are missing.
    let wire: Vec<u8> = (1..=9).flat_map(|k| er(2 * k + 1, false)).collect();
    deliver(&mut c, T0, &wire);
    let gaps = events(&mut c);
    assert_eq!(gaps.len(), 9);
    assert!(gaps.iter().all(|e| *e == Event::Error(ProtocolError::SeqGap { missing: 1 })), "{gaps:?}");
    let asked = resend_requests(&drain(&mut c, T0));
    let expected: Vec<(u32, u32, u32)> = (0..8).map(|k| (2 + k, 2 + 2 * k, 2 + 2 * k)).collect();
    assert_eq!(asked, expected);
    assert_eq!(c.gaps_not_requested(), 1);
    assert_eq!(c.resends_outstanding(), 8);
}

#[test]
fn the_gap_fill_that_answers_is_no_error_and_never_moves_the_sequence_back() {
    let (mut c, mut a) = logged_on_pair();
    // The acceptor skips 2 and sends 3 and 4; 4 is still on the wire when 3 shows the gap.
    a.take_app_seq(T0);
    let (three, four) = (a.take_app_seq(T0), a.take_app_seq(T0));
    assert_eq!((three, four), (3, 4));
    deliver(&mut c, T0, &er(3, false));
    let request = drain(&mut c, T0);
    assert_eq!(resend_requests(&request), [(2, 2, 2)]);
    deliver(&mut c, T0, &er(4, false));
    events(&mut c);
    // The acceptor fills exactly 2 (NewSeqNo 3, not its next MsgSeqNum 5).
    deliver(&mut a, T0, &request);
    let fill = drain(&mut a, T0);
    assert_eq!(gap_fills(&fill), [(2, 3)]);
    assert_eq!(events(&mut a), vec![Event::GapFillSent { begin: 2, new_seq: 3 }]);
    // Below the expected 5, and the answer asked for: no duplicate, no "too low".
    assert!(deliver(&mut c, T0, &fill).is_empty());
    assert!(events(&mut c).is_empty());
    assert_eq!(c.resends_outstanding(), 0);
    // Still expecting 5: the next message shows no error.
    assert_eq!(deliver(&mut c, T0, &er(5, false)).len(), 1);
    assert!(events(&mut c).is_empty());
}

#[test]
fn a_gap_fill_that_says_more_is_missing_moves_the_sequence_on() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &er(5, false));
    drain(&mut c, T0);
    events(&mut c);
    // Asked for 2..=4, the peer fills 2..=7: 6 and 7 will not come either.
    deliver(&mut c, T0, &gap_fill(2, 8));
    assert!(events(&mut c).is_empty());
    deliver(&mut c, T0, &er(8, false));
    assert!(events(&mut c).is_empty(), "expected 8 next");
}

#[test]
fn a_real_resend_of_a_missing_message_is_handled_once_and_a_second_copy_is_a_duplicate() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &er(3, false));
    drain(&mut c, T0);
    events(&mut c);
    // What a FIX engine with a store sends: the message itself, 43=Y.
    assert_eq!(deliver(&mut c, T0, &er(2, true)), [printable(&er(2, true))]);
    assert!(events(&mut c).is_empty(), "a resend asked for is no error");
    assert!(deliver(&mut c, T0, &er(2, true)).is_empty());
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::Duplicate { seq: 2 })]);
    // A resend of 3, which arrived the first time, is a duplicate too.
    assert!(deliver(&mut c, T0, &er(3, true)).is_empty());
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::Duplicate { seq: 3 })]);
    assert_eq!(c.resends_outstanding(), 0);
}

#[test]
fn a_range_resent_in_order_with_its_admin_messages_gap_filled_is_handled_once_each() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &er(6, false));
    drain(&mut c, T0);
    events(&mut c);
    // 2 was a heartbeat (gap-filled), 3 and 4 reports (resent), 5 a heartbeat again.
    let answer = [gap_fill(2, 3), er(3, true), er(4, true), gap_fill(5, 6)].concat();
    let app = deliver(&mut c, T0, &answer);
    assert_eq!(app, [printable(&er(3, true)), printable(&er(4, true))]);
    assert!(events(&mut c).is_empty());
    assert_eq!(c.resends_outstanding(), 0);
    // The whole answer once more: each copy is a duplicate, the gap fills no error.
    assert!(deliver(&mut c, T0, &answer).is_empty());
    assert_eq!(
        events(&mut c),
        vec![Event::Error(ProtocolError::Duplicate { seq: 3 }), Event::Error(ProtocolError::Duplicate { seq: 4 })]
    );
    deliver(&mut c, T0, &er(7, false));
    assert!(events(&mut c).is_empty());
}

#[test]
fn a_resend_without_poss_dup_is_handled_but_counted_as_too_low() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &er(3, false));
    drain(&mut c, T0);
    events(&mut c);
    assert_eq!(deliver(&mut c, T0, &er(2, false)).len(), 1, "it was missing: handled");
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqTooLow { expected: 4, received: 2 })]);
    // It is no longer missing: a copy that says it is a resend is a duplicate.
    assert!(deliver(&mut c, T0, &er(2, true)).is_empty());
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::Duplicate { seq: 2 })]);
}

#[test]
fn a_gap_fill_below_the_sequence_that_answers_nothing_is_ignored() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &[er(2, false), er(3, false)].concat());
    // Nothing was asked for: a resent gap fill of what arrived changes nothing (FIX: ignore).
    assert!(deliver(&mut c, T0, &gap_fill(2, 9)).is_empty());
    assert!(events(&mut c).is_empty());
    deliver(&mut c, T0, &er(4, false));
    assert!(events(&mut c).is_empty(), "still expecting 4");
}

#[test]
fn a_sequence_reset_forgets_what_was_not_yet_asked() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &[er(5, false), from_gateway(6, b"4", &[(36, b"20")])].concat());
    assert!(drain(&mut c, T0).is_empty(), "the numbers start again: nothing to ask for");
    assert_eq!(c.resends_outstanding(), 0);
}

#[test]
fn a_lost_connection_drops_the_requests_not_yet_sent() {
    let (mut c, _) = logged_on_pair();
    deliver(&mut c, T0, &er(5, false));
    c.on_disconnect(T0);
    assert!(!c.has_transmit());
}

#[test]
fn a_gap_at_logon_is_asked_for_after_the_logon() {
    // Neither side resets: the acceptor's Logon reply comes with MsgSeqNum 5.
    let mut c = Session::new(SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30), T0);
    drain(&mut c, T0);
    deliver(&mut c, T0, &from_gateway(5, b"A", &[(98, b"0"), (108, b"30")]));
    assert_eq!(events(&mut c), vec![Event::Error(ProtocolError::SeqGap { missing: 4 }), Event::LoggedOn]);
    assert_eq!(resend_requests(&drain(&mut c, T0)), [(2, 1, 4)]);
    // An acceptor sends its Logon reply first, then asks.
    let mut a = Session::new(SessionConfig::acceptor(), T0);
    deliver(&mut a, T0, &from_harness(3, b"A", &[(98, b"0"), (108, b"30")]));
    let m = msgs(&drain(&mut a, T0));
    let types: Vec<MsgType> = m.iter().map(|(m, _)| m.msg_type).collect();
    assert_eq!(types, [MsgType::Logon, MsgType::ResendRequest]);
    assert_eq!((m[1].0.seq, m[1].0.begin_seq, m[1].0.end_seq), (2, 1, 2));
}

#[test]
fn the_acceptor_fills_up_to_end_seq_no_and_no_further_than_it_sent() {
    let (_, mut a) = logged_on_pair();
    for _ in 0..8 {
        a.take_app_seq(T0);
    }
    assert_eq!(a.next_out_seq(), 10);
    let mut seq = 2;
    let mut ask = |a: &mut Session, begin: &[u8], end: &[u8]| {
        deliver(a, T0, &from_harness(seq, b"2", &[(7, begin), (16, end)]));
        seq += 1;
        gap_fills(&drain(a, T0))
    };
    assert_eq!(ask(&mut a, b"3", b"5"), [(3, 6)]);
    assert_eq!(events(&mut a), vec![Event::GapFillSent { begin: 3, new_seq: 6 }]);
    // 0, 999999 (FIX 4.1's infinity) and past what was sent: up to the next MsgSeqNum.
    assert_eq!(ask(&mut a, b"3", b"0"), [(3, 10)]);
    assert_eq!(ask(&mut a, b"3", b"999999"), [(3, 10)]);
    assert_eq!(ask(&mut a, b"3", b"20"), [(3, 10)]);
    // Nothing sent there, or an inverted range: no answer.
    assert!(ask(&mut a, b"10", b"0").is_empty());
    assert!(ask(&mut a, b"6", b"4").is_empty());
    events(&mut a);
    // Two requests in one read: two answers, in order.
    let both =
        [from_harness(seq, b"2", &[(7, b"3"), (16, b"4")]), from_harness(seq + 1, b"2", &[(7, b"7"), (16, b"8")])];
    deliver(&mut a, T0, &both.concat());
    assert_eq!(gap_fills(&drain(&mut a, T0)), [(3, 5), (7, 9)]);
    assert_eq!(a.next_out_seq(), 10, "a gap fill takes no MsgSeqNum");
}

#[test]
fn a_gap_in_the_last_replies_is_asked_for_while_our_logout_waits_but_not_after_the_end() {
    let (mut c, _) = logged_on_pair();
    c.logout(T0);
    drain(&mut c, T0);
    deliver(&mut c, T0, &er(4, false));
    assert_eq!(resend_requests(&drain(&mut c, T0)), [(3, 2, 3)]);
    // The peer's Logout ends the session: a gap found with it is counted, not asked for.
    deliver(&mut c, T0, &[er(6, false), from_gateway(7, b"5", &[])].concat());
    assert_eq!(c.state(), State::Closed);
    assert!(drain(&mut c, T0).is_empty());
}
