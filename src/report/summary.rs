//! The human-readable end-of-run summary and the live progress line.

use super::aggregate::IntervalRow;
use super::fmt_ns;
use super::json::{GatewaySide, HARNESS_SHARE_WARN_PCT, RunResult, Stats};
use crate::metrics::{ErrorKind, LatencyKind};
use std::fmt::Write;

/// One live line for a completed interval (printed on stderr by the reporter thread).
/// The live line of one interval, `length_s` of `interval_s` long (the last may be short: its
/// rate is over its real length).
pub fn live_line(row: &IntervalRow, interval_s: f64, length_s: f64, warmup_s: f64, target: Option<f64>) -> String {
    let warm = row.index < 0;
    let (counts, ack) = if warm {
        (&row.warmup, &row.hists[LatencyKind::WarmupAck])
    } else {
        (&row.counts, &row.hists[LatencyKind::Ack])
    };
    // Seconds since orders started; the measurement's clock starts after warm-up.
    let elapsed = (warmup_s + row.index as f64 * interval_s + length_s).max(0.0);
    let rate = counts.sent as f64 / length_s;
    let mut s = if warm { format!("{elapsed:>6.1}s warm-up ") } else { format!("{elapsed:>6.1}s measuring") };
    match target {
        // Falling behind is said on the line it happens, not only at the end.
        Some(target) if rate < 0.99 * target => {
            let _ = write!(s, " | rate {rate:>9.0}/s of {target:.0} BEHIND");
        }
        Some(target) => {
            let _ = write!(s, " | rate {rate:>9.0}/s of {target:.0}");
        }
        None => {
            let _ = write!(s, " | rate {rate:>9.0}/s");
        }
    }
    if ack.is_empty() {
        let _ = write!(s, " | ack      -");
    } else {
        let _ = write!(
            s,
            " | ack p50 {:>8} p99 {:>8} max {:>8}",
            fmt_ns(ack.value_at_quantile(0.5)),
            fmt_ns(ack.value_at_quantile(0.99)),
            fmt_ns(ack.max())
        );
    }
    let lag = &row.hists[LatencyKind::ScheduleLag];
    if !lag.is_empty() {
        let _ = write!(s, " | lag p99 {:>8}", fmt_ns(lag.value_at_quantile(0.99)));
    }
    // Each fault under its own name: a stall of drops reads differently from garbage.
    let _ = write!(s, " | errors {}", counts.total_errors());
    let kinds: Vec<String> = ErrorKind::ALL
        .iter()
        .filter(|k| counts.get(**k) > 0)
        .map(|k| format!("{} {}", k.name(), counts.get(*k)))
        .collect();
    if !kinds.is_empty() {
        let _ = write!(s, " ({})", kinds.join(", "));
    }
    let _ = write!(s, " | in-flight {}", row.in_flight);
    s
}

/// Observations beyond percentile `p` (0..1) of `count`: fewer than [`FEW`] and the
/// percentile says little.
pub fn beyond(count: u64, p: f64) -> u64 {
    // In parts per million, in integers: 10,000 × (1 − 0.9) is 999.99… in floating point.
    let ppm = (p * 1e6).round() as u128;
    count - (count as u128 * ppm).div_ceil(1_000_000) as u64
}

/// Below this many observations beyond it, a percentile is marked `*` as not meaningful.
pub const FEW: u64 = 10;

/// One row of the latency table; returns whether a percentile was marked `*`.
fn row(out: &mut String, name: &str, s: &Stats) -> bool {
    let mut marked = false;
    let mut f = |v: Option<u64>, p: Option<f64>| match v {
        None => "-".to_string(),
        Some(v) if p.is_some_and(|p| beyond(s.count, p) < FEW) => {
            marked = true;
            format!("{}*", fmt_ns(v))
        }
        Some(v) => fmt_ns(v),
    };
    let cells = [
        f(s.min, None),
        f(s.p50, Some(0.5)),
        f(s.p90, Some(0.9)),
        f(s.p99, Some(0.99)),
        f(s.p99_9, Some(0.999)),
        f(s.p99_99, Some(0.9999)),
        f(s.p99_999, Some(0.99999)),
        f(s.max, None),
    ];
    let _ = write!(out, "  {name:<24}{:>10}", s.count);
    for c in cells {
        let _ = write!(out, " {c:>9}");
    }
    let _ = writeln!(out);
    marked
}

