//! `fixblast merge`: one result from the results of several processes or hosts that ran at
//! the same time against the same gateway. Owns what may be merged and how each field
//! combines. Latency is merged losslessly by adding the HdrHistograms and recomputing the
//! statistics from the sum; it never averages percentiles.
//!
//! Field by field:
//! - `histograms`: decoded and added; counts are exact, max is the max of the maxima.
//! - `latency_ns`, `schedule_lag_ns`: recomputed from the merged histograms ([`Stats::of`]).
//!   `fill` is null when nothing was filled; `cancel`/`replace` are present when the inputs
//!   have them.
//! - `orders`, `messages`, `errors` (total and each `by_kind`): summed.
//! - `throughput`: `orders_per_s`, `acks_per_s` and `target_orders_per_s` summed (the
//!   processes ran concurrently); `rate_achieved` true only if every input achieved its rate
//!   (null if any input has null); `duration_s` the longest.
//! - `intervals`: matched by `t_s` (seconds after each process's own warm-up ended: start the
//!   processes together, e.g. with `--start-at`). Rates, `errors`, `in_flight` and `ack.count`
//!   summed, `ack.max` the max of the maxima, `target_per_s` summed over the inputs that have
//!   it. `ack.p50` and `ack.p99` are **null**: the result file keeps no per-interval
//!   histogram, and percentiles cannot be combined exactly from percentiles.
//! - `status`: completed only if all completed; interrupted if any was; each `failure` and
//!   `sessions_lost` entry prefixed with its source's name; started at the earliest start.
//! - `config`: the first input's, with `sessions` and `threads` summed, `cores` concatenated in
//!   input order, and `target` replaced by
//!   `merged from N results: a.json (target HOST:PORT), b.json (target HOST:PORT)`, followed by
//!   `; host block from a.json, hosts differ` when they do. That is where the sources are
//!   recorded.
//! - `host`, `tool`, `schema_version`: the first input's.
//! - `sla`: empty (thresholds were checked per input; check them again on the merged result).
//! - `runs`: null (run-to-run variation of different processes does not combine).
//! - `wire` (`--wire-timestamps`): only when every input has it (and its histograms), else
//!   absent with the wire kinds of `latency_ns`. Counts summed, `mode` the inputs' (or
//!   `mixed`), the clock figures the worst input's, `client_split` only if every input's
//!   stood; `latency_ns.wire`, `client_out` and `client_in` from the merged
//!   `histograms.wire`, `client_out` and `client_in`.
//!
//! Refused, naming the file: a different `schema_version`, `tool.name` or `tool.version`, or a
//! difference in what shapes the latency: `config.fix_version`, `config.template`, `config.orders`,
//! `config.orders_rows`, `config.mix`, `config.profile`, `config.rate`, `config.closed_loop.window`.
//! Refused too, naming both: one run given twice under two names ([`same_run`]), which would
//! double every count.

use super::json::*;
use crate::metrics::{Histograms, LatencyKind};
use std::collections::BTreeMap;

/// Merges `results`, each with the name used in errors and in `config.target` (its path).
/// Why results cannot be merged. Each message names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: no result files given")]
    Nothing,
    /// The results measured different things.
    #[error(
        "{name}: {field} is {got} but {first} has {want}; merge needs the same schema_version, tool name and \
         version, FIX version, template, orders feed, mix, profile, rate and closed-loop window"
    )]
    Differ { name: String, field: &'static str, got: String, first: String, want: String },
    #[error("{name}: histograms.{field} does not decode: {reason}")]
    BadHistogram { name: String, field: &'static str, reason: String },
    #[error("{name}: histograms.{field} does not fit 1 ns..60 s: {reason}")]
    OutOfBounds { name: String, field: &'static str, reason: String },
    #[error("{name}: config.sessions or config.threads overflows when summed")]
    Overflow { name: String },
    /// One run given twice under two names: merged, every count would double.
    #[error(
        "{name}: the same run as {first} (same start time, tool, config, orders and histograms); give each \
         result once: merging one twice would count it twice"
    )]
    SameRun { name: String, first: String },
}

