//! The reporter's live output while a run goes: nothing (`--quiet`), one line per interval
//! (the default), or the full-screen view (`--tui`). Reporter thread only: it reads the
//! aggregated intervals, never a worker.

use crate::engine::Shared;
use crate::engine::reconnect::Gap;
use crate::fix::template::Kind;
use crate::metrics::{ErrorKind, LatencyKind};
use crate::report::aggregate::{Aggregate, IntervalRow};
use crate::report::fmt_ns;
use crate::report::split::{PERCENTILES, bars};
use crate::report::summary::live_line;
use crate::report::tui::{Figures, Tui, TuiFrame};
use crate::run::RunConfig;
use hdrhistogram::Histogram;

pub(super) enum Live {
    Quiet,
    Line,
    Screen { tui: Box<Tui>, title: String, p99_history: Vec<u64> },
}

fn lat(h: &Histogram<u64>) -> Figures {
    let n = h.len();
    let q = |q: f64| (n > 0).then(|| h.value_at_quantile(q));
    Figures { count: n, p50: q(0.5), p99: q(0.99), p99_9: q(0.999), max: (n > 0).then(|| h.max()) }
}

/// "Where the time went" since warm-up ended, from the client's stamps: the gateway's own
/// time comes only when it stops, after this view. The client split goes while the TSC's
/// placement on the kernel's clock has drifted past its bound, as in the result.
fn split(shared: &Shared, agg: &Aggregate) -> Vec<(&'static str, [Option<u64>; 4])> {
    let trusted =
        shared.wire_drift_max.load(std::sync::atomic::Ordering::Relaxed) <= crate::engine::wire_clock::DRIFT_BOUND_NS;
    let at = |k: LatencyKind, shown: bool| {
        let h = &agg.total[k];
        PERCENTILES.map(|(_, q)| (shown && !h.is_empty()).then(|| h.value_at_quantile(q)))
    };
    bars(
        at(LatencyKind::ClientOut, trusted),
        at(LatencyKind::Wire, true),
        [None; 4],
        at(LatencyKind::ClientIn, trusted),
    )
}

fn errors(c: &crate::metrics::Counts) -> Vec<(&'static str, u64)> {
    ErrorKind::ALL.iter().map(|k| (k.name(), c.get(*k))).filter(|(_, n)| *n > 0).collect()
}

/// What changed in `gaps` (`--reconnect`) since `shown` (per gap: 0 nothing said yet, 1 the
/// loss said, 2 its end said), as lines for the live output; `shown` is brought up to date.
/// Times are seconds after warm-up (`warmup_end`, ns since the epoch).
pub(super) fn gap_lines(gaps: &[Gap], shown: &mut Vec<u8>, warmup_end: u64) -> Vec<String> {
    let at = |ns: u64| (ns as i128 - warmup_end as i128) as f64 / 1e9;
    shown.resize(gaps.len(), 0);
    let mut lines = Vec::new();
    for (g, said) in gaps.iter().zip(shown.iter_mut()) {
        if *said == 0 {
            lines.push(format!("{:>6.2}s LOST: {}; reconnecting", at(g.lost_ns), g.reason));
            *said = 1;
        }
        if *said == 1 {
            let tries = |n: u32| if n == 1 { "1 try".to_string() } else { format!("{n} tries") };
            if let Some(back) = g.back_ns {
                let away = fmt_ns(back.saturating_sub(g.lost_ns));
                lines.push(format!(
                    "{:>6.2}s BACK: {} logged on again after {away} ({})",
                    at(back),
                    g.session,
                    tries(g.tries)
                ));
                *said = 2;
            } else if let Some(why) = &g.gave_up {
                lines.push(format!("        NOT BACK: {} after {}: {why}", g.session, tries(g.tries)));
                *said = 2;
            }
        }
    }
    lines
}

impl Live {
    /// The output `cfg` asks for. Without a terminal, `--tui` falls back to the live line
    /// and says so.
    pub(super) fn new(cfg: &RunConfig, target: &str) -> Live {
        if cfg.quiet {
            return Live::Quiet;
        }
        if !cfg.tui {
            return Live::Line;
        }
        match Tui::start() {
            Ok(tui) => {
                let title = format!(
                    "fixblast -> {target}{}, {} session(s), {} thread(s), {} backend, mix {}",
                    if cfg.target.is_none() { " (built-in gateway)" } else { "" },
                    cfg.sessions,
                    cfg.threads,
                    cfg.backend.name(),
                    cfg.mix.describe()
                );
                Live::Screen { tui: Box::new(tui), title, p99_history: Vec::new() }
            }
            Err(e) => {
                eprintln!("--tui: no full-screen view ({e}); showing the live line instead");
                Live::Line
            }
        }
    }

