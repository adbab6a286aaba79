//! `--wire-timestamps` in the recorder: a first reply finds the kernel's stamp of the send
//! that carried its order's last byte and of the read that brought its own last byte, and
//! splits its time into client out, wire and client in; what is missing or out of order is
//! counted, never recorded.

use super::*;
use crate::engine::wire_clock::WireClock;
use crate::transport::wire;

/// Realtime ns at TSC 0 (the mock clock counts ns from 0, and the run's epoch is at 0).
const U: u64 = 1_700_000_000_000_000_000;

fn wired() -> Book {
    let mut b = Book::new(8);
    b.recorder.wire_clock = Some(WireClock { epoch_raw: 0, utc_at_epoch: U, width_ns: 0 });
    b
}

/// The first order (bytes 0 to 99) sent at TSC, kernel-stamped 3 µs later; its reply (last
/// byte at 499 of the other stream) read with a stamp 20 µs after that.
fn stamps(tx_ns: u64, rx_ns: u64) -> wire::Conn {
    let mut c = wire::Conn::default();
    c.tx.push(99, tx_ns);
    c.rx.push(199, rx_ns - 50);
    c.rx.push(499, rx_ns);
    c
}

#[test]
fn a_stamped_reply_splits_into_client_out_wire_and_client_in() {
    let mut b = wired();
    let o = b.send(Kind::New, T, TSC);
    let c = stamps(U + TSC + 3_000, U + TSC + 23_000);
    // The harness reads the clock 30 µs after the send: 7 µs after the kernel's receive.
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert_eq!(only(&b.hists()[LatencyKind::ClientOut]), 3_000);
    assert_eq!(only(&b.hists()[LatencyKind::Wire]), 20_000);
    assert_eq!(only(&b.hists()[LatencyKind::ClientIn]), 7_000);
    let c = b.counts();
    assert_eq!((c.wire_unstamped, c.wire_anomalies, c.client_anomalies), (0, 0, 0));
}

/// `--wire-timestamps hardware`: both stamps on the NIC's clock (here 37 s ahead of the
/// realtime one, as a PHC on TAI is): the wire time is theirs, and no client split is made
/// from clocks that were never placed on each other.
#[test]
fn hardware_stamps_give_the_wire_time_and_no_client_split() {
    let mut b = wired();
    b.recorder.wire_on_phc = true;
    let o = b.send(Kind::New, T, TSC);
    let tai = U + 37_000_000_000;
    let c = stamps(tai + TSC + 3_000, tai + TSC + 23_000);
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert_eq!(only(&b.hists()[LatencyKind::Wire]), 20_000);
    assert!(b.hists()[LatencyKind::ClientOut].is_empty() && b.hists()[LatencyKind::ClientIn].is_empty());
    let c = b.counts();
    assert_eq!((c.wire_unstamped, c.wire_anomalies, c.client_anomalies), (0, 0, 0), "nothing counted as odd");
}

/// A reply read together with bytes after it takes the read's one stamp (its last
/// segment's, maybe not its own): recorded, and counted as such; one that ends its read is not.
#[test]
fn a_reply_that_shares_its_read_with_later_bytes_is_counted() {
    for (last, shared) in [(450, 1), (499, 0), (199, 0), (150, 1)] {
        let mut b = wired();
        let o = b.send(Kind::New, T, TSC);
        let c = stamps(U + TSC + 3_000, U + TSC + 23_000);
        b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last }));
        assert_eq!(b.hists()[LatencyKind::Wire].len(), 1, "last byte {last}: recorded");
        assert_eq!(b.counts().wire_shared_reads, shared, "last byte {last}");
    }
}

#[test]
fn a_missing_stamp_is_counted_not_guessed() {
    let mut b = wired();
    let o = b.send(Kind::New, T, TSC);
    let mut c = stamps(U + TSC + 3_000, U + TSC + 23_000);
    // The read that brought the reply came without a stamp: the next one's is not its.
    c.rx.clear();
    c.rx.push(499, 0);
    c.rx.push(999, U + TSC + 25_000);
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert_eq!(b.counts().wire_unstamped, 1);
    assert!(LatencyKind::WIRE.iter().all(|&k| b.hists()[k].is_empty()));
    assert_eq!(only(&b.hists()[LatencyKind::Ack]), 30_000, "the round trip is still measured");
}

#[test]
fn stamps_out_of_order_are_counted_and_never_recorded() {
    // Received before it was sent: no wire time, no split.
    let mut b = wired();
    let o = b.send(Kind::New, T, TSC);
    let c = stamps(U + TSC + 3_000, U + TSC + 3_000);
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert_eq!(b.counts().wire_anomalies, 1);
    assert!(LatencyKind::WIRE.iter().all(|&k| b.hists()[k].is_empty()));
    // The kernel's send stamp before the harness's own: the wire time stands, the split
    // does not.
    let mut b = wired();
    let o = b.send(Kind::New, T, TSC);
    let c = stamps(U + TSC - 1_000, U + TSC + 23_000);
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert_eq!((b.counts().client_anomalies, only(&b.hists()[LatencyKind::Wire])), (1, 24_000));
    assert!(b.hists()[LatencyKind::ClientOut].is_empty() && b.hists()[LatencyKind::ClientIn].is_empty());
}

#[test]
fn warm_up_replies_and_later_reports_take_no_wire_time() {
    let mut b = wired();
    let o = b.send(Kind::New, WARMUP_END - 10, TSC);
    let c = stamps(U + TSC + 3_000, U + TSC + 23_000);
    b.reply_at(&er(&o.id, '0', '0'), WARMUP_END + 30_000, TSC + 30_000, Some(WireAt { stamps: &c, last: 450 }));
    assert!(LatencyKind::WIRE.iter().all(|&k| b.hists()[k].is_empty()));
    assert_eq!((b.counts().wire_unstamped, b.warm().wire_unstamped), (0, 0));
    // A fill after the ack is not a first reply.
    let mut b = wired();
    let o = b.send(Kind::New, T, TSC);
    let at = Some(WireAt { stamps: &c, last: 450 });
    b.reply_at(&er(&o.id, '0', '0'), T + 30_000, TSC + 30_000, at);
    b.reply_at(&er(&o.id, '2', '2'), T + 40_000, TSC + 40_000, at);
    assert_eq!(b.hists()[LatencyKind::Wire].len(), 1);
}
