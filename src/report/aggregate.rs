//! The reporter's view of a run: merges worker snapshots into totals and per-interval rows,
//! and emits each interval once every worker has reported it.

use crate::metrics::{Counts, Histograms, LatencyKind, Snapshot};
use std::collections::BTreeMap;

/// One reporting interval, all workers merged.
#[derive(Debug, Clone)]
pub struct IntervalRow {
    /// Interval number: 0 is the first after warm-up.
    pub index: i64,
    /// Every kind, warm-up acks included.
    pub hists: Histograms,
    pub counts: Counts,
    pub warmup: Counts,
    pub in_flight: u64,
}

/// What is kept of a completed interval for the result file: a few numbers, not its
/// histograms, so a long run's memory stays flat.
#[derive(Debug, Clone, Copy)]
pub struct IntervalSummary {
    pub index: i64,
    pub ack_count: u64,
    pub ack_p50: Option<u64>,
    pub ack_p99: Option<u64>,
    pub ack_max: Option<u64>,
    pub counts: Counts,
    pub in_flight: u64,
}

impl IntervalSummary {
    fn of(r: &IntervalRow) -> IntervalSummary {
        let ack = &r.hists[LatencyKind::Ack];
        let n = ack.len();
        let q = |q: f64| (n > 0).then(|| ack.value_at_quantile(q));
        IntervalSummary {
            index: r.index,
            ack_count: n,
            ack_p50: q(0.5),
            ack_p99: q(0.99),
            ack_max: (n > 0).then(|| ack.max()),
            counts: r.counts,
            in_flight: r.in_flight,
        }
    }
}

#[derive(Debug)]
pub struct Aggregate {
    /// Measured orders only.
    pub total: Histograms,
    pub counts: Counts,
    pub warmup: Counts,
    /// When the last measured order actually left, over all workers.
    pub last_sent_ns: u64,
    /// When the first order (warm-up included) actually left, over all workers; 0: none did.
    pub first_sent_ns: u64,
    open: BTreeMap<i64, IntervalRow>,
    /// Rows the reporter is done with, reset, for the next intervals: the reporter does not
    /// allocate histograms per interval either.
    spare: Vec<IntervalRow>,
    latest: Vec<i64>,
    /// The index of the last row completed.
    emitted: Option<i64>,
    /// Completed intervals after warm-up, in order.
    pub intervals: Vec<IntervalSummary>,
}

impl Aggregate {
    pub fn new(workers: usize) -> Aggregate {
        Aggregate {
            total: Histograms::default(),
            counts: Counts::default(),
            warmup: Counts::default(),
            last_sent_ns: 0,
            first_sent_ns: 0,
            open: BTreeMap::new(),
            spare: Vec::new(),
            latest: vec![i64::MIN; workers],
            emitted: None,
            intervals: Vec::new(),
        }
    }

    /// A row for `index`, empty: a spare one when there is one.
    fn empty_row(spare: &mut Vec<IntervalRow>, index: i64) -> IntervalRow {
        match spare.pop() {
            Some(row) => IntervalRow { index, ..row },
            None => IntervalRow {
                index,
                hists: Histograms::default(),
                counts: Counts::default(),
                warmup: Counts::default(),
                in_flight: 0,
            },
        }
    }

    /// Adds a snapshot; returns the intervals it completed, oldest first.
    pub fn add(&mut self, s: &Snapshot) -> Vec<IntervalRow> {
        // Totals hold measured orders only: every histogram but the warm-up one.
        self.total.add_where(&s.hists, LatencyKind::measured);
        self.counts.add(&s.counts);
        self.warmup.add(&s.warmup);
        self.last_sent_ns = self.last_sent_ns.max(s.last_sent_ns);
        if s.first_sent_ns != 0 && (self.first_sent_ns == 0 || s.first_sent_ns < self.first_sent_ns) {
            self.first_sent_ns = s.first_sent_ns;
        }
        let spare = &mut self.spare;
        let row = self.open.entry(s.index).or_insert_with(|| Self::empty_row(spare, s.index));
        row.hists.add(&s.hists);
        row.counts.add(&s.counts);
        row.warmup.add(&s.warmup);
        row.in_flight += s.in_flight;
        self.latest[s.worker] = self.latest[s.worker].max(s.index);
        self.complete()
    }

    /// Takes back a completed row once it has been shown and logged, for reuse.
    pub fn recycle(&mut self, mut row: IntervalRow) {
        row.hists.reset();
        (row.counts, row.warmup, row.in_flight) = (Counts::default(), Counts::default(), 0);
        self.spare.push(row);
    }

    /// A worker has finished: nothing more will come from it.
    pub fn worker_done(&mut self, worker: usize) -> Vec<IntervalRow> {
        self.latest[worker] = i64::MAX;
        self.complete()
    }

    /// The measurement is over and its last interval is `last`: rows for the intervals after
    /// the last one completed, up to `last`, in which no worker reported anything (it was
    /// stalled past the end), so the series has a row for every interval measured.
    pub fn close(&mut self, last: i64) -> Vec<IntervalRow> {
        // Rows a worker still held open (the reporter stopped waiting for it) keep the data
        // the others reported for them.
        self.latest.fill(i64::MAX);
        let mut done = self.complete();
        let next = self.emitted.map_or(0, |e| e + 1);
        for index in next..=last {
            let row = Self::empty_row(&mut self.spare, index);
            self.push_row(row, &mut done);
        }
        done
    }