pub fn merge(results: &[(String, RunResult)]) -> Result<RunResult, MergeError> {
    let Some(((first_name, first), _)) = results.split_first() else {
        return Err(MergeError::Nothing);
    };
    for (name, r) in results {
        check_mergeable(first_name, first, name, r)?;
    }
    refuse_same_run(results)?;
    let mut sum = Sums::default();
    for (name, r) in results {
        sum.add(name, r)?;
    }
    let wire = merge_wire(results);
    if wire.is_none() {
        // Stamps of some of the inputs only: kept, they would pass for all of them.
        for k in LatencyKind::WIRE {
            sum.hist[k].reset();
        }
    }
    let h = &sum.hist;

    Ok(RunResult {
        schema_version: first.schema_version,
        tool: first.tool.clone(),
        status: merge_status(results),
        config: merge_config(results)?,
        host: first.host.clone(),
        orders: sum.orders,
        messages: sum.messages,
        errors: sum.errors,
        throughput: merge_throughput(results),
        // Fill when anything was filled; the wire split as merge_wire says; the others when
        // any input measured them.
        latency_ns: Latency::of(h, |k| match k {
            LatencyKind::Fill => !h[k].is_empty(),
            LatencyKind::Wire => wire.is_some(),
            LatencyKind::ClientOut | LatencyKind::ClientIn => wire.as_ref().is_some_and(|w| w.client_split),
            k => results.iter().any(|(_, r)| r.latency_ns[k].is_some()),
        }),
        schedule_lag_ns: Lag::of(&h[LatencyKind::ScheduleLag]),
        harness: Harness::of(h, |k| !h[k].is_empty()),
        intervals: merge_intervals(results),
        histograms: EncodedHistograms::of(h),
        sla: Vec::new(),
        runs: None,
        reconnects: merge_reconnects(results),
        wire,
        // Each gateway measured its own process's run: no histogram to combine them by.
        gateway: None,
    })
}

/// The `wire` section when every input has one (`--wire-timestamps`), else none: a split of
/// some of the processes would pass for all of them. Counts add up; the clock figures are
/// the worst input's (each process calibrated its own clock); the client split stands only
/// if it stood in every input.
fn merge_wire(results: &[(String, RunResult)]) -> Option<Wire> {
    // A file from before the wire histograms were kept has the section but nothing to add.
    let kept = |r: &RunResult| {
        !r.histograms[LatencyKind::Wire].is_empty()
            || r.latency_ns[LatencyKind::Wire].as_ref().is_none_or(|s| s.count == 0)
    };
    let all: Vec<&Wire> = results.iter().map(|(_, r)| r.wire.as_ref().filter(|_| kept(r))).collect::<Option<_>>()?;
    let worst = |f: fn(&Wire) -> i64| all.iter().map(|w| f(w)).max_by_key(|v| v.unsigned_abs()).unwrap_or(0);
    let first = all.first()?;
    Some(Wire {
        mode: if all.iter().all(|w| w.mode == first.mode) { first.mode.clone() } else { "mixed".into() },
        clock_offset_ns: worst(|w| w.clock_offset_ns),
        clock_width_ns: all.iter().map(|w| w.clock_width_ns).max().unwrap_or(0),
        drift_ns: worst(|w| w.drift_ns),
        drift_bound_ns: all.iter().map(|w| w.drift_bound_ns).min().unwrap_or(0),
        client_split: all.iter().all(|w| w.client_split),
        unstamped: all.iter().map(|w| w.unstamped).sum(),
        anomalies: all.iter().map(|w| w.anomalies).sum(),
        client_anomalies: all.iter().map(|w| w.client_anomalies).sum(),
        shared_reads: all.iter().map(|w| w.shared_reads).sum(),
    })
}

/// Every input's gaps, each session named after its file; `None` when no input reconnected.
fn merge_reconnects(results: &[(String, RunResult)]) -> Option<Reconnects> {
    let mut all: Option<Reconnects> = None;
    for (name, r) in results {
        let Some(rc) = &r.reconnects else { continue };
        let m = all.get_or_insert_with(Reconnects::default);
        m.gaps.extend(rc.gaps.iter().map(|g| ReconnectGap { session: format!("{name}: {}", g.session), ..g.clone() }));
    }
    all.map(|m| Reconnects::of(m.gaps))
}

