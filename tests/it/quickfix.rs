//! Against a third-party engine: QuickFIX C++'s `executor` example with a strict FIX 4.2
//! data dictionary (tests/quickfix/setup.sh installs it; `scripts/test.sh` runs that first
//! and sets FIXBLAST_REQUIRE_QUICKFIX=1 so a missing executor fails instead of skipping).
//! The same executor speaks FIX 4.4 and FIX 5.0 over FIXT.1.1 in `quickfix_versions`.

use super::{run, tmp};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Executor {
    child: Child,
    pub port: u16,
    /// The executor's run directory, removed after the executor is stopped.
    _dir: tempfile::TempDir,
}

impl Drop for Executor {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// Starts the executor as a strict FIX 4.2 acceptor.
pub fn start_executor(name: &str) -> Option<Executor> {
    start_executor_version(name, "4.2")
}

/// Starts the executor for `version` (4.2, 4.4 or 5.0: see tests/quickfix/start-executor.sh).
pub fn start_executor_version(name: &str, version: &str) -> Option<Executor> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let qf = std::env::var_os("FIXBLAST_QF_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target/quickfix"));
    if !qf.join("executor").exists() {
        assert!(
            std::env::var_os("FIXBLAST_REQUIRE_QUICKFIX").is_none(),
            "QuickFIX executor missing in {}: run tests/quickfix/setup.sh",
            qf.display()
        );
        eprintln!("skipping: QuickFIX executor not installed (run tests/quickfix/setup.sh)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tmp(name);
    let mut child = Command::new(root.join("tests/quickfix/start-executor.sh"))
        .args([port.to_string(), dir.path().to_string_lossy().into_owned(), version.to_string()])
        .env("FIXBLAST_QF_DIR", &qf)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Type Ctrl-C to quit") {
                let _ = tx.send(());
            }
        }
    });
    let ex = Executor { child, port, _dir: dir };
    rx.recv_timeout(Duration::from_secs(30)).expect("executor did not start within 30 s");
    // It prints the banner just before it accepts; give it a moment to listen.
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "executor never listened on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(ex)
}

pub fn measure(ex: &Executor, extra: &[&str]) -> fixblast::run::Outcome {
    let target = format!("127.0.0.1:{}", ex.port);
    let mut args = vec![
        "--target",
        &target,
        "--reset-seq",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--poll",
        "yield",
        "--quiet",
        "--timeout",
        "3s",
    ];
    args.extend_from_slice(extra);
    run(&args).unwrap()
}

crate::on_every_backend!(quickfix_executor_with_strict_fix42_dictionary_acks_every_order);

fn quickfix_executor_with_strict_fix42_dictionary_acks_every_order(backend: &[&str]) {
    let Some(ex) = start_executor("qf-one") else { return };
    let mut extra = vec!["--rate", "300"];
    extra.extend_from_slice(backend);
    let out = measure(&ex, &extra);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.orders.sent, 300);
    assert_eq!(r.orders.acked, 300);
    // The executor fills limit orders in its one ExecutionReport.
    assert_eq!(r.orders.filled, 300);
    assert_eq!(r.errors.total, 0, "the strict dictionary objected: {:?}", r.errors.by_kind);
}

#[test]
fn quickfix_executor_takes_several_sessions_in_closed_loop() {
    let Some(ex) = start_executor("qf-many") else { return };
    let out = measure(&ex, &["--sessions", "3", "--threads", "1", "--closed-loop", "--window", "2"]);
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert!(r.orders.sent >= 30, "sent {}", r.orders.sent);
    assert_eq!(r.orders.acked, r.orders.sent);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors.by_kind);
}
