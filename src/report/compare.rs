//! `fixblast compare`: per-percentile deltas between a base and a new set of results (for
//! example two builds of a gateway) and, with several runs per side, a verdict per number.
//! Owns the table, the statistical method, the `--fail-if-worse` rule and the checks that
//! the two sides were measured alike. It reads results only; it never refuses to compare:
//! what makes results not comparable is flagged at the top of the output instead.
//!
//! **Table.** For ack (intended send), ack (actual send), fill, cancel and replace, when every
//! run on both sides measured it: p50, p90, p99, p99.9 and max, each run's value read from its
//! HdrHistogram; then throughput (`orders_per_s`). With several runs per side a side's value
//! is the median over its runs. Each row gives base, new, new − base and (new − base) / base.
//!
//! **Verdict** (at least 2 runs on each side): a seeded percentile-bootstrap confidence
//! interval, at `confidence`, of the difference of medians (new − base) over the per-run
//! values, from `resamples` resamples of each side with replacement. Worse when the interval
//! lies entirely above 0 for a latency (below 0 for throughput), better when entirely on the
//! other side, otherwise no significant difference. With one run on a side there is no
//! verdict: deltas only.
//!
//! **`fail_if_worse = Some(f)`**: [`Comparison::failed`] is true when, for any latency row
//! p50, p90, p99 or p99.9, new > base × (1 + f); with verdicts (≥ 2 runs per side) that row's
//! verdict must also be "worse". `max` (one observation, the noisiest number there is) and
//! throughput are shown and judged but never fail the comparison. A base of 0 ns cannot fail.
//! It also fails when ack latency could not be compared (a result measured no acks): a gate
//! never passes on nothing.
//!
//! **Not comparable** (flagged, not refused): any difference between runs, on either side, in
//! `tool`, in `host` (`tsc_hz` only beyond 1%: it is calibrated per run), or in `config` other
//! than `target`, `sender_comp_id`, `target_comp_id` and `clordid_prefix` (what the gateway
//! is told who we are, not what is measured); and a run that did not complete.
//! A differing target is only noted: comparing two gateway builds often means two addresses.

use super::fmt_ns;
use super::json::{RunResult, Stats, decode_histogram};
use crate::fnv::fnv1a;
use crate::metrics::LatencyKind;
use crate::random::Random;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// How to compare; [`Default`] is 95% confidence, 10,000 resamples, seed 1, no failure rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Fail when a latency percentile is worse by more than this fraction (0.05 = 5%).
    pub fail_if_worse: Option<f64>,
    /// Confidence of the bootstrap interval, in (0, 1).
    pub confidence: f64,
    /// Bootstrap resamples, at least 100.
    pub resamples: usize,
    /// Seed of the bootstrap's random numbers: the same seed gives the same output.
    pub seed: u64,
}

/// [`CompareOptions`] out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    #[error("confidence {0}: must be between 0 and 1 (0.95 is 95%)")]
    Confidence(f64),
    #[error("resamples {0}: must be at least 100")]
    Resamples(usize),
    #[error("fail-if-worse {0}: must be a fraction of 0 or more (0.05 is 5%)")]
    FailIfWorse(f64),
}

impl Default for CompareOptions {
    fn default() -> CompareOptions {
        CompareOptions { fail_if_worse: None, confidence: 0.95, resamples: 10_000, seed: 1 }
    }
}

impl CompareOptions {
    /// Why these options cannot be used, for the CLI to report before comparing.
    pub fn validate(&self) -> Result<(), OptionsError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(OptionsError::Confidence(self.confidence));
        }
        if self.resamples < 100 {
            return Err(OptionsError::Resamples(self.resamples));
        }
        if let Some(f) = self.fail_if_worse
            && !(f.is_finite() && f >= 0.0)
        {
            return Err(OptionsError::FailIfWorse(f));
        }
        Ok(())
    }
}