/// Whether `a` and `b` are one run, under two names or copied: the same start time, tool,
/// config, order counts and histograms. Processes started together (`--start-at`) share a
/// start time and may share a config, but never their counts and histograms as well.
pub fn same_run(a: &RunResult, b: &RunResult) -> bool {
    a.status.started_at_unix_s == b.status.started_at_unix_s
        && a.tool == b.tool
        && a.config == b.config
        && a.orders == b.orders
        && a.histograms == b.histograms
}

/// Refuses a run given twice, naming both names.
fn refuse_same_run(results: &[(String, RunResult)]) -> Result<(), MergeError> {
    for (j, (name, r)) in results.iter().enumerate() {
        if let Some((first, _)) = results[..j].iter().find(|(_, earlier)| same_run(earlier, r)) {
            return Err(MergeError::SameRun { name: name.clone(), first: first.clone() });
        }
    }
    Ok(())
}

/// Refuses `r` unless it matches `first` in schema, tool and the latency-shaping config.
fn check_mergeable(first_name: &str, first: &RunResult, name: &str, r: &RunResult) -> Result<(), MergeError> {
    let (a, b) = (&first.config, &r.config);
    let opt = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let window = |c: &Config| opt(c.closed_loop.as_ref().map(|c| c.window.to_string()));
    let checks: [(&'static str, String, String); 11] = [
        ("schema_version", first.schema_version.to_string(), r.schema_version.to_string()),
        ("tool.name", first.tool.name.clone(), r.tool.name.clone()),
        ("tool.version", first.tool.version.clone(), r.tool.version.clone()),
        ("config.fix_version", a.fix_version.clone(), b.fix_version.clone()),
        ("config.template", a.template.clone(), b.template.clone()),
        ("config.orders", opt(a.orders.clone()), opt(b.orders.clone())),
        ("config.orders_rows", a.orders_rows.to_string(), b.orders_rows.to_string()),
        ("config.mix", a.mix.clone(), b.mix.clone()),
        ("config.profile", a.profile.clone(), b.profile.clone()),
        ("config.rate", opt(a.rate.map(|r| r.to_string())), opt(b.rate.map(|r| r.to_string()))),
        ("config.closed_loop.window", window(a), window(b)),
    ];
    for (field, want, got) in checks {
        if want != got {
            return Err(MergeError::Differ { name: name.into(), field, got, first: first_name.into(), want });
        }
    }
    Ok(())
}

/// The merged histograms and counters.
struct Sums {
    hist: Histograms,
    orders: Orders,
    messages: Messages,
    errors: Errors,
}

impl Default for Sums {
    fn default() -> Sums {
        let zero = MessageCounts { sent: 0, answered: 0, rejected: 0 };
        Sums {
            hist: Histograms::default(),
            orders: Orders {
                sent: 0,
                not_sent: 0,
                acked: 0,
                filled: 0,
                rejected: 0,
                timed_out: 0,
                unmatched: 0,
                missing_replies: 0,
                late: 0,
            },
            messages: Messages {
                new: zero.clone(),
                cancel: zero.clone(),
                replace: zero,
                substituted: 0,
                resend_requests: 0,
            },
            errors: Errors { total: 0, by_kind: BTreeMap::new(), first_session_reject: None },
        }
    }
}

impl Sums {
    fn add(&mut self, name: &str, r: &RunResult) -> Result<(), MergeError> {
        for k in LatencyKind::KEPT {
            let (field, text, into) = (k.name(), &r.histograms[k], &mut self.hist[k]);
            // Files from before cancel/replace existed have none: nothing to add.
            if text.is_empty() {
                continue;
            }
            let one = decode_histogram(text).map_err(|reason| MergeError::BadHistogram {
                name: name.into(),
                field,
                reason,
            })?;
            into.add(&one).map_err(|e| MergeError::OutOfBounds {
                name: name.into(),
                field,
                reason: format!("{e:?}"),
            })?;
        }
        let (o, m, e) = (&mut self.orders, &mut self.messages, &mut self.errors);
        let ro = &r.orders;
        o.sent += ro.sent;
        o.not_sent += ro.not_sent;
        o.acked += ro.acked;
        o.filled += ro.filled;
        o.rejected += ro.rejected;
        o.timed_out += ro.timed_out;
        o.unmatched += ro.unmatched;
        o.missing_replies += ro.missing_replies;
        o.late += ro.late;
        for (into, from) in
            [(&mut m.new, &r.messages.new), (&mut m.cancel, &r.messages.cancel), (&mut m.replace, &r.messages.replace)]
        {
            into.sent += from.sent;
            into.answered += from.answered;
            into.rejected += from.rejected;
        }
        m.substituted += r.messages.substituted;
        m.resend_requests += r.messages.resend_requests;
        e.total += r.errors.total;
        if e.first_session_reject.is_none() {
            e.first_session_reject = r.errors.first_session_reject.as_ref().map(|t| format!("{name}: {t}"));
        }
        for (kind, n) in &r.errors.by_kind {
            *e.by_kind.entry(kind.clone()).or_default() += n;
        }
        Ok(())
    }
}

fn merge_status(results: &[(String, RunResult)]) -> Status {
    let failures: Vec<String> =
        results.iter().filter_map(|(n, r)| r.status.failure.as_ref().map(|f| format!("{n}: {f}"))).collect();
    let starts = results.iter().filter_map(|(_, r)| r.status.started_at_unix_s).filter(|&s| s > 0.0);
    Status {
        completed: results.iter().all(|(_, r)| r.status.completed),
        interrupted: results.iter().any(|(_, r)| r.status.interrupted),
        failure: (!failures.is_empty()).then(|| failures.join("; ")),
        sessions_lost: results
            .iter()
            .flat_map(|(n, r)| r.status.sessions_lost.iter().map(move |s| format!("{n}: {s}")))
            .collect(),
        // 0 means "never started" in a run's result; keep it only when no input started.
        started_at_unix_s: starts.reduce(f64::min),
        start_at_unix_s: results.iter().filter_map(|(_, r)| r.status.start_at_unix_s).reduce(f64::min),
        first_sent_at_unix_s: results.iter().filter_map(|(_, r)| r.status.first_sent_at_unix_s).reduce(f64::min),
        start_spread_s: start_range(results).map(|((_, first), (_, last))| last - first),
        clock_sync: results
            .iter()
            .filter_map(|(_, r)| r.status.clock_sync.clone())
            .max_by_key(|c| (!c.synchronized, c.max_error_us)),
    }
}

/// An input's name and when it really started (UTC Unix seconds).
type Start<'a> = (&'a str, f64);

