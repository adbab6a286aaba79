//! Order flow end to end: `--orders` feeds and `--mix` cancels and replaces, checked on the
//! wire (what the acceptor received) and in the result.

use super::fake::{Fault, recording};
use super::{QUICK, bin, run, tmp};
use fixblast::fix::parse::{Frame, frame};
use fixblast::fix::printable;
use fixblast::metrics::LatencyKind;
use std::collections::{HashMap, HashSet};

/// The value of `tag` in a message, if present.
fn field(raw: &[u8], tag: u32) -> Option<String> {
    let text = printable(raw);
    let key = format!("{tag}=");
    text.split('|').find_map(|f| f.strip_prefix(&key).map(str::to_string))
}

fn args<'a>(target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = QUICK.to_vec();
    v.extend_from_slice(&["--target", target]);
    v.extend_from_slice(extra);
    v
}

#[test]
fn feed_rows_go_out_in_file_order_and_cycle() {
    let tmp_dir = tmp("feed-order");
    let dir = tmp_dir.path();
    let feed = dir.join("orders.csv");
    std::fs::write(
        &feed,
        "symbol,side,qty,price,ord_type,tif\nAAA,buy,100,1.5,limit,day\nBB,sell,7,,market,ioc\nC,sell_short,3,2,limit,\n",
    )
    .unwrap();
    let (target, received) = recording(Fault::None);
    let out = run(&args(&target, &["--rate", "1000", "--orders", feed.to_str().unwrap()])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    assert_eq!((r.config.orders.as_deref(), r.config.orders_rows), (feed.to_str(), 3));
    let rows = [
        [Some("AAA"), Some("1"), Some("100"), Some("2"), Some("1.5"), Some("0")],
        [Some("BB"), Some("2"), Some("7"), Some("1"), None, Some("3")],
        [Some("C"), Some("5"), Some("3"), Some("2"), Some("2"), None],
    ];
    let got = received.lock().unwrap();
    assert!(got.len() >= 1000, "{}", got.len());
    for (i, raw) in got.iter().enumerate() {
        assert_eq!(frame(raw), Frame::Message { len: raw.len() }, "{}", printable(raw));
        let fields: Vec<Option<String>> = [55, 54, 38, 40, 44, 59].iter().map(|&t| field(raw, t)).collect();
        let want: Vec<Option<String>> = rows[i % 3].iter().map(|v| v.map(str::to_string)).collect();
        assert_eq!(fields, want, "order {i}: {}", printable(raw));
    }
}

#[test]
fn a_mix_cancels_and_replaces_orders_that_rest_at_the_gateway() {
    let (target, received) = recording(Fault::None);
    let out = run(&args(&target, &["--rate", "1000", "--mix", "new=2,cancel=1,replace=1"])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    let m = &r.messages;
    assert_eq!(m.substituted, 0, "the acceptor leaves every order resting");
    assert_eq!(m.new.sent + m.cancel.sent + m.replace.sent, r.orders.sent);
    assert!(m.cancel.sent >= 240 && m.replace.sent >= 240, "{m:?}");
    // The acceptor refuses some cancels (35=9): answered, counted apart, not errors.
    assert!(m.cancel.rejected > 0 && m.cancel.rejected < m.cancel.answered, "{m:?}");
    assert_eq!(m.cancel.answered, m.cancel.sent);
    assert_eq!(m.replace.answered, m.replace.sent);
    assert_eq!(r.latency_ns[LatencyKind::Cancel].as_ref().unwrap().count, m.cancel.answered);
    assert_eq!(r.latency_ns[LatencyKind::Replace].as_ref().unwrap().count, m.replace.answered);
    assert_eq!(r.latency_ns.ack().count, m.new.answered);
    // The refusals say 39=2 (too late, filled): not a fill of anything.
    assert_eq!(r.orders.filled, 0, "{:?}", r.orders);

    // On the wire: each cancel or replace names an order sent before it, repeats its
    // Symbol, Side and OrderQty, and no order is amended again once an amend of it was
    // accepted (the acceptor refuses every second cancel; the order then still rests).
    let got = received.lock().unwrap();
    let mut orders: HashMap<String, Vec<Option<String>>> = HashMap::new();
    let mut amended = HashSet::new();
    let (mut cancels, mut replaces) = (0, 0);
    for raw in got.iter() {
        assert_eq!(frame(raw), Frame::Message { len: raw.len() }, "{}", printable(raw));
        let id = field(raw, 11).unwrap();
        let own: Vec<Option<String>> = [55, 54, 38].iter().map(|&t| field(raw, t)).collect();
        match field(raw, 35).as_deref() {
            Some("D") => {}
            Some(t @ ("F" | "G")) => {
                let orig = field(raw, 41).expect("41 on a cancel or replace");
                let Some(was) = orders.get(&orig) else { panic!("{} amends an unknown order", printable(raw)) };
                assert_eq!(&own, was, "{}", printable(raw));
                assert!(!amended.contains(&orig), "amended again after an accepted amend: {}", printable(raw));
                if t == "F" {
                    cancels += 1;
                    if cancels % 2 == 1 {
                        amended.insert(orig);
                    }
                    assert_eq!(field(raw, 40), None, "a cancel carries no OrdType: {}", printable(raw));
                } else {
                    replaces += 1;
                    amended.insert(orig);
                    assert_eq!(field(raw, 40).as_deref(), Some("2"), "{}", printable(raw));
                }
            }
            other => panic!("unexpected MsgType {other:?}"),
        }
        orders.insert(id, own);
    }
    assert!(cancels >= m.cancel.sent && replaces >= m.replace.sent, "{cancels} {replaces} {m:?}");
}

#[test]
fn with_every_order_filled_at_once_cancels_go_out_as_new_orders_and_say_so() {
    let mut a = QUICK.to_vec();
    a.extend_from_slice(&["--rate", "1000", "--gateway-fill", "--mix", "new=9,cancel=1"]);
    let out = run(&a).unwrap();
    let m = &out.result.messages;
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    assert_eq!(m.cancel.sent, 0, "{m:?}");
    assert!(m.substituted >= 90, "{m:?}");
    assert_eq!(m.new.sent, out.result.orders.sent);
}

crate::on_every_backend!(the_builtin_gateway_answers_cancels_and_replaces);

fn the_builtin_gateway_answers_cancels_and_replaces(backend: &[&str]) {
    let mut a = QUICK.to_vec();
    a.extend_from_slice(backend);
    a.extend_from_slice(&["--rate", "2000", "--mix", "new=90,cancel=8,replace=2", "--sla", "cancel.p99<1s"]);
    let out = run(&a).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?} {:?}", r.status, r.sla);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    let m = &r.messages;
    assert_eq!((m.cancel.sent, m.replace.sent, m.substituted), (160, 40, 0), "{m:?}");
    assert_eq!((m.cancel.answered, m.replace.answered), (160, 40), "{m:?}");
    assert_eq!(r.latency_ns[LatencyKind::Cancel].as_ref().unwrap().count, 160);
    assert!(r.sla[0].pass, "{:?}", r.sla);
}

#[test]
fn a_bad_feed_row_exits_2_naming_file_line_and_column_before_connecting() {
    let tmp_dir = tmp("feed-bad");
    let dir = tmp_dir.path();
    let feed = dir.join("bad.csv");
    std::fs::write(&feed, "symbol,side,qty,price,ord_type,tif\nAAA,buy,100,1.5,limit,day\nBB,sell,7,1.x,limit,day\n")
        .unwrap();
    // Nothing listens on port 1: exit 2, not 3, shows the feed was checked first.
    let out = bin().args(["run", "--target", "127.0.0.1:1", "--orders", feed.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3:11: price: \"1.x\" is not a positive decimal price"), "{err}");
    assert_eq!(err.matches("1.x").count(), 1, "said once: {err}");
}
