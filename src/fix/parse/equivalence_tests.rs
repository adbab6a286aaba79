//! The scanner and the new framer against the plain code they replaced (`reference.rs`): the
//! same answer for every input, whole `Msg` or exact error, valid or not.
//!
//! Messages are built from fields drawn to cover what the scanner treats apart: every tag
//! `Msg` reads, with good and bad values; tags nobody reads; tags with leading zeros and with
//! 8 to 11 digits; malformed fields; duplicates; any order. Then bytes are corrupted, cut
//! short and spliced in, and both framers and both parsers are asked about every piece.

use super::*;
use crate::fix::SOH;
use crate::fix::encode::Encoder;
use proptest::prelude::*;

/// Every tag the old parser had a `match` arm for, plus the framing tags, the later session
/// tags (373, 379, 789, 1137) and ApplVerID (1128), which nobody reads.
const KNOWN: [u32; 31] = [
    8, 9, 10, 35, 34, 43, 49, 56, 11, 41, 37, 150, 39, 55, 54, 38, 44, 112, 58, 7, 16, 36, 123, 141, 108, 45, 373, 379,
    789, 1137, 1128,
];

/// Bytes that mean something to a parser, and a few that do not.
fn value_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => b'0'..=b'9',
        2 => b'A'..=b'Z',
        1 => Just(b'='),
        1 => Just(b'Y'),
        1 => Just(b'-'),
        1 => Just(0u8),
        1 => Just(0x80u8),
        1 => 0x81u8..=0xff,
    ]
}

/// A value: mostly short, as FIX values are, sometimes empty or long.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => proptest::collection::vec(value_byte(), 1..4),
        3 => proptest::collection::vec(value_byte(), 4..24),
        1 => Just(Vec::new()),
        1 => proptest::collection::vec(b'0'..=b'9', 1..13),
        1 => Just(b"Y".to_vec()),
    ]
}

/// A tag as written on the wire.
fn tag_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::sample::select(KNOWN.to_vec()).prop_map(|t| t.to_string().into_bytes()),
        3 => (0u32..100_000).prop_map(|t| t.to_string().into_bytes()),
        // Leading zeros: `035` is MsgType to the old parser.
        2 => (proptest::sample::select(KNOWN.to_vec()), 1usize..9)
            .prop_map(|(t, z)| format!("{}{t}", "0".repeat(z)).into_bytes()),
        // 8 to 11 digits: past the fast path, and past what a tag may be.
        1 => proptest::collection::vec(b'0'..=b'9', 8..12),
        // Not a tag at all.
        1 => proptest::collection::vec(value_byte(), 0..4),
    ]
}

/// One field: `TAG=VALUE`, or sometimes something that is not a field.
fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => (tag_text(), value()).prop_map(|(t, v)| [t, b"=".to_vec(), v].concat()),
        1 => proptest::collection::vec(value_byte(), 0..6),
    ]
}

/// Fields that make a sound message (35 and 34 first, in any order after) or nearly one.
fn fields() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let head = (proptest::sample::select(vec!["8", "D", "0", "A", "4", "j", "AB", "ABC", ""]), 0u32..100_000_000)
        .prop_map(|(t, s)| vec![format!("35={t}").into_bytes(), format!("34={s}").into_bytes()]);
    (head, proptest::collection::vec(field(), 0..24), any::<bool>()).prop_flat_map(|(head, rest, keep_head)| {
        let all: Vec<Vec<u8>> = if keep_head { head.into_iter().chain(rest).collect() } else { rest };
        Just(all).prop_shuffle()
    })
}

/// `fields` framed by the plain encoder: BodyLength and CheckSum right, whatever the fields.
fn message(fields: &[Vec<u8>]) -> Vec<u8> {
    message_as(fields, crate::fix::FixVersion::Fix42)
}

/// [`message`] in `version`'s BeginString.
fn message_as(fields: &[Vec<u8>], version: crate::fix::FixVersion) -> Vec<u8> {
    let mut buf = vec![0u8; 8192];
    let mut e = Encoder::for_version(&mut buf, version);
    for f in fields {
        e.raw(f);
        e.raw(&[SOH]);
    }
    let n = e.finish().expect("fits");
    buf.truncate(n);
    buf
}

fn same_parse(m: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(parse(m), reference::parse(m), "parse of {}", crate::fix::printable(m));
    Ok(())
}

fn same_frame(buf: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(frame(buf), reference::frame(buf), "frame of {}", crate::fix::printable(buf));
    Ok(())
}

