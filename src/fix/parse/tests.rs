//! The framer's and parser's own tests (unchanged from before the scanner: only their imports
//! moved, with `Sohs`, the old SOH iterator, now in the reference code).

use super::reference::Sohs;
use super::*;
use crate::fix::SOH;
use crate::fix::encode::Encoder;
use crate::fix::readable;
use proptest::prelude::*;

fn encode(fields: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut e = Encoder::new(&mut buf);
    for (t, v) in fields {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf.truncate(n);
    buf
}

fn exec_report(clordid: &str, seq: u32) -> Vec<u8> {
    let seq = seq.to_string();
    encode(&[
        (35, b"8"),
        (49, b"GATEWAY"),
        (56, b"FIXBLAST"),
        (34, seq.as_bytes()),
        (52, b"20240102-03:04:05.678"),
        (37, b"O1"),
        (11, clordid.as_bytes()),
        (17, b"E1"),
        (20, b"0"),
        (150, b"0"),
        (39, b"0"),
        (55, b"ACME"),
        (54, b"1"),
        (38, b"100"),
        (151, b"100"),
        (14, b"0"),
        (6, b"0"),
    ])
}

/// Feeds `wire` through `frame` in the given chunks, as a receive buffer would, and
/// returns the messages and errors seen.
fn frame_all(wire: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, Vec<FrameError>) {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut fed = 0;
    let mut chunk_iter = chunks.iter().copied().chain(std::iter::repeat(wire.len()));
    loop {
        match frame(&buf) {
            Frame::Message { len } => {
                out.push(buf[..len].to_vec());
                buf.drain(..len);
            }
            Frame::Error { error, skip } => {
                errs.push(error);
                buf.drain(..skip.min(buf.len()));
            }
            Frame::NeedMore => {
                if fed == wire.len() {
                    break;
                }
                let end = (fed + chunk_iter.next().unwrap().max(1)).min(wire.len());
                buf.extend_from_slice(&wire[fed..end]);
                fed = end;
            }
        }
        if buf.is_empty() && fed == wire.len() {
            break;
        }
    }
    (out, errs)
}

#[test]
fn frames_a_known_fix42_heartbeat() {
    // Checksum 161 verified independently: sum("8=FIX.4.2|9=5|35=0|") % 256.
    let m = readable("8=FIX.4.2|9=5|35=0|10=161|");
    assert_eq!(frame(&m), Frame::Message { len: m.len() });
}

#[test]
fn wrong_checksum_is_reported_with_both_values() {
    let m = readable("8=FIX.4.2|9=5|35=0|10=162|");
    assert_eq!(frame(&m), Frame::Error { error: FrameError::BadChecksum { found: 162, computed: 161 }, skip: m.len() });
}

#[test]
fn wrong_body_length_is_a_mismatch() {
    let m = readable("8=FIX.4.2|9=6|35=0|10=161|xx");
    assert!(matches!(frame(&m), Frame::Error { error: FrameError::BodyLengthMismatch, .. }));
}

#[test]
fn other_begin_strings_are_rejected() {
    let m = readable("8=FIX.4.4|9=5|35=0|10=163|");
    assert!(matches!(frame(&m), Frame::Error { error: FrameError::BadBeginString, .. }));
}

#[test]
fn body_length_with_eight_digits_is_rejected() {
    let m = readable("8=FIX.4.2|9=12345678|35=0|");
    assert!(matches!(frame(&m), Frame::Error { error: FrameError::BadBodyLength, .. }));
    let m = readable("8=FIX.4.2|9=1234567");
    assert_eq!(frame(&m), Frame::NeedMore);
    let m = readable("8=FIX.4.2|9=9999999|");
    assert!(matches!(frame(&m), Frame::Error { error: FrameError::TooLong, .. }));
}

#[test]
fn a_message_of_up_to_one_mib_frames_and_a_longer_one_does_not() {
    // A Heartbeat whose TestReqID (112) pads the whole message to exactly `total` bytes.
    let heartbeat = |total: usize| {
        let fixed = "8=FIX.4.2|9=0000000|35=0|112=|10=000|".len();
        let body = format!("35=0|112={}|", "x".repeat(total - fixed));
        let m = readable(&format!("8=FIX.4.2|9={}|{body}", body.len()));
        let sum = crate::fix::checksum::checksum(&m);
        [m, format!("10={sum:03}\x01").into_bytes()].concat()
    };
    let m = heartbeat(MAX_MESSAGE);
    assert_eq!(m.len(), MAX_MESSAGE);
    assert_eq!(frame(&m), Frame::Message { len: m.len() });
    let m = heartbeat(MAX_MESSAGE + 1);
    assert!(matches!(frame(&m), Frame::Error { error: FrameError::TooLong, .. }));
}

#[test]
fn garbage_before_a_message_is_skipped_and_the_message_kept() {
    let mut wire = b"garbage\x01\x02".to_vec();
    let good = exec_report("00000000000000a1", 2);
    wire.extend_from_slice(&good);
    let (msgs, errs) = frame_all(&wire, &[wire.len()]);
    assert_eq!(msgs, vec![good]);
    assert_eq!(errs, vec![FrameError::BadBeginString]);
}

#[test]
fn a_partial_message_start_after_garbage_is_kept() {
    // An '8' early in the garbage must not hide the real start at the tail.
    let wire = readable("x8x garbage 8=FI");
    assert_eq!(frame(&wire), Frame::Error { error: FrameError::BadBeginString, skip: wire.len() - 4 });
}

#[test]
fn parses_an_execution_report() {
    let m = exec_report("00000000000000a1", 9);
    let msg = parse(&m).unwrap();
    assert_eq!(msg.msg_type, MsgType::ExecutionReport);
    assert_eq!(msg.seq, 9);
    assert_eq!(msg.cl_ord_id.get(&m), b"00000000000000a1");
    assert_eq!(msg.order_id.get(&m), b"O1");
    assert_eq!(msg.exec_type, b'0');
    assert_eq!(msg.ord_status, b'0');
    assert_eq!(msg.sender.get(&m), b"GATEWAY");
}

#[test]
fn parse_errors_name_the_problem() {
    assert_eq!(parse(&readable("35=0|")), Err(ParseError::BadSeqNum));
    assert_eq!(parse(&readable("34=1|")), Err(ParseError::BadMsgType));
    assert_eq!(parse(&readable("35=0|34=x|")), Err(ParseError::BadSeqNum));
    assert_eq!(parse(&readable("35=0|34=1|abc|")), Err(ParseError::BadField));
    assert_eq!(parse(&readable("35=0|34=1|150=12|")), Err(ParseError::BadValue(150)));
    assert_eq!(parse(&readable("35=0|34=99999999999|")), Err(ParseError::BadSeqNum));
}

proptest! {
    #[test]
    fn soh_scan_finds_exactly_the_sohs(bytes in proptest::collection::vec(prop_oneof![Just(1u8), Just(0u8), Just(0x81u8), any::<u8>()], 0..100)) {
        let want: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == SOH).map(|(i, _)| i).collect();
        prop_assert_eq!(Sohs::new(&bytes).collect::<Vec<_>>(), want);
    }

    #[test]
    fn framing_is_independent_of_how_reads_split_the_stream(
        n in 1usize..6,
        chunks in proptest::collection::vec(1usize..300, 0..40),
    ) {
        let msgs: Vec<Vec<u8>> = (0..n).map(|i| exec_report(&format!("{i:016x}"), i as u32 + 1)).collect();
        let wire: Vec<u8> = msgs.concat();
        let (out, errs) = frame_all(&wire, &chunks);
        prop_assert!(errs.is_empty());
        prop_assert_eq!(out, msgs);
    }

    /// Never a panic, and every answer sound (see `props.rs`), whole or read in pieces.
    #[test]
    fn frame_and_parse_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(0usize..512, 0..4),
    ) {
        super::props::check_pieces(&bytes, &cuts).map_err(TestCaseError::fail)?;
        let _ = parse(&bytes);
    }

    #[test]
    fn corrupting_one_byte_of_a_message_never_passes_silently(pos in 0usize..200, delta in 1u8..=255) {
        let m = exec_report("00000000000000a1", 3);
        let pos = pos % m.len();
        let mut bad = m.clone();
        bad[pos] = bad[pos].wrapping_add(delta);
        // A corrupted byte either breaks framing or changes the checksum: never a clean frame
        // of the same length with different content.
        if let Frame::Message { len } = frame(&bad) {
            prop_assert!(len != m.len() || bad[..len] == m[..len]);
        }
    }
}

#[test]
fn each_version_frames_its_own_begin_string_and_refuses_the_other() {
    use crate::fix::FixVersion::{Fix42, Fix44};
    use crate::fix::parse::frame_as;
    // Checksum 163: the 4.2 message's 161 plus 2 for the '4' in place of the '2'.
    let m44 = readable("8=FIX.4.4|9=5|35=0|10=163|");
    assert_eq!(frame_as(&m44, Fix44), Frame::Message { len: m44.len() });
    assert_eq!(frame_as(&m44[..11], Fix44), Frame::NeedMore);
    assert!(matches!(frame_as(&m44, Fix42), Frame::Error { error: FrameError::BadBeginString, .. }));
    let m42 = readable("8=FIX.4.2|9=5|35=0|10=161|");
    assert!(matches!(frame_as(&m42, Fix44), Frame::Error { error: FrameError::BadBeginString, .. }));
    assert_eq!(frame_as(&m42, Fix42), frame(&m42));
    // A 4.4 message parses as a 4.2 one does.
    assert_eq!(parse(&m44).map(|m| m.msg_type), parse(&m42).map(|m| m.msg_type));
}
