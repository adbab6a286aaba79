//! The reference gateway's faults (`run --gateway-fault`, `gateway --drop-every` …) against
//! the harness, over loopback: each fault is counted under its own kind, exactly, and the
//! run goes on and exits as the README says.
//!
//! Every fault is counted per connection, so the counts are exact. At 1000 orders/s the 200
//! warm-up orders are a connection's orders 1 to 200 and the 1000 measured ones 201 to
//! 1200. Faults that the harness counts when their bytes arrive (garbage, checksums, gaps,
//! resends) fall well clear of warm-up's end, so a slow reply cannot move one across it.

use super::{QUICK, SYSCALL, gateway, run};
use fixblast::gateway::{Faults, GatewayConfig};
use fixblast::run::Outcome;

/// A 1000 orders/s run against the built-in gateway with `faults` (and `extra` flags).
fn with_faults(backend: &[&str], faults: &str, extra: &[&str]) -> Outcome {
    let mut args: Vec<&str> = QUICK.to_vec();
    args.extend_from_slice(backend);
    args.extend_from_slice(&["--rate", "1000", "--timeout", "200ms", "--gateway-fault", faults]);
    args.extend_from_slice(extra);
    run(&args).unwrap_or_else(|e| panic!("--gateway-fault {faults}: {e}"))
}

fn kind(o: &Outcome, name: &str) -> u64 {
    o.result.errors.by_kind[name]
}

/// The kinds with errors, and how many, for assertion messages.
fn errors(o: &Outcome) -> String {
    let e = &o.result.errors.by_kind;
    e.iter().filter(|&(_, n)| *n > 0).map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

#[test]
fn dropped_orders_time_out_at_the_end_and_nothing_else_is_wrong() {
    // Orders 100, 200 … 1200 get no answer: 300 to 1200 are measured.
    let o = with_faults(SYSCALL, "drop-every=100", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    // A starved host may leave the last few orders unsent (past the send grace): the drops
    // are then those among the orders that did go (1000 measured ones on a host that keeps up).
    let sent = r.orders.sent;
    assert_eq!(sent + r.orders.not_sent, 1000, "{:?}", r.orders);
    let drops = (200 + sent) / 100 - 2;
    assert_eq!(r.orders.acked, sent - drops, "{:?}", r.orders);
    assert_eq!((r.orders.timed_out, r.orders.missing_replies), (drops, drops), "{:?}", r.orders);
    assert_eq!((r.orders.late, r.orders.unmatched), (0, 0), "{:?}", r.orders);
    assert_eq!(r.errors.total, drops, "{}", errors(&o));
    assert_eq!(r.throughput.rate_achieved, Some(false), "missing replies: the rate was not achieved");
}

#[test]
fn a_session_reject_answers_its_order_which_never_also_times_out() {
    // Orders 250, 300 … 1200: 20 measured orders refused with 35=3 naming their MsgSeqNum.
    let o = with_faults(SYSCALL, "session-reject-every=50", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "session_reject"), 20, "{}", errors(&o));
    assert_eq!(r.errors.total, 20, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (980, 0, 0), "{:?}", r.orders);
    assert_eq!((r.messages.new.answered, r.messages.new.rejected), (1000, 20), "{:?}", r.messages);
    assert_eq!(r.latency_ns.ack().count, 980, "a refusal is no ack latency");
    // Said in words once: FIX 4.2 has no SessionRejectReason for "other", so none is sent.
    let first = r.errors.first_session_reject.as_deref().unwrap_or_default();
    assert!(first.contains("rejected, no SessionRejectReason: \"rejected by --session-reject-every\""), "{first:?}");
}

#[test]
fn a_session_reject_in_fix_4_4_names_its_reason() {
    let o = with_faults(SYSCALL, "session-reject-every=50", &["--fix-version", "4.4"]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "session_reject"), 20, "{}", errors(&o));
    let first = r.errors.first_session_reject.as_deref().unwrap_or_default();
    assert!(first.contains("rejected, SessionRejectReason 99 (other): "), "{first:?}");
}

#[test]
fn a_business_reject_answers_the_order_it_names_which_never_also_times_out() {
    let o = with_faults(SYSCALL, "business-reject-every=50", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "business_reject"), 20, "{}", errors(&o));
    assert_eq!(r.errors.total, 20, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (980, 0, 0), "{:?}", r.orders);
    assert_eq!((r.messages.new.answered, r.messages.new.rejected), (1000, 20), "{:?}", r.messages);
}

#[test]
fn garbage_between_replies_is_counted_once_each_and_costs_no_reply() {
    // After replies 150 (warm-up), 300, 450 … 1200: 7 measured.
    let o = with_faults(SYSCALL, "garbage-every=150", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "garbled"), 7, "{}", errors(&o));
    assert_eq!(r.errors.total, 7, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.timed_out), (1000, 0), "{:?}", r.orders);
}