    /// Shows one completed interval, `length_s` long (the last may be short); `target` is
    /// the profile's rate over it.
    pub(super) fn interval(
        &mut self,
        cfg: &RunConfig,
        shared: &Shared,
        agg: &Aggregate,
        row: &IntervalRow,
        length_s: f64,
        target: Option<f64>,
    ) {
        let interval_s = cfg.timing.interval_ns as f64 / 1e9;
        let warmup_s = cfg.timing.warmup_ns as f64 / 1e9;
        let (tui, title, p99_history) = match self {
            Live::Quiet => return,
            Live::Line => return eprintln!("{}", live_line(row, interval_s, length_s, warmup_s, target)),
            Live::Screen { tui, title, p99_history } => (tui, title, p99_history),
        };
        let warm = row.index < 0;
        let (counts, ack) = if warm {
            (&row.warmup, &row.hists[LatencyKind::WarmupAck])
        } else {
            (&row.counts, &row.hists[LatencyKind::Ack])
        };
        let rate = counts.sent as f64 / length_s;
        let elapsed_s = row.index as f64 * interval_s + length_s;
        let measured_s = elapsed_s.max(interval_s);
        if !warm && !ack.is_empty() {
            p99_history.push(ack.value_at_quantile(0.99));
        }
        let mut warnings: Vec<String> = shared.lost.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let now = shared.now_ns();
        for g in shared.gaps.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            if g.back_ns.is_none() && g.gave_up.is_none() {
                let away = fmt_ns(now.saturating_sub(g.lost_ns));
                warnings.push(format!("RECONNECTING: {} away for {away} ({} tries so far)", g.session, g.tries));
            }
        }
        if let Some(t) = target
            && rate < 0.99 * t
        {
            warnings.insert(0, format!("BEHIND: {rate:.0} orders/s of {t:.0} this interval (see schedule lag)"));
        }
        if agg.counts.substituted > 0 {
            warnings.push(format!("MIX NOT MET: {} cancels/replaces found no resting order", agg.counts.substituted));
        }
        let by_type = [(Kind::Cancel, LatencyKind::Cancel), (Kind::Replace, LatencyKind::Replace)]
            .into_iter()
            .filter(|(k, _)| cfg.mix.has(*k))
            .map(|(k, l)| (k.name(), lat(&row.hists[l]), lat(&agg.total[l])))
            .collect();
        let frame = TuiFrame {
            title: title.clone(),
            phase: if warm { "warm-up" } else { "measuring" },
            elapsed_s: (warmup_s + elapsed_s).max(0.0),
            total_s: warmup_s + cfg.timing.duration_ns as f64 / 1e9,
            target_rate: target,
            rate,
            rate_cumulative: if warm { rate } else { agg.counts.sent as f64 / measured_s },
            interval: lat(ack),
            cumulative: lat(&agg.total[LatencyKind::Ack]),
            by_type,
            errors_interval: errors(counts),
            errors_total: errors(&agg.counts),
            sent_total: agg.counts.sent,
            acked_total: agg.counts.acked,
            in_flight: row.in_flight,
            lag: lat(&row.hists[LatencyKind::ScheduleLag]),
            p99_history: p99_history.clone(),
            warnings,
            split: if cfg.ring.wire && !warm { split(shared, agg) } else { Vec::new() },
        };
        if let Err(e) = tui.draw(&frame) {
            eprintln!("--tui: the full-screen view failed ({e}); showing the live line instead");
            *self = Live::Line;
        }
    }

    /// Puts the terminal back before the summary is printed.
    pub(super) fn finish(self) {
        if let Live::Screen { tui, .. } = self {
            let _ = (*tui).finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(lost_ns: u64) -> Gap {
        Gap {
            session: "session 1 (A)".into(),
            lost_ns,
            back_ns: None,
            tries: 1,
            reason: "session 1 (A): the connection was lost".into(),
            unanswered: 2,
            gave_up: None,
        }
    }

    #[test]
    fn each_loss_and_its_end_are_said_once_as_they_happen() {
        let mut shown = Vec::new();
        let warmup_end = 1_000_000_000;
        let mut gaps = vec![gap(3_500_000_000)];
        let lines = gap_lines(&gaps, &mut shown, warmup_end);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("2.50s LOST: session 1 (A): the connection was lost; reconnecting"), "{lines:?}");
        assert!(gap_lines(&gaps, &mut shown, warmup_end).is_empty(), "said once");
        gaps[0].back_ns = Some(3_620_000_000);
        gaps[0].tries = 2;
        gaps.push(Gap { gave_up: Some("cannot connect".into()), tries: 3, ..gap(4_000_000_000) });
        let lines = gap_lines(&gaps, &mut shown, warmup_end);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("2.62s BACK: session 1 (A) logged on again after 120ms (2 tries)"), "{lines:?}");
        assert!(lines[1].contains("3.00s LOST"), "{lines:?}");
        assert!(lines[2].contains("NOT BACK: session 1 (A) after 3 tries: cannot connect"), "{lines:?}");
        assert!(gap_lines(&gaps, &mut shown, warmup_end).is_empty());
    }
}
