//! `--runs N`: the same run repeated, each reported and written on its own, then the runs
//! combined (histograms added, so the combined percentiles are exact) with the run-to-run
//! variation of each percentile, because one run on a noisy host says little.

use super::outputs::Which;
use super::{Outcome, RunConfig, run_once, write_outputs};
use crate::error::Error;
use crate::report::json::{RunResult, Runs, Stats, Variation};
use crate::report::merge::MergeError;
use std::fmt::Write;

/// Runs `cfg.runs` times; stops early when a run fails or is interrupted. Returns the
/// combined outcome.
pub(super) fn run_several(cfg: &RunConfig) -> Result<Outcome, Error> {
    let mut results = Vec::new();
    let mut failure = None;
    for k in 1..=cfg.runs {
        if !cfg.quiet {
            eprintln!("== run {k} of {}", cfg.runs);
        }
        let o = match run_once(cfg, Which::Run(k)) {
            Ok(o) => o,
            // Nothing measured yet: nothing to combine.
            Err(e) if results.is_empty() => return Err(e),
            // The runs already measured are still combined and written; the combined result
            // says why it stopped (exit 3).
            Err(e) => {
                eprintln!("fixblast: run {k} of {}: {e}; combining the {} run(s) measured", cfg.runs, results.len());
                failure = Some(format!("run {k} of {} could not run: {e}", cfg.runs));
                break;
            }
        };
        let stop = o.result.status.interrupted || o.result.status.failure.is_some();
        results.push((format!("run {k}"), o.result));
        if stop {
            break;
        }
    }
    let mut all = combine(&results).map_err(Error::Combine)?;
    if let Some(f) = failure {
        all.status.completed = false;
        all.status.failure.get_or_insert(f);
    }
    all.sla = crate::report::sla::evaluate(&cfg.sla, &all);
    write_outputs(cfg, &all, Which::All)?;
    print!("{}", variation_table(&all));
    print!("{}", crate::report::summary::summary(&all));
    Ok(Outcome { result: all })
}

/// The runs as one result: what `merge` does for processes that ran together, but in
/// sequence: rates are averaged over the total time, intervals follow one another.
pub fn combine(results: &[(String, RunResult)]) -> Result<RunResult, MergeError> {
    let mut all = crate::report::merge::merge(results)?;
    let duration: f64 = results.iter().map(|(_, r)| r.throughput.duration_s).sum();
    // Over the total time: a short (interrupted) run weighs as little as it measured.
    let mean = |f: fn(&RunResult) -> f64| {
        results.iter().map(|(_, r)| f(r) * r.throughput.duration_s).sum::<f64>() / duration.max(f64::MIN_POSITIVE)
    };
    let t = &mut all.throughput;
    t.orders_per_s = mean(|r| r.throughput.orders_per_s);
    t.acks_per_s = mean(|r| r.throughput.acks_per_s);
    t.target_orders_per_s = t.target_orders_per_s.map(|_| mean(|r| r.throughput.target_orders_per_s.unwrap_or(0.0)));
    t.duration_s = duration;
    all.config.sessions = results[0].1.config.sessions;
    all.config.threads = results[0].1.config.threads;
    all.config.cores = results[0].1.config.cores.clone();
    all.config.target = results[0].1.config.target.clone();
    let mut offset = 0.0;
    all.intervals = Vec::new();
    for (_, r) in results {
        all.intervals.extend(r.intervals.iter().cloned().map(|mut i| {
            i.t_s += offset;
            i
        }));
        offset += r.intervals.last().map_or(r.throughput.duration_s, |i| i.t_s);
    }
    let stats: Vec<&Stats> = results.iter().map(|(_, r)| r.latency_ns.ack()).collect();
    let of = |f: fn(&Stats) -> Option<u64>| Variation::of(stats.iter().map(|s| f(s)).collect());
    let ack = [
        ("p50", of(|s| s.p50)),
        ("p90", of(|s| s.p90)),
        ("p99", of(|s| s.p99)),
        ("p99_9", of(|s| s.p99_9)),
        ("p99_99", of(|s| s.p99_99)),
        ("p99_999", of(|s| s.p99_999)),
        ("max", of(|s| s.max)),
    ];
    all.runs = Some(Runs { count: results.len(), ack: ack.into_iter().map(|(k, v)| (k.to_string(), v)).collect() });
    Ok(all)
}

/// Each run's ack percentiles side by side, their spread, and the combined figure.
fn variation_table(all: &RunResult) -> String {
    let Some(runs) = &all.runs else { return String::new() };
    let f = |v: Option<u64>| v.map_or("-".to_string(), crate::report::fmt_ns);
    let mut out = format!("\n{} runs, ack round trip (intended send), run to run:\n", runs.count);
    let _ = write!(out, "  {:<9}", "");
    for k in 1..=runs.count {
        let _ = write!(out, "{:>10}", format!("run {k}"));
    }
    let _ = writeln!(out, "{:>10}{:>10}{:>10}{:>9}", "min", "median", "max", "cv");
    let combined = all.latency_ns.ack();
    for (key, label) in [
        ("p50", "p50"),
        ("p90", "p90"),
        ("p99", "p99"),
        ("p99_9", "p99.9"),
        ("p99_99", "p99.99"),
        ("p99_999", "p99.999"),
        ("max", "max"),
    ] {
        let v = &runs.ack[key];
        let _ = write!(out, "  {label:<9}");
        for x in &v.values {
            let _ = write!(out, "{:>10}", f(*x));
        }
        let cv = v.cv_pct.map_or("-".into(), |c| format!("{c:.1}%"));
        let _ = writeln!(out, "{:>10}{:>10}{:>10}{:>9}", f(v.min), f(v.median), f(v.max), cv);
    }
    let _ = writeln!(
        out,
        "  combined (all runs' histograms added): p50 {} p99 {} p99.9 {} max {}",
        f(combined.p50),
        f(combined.p99),
        f(combined.p99_9),
        f(combined.max)
    );
    out
}
