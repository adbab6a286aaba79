//! A gateway that reads slowly (`slow-read`): the TCP window closes, fixblast's kernel send
//! buffer fills, its writes block or go out in part, and orders wait. The harness must never
//! block its loop on the full socket, never lose or reorder a byte of a message written in
//! part, account for every order, and show the wait as schedule lag rather than hide it.
//!
//! Orders carry a 4,000-byte Text (58), so a modest order rate is megabytes a second: enough
//! to fill the kernel's send buffer (up to `net.ipv4.tcp_wmem`'s maximum) within a second or
//! two without a heavy load on a shared machine.

use super::{gateway, tmp};
use fixblast::gateway::{Faults, GatewayConfig};
use fixblast::run::Outcome;
use std::time::{Duration, Instant};

/// Orders per second.
const RATE: u64 = 1500;
/// The Text each order carries: an order is at least this long.
const PAD: u64 = 4000;
const WARMUP_MS: u64 = 200;
/// How long fixblast waits for its Logout to be answered before it closes anyway.
const LOGOUT_TIMEOUT_MS: u64 = 2000;

/// The most bytes fixblast can hand the kernel, and the gateway read ahead of its budget,
/// before a blocked write holds an order back: the kernel's largest send buffer, plus the
/// out-buffer, the gateway's inbox and io_uring spill, its socket buffer, and room to spare.
fn buffered_max() -> u64 {
    let wmem = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem").ok();
    let max = wmem.and_then(|s| s.split_whitespace().nth(2)?.parse::<u64>().ok()).unwrap_or(4 << 20);
    max + (2 << 20)
}

/// The shipped NewOrderSingle with a Text (58) of PAD characters, in a file.
fn long_order_template(dir: &tempfile::TempDir) -> String {
    let base = include_str!("../../fix-templates/new-order-single.fix");
    let path = dir.path().join("long-order.fix");
    std::fs::write(&path, format!("{base}\n58={}\n", "x".repeat(PAD as usize))).unwrap();
    path.to_str().unwrap().to_string()
}

/// A measurement long enough (whole tenths of a second) for fixblast to fill every buffer
/// at RATE against a gateway reading `budget` bytes/s, then be held back for `held_s`.
/// `None` where the kernel's send buffer is so large that this would take more than 10 s.
fn duration_ms(budget: u64, held_s: f64) -> Option<u64> {
    let offered = (RATE * PAD) as f64;
    assert!(offered > budget as f64 * 1.5, "the test must offer well over the budget");
    let fill_s = buffered_max() as f64 / (offered - budget as f64);
    let ms = ((fill_s + held_s) * 10.0).ceil() as u64 * 100;
    if ms > 10_000 {
        eprintln!(
            "skipping: with a {} MiB send buffer the socket would take {fill_s:.1}s to fill",
            buffered_max() >> 20
        );
        return None;
    }
    Some(ms)
}

/// Runs fixblast against `target` in a thread and fails if it is not over within `bound`:
/// a loop blocked on a full socket would never look at the clock again.
fn run_within(args: Vec<String>, bound: Duration) -> (Outcome, Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    let t0 = Instant::now();
    let runner = std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = super::run(&args);
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(bound) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {}
        Err(_) => panic!("the run was not over after {bound:?}: its loop blocked"),
    }
    let out = runner.join().unwrap().expect("the run completes");
    (out, t0.elapsed())
}

/// The args of a run at RATE with long orders against `target`.
fn args(backend: &[&str], target: &str, template: &str, duration_ms: u64, timeout_ms: u64) -> Vec<String> {
    let mut v: Vec<String> = backend.iter().map(|s| s.to_string()).collect();
    let rate = RATE.to_string();
    let (duration, warmup, timeout) = (format!("{duration_ms}ms"), format!("{WARMUP_MS}ms"), format!("{timeout_ms}ms"));
    for a in [
        "--target",
        target,
        "--template",
        template,
        "--rate",
        &rate,
        "--duration",
        &duration,
        "--warmup",
        &warmup,
        "--timeout",
        &timeout,
        "--poll",
        "yield",
        "--quiet",
    ] {
        v.push(a.to_string());
    }
    v
}

/// A gateway reading `budget` bytes/s on each connection.
fn slow_gateway(backend: &[&str], budget: &str) -> fixblast::gateway::Gateway {
    let mut faults = Faults::default();
    faults.set("slow-read", Some(budget)).unwrap();
    gateway(backend, GatewayConfig { faults, ..GatewayConfig::loopback() })
}

