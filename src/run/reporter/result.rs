//! Turns what the reporter aggregated into the result file's [`RunResult`].

use crate::engine::Load;
use crate::engine::Shared;
use crate::engine::schedule::Arrival;
use crate::engine::wire_clock::DRIFT_BOUND_NS;
use crate::fix::template::Kind;
use crate::host::HostInfo;
use crate::metrics::LatencyKind;
use crate::report::aggregate::Aggregate;
use crate::report::json::*;
use crate::run::RunConfig;
use std::sync::atomic::Ordering;

/// How long the measurement lasted (ns), from the end of warm-up to the end of the window,
/// or to the stop (a signal, a failure, `--count` reached) if that came first. While the
/// run goes on, the window's end.
pub(super) fn measured_ns(cfg: &RunConfig, shared: &Shared, agg: &Aggregate, started: Option<u64>) -> u64 {
    let t = &cfg.timing;
    let Some(start) = started else { return 0 };
    let warmup_end = start + t.warmup_ns;
    let mut end = (warmup_end + t.duration_ns).min(shared.stop_ns.load(Ordering::Acquire));
    // With --count reached, the measurement ends with the last order sent.
    if cfg.count.is_some_and(|n| agg.counts.sent >= n) {
        end = end.min(agg.last_sent_ns.max(warmup_end + 1));
    }
    end.saturating_sub(warmup_end)
}

/// Interval `index`'s real length (ns): the whole interval, or less for the last one when
/// the measurement ended inside it (a duration that is not a whole number of intervals, or
/// a stop). Never 0, so a rate over it is defined.
pub(super) fn interval_len_ns(interval_ns: u64, measured_ns: u64, index: i64) -> u64 {
    if index < 0 {
        return interval_ns;
    }
    let start = index as u64 * interval_ns;
    measured_ns.saturating_sub(start).clamp(1, interval_ns)
}

pub(super) fn build_result(
    cfg: &RunConfig,
    shared: &Shared,
    agg: &Aggregate,
    host: HostInfo,
    target: &str,
    started: Option<u64>,
    interrupted: bool,
) -> RunResult {
    let t = &cfg.timing;
    let measured_ns = measured_ns(cfg, shared, agg, started);
    let duration_s = measured_ns as f64 / 1e9;
    let per_s = |n: u64| if duration_s > 0.0 { n as f64 / duration_s } else { 0.0 };
    // Sending stops with the window; a straggler sent just after it stretches the time.
    let send_s = started.map_or(0.0, |s| {
        let late = agg.last_sent_ns.saturating_sub(s + t.warmup_ns) as f64 / 1e9;
        duration_s.max(late)
    });
    let sent_per_s = if send_s > 0.0 { agg.counts.sent as f64 / send_s } else { 0.0 };
    // What the schedule asked for over the window, whatever its shape.
    let asked = agg.counts.sent + agg.counts.not_sent;
    let open = matches!(cfg.load, Load::Open { .. });
    let target_per_s = (open && duration_s > 0.0).then(|| asked as f64 / duration_s);
    let failure = shared.failure();
    let h = &agg.total;
    let wire = wire(shared, agg);
    let (rate, closed_loop, profile) = match &cfg.load {
        Load::Open { profile, arrival } => {
            let arrival = match arrival {
                Arrival::Uniform => String::new(),
                Arrival::Poisson { seed } => format!(" (poisson, seed {seed})"),
            };
            (cfg.load.constant_rate(), None, format!("{}{arrival}", profile.describe()))
        }
        Load::Closed { window } => (None, Some(ClosedLoop { window: *window }), format!("closed-loop:{window}")),
    };
    let interval_s = t.interval_ns as f64 / 1e9;
    RunResult {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "fixblast".into(), version: env!("CARGO_PKG_VERSION").into() },
        status: Status {
            completed: failure.is_none() && !interrupted && started.is_some(),
            interrupted,
            failure,
            sessions_lost: shared.lost.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            started_at_unix_s: started.map(|s| (shared.epoch_utc_ns + s) as f64 / 1e9),
            first_sent_at_unix_s: (agg.first_sent_ns != 0)
                .then(|| (shared.epoch_utc_ns + agg.first_sent_ns) as f64 / 1e9),
            // Both filled in by the caller, which read them.
            start_at_unix_s: None,
            start_spread_s: None,
            clock_sync: None,
        },
        config: Config {
            target: target.to_string(),
            builtin_gateway: cfg.target.is_none(),
            gateway_backend: cfg.target.is_none().then(|| cfg.gateway_backend.name().to_string()),
            sessions: cfg.sessions,
            threads: cfg.threads,
            cores: cfg.worker_cores.clone(),
            backend: cfg.backend.name().to_string(),
            backend_options: cfg.backend.describe(&cfg.transport(cfg.sessions.div_ceil(cfg.threads as u32) as usize)),
            poll: cfg.poll.name().into(),
            fix_version: cfg.fix_version.label().into(),
            rate,
            closed_loop,
            profile,
            duration_s: t.duration_ns as f64 / 1e9,
            warmup_s: t.warmup_ns as f64 / 1e9,
            timeout_s: t.timeout_ns as f64 / 1e9,
            template: cfg.template_name.clone(),
            orders: cfg.feed_name.clone(),
            orders_rows: cfg.feed.rows(),
            mix: cfg.mix.describe(),
            clordid_prefix: cfg.clordid_prefix.clone(),
            sender_comp_id: cfg.sender_comp_id.clone(),
            target_comp_id: cfg.target_comp_id.clone(),
            gateway_faults: cfg.gateway_faults_text(),
            reconnect: cfg.reconnect.map(|p| ReconnectConfig { tries: p.tries, backoff_s: p.backoff.as_secs_f64() }),
        },
        host,
        orders: Orders::of(&agg.counts),
        messages: Messages::of(&agg.counts),
        errors: Errors { first_session_reject: shared.first_session_reject.get().cloned(), ..Errors::of(&agg.counts) },
        throughput: Throughput {
            orders_per_s: sent_per_s,
            acks_per_s: per_s(agg.counts.acked),
            target_orders_per_s: target_per_s,
            // Short of 99% of the target, or replies still missing at the end: not achieved.
            rate_achieved: target_per_s.map(|r| sent_per_s >= 0.99 * r && agg.counts.missing == 0),
            duration_s,
        },
        latency_ns: Latency::of(h, |k| match k {
            LatencyKind::Fill => !h[k].is_empty(),
            LatencyKind::Cancel => cfg.mix.has(Kind::Cancel),
            LatencyKind::Replace => cfg.mix.has(Kind::Replace),
            LatencyKind::Wire => wire.is_some(),
            LatencyKind::ClientOut | LatencyKind::ClientIn => wire.as_ref().is_some_and(|w| w.client_split),
            _ => false,
        }),
        schedule_lag_ns: Lag::of(&h[LatencyKind::ScheduleLag]),
        harness: Harness::of(h, |k| !h[k].is_empty()),
        intervals: agg
            .intervals
            .iter()
            .map(|r| {
                let length_s = interval_len_ns(t.interval_ns, measured_ns, r.index) as f64 / 1e9;
                let start_s = r.index as f64 * interval_s;
                Interval {
                    t_s: start_s + length_s,
                    length_s: Some(length_s),
                    orders_per_s: r.counts.sent as f64 / length_s,
                    target_per_s: match &cfg.load {
                        Load::Open { profile, .. } => Some(profile.rate_at(start_s + length_s / 2.0)),
                        Load::Closed { .. } => None,
                    },
                    ack: IntervalAck { count: r.ack_count, p50: r.ack_p50, p99: r.ack_p99, max: r.ack_max },
                    errors: r.counts.total_errors(),
                    in_flight: r.in_flight,
                }
            })
            .collect(),
        sla: Vec::new(),
        runs: None,
        histograms: EncodedHistograms::of(h),
        reconnects: cfg.reconnect.map(|_| reconnects(shared, started.map(|s| s + t.warmup_ns))),
        wire,
        gateway: None,
    }
}