#[test]
fn a_bad_checksum_drops_its_reply_which_leaves_a_gap_and_its_order_times_out() {
    // Replies 170 (warm-up), 340 … 1190: 6 measured replies are dropped by the harness. The
    // next reply's MsgSeqNum shows the gap, which the harness asks for; the gateway keeps
    // no history and answers with a gap fill (no error), so each dropped reply's order times
    // out.
    let o = with_faults(SYSCALL, "bad-checksum-every=170", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "bad_checksum"), 6, "{}", errors(&o));
    assert_eq!(kind(&o, "seq_gap"), 6, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (994, 6, 0), "{:?}", r.orders);
    assert_eq!(r.errors.total, 18, "{}", errors(&o));
}

#[test]
fn a_sequence_gap_is_counted_and_its_reply_still_acks_its_order() {
    let o = with_faults(SYSCALL, "seq-gap-every=150", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "seq_gap"), 7, "{}", errors(&o));
    // The gap fills that answer the harness's ResendRequests are neither.
    assert_eq!((kind(&o, "duplicate"), kind(&o, "seq_too_low")), (0, 0), "{}", errors(&o));
    assert_eq!(r.errors.total, 7, "{}", errors(&o));
    // Every order that went is answered (a starved host may leave the last few unsent).
    assert_eq!(r.orders.sent + r.orders.not_sent, 1000, "{:?}", r.orders);
    let sent = r.orders.sent;
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (sent, 0, 0), "{:?}", r.orders);
    assert_eq!(r.latency_ns.ack().count, 1000);
}

/// On a gateway started by the test, which counts the gap fills it sends.
#[test]
fn each_sequence_gap_brings_a_resend_request_that_the_gateway_fills() {
    let mut faults = Faults::default();
    faults.set("seq-gap-every", Some("150")).unwrap();
    let g = gateway(SYSCALL, GatewayConfig { faults, ..GatewayConfig::loopback() });
    let target = g.addr().to_string();
    let mut args: Vec<&str> = QUICK.to_vec();
    args.extend_from_slice(&["--target", &target, "--rate", "1000", "--timeout", "200ms"]);
    let o = run(&args).unwrap();
    // Read after the run: the last gap fill left before the gateway's Logout reply.
    let fills = g.gap_fills_sent();
    g.stop();
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    // Replies 150, 300 … 1200 skip a MsgSeqNum: 8 gaps (7 measured), each asked for once
    // and filled once.
    assert_eq!(fills, 8);
    assert_eq!(kind(&o, "seq_gap"), 7, "{}", errors(&o));
    // The measured gaps' requests are in the result (the warm-up one is counted apart).
    assert_eq!(r.messages.resend_requests, 7, "{:?}", r.messages);
    assert_eq!(r.errors.total, 7, "{}", errors(&o));
    // Every order that went is answered (a starved host may leave the last few unsent).
    assert_eq!(r.orders.sent + r.orders.not_sent, 1000, "{:?}", r.orders);
    let sent = r.orders.sent;
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (sent, 0, 0), "{:?}", r.orders);
}

#[test]
fn a_gap_and_a_resend_on_the_same_reply_are_each_counted_once() {
    // With fills, the measured reports are 401 to 2400: 450, 600 … 2400 each skip a
    // MsgSeqNum and are sent twice.
    let o = with_faults(SYSCALL, "seq-gap-every=150,dup-every=150", &["--gateway-fill"]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!((kind(&o, "seq_gap"), kind(&o, "duplicate")), (14, 14), "{}", errors(&o));
    assert_eq!(r.errors.total, 28, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.filled, r.orders.unmatched), (1000, 1000, 0), "{:?}", r.orders);
    assert_eq!(r.latency_ns.ack().count, 1000);
    assert_eq!(r.latency_ns[fixblast::metrics::LatencyKind::Fill].as_ref().map(|f| f.count), Some(1000));
}

#[test]
fn a_poss_dup_resend_is_counted_as_a_duplicate_never_as_a_second_ack_or_fill() {
    // With fills, each order has two reports: the measured ones are reports 401 to 2400, and
    // reports 450, 600 … 2400 (acks and fills alike) are sent twice.
    let o = with_faults(SYSCALL, "dup-every=150", &["--gateway-fill"]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(kind(&o, "duplicate"), 14, "{}", errors(&o));
    assert_eq!(r.errors.total, 14, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.filled, r.orders.unmatched), (1000, 1000, 0), "{:?}", r.orders);
    assert_eq!(r.latency_ns.ack().count, 1000);
    assert_eq!(r.latency_ns[fixblast::metrics::LatencyKind::Fill].as_ref().map(|f| f.count), Some(1000));
}

crate::on_every_backend!(a_delay_with_jitter_shows_in_every_ack_and_loses_nothing);

