//! `--reconnect`: a session whose connection is lost connects and logs on again, and the run
//! goes on. Every loss is a gap in the result, the orders unanswered on the lost connection
//! are counted once (as timed out), and the orders that waited through the gap keep the
//! wait in their latency. A gateway that stays down is given up after the tries, as a lost
//! session is without the flag.

use super::fake::{Fault, once};
use super::{QUICK, run};
use fixblast::run::Outcome;

/// An open-loop run at 1000 orders/s (200 warm-up, 1000 measured) with `extra` flags.
fn with(backend: &[&str], extra: &[&str]) -> Outcome {
    let mut args: Vec<&str> = QUICK.to_vec();
    args.extend_from_slice(backend);
    args.extend_from_slice(&["--rate", "1000", "--timeout", "200ms"]);
    args.extend_from_slice(extra);
    run(&args).unwrap_or_else(|e| panic!("{extra:?}: {e}"))
}

const BACKOFF_NS: f64 = 20e6;

fn a_dropped_connection_is_reconnected_and_the_run_completes(backend: &[&str]) {
    // The gateway closes each connection after answering 500 orders: the first after order
    // 500, the second after 500 more, and the third carries the rest (fewer than 500).
    let dir = super::tmp("reconnect");
    let html = dir.path().join("r.html");
    let html_arg = html.to_str().unwrap();
    let o = with(
        backend,
        &["--gateway-fault", "disconnect-after=500", "--reconnect", "--reconnect-backoff", "20ms", "--html", html_arg],
    );
    let r = &o.result;
    assert_eq!(o.exit_code(), 0, "{:?}", r.status);
    assert!(r.status.completed && r.status.sessions_lost.is_empty(), "{:?}", r.status);
    let rc = r.reconnects.as_ref().expect("a reconnects section with --reconnect");
    assert_eq!((rc.count, rc.not_back, rc.gaps.len()), (2, 0, 2), "{rc:?}");
    for g in &rc.gaps {
        let gap = g.gap_s.unwrap();
        // The reconnector waits the backoff before it connects: no gap is shorter.
        assert!(gap * 1e9 >= BACKOFF_NS, "{g:?}");
        assert!(g.back_at_s.unwrap() > g.lost_at_s && g.tries == 1, "{g:?}");
        assert!(g.reason.contains("the gateway closed it"), "{g:?}");
    }
    assert_eq!(r.errors.by_kind["disconnected"], 2, "{:?}", r.errors);
    // Nothing lost and nothing counted twice: each order is acked or timed out, and the
    // timed-out ones are exactly those unanswered when their connection went.
    let ord = &r.orders;
    assert_eq!(ord.sent, ord.acked + ord.timed_out, "{ord:?}");
    assert_eq!(ord.timed_out, rc.unanswered, "{ord:?} {rc:?}");
    assert_eq!((ord.unmatched, ord.late, ord.rejected), (0, 0, 0), "{ord:?}");
    assert_eq!(ord.sent + ord.not_sent, 1000, "{ord:?}");
    // The orders due while the session was away went out when it was back, late by the gap,
    // and their latency is measured from when they were due (the gap is in it).
    let gap_max_ns = rc.gap_max_s * 1e9;
    assert!(r.schedule_lag_ns.max.unwrap() as f64 >= 0.9 * gap_max_ns, "{:?} {rc:?}", r.schedule_lag_ns);
    assert!(r.latency_ns.ack().max.unwrap() as f64 >= 0.9 * gap_max_ns, "{:?}", r.latency_ns.ack());
    assert_eq!(r.config.gateway_faults.as_deref(), Some("disconnect-after=500"));
    assert_eq!(r.config.reconnect.as_ref().map(|c| (c.tries, c.backoff_s)), Some((5, 0.02)));
    // Each fault shows in the report beyond the error counts: the gaps and the faults.
    let page = std::fs::read_to_string(&html).unwrap();
    for says in
        ["<th>reconnects</th><td>2 (away at most", "<th>gateway faults</th><td>disconnect-after=500", "disconnected: 2"]
    {
        assert!(page.contains(says), "the HTML report lacks {says:?}");
    }
    let text = fixblast::report::summary::summary(r);
    assert!(text.contains("reconnects 2 (away at most"), "{text}");
}