/// `wire`, with `--wire-timestamps`: the clock's calibration, its drift measured now (the
/// run is over), and what could not be matched.
fn wire(shared: &Shared, agg: &Aggregate) -> Option<Wire> {
    let wc = shared.wire_clock?;
    // The workers' largest, or for a run too short for them to place the TSC again, the
    // start's placement against now.
    let drift_ns = match shared.wire_drift_max.load(Ordering::Relaxed) {
        0 => wc.drift_now(&shared.clock),
        d => d as i64,
    };
    let c = &agg.counts;
    Some(Wire {
        mode: if shared.wire_on_phc { "hardware" } else { "software" }.into(),
        clock_offset_ns: wc.utc_at_epoch as i64 - shared.epoch_utc_ns as i64,
        clock_width_ns: wc.width_ns,
        drift_ns,
        drift_bound_ns: DRIFT_BOUND_NS,
        // Hardware stamps are on the NIC's clock: never subtracted from the harness's.
        client_split: !shared.wire_on_phc && drift_ns.unsigned_abs() <= DRIFT_BOUND_NS,
        unstamped: c.wire_unstamped,
        anomalies: c.wire_anomalies,
        client_anomalies: c.client_anomalies,
        shared_reads: c.wire_shared_reads,
    })
}

/// The gaps the workers recorded, in seconds after warm-up (`warmup_end`, ns since the
/// epoch; the epoch itself when orders never started).
fn reconnects(shared: &Shared, warmup_end: Option<u64>) -> Reconnects {
    let end = warmup_end.unwrap_or(0) as i128;
    let s = |ns: u64| (ns as i128 - end) as f64 / 1e9;
    let gaps = shared.gaps.lock().unwrap_or_else(|e| e.into_inner());
    Reconnects::of(
        gaps.iter()
            .map(|g| ReconnectGap {
                session: g.session.clone(),
                lost_at_s: s(g.lost_ns),
                back_at_s: g.back_ns.map(s),
                gap_s: g.back_ns.map(|b| b.saturating_sub(g.lost_ns) as f64 / 1e9),
                tries: g.tries,
                reason: g.reason.clone(),
                unanswered: g.unanswered,
                not_back: g.back_ns.is_none().then(|| g.gave_up.clone().unwrap_or_else(|| "still down".into())),
            })
            .collect(),
    )
}
