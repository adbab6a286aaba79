//! Recorder tests without sockets. Orders go into a real `Pending` the way `send_order` puts
//! them there, replies are readable FIX (`|` for SOH) run through the real framer and parser,
//! and time is whatever the test says: `now_ns` since the run's epoch, and TSC readings on a
//! mock clock that counts nanoseconds.

use super::*;
use crate::fix::checksum::checksum;
use crate::fix::clordid::ClOrdId;
use crate::fix::parse::{Frame, frame, parse};
use crate::fix::readable;
use hdrhistogram::Histogram;

/// The session the orders go out on; replies name it in their ClOrdID.
const SESSION: u16 = 3;
/// This run's prefix and tag: every ClOrdID the book sends starts with them.
const PREFIX: &[u8] = b"T1-";
const TAG: u64 = 0x1_2345_6789;

fn stem() -> Stem {
    Stem::new(PREFIX, TAG)
}
/// Warm-up ends here (ns since the epoch): orders due before it are warm-up orders.
const WARMUP_END: u64 = 1_000_000;
/// An intended send time inside the measurement window.
const T: u64 = 2_000_000;
/// A TSC reading for an actual send.
const TSC: u64 = 50_000_000;

/// One session's orders, and the recorder its replies go to.
struct Book {
    recorder: Recorder,
    pending: Pending,
    resting: Resting,
    clock: Clock,
    counter: u32,
    next_order: u32,
}

/// An order as sent: its ClOrdID (and, for an amend, the one it names) as on the wire.
struct Sent {
    id: String,
    orig: String,
    /// The feed order it carries.
    order: u32,
    /// Its MsgSeqNum: rising, with gaps where session messages went out between orders.
    seq: u32,
}

impl Book {
    fn new(capacity: usize) -> Book {
        let mut recorder = Recorder::new(Box::default(), stem());
        recorder.warmup_end_ns = WARMUP_END;
        // Only the mock's conversion is used (1 tick = 1 ns); the tests pass every reading.
        let (clock, _) = Clock::mock();
        Book {
            recorder,
            pending: Pending::new(capacity),
            resting: Resting::new(capacity),
            clock,
            counter: 0,
            next_order: 7,
        }
    }

    /// Takes a slot as `send_order` does: a new order carries the next feed order; a cancel
    /// or replace amends the newest resting order.
    fn send(&mut self, kind: Kind, intended_ns: u64, sent_raw: u64) -> Sent {
        let slot = self.pending.next_free().expect("a free slot");
        let (orig, order) = if kind == Kind::New {
            self.next_order += 1;
            (0, self.next_order)
        } else {
            self.resting.pop(&self.pending).expect("a resting order to amend")
        };
        self.counter += 1;
        let id = ClOrdId { session: SESSION, slot, counter: self.counter };
        let warmup = intended_ns < self.recorder.warmup_end_ns;
        self.pending.insert(Slot {
            id: id.pack(),
            intended_ns,
            sent_raw,
            // Each order 100 bytes of its connection's stream.
            last_byte: self.counter as u64 * 100 - 1,
            acked: false,
            overdue: false,
            warmup,
            kind,
            order,
            seq: 2 * self.counter,
            timed_out: false,
        });
        let orig = if orig == 0 { String::new() } else { text(ClOrdId::unpack(orig)) };
        Sent { id: text(id), orig, order, seq: 2 * self.counter }
    }

    /// Delivers the message with body `body` (readable FIX from 35= on), stamped
    /// `now_ns` and `now_raw`.
    fn reply(&mut self, body: &str, now_ns: u64, now_raw: u64) {
        self.reply_at(body, now_ns, now_raw, None);
    }

    /// [`reply`](Book::reply), placed among its connection's kernel stamps.
    fn reply_at(&mut self, body: &str, now_ns: u64, now_raw: u64, at: Option<WireAt<'_>>) {
        let wire = wire(body);
        let msg = parse(&wire).expect("the test's message parses");
        let Book { recorder, pending, resting, clock, .. } = self;
        recorder.on_app(clock, now_raw, now_ns, pending, resting, SESSION, &msg, &wire, at);
    }

    /// Marks overdue, as `step` does at `--timeout`, every order due before `cutoff_ns`.
    fn overdue(&mut self, cutoff_ns: u64) -> u32 {
        self.pending.mark_overdue(cutoff_ns)
    }

