//! Bad input never loses a result: every file is written whole or not at all, an output never
//! names another output or an input, and `merge` never counts one run twice.

use super::{QUICK, bin, run, tmp};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A real result file (from `tests/data/compat/`), copied into `dir` as `name`.
fn result_in(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat/filled.json"), &p).unwrap();
    p
}

fn fixblast(args: &[&str]) -> (Option<i32>, String) {
    let Output { status, stderr, .. } = bin().args(args).output().unwrap();
    (status.code(), String::from_utf8_lossy(&stderr).into_owned())
}

/// Every file in `dir`: none empty, none a temporary file left behind.
fn assert_all_whole(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "left behind: {name}");
        assert!(e.metadata().unwrap().len() > 0, "{name} is empty");
        names.push(name);
    }
    names.sort();
    names
}

#[test]
fn an_earlier_result_survives_a_run_refused_for_a_missing_html_directory() {
    let dir = tmp("keep");
    let keep = dir.path().join("keep.json");
    std::fs::write(&keep, "an earlier result").unwrap();
    let missing = dir.path().join("missing/r.html");
    let (code, err) = fixblast(&["run", "--json", keep.to_str().unwrap(), "--html", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--html ") && err.contains("missing/r.html: directory ") && err.contains("does not exist"));
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "an earlier result");
    assert_eq!(assert_all_whole(dir.path()), ["keep.json"]);
}

#[test]
fn runs_that_stop_early_leave_no_empty_file_and_earlier_files_whole() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("127.0.0.1:{port}");
    let dir = tmp("runs-fail");
    std::fs::write(dir.path().join("r-2.json"), "an earlier run 2").unwrap();
    let path = |ext: &str| dir.path().join(format!("r-{{run}}.{ext}")).display().to_string();
    let (json, hlog, csv) = (path("json"), path("hlog"), path("csv"));
    let mut args = QUICK.to_vec();
    args.extend(["--runs", "3", "--target", &target, "--json", &json, "--hlog", &hlog, "--csv", &csv]);
    let out = run(&args).unwrap();
    // Run 1 could not connect: it and the runs combined are written, the others never ran.
    assert_eq!(out.exit_code(), 3);
    let names = assert_all_whole(dir.path());
    assert_eq!(names, ["r-1.csv", "r-1.json", "r-2.json", "r-all.csv", "r-all.json"]);
    assert_eq!(std::fs::read_to_string(dir.path().join("r-2.json")).unwrap(), "an earlier run 2");
}

#[test]
fn outputs_naming_one_file_or_an_input_exit_2_naming_both_flags() {
    let dir = tmp("collide");
    let d = dir.path();
    let x = d.join("x.json").display().to_string();
    let template = d.join("order.fix");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("fix-templates/new-order-single.fix"), &template).unwrap();
    let template = template.display().to_string();
    let same_x = format!("{}/./x.json", d.display());
    for (args, first, second) in [
        (vec!["--json", &x, "--html", &x], "--json", "--html"),
        (vec!["--json", &x, "--csv", &same_x], "--json", "--csv"),
        (vec!["--percentiles", &x, "--json", &x], "--json", "--percentiles"),
        (vec!["--json", &x, "--hlog", &x], "--json", "--hlog"),
        (vec!["--template", &template, "--json", &template], "--json", "--template"),
    ] {
        let (code, err) = fixblast(&[&["run"][..], &args].concat());
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(&format!("{first} ")) && err.contains(&format!(" and {second} ")), "{args:?}: {err}");
        assert!(err.contains("name the same file"), "{args:?}: {err}");
    }
    assert!(!Path::new(&x).exists());
    assert!(std::fs::read_to_string(&template).unwrap().contains("35=D"));
}

#[test]
fn report_never_writes_over_its_input() {
    let dir = tmp("report-self");
    let r = result_in(dir.path(), "r.json");
    let before = std::fs::read(&r).unwrap();
    let rs = r.to_str().unwrap();
    for flag in ["--html", "--csv", "--percentiles"] {
        let (code, err) = fixblast(&["report", rs, flag, rs]);
        assert_eq!(code, Some(2), "{flag}: {err}");
        assert!(err.contains(&format!("{flag} {rs} and input {rs} name the same file")), "{flag}: {err}");
    }
    let html = dir.path().join("r.html");
    let (code, err) = fixblast(&["report", rs, "--html", html.to_str().unwrap(), "--csv", html.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(" and --csv ") && !html.exists(), "{err}");
    assert_eq!(std::fs::read(&r).unwrap(), before);
}

#[test]
fn merge_refuses_a_file_or_a_run_given_twice_naming_both() {
    let dir = tmp("merge-twice");
    let a = result_in(dir.path(), "a.json");
    let copy = result_in(dir.path(), "copy.json");
    let out = dir.path().join("all.json");
    let (a, copy, out) = (a.to_str().unwrap(), copy.to_str().unwrap(), out.to_str().unwrap());
    let same_a = format!("{}/./a.json", dir.path().display());
    let (code, err) = fixblast(&["merge", a, &same_a, "-o", out]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("input {a} and input {same_a} name the same file; give each result once")), "{err}");
    let (code, err) = fixblast(&["merge", a, copy, "-o", out]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("{copy}: the same run as {a}")), "{err}");
    let (code, err) = fixblast(&["merge", a, copy, "-o", a]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("destroy the input"), "{err}");
    assert!(!Path::new(out).exists());
}

#[test]
fn compare_warns_when_one_run_is_on_both_sides() {
    let dir = tmp("compare-self");
    let a = result_in(dir.path(), "a.json");
    let copy = result_in(dir.path(), "copy.json");
    let (code, err) = fixblast(&["compare", a.to_str().unwrap(), copy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let want = format!("warning: {} and {} are the same run, on both sides", a.display(), copy.display());
    assert!(err.contains(&want), "{err}");
}
