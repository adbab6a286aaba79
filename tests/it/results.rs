//! Result files after the run: loading them back, `merge` and `compare`. Synthetic results
//! are a real quick run's result with its latencies replaced, so every field is realistic.

use super::{QUICK, run, tmp};
use fixblast::metrics::LatencyKind;
use fixblast::metrics::histogram;
use fixblast::report::compare::{CompareOptions, Comparison, Unit, Verdict, compare};
use fixblast::report::json::{Interval, RunResult, Stats, decode_histogram, encode_histogram};
use fixblast::report::load::{LoadError, load_result};
use fixblast::report::merge::merge;
use std::path::Path;
use std::sync::OnceLock;

/// One in-process run against the built-in gateway, shared by the tests, made clean.
fn template() -> &'static RunResult {
    static T: OnceLock<RunResult> = OnceLock::new();
    T.get_or_init(|| {
        let mut args = QUICK.to_vec();
        args.extend(["--backend", "syscall", "--rate", "1000"]);
        let mut r = run(&args).expect("a quick run").result;
        // A loaded test host may time out an order or miss the rate: not what these tests test.
        r.status.completed = true;
        r.status.failure = None;
        r.errors.total = 0;
        r.errors.by_kind.values_mut().for_each(|n| *n = 0);
        r.throughput.rate_achieved = Some(true);
        r
    })
}

/// The template with ack latencies (both kinds) `acks`, and counters to match.
fn with_acks(acks: &[u64]) -> RunResult {
    let mut r = template().clone();
    let mut h = histogram();
    for &v in acks {
        h.record(v).expect("test latencies are within 1 ns..60 s");
    }
    let n = acks.len() as u64;
    r.histograms[LatencyKind::Ack] = encode_histogram(&h);
    r.histograms[LatencyKind::AckService] = encode_histogram(&h);
    r.latency_ns[LatencyKind::Ack] = Some(Stats::of(&h));
    r.latency_ns[LatencyKind::AckService] = Some(Stats::of(&h));
    (r.orders.sent, r.orders.acked, r.messages.new.sent, r.messages.new.answered) = (n, n, n, n);
    r
}

/// 5,000 latencies around 20 us with a tail, scaled by `scale`, with noise of about ±1%
/// that differs by `run`.
fn latencies(scale: f64, run: u64) -> Vec<u64> {
    let mut x = 0x2545_f491_4f6c_dd1d ^ run.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..5_000)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let noise = 1.0 + ((x % 2_001) as f64 - 1_000.0) / 100_000.0;
            let base = 15_000.0 + (i % 1_000) as f64 * 10.0 + if i % 100 == 0 { 200_000.0 } else { 0.0 };
            (base * scale * noise) as u64
        })
        .collect()
}

fn side(prefix: &str, scale: f64, runs: u64) -> Vec<(String, RunResult)> {
    (0..runs).map(|k| (format!("{prefix}-{k}.json"), with_acks(&latencies(scale, k)))).collect()
}

fn five_percent() -> CompareOptions {
    CompareOptions { fail_if_worse: Some(0.05), ..CompareOptions::default() }
}

fn latency_rows(c: &Comparison) -> impl Iterator<Item = &fixblast::report::compare::Row> {
    c.rows.iter().filter(|r| r.unit == Unit::Nanoseconds)
}

#[test]
fn slower_build_over_five_runs_is_worse_and_fails_at_5_percent() {
    let c = compare(&side("base", 1.0, 5), &side("new", 1.5, 5), &five_percent());
    let text = c.render();
    assert!(c.method.verdicts);
    assert!(latency_rows(&c).all(|r| r.verdict == Verdict::Worse), "{text}");
    assert!(c.failed(), "{text}");
    let p99 = c.rows.iter().find(|r| (r.metric, r.stat) == ("ack", "p99")).expect("an ack p99 row");
    assert!((p99.delta_pct.expect("base > 0") - 50.0).abs() < 3.0, "{p99:?}");
    assert!(text.contains("percentile bootstrap 95% confidence interval of the difference of medians"), "{text}");
    assert!(text.contains("5 base runs, 5 new runs, 10000 resamples, seed 1"), "{text}");
    assert!(text.contains("FAILED: ack p50 +"), "{text}");
    // Deterministic for a seed.
    assert_eq!(c, compare(&side("base", 1.0, 5), &side("new", 1.5, 5), &five_percent()));
    println!("{text}");
}

