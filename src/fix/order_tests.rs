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
        kind in 0usize..3,
        rows in feed_rows(),
        orders in proptest::collection::vec((any::<u32>(), 0u64..4_102_444_800_000_000_000, any::<u64>()), 1..20),
        run_len in 0u32..300,
    ) {
        let spec = TemplateSpec::parse([DEFAULT, CANCEL, REPLACE][kind], "t.fix").unwrap();
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
