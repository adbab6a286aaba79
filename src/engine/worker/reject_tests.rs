//! Rejects that are not ExecutionReports: a session Reject (35=3) names an order by its
//! MsgSeqNum, a BusinessMessageReject (35=j) by its ClOrdID (379) or MsgSeqNum (45). Either
//! answers the order it names, which is then counted once, under its own kind, and never
//! also times out (it used to: the order waited for an ExecutionReport that never came).

use super::*;

/// A BusinessMessageReject naming ClOrdID `id` (none when empty) and MsgSeqNum `seq`.
fn business_reject(id: &str, seq: u32) -> String {
    let id = if id.is_empty() { String::new() } else { format!("379={id}|") };
    format!("35=j|49=GATEWAY|56=FIXBLAST|34=9|45={seq}|372=D|{id}380=0|58=no|")
}

#[test]
fn a_session_reject_answers_the_order_it_names_and_it_never_times_out() {
    let mut b = Book::new(8);
    let orders: Vec<Sent> = (0..3).map(|i| b.send(Kind::New, T + i, TSC)).collect();
    b.recorder.session_reject(T + 500, &mut b.pending, orders[1].seq);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::SessionReject, 1)]);
    let new = b.counts().by_kind[Kind::New as usize];
    assert_eq!((new.answered, new.rejected, b.counts().acked), (1, 1, 0));
    assert_eq!(b.hists()[LatencyKind::Ack].len(), 0, "a refusal is not an ack");
    // Its reply, should one come after all, matches nothing.
    b.reply(&er(&orders[1].id, '0', '0'), T + 600, TSC + 600);
    assert_eq!(b.counts().get(ErrorKind::Unmatched), 1);
    assert_eq!(b.end(), 2, "only the two others time out");
    assert_eq!(b.counts().get(ErrorKind::TimedOut), 2);
}

#[test]
fn a_session_reject_of_anything_but_an_order_in_flight_is_only_counted() {
    let mut b = Book::new(8);
    let o = acked_new_order(&mut b);
    let p = b.send(Kind::New, T + 10, TSC);
    // A heartbeat's MsgSeqNum (between orders), one never sent, and an order already acked.
    for seq in [p.seq - 1, p.seq + 50, o.seq, 0] {
        b.recorder.session_reject(T + 500, &mut b.pending, seq);
    }
    assert_eq!(errors(b.counts()), vec![(ErrorKind::SessionReject, 4)]);
    assert_eq!(b.counts().by_kind[Kind::New as usize].rejected, 0);
    assert_eq!(b.end(), 1, "the order in flight still times out");
}

#[test]
fn a_business_reject_answers_the_order_its_clordid_or_its_msg_seq_num_names() {
    let mut b = Book::new(8);
    let orders: Vec<Sent> = (0..4).map(|i| b.send(Kind::New, T + i, TSC)).collect();
    // By ClOrdID, whatever 45 says; by 45 when 379 is absent or not one of ours.
    b.reply(&business_reject(&orders[0].id, 999), T + 500, TSC + 500);
    b.reply(&business_reject("", orders[1].seq), T + 500, TSC + 500);
    b.reply(&business_reject("SOMEONE-ELSES", orders[2].seq), T + 500, TSC + 500);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::BusinessReject, 3)]);
    let new = b.counts().by_kind[Kind::New as usize];
    assert_eq!((new.answered, new.rejected), (3, 3));
    assert_eq!(b.end(), 1);
    assert_eq!(b.counts().get(ErrorKind::TimedOut), 1);
    // One naming nothing in flight is counted, and that is all.
    b.reply(&business_reject(&orders[0].id, orders[0].seq), T + 600, TSC + 600);
    assert_eq!(b.counts().get(ErrorKind::BusinessReject), 4);
    assert_eq!(b.counts().get(ErrorKind::Unmatched), 0);
}

#[test]
fn a_reject_after_the_timeout_is_late_and_one_of_a_warm_up_order_counts_in_warm_up() {
    let mut b = Book::new(8);
    let warm = b.send(Kind::New, WARMUP_END - 100, TSC);
    let late = b.send(Kind::New, T, TSC);
    b.overdue(T + 1);
    b.recorder.session_reject(T + 9_000, &mut b.pending, late.seq);
    b.reply(&business_reject(&warm.id, warm.seq), T + 9_000, TSC + 9_000);
    assert_eq!(b.counts().late, 1);
    assert_eq!(errors(b.counts()), vec![(ErrorKind::SessionReject, 1)]);
    assert_eq!(errors(b.warm()), vec![(ErrorKind::BusinessReject, 1)]);
    assert_eq!(b.end(), 0);
}