#[test]
fn identical_results_show_no_difference_and_do_not_fail() {
    let c = compare(&side("base", 1.0, 5), &side("new", 1.0, 5), &five_percent());
    assert!(c.rows.iter().all(|r| r.verdict == Verdict::NoSignificantDifference), "{}", c.render());
    assert!(c.rows.iter().all(|r| r.delta == 0.0));
    assert!(!c.failed());
    assert!(c.not_comparable.is_empty(), "{:?}", c.not_comparable);
    assert!(c.render().contains("fail if worse by more than 5.0% (p50..p99.9): passed"), "{}", c.render());
}

#[test]
fn faster_build_is_better_and_does_not_fail() {
    let c = compare(&side("base", 1.0, 5), &side("new", 0.7, 5), &five_percent());
    assert!(latency_rows(&c).all(|r| r.verdict == Verdict::Better), "{}", c.render());
    assert!(!c.failed());
}

#[test]
fn one_run_each_gives_deltas_and_says_no_verdict_is_possible() {
    let c = compare(&side("base", 1.0, 1), &side("new", 1.5, 1), &five_percent());
    assert!(c.rows.iter().all(|r| r.verdict == Verdict::NoVerdict));
    assert!(c.failed(), "without verdicts, the deltas alone decide");
    assert!(c.render().contains("no verdict: none is possible from one run each; deltas only"), "{}", c.render());
}

#[test]
fn different_configs_are_flagged_prominently_not_refused() {
    let mut new = side("new", 1.0, 1);
    new[0].1.config.sessions = 8;
    new[0].1.config.backend = "uring".into();
    new[0].1.tool.version = "9.9.9".into();
    new[0].1.host.cpu_model = Some("Another CPU".into());
    let c = compare(&side("base", 1.0, 1), &new, &CompareOptions::default());
    let flags = c.not_comparable.join("\n");
    for want in [
        "config.sessions: 1 (base-0.json) vs 8 (new-0.json)",
        "config.backend: \"syscall\" (base-0.json) vs \"uring\" (new-0.json)",
        "tool.version: \"",
        "host.cpu_model: ",
    ] {
        assert!(flags.contains(want), "missing {want:?} in\n{flags}");
    }
    let text = c.render();
    assert!(text.lines().nth(3).is_some_and(|l| l.starts_with("!! NOT COMPARABLE")), "{text}");
    assert!(!c.rows.is_empty(), "flagged, still compared");
}

#[test]
fn merge_round_trip_through_files_adds_counts_exactly() {
    let tmp_dir = tmp("merge");
    let dir = tmp_dir.path();
    let (a, b) = (latencies(1.0, 1), latencies(1.3, 2));
    let (ra, rb) = (with_acks(&a), with_acks(&b));
    let (pa, pb) = (dir.join("a.json"), dir.join("b.json"));
    std::fs::write(&pa, serde_json::to_string(&ra).expect("serializes")).expect("write a");
    std::fs::write(&pb, serde_json::to_string(&rb).expect("serializes")).expect("write b");
    let loaded = [&pa, &pb].map(|p| (p.display().to_string(), load_result(p).expect("loads")));
    let m = merge(&loaded).expect("merges");

    let all = with_acks(&a.iter().chain(&b).copied().collect::<Vec<_>>());
    assert_eq!(m.latency_ns.ack().count, (a.len() + b.len()) as u64);
    assert_eq!(decode_histogram(&m.histograms[LatencyKind::Ack]).expect("decodes").len(), m.latency_ns.ack().count);
    assert_eq!(m.latency_ns.ack().max, ra.latency_ns.ack().max.max(rb.latency_ns.ack().max));
    assert_eq!(m.latency_ns.ack().p99, all.latency_ns.ack().p99);
    assert_eq!(m.latency_ns.ack().p50, all.latency_ns.ack().p50);
    assert_eq!(m.orders.sent, ra.orders.sent + rb.orders.sent);
    assert_eq!(m.config.sessions, ra.config.sessions + rb.config.sessions);
    assert!(m.config.target.starts_with(&format!("merged from 2 results: {} (target ", pa.display())));
    // The merged result is itself a result file.
    let pm = dir.join("all.json");
    std::fs::write(&pm, serde_json::to_string(&m).expect("serializes")).expect("write all");
    assert_eq!(load_result(&pm).expect("loads").latency_ns.ack(), m.latency_ns.ack());
}

