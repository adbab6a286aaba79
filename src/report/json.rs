//! The result file (`--json`): a stable, versioned document described in README.md. Field
//! names are a contract with users' scripts; add fields, never rename them.

use crate::host::HostInfo;
use crate::metrics::{Counts, ErrorKind, Histograms, LatencyKind, PerKind};
use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

pub use super::reconnects::{ReconnectConfig, ReconnectGap, Reconnects};
pub use super::status::Status;
pub use super::wire::{GatewaySide, Wire};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunResult {
    pub schema_version: u32,
    pub tool: Tool,
    pub status: Status,
    pub config: Config,
    pub host: HostInfo,
    pub orders: Orders,
    /// Per message type of `--mix`.
    pub messages: Messages,
    pub errors: Errors,
    pub throughput: Throughput,
    pub latency_ns: Latency,
    pub schedule_lag_ns: Lag,
    /// The harness's own costs (loop period, send and receive calls).
    #[serde(default)]
    pub harness: Harness,
    pub intervals: Vec<Interval>,
    pub histograms: EncodedHistograms,
    /// `--sla` thresholds and their outcome; empty without `--sla`.
    #[serde(default)]
    pub sla: Vec<SlaCheck>,
    /// With `--runs N`, in the combined result only: each run's ack percentiles and how much
    /// they vary from run to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<Runs>,
    /// With `--reconnect` only: the connections lost and the gaps they left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnects: Option<Reconnects>,
    /// With `--wire-timestamps` only: how the kernel's stamps were matched, and how far the
    /// client split (`latency_ns.client_out`, `client_in`) can be trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<Wire>,
    /// With `--wire-timestamps` and the built-in gateway only: the gateway's own wire time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewaySide>,
}

impl RunResult {
    /// The distribution of `k`, from `latency_ns` or `harness`, if the result has one.
    pub fn stats(&self, k: LatencyKind) -> Option<&Stats> {
        if LatencyKind::HARNESS.contains(&k) { self.harness.get(k) } else { self.latency_ns.get(k) }
    }

    /// How a kind is labelled in this result's tables (`long` for the HTML report): in
    /// closed loop an order is due when it is sent, so the ack is labelled for what it is.
    pub fn label(&self, k: LatencyKind, long: bool) -> &'static str {
        match (k, self.config.closed_loop.is_some(), long) {
            (LatencyKind::Ack, true, false) => "ack (closed loop)",
            (LatencyKind::Ack, true, true) => "ack, closed loop: due when sent",
            (k, _, false) => k.about().label,
            (k, _, true) => k.about().long,
        }
    }

    /// The harness's estimated share of the ack p50: half the loop p50 (a reply waits half a
    /// loop on average before it is read) plus the send and receive call p50s, in ns and as a
    /// percentage of the ack p50. None without harness figures.
    pub fn harness_share(&self) -> Option<(u64, f64)> {
        let p50 = |k| self.harness.get(k).and_then(|s| s.p50);
        let ns = p50(LatencyKind::Loop)? / 2 + p50(LatencyKind::SendCall)? + p50(LatencyKind::RecvCall).unwrap_or(0);
        let ack = self.latency_ns.ack().p50?;
        Some((ns, 100.0 * ns as f64 / ack.max(1) as f64))
    }
}

/// Above this share of the ack p50, the summary warns that the harness is in the numbers.
pub const HARNESS_SHARE_WARN_PCT: f64 = 10.0;

/// How the ack latency varied over `--runs`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Runs {
    pub count: usize,
    /// Per statistic (`p50` … `p99_999`, `max`): every run's value and their spread.
    pub ack: BTreeMap<String, Variation>,
}

/// One statistic over several runs, in nanoseconds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Variation {
    /// In run order; null for a run that measured nothing.
    pub values: Vec<Option<u64>>,
    pub min: Option<u64>,
    pub median: Option<u64>,
    pub max: Option<u64>,
    /// Standard deviation over the mean, in percent.
    pub cv_pct: Option<f64>,
}

impl Variation {
    pub fn of(values: Vec<Option<u64>>) -> Variation {
        let mut v: Vec<u64> = values.iter().flatten().copied().collect();
        v.sort_unstable();
        let n = v.len();
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n.max(1) as f64;
        let sd = (v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n.max(1) as f64).sqrt();
        Variation {
            min: v.first().copied(),
            median: (n > 0).then(|| if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 }),
            max: v.last().copied(),
            cv_pct: (n > 1 && mean > 0.0).then(|| 100.0 * sd / mean),
            values,
        }
    }
}