/// Frames `stream` to its end with both framers in step, comparing each answer, and parses
/// every message either finds (with the other checks of [`props::walk`]).
fn same_stream(stream: &[u8]) -> Result<(), TestCaseError> {
    props::walk(stream).map_err(TestCaseError::fail)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanner_returns_what_the_old_parser_returned(fields in fields()) {
        let m = message(&fields);
        same_frame(&m)?;
        same_parse(&m)?;
        // The body alone, as the parser's own tests give it.
        let body: Vec<u8> = fields.iter().flat_map(|f| f.iter().copied().chain([SOH])).collect();
        same_parse(&body)?;
        // Over FIXT.1.1 the scanner skips a longer BeginString: the same answer.
        for v in [crate::fix::FixVersion::Fix44, crate::fix::FixVersion::Fix50Sp2] {
            same_parse(&message_as(&fields, v))?;
        }
    }

    #[test]
    fn a_corrupted_message_gets_the_old_answer(
        fields in fields(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(SOH), Just(b'='), value_byte()], 0u8..3), 1..4),
        cuts in proptest::collection::vec(0usize..600, 0..4),
    ) {
        let mut m = message(&fields);
        for (at, byte, how) in edits {
            let i = at.index(m.len() + 1);
            match how {
                0 if i < m.len() => m[i] = byte,
                1 => m.insert(i, byte),
                _ if i < m.len() => { m.remove(i); }
                _ => m.push(byte),
            }
        }
        same_stream(&m)?;
        same_parse(&m)?;
        // Twice over, read in pieces: the same messages, and each piece's answer the whole's.
        let twice = [m.as_slice(), &m].concat();
        props::check_pieces(&twice, &cuts).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_bytes_get_the_old_answer(bytes in proptest::collection::vec(prop_oneof![Just(SOH), value_byte(), any::<u8>()], 0..300)) {
        same_stream(&bytes)?;
        same_parse(&bytes)?;
        let mut framed = b"8=FIX.4.2\x019=".to_vec();
        framed.extend_from_slice(&bytes);
        same_stream(&framed)?;
    }
}

proptest! {
    // Each case frames and parses hundreds of prefixes: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_prefix_of_a_stream_gets_the_old_answer(fields in fields(), garbage in proptest::collection::vec(value_byte(), 0..12)) {
        let one = message(&fields);
        let wire: Vec<u8> = [garbage.as_slice(), &one, &one].concat();
        for end in 0..=wire.len() {
            same_frame(&wire[..end])?;
            same_parse(&wire[..end])?;
        }
        same_stream(&wire)?;
    }
}

proptest! {
    #[test]
    fn every_body_length_window_gets_the_old_answer(
        digits in proptest::collection::vec(prop_oneof![6 => b'0'..=b'9', 1 => Just(SOH), 1 => value_byte()], 0..10),
        rest in proptest::collection::vec(prop_oneof![Just(SOH), value_byte()], 0..40),
    ) {
        let wire: Vec<u8> = [b"8=FIX.4.2\x019=".as_slice(), &digits, &rest].concat();
        for end in 0..=wire.len() {
            same_frame(&wire[..end])?;
        }
    }
}

#[test]
fn the_edge_cases_the_fast_path_must_not_miss() {
    let cases: &[&str] = &[
        "035=8|34=1|",
        "0000035=8|34=1|",
        "00000035=8|34=1|",
        "000000035=8|34=1|",
        "0000000035=8|34=1|",
        "35=8|0034=7|11=abc|0000011=def|",
        "35=8|34=1|12345678=x|",
        "35=8|34=1|123456789=x|",
        "35=8|34=1|1234567890=x|",
        "35=8|34=1|=x|",
        "35=8|34=1||",
        "35=8|34=1|11|",
        "35=8|34=1|11=|",
        "35=8|34=1|1a=x|",
        "35=8|34=1|150=12|abc|",
        "35=8|34=1|abc|150=12|",
        "35=8|34=1|150=1|150=12|",
        "35=8|34=1|150=12|150=1|",
        "35=8|34=1|39=2|39=|",
        "35=|34=1|",
        "35=ABC|34=1|",
        "35=8|34=|",
        "35=8|34=4294967295|",
        "35=8|34=4294967296|",
        "35=8|34=1|108=30|108=x|",
        "35=8|34=1|43=Y|123=Y|141=Y|",
        "35=8|34=1|11=x",
        "35=8|34=1|11",
        "",
        "|",
        "=|",
        "0=|35=0|34=1|",
    ];
    for c in cases {
        let m = crate::fix::readable(c);
        assert_eq!(parse(&m), reference::parse(&m), "{c}");
    }
    let frames: &[&str] = &[
        "8",
        "8=FIX.4.2|9",
        "8=FIX.4.2|9=",
        "8=FIX.4.2|9=1234567",
        "8=FIX.4.2|9=12345678",
        "8=FIX.4.2|9=1234567|",
        "8=FIX.4.2|9=|",
        "8=FIX.4.2|9=1x|",
        "8=FIX.4.2|9=5|35=0|10=161|",
        "8=FIX.4.2|9=5|35=0|10=16|",
        "8=FIX.4.2|9=5|35=0|10=999|",
        "8=FIX.4.2|9=5|35=0|11=161|",
        "8=FIX.4.4|9=5|35=0|10=161|",
        "x8=FIX.4.2|9=5|35=0|10=161|",
        "garbage 8=FI",
    ];
    for c in frames {
        let m = crate::fix::readable(c);
        assert_eq!(frame(&m), reference::frame(&m), "{c}");
    }
}