/// The input that really started first and the one that started last, each named, with
/// when: its first send, or, for inputs from before that field (or one that sent nothing),
/// when its schedule began. `None` when no input started.
fn start_range(results: &[(String, RunResult)]) -> Option<(Start<'_>, Start<'_>)> {
    let started = results.iter().filter_map(|(n, r)| {
        let start = r.status.first_sent_at_unix_s.or(r.status.started_at_unix_s.filter(|&s| s > 0.0));
        start.map(|s| (n.as_str(), s))
    });
    let first = started.clone().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let last = started.max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some((first, last))
}

/// What `merge` warns of, without refusing: inputs whose start times disagree by more than
/// the warm-up (their measurements cover different stretches of the gateway's time, and
/// with `--start-at` it means their clocks disagree), and inputs whose clock was not
/// synchronized when they ran.
pub fn warnings(results: &[(String, RunResult)]) -> Vec<String> {
    let mut out = Vec::new();
    let warmup = results.iter().map(|(_, r)| r.config.warmup_s).fold(f64::INFINITY, f64::min);
    if let Some(((a, t0), (b, t1))) = start_range(results)
        && t1 - t0 > warmup
    {
        out.push(format!(
            "the inputs started {:.3}s apart ({a} first, {b} last), more than the {warmup}s warm-up: they measured \
             different stretches of time; with --start-at, their hosts' clocks disagree (see status.clock_sync)",
            t1 - t0
        ));
    }
    for (n, r) in results {
        if let Some(c) = r.status.clock_sync.as_ref().filter(|c| !c.synchronized) {
            out.push(format!("{n}: its host's clock was {} when it ran: --start-at rests on it", c.describe()));
        }
    }
    out
}