fn a_delay_with_jitter_shows_in_every_ack_and_loses_nothing(backend: &[&str]) {
    let o = with_faults(backend, "delay=20ms,jitter=10ms", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{}", errors(&o));
    assert_eq!((r.orders.acked, r.orders.late), (1000, 0), "{:?}", r.orders);
    let ack = r.latency_ns.ack();
    let (min, p50, max) = (ack.min.unwrap(), ack.p50.unwrap(), ack.max.unwrap());
    assert!(min >= 20_000_000 && p50 >= 20_000_000, "the delay is in every ack: min {min} p50 {p50}");
    // The jitter spreads them, and answers leave in order, each within its delay and jitter
    // (plus whatever a shared core adds).
    assert!(max - min >= 2_000_000, "no jitter: min {min} max {max}");
    assert!(max < 150_000_000, "max {max}");
}

#[test]
fn a_stall_longer_than_the_timeout_shows_as_late_replies_with_their_real_latency() {
    // After orders 400 and 800 (and 1200, the last), the gateway neither reads nor writes for
    // 300 ms. The orders behind each stall are answered when it ends: those waiting more
    // than --timeout are late, matched, with the stall in their latency.
    let o = with_faults(SYSCALL, "stall=400:300ms", &[]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{}", errors(&o));
    // Every order that went is answered (a starved host may leave the last few unsent).
    assert_eq!(r.orders.sent + r.orders.not_sent, 1000, "{:?}", r.orders);
    let sent = r.orders.sent;
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (sent, 0, 0), "{:?}", r.orders);
    // About 100 orders per stall wait more than 200 ms of its 300.
    assert!((150..=260).contains(&r.orders.late), "{:?}", r.orders);
    let max = r.latency_ns.ack().max.unwrap();
    assert!(max >= 270_000_000, "ack max {max} hides a 300 ms stall");
}

#[test]
fn a_refused_logon_exits_3_with_the_gateways_text() {
    for (faults, text) in [
        ("refuse-logon", "logon refused by --refuse-logon"),
        ("refuse-logon=MsgSeqNum too low; expecting 7", "MsgSeqNum too low; expecting 7"),
    ] {
        let o = with_faults(SYSCALL, faults, &[]);
        assert_eq!(o.exit_code(), 3, "{faults}");
        let f = o.result.status.failure.clone().unwrap();
        assert!(f.contains("refused the logon") && f.contains(text), "{faults}: {f}");
        assert_eq!(o.result.orders.sent, 0);
    }
}

/// Two sessions on a gateway started by the test: each connection counts its own orders.
#[test]
fn faults_are_counted_per_connection() {
    let mut faults = Faults::default();
    faults.set("drop-every", Some("100")).unwrap();
    let g = gateway(SYSCALL, GatewayConfig { faults, ..GatewayConfig::loopback() });
    let target = g.addr().to_string();
    let mut args: Vec<&str> = QUICK.to_vec();
    args.extend_from_slice(&["--target", &target, "--sessions", "2", "--rate", "1000", "--timeout", "200ms"]);
    let o = run(&args).unwrap();
    g.stop();
    // 500 orders/s a session: its orders 101 to 600 are measured, and 200 … 600 dropped,
    // counted on each connection. A starved host may leave a session's last few unsent: a
    // session that sent m measured orders lost m / 100 of them, so two that sent S in all
    // lost S / 100, or one fewer when both stopped short of a hundred.
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    let sent = r.orders.sent;
    assert_eq!(sent + r.orders.not_sent, 1000, "{:?}", r.orders);
    let most = sent / 100;
    let least = if sent == 1000 { most } else { most.saturating_sub(1) };
    assert!((least..=most).contains(&r.orders.timed_out), "{:?}", r.orders);
    assert_eq!(r.orders.acked, sent - r.orders.timed_out, "{:?}", r.orders);
}

#[test]
fn a_bad_fault_exits_2_naming_the_item_or_the_flag() {
    let mut args: Vec<&str> = QUICK.to_vec();
    args.extend_from_slice(&["--gateway-fault", "delay=1ms,drop-every=0"]);
    let e = run(&args).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().starts_with("--gateway-fault \"drop-every=0\": \"0\" is not a whole number"), "{e}");
    args.extend_from_slice(&["--target", "127.0.0.1:9"]);
    let e = run(&args).unwrap_err();
    assert!(e.to_string().contains("only the built-in gateway injects faults"), "{e}");
    for (flags, named) in [
        (&["--stall", "10"][..], "--stall: \"10\" is not EVERY:DUR"),
        (&["--drop-every", "0"], "--drop-every: \"0\" is not a whole number"),
        (&["--jitter", "2m"], "--jitter: \"2m\" is longer than 60s"),
        (&["--refuse-logon", ""], "--refuse-logon: \"\": the text must be"),
    ] {
        let out = super::bin().arg("gateway").args(flags).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(named), "{flags:?}: {err}");
    }
}
