//! Against a scripted, misbehaving acceptor ([`fake`](super::fake)): it refuses logons,
//! garbles replies or stalls, and the tests check that each is reported, counted, and loses
//! nothing.

use super::fake::{Fault, fake};
use super::{QUICK, bin, run, tmp};

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
    a_real_resend_of_a_skipped_ack_matches_its_order_exactly_once,
    refused_logon_exits_3_with_the_gateways_reason,
    garbage_and_bad_checksums_are_counted_and_their_orders_time_out,
    a_stalled_gateway_shows_up_as_timeouts_not_as_missing_orders,
);

/// The fake holds back the ack of order 500 (measured): the next ack shows the gap, and the
/// ack comes only as a FIX engine resends it (43=Y) when the harness asks for exactly its
/// MsgSeqNum. `copies` copies of it come.
fn skipped_ack_resent(backend: &[&str], copies: usize) -> fixblast::run::Outcome {
    let target = fake(Fault::ResendGap { order: 500, copies });
    run(&args(backend, &target, &["--rate", "1000", "--timeout", "200ms"])).unwrap()
}

fn a_real_resend_of_a_skipped_ack_matches_its_order_exactly_once(backend: &[&str]) {
    let out = skipped_ack_resent(backend, 1);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    // Had the harness not asked, or asked for more than the gap, order 500 would time out.
    assert_eq!((r.orders.sent, r.orders.acked, r.orders.timed_out), (1000, 1000, 0), "{:?}", r.orders);
    assert_eq!(r.orders.unmatched, 0, "{:?}", r.orders);
    assert_eq!(r.latency_ns.ack().count, 1000);
    // The gap is counted; its resend is no duplicate and not "too low".
    assert_eq!(r.errors.by_kind["seq_gap"], 1);
    assert_eq!((r.errors.by_kind["duplicate"], r.errors.by_kind["seq_too_low"]), (0, 0));
    assert_eq!(r.errors.total, 1, "{:?}", r.errors.by_kind);
}

#[test]
fn a_second_copy_of_a_resent_ack_is_a_duplicate_and_never_a_second_ack() {
    let out = skipped_ack_resent(super::SYSCALL, 2);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!((r.orders.acked, r.orders.timed_out, r.orders.unmatched), (1000, 0, 0), "{:?}", r.orders);
    assert_eq!(r.latency_ns.ack().count, 1000);
    assert_eq!((r.errors.by_kind["seq_gap"], r.errors.by_kind["duplicate"]), (1, 1), "{:?}", r.errors.by_kind);
    assert_eq!(r.errors.total, 2, "{:?}", r.errors.by_kind);
}

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

/// An acceptor that reads the Logon, answers with `answer` (or nothing) and closes.
fn answer_logon_then_close(answer: &'static [u8]) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(answer);
        std::thread::sleep(std::time::Duration::from_millis(50));
    });
    addr
}

#[test]
fn a_gateway_that_closes_before_the_logon_reply_is_told_from_one_that_refuses() {
    let target = answer_logon_then_close(b"");
    let out = run(&args(super::SYSCALL, &target, &[])).unwrap();
    assert_eq!(out.exit_code(), 3);
    let f = out.result.status.failure.unwrap();
    assert!(!f.contains("refused"), "{f}");
    assert!(f.contains("lost before a Logon reply: the gateway closed it (nothing received)"), "{f}");
}

#[test]
fn garbage_instead_of_a_logon_reply_is_named() {
    let target = answer_logon_then_close(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    let out = run(&args(super::SYSCALL, &target, &[])).unwrap();
    assert_eq!(out.exit_code(), 3);
    let f = out.result.status.failure.unwrap();
    assert!(f.contains("received 28 bytes") && f.contains("garbled frame"), "{f}");
}

#[test]
fn a_signal_while_logging_on_exits_130_and_writes_the_result() {
    // A gateway that takes the connection and never answers the Logon.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let held: Vec<_> = l.incoming().take(1).collect();
        std::thread::sleep(std::time::Duration::from_secs(20));
        drop(held);
    });
    let tmp_dir = tmp("logon-sigint");
    let json = tmp_dir.path().join("r.json");
    let child = bin()
        .args(["run", "--target", &target, "--poll", "yield", "--quiet", "--json", json.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(r["status"]["interrupted"], true, "{r}");
}

#[test]
fn too_many_open_files_names_the_limit_not_the_gateway() {
    let fixblast = env!("CARGO_BIN_EXE_fixblast");
    let out = std::process::Command::new("bash")
        .args(["-c", &format!("ulimit -n 40 && exec {fixblast} run --sessions 40 --duration 1s --poll yield --quiet")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("Too many open files") && err.contains("may hold 40 files at once"), "{err}");
    assert!(!err.contains("Is the gateway running"), "{err}");
}

/// Clients that connect, send half a Logon, garbage or nothing, and close: the standalone
/// gateway closes every such socket, on every backend (on io_uring it used to hold them all).
#[test]
fn the_gateway_closes_every_socket_its_clients_abandon() {
    use std::io::Write;
    let mut backends = vec!["syscall"];
    if super::uring_ok() {
        backends.push("uring");
    }
    for backend in backends {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listen = format!("127.0.0.1:{port}");
        let mut gw = bin()
            .args(["gateway", "--listen", &listen, "--backend", backend, "--poll", "yield"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let sockets = || {
            std::fs::read_dir(format!("/proc/{}/fd", gw.id()))
                .map(|d| {
                    d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                        .filter(|l| l.to_string_lossy().starts_with("socket:"))
                        .count()
                })
                .unwrap_or(0)
        };
        let t0 = std::time::Instant::now();
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(t0.elapsed() < std::time::Duration::from_secs(10), "{backend}: the gateway never listened");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let abandons: [&[u8]; 3] = [b"8=FIX.4.2\x019=70\x0135=A\x0134=1\x0149=X", b"GET / HTTP/1.1\r\n\r\n", b""];
        for i in 0..24 {
            let mut s = std::net::TcpStream::connect(&listen).unwrap();
            s.write_all(abandons[i % 3]).unwrap();
        }
        // The listener, and nothing else, once the gateway has noticed the closes.
        let t0 = std::time::Instant::now();
        while sockets() > 1 && t0.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let held = sockets();
        let _ = gw.kill();
        let _ = gw.wait();
        assert_eq!(held, 1, "{backend}: the gateway still holds {} client sockets", held - 1);
    }
}
