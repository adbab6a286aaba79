//! The HTML report of a real in-process run: rendered, written to a file and, where chromium
//! is installed, loaded by headless chromium to show that the page parses and holds its four
//! charts and its tables. `scripts/test.sh` installs chromium and sets
//! FIXBLAST_REQUIRE_CHROMIUM=1, which turns a missing browser into a failure, not a skip.

use crate::{QUICK, run, tmp};
use fixblast::report::html::render_html;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a cold chromium start on a busy shared machine.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// `chromium` when it is on PATH; otherwise says why the browser check is skipped (and
/// fails when FIXBLAST_REQUIRE_CHROMIUM=1).
fn chromium() -> Option<&'static str> {
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some("chromium");
    }
    let required = std::env::var("FIXBLAST_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    assert!(!required, "FIXBLAST_REQUIRE_CHROMIUM=1 but `chromium` is not on PATH (scripts/test.sh installs it)");
    eprintln!("skipping the browser check: `chromium` is not on PATH (scripts/test.sh installs Debian's chromium)");
    None
}

/// The DOM of `page` after headless chromium loaded it, with the network off.
fn dump_dom(chromium: &str, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if start.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?}: {}", err.join().unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    assert!(status.success(), "chromium --dump-dom failed ({status}): {err}");
    out
}

#[test]
fn html_report_of_a_real_run_loads_in_a_browser() {
    let mut args = QUICK.to_vec();
    args.extend(["--rate", "2000", "--sla", "p99<1s,errors<1%"]);
    let outcome = run(&args).expect("a quick run against the built-in gateway");
    let r = &outcome.result;
    assert!(r.latency_ns.ack().count > 0, "the run measured acks");

    let html = render_html(r);
    assert_eq!(html.matches("<svg").count(), 4, "four inline charts");
    assert!(html.contains(r#"id="sla""#) && html.contains("PASS"), "the SLA table");
    let tmp_dir = tmp("html");
    let dir = tmp_dir.path();
    let page = dir.join("report.html");
    std::fs::write(&page, &html).expect("writing the report");

    let Some(chromium) = chromium() else { return };
    let dom = dump_dom(chromium, &page, &dir.join("chromium-profile"));
    assert_eq!(dom.matches("<svg").count(), 4, "the browser sees four svg elements");
    for id in ["chart-spectrum", "chart-latency", "chart-throughput", "chart-errors"] {
        let at = dom.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("{id} is in the DOM"));
        assert!(dom[at..].contains("<svg"), "{id} holds an svg");
    }
    for table in ["sla", "config", "host", "percentiles", "counts"] {
        assert!(dom.contains(&format!(r#"<table id="{table}""#)), "the {table} table is in the DOM");
    }
    assert!(dom.contains("p99&lt;1s"), "the SLA threshold is shown, escaped");
    assert!(dom.contains(&r.config.target), "the config table names the target");
}

/// With `--wire-timestamps` against the built-in gateway, the page has a fifth chart, where
/// the time went, with the gateway's part, and the browser draws it.
#[test]
fn where_the_time_went_loads_in_a_browser_with_the_gateways_part() {
    let mut args = vec!["--backend", "syscall", "--gateway-backend", "syscall", "--wire-timestamps", "software"];
    args.extend_from_slice(&["--rate", "2000"]);
    args.extend_from_slice(QUICK);
    let outcome = run(&args).expect("a quick stamped run against the built-in gateway");
    let html = render_html(&outcome.result);
    assert_eq!(html.matches("<svg").count(), 5, "four charts and where the time went");
    let tmp_dir = tmp("html-split");
    let page = tmp_dir.path().join("report.html");
    std::fs::write(&page, &html).expect("writing the report");

    let Some(chromium) = chromium() else { return };
    let dom = dump_dom(chromium, &page, &tmp_dir.path().join("chromium-profile"));
    let at = dom.find(r#"id="chart-split""#).expect("chart-split is in the DOM");
    let chart = &dom[at..];
    assert!(chart.contains("<svg") && chart.contains("wire less gateway"), "the split holds an svg and its parts");
}