/// One `--sla` threshold checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SlaCheck {
    pub threshold: String,
    /// The measured value as people read it, or "not measured".
    pub measured: String,
    pub pass: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    pub target: String,
    pub builtin_gateway: bool,
    /// The built-in gateway's transport; null with --target.
    pub gateway_backend: Option<String>,
    pub sessions: u32,
    pub threads: usize,
    pub cores: Vec<usize>,
    pub backend: String,
    /// What the backend is doing (io_uring ring options actually used).
    pub backend_options: String,
    pub poll: String,
    /// Open-loop target rate in orders/s; null in closed loop.
    pub rate: Option<f64>,
    /// Orders in flight per session; null in open loop.
    pub closed_loop: Option<ClosedLoop>,
    pub profile: String,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub timeout_s: f64,
    /// `--fix-version`: "4.2" or "4.4". Files written before it was recorded read as "4.2",
    /// the only version fixblast spoke then.
    #[serde(default = "fix_42")]
    pub fix_version: String,
    pub template: String,
    /// `--orders` feed file; null when orders come from the template.
    #[serde(default)]
    pub orders: Option<String>,
    /// Orders in the feed (1 without `--orders`).
    #[serde(default)]
    pub orders_rows: usize,
    /// `--mix`, as relative weights: `new=90,cancel=8,replace=2`.
    #[serde(default)]
    pub mix: String,
    /// `--clordid-prefix`, in front of every ClOrdID; null without one.
    #[serde(default)]
    pub clordid_prefix: Option<String>,
    pub sender_comp_id: String,
    pub target_comp_id: String,
    /// The faults the built-in gateway injected (`--gateway-fault`), as it describes them;
    /// absent without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_faults: Option<String>,
    /// `--reconnect`; absent without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<ReconnectConfig>,
}