/// The summary printed at the end of `run`.
pub fn summary(r: &RunResult) -> String {
    let mut out = String::new();
    let c = &r.config;
    let load = match (&c.closed_loop, c.rate) {
        (Some(cl), _) => format!("closed loop, {} in flight per session", cl.window),
        (None, Some(rate)) => format!("open loop at {rate:.0} orders/s"),
        (None, None) => "open loop".into(),
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "fixblast {} | {} | {} session(s) on {} thread(s), {} backend, {} poll",
        r.tool.version, load, c.sessions, c.threads, c.backend, c.poll
    );
    let _ = writeln!(
        out,
        "target {}{} | measured {:.1}s after {:.1}s warm-up",
        c.target,
        if c.builtin_gateway { " (built-in gateway)" } else { "" },
        r.throughput.duration_s,
        c.warmup_s
    );
    if let Some(f) = &r.status.failure {
        let _ = writeln!(out, "RUN INCOMPLETE: {f}");
    } else if r.status.interrupted {
        let _ = writeln!(out, "INTERRUPTED: stopped early by a signal; figures cover the time measured");
    }
    for lost in &r.status.sessions_lost {
        let _ = writeln!(out, "SESSION LOST: {lost}");
    }
    let o = &r.orders;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "orders   sent {}  acked {}  filled {}  rejected {}  timed out {}  unmatched {}",
        o.sent, o.acked, o.filled, o.rejected, o.timed_out, o.unmatched
    );
    let m = &r.messages;
    if m.cancel.sent + m.replace.sent + m.substituted > 0 {
        let _ = writeln!(
            out,
            "messages new {} ({} rejected) | cancel {} answered {} ({} refused) | replace {} answered {} ({} refused)",
            m.new.sent,
            m.new.rejected,
            m.cancel.sent,
            m.cancel.answered,
            m.cancel.rejected,
            m.replace.sent,
            m.replace.answered,
            m.replace.rejected
        );
    }
    if m.substituted > 0 {
        let _ = writeln!(
            out,
            "MIX NOT MET: {} cancels/replaces found no resting order to amend and went out as new orders \
             (does the gateway fill or end every order at once?)",
            m.substituted
        );
    }
    if o.missing_replies > 0 {
        let _ = writeln!(
            out,
            "MISSING REPLIES: {} orders still had no ExecutionReport when the drain ended (counted as timed out)",
            o.missing_replies
        );
    }
    if o.late > 0 {
        let _ = writeln!(
            out,
            "LATE: {} replies came after --timeout ({}s); matched, their real latency is in the percentiles",
            o.late, r.config.timeout_s
        );
    }
    if o.not_sent > 0 {
        let _ = writeln!(out, "NOT SENT: {} orders due in the window never left (the harness fell behind)", o.not_sent);
    }
    let t = &r.throughput;
    let target = t.target_orders_per_s.map_or(String::new(), |x| format!(" (target {x:.0})"));
    let _ = writeln!(out, "rate     {:.1} orders/s sent{target}, {:.1} acks/s", t.orders_per_s, t.acks_per_s);
    if t.rate_achieved == Some(false) && t.orders_per_s < 0.99 * t.target_orders_per_s.unwrap_or(0.0) {
        let _ = writeln!(
            out,
            "TARGET RATE NOT REACHED: {:.1}% of the target; the harness or a full send buffer held orders back (see schedule lag)",
            100.0 * t.orders_per_s / t.target_orders_per_s.unwrap_or(1.0)
        );
    }
    let kinds: Vec<String> =
        r.errors.by_kind.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        out,
        "errors   {}{}",
        r.errors.total,
        if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) }
    );
    if let Some(first) = &r.errors.first_session_reject {
        let _ = writeln!(out, "         the first session Reject: {first}");
    }
    if m.resend_requests > 0 {
        let _ = writeln!(out, "resends  {} ResendRequests sent for sequence gaps", m.resend_requests);
    }
    if let Some(rc) = &r.reconnects {
        let _ = writeln!(
            out,
            "reconnects {} (away at most {}, {} in all; {} orders unanswered on the lost connections, counted as timed out)",
            rc.count,
            fmt_ns((rc.gap_max_s * 1e9) as u64),
            fmt_ns((rc.gap_total_s * 1e9) as u64),
            rc.unanswered
        );
        for g in rc.gaps.iter().filter(|g| g.back_at_s.is_none()) {
            let why = g.not_back.as_deref().unwrap_or("still down");
            let _ = writeln!(out, "NOT BACK: {} lost at {:.2}s: {why}", g.session, g.lost_at_s);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<24}{:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "round trip", "count", "min", "p50", "p90", "p99", "p99.9", "p99.99", "p99.999", "max"
    );
    let l = &r.latency_ns;
    let mut marked = false;
    for k in LatencyKind::ROUND_TRIPS {
        if let Some(s) = l.get(k) {
            marked |= row(&mut out, r.label(k, false), s);
        }
    }
    let n = l.ack().count;
    let _ = writeln!(
        out,
        "  ack observations beyond:  p90 {}, p99 {}, p99.9 {}, p99.99 {}, p99.999 {}",
        beyond(n, 0.9),
        beyond(n, 0.99),
        beyond(n, 0.999),
        beyond(n, 0.9999),
        beyond(n, 0.99999)
    );
    if marked {
        let _ =
            writeln!(out, "  * fewer than {FEW} observations beyond this percentile: too few to mean much; run longer");
    }
    let lag = &r.schedule_lag_ns;
    let f = |v: Option<u64>| v.map_or("-".to_string(), fmt_ns);
    let _ = writeln!(out, "  schedule lag: p50 {} p99 {} max {}", f(lag.p50), f(lag.p99), f(lag.max));
    if let Some((ns, pct)) = r.harness_share() {
        let h = |k| r.harness.get(k).map_or("-".to_string(), |s| format!("p50 {} p99 {}", f(s.p50), f(s.p99)));
        let _ = writeln!(
            out,
            "  harness: loop {} | send call {} | recv call {} | share of ack p50 {:.1}%",
            h(LatencyKind::Loop),
            h(LatencyKind::SendCall),
            h(LatencyKind::RecvCall),
            pct
        );
        if pct > HARNESS_SHARE_WARN_PCT {
            let _ = writeln!(
                out,
                "HARNESS SHARE: half the loop p50 plus the send and receive call p50s is {} ({pct:.0}% of the ack \
                 p50): that much of the round trip is the harness, not the gateway (fewer sessions per thread, \
                 --poll spin on an isolated core, or --backend uring lowers it)",
                fmt_ns(ns)
            );
        }
    }
    if let Some(w) = &r.wire {
        wire_line(&mut out, r, w);
    }
    if !r.sla.is_empty() {
        let _ = writeln!(out);
        for c in &r.sla {
            let _ = writeln!(
                out,
                "SLA {}  {:<24} measured {}",
                if c.pass { "PASS" } else { "FAIL" },
                c.threshold,
                c.measured
            );
        }
    }
    out
}