    fn complete(&mut self) -> Vec<IntervalRow> {
        let upto = self.latest.iter().copied().min().unwrap_or(i64::MIN);
        let mut done = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() > upto {
                break;
            }
            let row = entry.remove();
            // Intervals no worker reported (every one stalled through them) are rows too,
            // empty: a gap in the series would hide the stall.
            // The series starts at the first interval measured (0) even when every worker
            // started late.
            let gap = self.emitted.map_or(row.index.min(0), |e| e + 1)..row.index;
            for index in gap {
                let empty = Self::empty_row(&mut self.spare, index);
                self.push_row(empty, &mut done);
            }
            self.push_row(row, &mut done);
        }
        done
    }

    fn push_row(&mut self, row: IntervalRow, done: &mut Vec<IntervalRow>) {
        if row.index >= 0 {
            self.intervals.push(IntervalSummary::of(&row));
        }
        self.emitted = Some(row.index);
        done.push(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ErrorKind;

    fn snap(worker: usize, index: i64, ack: &[u64], sent: u64) -> Snapshot {
        let mut hists = Box::<Histograms>::default();
        let kind = if index < 0 { LatencyKind::WarmupAck } else { LatencyKind::Ack };
        for &v in ack {
            hists[kind].record(v).unwrap();
        }
        let c = Counts { sent, ..Counts::default() };
        let (counts, warmup) = if index < 0 { (Counts::default(), c) } else { (c, Counts::default()) };
        Snapshot { worker, index, hists, counts, warmup, in_flight: 1, last_sent_ns: 0, first_sent_ns: 0 }
    }

    #[test]
    fn an_interval_completes_only_when_every_worker_reported_it() {
        let mut a = Aggregate::new(2);
        assert!(a.add(&snap(0, 0, &[100], 1)).is_empty());
        let done = a.add(&snap(1, 0, &[300], 1));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].hists[LatencyKind::Ack].len(), 2);
        assert_eq!(done[0].in_flight, 2);
        assert_eq!(a.intervals[0].ack_count, 2);
        assert_eq!(a.intervals[0].ack_max, Some(300));
    }

    #[test]
    fn a_worker_that_skipped_an_interval_does_not_hold_it_back() {
        let mut a = Aggregate::new(2);
        a.add(&snap(0, 0, &[100], 1));
        // Worker 1 skipped 0 and 1 (a long stall): both workers are past 0 now.
        let done = a.add(&snap(1, 2, &[100], 1));
        assert_eq!(done.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0]);
        // Interval 1, which no worker reported, is a row of its own, empty.
        let done = a.add(&snap(0, 3, &[], 0));
        assert_eq!(done.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!((done[0].counts.sent, done[0].hists[LatencyKind::Ack].len()), (0, 0));
        assert_eq!(done[1].counts.sent, 1);
    }

    #[test]
    fn closing_keeps_the_rows_a_late_worker_still_held_open() {
        let mut a = Aggregate::new(2);
        a.add(&snap(0, 0, &[100], 1));
        a.add(&snap(1, 0, &[100], 1));
        // Worker 0 reported interval 1; worker 1 never did (the reporter gave up on it).
        a.add(&snap(0, 1, &[200, 300], 2));
        let rows = a.close(1);
        assert_eq!(rows.iter().map(|r| (r.index, r.counts.sent)).collect::<Vec<_>>(), [(1, 2)]);
        assert_eq!(a.intervals.iter().map(|i| i.counts.sent).collect::<Vec<_>>(), [2, 2]);
    }

    #[test]
    fn the_series_starts_at_the_first_interval_even_when_every_worker_started_late() {
        let mut a = Aggregate::new(1);
        let rows = a.add(&snap(0, 2, &[100], 1));
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn every_interval_measured_has_a_row_even_when_no_worker_reported_it() {
        let mut a = Aggregate::new(1);
        a.add(&snap(0, -1, &[100], 1));
        // Stalled from the warm-up until after the end of a 3-interval measurement: its one
        // snapshot of the measurement is labelled 0.
        a.add(&snap(0, 0, &[5_000_000], 1));
        a.worker_done(0);
        let tail = a.close(2);
        assert_eq!(tail.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(a.intervals.iter().map(|i| (i.index, i.counts.sent)).collect::<Vec<_>>(), [(0, 1), (1, 0), (2, 0)]);
        assert!(a.close(2).is_empty(), "closing twice adds nothing");
    }

    #[test]
    fn a_recycled_row_starts_empty() {
        let mut a = Aggregate::new(1);
        let mut done = a.add(&snap(0, 0, &[100, 200], 2));
        a.recycle(done.pop().unwrap());
        let done = a.add(&snap(0, 1, &[300], 1));
        assert_eq!(done.len(), 1);
        let row = &done[0];
        assert_eq!((row.index, row.hists[LatencyKind::Ack].len(), row.counts.sent, row.in_flight), (1, 1, 1, 1));
        assert_eq!(row.hists[LatencyKind::Ack].max(), 300);
        assert!(a.spare.is_empty(), "the spare row was reused");
    }

    #[test]
    fn warm_up_is_shown_but_never_counted_in_totals() {
        let mut a = Aggregate::new(1);
        let done = a.add(&snap(0, -1, &[5_000], 10));
        assert_eq!(done[0].hists[LatencyKind::WarmupAck].len(), 1);
        a.add(&snap(0, 0, &[1_000], 3));
        a.worker_done(0);
        assert_eq!(a.total[LatencyKind::Ack].len(), 1);
        assert_eq!(a.total[LatencyKind::WarmupAck].len(), 0);
        assert_eq!(a.counts.sent, 3);
        assert_eq!(a.warmup.sent, 10);
        assert_eq!(a.intervals.len(), 1, "warm-up intervals are not result intervals");
        assert_eq!(a.counts.get(ErrorKind::TimedOut), 0);
    }
}
