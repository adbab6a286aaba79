//! The reporter: the coordinating thread's work while the workers run. It receives each
//! worker's interval [`Snapshot`](crate::metrics::Snapshot)s, adds them up
//! ([`Aggregate`]), shows each completed interval (live line or full-screen view), writes the
//! interval log, enforces `--max-error-rate`, and at the end turns what it aggregated into the
//! result.
//!
//! It never reaches into a worker: everything it knows came over the channel. Workers' spent
//! histogram sets go back to them, reset, over a second channel, so no one allocates per
//! interval.

mod live;
mod result;

use super::{RunConfig, interrupted};
use crate::engine::Shared;
use crate::engine::profile::Profile;
use crate::engine::worker::Report;
use crate::host::HostInfo;
use crate::metrics::{Histograms, LatencyKind};
use crate::report::aggregate::{Aggregate, IntervalRow};
use crate::report::hlog::HlogFile;
use crate::report::json::RunResult;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use live::Live;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The reporter of one run.
pub(super) struct Reporter<'a> {
    cfg: &'a RunConfig,
    shared: &'a Shared,
    agg: Aggregate,
    live: Live,
    /// The interval log, while it can be written.
    hlog: Option<(PathBuf, HlogFile)>,
    /// The open-loop profile, for each interval's target rate; none in closed loop.
    profile: Option<Profile>,
    /// When orders started (ns since the run's epoch).
    started: Option<u64>,
    /// Per `--reconnect` gap, how much of it the live line has said (see `live::gap_lines`).
    gaps_shown: Vec<u8>,
}

impl<'a> Reporter<'a> {
    pub(super) fn new(cfg: &'a RunConfig, shared: &'a Shared) -> Reporter<'a> {
        Reporter {
            cfg,
            shared,
            agg: Aggregate::new(cfg.threads),
            live: Live::Quiet,
            hlog: None,
            profile: cfg.load.profile().cloned(),
            started: None,
            gaps_shown: Vec::new(),
        }
    }

    /// Every session logged on and orders start at `start` (ns since the run's epoch): starts
    /// the live output and the interval log (`hlog`, whose time zero is the end of warm-up).
    pub(super) fn start(&mut self, target: &str, start: u64, hlog: Option<PathBuf>) {
        self.started = Some(start);
        self.live = Live::new(self.cfg, target);
        self.hlog = hlog.and_then(|p| {
            let t0 = (self.shared.epoch_utc_ns + start + self.cfg.timing.warmup_ns) as f64 / 1e9;
            HlogFile::create(&p, t0)
                .inspect_err(|e| eprintln!("warning: --hlog {}: {e}; no interval log", p.display()))
                .ok()
                .map(|w| (p, w))
        });
    }

    /// Takes the workers' reports until every one of `workers` is done, or until `deadline`
    /// (then the run fails: results cover what was reported). A signal asks the workers to
    /// stop; their last intervals still arrive.
    pub(super) fn collect(
        &mut self,
        reports: &Receiver<Report>,
        spent: &Sender<Box<Histograms>>,
        workers: usize,
        deadline: Instant,
    ) {
        let mut done = 0;
        while done < workers {
            if interrupted().load(Ordering::Acquire) {
                self.shared.request_stop();
            }
            if Instant::now() > deadline {
                self.shared.fail("workers did not finish in time; results cover what was reported".into());
                break;
            }
            let rows = match reports.recv_timeout(Duration::from_millis(50)) {
                Ok(Report::Interval(mut s)) => {
                    let rows = self.agg.add(&s);
                    s.hists.reset();
                    let _ = spent.try_send(std::mem::take(&mut s.hists));
                    rows
                }
                Ok(Report::Done { worker }) => {
                    done += 1;
                    self.agg.worker_done(worker)
                }
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            for row in rows {
                self.interval(&row);
                self.agg.recycle(row);
            }
        }
    }

    /// One completed interval, every worker's snapshot of it added.
    fn interval(&mut self, row: &IntervalRow) {
        let interval_s = self.cfg.timing.interval_ns as f64 / 1e9;
        // The last interval may be shorter (the measurement ended inside it): its rate and
        // its log entry are over its real length.
        let measured = result::measured_ns(self.cfg, self.shared, &self.agg, self.started);
        let length_s = result::interval_len_ns(self.cfg.timing.interval_ns, measured, row.index) as f64 / 1e9;
        let start_s = row.index as f64 * interval_s;
        if let Some(limit) = self.cfg.max_error_rate
            && row.index >= 0
        {
            let rate = row.counts.total_errors() as f64 / row.counts.sent.max(1) as f64;
            if rate > limit {
                self.shared.fail(format!(
                    "error rate {:.2}% in interval {} exceeded --max-error-rate {:.2}%",
                    rate * 100.0,
                    row.index + 1,
                    limit * 100.0
                ));
            }
        }
        // The target over this interval: the profile's rate at its middle.
        let target = self.profile.as_ref().map(|p| p.rate_at(start_s + length_s / 2.0));
        if matches!(self.live, Live::Line) && self.cfg.reconnect.is_some() {
            let warmup_end = self.started.unwrap_or(0) + self.cfg.timing.warmup_ns;
            let gaps = self.shared.gaps.lock().unwrap_or_else(|e| e.into_inner());
            for line in live::gap_lines(&gaps, &mut self.gaps_shown, warmup_end) {
                eprintln!("{line}");
            }
        }
        self.live.interval(self.cfg, self.shared, &self.agg, row, length_s, target);
        if let Some((p, w)) = &mut self.hlog
            && row.index >= 0
        {
            let hists = LatencyKind::ROUND_TRIPS.map(|k| (k.name(), &row.hists[k]));
            if let Err(e) = w.interval(start_s, length_s, &hists) {
                eprintln!("warning: --hlog {}: {e}; no interval log is written", p.display());
                self.hlog = None;
            }
        }
    }

    /// The run is over: puts the terminal back, closes the interval log, and returns the
    /// result. `started` is when orders started (none if they never did).
    pub(super) fn finish(mut self, host: HostInfo, target: &str, started: Option<u64>, interrupted: bool) -> RunResult {
        // Every interval of the measurement has a row, even one every worker stalled through.
        let measured = result::measured_ns(self.cfg, self.shared, &self.agg, started);
        if measured > 0 {
            let last = ((measured - 1) / self.cfg.timing.interval_ns) as i64;
            for row in self.agg.close(last) {
                self.interval(&row);
                self.agg.recycle(row);
            }
        }
        self.live.finish();
        if let Some((p, w)) = self.hlog
            && let Err(e) = w.finish()
        {
            eprintln!("warning: --hlog {}: {e}; no interval log is written", p.display());
        }
        let mut r = result::build_result(self.cfg, self.shared, &self.agg, host, target, started, interrupted);
        r.sla = crate::report::sla::evaluate(&self.cfg.sla, &r);
        r
    }
}
