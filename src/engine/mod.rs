//! The load engine: pinned worker threads, each busy-polling its own FIX sessions over a
//! [`Transport`](crate::transport::Transport), sending orders on schedule and matching their
//! ExecutionReports.
//!
//! A worker never allocates, locks, formats or logs per order. Its only shared state is a
//! handful of atomics in [`Shared`] (start time, stop flag) read once per loop, and its
//! measurements leave it once per interval as a [`Snapshot`](crate::metrics::Snapshot).

pub mod mix;
pub mod pending;
pub mod profile;
pub mod reconnect;
pub mod schedule;
pub mod segments;
pub mod wire_clock;
pub mod worker;

use crate::fix::clordid::Stem;
use crate::fix::feed::OrderFeed;
use crate::fix::session::SessionConfig;
use crate::fix::template::OrderTemplate;
use quanta::Clock;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest stretch of time a run may ask for: `--duration`, `--warmup`, `--interval`, and
/// each length and time in a `--profile`. A week is far longer than a latency measurement
/// needs, and short enough that every time of a run in nanoseconds from its epoch (up to a
/// day to `--start-at`, the warm-up, the measurement and the drain) stays below 2^53 (104
/// days), up to which an f64 holds each nanosecond exactly: the schedule computes due times
/// in f64 (see [`schedule`]).
pub const MAX_SPAN: Duration = Duration::from_secs(7 * 86_400);

/// How [`MAX_SPAN`] reads in messages.
pub const MAX_SPAN_TEXT: &str = "7 days (168h)";

/// How a worker spends a loop iteration that found nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollMode {
    /// Spin: lowest latency, owns the core.
    Spin,
    /// `sched_yield`: for shared cores and tests.
    Yield,
}

impl PollMode {
    #[inline]
    pub fn idle(self) {
        match self {
            PollMode::Spin => std::hint::spin_loop(),
            PollMode::Yield => std::thread::yield_now(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PollMode::Spin => "spin",
            PollMode::Yield => "yield",
        }
    }
}

/// How orders are sent: the whole run's load, and (in a [`WorkerSpec`]) a worker's part of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    /// An open-loop profile, and how orders are spaced.
    Open { profile: profile::Profile, arrival: schedule::Arrival },
    /// Keep `window` orders awaiting their first reply on every session.
    Closed { window: u32 },
}

impl Load {
    /// The open-loop profile; none in closed loop.
    pub fn profile(&self) -> Option<&profile::Profile> {
        match self {
            Load::Open { profile, .. } => Some(profile),
            Load::Closed { .. } => None,
        }
    }

    /// The constant open-loop rate, when there is one.
    pub fn constant_rate(&self) -> Option<f64> {
        match self {
            Load::Open { profile: profile::Profile::Constant(r), .. } => Some(*r),
            _ => None,
        }
    }
}

/// A worker's part of an open-loop load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Its fraction (0..1) of the profile's rate.
    pub fraction: f64,
    /// Where its orders fall within a gap (0..1), so workers interleave.
    pub phase: f64,
}

/// Phase lengths, in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup_ns: u64,
    pub duration_ns: u64,
    /// An order with no ExecutionReport this long after it was due is timed out.
    pub timeout_ns: u64,
    /// Length of a reporting interval.
    pub interval_ns: u64,
}

/// One FIX session a worker will run.
pub struct SessionSpec {
    /// Global session number (0-based): goes into every ClOrdID.
    pub index: u16,
    pub stream: TcpStream,
    /// One pre-encoded template per message type the mix sends, indexed by [`Kind`](crate::fix::template::Kind): the
    /// new-order template is always there.
    pub templates: [Option<OrderTemplate>; 3],
    pub config: SessionConfig,
    /// When to send Logon, after the run's epoch (`--logon-rate` staggering).
    pub logon_delay_ns: u64,
}

/// Everything a worker thread needs.
pub struct WorkerSpec {
    pub index: usize,
    pub core: Option<usize>,
    pub sessions: Vec<SessionSpec>,
    /// The run's load; its open-loop arrivals seeded for this worker.
    pub load: Load,
    pub share: Share,
    pub timing: Timing,
    pub poll: PollMode,
    pub pending_capacity: usize,
    pub transport: crate::transport::TransportConfig,
    /// Stop sending after this many measured orders (this worker's share of `--count`).
    pub count: Option<u64>,
    /// The orders to cycle through, and the row this worker starts at.
    pub feed: Arc<OrderFeed>,
    pub first_row: u64,
    pub mix: Arc<mix::Mix>,
    /// What this run's ClOrdIDs start with (the prefix and the run's random tag); a reply
    /// with another is not ours.
    pub stem: Stem,
    /// Where every session's ClOrdID counter starts: drawn at random per run, like the tag.
    pub first_counter: u32,
    /// `--reconnect`: the worker's end of the reconnector; `None` without it.
    pub reconnect: Option<reconnect::Link>,
}