    /// Ends the run, as `drain` does: what is still unanswered timed out.
    fn end(&mut self) -> u32 {
        let Book { recorder, pending, .. } = self;
        pending.take_unanswered(|slot| recorder.timed_out(slot))
    }

    /// The resting orders, newest first, as amends would take them (this empties the list).
    fn take_resting(&mut self) -> Vec<(String, u32)> {
        std::iter::from_fn(|| self.resting.pop(&self.pending)).map(|(id, o)| (text(ClOrdId::unpack(id)), o)).collect()
    }

    fn counts(&self) -> &Counts {
        &self.recorder.counts
    }

    fn warm(&self) -> &Counts {
        &self.recorder.warm
    }

    fn hists(&self) -> &Histograms {
        &self.recorder.hists
    }
}

/// The whole ClOrdID of `id` in this run, as on the wire.
fn text(id: ClOrdId) -> String {
    stem().text(id)
}

/// A whole FIX 4.2 message around `body`, with its real BodyLength and CheckSum.
fn wire(body: &str) -> Vec<u8> {
    let body = readable(body);
    let mut m = readable(&format!("8=FIX.4.2|9={}|", body.len()));
    m.extend_from_slice(&body);
    let sum = checksum(&m);
    m.extend_from_slice(&readable(&format!("10={sum:03}|")));
    assert_eq!(frame(&m), Frame::Message { len: m.len() }, "the test's message frames");
    m
}

/// An ExecutionReport for `id` with ExecType (150) and OrdStatus (39).
fn er(id: &str, exec_type: char, ord_status: char) -> String {
    format!("35=8|49=GATEWAY|56=FIXBLAST|34=2|37=O1|11={id}|17=E1|20=0|150={exec_type}|39={ord_status}|55=ACME|54=1|")
}

/// An ExecutionReport for the amend `id` of order `orig`.
fn amend_er(id: &str, orig: &str, exec_type: char, ord_status: char) -> String {
    format!("35=8|49=GATEWAY|56=FIXBLAST|34=2|37=O1|11={id}|41={orig}|17=E1|20=0|150={exec_type}|39={ord_status}|")
}

/// An OrderCancelReject (35=9) of the amend `id` of order `orig` (none when empty), with
/// OrdStatus (39) and CxlRejResponseTo (434).
fn cancel_reject(id: &str, orig: &str, ord_status: char, response_to: char) -> String {
    let orig = if orig.is_empty() { String::new() } else { format!("41={orig}|") };
    format!("35=9|49=GATEWAY|56=FIXBLAST|34=2|37=O1|11={id}|{orig}39={ord_status}|434={response_to}|")
}

/// The one value in `h`.
fn only(h: &Histogram<u64>) -> u64 {
    assert_eq!(h.len(), 1, "one value recorded");
    h.min()
}

fn errors(c: &Counts) -> Vec<(ErrorKind, u64)> {
    ErrorKind::ALL.iter().map(|&k| (k, c.get(k))).filter(|&(_, n)| n > 0).collect()
}

fn acked_new_order(b: &mut Book) -> Sent {
    let o = b.send(Kind::New, T, TSC);
    b.reply(&er(&o.id, '0', '0'), T + 1_000, TSC + 600);
    o
}

#[test]
fn an_ack_records_its_latency_from_the_intended_and_the_actual_send() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC);
    b.reply(&er(&o.id, '0', '0'), T + 900, TSC + 300);
    assert_eq!(only(&b.hists()[LatencyKind::Ack]), 900);
    assert_eq!(only(&b.hists()[LatencyKind::AckService]), 300);
    assert_eq!(b.hists()[LatencyKind::WarmupAck].len(), 0);
    assert_eq!(b.counts().acked, 1);
    assert_eq!(b.counts().by_kind[Kind::New as usize].answered, 1);
    assert_eq!(errors(b.counts()), vec![]);
    assert_eq!(*b.warm(), Counts::default());
    // Answered: it no longer awaits a reply, and it rests at the gateway.
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.take_resting(), vec![(o.id, o.order)]);
}

#[test]
fn a_fill_on_an_acked_order_records_fill_latency_from_the_intended_send() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    b.reply(&er(&o.id, '2', '2'), T + 5_000, TSC + 4_000);
    assert_eq!(only(&b.hists()[LatencyKind::Fill]), 5_000);
    assert_eq!((b.counts().acked, b.counts().filled), (1, 1));
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 1, "the fill is not a second ack");
    assert_eq!(errors(b.counts()), vec![]);
    // Filled: finished, so it rests no more and a late duplicate matches nothing.
    assert_eq!(b.take_resting(), vec![]);
    b.reply(&er(&o.id, '2', '2'), T + 6_000, TSC + 5_000);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Unmatched, 1)]);
}

