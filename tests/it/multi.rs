//! Several fixblast processes started together with `--start-at`, then merged: the
//! multi-host path, on loopback. Also `--runs` and the output placeholders.

use super::{QUICK, SYSCALL, bin, gateway, run, tmp};
use fixblast::gateway::GatewayConfig;
use fixblast::metrics::LatencyKind;
use fixblast::report::json::{RunResult, decode_histogram};

fn load(path: &std::path::Path) -> RunResult {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn processes_started_together_merge_into_one_result() {
    let g = gateway(SYSCALL, GatewayConfig::loopback());
    let addr = g.addr().to_string();
    let tmp_dir = tmp("multi");
    let dir = tmp_dir.path();
    let files: Vec<_> = (0..3).map(|i| dir.join(format!("p{i}.json"))).collect();
    let children: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            bin()
                .args(["run", "--target", &addr, "--rate", "1000", "--start-at", "+3s", "--backend", "syscall"])
                .args(["--sender-comp-id", &format!("PROC{i}_"), "--json", f.to_str().unwrap()])
                .args(QUICK)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let parts: Vec<RunResult> = files.iter().map(|f| load(f)).collect();
    // --start-at: the three started their orders within a few milliseconds of each other.
    let starts: Vec<f64> = parts.iter().map(|r| r.status.started_at_unix_s.expect("orders started")).collect();
    let spread = starts.iter().cloned().fold(f64::MIN, f64::max) - starts.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread < 0.05, "{starts:?}");

    let all = dir.join("all.json");
    let mut args = vec!["merge".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["-o".into(), all.display().to_string()]);
    let out = bin().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let m = load(&all);
    assert_eq!(m.orders.sent, parts.iter().map(|r| r.orders.sent).sum::<u64>());
    assert_eq!(m.orders.acked, parts.iter().map(|r| r.orders.acked).sum::<u64>());
    let counts: u64 = parts.iter().map(|r| decode_histogram(&r.histograms[LatencyKind::Ack]).unwrap().len()).sum();
    assert_eq!(decode_histogram(&m.histograms[LatencyKind::Ack]).unwrap().len(), counts);
    assert_eq!(m.latency_ns.ack().max, parts.iter().filter_map(|r| r.latency_ns.ack().max).max());
}

#[test]
fn runs_write_each_run_and_the_runs_combined() {
    let tmp_dir = tmp("runs");
    let dir = tmp_dir.path();
    let json = format!("{}/r-{{config_hash}}-{{run}}.json", dir.display());
    let mut a = QUICK.to_vec();
    a.extend_from_slice(&["--rate", "1000", "--runs", "2", "--json", &json]);
    let out = run(&a).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    let hash = &names[0][2..10];
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{names:?}");
    for (n, run) in names.iter().zip(["1", "2", "all"]) {
        assert_eq!(n, &format!("r-{hash}-{run}.json"));
    }
    let one = load(&dir.join(&names[0]));
    let two = load(&dir.join(&names[1]));
    let all = load(&dir.join(&names[2]));
    // Exactly the two runs' orders (on a loaded host a run may send one order fewer).
    assert_eq!(all.orders.sent, one.orders.sent + two.orders.sent);
    assert!(one.orders.sent > 0 && two.orders.sent > 0);
    let runs = all.runs.expect("the combined result has the runs' variation");
    assert_eq!(runs.count, 2);
    assert_eq!(runs.ack["p50"].values.len(), 2);
    assert_eq!(runs.ack["p50"].values[0], one.latency_ns.ack().p50);
}

#[test]
fn runs_with_wire_timestamps_keep_the_wire_split_combined() {
    let tmp_dir = tmp("runs-wire");
    let dir = tmp_dir.path();
    let json = format!("{}/r-{{run}}.json", dir.display());
    let mut a = vec!["--backend", "syscall", "--gateway-backend", "syscall", "--wire-timestamps", "software"];
    a.extend_from_slice(&["--rate", "1000", "--runs", "2", "--json", &json]);
    a.extend_from_slice(QUICK);
    let out = run(&a).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    let (one, two, all) = (load(&dir.join("r-1.json")), load(&dir.join("r-2.json")), load(&dir.join("r-all.json")));
    let count = |r: &RunResult| r.latency_ns.get(LatencyKind::Wire).expect("latency_ns.wire").count;
    // Every stamped first reply of both runs, once, from the runs' wire histograms.
    assert!(count(&one) > 0 && count(&two) > 0);
    assert_eq!(count(&all), count(&one) + count(&two));
    let h = decode_histogram(&all.histograms[LatencyKind::Wire]).expect("histograms.wire decodes");
    assert_eq!(h.len(), count(&all));
    let (w1, w2, w) = (one.wire.unwrap(), two.wire.unwrap(), all.wire.expect("the combined result has a wire section"));
    assert_eq!(w.unstamped, w1.unstamped + w2.unstamped);
    assert_eq!(w.drift_ns.unsigned_abs(), w1.drift_ns.unsigned_abs().max(w2.drift_ns.unsigned_abs()));
}

#[test]
fn a_sweep_writes_every_point_a_summary_and_a_chart_and_stops_a_rate_sweep_that_falls_behind() {
    let tmp_dir = tmp("sweep");
    let dir = tmp_dir.path();
    let sweep = |out: &str, target: &[&str], rates: &str, keep_going: bool| {
        let mut c = std::process::Command::new("scripts/sweep.sh");
        c.args(["--fixblast", env!("CARGO_BIN_EXE_fixblast"), "--out", out, "--sessions", "1,2", "--rates", rates])
            .args(keep_going.then_some("--keep-going"))
            .args(["--", "--duration", "300ms", "--warmup", "0s", "--poll", "yield", "--timeout", "200ms"])
            .args(target);
        c.output().unwrap()
    };
    let ok = dir.join("ok");
    // Whether a loaded host meets 1k/s in a 300 ms point is timing, not behaviour: keep going so
    // every point is written either way.
    let out = sweep(ok.to_str().unwrap(), &[], "1k..2k/1k", true);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = std::fs::read_to_string(ok.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 4, "{summary}");
    assert_eq!(
        std::fs::read_dir(&ok)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("json".as_ref()))
            .count(),
        4
    );
    let html = std::fs::read_to_string(ok.join("sweep.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);

    // A gateway that goes silent: the first rate misses its replies, so each rate sweep stops
    // there instead of trying higher rates.
    let target = super::fake::fake(super::fake::Fault::StallAfter(50));
    let behind = dir.join("behind");
    let out = sweep(behind.to_str().unwrap(), &["--target", &target], "1k,2k,3k", false);
    let summary = std::fs::read_to_string(behind.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 2, "one point per session count: {summary}");
    assert!(summary.lines().skip(1).all(|l| l.contains(",false,")), "{summary}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("the rate sweep stops here"));
}
