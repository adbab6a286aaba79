//! Result files written by an earlier build (`tests/data/compat/`, from real runs against the
//! built-in gateway) read back and render exactly as they did: the JSON re-serializes to the
//! same bytes (field names and order are a contract with users' scripts), and the summary,
//! interval CSV, percentiles and HTML report come out byte for byte as that build wrote them.
//! A refactor that renames, reorders or drops a field, or changes a rendered line, fails here.

use super::{bin, tmp};
use fixblast::report::load::load_result;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat").join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Fails naming the first line that differs, not with two whole files.
fn same(got: &str, want: &str, what: &str) {
    if got == want {
        return;
    }
    let (g, w): (Vec<_>, Vec<_>) = (got.lines().collect(), want.lines().collect());
    let i = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
    panic!(
        "{what} differs at line {}:\n  now:    {:?}\n  before: {:?}",
        i + 1,
        g.get(i).unwrap_or(&"<end>"),
        w.get(i).unwrap_or(&"<end>")
    );
}

/// `filled`: the gateway fills every order; `mix`: cancels and replaces; `runs`: `--runs 2`
/// combined, with its run-to-run section.
const CASES: [&str; 3] = ["filled", "mix", "runs"];

#[test]
fn result_files_reserialize_to_the_same_bytes() {
    for case in CASES {
        let r = load_result(&data(&format!("{case}.json"))).unwrap();
        let again = serde_json::to_string_pretty(&r).unwrap() + "\n";
        same(&again, &read(&format!("{case}.json")), &format!("{case}.json"));
    }
}

#[test]
fn the_summary_of_a_result_is_unchanged() {
    for case in CASES {
        let r = load_result(&data(&format!("{case}.json"))).unwrap();
        same(
            &fixblast::report::summary::summary(&r),
            &read(&format!("{case}.summary.txt")),
            &format!("{case} summary"),
        );
    }
}

#[test]
fn rendered_files_are_unchanged() {
    let dir = tmp("compat");
    for case in CASES {
        let out = |ext: &str| dir.path().join(format!("{case}.{ext}"));
        let mut cmd = bin();
        cmd.arg("report").arg(data(&format!("{case}.json")));
        cmd.arg("--csv").arg(out("csv")).arg("--percentiles").arg(out("hgrm"));
        let html = data(&format!("{case}.html")).exists();
        if html {
            cmd.arg("--html").arg(out("html"));
        }
        let status = cmd.status().unwrap();
        assert!(status.success(), "{case}: {status}");
        let mut exts = vec!["csv", "hgrm"];
        if html {
            exts.push("html");
        }
        for ext in exts {
            let got = std::fs::read_to_string(out(ext)).unwrap();
            same(&got, &read(&format!("{case}.{ext}")), &format!("{case}.{ext}"));
        }
    }
}