#[test]
fn an_order_filled_by_its_first_report_is_acked_and_filled() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC);
    b.reply(&er(&o.id, '2', '2'), T + 800, TSC + 500);
    assert_eq!(only(&b.hists()[LatencyKind::Ack]), 800);
    assert_eq!(only(&b.hists()[LatencyKind::Fill]), 800);
    assert_eq!((b.counts().acked, b.counts().filled), (1, 1));
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.take_resting(), vec![]);
}

#[test]
fn a_reject_counts_rejected_and_frees_the_slot() {
    let mut b = Book::new(2);
    let o = b.send(Kind::New, T, TSC);
    let p = b.send(Kind::New, T + 10, TSC + 10);
    assert_eq!(b.pending.next_free(), None, "both slots await a reply");
    b.reply(&er(&o.id, '8', '8'), T + 700, TSC + 500);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Rejected, 1)]);
    let new = b.counts().by_kind[Kind::New as usize];
    assert_eq!((new.answered, new.rejected), (1, 1));
    assert_eq!(b.counts().acked, 0);
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 0);
    assert_eq!(b.hists()[LatencyKind::AckService].len(), 0);
    // The slot is free again, and the rejected order does not rest.
    assert_eq!(b.pending.awaiting(), 1);
    assert!(b.pending.next_free().is_some());
    assert_eq!(b.take_resting(), vec![]);
    // The other order is untouched.
    b.reply(&er(&p.id, '0', '0'), T + 900, TSC + 600);
    assert_eq!(b.counts().acked, 1);
}

#[test]
fn a_reply_naming_the_same_order_of_another_run_is_unmatched() {
    let mut b = Book::new(4);
    let sent = b.send(Kind::New, T, TSC);
    let id = stem().parse(sent.id.as_bytes()).unwrap();
    // Another run (another tag, same prefix), a run without the prefix, and one with
    // another prefix: the same session, slot and counter, never ours.
    let others = [Stem::new(PREFIX, TAG + 1), Stem::new(b"", TAG), Stem::new(b"T2-", TAG)];
    for other in &others {
        b.reply(&er(&other.text(id), '0', '0'), T + 100, TSC + 100);
    }
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Unmatched, 3)]);
    assert_eq!((b.counts().acked, b.pending.awaiting()), (0, 1), "the order still awaits its own reply");
    b.reply(&er(&sent.id, '0', '0'), T + 200, TSC + 200);
    assert_eq!(b.counts().acked, 1);
}

#[test]
fn a_reply_for_another_session_or_an_unknown_or_reused_slot_is_unmatched() {
    let mut b = Book::new(2);
    let first = b.send(Kind::New, T, TSC);
    // Same slot and counter, another session.
    let mut other = stem().parse(first.id.as_bytes()).unwrap();
    other.session = SESSION + 1;
    b.reply(&er(&text(other), '0', '0'), T + 100, TSC + 100);
    // Not one of ours at all.
    b.reply(&er("NOT-OURS", '0', '0'), T + 100, TSC + 100);
    // A slot beyond the ring.
    b.reply(&er(&text(ClOrdId { session: SESSION, slot: 999, counter: 1 }), '0', '0'), T + 100, TSC + 100);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Unmatched, 3)]);
    assert_eq!(b.pending.awaiting(), 1, "the order in flight is untouched");
    // Acked orders free their slots for reuse; a late report for the first order then names
    // a slot that now holds another order.
    b.reply(&er(&first.id, '0', '0'), T + 200, TSC + 200);
    acked_new_order(&mut b);
    let reuse = b.send(Kind::New, T + 20, TSC + 20);
    let slot = |id: &str| stem().parse(id.as_bytes()).unwrap().slot;
    assert_eq!(slot(&reuse.id), slot(&first.id));
    b.reply(&er(&first.id, '2', '2'), T + 300, TSC + 300);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Unmatched, 4)]);
    assert_eq!(b.counts().filled, 0);
    assert_eq!(b.pending.awaiting(), 1, "the order now in the slot still awaits its reply");
}

