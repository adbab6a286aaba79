//! The result file's `wire` section (`--wire-timestamps`): how the kernel's stamps were
//! matched and how far the client split can be trusted; and its `gateway` section: the
//! built-in gateway's own wire time.

use super::json::Stats;
use serde::{Deserialize, Serialize};

/// `wire`: what `--wire-timestamps` adds besides `latency_ns.wire`, `client_out` and
/// `client_in`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Wire {
    /// `software` (the kernel's stamps, realtime clock) or `hardware` (the NIC's, on its PTP
    /// clock: `client_split` is then false).
    pub mode: String,
    /// The calibrated realtime at the run's TSC time zero minus the single realtime reading
    /// taken with it: how far a plain reading would have put the harness's stamps.
    pub clock_offset_ns: i64,
    /// The calibrating reading's uncertainty (its TSC bracket).
    pub clock_width_ns: u64,
    /// How far the TSC's placement on the realtime clock had moved by the next placement
    /// (each worker places it every 10 ms): the largest |drift| of the run, any worker.
    /// The client split is off by up to about this much.
    pub drift_ns: i64,
    /// Above this |drift_ns|, `client_out` and `client_in` are null.
    pub drift_bound_ns: u64,
    /// Whether `client_out` and `client_in` are reported.
    pub client_split: bool,
    /// Measured first replies without a wire time: their order's or their own kernel stamp
    /// was not found (the kernel turns receive stamps on a moment after the first socket
    /// asks). `latency_ns.wire.count + unstamped + anomalies` = first replies measured.
    pub unstamped: u64,
    /// Measured first replies whose kernel stamps came out of order: not recorded.
    pub anomalies: u64,
    /// Replies with a wire time whose client split came out at or below 0: not recorded
    /// in `client_out`/`client_in`.
    pub client_anomalies: u64,
    /// Replies with a wire time that were not the last bytes of their read: Linux stamps a
    /// read with its last segment's stamp, so one that came in an earlier segment of the
    /// read has its `wire` overstated and `client_in` understated by the time between the
    /// two. An upper bound: the reply and the bytes after it may have shared a segment.
    #[serde(default)]
    pub shared_reads: u64,
}

/// `gateway`: with `--wire-timestamps` and the built-in gateway only (absent with
/// `--target`: an external gateway's insides are not seen).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GatewaySide {
    /// The gateway's socket-to-socket time per request it answered after the warm-up: the
    /// kernel's stamp of the read that brought the request's last byte to that of the send
    /// that carried its first report's last byte. Like a `latency_ns` entry; null when the
    /// gateway's backend took no stamps (`wire_unmeasured` says why).
    pub wire_ns: Option<Stats>,
    /// Requests (orders, cancels, replaces) the gateway answered with a report after the
    /// warm-up, by its own clock: `wire_ns.count + wire_unstamped + wire_anomalies`.
    pub answered: u64,
    /// Answered requests missing one of the two stamps: counted, never recorded.
    pub wire_unstamped: u64,
    /// Answered requests whose send stamp was not after their receive stamp (or over 60
    /// s): counted, never recorded.
    pub wire_anomalies: u64,
    /// Why `wire_ns` is null; absent when it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire_unmeasured: Option<String>,
}