fn fix_42() -> String {
    crate::fix::FixVersion::Fix42.label().into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClosedLoop {
    pub window: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Orders {
    /// Messages sent, every type of the mix.
    pub sent: u64,
    /// Due in the measurement window but never sent: the harness fell behind.
    pub not_sent: u64,
    /// First replies that were not errors: new orders acked, cancels and replaces answered.
    pub acked: u64,
    pub filled: u64,
    pub rejected: u64,
    /// Still unanswered when the run ended, after a drain of up to `--timeout` once sending
    /// stopped. An order answered after `--timeout` is `late`, not timed out.
    pub timed_out: u64,
    /// Replies whose ClOrdID names no order this run sent (or one already answered).
    pub unmatched: u64,
    /// Sent but never answered by the end of the drain after sending stopped (also in
    /// `timed_out`). Above 0, the rate was not achieved.
    #[serde(default)]
    pub missing_replies: u64,
    /// Answered after `--timeout`: matched to their orders, their real latency in the
    /// histograms (a stall is never hidden), and counted here, never as unmatched.
    #[serde(default)]
    pub late: u64,
}

/// Per message type of the mix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Messages {
    pub new: MessageCounts,
    pub cancel: MessageCounts,
    pub replace: MessageCounts,
    /// Cancels and replaces that found no live order to amend and went out as new orders
    /// (counted in `new`). Many of them mean the gateway fills or ends orders at once.
    pub substituted: u64,
    /// ResendRequests (35=2) fixblast sent, one per sequence gap in what the gateway sent
    /// (`errors.by_kind.seq_gap`); absent when none was.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resend_requests: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MessageCounts {
    pub sent: u64,
    /// Answered: acked (new), cancelled 150=4 (cancel), replaced 150=5 (replace), or refused.
    pub answered: u64,
    /// Refused: 150=8 for a new order, OrderCancelReject (35=9) for a cancel or replace.
    pub rejected: u64,
}

impl Messages {
    pub fn of(c: &Counts) -> Messages {
        let m =
            |k: &crate::metrics::KindCounts| MessageCounts { sent: k.sent, answered: k.answered, rejected: k.rejected };
        Messages {
            new: m(&c.by_kind[0]),
            cancel: m(&c.by_kind[1]),
            replace: m(&c.by_kind[2]),
            substituted: c.substituted,
            resend_requests: c.resend_requests,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Errors {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// The run's first session-level Reject in words (session, MsgSeqNum, SessionRejectReason
    /// and its name in the version, Text); absent when there was none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_session_reject: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Throughput {
    /// Measured orders sent per second, over the time sending them actually took: a worker
    /// that fell behind and sent late lowers it.
    pub orders_per_s: f64,
    /// First ExecutionReports per second of measurement.
    pub acks_per_s: f64,
    pub target_orders_per_s: Option<f64>,
    /// Open loop: whether orders/s reached 99% of the target. Null in closed loop.
    pub rate_achieved: Option<bool>,
    /// Measured time: the requested duration, or less when stopped early.
    pub duration_s: f64,
}

/// A latency distribution in nanoseconds; percentiles are null when `count` is 0.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub count: u64,
    pub min: Option<u64>,
    pub mean: Option<f64>,
    pub p50: Option<u64>,
    pub p90: Option<u64>,
    pub p99: Option<u64>,
    pub p99_9: Option<u64>,
    pub p99_99: Option<u64>,
    pub p99_999: Option<u64>,
    pub max: Option<u64>,
}

impl Stats {
    pub fn of(h: &Histogram<u64>) -> Stats {
        let n = h.len();
        let q = |q: f64| (n > 0).then(|| h.value_at_quantile(q));
        Stats {
            count: n,
            min: (n > 0).then(|| h.min()),
            mean: (n > 0).then(|| h.mean()),
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p99_9: q(0.999),
            p99_99: q(0.9999),
            p99_999: q(0.99999),
            max: (n > 0).then(|| h.max()),
        }
    }
}

/// A result section with one distribution per kind of a list: which list, and the name serde
/// gives the section.
pub trait Section {
    const KINDS: &'static [LatencyKind];
    const NAME: &'static str;
}

/// `latency_ns`: the round trips ([`LatencyKind::ROUND_TRIPS`]), then with
/// `--wire-timestamps` the wire split ([`LatencyKind::LATENCY_NS`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundTrips;

impl Section for RoundTrips {
    const KINDS: &'static [LatencyKind] = &LatencyKind::LATENCY_NS;
    const NAME: &'static str = "Latency";
}

/// `harness`: the harness's own costs ([`LatencyKind::HARNESS`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HarnessCosts;

impl Section for HarnessCosts {
    const KINDS: &'static [LatencyKind] = &LatencyKind::HARNESS;
    const NAME: &'static str = "Harness";
}

/// One distribution per kind of `S::KINDS`, in that order; null for a kind the run did not
/// measure (kinds [always](crate::metrics::About::always) there never are).
#[derive(Debug, Clone, PartialEq)]
pub struct KindStats<S>(pub PerKind<Option<Stats>>, PhantomData<S>);

/// `latency_ns`: each round trip measured from the intended send time but `ack_service`
/// (from the actual send). `ack` and `ack_service` are always there; the others are null when
/// the run measured none of the kind (`fill` when nothing was filled, `cancel` and `replace`
/// when the mix sends none).
pub type Latency = KindStats<RoundTrips>;

/// `harness`: what the harness itself cost per loop, send call and receive call; null in
/// results from builds that did not measure it.
pub type Harness = KindStats<HarnessCosts>;

impl<S: Section> KindStats<S> {
    pub fn new(stats: PerKind<Option<Stats>>) -> Self {
        KindStats(stats, PhantomData)
    }

    /// The distributions of `h`: those of kinds that are always there, and of the kinds for
    /// which `present` is true.
    pub fn of(h: &Histograms, present: impl Fn(LatencyKind) -> bool) -> Self {
        Self::new(PerKind::from_fn(|k| {
            (S::KINDS.contains(&k) && (k.about().always || present(k))).then(|| Stats::of(&h[k]))
        }))
    }

    /// The kind's distribution, if the result has one.
    pub fn get(&self, k: LatencyKind) -> Option<&Stats> {
        self.0[k].as_ref()
    }
}

impl<S: Section> Default for KindStats<S> {
    fn default() -> Self {
        Self::new(PerKind::from_fn(|_| None))
    }
}

impl Latency {
    /// The ack round trip from the intended send time: always there.
    pub fn ack(&self) -> &Stats {
        self.get(LatencyKind::Ack).expect("a result always has latency_ns.ack")
    }
}

impl<S> Index<LatencyKind> for KindStats<S> {
    type Output = Option<Stats>;
    fn index(&self, k: LatencyKind) -> &Option<Stats> {
        &self.0[k]
    }
}

impl<S> IndexMut<LatencyKind> for KindStats<S> {
    fn index_mut(&mut self, k: LatencyKind) -> &mut Option<Stats> {
        &mut self.0[k]
    }
}

impl<S: Section> Serialize for KindStats<S> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        let absent = |k: LatencyKind| k.about().wire && self.0[LatencyKind::Wire].is_none();
        let mut m = s.serialize_struct(S::NAME, S::KINDS.iter().filter(|&&k| !absent(k)).count())?;
        for &k in S::KINDS {
            // A result without --wire-timestamps has no wire fields at all: it stays what it
            // was. With them, a split not trusted is null.
            if absent(k) {
                m.skip_field(k.name())?;
                continue;
            }
            m.serialize_field(k.name(), &self.0[k])?;
        }
        m.end()
    }
}

impl<'de, S: Section> Deserialize<'de> for KindStats<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut fields = BTreeMap::<String, Option<Stats>>::deserialize(d)?;
        let mut out = PerKind::from_fn(|_| None);
        for &k in S::KINDS {
            out[k] = match fields.remove(k.name()) {
                Some(Some(stats)) => Some(stats),
                _ if k.about().always => return Err(serde::de::Error::missing_field(k.name())),
                _ => None,
            };
        }
        Ok(Self::new(out))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lag {
    pub p50: Option<u64>,
    pub p99: Option<u64>,
    pub max: Option<u64>,
}

impl Lag {
    pub fn of(h: &Histogram<u64>) -> Lag {
        let s = Stats::of(h);
        Lag { p50: s.p50, p99: s.p99, max: s.max }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interval {
    /// End of the interval, seconds after warm-up ended.
    pub t_s: f64,
    /// The interval's real length: `--interval`, or less for the last interval when the
    /// measurement ended inside it (a duration that is not a whole number of intervals, or
    /// a stop). Its rate is over this length. Replies that arrive after sending stopped
    /// (the drain) count in the interval sending stopped in; no interval follows it.
    /// Absent in files from before it, whose intervals were all taken as whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_s: Option<f64>,
    pub orders_per_s: f64,
    /// What the load profile asked for over the interval (its rate at the middle); null in
    /// closed loop.
    #[serde(default)]
    pub target_per_s: Option<f64>,
    pub ack: IntervalAck,
    pub errors: u64,
    pub in_flight: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IntervalAck {
    pub count: u64,
    pub p50: Option<u64>,
    pub p99: Option<u64>,
    pub max: Option<u64>,
}

/// `histograms`: base64 of HdrHistogram V2 compressed (deflate) encodings, readable by any
/// HdrHistogram implementation, so results merge and compare without loss. One per kind of
/// [`LatencyKind::KEPT`], in that order; a kind [added later](crate::metrics::About::added_later)
/// is an empty string in files from before it. The [wire](crate::metrics::About::wire) kinds
/// are present only when they have samples: absent, they read as empty strings.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedHistograms(pub PerKind<String>);

impl EncodedHistograms {
    /// Every kept histogram of `h`, encoded.
    pub fn of(h: &Histograms) -> EncodedHistograms {
        EncodedHistograms(h.map(|k, h| {
            let kept = LatencyKind::KEPT.contains(&k) && !(k.about().wire && h.is_empty());
            if kept { encode_histogram(h) } else { String::new() }
        }))
    }
}

impl Index<LatencyKind> for EncodedHistograms {
    type Output = String;
    fn index(&self, k: LatencyKind) -> &String {
        &self.0[k]
    }
}

impl IndexMut<LatencyKind> for EncodedHistograms {
    fn index_mut(&mut self, k: LatencyKind) -> &mut String {
        &mut self.0[k]
    }
}

impl Serialize for EncodedHistograms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let absent = |k: LatencyKind| k.about().wire && self.0[k].is_empty();
        let mut m = s.serialize_struct("Histograms", LatencyKind::KEPT.iter().filter(|&&k| !absent(k)).count())?;
        for k in LatencyKind::KEPT {
            if absent(k) {
                m.skip_field(k.name())?;
                continue;
            }
            m.serialize_field(k.name(), &self.0[k])?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for EncodedHistograms {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut fields = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
        let mut out = PerKind::from_fn(|_| String::new());
        for k in LatencyKind::KEPT {
            out[k] = match fields.remove(k.name()) {
                Some(v) => String::deserialize(v).map_err(serde::de::Error::custom)?,
                None if k.about().added_later || k.about().wire => String::new(),
                None => return Err(serde::de::Error::missing_field(k.name())),
            };
        }
        Ok(EncodedHistograms(out))
    }
}

impl Orders {
    pub fn of(c: &Counts) -> Orders {
        Orders {
            sent: c.sent,
            not_sent: c.not_sent,
            acked: c.acked,
            filled: c.filled,
            rejected: c.get(ErrorKind::Rejected),
            timed_out: c.get(ErrorKind::TimedOut),
            unmatched: c.get(ErrorKind::Unmatched),
            missing_replies: c.missing,
            late: c.late,
        }
    }
}

impl Errors {
    pub fn of(c: &Counts) -> Errors {
        Errors {
            total: c.total_errors(),
            by_kind: ErrorKind::ALL.iter().map(|k| (k.name().to_string(), c.get(*k))).collect(),
            first_session_reject: None,
        }
    }
}

/// HdrHistogram V2 deflate encoding, base64.
pub fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes).expect("serializing to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The inverse of [`encode_histogram`].
pub fn decode_histogram(s: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| format!("bad base64: {e}"))?;
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("bad HdrHistogram encoding: {e:?}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A result file with nothing measured, built from JSON so that fields added later with
    /// `#[serde(default)]` leave the tests that use it alone.
    pub(crate) fn empty_result() -> RunResult {
        let stats = serde_json::json!({ "count": 0 });
        let v = serde_json::json!({
            "schema_version": 1,
            "tool": { "name": "fixblast", "version": "0.1.0" },
            "status": { "completed": true, "interrupted": false, "started_at_unix_s": 1.7e9 },
            "config": {
                "target": "127.0.0.1:9878", "builtin_gateway": true, "sessions": 1, "threads": 1, "cores": [],
                "backend": "syscall", "backend_options": "", "poll": "spin", "profile": "constant:10000",
                "duration_s": 10.0, "warmup_s": 2.0, "timeout_s": 5.0, "template": "nos",
                "sender_comp_id": "BLAST", "target_comp_id": "EXCH", "rate": 10000.0
            },
            "host": { "cores": 2 },
            "orders": { "sent": 0, "not_sent": 0, "acked": 0, "filled": 0, "rejected": 0, "timed_out": 0, "unmatched": 0 },
            "messages": {
                "new": { "sent": 0, "answered": 0, "rejected": 0 },
                "cancel": { "sent": 0, "answered": 0, "rejected": 0 },
                "replace": { "sent": 0, "answered": 0, "rejected": 0 },
                "substituted": 0
            },
            "errors": { "total": 0, "by_kind": {} },
            "throughput": { "orders_per_s": 0.0, "acks_per_s": 0.0, "target_orders_per_s": 10000.0, "duration_s": 10.0 },
            "latency_ns": { "ack": stats, "ack_service": stats },
            "schedule_lag_ns": {},
            "intervals": [],
            "histograms": { "ack": "", "ack_service": "", "fill": "", "schedule_lag": "" }
        });
        serde_json::from_value(v).expect("a minimal result file")
    }
    use crate::metrics::histogram;

    #[test]
    fn histograms_round_trip_through_base64_v2() {
        let mut h = histogram();
        for v in [1u64, 500, 12_345, 999_999, 59_000_000_000] {
            h.record(v).unwrap();
        }
        let back = decode_histogram(&encode_histogram(&h)).unwrap();
        assert_eq!(back.len(), 5);
        assert_eq!(back.max(), h.max());
        assert_eq!(back.value_at_quantile(0.5), h.value_at_quantile(0.5));
    }

    #[test]
    fn variation_over_runs() {
        let v = Variation::of(vec![Some(100), None, Some(300), Some(200)]);
        assert_eq!((v.min, v.median, v.max), (Some(100), Some(200), Some(300)));
        let cv = v.cv_pct.unwrap();
        assert!((cv - 40.82).abs() < 0.01, "{cv}");
        assert_eq!(Variation::of(vec![None]).median, None);
        assert_eq!(Variation::of(vec![Some(5), Some(7)]).median, Some(6));
    }

    #[test]
    fn empty_stats_are_null_not_zero() {
        let s = Stats::of(&histogram());
        assert_eq!(s.count, 0);
        assert_eq!(s.p50, None);
        assert_eq!(s.max, None);
    }
}