/// The outcome for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    NoSignificantDifference,
    /// Fewer than 2 runs on a side, or unusable options: deltas only.
    NoVerdict,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoSignificantDifference => "no significant difference",
            Verdict::NoVerdict => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Nanoseconds,
    PerSecond,
}

/// A confidence interval of new − base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ci {
    pub low: f64,
    pub high: f64,
}

/// One statistic of one metric, base against new.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `ack`, `ack_service`, `fill`, `cancel`, `replace` or `throughput`.
    pub metric: &'static str,
    /// `p50`, `p90`, `p99`, `p99_9`, `max` or `orders_per_s`.
    pub stat: &'static str,
    pub unit: Unit,
    /// Each run's value, in the order given.
    pub base_runs: Vec<f64>,
    pub new_runs: Vec<f64>,
    /// Median over runs.
    pub base: f64,
    pub new: f64,
    /// new − base.
    pub delta: f64,
    /// 100 × (new − base) / base; null when base is 0.
    pub delta_pct: Option<f64>,
    pub verdict: Verdict,
    /// The bootstrap interval behind the verdict; null without one.
    pub ci: Option<Ci>,
    /// This row makes [`Comparison::failed`] true.
    pub fails: bool,
}

/// How the verdicts were reached, as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Method {
    pub verdicts: bool,
    pub description: String,
    pub base_runs: usize,
    pub new_runs: usize,
    pub confidence: f64,
    pub resamples: usize,
    pub seed: u64,
}

/// The result of [`compare`]: render it with [`Comparison::render`] or serialize it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Names of the base and new results, as given.
    pub base: Vec<String>,
    pub new: Vec<String>,
    /// Why the two sides may not be comparable; empty when nothing was found.
    pub not_comparable: Vec<String>,
    /// Other things worth knowing: errors, missed rates, metrics skipped.
    pub notes: Vec<String>,
    pub method: Method,
    pub rows: Vec<Row>,
    pub fail_if_worse: Option<f64>,
    /// The rows that exceeded `fail_if_worse`, as printed.
    pub failures: Vec<String>,
}

/// Statistics of the table: JSON name, printed label, quantile (None: max).
const STATS: [(&str, &str, Option<f64>); 5] = [
    ("p50", "p50", Some(0.5)),
    ("p90", "p90", Some(0.9)),
    ("p99", "p99", Some(0.99)),
    ("p99_9", "p99.9", Some(0.999)),
    ("max", "max", None),
];

/// Compares `new` with `base` (each a list of (name, result), one per run).
pub fn compare(base: &[(String, RunResult)], new: &[(String, RunResult)], opts: &CompareOptions) -> Comparison {
    let mut notes = Vec::new();
    let not_comparable = comparability(base, new, &mut notes);
    let method = method(base.len(), new.len(), opts, &mut notes);
    let mut rows = Vec::new();
    for kind in LatencyKind::ROUND_TRIPS {
        let (metric, label) = (kind.name(), kind.about().label);
        let b: Vec<_> = base.iter().map(|(n, r)| run_values(n, r, kind, &mut notes)).collect();
        let nw: Vec<_> = new.iter().map(|(n, r)| run_values(n, r, kind, &mut notes)).collect();
        let (bn, nn) = (b.iter().flatten().count(), nw.iter().flatten().count());
        if bn < b.len() || nn < nw.len() || b.is_empty() || nw.is_empty() {
            if bn + nn > 0 {
                notes.push(format!(
                    "{label}: measured by {bn} of {} base and {nn} of {} new results; not compared",
                    b.len(),
                    nw.len()
                ));
            }
            continue;
        }
        for (s, (stat, _, _)) in STATS.into_iter().enumerate() {
            let pick = |v: &[Option<[f64; 5]>]| v.iter().flatten().map(|x| x[s]).collect();
            rows.push(row(metric, stat, Unit::Nanoseconds, pick(&b), pick(&nw), &method, opts));
        }
    }
    if !base.is_empty() && !new.is_empty() {
        let tput = |v: &[(String, RunResult)]| v.iter().map(|(_, r)| r.throughput.orders_per_s).collect();
        rows.push(row("throughput", "orders_per_s", Unit::PerSecond, tput(base), tput(new), &method, opts));
    }
    let mut failures: Vec<String> = rows
        .iter()
        .filter(|r| r.fails)
        .map(|r| format!("{} {} {}", r.metric, stat_label(r.stat), fmt_pct(r.delta_pct)))
        .collect();
    // A gate never passes on nothing.
    if opts.fail_if_worse.is_some() && !rows.iter().any(|r| r.metric == "ack") {
        failures.push("ack latency not measured by every result: nothing to compare".into());
    }
    Comparison {
        base: base.iter().map(|(n, _)| n.clone()).collect(),
        new: new.iter().map(|(n, _)| n.clone()).collect(),
        not_comparable,
        notes,
        method,
        rows,
        fail_if_worse: opts.fail_if_worse,
        failures,
    }
}

