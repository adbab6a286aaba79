//! One turn of the worker's loop, in every phase: hand inbound bytes to the sessions (and
//! their application messages to the recorder), run session timers and queue what they send,
//! notice closed connections, expire orders past `--timeout`, close out the reporting
//! interval, and poll the transport.
//!
//! It owns the order of those steps and the interval boundaries. It must not decide what to
//! send (`send`) or what a reply means (`reply`). Per loop it must not allocate, lock or
//! format: only a failing session formats its reason, and the flush hands a snapshot to the
//! reporter once per interval over a channel.

use super::reply::handle_event;
use super::{Report, SCRATCH, Worker};
use crate::fix::session::State;
use crate::metrics::{ErrorKind, Snapshot};
use crate::transport::Transport;
use std::sync::atomic::Ordering;

impl<T: Transport> Worker<T> {
    /// Handles what arrived, runs session timers and transmits, expires old orders, closes
    /// out intervals, then polls the transport. Returns true when anything happened.
    pub(super) fn step(&mut self, ns: u64) -> bool {
        let utc = self.shared.epoch_utc_ns + ns;
        let Worker { transport, sessions, shared, recorder, scratch, timing, .. } = self;
        let mut progress = false;
        for s in sessions.iter_mut() {
            if s.done || ns < s.logon_at_ns {
                continue;
            }
            let inbox = transport.inbox(s.conn);
            if !inbox.is_empty() {
                let (pending, resting, index) = (&mut s.pending, &mut s.resting, s.index);
                let clock = &shared.clock;
                let used = s.session.on_bytes(utc, inbox.data(), |_, msg, raw| {
                    // Each reply is stamped as the session hands it over (framed and parsed).
                    let now_raw = clock.raw();
                    let now_ns = clock.delta_as_nanos(shared.epoch_raw, now_raw);
                    recorder.on_app(clock, now_raw, now_ns, pending, resting, index, msg, raw)
                });
                inbox.consume(used);
                progress = true;
            }
            if let Some(due) = s.session.poll_timeout()
                && utc >= due
            {
                s.session.on_timeout(utc);
            }
            while s.session.has_transmit() {
                let out = transport.out(s.conn);
                if out.room() < SCRATCH {
                    break;
                }
                match s.session.poll_transmit(utc, scratch) {
                    Ok(Some(n)) => {
                        out.push(&scratch[..n]);
                        progress = true;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        shared.fail(format!("{}: {e}", s.name));
                        break;
                    }
                }
            }
            while let Some(e) = s.session.poll_event() {
                handle_event(e, s, shared, recorder, ns);
            }
            if let Some(closed) = transport.closed(s.conn)
                && !s.done
            {
                let was = s.session.state();
                s.session.on_disconnect(utc);
                while let Some(e) = s.session.poll_event() {
                    handle_event(e, s, shared, recorder, ns);
                }
                if was == State::Active && !shared.stop.load(Ordering::Acquire) {
                    recorder.error_at(ns, ErrorKind::Disconnected);
                    shared.lose_session(format!("{}: the gateway closed the connection ({closed:?})", s.name));
                } else if was == State::AwaitingLogon {
                    shared.fail(format!("{}: the gateway closed the connection before Logon ({closed:?})", s.name));
                }
                s.done = true;
            }
            if s.session.state() == State::Closed && !s.session.has_transmit() {
                s.done = true;
            }
            if timing.timeout_ns > 0 {
                let cutoff = ns.saturating_sub(timing.timeout_ns);
                // Overdue orders keep their slots: a late reply keeps its real latency.
                s.pending.mark_overdue(cutoff);
            }
        }
        if ns >= self.next_boundary_ns {
            self.flush(false);
        }
        progress | self.transport.poll()
    }

    #[inline]
    pub(super) fn index_of(&self, ns: u64) -> i64 {
        let rel = ns as i128 - self.recorder.warmup_end_ns as i128;
        rel.div_euclid(self.timing.interval_ns as i128) as i64
    }

    #[inline]
    pub(super) fn boundary(&self, index: i64) -> u64 {
        (self.recorder.warmup_end_ns as i128 + index as i128 * self.timing.interval_ns as i128).max(0) as u64
    }

    /// Sends the interval's measurements to the reporter and starts the next interval. The
    /// fresh set comes back from the reporter already reset, so the worker neither resets
    /// nor allocates histograms while it measures. With no spare set (the reporter is
    /// behind), it keeps accumulating instead. Only the last flush, after the run, allocates.
    pub(super) fn flush(&mut self, last: bool) {
        let fresh = if last { Some(Box::default()) } else { self.free.try_recv().ok() };
        let Some(fresh) = fresh else { return };
        let hists = std::mem::replace(&mut self.recorder.hists, fresh);
        let in_flight = self.sessions.iter().map(|s| s.pending.awaiting() as u64).sum();
        let snap = Snapshot {
            worker: self.id,
            index: self.interval_index,
            hists,
            counts: std::mem::take(&mut self.recorder.counts),
            warmup: std::mem::take(&mut self.recorder.warm),
            in_flight,
            last_sent_ns: self.recorder.last_sent_ns,
        };
        // The channel is bounded above the number of sets in circulation: this never blocks.
        let _ = self.tx.send(Report::Interval(snap));
        let (_, ns) = self.now();
        self.interval_index = self.index_of(ns).max(self.interval_index + 1);
        self.next_boundary_ns = self.boundary(self.interval_index + 1);
    }
}