fn merge_config(results: &[(String, RunResult)]) -> Result<Config, MergeError> {
    let (first_name, first) = &results[0];
    let mut c = first.config.clone();
    c.sessions = 0;
    c.threads = 0;
    c.cores.clear();
    for (name, r) in results {
        let overflow = || MergeError::Overflow { name: name.clone() };
        c.sessions = c.sessions.checked_add(r.config.sessions).ok_or_else(overflow)?;
        c.threads = c.threads.checked_add(r.config.threads).ok_or_else(overflow)?;
        c.cores.extend_from_slice(&r.config.cores);
    }
    let sources: Vec<String> = results.iter().map(|(n, r)| format!("{n} (target {})", r.config.target)).collect();
    c.target = format!("merged from {} results: {}", results.len(), sources.join(", "));
    if results.iter().any(|(_, r)| r.host != first.host) {
        c.target.push_str(&format!("; host block from {first_name}, hosts differ"));
    }
    Ok(c)
}

fn merge_throughput(results: &[(String, RunResult)]) -> Throughput {
    let all = |f: fn(&Throughput) -> Option<f64>| results.iter().map(|(_, r)| f(&r.throughput)).sum::<Option<f64>>();
    let achieved = results.iter().map(|(_, r)| r.throughput.rate_achieved).collect::<Option<Vec<bool>>>();
    Throughput {
        orders_per_s: results.iter().map(|(_, r)| r.throughput.orders_per_s).sum(),
        acks_per_s: results.iter().map(|(_, r)| r.throughput.acks_per_s).sum(),
        target_orders_per_s: all(|t| t.target_orders_per_s),
        rate_achieved: achieved.map(|a| a.iter().all(|&x| x)),
        duration_s: results.iter().map(|(_, r)| r.throughput.duration_s).fold(0.0, f64::max),
    }
}