impl Comparison {
    /// True when a row exceeded `fail_if_worse` (see the module doc for the exact rule).
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// The text report: warnings first, then the method, the table and the failure rule.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "base: {}", self.base.join(", "));
        let _ = writeln!(out, "new:  {}", self.new.join(", "));
        if !self.not_comparable.is_empty() {
            let _ = writeln!(
                out,
                "\n!! NOT COMPARABLE: the two sides were not measured alike; the deltas may mean nothing"
            );
            for w in &self.not_comparable {
                let _ = writeln!(out, "!!   {w}");
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\nnotes:");
            for n in &self.notes {
                let _ = writeln!(out, "  - {n}");
            }
        }
        let _ = writeln!(out, "\n{}\n", self.method.description);
        let _ = writeln!(out, "  {:<24}{:>10} {:>10} {:>10} {:>9}  verdict", "", "base", "new", "delta", "delta %");
        let mut last = "";
        for r in &self.rows {
            if r.metric != last {
                last = r.metric;
                let label = LatencyKind::from_name(r.metric).map_or("throughput", |k| k.about().label);
                let _ = writeln!(out, "  {label}");
            }
            let f = |v: f64| fmt_value(v, r.unit, false);
            let mut verdict = r.verdict.text().to_string();
            if let Some(ci) = r.ci {
                let _ = write!(verdict, " [{}, {}]", fmt_value(ci.low, r.unit, true), fmt_value(ci.high, r.unit, true));
            }
            if r.fails {
                verdict.push_str("  FAIL");
            }
            let line = format!(
                "    {:<22}{:>10} {:>10} {:>10} {:>9}  {verdict}",
                stat_label(r.stat),
                f(r.base),
                f(r.new),
                fmt_value(r.delta, r.unit, true),
                fmt_pct(r.delta_pct),
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if let Some(limit) = self.fail_if_worse {
            let outcome = if self.failed() { format!("FAILED: {}", self.failures.join(", ")) } else { "passed".into() };
            let _ = writeln!(out, "\nfail if worse by more than {:.1}% (p50..p99.9): {outcome}", limit * 100.0);
        }
        out
    }
}

fn method(base_runs: usize, new_runs: usize, opts: &CompareOptions, notes: &mut Vec<String>) -> Method {
    let valid = opts.validate();
    let verdicts = base_runs >= 2 && new_runs >= 2 && valid.is_ok();
    let description = if verdicts {
        format!(
            "method: percentile bootstrap {}% confidence interval of the difference of medians (new - base)\n        \
             over the per-run values; {base_runs} base runs, {new_runs} new runs, {} resamples, seed {}.\n        \
             worse: the interval lies entirely above 0 (latency) or below 0 (throughput); better: entirely\n        \
             on the other side; otherwise no significant difference. Table values are medians over runs.",
            trim(format!("{:.4}", opts.confidence * 100.0)),
            opts.resamples,
            opts.seed
        )
    } else if let Err(why) = valid {
        format!("no verdict: {why}; deltas only")
    } else if base_runs == 1 && new_runs == 1 {
        "no verdict: none is possible from one run each; deltas only \
         (run each side several times, e.g. --runs 5, and compare the per-run files)"
            .to_string()
    } else {
        format!("no verdict: it needs at least 2 runs on each side ({base_runs} base, {new_runs} new); deltas only")
    };
    if verdicts && base_runs.min(new_runs) < 5 {
        notes.push("fewer than 5 runs on a side: the bootstrap interval tends to be too narrow".into());
    }
    Method {
        verdicts,
        description,
        base_runs,
        new_runs,
        confidence: opts.confidence,
        resamples: opts.resamples,
        seed: opts.seed,
    }
}

fn row(
    metric: &'static str,
    stat: &'static str,
    unit: Unit,
    base_runs: Vec<f64>,
    new_runs: Vec<f64>,
    method: &Method,
    opts: &CompareOptions,
) -> Row {
    let (base, new) = (median(&base_runs), median(&new_runs));
    let delta = new - base;
    let delta_pct = (base != 0.0).then(|| 100.0 * delta / base);
    let ci = method.verdicts.then(|| {
        let mut rng = Random::new(opts.seed ^ fnv1a(metric.as_bytes()) ^ fnv1a(stat.as_bytes()).rotate_left(1));
        bootstrap(&base_runs, &new_runs, opts.resamples, opts.confidence, &mut rng)
    });
    let verdict = match ci {
        None => Verdict::NoVerdict,
        Some(ci) => {
            let worse_if_up = unit == Unit::Nanoseconds;
            match (ci.low > 0.0, ci.high < 0.0) {
                (true, _) if worse_if_up => Verdict::Worse,
                (true, _) => Verdict::Better,
                (_, true) if worse_if_up => Verdict::Better,
                (_, true) => Verdict::Worse,
                _ => Verdict::NoSignificantDifference,
            }
        }
    };
    let fails = unit == Unit::Nanoseconds
        && stat != "max"
        && opts.fail_if_worse.is_some_and(|f| delta_pct.is_some_and(|p| p > 100.0 * f))
        && (!method.verdicts || verdict == Verdict::Worse);
    Row { metric, stat, unit, base_runs, new_runs, base, new, delta, delta_pct, verdict, ci, fails }
}

/// One run's table values (p50, p90, p99, p99.9, max) for `kind`, from its histogram
/// (from `latency_ns` when a histogram is absent or does not decode); None when it measured
/// nothing.
fn run_values(name: &str, r: &RunResult, kind: LatencyKind, notes: &mut Vec<String>) -> Option<[f64; 5]> {
    let (text, stats) = (&r.histograms[kind], r.latency_ns.get(kind));
    match decode_histogram(text) {
        Ok(h) if h.is_empty() => None,
        Ok(h) => Some(STATS.map(|(_, _, q)| q.map_or(h.max(), |q| h.value_at_quantile(q)) as f64)),
        Err(e) => {
            if !text.is_empty() {
                notes.push(format!("{name}: histograms.{} does not decode ({e}); using latency_ns", kind.name()));
            }
            stats.and_then(from_stats)
        }
    }
}

fn from_stats(s: &Stats) -> Option<[f64; 5]> {
    let v = [s.p50?, s.p90?, s.p99?, s.p99_9?, s.max?];
    (s.count > 0).then(|| v.map(|x| x as f64))
}

/// The flags of the module doc; adds to `notes` what is worth knowing but not disqualifying.
fn comparability(base: &[(String, RunResult)], new: &[(String, RunResult)], notes: &mut Vec<String>) -> Vec<String> {
    let all: Vec<(&str, &RunResult)> = base.iter().chain(new).map(|(n, r)| (n.as_str(), r)).collect();
    let section = |f: fn(&RunResult) -> Value| all.iter().map(|(n, r)| (*n, f(r))).collect::<Vec<_>>();
    let config = section(|r| serde_json::to_value(&r.config).unwrap_or(Value::Null));
    let host = section(|r| serde_json::to_value(&r.host).unwrap_or(Value::Null));
    let tool = section(|r| serde_json::to_value(&r.tool).unwrap_or(Value::Null));
    let mut flags = differences("tool", &tool, &[]);
    flags.extend(differences("config", &config, &["target", "sender_comp_id", "target_comp_id", "clordid_prefix"]));
    flags.extend(differences("host", &host, &["tsc_hz"]));
    let tsc: Vec<Option<u64>> = all.iter().map(|(_, r)| r.host.tsc_hz).collect();
    let (lo, hi) = (tsc.iter().flatten().min(), tsc.iter().flatten().max());
    let spread = matches!((lo, hi), (Some(&lo), Some(&hi)) if hi as f64 > lo as f64 * 1.01);
    if spread || (tsc.iter().any(Option::is_none) && tsc.iter().any(Option::is_some)) {
        let v: Vec<String> = all
            .iter()
            .map(|(n, r)| format!("{n} {}", r.host.tsc_hz.map_or("null".into(), |t| t.to_string())))
            .collect();
        flags.push(format!("host.tsc_hz differs by more than 1%: {}", v.join(", ")));
    }
    // The built-in gateway listens on a fresh port each run: its target says nothing.
    if !all.iter().all(|(_, r)| r.config.builtin_gateway) {
        notes.extend(differences("config", &config, &[]).into_iter().filter(|d| d.starts_with("config.target:")));
    }
    for (n, r) in &all {
        let s = &r.status;
        if !s.completed {
            let why = match (&s.failure, s.interrupted) {
                (Some(f), _) => f.clone(),
                (None, true) => "interrupted".into(),
                (None, false) => "it never started measuring".into(),
            };
            flags.push(format!("{n} did not complete: {why}"));
        }
        if !s.sessions_lost.is_empty() {
            notes.push(format!("{n}: sessions lost: {}", s.sessions_lost.join("; ")));
        }
        if r.errors.total > 0 {
            let kinds: Vec<String> =
                r.errors.by_kind.iter().filter(|&(_, &c)| c > 0).map(|(k, c)| format!("{k} {c}")).collect();
            notes.push(format!("{n}: {} errors ({})", r.errors.total, kinds.join(", ")));
        }
        if let (Some(false), Some(target)) = (r.throughput.rate_achieved, r.throughput.target_orders_per_s) {
            let sent = r.throughput.orders_per_s;
            notes.push(format!("{n}: the target rate was not achieved ({sent:.0} of {target:.0} orders/s)"));
        }
        if let Some(runs) = &r.runs {
            notes.push(format!("{n} combines {} runs; pass the per-run files for a verdict", runs.count));
        }
    }
    flags
}

/// Fields of `section` whose values differ between runs, each with who has which value,
/// e.g. `config.sessions: 1 (a.json, b.json) vs 4 (c.json)`.
fn differences(section: &str, runs: &[(&str, Value)], skip: &[&str]) -> Vec<String> {
    let mut keys: Vec<&String> = runs.iter().filter_map(|(_, v)| v.as_object()).flat_map(|o| o.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys.into_iter().filter(|k| !skip.contains(&k.as_str())) {
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for (name, v) in runs {
            let value = v.get(key.as_str()).map_or("absent".to_string(), Value::to_string);
            match groups.iter_mut().find(|g| g.0 == value) {
                Some(g) => g.1.push(name),
                None => groups.push((value, vec![name])),
            }
        }
        if groups.len() > 1 {
            let parts: Vec<String> = groups.iter().map(|(v, names)| format!("{v} ({})", names.join(", "))).collect();
            out.push(format!("{section}.{key}: {}", parts.join(" vs ")));
        }
    }
    out
}

/// Percentile-bootstrap interval of median(new) − median(base) at `confidence`.
fn bootstrap(base: &[f64], new: &[f64], resamples: usize, confidence: f64, rng: &mut Random) -> Ci {
    let (mut b, mut n) = (vec![0.0; base.len()], vec![0.0; new.len()]);
    let mut diffs: Vec<f64> = (0..resamples.max(1))
        .map(|_| {
            b.iter_mut().for_each(|x| *x = base[rng.below(base.len())]);
            n.iter_mut().for_each(|x| *x = new[rng.below(new.len())]);
            median_in_place(&mut n) - median_in_place(&mut b)
        })
        .collect();
    diffs.sort_unstable_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let last = diffs.len() - 1;
    let lo = ((tail * diffs.len() as f64).floor() as usize).min(last);
    let hi = (((1.0 - tail) * diffs.len() as f64).ceil() as usize).saturating_sub(1).min(last);
    Ci { low: diffs[lo], high: diffs[hi] }
}

fn median(v: &[f64]) -> f64 {
    median_in_place(&mut v.to_vec())
}

/// The median (mean of the middle two for an even count); 0 for nothing.
fn median_in_place(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn stat_label(stat: &str) -> &str {
    STATS.iter().find(|s| s.0 == stat).map_or(if stat == "orders_per_s" { "orders/s" } else { stat }, |s| s.1)
}

/// `95.0000` → `95`, `97.5000` → `97.5`.
fn trim(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map_or("-".into(), |p| format!("{p:+.1}%"))
}

/// A latency (`fmt_ns`) or a rate (`12.3k/s`); `signed` puts + or − in front.
fn fmt_value(v: f64, unit: Unit, signed: bool) -> String {
    let a = v.abs();
    let body = match unit {
        Unit::Nanoseconds => fmt_ns(a.round() as u64),
        Unit::PerSecond => {
            let (x, suffix) = if a >= 1e6 {
                (a / 1e6, "M/s")
            } else if a >= 1e3 {
                (a / 1e3, "k/s")
            } else {
                (a, "/s")
            };
            let digits = if x >= 100.0 {
                0
            } else if x >= 10.0 {
                1
            } else {
                2
            };
            format!("{x:.digits$}{suffix}")
        }
    };
    // No sign on a value that prints as zero.
    let sign = match (signed && body.bytes().any(|b| (b'1'..=b'9').contains(&b)), v < 0.0) {
        (false, _) => "",
        (true, true) => "-",
        (true, false) => "+",
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::tests::sample;

    fn side(name: &str, runs: Vec<RunResult>) -> Vec<(String, RunResult)> {
        runs.into_iter().enumerate().map(|(i, r)| (format!("{name}{i}.json"), r)).collect()
    }

    fn values(scale: f64, jitter: u64) -> Vec<u64> {
        (1..=2000u64).map(|i| ((10_000 + i * 10) as f64 * scale) as u64 + jitter).collect()
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_a_clear_shift() {
        let (b, n) = ([100.0, 101.0, 99.0, 100.5, 100.2], [150.0, 151.0, 149.0, 150.3, 150.1]);
        let ci = bootstrap(&b, &n, 2000, 0.95, &mut Random::new(7));
        assert_eq!(ci, bootstrap(&b, &n, 2000, 0.95, &mut Random::new(7)));
        assert!(ci.low > 45.0 && ci.high < 55.0, "{ci:?}");
        let ci = bootstrap(&b, &b, 2000, 0.95, &mut Random::new(7));
        assert!(ci.low <= 0.0 && ci.high >= 0.0, "{ci:?}");
    }

    #[test]
    fn one_run_each_gives_deltas_without_verdict() {
        let c = compare(
            &side("a", vec![sample(&values(1.0, 0), 1)]),
            &side("b", vec![sample(&values(1.5, 0), 1)]),
            &CompareOptions { fail_if_worse: Some(0.05), ..CompareOptions::default() },
        );
        assert!(!c.method.verdicts);
        assert!(c.rows.iter().all(|r| r.verdict == Verdict::NoVerdict && r.ci.is_none()));
        let p50 = &c.rows[0];
        assert_eq!((p50.metric, p50.stat), ("ack", "p50"));
        assert!((p50.delta_pct.unwrap_or(0.0) - 50.0).abs() < 1.0, "{p50:?}");
        assert!(c.failed());
        let text = c.render();
        assert!(text.contains("no verdict: none is possible from one run each"), "{text}");
        assert!(text.contains("FAILED: ack p50 +"), "{text}");
    }

    #[test]
    fn several_runs_judge_slower_worse_and_equal_not_different() {
        let runs = |scale: f64| (0..5).map(|k| sample(&values(scale, k * 7), 1)).collect::<Vec<_>>();
        let opts = CompareOptions { fail_if_worse: Some(0.05), ..CompareOptions::default() };
        let c = compare(&side("a", runs(1.0)), &side("b", runs(1.5)), &opts);
        let lat = |c: &Comparison| c.rows.iter().filter(|r| r.unit == Unit::Nanoseconds).cloned().collect::<Vec<_>>();
        assert!(lat(&c).iter().all(|r| r.verdict == Verdict::Worse), "{}", c.render());
        assert!(c.failed());
        let c = compare(&side("a", runs(1.0)), &side("b", runs(1.0)), &opts);
        assert!(c.rows.iter().all(|r| r.verdict == Verdict::NoSignificantDifference), "{}", c.render());
        assert!(!c.failed());
        assert!(c.render().contains("95% confidence"), "{}", c.render());
    }

    #[test]
    fn differences_are_flagged_with_who_has_what() {
        let external = || {
            let mut r = sample(&values(1.0, 0), 1);
            (r.config.builtin_gateway, r.config.gateway_backend) = (false, None);
            r
        };
        let mut b = external();
        b.config.sessions = 4;
        b.config.target = "10.0.0.2:9878".into();
        b.host.tsc_hz = Some(3_001_000_000); // within 1%: calibration noise
        let c = compare(&side("a", vec![external()]), &side("b", vec![b]), &Default::default());
        assert_eq!(c.not_comparable, vec!["config.sessions: 1 (a0.json) vs 4 (b0.json)".to_string()]);
        assert!(c.notes.iter().any(|n| n.starts_with("config.target:")), "{:?}", c.notes);
        assert!(c.render().contains("!! NOT COMPARABLE"));

        let mut b = external();
        b.host.tsc_hz = Some(2_000_000_000);
        let c = compare(&side("a", vec![external()]), &side("b", vec![b]), &Default::default());
        assert_eq!(c.not_comparable.len(), 1);
        assert!(c.not_comparable[0].starts_with("host.tsc_hz differs by more than 1%"), "{:?}", c.not_comparable);

        let mut b = external();
        b.config.fix_version = "4.4".into();
        let c = compare(&side("a", vec![external()]), &side("b", vec![b]), &Default::default());
        assert_eq!(c.not_comparable, vec!["config.fix_version: \"4.2\" (a0.json) vs \"4.4\" (b0.json)".to_string()]);
    }

    #[test]
    fn a_gate_does_not_pass_on_nothing() {
        let mut none = sample(&[], 1);
        none.status.completed = false;
        let c = compare(
            &side("a", vec![sample(&values(1.0, 0), 1)]),
            &side("b", vec![none]),
            &CompareOptions { fail_if_worse: Some(0.05), ..CompareOptions::default() },
        );
        assert!(c.failed(), "{}", c.render());
        assert!(c.notes.iter().any(|n| n.starts_with("ack (intended send): measured by 1 of 1 base and 0 of 1 new")));
        assert!(c.not_comparable.iter().any(|n| n == "b0.json did not complete: it never started measuring"));
    }

    #[test]
    fn rates_and_negative_deltas_format() {
        assert_eq!(fmt_value(12_345.0, Unit::PerSecond, false), "12.3k/s");
        assert_eq!(fmt_value(-1_500.0, Unit::Nanoseconds, true), "-1.50us");
        assert_eq!(fmt_value(0.0, Unit::Nanoseconds, true), "0ns");
        assert_eq!(fmt_value(-0.001, Unit::PerSecond, true), "0.00/s");
    }
}
