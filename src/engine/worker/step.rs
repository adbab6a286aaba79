//! One turn of the worker's loop, in every phase, in two halves with the clock read at the
//! edges of the I/O:
//!
//! - [`receive`](Worker::receive): read the clock, receive (`Transport::recv`), read the
//!   clock: that second reading stamps every reply in those bytes. Then hand the bytes to
//!   the sessions (and their application messages to the recorder), run session timers and
//!   queue what they send, notice closed connections, mark orders overdue.
//! - [`transmit`](Worker::transmit): read the clock (the send stamp of every order queued
//!   since the last transmit), send (`Transport::send`), read the clock; then give the queued
//!   orders their send stamp and close out the reporting interval.
//!
//! Reads come before writes, and no parsing, flushing or reporting sits between a clock
//! reading and the I/O it stamps. The two halves also measure the harness itself: the loop
//! period, the receive call that returned data, and the send call.
//!
//! It owns the order of those steps and the interval boundaries. It must not decide what to
//! send (`send`) or what a reply means (`reply`). Per loop it must not allocate, lock or
//! format: only a failing session formats its reason, and the flush hands a snapshot to the
//! reporter once per interval over a channel.

use super::reconnect::Ended;
use super::reply::{WireAt, handle_event};
use super::{Report, SCRATCH, TIMER_WINDOW, Worker};
use crate::engine::wire_clock::RECALIBRATE_NS;
use crate::fix::session::State;
use crate::metrics::{ErrorKind, LatencyKind, Snapshot, record};
use crate::transport::Transport;
use std::sync::atomic::Ordering;

impl<T: Transport> Worker<T> {
    /// One whole turn: [`receive`](Worker::receive), then [`transmit`](Worker::transmit).
    /// Returns the turn's time (ns since the epoch) and whether anything happened.
    pub(super) fn turn(&mut self) -> (u64, bool) {
        let (_, ns, got) = self.receive();
        let sent = self.transmit();
        (ns, got | sent)
    }

    /// Receives, stamped at the edges, then handles what arrived, runs session timers and
    /// queues what they send, notices closed connections and marks overdue orders. Returns
    /// the stamp (TSC and ns since the epoch) that is this turn's time, and whether anything
    /// happened.
    pub(super) fn receive(&mut self) -> (u64, u64, bool) {
        // Before the clock is read: a reconnected session's new connection joins here, and
        // the receive reads it with the others. Only while a session is down.
        let joined = self.down > 0 && self.poll_reconnects();
        let clock = &self.shared.clock;
        let before = clock.raw();
        // Where the backend reads connection by connection, each connection's bytes get the
        // reading taken right after their own read returned.
        // Each connection that brought bytes (or closed) is listed once for `handle`, by the
        // turn number: a clock reading equal to the last turn's (a mock, a TSC stepping back
        // on another core) must not hide it.
        self.turn_no += 1;
        let turn = self.turn_no;
        let (stamps, ready, listed) = (&mut self.recv_stamps, &mut self.ready, &mut self.listed_turn);
        let got = self.transport.recv_each(|conn| {
            if listed[conn] != turn {
                listed[conn] = turn;
                ready.push(conn as u32);
            }
            stamps[conn] = clock.raw();
        });
        let raw = clock.raw();
        let ns = clock.delta_as_nanos(self.shared.epoch_raw, raw);
        if self.measuring {
            let h = &mut self.recorder.hists;
            if self.last_recv_raw != 0 {
                record(
                    &mut h[LatencyKind::Loop],
                    clock.delta_as_nanos(self.last_recv_raw, before),
                    &mut self.recorder.counts,
                );
            }
            if got {
                record(&mut h[LatencyKind::RecvCall], clock.delta_as_nanos(before, raw), &mut self.recorder.counts);
            }
        }
        self.last_recv_raw = before;
        let progress = self.handle(raw, ns);
        (raw, ns, got | progress | joined)
    }

    /// Everything a turn does with what arrived, at time `raw`/`ns`.
    ///
    /// Sessions whose connection brought bytes or closed (listed by the receive) are handled
    /// in full; of the others only a window of TIMER_WINDOW a turn has its timers,
    /// transmits, close and overdue orders looked at: they change on a millisecond scale,
    /// and a turn's cost follows the sessions with data, never all of them. The sessions
    /// looked at are left in `visited` for the send phase.
    fn handle(&mut self, now_raw: u64, ns: u64) -> bool {
        let mut progress = false;
        self.visited.clear();
        let mut ready = std::mem::take(&mut self.ready);
        for &conn in &ready {
            progress |= self.visit(self.by_conn[conn as usize] as usize, now_raw, ns);
        }
        ready.clear();
        self.ready = ready;
        let n = self.sessions.len().max(1);
        let window = TIMER_WINDOW.min(self.sessions.len());
        let first = self.timer_cursor % n;
        self.timer_cursor = (first + window) % n;
        for k in (first..first + window).map(|k| k % n) {
            // Already handled this turn, with its bytes.
            if self.listed_turn[self.sessions[k].conn] != self.turn_no {
                progress |= self.visit(k, now_raw, ns);
            }
        }
        progress
    }

