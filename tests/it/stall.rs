//! A real gateway process stopped (SIGSTOP) for longer than `--timeout`, then resumed: the
//! stall is measured, not hidden. Every order is answered; those answered after the timeout
//! are late, matched to their orders, with their real latency; none is unmatched or timed
//! out, and nothing is counted twice.

use super::{bin, run};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

/// `fixblast gateway` on a free loopback port: the child and the address it listens on.
fn gateway_process() -> (Child, String) {
    let mut child = bin()
        .args(["gateway", "--listen", "127.0.0.1:0", "--backend", "syscall", "--poll", "yield"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fixblast gateway");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr")).read_line(&mut line).expect("its first line");
    let addr = line
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr)
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill").args([sig, &child.id().to_string()]).status().expect("kill");
    assert!(ok.success(), "kill {sig}");
}

#[test]
fn a_stall_longer_than_the_timeout_keeps_every_late_replys_latency() {
    let (mut gw, addr) = gateway_process();
    let stall = Duration::from_millis(1_500);
    let stopper = {
        let pid = gw.id();
        std::thread::spawn(move || {
            // Logon and warm-up take well under a second; stall inside the measurement.
            std::thread::sleep(Duration::from_millis(1_500));
            let kill = |sig: &str| std::process::Command::new("kill").args([sig, &pid.to_string()]).status();
            kill("-STOP").expect("SIGSTOP");
            std::thread::sleep(stall);
            kill("-CONT").expect("SIGCONT");
        })
    };
    let out = run(&[
        "--target",
        &addr,
        "--rate",
        "400",
        "--duration",
        "4s",
        "--warmup",
        "500ms",
        "--timeout",
        "300ms",
        "--backend",
        "syscall",
        "--poll",
        "yield",
        "--quiet",
    ]);
    stopper.join().unwrap();
    signal(&gw, "-CONT");
    let _ = gw.kill();
    let _ = gw.wait();
    let r = out.expect("the run completes").result;
    let o = &r.orders;
    // The stall lasted five timeouts: its orders came back late, all of them matched.
    assert!(o.late >= 400, "a 1.5 s stall at 400/s makes hundreds of late replies: {o:?}");
    assert_eq!(o.unmatched, 0, "{o:?}");
    assert_eq!(o.timed_out, 0, "{o:?}");
    assert_eq!(o.missing_replies, 0, "{o:?}");
    assert_eq!(o.acked, o.sent, "every order answered once: {o:?}");
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    // The worst sample is the stall itself, not the timeout.
    let max = r.latency_ns.ack().max.expect("acks measured");
    assert!(max >= stall.as_nanos() as u64 * 9 / 10, "ack max {max} ns hides a {stall:?} stall");
}