fn without_reconnect_the_lost_session_ends_the_run_with_exit_3(backend: &[&str]) {
    let o = with(backend, &["--gateway-fault", "disconnect-after=500"]);
    let r = &o.result;
    assert_eq!(o.exit_code(), 3, "{:?}", r.status);
    let f = r.status.failure.as_deref().unwrap();
    assert!(f.contains("the connection was lost") && f.contains("messages sent on it"), "{f}");
    // The gateway answered 500 and closed; orders already on their way were sent too.
    let sent: u64 = f.split("after ").nth(1).and_then(|t| t.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!((500..=510).contains(&sent), "{f}");
    assert!(r.reconnects.is_none(), "no reconnects section without --reconnect");
    assert_eq!(r.orders.acked, 500 - 200, "the measured orders answered before the close");
}

super::on_every_backend!(
    a_dropped_connection_is_reconnected_and_the_run_completes,
    without_reconnect_the_lost_session_ends_the_run_with_exit_3,
);

#[test]
fn a_warm_up_order_lost_with_its_connection_is_not_a_measured_timeout() {
    // The gateway drops every 50th order of a connection and closes it after 150: the first
    // connection goes in the warm-up (200 orders) with 3 warm-up orders unanswered, the
    // second carries orders 151 to 300, of which 200 (warm-up), 250 and 300 are dropped.
    let o = with(
        super::SYSCALL,
        &["--gateway-fault", "disconnect-after=150,drop-every=50", "--reconnect", "--reconnect-backoff", "1ms"],
    );
    let (r, ord) = (&o.result, &o.result.orders);
    let rc = r.reconnects.as_ref().expect("a reconnects section with --reconnect");
    let first = &rc.gaps[0];
    assert!(first.lost_at_s < 0.0, "the first connection is lost in the warm-up: {rc:?}");
    assert_eq!(first.unanswered, 0, "warm-up orders stay out of the measured counts: {rc:?}");
    // Every measured order lost with a connection is a timed-out order, once. The only other
    // timed-out orders are the last connection's drops (at most 3) when, on a slow host, the
    // drain ends before the gateway closes it.
    assert!(rc.unanswered <= ord.timed_out && ord.timed_out <= rc.unanswered + 3, "{ord:?} {rc:?}");
    assert_eq!(ord.sent, ord.acked + ord.timed_out, "{ord:?}");
    assert!(rc.unanswered >= 2, "orders 250 and 300 at least: {rc:?}");
}

#[test]
fn a_gateway_that_stays_down_is_given_up_after_the_tries() {
    // One connection only: after 300 orders the acceptor closes it and nothing listens.
    let target = once(Fault::DropSenderAfter("FIXBLAST", 300));
    let o = with(
        super::SYSCALL,
        &["--target", &target, "--reconnect", "3", "--reconnect-backoff", "10ms", "--sender-comp-id", "FIXBLAST"],
    );
    let r = &o.result;
    assert_eq!(o.exit_code(), 3, "{:?}", r.status);
    let f = r.status.failure.as_deref().unwrap();
    assert!(f.contains("not reconnected after 3 tries") && f.contains("cannot connect to"), "{f}");
    let rc = r.reconnects.as_ref().unwrap();
    assert_eq!((rc.count, rc.not_back), (0, 1), "{rc:?}");
    let g = &rc.gaps[0];
    assert_eq!((g.tries, g.back_at_s, g.gap_s), (3, None, None), "{g:?}");
    assert!(g.not_back.as_deref().unwrap().contains("cannot connect to"), "{g:?}");
    assert_eq!(r.orders.sent, r.orders.acked + r.orders.timed_out, "{:?}", r.orders);
}

#[test]
fn reconnect_flags_out_of_bounds_are_refused_before_anything_starts() {
    for (args, says) in [
        (&["--reconnect", "0"][..], "--reconnect 0"),
        (&["--reconnect", "1001"][..], "--reconnect 1001"),
        (&["--reconnect", "--reconnect-backoff", "2m"][..], "--reconnect-backoff 2m"),
        (&["--reconnect-backoff", "1s"][..], "--reconnect"),
        (&["--gateway-fault", "disconnect-after=0"][..], "disconnect-after=0"),
        (&["--gateway-fault", "disconnect-after=5,disconnect-after=6"][..], "twice"),
    ] {
        let mut a = QUICK.to_vec();
        a.extend_from_slice(args);
        match run(&a) {
            Err(fixblast::error::Error::Usage(m)) => assert!(m.contains(says), "{args:?}: {m}"),
            other => panic!("{args:?}: expected a usage error, got {:?}", other.map(|o| o.exit_code())),
        }
    }
}

#[test]
fn faults_and_reconnects_name_their_own_configuration() {
    use clap::Parser;
    let hash = |extra: &[&str]| {
        let mut argv = vec!["fixblast", "run"];
        argv.extend_from_slice(extra);
        let cli = fixblast::cli::Cli::try_parse_from(argv).unwrap();
        let fixblast::cli::Command::Run(a) = cli.command else { unreachable!() };
        fixblast::run::RunConfig::from_args(&a).unwrap().outputs.config_hash
    };
    let plain = hash(&[]);
    assert_eq!(plain, hash(&[]));
    let faults = hash(&["--gateway-fault", "drop-every=100"]);
    let disconnects = hash(&["--gateway-fault", "disconnect-after=100"]);
    let reconnects = hash(&["--reconnect"]);
    let all = [&plain, &faults, &disconnects, &reconnects];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b, "two configurations share {{config_hash}} {a}");
        }
    }
}
