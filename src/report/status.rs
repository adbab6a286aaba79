//! The result file's `status` block: how the run went, when it started, and how well the
//! host's wall clock was kept (what `--start-at` across hosts rests on). Apart from `json.rs`,
//! which re-exports it, to keep that file small enough to hold in one's head.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Status {
    /// True when the run measured for its whole duration and logged out cleanly.
    pub completed: bool,
    /// Stopped early by SIGINT/SIGTERM.
    pub interrupted: bool,
    /// Why the run could not complete (exit code 3).
    pub failure: Option<String>,
    /// Sessions lost during the run (the run went on with the others), and why.
    #[serde(default)]
    pub sessions_lost: Vec<String>,
    /// UTC Unix seconds when orders started; null when they never did (the run could not
    /// connect or log on). Files from before may hold 0 for that.
    #[serde(default)]
    pub started_at_unix_s: Option<f64>,
    /// The instant `--start-at` asked for, UTC Unix seconds; absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_unix_s: Option<f64>,
    /// When the first order (warm-up included) actually left, UTC Unix seconds; absent when
    /// none did. With `--start-at`, this minus `start_at_unix_s` is how late this process
    /// really started (`started_at_unix_s` is when its schedule began).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_sent_at_unix_s: Option<f64>,
    /// In a merged result, the latest input's `first_sent_at_unix_s` minus the earliest (their
    /// `started_at_unix_s` for inputs from before that field); absent in a single run's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_spread_s: Option<f64>,
    /// The wall clock's discipline when the run started (`adjtimex`): `--start-at` is
    /// wall-clock time, so hosts started together agree only as well as their clocks do. In a
    /// merged result, the least synchronized input's. Absent when unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_sync: Option<crate::host::clock_sync::ClockSync>,
}