#[test]
fn merge_of_two_real_runs_adds_every_counter() {
    let tmp_dir = tmp("merge-real");
    let dir = tmp_dir.path();
    let paths = ["a.json", "b.json"].map(|n| dir.join(n));
    for p in &paths {
        let mut args = QUICK.to_vec();
        args.extend(["--backend", "syscall", "--rate", "500", "--json", p.to_str().expect("utf-8 path")]);
        run(&args).expect("a quick run");
    }
    let rs = paths.map(|p| (p.display().to_string(), load_result(&p).expect("loads")));
    let m = merge(&rs).expect("merges");
    let (a, b) = (&rs[0].1, &rs[1].1);
    assert_eq!(m.orders.sent, a.orders.sent + b.orders.sent);
    assert_eq!(m.orders.acked, a.orders.acked + b.orders.acked);
    assert_eq!(m.latency_ns.ack().count, a.latency_ns.ack().count + b.latency_ns.ack().count);
    assert_eq!(m.latency_ns.ack().max, a.latency_ns.ack().max.max(b.latency_ns.ack().max));
    assert_eq!(m.errors.total, a.errors.total + b.errors.total);
    assert_eq!(m.intervals.len(), a.intervals.len().max(b.intervals.len()));
    assert!(m.intervals.iter().all(|i| i.ack.p50.is_none() && i.ack.p99.is_none()));
}

#[test]
fn merge_refuses_results_that_measured_different_things() {
    let mut b = with_acks(&[1_000]);
    b.config.template = "other.fix".into();
    let e = merge(&[("a.json".into(), with_acks(&[1_000])), ("b.json".into(), b)]).expect_err("refused");
    assert!(e.to_string().starts_with("b.json: config.template is other.fix but a.json has"), "{e}");
}

fn load_err(dir: &Path, name: &str, text: &str) -> (String, LoadError) {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    (p.display().to_string(), load_result(&p).expect_err("refused"))
}

#[test]
fn load_errors_name_the_file_and_the_problem() {
    let tmp_dir = tmp("load");
    let dir = tmp_dir.path();
    let good = serde_json::to_string_pretty(&with_acks(&[1_000, 2_000])).expect("serializes");
    let mut v: serde_json::Value = serde_json::from_str(&good).expect("json");
    v["schema_version"] = 2.into();
    for (name, text, want) in [
        (
            "other.json",
            r#"{"requests": 10}"#.to_string(),
            ": not a fixblast result file: it has no schema_version field",
        ),
        ("cut.json", good[..good.len() * 2 / 3].to_string(), ": truncated: the JSON ends at line"),
        ("v2.json", v.to_string(), ": schema_version 2: this build (fixblast "),
        ("text.json", "p99 12us\n".to_string(), ": not JSON: "),
    ] {
        let (path, e) = load_err(dir, name, &text);
        assert!(e.to_string().starts_with(&format!("{path}{want}")), "{name}: {e}");
    }
    let e = load_result(&dir.join("missing.json")).expect_err("refused");
    assert!(matches!(e, LoadError::Unreadable { .. }), "{e}");
}

/// A 1-hour result: 3,600 intervals. Checks behaviour only; prints how long loading and
/// comparing took (`cargo test --release --test it hour_long -- --nocapture`).
#[test]
fn hour_long_results_load_and_compare() {
    let tmp_dir = tmp("hour");
    let dir = tmp_dir.path();
    let hour = |scale: f64| {
        let mut r = with_acks(&latencies(scale, 0));
        let one = r.intervals.first().cloned().expect("the quick run has an interval");
        r.intervals = (1..=3_600).map(|t| Interval { t_s: t as f64, ..one.clone() }).collect();
        r.throughput.duration_s = 3_600.0;
        r
    };
    let paths = [dir.join("base.json"), dir.join("new.json")];
    for (p, scale) in paths.iter().zip([1.0, 1.2]) {
        std::fs::write(p, serde_json::to_string(&hour(scale)).expect("serializes")).expect("write");
    }
    let t0 = std::time::Instant::now();
    let [base, new] = paths.clone().map(|p| (p.display().to_string(), load_result(&p).expect("loads")));
    let t1 = std::time::Instant::now();
    let c = compare(std::slice::from_ref(&base), std::slice::from_ref(&new), &five_percent());
    let text = c.render();
    let t2 = std::time::Instant::now();
    // Five runs a side (the same file five times): the bootstrap's 10,000 resamples per row.
    let five = |r: &(String, RunResult)| vec![r.clone(); 5];
    let c5 = compare(&five(&base), &five(&new), &five_percent());
    let _ = c5.render();
    let t3 = std::time::Instant::now();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "3,600-interval results: load both {:.1} ms, compare + render 1 vs 1 {:.1} ms, 5 vs 5 {:.1} ms",
        ms(t1 - t0),
        ms(t2 - t1),
        ms(t3 - t2)
    );
    assert!(c.failed(), "{text}");
    assert!(c.not_comparable.is_empty(), "{:?}", c.not_comparable);
    assert!(c5.failed() && c5.method.verdicts);
}