#[test]
fn a_message_that_is_not_an_execution_report_is_unexpected() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC);
    // An order sent to us, once in warm-up and once in the measurement window.
    b.reply("35=D|49=GATEWAY|56=FIXBLAST|34=2|11=X|55=ACME|54=1|38=100|40=1|", WARMUP_END - 1, TSC + 1);
    b.reply("35=D|49=GATEWAY|56=FIXBLAST|34=3|11=X|55=ACME|54=1|38=100|40=1|", T + 100, TSC + 100);
    // An OrderCancelReject naming a new order: nothing of ours asked for one.
    b.reply(&cancel_reject(&o.id, "", '0', '1'), T + 200, TSC + 200);
    assert_eq!(errors(b.warm()), vec![(ErrorKind::UnexpectedMessage, 1)]);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::UnexpectedMessage, 2)]);
    assert_eq!(b.counts().acked, 0);
    assert_eq!(b.pending.awaiting(), 1, "the order still awaits its reply");
}

#[test]
fn a_cancel_answered_by_150_4_records_cancel_latency() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let c = b.send(Kind::Cancel, T + 10_000, TSC + 10_000);
    assert_eq!((c.orig.as_str(), c.order), (o.id.as_str(), o.order), "the cancel amends the resting order");
    b.reply(&amend_er(&c.id, &o.id, '4', '4'), T + 10_750, TSC + 10_500);
    assert_eq!(only(&b.hists()[LatencyKind::Cancel]), 750);
    let cancel = b.counts().by_kind[Kind::Cancel as usize];
    assert_eq!((cancel.answered, cancel.rejected), (1, 0));
    assert_eq!(b.counts().acked, 2, "the order's ack and the cancel's answer");
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 1, "a cancel's answer is not an order's ack");
    assert_eq!(errors(b.counts()), vec![]);
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.take_resting(), vec![], "the cancelled order does not rest");
}

#[test]
fn a_pending_cancel_is_not_an_answer() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let c = b.send(Kind::Cancel, T + 10_000, TSC + 10_000);
    b.reply(&amend_er(&c.id, &o.id, '6', '6'), T + 10_300, TSC + 10_200);
    assert_eq!(b.hists()[LatencyKind::Cancel].len(), 0);
    assert_eq!(b.counts().by_kind[Kind::Cancel as usize].answered, 0);
    assert_eq!(b.counts().acked, 1);
    assert_eq!(b.pending.awaiting(), 1, "the cancel still awaits its answer");
    // The answer that follows is the one measured.
    b.reply(&amend_er(&c.id, &o.id, '4', '4'), T + 10_900, TSC + 10_600);
    assert_eq!(only(&b.hists()[LatencyKind::Cancel]), 900);
    assert_eq!(b.pending.awaiting(), 0);
}

#[test]
fn a_cancel_reject_saying_filled_is_not_a_fill_and_the_order_rests_again() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let c = b.send(Kind::Cancel, T + 10_000, TSC + 10_000);
    assert_eq!(b.take_resting(), vec![], "the cancel took the order off the list");
    b.reply(&cancel_reject(&c.id, &o.id, '2', '1'), T + 10_400, TSC + 10_300);
    assert_eq!(b.counts().filled, 0);
    assert_eq!(b.hists()[LatencyKind::Fill].len(), 0);
    let cancel = b.counts().by_kind[Kind::Cancel as usize];
    assert_eq!((cancel.answered, cancel.rejected), (1, 1));
    assert_eq!(only(&b.hists()[LatencyKind::Cancel]), 400, "a refusal answers the cancel");
    assert_eq!(errors(b.counts()), vec![]);
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.take_resting(), vec![(o.id, o.order)]);
}

#[test]
fn a_replace_answered_by_150_5_leaves_the_order_resting_under_its_new_id() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let r = b.send(Kind::Replace, T + 10_000, TSC + 10_000);
    assert_eq!(r.orig, o.id);
    // A pending-replace (150=E) is not the answer.
    b.reply(&amend_er(&r.id, &o.id, 'E', 'E'), T + 10_200, TSC + 10_100);
    assert_eq!(b.hists()[LatencyKind::Replace].len(), 0);
    assert_eq!(b.pending.awaiting(), 1);
    b.reply(&amend_er(&r.id, &o.id, '5', '0'), T + 10_600, TSC + 10_400);
    assert_eq!(only(&b.hists()[LatencyKind::Replace]), 600);
    let replace = b.counts().by_kind[Kind::Replace as usize];
    assert_eq!((replace.answered, replace.rejected), (1, 0));
    assert_eq!(b.pending.awaiting(), 0);
    // A fill of the replaced order counts, but has no latency: it did not start with it.
    b.reply(&er(&r.id, '2', '2'), T + 20_000, TSC + 20_000);
    assert_eq!(b.counts().filled, 1);
    assert_eq!(b.hists()[LatencyKind::Fill].len(), 0);
    assert_eq!(errors(b.counts()), vec![]);
}

