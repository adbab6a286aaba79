//! Per-worker measurements: latency histograms and counters, swapped out to the reporter
//! once per interval.
//!
//! Every histogram is created up front with fixed bounds (1 ns to 60 s, 3 significant
//! digits), so `record` never allocates. Workers own theirs; at each interval boundary a
//! worker sends its filled [`Histograms`] in a [`Snapshot`] over a crossbeam channel and carries
//! on with an empty one the reporter sent back. Nothing here is shared between threads.

mod kind;

pub use kind::{About, LatencyKind, PerKind};

use hdrhistogram::Histogram;

/// Highest latency a histogram records: 60 s in nanoseconds.
pub const MAX_NS: u64 = 60_000_000_000;
/// Significant decimal digits kept by every histogram.
pub const SIGFIGS: u8 = 3;

/// An empty histogram with fixed bounds, so that recording never allocates.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, SIGFIGS).expect("valid fixed histogram bounds")
}

/// Kinds of error, counted separately. Order matters: it indexes [`Counts::errors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The gateway rejected an order (ExecType 8).
    Rejected,
    /// No ExecutionReport by the end of the run, after a drain of up to `--timeout` (a
    /// reply after `--timeout` but before that is late, not an error).
    TimedOut,
    /// An ExecutionReport whose ClOrdID matches no order in flight.
    Unmatched,
    /// Bytes that do not frame as FIX of the run's version (bad BeginString, BodyLength).
    Garbled,
    BadChecksum,
    /// A message that frames but does not parse.
    Unparseable,
    SeqGap,
    SeqTooLow,
    /// A session Reject (35=3). When its RefSeqNum (45) names an order in flight, that
    /// order is answered by it: never also timed out.
    SessionReject,
    /// A BusinessMessageReject (35=j). When it names an order in flight (ClOrdID in 379,
    /// or its MsgSeqNum in 45), that order is answered by it: never also timed out.
    BusinessReject,
    /// A message out of place in the session (before Logon, a second Logon).
    SessionProtocol,
    /// A message type the harness does not expect (e.g. an order sent to us).
    UnexpectedMessage,
    /// The connection closed or the peer stopped answering during the run.
    Disconnected,
    /// A reply timestamp not after its send timestamp (never recorded as 0 ns).
    ClockAnomaly,
    /// A latency above the histogram's 60 s bound.
    OutOfRange,
    /// A resend (PossDupFlag 43=Y) of a message already received: dropped, never counted
    /// twice as an ack, a fill or an unmatched reply.
    Duplicate,
}

impl ErrorKind {
    pub const COUNT: usize = 16;
    pub const ALL: [ErrorKind; Self::COUNT] = [
        ErrorKind::Rejected,
        ErrorKind::TimedOut,
        ErrorKind::Unmatched,
        ErrorKind::Garbled,
        ErrorKind::BadChecksum,
        ErrorKind::Unparseable,
        ErrorKind::SeqGap,
        ErrorKind::SeqTooLow,
        ErrorKind::SessionReject,
        ErrorKind::BusinessReject,
        ErrorKind::SessionProtocol,
        ErrorKind::UnexpectedMessage,
        ErrorKind::Disconnected,
        ErrorKind::ClockAnomaly,
        ErrorKind::OutOfRange,
        ErrorKind::Duplicate,
    ];

    /// The name used in the result file and the summary.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Rejected => "rejected",
            ErrorKind::TimedOut => "timed_out",
            ErrorKind::Unmatched => "unmatched",
            ErrorKind::Garbled => "garbled",
            ErrorKind::BadChecksum => "bad_checksum",
            ErrorKind::Unparseable => "unparseable",
            ErrorKind::SeqGap => "seq_gap",
            ErrorKind::SeqTooLow => "seq_too_low",
            ErrorKind::SessionReject => "session_reject",
            ErrorKind::BusinessReject => "business_reject",
            ErrorKind::SessionProtocol => "session_protocol",
            ErrorKind::UnexpectedMessage => "unexpected_message",
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::ClockAnomaly => "clock_anomaly",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::Duplicate => "duplicate",
        }
    }
}

/// Counters for one message type of the mix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    pub sent: u64,
    /// Answered: acked (new), cancelled (150=4), replaced (150=5), or refused (35=9, 150=8).
    pub answered: u64,
    /// Refused: 150=8 for a new order, OrderCancelReject (35=9) for a cancel or replace.
    pub rejected: u64,
}

impl KindCounts {
    fn add(&mut self, o: &KindCounts) {
        self.sent += o.sent;
        self.answered += o.answered;
        self.rejected += o.rejected;
    }
}

