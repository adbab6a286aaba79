//! Tests of whole orders: a template patched with a feed's fields. They sit above
//! [`template`](super::template) and [`feed`](super::feed), which do not import each other.

use super::checksum::{checksum, write_digits};
use super::clordid;
use super::feed::OrderFeed;
use super::parse::{Frame, frame};
use super::printable;
use super::template::{Kind, OrderTemplate, TemplateSpec, Vars};
use super::time::TIMESTAMP_LEN;
use proptest::prelude::*;

const DEFAULT: &str = include_str!("../../fix-templates/new-order-single.fix");
const CANCEL: &str = include_str!("../../fix-templates/order-cancel-request.fix");
const REPLACE: &str = include_str!("../../fix-templates/order-cancel-replace-request.fix");
/// FIX 4.4's, whose patched messages must equal a plain encode just the same.
const DEFAULT_44: &str = include_str!("../../fix-templates/fix44/new-order-single.fix");
const CANCEL_44: &str = include_str!("../../fix-templates/fix44/order-cancel-request.fix");
const REPLACE_44: &str = include_str!("../../fix-templates/fix44/order-cancel-replace-request.fix");
const TIME: [u8; TIMESTAMP_LEN] = *b"20240102-03:04:05.678";
const ID: [u8; clordid::LEN] = *b"0000000000001";
const ORIG: [u8; clordid::LEN] = *b"00000000000ff";
/// A run's stem: a prefix and a tag.
const STEM: &[u8] = b"PX-k3v0q9a";

fn spec() -> TemplateSpec {
    TemplateSpec::parse(DEFAULT, "new-order-single.fix").unwrap()
}

fn order(f: &OrderFeed, row: u64) -> String {
    printable(f.order(f.order_of_row(row)).bytes)
}

#[test]
fn patched_message_frames_and_has_the_fields_patched_in() {
    let spec = spec();
    let feed = OrderFeed::from_template(&spec.fields);
    let mut t = OrderTemplate::new(&spec, b"FIXBLAST", b"GATEWAY", STEM, feed.max_len());
    let m = t.encode(7, &TIME, &ID, &ORIG, feed.order(0)).to_vec();
    assert_eq!(frame(&m), Frame::Message { len: m.len() }, "{}", printable(&m));
    let text = printable(&m);
    assert!(text.starts_with("8=FIX.4.2|9="), "{text}");
    assert!(text.contains("|35=D|49=FIXBLAST|56=GATEWAY|34=7|52=20240102-03:04:05.678|"), "{text}");
    assert!(text.contains("|11=PX-k3v0q9a0000000000001|"), "{text}");
    assert!(text.contains("|60=20240102-03:04:05.678|"), "{text}");
    assert!(text.contains("|55=ACME|54=1|38=100|40=2|44=10.25|59=0|10="), "{text}");
    assert!(!text.contains("|41="), "{text}");
}

#[test]
fn a_cancel_names_the_order_it_cancels_and_repeats_its_symbol_side_and_qty() {
    let spec = TemplateSpec::parse(CANCEL, "c.fix").unwrap();
    let feed = OrderFeed::parse(b"XYZ,sell,250,9.5,limit,ioc\n", "f.csv").unwrap();
    let mut t = OrderTemplate::new(&spec, b"S", b"T", STEM, feed.max_len());
    let m = t.encode(3, &TIME, &ID, &ORIG, feed.cancel(0)).to_vec();
    assert_eq!(frame(&m), Frame::Message { len: m.len() }, "{}", printable(&m));
    let text = printable(&m);
    assert!(text.contains("|35=F|"), "{text}");
    assert!(text.contains("|41=PX-k3v0q9a00000000000ff|"), "{text}");
    assert!(text.contains("|55=XYZ|54=2|38=250|10="), "{text}");
    assert!(!text.contains("|40="), "{text}");
}