#[test]
fn the_replaced_order_rests_under_its_new_id() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let r = b.send(Kind::Replace, T + 10_000, TSC + 10_000);
    b.reply(&amend_er(&r.id, &o.id, '5', '0'), T + 10_600, TSC + 10_400);
    assert_eq!(b.take_resting(), vec![(r.id, o.order)]);
}

#[test]
fn a_refused_replace_puts_the_original_order_back() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let r = b.send(Kind::Replace, T + 10_000, TSC + 10_000);
    b.reply(&cancel_reject(&r.id, &o.id, '0', '2'), T + 10_500, TSC + 10_300);
    let replace = b.counts().by_kind[Kind::Replace as usize];
    assert_eq!((replace.answered, replace.rejected), (1, 1));
    assert_eq!(only(&b.hists()[LatencyKind::Replace]), 500);
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.take_resting(), vec![(o.id, o.order)]);
}

#[test]
fn an_overdue_order_is_no_error_until_the_run_ends_without_its_reply() {
    let mut b = Book::new(8);
    b.send(Kind::New, WARMUP_END - 500, TSC);
    b.send(Kind::New, T, TSC + 1_000);
    b.send(Kind::New, T + 1_000, TSC + 2_000);
    // Past --timeout: the warm-up order and the first measured one are overdue, not errors.
    assert_eq!(b.overdue(T + 1), 2);
    assert_eq!((b.pending.awaiting(), b.pending.overdue()), (1, 2));
    assert_eq!(errors(b.warm()), vec![]);
    assert_eq!(errors(b.counts()), vec![]);
    // The run ends with all three unanswered: each timed out once, in its phase, and missing.
    assert_eq!(b.end(), 3);
    assert_eq!(errors(b.warm()), vec![(ErrorKind::TimedOut, 1)]);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::TimedOut, 2)]);
    assert_eq!((b.warm().missing, b.counts().missing), (1, 2));
    assert_eq!(b.pending.unanswered(), 0);
    assert_eq!(b.counts().acked + b.warm().acked, 0);
}

#[test]
fn a_late_reply_is_matched_and_keeps_its_real_latency() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC + 100);
    assert_eq!(b.overdue(T + 1_000), 1);
    // The gateway stalled for 2.5 s: the reply still finds its order.
    let stall = 2_500_000_000;
    b.reply(&er(&o.id, '0', '0'), T + stall, TSC + 100 + stall);
    let ack = &b.hists()[LatencyKind::Ack];
    assert!(ack.equivalent(only(ack), stall), "{} is not {stall} within the histogram's precision", only(ack));
    assert_eq!(b.counts().late, 1);
    assert_eq!(b.counts().acked, 1);
    assert_eq!(errors(b.counts()), vec![], "late is not unmatched, nor timed out");
    assert_eq!(b.pending.unanswered(), 0);
    assert_eq!(b.end(), 0);
    assert_eq!(errors(b.counts()), vec![]);
}

#[test]
fn only_a_reply_after_the_timeout_is_late() {
    let mut b = Book::new(8);
    let early = b.send(Kind::New, T, TSC);
    let late = b.send(Kind::New, T + 10, TSC + 10);
    b.reply(&er(&early.id, '0', '0'), T + 500, TSC + 500);
    b.overdue(T + 1_000);
    b.reply(&er(&late.id, '8', '8'), T + 9_000, TSC + 9_000);
    // A late reject is late too, and still a reject.
    assert_eq!(b.counts().late, 1);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::Rejected, 1)]);
}

#[test]
fn a_warm_up_order_unanswered_at_the_end_is_missing_in_warm_up() {
    let mut b = Book::new(8);
    b.send(Kind::New, WARMUP_END - 500, TSC);
    assert_eq!(b.end(), 1);
    assert_eq!(errors(b.warm()), vec![(ErrorKind::TimedOut, 1)]);
    assert_eq!((b.warm().missing, b.counts().missing), (1, 0));
    assert_eq!(*b.counts(), Counts::default());
}