/// Intervals matched by `t_s` (to the microsecond); see the module doc for each field.
fn merge_intervals(results: &[(String, RunResult)]) -> Vec<Interval> {
    let mut by_t: BTreeMap<i64, Interval> = BTreeMap::new();
    for (_, r) in results {
        for i in &r.intervals {
            let key = (i.t_s * 1e6).round() as i64;
            let m = by_t.entry(key).or_insert_with(|| Interval {
                t_s: i.t_s,
                // Intervals that end at the same time in every file are as long in each.
                length_s: i.length_s,
                orders_per_s: 0.0,
                target_per_s: None,
                ack: IntervalAck { count: 0, p50: None, p99: None, max: None },
                errors: 0,
                in_flight: 0,
            });
            m.orders_per_s += i.orders_per_s;
            m.target_per_s = match (m.target_per_s, i.target_per_s) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            m.ack.count += i.ack.count;
            m.ack.max = m.ack.max.max(i.ack.max);
            m.errors += i.errors;
            m.in_flight += i.in_flight;
        }
    }
    by_t.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::tests::sample;

    /// Each its own name and, as separate runs have, its own start time.
    fn named(rs: Vec<RunResult>) -> Vec<(String, RunResult)> {
        rs.into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.status.started_at_unix_s = r.status.started_at_unix_s.map(|s| s + i as f64);
                (format!("r{i}.json"), r)
            })
            .collect()
    }

    #[test]
    fn the_start_spread_is_recorded_and_warned_of_beyond_the_warm_up() {
        use crate::host::clock_sync::ClockSync;
        let kept = |max_error_us| ClockSync { synchronized: true, state: "ok".into(), max_error_us, est_error_us: 1 };
        let mut rs = named(vec![sample(&[100], 1), sample(&[200], 1), sample(&[300], 1)]);
        for (i, (_, r)) in rs.iter_mut().enumerate() {
            r.config.warmup_s = 2.0;
            r.status.start_at_unix_s = Some(1.7e9);
            r.status.started_at_unix_s = Some(1.7e9);
            r.status.first_sent_at_unix_s = Some(1.7e9 + [0.004, 0.001, 0.003][i]);
            r.status.clock_sync = Some(kept(100 * (i as i64 + 1)));
        }
        let m = merge(&rs).unwrap();
        assert!((m.status.start_spread_s.unwrap() - 0.003).abs() < 1e-6, "{:?}", m.status.start_spread_s);
        assert_eq!(m.status.first_sent_at_unix_s, Some(1.7e9 + 0.001));
        assert_eq!(m.status.start_at_unix_s, Some(1.7e9));
        // The least well kept clock stands for them all.
        assert_eq!(m.status.clock_sync.as_ref().map(|c| c.max_error_us), Some(300));
        assert_eq!(warnings(&rs), Vec::<String>::new(), "within the warm-up, synchronized");
        // One host 2.5 s late, and one with an unsynchronized clock: two warnings.
        rs[2].1.status.first_sent_at_unix_s = Some(1.7e9 + 2.5);
        rs[1].1.status.clock_sync = Some(ClockSync { synchronized: false, state: "unsynchronized".into(), ..kept(1) });
        let w = warnings(&rs);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("the inputs started 2.499s apart (r1.json first, r2.json last), more than the 2s"),
            "{}",
            w[0]
        );
        assert!(w[1].starts_with("r1.json: its host's clock was NOT synchronized"), "{}", w[1]);
        assert!(!merge(&rs).unwrap().status.clock_sync.unwrap().synchronized, "an unsynchronized input shows");
    }

    #[test]
    fn one_run_given_twice_is_refused_naming_both() {
        let a = sample(&[1_000, 2_000], 2);
        let e = merge(&[("a.json".into(), a.clone()), ("copy.json".into(), a.clone())]).expect_err("refused");
        assert!(e.to_string().starts_with("copy.json: the same run as a.json"), "{e}");
        // Started together with the same config, but measured apart: merged.
        let b = sample(&[1_000, 3_000], 2);
        assert!(merge(&[("a.json".into(), a), ("b.json".into(), b)]).is_ok());
    }

    #[test]
    fn counts_add_exactly_and_stats_come_from_the_summed_histogram() {
        let a: Vec<u64> = (1..=1000).map(|i| i * 1_000).collect();
        let b: Vec<u64> = (1..=3000).map(|i| i * 777 + 13).collect();
        let m = merge(&named(vec![sample(&a, 3), sample(&b, 5)])).expect("merges");
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        let want = sample(&all, 1);
        assert_eq!(m.latency_ns.ack(), want.latency_ns.ack());
        assert_eq!(m.latency_ns.ack().count, 4000);
        assert_eq!(m.orders.sent, 4000);
        assert_eq!(m.messages.new.answered, 4000);
        assert_eq!(decode_histogram(&m.histograms[LatencyKind::Ack]).expect("decodes").len(), 4000);
        assert_eq!(m.latency_ns.ack().max, sample(&a, 1).latency_ns.ack().max.max(sample(&b, 1).latency_ns.ack().max));
    }

    #[test]
    fn intervals_match_by_time_and_percentiles_become_null() {
        let m = merge(&named(vec![sample(&[1_000], 2), sample(&[1_000], 3)])).expect("merges");
        assert_eq!(m.intervals.len(), 3);
        let i = &m.intervals[1];
        assert_eq!((i.t_s, i.ack.count, i.orders_per_s, i.in_flight), (2.0, 20, 20.0, 2));
        assert_eq!((i.ack.p50, i.ack.p99, i.ack.max), (None, None, Some(301)));
        assert_eq!(m.intervals[2].ack.count, 10);
    }

    #[test]
    fn config_sums_sessions_and_records_the_sources() {
        let mut b = sample(&[1_000], 1);
        b.config.sessions = 3;
        b.status.completed = false;
        b.status.failure = Some("logon refused".into());
        b.host.kernel = Some("5.15".into());
        let m = merge(&named(vec![sample(&[1_000], 1), b])).expect("merges");
        assert_eq!((m.config.sessions, m.config.threads, m.config.cores.len()), (4, 2, 2));
        assert_eq!(
            m.config.target,
            "merged from 2 results: r0.json (target 127.0.0.1:9878), r1.json (target 127.0.0.1:9878); \
             host block from r0.json, hosts differ"
        );
        assert!(!m.status.completed);
        assert_eq!(m.status.failure.as_deref(), Some("r1.json: logon refused"));
        assert_eq!(m.throughput.orders_per_s, 2.0);
    }

    #[test]
    fn latency_shaping_differences_are_refused_naming_the_file() {
        let mut b = sample(&[1_000], 1);
        b.config.mix = "new=90,cancel=10".into();
        let e = merge(&named(vec![sample(&[1_000], 1), b])).expect_err("refused");
        assert!(e.to_string().starts_with("r1.json: config.mix is new=90,cancel=10 but r0.json has new=100"), "{e}");
        let mut b = sample(&[1_000], 1);
        b.tool.version = "0.2.0".into();
        let e = merge(&named(vec![sample(&[1_000], 1), b])).expect_err("refused");
        assert!(e.to_string().starts_with("r1.json: tool.version is 0.2.0"), "{e}");
        let mut b = sample(&[1_000], 1);
        b.config.rate = None;
        let e = merge(&named(vec![sample(&[1_000], 1), b])).expect_err("refused");
        assert!(e.to_string().starts_with("r1.json: config.rate is none but r0.json has 10000"), "{e}");
        let mut b = sample(&[1_000], 1);
        b.config.fix_version = "4.4".into();
        let e = merge(&named(vec![sample(&[1_000], 1), b])).expect_err("refused");
        assert!(e.to_string().starts_with("r1.json: config.fix_version is 4.4 but r0.json has 4.2"), "{e}");
        assert!(merge(&[]).is_err());
    }

    /// `sample(acks)` with a wire split of `wire` (ns), as `--wire-timestamps` writes it.
    fn with_wire(acks: &[u64], wire: &[u64], client_split: bool, drift_ns: i64) -> RunResult {
        let mut r = sample(acks, 1);
        let mut h = crate::metrics::histogram();
        for &v in wire {
            h.record(v).expect("test values are within the histogram's bounds");
        }
        for k in LatencyKind::WIRE {
            r.histograms[k] = encode_histogram(&h);
            r.latency_ns[k] = Some(Stats::of(&h));
        }
        r.wire = Some(Wire {
            mode: "software".into(),
            clock_offset_ns: -drift_ns,
            clock_width_ns: 40,
            drift_ns,
            drift_bound_ns: 2_000,
            client_split,
            unstamped: 1,
            anomalies: 2,
            client_anomalies: 3,
            shared_reads: 4,
        });
        r
    }

    #[test]
    fn the_wire_split_merges_from_its_histograms_when_every_input_has_one() {
        let a: Vec<u64> = (1..=100).map(|i| i * 1_000).collect();
        let b: Vec<u64> = (1..=300).map(|i| i * 333).collect();
        let m = merge(&named(vec![with_wire(&[5_000], &a, true, 30), with_wire(&[6_000], &b, true, -700)]))
            .expect("merges");
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        let want = with_wire(&[5_000], &all, true, 0);
        for k in LatencyKind::WIRE {
            assert_eq!(m.latency_ns[k], want.latency_ns[k], "{k:?}");
            assert_eq!(decode_histogram(&m.histograms[k]).expect("decodes").len(), 400, "{k:?}");
        }
        let w = m.wire.as_ref().expect("both inputs have the split");
        assert_eq!((w.unstamped, w.anomalies, w.client_anomalies, w.shared_reads), (2, 4, 6, 8));
        assert_eq!((w.drift_ns, w.clock_offset_ns, w.client_split), (-700, 700, true), "the worst input's clock");
        // Written and read back, the merged result keeps its wire histograms.
        let back: RunResult = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back.histograms, m.histograms);

        // A client split that did not stand in one input stands in none of the merged.
        let m = merge(&named(vec![with_wire(&[5_000], &a, true, 30), with_wire(&[6_000], &b, false, 5_000)]))
            .expect("merges");
        assert!(m.latency_ns[LatencyKind::Wire].is_some());
        assert!(m.latency_ns[LatencyKind::ClientOut].is_none() && m.latency_ns[LatencyKind::ClientIn].is_none());
    }

    #[test]
    fn without_a_wire_split_in_every_input_the_merge_has_none() {
        let a: Vec<u64> = (1..=100).map(|i| i * 1_000).collect();
        let m = merge(&named(vec![with_wire(&[5_000], &a, true, 30), sample(&[6_000], 1)])).expect("merges");
        assert!(m.wire.is_none());
        let text = serde_json::to_string(&m).unwrap();
        for k in LatencyKind::WIRE {
            assert!(m.latency_ns[k].is_none(), "{k:?}");
            assert!(!text.contains(&format!("\"{}\"", k.name())), "{k:?} is absent from {text}");
        }
    }
}
