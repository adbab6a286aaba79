//! Against a scripted, misbehaving acceptor ([`fake`](super::fake)): it refuses logons,
//! garbles replies or stalls, and the tests check that each is reported, counted, and loses
//! nothing.

use super::fake::{Fault, fake};
use super::{QUICK, run};

fn args<'a>(backend: &[&'a str], target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = QUICK.to_vec();
    v.extend_from_slice(backend);
    v.extend_from_slice(&["--target", target]);
    v.extend_from_slice(extra);
    v
}

#[test]
fn a_lost_session_is_reported_and_the_others_go_on() {
    let target = fake(Fault::DropSenderAfter("FIXBLAST2", 100));
    let out = run(&args(super::SYSCALL, &target, &["--sessions", "2", "--rate", "1000"])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.status.sessions_lost.len(), 1, "{:?}", r.status);
    assert!(r.status.sessions_lost[0].contains("session 2 (FIXBLAST2)"), "{:?}", r.status.sessions_lost);
    // Session 1 carried on with the whole rate after session 2 was gone.
    assert_eq!(r.orders.sent, 1000);
    assert!(r.orders.acked >= 990, "{:?}", r.orders);
    assert!(r.errors.by_kind["disconnected"] == 1);
}

#[test]
fn fail_fast_makes_a_lost_session_fail_the_run() {
    let target = fake(Fault::DropSenderAfter("FIXBLAST2", 100));
    let out = run(&args(super::SYSCALL, &target, &["--sessions", "2", "--rate", "1000", "--fail-fast"])).unwrap();
    assert_eq!(out.exit_code(), 3);
    assert!(out.result.status.failure.as_ref().unwrap().contains("FIXBLAST2"), "{:?}", out.result.status);
}

crate::on_every_backend!(
    refused_logon_exits_3_with_the_gateways_reason,
    garbage_and_bad_checksums_are_counted_and_their_orders_time_out,
    a_stalled_gateway_shows_up_as_timeouts_not_as_missing_orders,
);

fn refused_logon_exits_3_with_the_gateways_reason(backend: &[&str]) {
    let target = fake(Fault::RefuseLogon("MsgSeqNum too low, expecting 7"));
    let out = run(&args(backend, &target, &[])).unwrap();
    assert_eq!(out.exit_code(), 3);
    let f = out.result.status.failure.unwrap();
    assert!(f.contains("refused the logon") && f.contains("MsgSeqNum too low, expecting 7"), "{f}");
    assert_eq!(out.result.orders.sent, 0);
}

fn garbage_and_bad_checksums_are_counted_and_their_orders_time_out(backend: &[&str]) {
    let target = fake(Fault::CorruptEvery(10));
    // 200 warm-up orders (200 ms at 1000/s), then 1000 measured: orders 201..=1200.
    let out = run(&args(backend, &target, &["--rate", "1000", "--timeout", "200ms"])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.orders.sent, 1000);
    // Replies to orders 305, 315 … 1195 have bad checksums: dropped, counted, and their
    // orders time out. Each dropped message also shows as a gap in the gateway's MsgSeqNum.
    assert_eq!(r.errors.by_kind["bad_checksum"], 90);
    assert_eq!(r.orders.timed_out, 90);
    assert_eq!(r.orders.acked, 910);
    assert_eq!(r.errors.by_kind["seq_gap"], 90);
    assert_eq!(r.errors.by_kind["garbled"], 1);
    // The garbage did not cost the reply that followed it.
    assert_eq!(r.orders.unmatched, 0);
}

fn a_stalled_gateway_shows_up_as_timeouts_not_as_missing_orders(backend: &[&str]) {
    let target = fake(Fault::StallAfter(500));
    // 200 warm-up orders, then the gateway answers 300 measured orders and goes silent.
    let out = run(&args(backend, &target, &["--rate", "1000", "--timeout", "300ms", "--sla", "rate>=99%"])).unwrap();
    let r = &out.result;
    assert_eq!(r.orders.sent, 1000, "the schedule kept sending through the stall");
    assert_eq!(r.orders.acked, 300);
    assert_eq!(r.orders.timed_out, 700);
    // Timed out means still unanswered when the drain ended: each of the 700 is a missing
    // reply. Every order was sent, but the rate was not achieved, and the rate threshold
    // says why.
    assert_eq!(r.orders.missing_replies, 700, "{:?}", r.orders);
    assert_eq!(r.orders.late, 0);
    assert_eq!(r.throughput.rate_achieved, Some(false));
    assert_eq!(out.exit_code(), 1, "{:?}", r.sla);
    assert!(!r.sla[0].pass && r.sla[0].measured.contains("replies still missing"), "{:?}", r.sla);
}