#[test]
fn a_reply_not_after_the_intended_send_is_a_clock_anomaly_never_0ns() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC);
    b.reply(&er(&o.id, '0', '0'), T, TSC + 300);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::ClockAnomaly, 1)]);
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 0);
    assert_eq!(b.hists()[LatencyKind::AckService].len(), 0);
    assert_eq!(b.counts().acked, 0);
    // Answered all the same: it will not also time out.
    assert_eq!(b.pending.awaiting(), 0);
    assert_eq!(b.end(), 0);
}

#[test]
fn a_reply_not_after_the_actual_send_has_no_service_time() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, T, TSC);
    b.reply(&er(&o.id, '0', '0'), T + 900, TSC);
    assert_eq!(only(&b.hists()[LatencyKind::Ack]), 900);
    assert_eq!(b.hists()[LatencyKind::AckService].len(), 0);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::ClockAnomaly, 1)]);
    assert_eq!(b.counts().acked, 1);
}

#[test]
fn warm_up_acks_go_to_the_warm_up_histogram_only() {
    let mut b = Book::new(8);
    let o = b.send(Kind::New, WARMUP_END - 2_000, TSC);
    // Answered after warm-up ended: the order's phase decides, not the reply's.
    b.reply(&er(&o.id, '0', '0'), WARMUP_END + 500, TSC + 2_000);
    assert_eq!(only(&b.hists()[LatencyKind::WarmupAck]), 2_500);
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 0);
    assert_eq!(b.hists()[LatencyKind::AckService].len(), 0);
    assert_eq!(b.warm().acked, 1);
    assert_eq!(b.warm().by_kind[Kind::New as usize].answered, 1);
    assert_eq!(*b.counts(), Counts::default());
    // Its fill counts in warm-up too, with no latency recorded.
    b.reply(&er(&o.id, '2', '2'), WARMUP_END + 900, TSC + 3_000);
    assert_eq!(b.warm().filled, 1);
    assert_eq!(b.hists()[LatencyKind::Fill].len(), 0);
    assert_eq!(*b.counts(), Counts::default());
}

#[path = "reject_tests.rs"]
mod reject_tests;

#[path = "wire_tests.rs"]
mod wire_tests;

#[test]
fn fix44_fills_are_trades_and_a_partial_one_leaves_the_order_working() {
    let mut b = Book::new(8);
    b.recorder.version = FixVersion::Fix44;
    let o = acked_new_order(&mut b);
    // ExecType F (Trade), OrdStatus 1: part traded, the order still works.
    b.reply(&er(&o.id, 'F', '1'), T + 3_000, TSC + 2_000);
    assert_eq!(b.counts().filled, 0);
    assert_eq!(b.hists()[LatencyKind::Fill].len(), 0);
    assert_eq!(b.pending.awaiting(), 0);
    // ExecType F, OrdStatus 2: the rest traded.
    b.reply(&er(&o.id, 'F', '2'), T + 5_000, TSC + 4_000);
    assert_eq!(only(&b.hists()[LatencyKind::Fill]), 5_000);
    assert_eq!((b.counts().acked, b.counts().filled), (1, 1));
    assert_eq!(errors(b.counts()), vec![]);
    assert_eq!(b.take_resting(), vec![]);
}

#[test]
fn fix42_partial_fills_are_exec_type_1_and_not_a_fill() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    b.reply(&er(&o.id, '1', '1'), T + 3_000, TSC + 2_000);
    assert_eq!(b.counts().filled, 0);
    b.reply(&er(&o.id, '2', '2'), T + 5_000, TSC + 4_000);
    assert_eq!(b.counts().filled, 1);
}

#[test]
fn done_for_day_and_expired_end_an_order_in_both_versions() {
    for version in FixVersion::ALL {
        for exec_type in ['3', 'C'] {
            let mut b = Book::new(8);
            b.recorder.version = version;
            let o = acked_new_order(&mut b);
            b.reply(&er(&o.id, exec_type, exec_type), T + 3_000, TSC + 2_000);
            assert_eq!(b.counts().filled, 0, "{version} {exec_type}");
            assert_eq!(errors(b.counts()), vec![], "{version} {exec_type}");
            // Over: a later report for it matches nothing.
            b.reply(&er(&o.id, '4', '4'), T + 4_000, TSC + 3_000);
            assert_eq!(errors(b.counts()), vec![(ErrorKind::Unmatched, 1)], "{version} {exec_type}");
        }
    }
}