/// Order and error counters. `Copy`, fixed size: cheap to add up and to send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Messages sent, of every type in the mix.
    pub sent: u64,
    /// Orders the schedule asked for that had not left when the window closed (the harness
    /// could not keep up): reported, never hidden.
    pub not_sent: u64,
    pub acked: u64,
    pub filled: u64,
    pub errors: [u64; ErrorKind::COUNT],
    /// Per message type, indexed by [`Kind`](crate::fix::template::Kind).
    pub by_kind: [KindCounts; 3],
    /// Cancels and replaces that found no live order to amend and went out as new orders.
    pub substituted: u64,
    /// Orders still unanswered when the drain after the run ended (also counted as timed
    /// out).
    pub missing: u64,
    /// Replies that came after `--timeout`: matched, their real latency recorded.
    pub late: u64,
    /// ResendRequests (35=2) sent for sequence gaps in what the gateway sent.
    pub resend_requests: u64,
    /// `--wire-timestamps`: measured first replies whose order or reply had no kernel stamp
    /// to be found (receive stamping not on yet, or a stamp no longer kept): no wire time.
    pub wire_unstamped: u64,
    /// `--wire-timestamps`: measured first replies whose kernel stamps came out of order
    /// (received at or before the order was sent): counted, never recorded.
    pub wire_anomalies: u64,
    /// `--wire-timestamps`: replies with a wire time whose client split came out at or below
    /// 0 (the TSC's placement on the realtime clock is off by more than the split): counted,
    /// never recorded.
    pub client_anomalies: u64,
    /// `--wire-timestamps`: replies with a wire time that were not the last bytes of their
    /// read. Linux gives a read one stamp, its last segment's: when the reply came in an
    /// earlier segment of that read, its `wire` is overstated and its `client_in`
    /// understated by the time between the two. An upper bound (both may be one segment).
    pub wire_shared_reads: u64,
}

impl Counts {
    #[inline]
    pub fn error(&mut self, kind: ErrorKind) {
        self.errors[kind as usize] += 1;
    }

    pub fn get(&self, kind: ErrorKind) -> u64 {
        self.errors[kind as usize]
    }

    pub fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn add(&mut self, o: &Counts) {
        self.sent += o.sent;
        self.not_sent += o.not_sent;
        self.acked += o.acked;
        self.filled += o.filled;
        for (a, b) in self.errors.iter_mut().zip(o.errors.iter()) {
            *a += b;
        }
        for (a, b) in self.by_kind.iter_mut().zip(o.by_kind.iter()) {
            a.add(b);
        }
        self.substituted += o.substituted;
        self.missing += o.missing;
        self.late += o.late;
        self.resend_requests += o.resend_requests;
        self.wire_unstamped += o.wire_unstamped;
        self.wire_anomalies += o.wire_anomalies;
        self.client_anomalies += o.client_anomalies;
        self.wire_shared_reads += o.wire_shared_reads;
    }
}

/// One histogram per [`LatencyKind`]: what a worker fills during one interval, and what the
/// reporter adds up.
pub type Histograms = PerKind<Histogram<u64>>;

impl Default for Histograms {
    fn default() -> Self {
        PerKind::from_fn(|_| histogram())
    }
}

impl Histograms {
    pub fn reset(&mut self) {
        self.0.iter_mut().for_each(Histogram::reset);
    }

    /// Adds every kind of `o` for which `which` is true (same bounds, so this never fails or
    /// allocates).
    pub fn add_where(&mut self, o: &Histograms, which: impl Fn(LatencyKind) -> bool) {
        for (k, h) in self.iter_mut() {
            if which(k) {
                h.add(&o[k]).expect("histograms share bounds");
            }
        }
    }

    /// Adds every kind of `o`.
    pub fn add(&mut self, o: &Histograms) {
        self.add_where(o, |_| true);
    }
}

/// One worker's interval, sent to the reporter.
#[derive(Debug)]
pub struct Snapshot {
    pub worker: usize,
    /// Interval number: 0 is the first second after warm-up, negative numbers are warm-up.
    pub index: i64,
    pub hists: Box<Histograms>,
    /// Orders whose intended send time was in the measurement window.
    pub counts: Counts,
    /// Warm-up orders, and errors seen during warm-up.
    pub warmup: Counts,
    /// Orders awaiting their first ExecutionReport at the end of the interval.
    pub in_flight: u64,
    /// When the last measured order of the interval actually left (ns since the run's
    /// epoch; 0 if none did): a worker that falls behind sends late, and the rate must say so.
    pub last_sent_ns: u64,
    /// When this worker's first order (warm-up included) actually left (ns since the run's
    /// epoch; 0 until one has): with `--start-at`, how late the process really started.
    pub first_sent_ns: u64,
}

/// Records `v` into `h`, counting what cannot be recorded instead of clamping it.
#[inline]
pub fn record(h: &mut Histogram<u64>, v: u64, counts: &mut Counts) {
    if h.record(v).is_err() {
        counts.error(ErrorKind::OutOfRange);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_index_their_own_counter() {
        for (i, k) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
    }

    #[test]
    fn values_beyond_60s_are_counted_not_clamped() {
        let mut h = histogram();
        let mut c = Counts::default();
        record(&mut h, MAX_NS * 2, &mut c);
        assert_eq!(h.len(), 0);
        assert_eq!(c.get(ErrorKind::OutOfRange), 1);
        record(&mut h, 1234, &mut c);
        assert_eq!(h.len(), 1);
    }
}