/// `--wire-timestamps`: where a first reply's time went, out of the harness, on the wire
/// (the gateway included) and back in, and what was not matched or not trusted.
fn wire_line(out: &mut String, r: &RunResult, w: &crate::report::json::Wire) {
    let f = |v: Option<u64>| v.map_or("-".to_string(), fmt_ns);
    let p50_p99 = |s: &Stats| format!("p50 {} p99 {}", f(s.p50), f(s.p99));
    let p = |k| r.latency_ns.get(k).map_or("-".to_string(), p50_p99);
    // The built-in gateway's own share of the wire time, when it measured one.
    let gateway = match r.gateway.as_ref().and_then(|g| g.wire_ns.as_ref()) {
        Some(g) => format!(" (of which gateway {})", p50_p99(g)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "  where the time went: client out {} | wire {}{gateway} | client in {}",
        p(LatencyKind::ClientOut),
        p(LatencyKind::Wire),
        p(LatencyKind::ClientIn)
    );
    if let Some(g) = &r.gateway
        && (g.wire_ns.is_none() || g.wire_unstamped + g.wire_anomalies > 0)
    {
        let _ = writeln!(out, "  gateway {}", gateway_wire(g));
    }
    if let Some(note) = client_split_note(w) {
        let _ = writeln!(out, "{note}");
    }
    if w.unstamped + w.anomalies + w.client_anomalies > 0 {
        let _ = writeln!(
            out,
            "  wire: {} replies without a kernel stamp, {} with stamps out of order, {} with a client split at or \
             below 0 (counted, not recorded)",
            w.unstamped, w.anomalies, w.client_anomalies
        );
    }
    if w.shared_reads > 0 {
        let _ = writeln!(
            out,
            "  wire: {} replies were read with bytes after them, so their stamp may be a later segment's (wire \
             overstated, client in understated by the gap)",
            w.shared_reads
        );
    }
}

/// The gateway's own wire time in one line: its percentiles and what could not be
/// measured, or why nothing was.
pub fn gateway_wire(g: &GatewaySide) -> String {
    let Some(s) = &g.wire_ns else {
        return format!("wire: not measured: {}", g.wire_unmeasured.as_deref().unwrap_or("no stamps"));
    };
    let f = |v: Option<u64>| v.map_or("-".to_string(), fmt_ns);
    let mut line = format!(
        "wire (read to send, kernel stamps) of {} answered requests: p50 {} p90 {} p99 {} p99.9 {} max {}",
        g.answered,
        f(s.p50),
        f(s.p90),
        f(s.p99),
        f(s.p99_9),
        f(s.max)
    );
    if g.wire_unstamped + g.wire_anomalies > 0 {
        let _ = write!(
            line,
            "; {} without a kernel stamp, {} with stamps out of order (counted, not recorded)",
            g.wire_unstamped, g.wire_anomalies
        );
    }
    line
}

/// Why `client_out` and `client_in` are not reported, when they are not.
fn client_split_note(w: &crate::report::json::Wire) -> Option<String> {
    if w.mode == "hardware" {
        return Some(
            "CLIENT SPLIT NOT REPORTED: hardware stamps are on the NIC's PTP clock, which fixblast does not place \
             on the harness's; the wire time, both stamps the NIC's, stands"
                .into(),
        );
    }
    (!w.client_split).then(|| {
        format!(
            "CLIENT SPLIT NOT REPORTED: the TSC's placement on the kernel's clock moved {} between placements \
             (bound {}); the wire time, both stamps the kernel's, stands",
            fmt_ns(w.drift_ns.unsigned_abs()),
            fmt_ns(w.drift_bound_ns)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Counts, Histograms};

    #[test]
    fn a_missing_client_split_says_why() {
        let mut w = crate::report::json::Wire {
            mode: "software".into(),
            clock_offset_ns: 0,
            clock_width_ns: 10,
            drift_ns: 500,
            drift_bound_ns: 2_000,
            client_split: true,
            unstamped: 0,
            anomalies: 0,
            client_anomalies: 0,
            shared_reads: 0,
        };
        assert_eq!(client_split_note(&w), None);
        (w.drift_ns, w.client_split) = (-5_000, false);
        assert!(client_split_note(&w).unwrap().contains("moved 5.0"), "{:?}", client_split_note(&w));
        (w.mode, w.drift_ns) = ("hardware".into(), 0);
        assert!(client_split_note(&w).unwrap().contains("the NIC's PTP clock"));
    }

    #[test]
    fn the_live_line_names_each_kind_of_error_it_counts() {
        let mut counts = Counts { sent: 1000, ..Counts::default() };
        for _ in 0..3 {
            counts.error(ErrorKind::Disconnected);
        }
        counts.error(ErrorKind::Garbled);
        let row =
            IntervalRow { index: 2, hists: Histograms::default(), counts, warmup: Counts::default(), in_flight: 4 };
        let line = live_line(&row, 1.0, 1.0, 0.0, None);
        assert!(line.contains("| errors 4 (garbled 1, disconnected 3) | in-flight 4"), "{line}");
        let quiet = IntervalRow { counts: Counts::default(), ..row };
        assert!(live_line(&quiet, 1.0, 1.0, 0.0, None).contains("| errors 0 | in-flight"));
    }

    #[test]
    fn observations_beyond_a_percentile_are_counted_exactly() {
        assert_eq!(super::beyond(10_000, 0.9), 1_000);
        assert_eq!(super::beyond(10_000, 0.999), 10);
        assert_eq!(super::beyond(10_000, 0.99999), 0);
        assert_eq!(super::beyond(0, 0.5), 0);
        assert_eq!(super::beyond(3, 0.5), 1);
    }
}