#[test]
fn consecutive_sequence_numbers_across_digit_boundaries_match_a_plain_encode() {
    let spec = spec();
    let feed = OrderFeed::from_template(&spec.fields);
    let mut t = OrderTemplate::new(&spec, b"S", b"T", STEM, feed.max_len());
    let mut plain = vec![0u8; 1024];
    let part = feed.order(0);
    for seq in (1..=1100).chain(99_990..100_010).chain(u32::MAX - 3..=u32::MAX).chain(0..3) {
        let patched = t.encode(seq, &TIME, &ID, &ORIG, part).to_vec();
        let vars = Vars {
            sender: b"S",
            target: b"T",
            seq,
            time: &TIME,
            cl_ord_id: &[STEM, &ID].concat(),
            orig_cl_ord_id: &[STEM, &ORIG].concat(),
            part: part.bytes,
        };
        let n = spec.encode_plain(&vars, &mut plain).unwrap();
        assert_eq!(printable(&patched), printable(&plain[..n]), "seq {seq}");
    }
}

#[test]
fn the_template_makes_a_feed_of_one_order() {
    let spec = TemplateSpec::parse(include_str!("../../fix-templates/new-order-single.fix"), "t.fix").unwrap();
    let f = OrderFeed::from_template(&spec.fields);
    assert_eq!((f.rows(), f.distinct()), (1, 1));
    assert_eq!(order(&f, 0), "55=ACME|54=1|38=100|40=2|44=10.25|59=0|");
}
/// Feed rows of every length from a few bytes to the 255 a part may have: the body
/// crosses 100 and 1000 bytes with short CompIDs.
fn feed_rows() -> impl Strategy<Value = Vec<String>> {
    let row = ("[A-Z]{1,64}", 1u32..100_000_000, proptest::option::of(1u32..1_000_000), 0usize..3).prop_map(
        |(sym, qty, px, tif)| {
            let px = px.map_or(String::new(), |p| format!("{}.{:02}", p / 100, p % 100));
            let ord_type = if px.is_empty() { "market" } else { "limit" };
            format!("{sym},buy,{qty},{px},{ord_type},{}", ["", "day", "ioc"][tif])
        },
    );
    proptest::collection::vec(row, 1..8)
}

proptest! {
    /// The patched template equals a fresh plain encode, for all three message types,
    /// across MsgSeqNum digit boundaries, after moving back to fewer digits, and as the
    /// order's fields change length (and BodyLength with them).
    #[test]
    fn patched_bytes_equal_a_plain_encode(
        sender in "[A-Z0-9]{1,12}",
        target in "[A-Z0-9]{1,12}",
        prefix in "[!-{}~]{0,16}",
        tag: u64,
        kind in 0usize..6,
        rows in feed_rows(),
        orders in proptest::collection::vec((any::<u32>(), 0u64..4_102_444_800_000_000_000, any::<u64>()), 1..20),
        run_len in 0u32..300,
    ) {
        let text = [DEFAULT, CANCEL, REPLACE, DEFAULT_44, CANCEL_44, REPLACE_44][kind];
        let version = crate::fix::FixVersion::ALL[kind / 3];
        let spec = TemplateSpec::parse_as(text, "t.fix", version).unwrap();
        let feed = OrderFeed::parse(rows.join("\n").as_bytes(), "f.csv").unwrap();
        let stem = clordid::Stem::new(prefix.as_bytes(), tag);
        let mut t = OrderTemplate::new(&spec, sender.as_bytes(), target.as_bytes(), stem.as_bytes(), feed.max_len());
        let mut plain = vec![0u8; 1024];
        // Random MsgSeqNums, each followed by a run of consecutive ones (the in-place
        // increment, its carries and its digit-count changes).
        let orders = orders.into_iter().flat_map(|(seq, ns, id)| {
            (0..=run_len).map(move |k| (seq.wrapping_add(k), ns + k as u64 * 1_000_000, id ^ k as u64))
        });
        for (n, (seq, ns, id)) in orders.enumerate() {
            let mut time = [0u8; TIMESTAMP_LEN];
            crate::fix::time::write_timestamp(ns, &mut time);
            let mut cl = [0u8; clordid::LEN];
            crate::fix::clordid::ClOrdId::unpack(id).write(&mut cl);
            let mut orig = [0u8; clordid::LEN];
            crate::fix::clordid::ClOrdId::unpack(!id).write(&mut orig);
            let order = feed.order_of_row(n as u64 / 3);
            let part = if spec.kind == Kind::Cancel { feed.cancel(order) } else { feed.order(order) };
            let patched = t.encode(seq, &time, &cl, &orig, part).to_vec();
            let vars = Vars {
                sender: sender.as_bytes(),
                target: target.as_bytes(),
                seq,
                time: &time,
                cl_ord_id: &[stem.as_bytes(), &cl].concat(),
                orig_cl_ord_id: &[stem.as_bytes(), &orig].concat(),
                part: part.bytes,
            };
            let len = spec.encode_plain(&vars, &mut plain).unwrap();
            prop_assert_eq!(printable(&patched), printable(&plain[..len]));
            prop_assert!(patched.len() <= t.max_len());
            prop_assert!(patched.starts_with(version.prefix()));
            // And 10= equals a full recompute.
            let body_end = patched.len() - 7;
            let mut cs = [0u8; 3];
            write_digits(checksum(&patched[..body_end]), &mut cs);
            prop_assert_eq!(&patched[body_end + 3..body_end + 6], &cs);
        }
    }
}

