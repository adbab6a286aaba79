//! The reporter's view of a run: merges worker snapshots into totals and per-interval rows,
//! and emits each interval once every worker has reported it.

use crate::metrics::{Counts, HistSet, Snapshot, histogram};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// One reporting interval, all workers merged.
#[derive(Debug, Clone)]
pub struct IntervalRow {
    /// Interval number: 0 is the first after warm-up.
    pub index: i64,
    pub ack: Histogram<u64>,
    pub warmup_ack: Histogram<u64>,
    pub counts: Counts,
    pub warmup: Counts,
    pub in_flight: u64,
}

#[derive(Debug)]
pub struct Aggregate {
    /// Measured orders only.
    pub total: HistSet,
    pub counts: Counts,
    pub warmup: Counts,
    open: BTreeMap<i64, IntervalRow>,
    latest: Vec<i64>,
    /// Completed intervals after warm-up, in order.
    pub intervals: Vec<IntervalRow>,
}

impl Aggregate {
    pub fn new(workers: usize) -> Aggregate {
        Aggregate {
            total: HistSet::default(),
            counts: Counts::default(),
            warmup: Counts::default(),
            open: BTreeMap::new(),
            latest: vec![i64::MIN; workers],
            intervals: Vec::new(),
        }
    }

    /// Adds a snapshot; returns the intervals it completed, oldest first.
    pub fn add(&mut self, s: &Snapshot) -> Vec<IntervalRow> {
        let warm = std::mem::replace(&mut self.total.warmup_ack, histogram());
        self.total.add(&s.hists);
        self.total.warmup_ack = warm;
        self.counts.add(&s.counts);
        self.warmup.add(&s.warmup);
        let row = self.open.entry(s.index).or_insert_with(|| IntervalRow {
            index: s.index,
            ack: histogram(),
            warmup_ack: histogram(),
            counts: Counts::default(),
            warmup: Counts::default(),
            in_flight: 0,
        });
        row.ack.add(&s.hists.ack).expect("same bounds");
        row.warmup_ack.add(&s.hists.warmup_ack).expect("same bounds");
        row.counts.add(&s.counts);
        row.warmup.add(&s.warmup);
        row.in_flight += s.in_flight;
        self.latest[s.worker] = self.latest[s.worker].max(s.index);
        self.complete()
    }

    /// A worker has finished: nothing more will come from it.
    pub fn worker_done(&mut self, worker: usize) -> Vec<IntervalRow> {
        self.latest[worker] = i64::MAX;
        self.complete()
    }

    fn complete(&mut self) -> Vec<IntervalRow> {
        let upto = self.latest.iter().copied().min().unwrap_or(i64::MIN);
        let mut done = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() > upto {
                break;
            }
            let row = entry.remove();
            if row.index >= 0 {
                self.intervals.push(row.clone());
            }
            done.push(row);
        }
        done
    }
}