/// The kinds with errors, and how many, for assertion messages.
fn errors(o: &Outcome) -> String {
    let e = &o.result.errors.by_kind;
    e.iter().filter(|&(_, n)| *n > 0).map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

/// Orders the window could not send were held back at its end for `not_sent / RATE`
/// seconds; the last order that did go out waited about that long, and the lag says so
/// (half of it, to leave room for a shared machine's scheduling at the very end).
fn assert_lag_shows_the_wait(o: &Outcome) {
    let r = &o.result;
    assert!(r.orders.not_sent > 0, "fixblast was never held back: {:?}", r.orders);
    let held_ns = r.orders.not_sent * 1_000_000_000 / RATE;
    let lag = r.schedule_lag_ns.max.expect("a lag was recorded");
    assert!(lag >= held_ns / 2, "lag max {lag} ns hides a wait of {held_ns} ns ({:?})", r.orders);
}

crate::on_every_backend!(
    a_slow_reader_holds_orders_back_as_lag_and_loses_no_byte,
    a_run_ends_on_time_with_its_socket_still_full,
);

fn a_slow_reader_holds_orders_back_as_lag_and_loses_no_byte(backend: &[&str]) {
    const BUDGET: u64 = 2_000_000;
    let Some(duration) = duration_ms(BUDGET, 1.5) else { return };
    // Long enough for every byte buffered to reach the gateway and be answered.
    let timeout = buffered_max() * 2 * 1000 / BUDGET + 3000;
    let dir = tmp("backpressure");
    let template = long_order_template(&dir);
    let g = slow_gateway(backend, "2m");
    let target = g.addr().to_string();
    let bound = Duration::from_millis(WARMUP_MS + duration + timeout + LOGOUT_TIMEOUT_MS + 30_000);
    let (o, _) = run_within(args(backend, &target, &template, duration, timeout), bound);
    let protocol_errors = g.protocol_errors();
    g.stop();
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    // Every order due in the window was sent or counted as not sent, and every one sent
    // was answered: none lost behind the full socket.
    assert_eq!(r.orders.sent + r.orders.not_sent, RATE * duration / 1000, "{:?}", r.orders);
    assert_eq!((r.orders.acked, r.orders.timed_out), (r.orders.sent, 0), "{:?}", r.orders);
    // No byte was lost, changed or reordered on the way: the gateway framed every message,
    // in MsgSeqNum order, and so did fixblast.
    assert_eq!(protocol_errors, 0, "the gateway saw broken FIX");
    assert_eq!(r.errors.total, 0, "{}", errors(&o));
    assert_lag_shows_the_wait(&o);
    // An order's ack cannot come before it was sent.
    let (ack, lag) = (r.latency_ns.ack().max.unwrap(), r.schedule_lag_ns.max.unwrap());
    assert!(ack >= lag, "ack max {ack} below lag max {lag}");
}

fn a_run_ends_on_time_with_its_socket_still_full(backend: &[&str]) {
    // 64 kB/s: the socket is still full when sending stops, and during the logout.
    const BUDGET: u64 = 64_000;
    let Some(duration) = duration_ms(BUDGET, 1.0) else { return };
    let timeout = 300;
    let dir = tmp("backpressure");
    let template = long_order_template(&dir);
    // The harness's backend is what this test is about. A gateway receiving with io_uring
    // multishot reads ahead of its budget by up to its inbox and spill (about 320 KiB), in
    // bursts: at 64 kB/s, one every 4 s or so, which could fall anywhere in the window and
    // leave the lag of the last order sent well short of the wait. The syscall gateway
    // takes its input as the budget allows.
    let g = slow_gateway(super::SYSCALL, "64k");
    let target = g.addr().to_string();
    // The run is over after its warm-up, its window, the final wait and the logout's
    // timeout; the bound is far above that, but a blocked loop never ends at all.
    let bound = Duration::from_millis(WARMUP_MS + duration + timeout + LOGOUT_TIMEOUT_MS + 30_000);
    let (o, took) = run_within(args(backend, &target, &template, duration, timeout), bound);
    let protocol_errors = g.protocol_errors();
    g.stop();
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?} after {took:?}", r.status);
    assert_eq!(r.orders.sent + r.orders.not_sent, RATE * duration / 1000, "{:?}", r.orders);
    // Every order sent is answered or timed out: the gateway had not read most of them.
    assert_eq!(r.orders.sent, r.orders.acked + r.orders.rejected + r.orders.timed_out, "{:?}", r.orders);
    assert!(r.orders.timed_out > 0, "{:?}", r.orders);
    assert_lag_shows_the_wait(&o);
    assert_eq!(protocol_errors, 0, "the gateway saw broken FIX");
    for kind in ["garbled", "bad_checksum", "unparseable", "seq_gap", "seq_too_low", "duplicate"] {
        assert_eq!(r.errors.by_kind[kind], 0, "{}", errors(&o));
    }
}

/// README: "nothing is counted twice". Orders still unanswered when the final wait ends are
/// timed out; their replies may still come while the sessions log out (here, behind a full
/// socket at 64 kB/s), and they are this run's replies to this run's orders, not
/// `unmatched` ones (the drain keeps the timed-out orders' ClOrdIDs, marked, for them).
#[test]
fn a_reply_after_the_final_wait_is_not_also_unmatched() {
    let backend = super::SYSCALL;
    let Some(duration) = duration_ms(64_000, 1.0) else { return };
    let dir = tmp("backpressure");
    let template = long_order_template(&dir);
    let g = slow_gateway(backend, "64k");
    let target = g.addr().to_string();
    let bound = Duration::from_millis(WARMUP_MS + duration + 300 + LOGOUT_TIMEOUT_MS + 30_000);
    let (o, _) = run_within(args(backend, &target, &template, duration, 300), bound);
    g.stop();
    let r = &o.result;
    assert!(r.orders.timed_out > 0, "{:?}", r.orders);
    assert_eq!(r.orders.unmatched, 0, "{:?}", r.orders);
}