proptest! {
    /// Orders that share a timestamp (the template then leaves 52= and 60= and their sum as
    /// they are) and orders that change it, in any order, equal a plain encode.
    #[test]
    fn repeated_and_changing_timestamps_equal_a_plain_encode(
        kind in 0usize..3,
        times in proptest::collection::vec(0usize..4, 1..40),
    ) {
        let spec = TemplateSpec::parse([DEFAULT, CANCEL, REPLACE][kind], "t.fix").unwrap();
        let feed = OrderFeed::from_template(&spec.fields);
        let mut t = OrderTemplate::new(&spec, b"S", b"T", STEM, feed.max_len());
        let mut plain = vec![0u8; 1024];
        let (id, orig) = ([STEM, &ID].concat(), [STEM, &ORIG].concat());
        // Four instants, one of them the zeros the template starts with.
        let mut choices = [[b'0'; TIMESTAMP_LEN]; 4];
        for (i, ns) in [1_704_164_645_000_000_000u64, 1_704_164_645_001_000_000, 1_704_164_646_000_000_000].into_iter().enumerate() {
            crate::fix::time::write_timestamp(ns, &mut choices[i + 1]);
        }
        for (n, which) in times.into_iter().enumerate() {
            let time = choices[which];
            let part = if spec.kind == Kind::Cancel { feed.cancel(0) } else { feed.order(0) };
            let seq = n as u32 + 1;
            let patched = t.encode(seq, &time, &ID, &ORIG, part).to_vec();
            let vars = Vars { sender: b"S", target: b"T", seq, time: &time, cl_ord_id: &id, orig_cl_ord_id: &orig, part: part.bytes };
            let len = spec.encode_plain(&vars, &mut plain).unwrap();
            prop_assert_eq!(printable(&patched), printable(&plain[..len]));
        }
    }
}

/// A template line: a shipped one, or a field drawn to cover what the loader and the parser
/// read apart: every tag fixblast reads, tags of 9 and 10 digits, any printable value.
fn template_line() -> impl Strategy<Value = String> {
    let shipped: Vec<&str> = [DEFAULT, CANCEL, REPLACE].iter().flat_map(|t| t.lines()).collect();
    let tag = prop_oneof![
        4 => proptest::sample::select(vec![7u32, 16, 36, 45, 108, 150, 39, 43, 141, 58, 112, 11, 41, 55, 54, 38, 40, 44, 59, 21, 1]),
        2 => 1u32..100_000,
        1 => 100_000_000u32..=u32::MAX,
    ];
    let value = prop_oneof![4 => "[0-9]{1,3}", 2 => "[A-Z]", 2 => "[ -{}~]{1,12}", 1 => Just("{seq}".to_string())];
    prop_oneof![
        6 => proptest::sample::select(shipped).prop_map(str::to_string),
        3 => (tag, value).prop_map(|(t, v)| format!("{t}={v}")),
        1 => "[ -~]{0,16}",
    ]
}

