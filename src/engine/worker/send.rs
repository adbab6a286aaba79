//! The send phase: when the next order is due (an open-loop schedule, or a closed-loop
//! window per session), which session sends it (round-robin over those still alive, so one
//! that cannot take an order now does not hold up the others), and `send_order`, which
//! patches the mix's next template into the session's send buffer and takes a pending slot.
//!
//! It owns the decision to send and the bookkeeping of a send (counts, schedule lag). It must
//! not read replies or run timers (that is `step`), and per order it must not allocate, lock,
//! format or make a syscall: the message waits in the send buffer for the transport's poll.

use super::Worker;
use crate::engine::pending::Slot;
use crate::engine::schedule::Schedule;
use crate::engine::{Load, Share};
use crate::fix::clordid::{self, ClOrdId};
use crate::fix::template::Kind;

use crate::transport::Transport;
use std::sync::atomic::Ordering;

/// How long after the window closes orders already due may still be sent. Beyond it the
/// worker has fallen behind and the rest are counted as not sent.
const SEND_GRACE_NS: u64 = 10_000_000;

impl<T: Transport> Worker<T> {
    pub(super) fn send_phase(&mut self, start_ns: u64, measure_end: u64) {
        let mut sched = match &self.load {
            Load::Open { profile, arrival } => {
                let Share { fraction, phase } = self.share;
                Some(Schedule::with_profile(start_ns, self.recorder.warmup_end_ns, profile, fraction, phase, *arrival))
            }
            Load::Closed { .. } => None,
        };
        let window = match self.load {
            Load::Closed { window } => window,
            Load::Open { .. } => 0,
        };
        loop {
            // Receive first: replies are stamped as they come back, and the turn's time
            // decides what is due.
            let (raw, ns, mut progress) = self.receive();
            self.measuring = ns >= self.recorder.warmup_end_ns;
            if self.shared.stop.load(Ordering::Relaxed) || self.count.is_some_and(|c| self.recorder.sent_total >= c) {
                self.measuring = false;
                return;
            }
            match &mut sched {
                Some(sched) => {
                    // Orders already due still go out (late, which the lag shows) until the
                    // worker is more than SEND_GRACE behind; past that they are not sent.
                    if sched.next_ns() >= measure_end || ns >= measure_end + SEND_GRACE_NS {
                        // The window is over. Orders still due in it never left: count them
                        // (the run stays as long as asked, and the shortfall is reported).
                        let warm = sched.remaining_before(self.recorder.warmup_end_ns);
                        self.recorder.warm.not_sent += warm;
                        self.recorder.counts.not_sent += sched.remaining_before(measure_end) - warm;
                        return;
                    }
                    while sched.next_ns() <= ns
                        && sched.next_ns() < measure_end
                        && self.count.is_none_or(|c| self.recorder.sent_total < c)
                    {
                        // Round-robin over the sessions still alive; one that cannot take an
                        // order now (full ring or send buffer) does not hold up the others.
                        let n = self.sessions.len();
                        if self.alive == 0 {
                            return;
                        }
                        let due = sched.next_ns();
                        let first = self.next_session;
                        let mut sent_on = None;
                        for i in (0..n).map(|k| (first + k) % n) {
                            if !self.sessions[i].done && self.send_order(i, due, raw, ns) {
                                sent_on = Some(i);
                                break;
                            }
                        }
                        let Some(i) = sent_on else { break };
                        self.next_session = (i + 1) % n;
                        sched.advance();
                        progress = true;
                    }
                }
                None => {
                    if ns >= measure_end {
                        return;
                    }
                    // A window opens only when a reply comes (or a session starts): the
                    // sessions this turn looked at are the ones to refill.
                    for v in 0..self.visited.len() {
                        let i = self.visited[v] as usize;
                        while self.sessions[i].pending.awaiting() < window
                            && self.count.is_none_or(|c| self.recorder.sent_total < c)
                            && self.send_order(i, ns, raw, ns)
                        {
                            progress = true;
                        }
                    }
                }
            }
            // Then send what this turn queued, stamped just before the write or submit.
            progress |= self.transmit();
            if !progress {
                self.poll.idle();
            }
        }
    }
    /// Queues one message of the mix on session `i`. False when it cannot go now (buffer or
    /// ring full, session not logged on): the caller retries on the next loop and the delay
    /// shows up as schedule lag.
    #[inline]
    fn send_order(&mut self, i: usize, intended_ns: u64, raw: u64, ns: u64) -> bool {
        // The orders of a turn wait in `queued` for their send stamp; when it is full they go
        // now, stamped as they go.
        if self.queued.len() == self.queued.capacity() {
            self.transmit();
        }
        let Worker { transport, sessions, shared, recorder, ts, feed, mix, queued, .. } = self;
        let s = &mut sessions[i];
        if !s.session.is_active() {
            return false;
        }
        let out = transport.out(s.conn);
        if out.room() < s.max_len {
            return false;
        }
        let Some(slot) = s.pending.next_free() else { return false };
        let warmup = intended_ns < recorder.warmup_end_ns;
        // A cancel or replace amends the newest resting order; with none, a new order goes
        // instead, and the result counts it.
        let mut kind = mix.kind_at(self.mixed);
        let mut amend = None;
        if kind != Kind::New && s.templates[kind as usize].is_some() {
            amend = s.resting.pop(&s.pending);
        }
        if amend.is_none() && kind != Kind::New {
            recorder.phase(warmup).substituted += 1;
            kind = Kind::New;
        }
        let (orig, order) = amend.unwrap_or_else(|| (0, feed.order_of_row(self.row)));
        let Some(template) = s.templates[kind as usize].as_mut() else { return false };
        // A packed ClOrdID of 0 means a free slot: skip the one counter value that makes it.
        s.counter = s.counter.wrapping_add(1);
        if s.counter == 0 && s.index == 0 && slot == 0 {
            s.counter = 1;
        }
        let id = ClOrdId { session: s.index, slot, counter: s.counter };
        let mut text = [0u8; clordid::LEN];
        id.write(&mut text);
        let mut orig_text = [0u8; clordid::LEN];
        if orig != 0 {
            ClOrdId::unpack(orig).write(&mut orig_text);
        }
        let part = if kind == Kind::Cancel { feed.cancel(order) } else { feed.order(order) };
        let utc = shared.epoch_utc_ns + ns;
        let seq = s.session.take_app_seq(utc);
        out.push(template.encode(seq, ts.get(utc), &text, &orig_text, part));
        let last_byte = out.pushed().saturating_sub(1);
        // `sent_raw` is a placeholder: `transmit` stamps it just before the send.
        s.pending.insert(Slot {
            id: id.pack(),
            intended_ns,
            sent_raw: raw,
            last_byte,
            acked: false,
            overdue: false,
            warmup,
            kind,
            order,
            seq,
            timed_out: false,
        });
        self.mixed += 1;
        s.sent += 1;
        self.row += (kind == Kind::New) as u64;
        let counts = recorder.phase(warmup);
        counts.sent += 1;
        counts.by_kind[kind as usize].sent += 1;
        queued.push((i as u32, slot));
        if !warmup {
            recorder.sent_total += 1;
        }
        true
    }
}