    /// One session's share of [`handle`](Worker::handle).
    fn visit(&mut self, k: usize, now_raw: u64, ns: u64) -> bool {
        let utc = self.shared.epoch_utc_ns + ns;
        let this_turn = self.listed_turn.get(self.sessions[k].conn) == Some(&self.turn_no);
        let may_reconnect = self.may_reconnect();
        let Worker { transport, sessions, shared, recorder, scratch, timing, recv_stamps, visited, .. } = self;
        let s = &mut sessions[k];
        // A session waiting for its new connection has nothing to look at.
        if s.done || ns < s.logon_at_ns || s.down.as_ref().is_some_and(|d| !d.connected) {
            return false;
        }
        visited.push(k as u32);
        let mut progress = false;
        // How the session ended, if it did this turn: the first reason is the one given.
        let mut ended = None;
        let (inbox, stamps) = transport.inbox_wire(s.conn);
        if !inbox.is_empty() {
            let (pending, resting, index) = (&mut s.pending, &mut s.resting, s.index);
            let clock = &shared.clock;
            // Every reply in these bytes carries the receive's stamp, taken when the bytes
            // came back from the kernel, before any of them was framed or parsed.
            let stamp = recv_stamps[s.conn];
            let (at_raw, at_ns) =
                if this_turn { (stamp, clock.delta_as_nanos(shared.epoch_raw, stamp)) } else { (now_raw, ns) };
            // With --wire-timestamps: a reply's last byte, as an offset in the stream, finds
            // the kernel's stamp of the read that brought it.
            let (data, consumed) = (inbox.data(), inbox.consumed());
            let (base, len) = (data.as_ptr() as usize, data.len());
            let used = s.session.on_bytes(utc, data, |_, msg, raw| {
                // `raw` is a range of `data` (a message from elsewhere finds no stamp).
                let end = (raw.as_ptr() as usize).checked_sub(base).map(|at| at + raw.len()).filter(|&e| e <= len);
                let wire = stamps.map(|stamps| WireAt {
                    stamps,
                    last: end.map_or(u64::MAX, |e| consumed + e.saturating_sub(1) as u64),
                });
                recorder.on_app(clock, at_raw, at_ns, pending, resting, index, msg, raw, wire)
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
            if let Some(end) = handle_event(e, s, shared, recorder, ns) {
                ended.get_or_insert(end);
            }
        }
        let mut over = false;
        if let Some(closed) = transport.closed(s.conn) {
            let was = s.session.state();
            s.session.on_disconnect(utc);
            while let Some(e) = s.session.poll_event() {
                if let Some(end) = handle_event(e, s, shared, recorder, ns) {
                    ended.get_or_insert(end);
                }
            }
            if was == State::Active && !shared.stop.load(Ordering::Acquire) {
                recorder.error_at(ns, ErrorKind::Disconnected);
                let when = match recorder.warmup_end_ns {
                    u64::MAX => "before orders started".to_string(),
                    end if ns < end => format!("{:.2}s before measuring (in warm-up)", (end - ns) as f64 / 1e9),
                    end => format!("{:.2}s into the measurement", (ns - end) as f64 / 1e9),
                };
                let sent = s.sent;
                let unanswered = s.pending.unanswered();
                ended.get_or_insert(Ended::Lost(format!(
                    "{}: the connection was lost {when}, after {sent} messages sent on it ({unanswered} unanswered): {closed}",
                    s.name
                )));
            } else if was == State::AwaitingLogon {
                let seen = s.session.before_logon();
                ended.get_or_insert(Ended::LogonFailed(format!(
                    "{}: the connection was lost before a Logon reply: {closed} ({seen})",
                    s.name
                )));
            }
            over = true;
        } else if s.session.state() == State::Closed && !s.session.has_transmit() {
            over = true;
        }
        if timing.timeout_ns > 0 {
            let cutoff = ns.saturating_sub(timing.timeout_ns);
            // Overdue orders keep their slots: a late reply keeps its real latency.
            s.pending.mark_overdue(cutoff);
        }
        let back = s.down.is_some() && s.session.is_active();
        match ended {
            // Lost while the run goes on: with --reconnect the session connects again (and
            // after sending stopped, is accounted for as a gap it did not come back from).
            Some(Ended::Lost(reason)) if may_reconnect || self.after_sending() => self.go_down(k, ns, reason),
            // A logon again after a loss that failed: the next try, or the last.
            Some(Ended::LogonFailed(reason)) if self.sessions[k].down.is_some() => self.try_again(k, reason),
            Some(Ended::Lost(reason)) => {
                self.shared.lose_session(reason);
                if over {
                    self.session_over(k);
                }
            }
            Some(Ended::LogonFailed(reason)) => {
                self.shared.fail(reason);
                if over {
                    self.session_over(k);
                }
            }
            None if over => self.session_over(k),
            None if back => self.back(k, ns),
            None => {}
        }
        progress
    }

    /// Session `k` is over for good (logged out, or closed and not reconnected).
    pub(super) fn session_over(&mut self, k: usize) {
        let s = &mut self.sessions[k];
        if !s.done {
            s.done = true;
            self.alive -= 1;
        }
    }

    /// Sends what was queued, stamped at the edges: the reading just before the send is the
    /// send time of every order queued since the last transmit. Then those orders get their
    /// stamp (and their schedule lag), and the interval closes if it is over. Returns whether
    /// anything was sent.
    pub(super) fn transmit(&mut self) -> bool {
        let clock = &self.shared.clock;
        let before = clock.raw();
        // Where the backend writes connection by connection, each connection's orders get the
        // reading taken right before their own write.
        let stamps = &mut self.send_stamps;
        let sent = self.transport.send_each(|conn| stamps[conn] = clock.raw());
        let after = clock.raw();
        let epoch = self.shared.epoch_raw;
        let Worker { sessions, recorder, queued, send_stamps, .. } = self;
        let orders = !queued.is_empty();
        for &(i, slot) in queued.iter() {
            let s = &mut sessions[i as usize];
            let stamp = send_stamps[s.conn].max(before);
            let ns = clock.delta_as_nanos(epoch, stamp);
            if recorder.first_sent_ns == 0 {
                recorder.first_sent_ns = ns.max(1);
            }
            if let Some(s) = s.pending.stamp_sent(slot, stamp)
                && !s.warmup
            {
                recorder.last_sent_ns = ns;
                let lag = ns.saturating_sub(s.intended_ns);
                record(&mut recorder.hists[LatencyKind::ScheduleLag], lag, &mut recorder.counts);
            }
        }
        queued.clear();
        // --wire-timestamps: the TSC placed on the realtime clock again, after the send it
        // would otherwise delay, every RECALIBRATE_NS.
        if let Some(wc) = self.recorder.wire_clock
            && clock.delta_as_nanos(wc.epoch_raw, after) >= RECALIBRATE_NS
        {
            let (fresh, drift) = wc.again(clock);
            self.shared.wire_drift_max.fetch_max(drift.unsigned_abs(), Ordering::Relaxed);
            self.recorder.wire_clock = Some(fresh);
        }
        if self.measuring && orders && sent {
            let call = clock.delta_as_nanos(before, after);
            record(&mut self.recorder.hists[LatencyKind::SendCall], call, &mut self.recorder.counts);
        }
        // No boundary closes an interval once sending is over (a stop, or --count reached)
        // but before the send phase has noticed: what follows belongs to the interval the
        // stop fell in, as the reporter measures it.
        if clock.delta_as_nanos(self.shared.epoch_raw, after) >= self.next_boundary_ns && !self.sending_over() {
            self.flush(false);
        }
        sent
    }

    /// A stop was asked for, or --count is reached.
    pub(super) fn sending_over(&self) -> bool {
        self.shared.stop.load(Ordering::Acquire) || self.count.is_some_and(|c| self.recorder.sent_total >= c)
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
            first_sent_ns: self.recorder.first_sent_ns,
        };
        // The channel is bounded above the number of sets in circulation: this never blocks.
        let _ = self.tx.send(Report::Interval(snap));
        let (_, ns) = self.now();
        self.interval_index = self.index_of(ns).max(self.interval_index + 1).min(self.last_index);
        self.next_boundary_ns = self.next_boundary();
    }

    /// When the current interval ends: never, for the measurement's last interval (the last
    /// flush, after the drain, closes it).
    pub(super) fn next_boundary(&self) -> u64 {
        if self.interval_index >= self.last_index { u64::MAX } else { self.boundary(self.interval_index + 1) }
    }
}