/// The shipped templates with lines added, replaced and dropped.
fn template_text() -> impl Strategy<Value = String> {
    let edits = proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, template_line()), 0..4);
    (prop_oneof![Just(DEFAULT), Just(CANCEL), Just(REPLACE)], edits).prop_map(|(text, edits)| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, how, line) in edits {
            let i = at.index(lines.len() + 1);
            match how {
                0 => lines.insert(i, line),
                1 if i < lines.len() => lines[i] = line,
                _ if i < lines.len() => drop(lines.remove(i)),
                _ => lines.push(line),
            }
        }
        lines.join("\n")
    })
}

/// Feed rows drawn near the format, mostly good: names and codes, good and bad numbers,
/// empty fields, spaces, a header, comments and junk.
fn feed_text() -> impl Strategy<Value = String> {
    let pick = |v: &[&str]| proptest::sample::select(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let symbol = prop_oneof![8 => "[A-Z]{1,8}", 1 => "[!-~]{0,70}", 1 => Just(String::new())];
    let side = prop_oneof![8 => pick(&["buy", "sell", "2", "G", "sell_short_exempt"]), 1 => "[a-zA-Z0-9_]{0,4}"];
    let number = || prop_oneof![8 => "[1-9][0-9]{0,4}(\\.[0-9]{1,2})?", 1 => "[0-9.]{0,22}", 1 => Just(String::new())];
    let ord_type = prop_oneof![8 => pick(&["market", "limit", "stop", "2", "P"]), 1 => "[0-9A-Za-z_]{0,6}"];
    let tif = prop_oneof![8 => pick(&["", "ioc", "day", "0", "6"]), 1 => "[0-9a-z]{0,3}"];
    let row = (symbol, side, number(), number(), ord_type, tif, " {0,1}")
        .prop_map(|(s, d, q, p, o, t, pad)| [s, d, q, p, o, t].join(&format!("{pad},{pad}")));
    let line = prop_oneof![
        16 => row,
        1 => Just("symbol,side,qty,price,ord_type,tif".to_string()),
        1 => Just("# comment".to_string()),
        1 => Just(String::new()),
        1 => "[ -~]{0,24}",
    ];
    (proptest::collection::vec(line, 0..6), prop_oneof![Just("\n"), Just("\r\n")]).prop_map(|(l, end)| l.join(end))
}

proptest! {
    /// What `fix::order_props` checks for any template text (the `template` fuzz target's
    /// property): an accepted template's messages frame, parse and equal a plain encode.
    #[test]
    fn an_accepted_template_makes_messages_that_frame_and_parse(text in template_text()) {
        super::order_props::check_template(&text).map_err(TestCaseError::fail)?;
    }

    /// What `fix::order_props` checks for any feed text (the `feed` fuzz target's property):
    /// an accepted feed's orders are within the documented bounds.
    #[test]
    fn an_accepted_feed_holds_orders_within_its_bounds(text in feed_text()) {
        super::order_props::check_feed(text.as_bytes()).map_err(TestCaseError::fail)?;
    }
}

/// The shipped templates and a plain feed pass the checks the property tests run (and are
/// accepted, so the checks ran on them).
#[test]
fn the_shipped_templates_and_a_plain_feed_keep_the_loaders_promises() {
    for (text, kind) in [(DEFAULT, Kind::New), (CANCEL, Kind::Cancel), (REPLACE, Kind::Replace)] {
        assert_eq!(super::order_props::check_template(text), Ok(Some(kind)));
    }
    let feed =
        "symbol,side,qty,price,ord_type,tif\nACME,buy,100,10.25,limit,day\nXYZ,2,5,,1,\nACME,buy,100,10.25,limit,day\n";
    assert_eq!(super::order_props::check_feed(feed.as_bytes()), Ok(Some(3)));
}