/// State shared by the workers and the coordinating thread. Workers read it once per loop.
pub struct Shared {
    pub clock: Clock,
    /// TSC reading that is time zero for the run; all `*_ns` are relative to it.
    pub epoch_raw: u64,
    /// UTC nanoseconds at `epoch_raw`.
    pub epoch_utc_ns: u64,
    /// When orders start (after every session logged on), or `u64::MAX` until then.
    pub start_ns: AtomicU64,
    /// Stop sending, drain, log out (Ctrl-C, a lost session, or the end).
    pub stop: AtomicBool,
    /// When `stop` was first set.
    pub stop_ns: AtomicU64,
    /// Give up before the run starts (a session could not log on).
    pub abort: AtomicBool,
    pub workers_logged_on: AtomicUsize,
    /// The first reason the run could not complete.
    pub failure: Mutex<Option<String>>,
    /// Sessions still logged on; when the last is lost the run fails.
    pub sessions_alive: AtomicUsize,
    /// `--fail-fast`: the first lost session fails the run.
    pub fail_fast: AtomicBool,
    /// Sessions lost during the run, and why.
    pub lost: Mutex<Vec<String>>,
    /// The first session-level Reject (35=3) of the run, said in words: which message, the
    /// reason and the text. Formatted once, when it arrives.
    pub first_session_reject: std::sync::OnceLock<String>,
    /// `--reconnect`: every loss of a connection, and when the session came back.
    pub gaps: Mutex<Vec<reconnect::Gap>>,
    /// `--wire-timestamps`: the TSC's time zero on the kernel's realtime clock, calibrated
    /// before the run (set before the workers start).
    pub wire_clock: Option<wire_clock::WireClock>,
    /// `--wire-timestamps`: the most any worker's placement of the TSC had moved by its next
    /// (|drift|, ns).
    pub wire_drift_max: AtomicU64,
    /// `--wire-timestamps hardware`: the stamps are on the NIC's PTP clock, which is not
    /// placed on the realtime clock, so there is no client split (set before the workers start).
    pub wire_on_phc: bool,
}

impl Shared {
    pub fn new(clock: Clock) -> Shared {
        let epoch_raw = clock.raw();
        let epoch_utc_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Shared {
            clock,
            epoch_raw,
            epoch_utc_ns,
            start_ns: AtomicU64::new(u64::MAX),
            stop: AtomicBool::new(false),
            stop_ns: AtomicU64::new(u64::MAX),
            abort: AtomicBool::new(false),
            workers_logged_on: AtomicUsize::new(0),
            failure: Mutex::new(None),
            sessions_alive: AtomicUsize::new(usize::MAX),
            fail_fast: AtomicBool::new(false),
            lost: Mutex::new(Vec::new()),
            first_session_reject: std::sync::OnceLock::new(),
            gaps: Mutex::new(Vec::new()),
            wire_clock: None,
            wire_drift_max: AtomicU64::new(0),
            wire_on_phc: false,
        }
    }

    /// Nanoseconds since the epoch, now.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.clock.delta_as_nanos(self.epoch_raw, self.clock.raw())
    }

    /// Asks every worker to stop sending and finish.
    pub fn request_stop(&self) {
        if !self.stop.swap(true, Ordering::AcqRel) {
            self.stop_ns.store(self.now_ns(), Ordering::Release);
        }
    }

    /// Records why the run cannot complete (the first reason wins) and stops it.
    pub fn fail(&self, reason: String) {
        let mut f = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if f.is_none() {
            *f = Some(reason);
        }
        drop(f);
        self.abort.store(true, Ordering::Release);
        self.request_stop();
    }

    /// A logged-on session was lost during the run. The run goes on with the others unless
    /// `--fail-fast` is set or it was the last one.
    pub fn lose_session(&self, reason: String) {
        if self.fail_fast.load(Ordering::Acquire) {
            return self.fail(reason);
        }
        self.lost.lock().unwrap_or_else(|e| e.into_inner()).push(reason.clone());
        if self.sessions_alive.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.fail(format!("every session was lost; the last: {reason}"));
        }
    }

    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Pins the calling thread, returning a warning when the OS refused.
pub fn pin(core: Option<usize>, what: &str) -> Option<String> {
    let core = core?;
    if core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
        None
    } else {
        Some(format!("warning: could not pin {what} to core {core}; it runs unpinned"))
    }
}
