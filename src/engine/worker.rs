//! One worker thread: the busy-poll loop.
//!
//! Each iteration reads the TSC once, handles what the last poll received, runs the session
//! timers, sends the orders that are due, and polls the transport (which writes what was just
//! queued and reads what arrived). Phases (logon, waiting for the start, run, drain, logout)
//! share that loop and differ only in whether orders are sent.

use super::mix::Mix;
use super::pending::{Pending, Resting, Slot};
use super::schedule::Schedule;
use super::{Load, PollMode, Shared, Timing, WorkerSpec, pin};
use crate::fix::clordid::{self, ClOrdId};
use crate::fix::feed::OrderFeed;
use crate::fix::parse::{Msg, MsgType};
use crate::fix::session::{Event, ProtocolError, Session, State};
use crate::fix::template::{Kind, OrderTemplate};
use crate::fix::time::TimestampCache;
use crate::metrics::{Counts, ErrorKind, HistSet, Snapshot, record};
use crate::transport::{ConnId, Transport};
use crossbeam_channel::{Receiver, Sender};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// What a worker sends the reporter.
// Sent by value once per interval: boxing the snapshot would allocate in the worker.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Report {
    Interval(Snapshot),
    /// The worker has logged out and sent its last interval.
    Done {
        worker: usize,
    },
}

/// How long after the window closes orders already due may still be sent. Beyond it the
/// worker has fallen behind and the rest are counted as not sent.
const SEND_GRACE_NS: u64 = 10_000_000;

/// Session messages are small; this is room for the largest one.
const SCRATCH: usize = 1024;

struct Sess {
    conn: ConnId,
    index: u16,
    name: String,
    session: Session,
    /// Indexed by [`Kind`]; `None` for a type the mix does not send.
    templates: [Option<OrderTemplate>; 3],
    /// Room a message needs in the send buffer: the longest of the templates.
    max_len: usize,
    pending: Pending,
    /// Acked orders still resting at the gateway, for cancels and replaces.
    resting: Resting,
    counter: u32,
    /// Nothing happens on this session before this time (ns since the epoch).
    logon_at_ns: u64,
    /// The session ended (logout, disconnect) and has been accounted for.
    done: bool,
}

/// Measurements in progress: the part of the worker that the reply handler writes to.
struct Recorder {
    hists: Box<HistSet>,
    counts: Counts,
    warm: Counts,
    warmup_end_ns: u64,
    /// Actual send time of the latest measured order.
    last_sent_ns: u64,
    /// Measured orders sent so far (for `--count`).
    sent_total: u64,
    /// Sending has stopped: an order that times out now is a reply missing at the end.
    draining: bool,
}

impl Recorder {
    #[inline]
    fn phase(&mut self, warmup: bool) -> &mut Counts {
        if warmup { &mut self.warm } else { &mut self.counts }
    }

    /// An order got no reply within `--timeout`.
    #[inline]
    fn timed_out(&mut self, slot: &Slot) {
        let draining = self.draining;
        let c = self.phase(slot.warmup);
        c.error(ErrorKind::TimedOut);
        c.missing += draining as u64;
    }

    #[inline]
    fn error_at(&mut self, ns: u64, kind: ErrorKind) {
        let warm = ns < self.warmup_end_ns;
        self.phase(warm).error(kind);
    }

    /// An application message arrived on session `index`.
    #[inline]
    fn on_app(
        &mut self,
        shared: &Shared,
        pending: &mut Pending,
        resting: &mut Resting,
        index: u16,
        msg: &Msg,
        raw: &[u8],
    ) {
        let now_raw = shared.clock.raw();
        let now_ns = shared.clock.delta_as_nanos(shared.epoch_raw, now_raw);
        let cancel_reject = msg.msg_type == MsgType::OrderCancelReject;
        if msg.msg_type != MsgType::ExecutionReport && !cancel_reject {
            self.error_at(now_ns, ErrorKind::UnexpectedMessage);
            return;
        }
        let id = match ClOrdId::parse(msg.cl_ord_id.get(raw)) {
            Some(id) if id.session == index => id,
            _ => return self.error_at(now_ns, ErrorKind::Unmatched),
        };
        let Some(slot) = pending.get_mut(id.slot, id.pack()) else {
            return self.error_at(now_ns, ErrorKind::Unmatched);
        };
        let s = *slot;
        // A 35=9 often carries 39=2 ("too late: filled"): that is not a fill.
        let filled = !cancel_reject && (msg.exec_type == b'2' || msg.ord_status == b'2');
        let rejected = msg.exec_type == b'8' || cancel_reject;
        let terminal = filled || rejected || matches!(msg.exec_type, b'3' | b'4' | b'C');
        if s.acked {
            // A later report for an order already answered: a fill, or the end of it.
            if filled {
                self.latency(&s, now_raw, now_ns, shared, Lat::Fill);
            }
            if terminal {
                pending.finish(id.slot);
            }
            return;
        }
        let answer = match s.kind {
            Kind::New if cancel_reject => return self.error_at(now_ns, ErrorKind::UnexpectedMessage),
            Kind::New => Lat::Ack,
            // Only the answer to the request counts; a pending-cancel (150=6) or
            // pending-replace (150=E) is not one.
            Kind::Cancel if rejected || msg.exec_type == b'4' => Lat::Cancel,
            Kind::Replace if rejected || msg.exec_type == b'5' => Lat::Replace,
            Kind::Cancel | Kind::Replace => return,
        };
        let kc = &mut self.phase(s.warmup).by_kind[s.kind as usize];
        kc.answered += 1;
        kc.rejected += rejected as u64;
        if rejected
            && s.kind != Kind::New
            && let Some(orig) = ClOrdId::parse(msg.orig_cl_ord_id.get(raw)).filter(|o| o.session == index)
        {
            // The amend was refused: the order it named may still rest. It goes back on the
            // list, which keeps it only while its slot says it rests.
            resting.push(orig.pack(), s.order);
        }
        if rejected && s.kind == Kind::New {
            self.phase(s.warmup).error(ErrorKind::Rejected);
            pending.finish(id.slot);
            return;
        }
        self.latency(&s, now_raw, now_ns, shared, answer);
        let rests = match s.kind {
            Kind::New => !terminal,
            Kind::Replace => !rejected,
            Kind::Cancel => false,
        };
        if rests {
            // At the gateway under this ClOrdID: a cancel or replace may amend it, and its
            // fill still matches until the slot is reused.
            pending.ack(id.slot);
            resting.push(s.id, s.order);
        } else {
            pending.finish(id.slot);
        }
        if filled {
            self.latency(&s, now_raw, now_ns, shared, Lat::Fill);
        }
    }

    #[inline]
    fn latency(&mut self, s: &Slot, now_raw: u64, now_ns: u64, shared: &Shared, kind: Lat) {
        let counts = if s.warmup { &mut self.warm } else { &mut self.counts };
        // quanta gives 0 when end <= start: an anomaly, never a 0 ns latency.
        let from_intended = now_ns.checked_sub(s.intended_ns).filter(|&d| d > 0);
        let Some(lat) = from_intended else {
            counts.error(ErrorKind::ClockAnomaly);
            return;
        };
        let h = &mut self.hists;
        match kind {
            Lat::Ack => {
                counts.acked += 1;
                if s.warmup {
                    record(&mut h.warmup_ack, lat, counts);
                    return;
                }
                record(&mut h.ack, lat, counts);
                match shared.clock.delta_as_nanos(s.sent_raw, now_raw) {
                    0 => counts.error(ErrorKind::ClockAnomaly),
                    svc => record(&mut h.ack_service, svc, counts),
                }
            }
            Lat::Fill => {
                counts.filled += 1;
                // A fill's latency runs from its new order; one after a replace has none.
                if !s.warmup && s.kind == Kind::New {
                    record(&mut h.fill, lat, counts);
                }
            }
            Lat::Cancel | Lat::Replace => {
                counts.acked += 1;
                if !s.warmup {
                    record(if matches!(kind, Lat::Cancel) { &mut h.cancel } else { &mut h.replace }, lat, counts);
                }
            }
        }
    }
}

/// Which latency a reply completes.
#[derive(Clone, Copy)]
enum Lat {
    Ack,
    Fill,
    Cancel,
    Replace,
}

struct Worker<T: Transport> {
    id: usize,
    transport: T,
    sessions: Vec<Sess>,
    shared: Arc<Shared>,
    load: Load,
    timing: Timing,
    poll: PollMode,
    recorder: Recorder,
    ts: TimestampCache,
    scratch: Box<[u8]>,
    tx: Sender<Report>,
    free: Receiver<Box<HistSet>>,
    interval_index: i64,
    next_boundary_ns: u64,
    next_session: usize,
    count: Option<u64>,
    feed: Arc<OrderFeed>,
    /// The feed row of the next new order.
    row: u64,
    mix: Arc<Mix>,
    /// Messages sent so far: the position in the mix's cycle.
    mixed: u64,
}

/// Runs one worker to completion. Failures are reported through `shared`.
pub fn run<T: Transport>(spec: WorkerSpec, shared: Arc<Shared>, tx: Sender<Report>, free: Receiver<Box<HistSet>>) {
    let id = spec.index;
    if let Some(w) = pin(spec.core, &format!("worker {id}")) {
        eprintln!("{w}");
    }
    match Worker::<T>::new(spec, shared.clone(), tx.clone(), free) {
        Ok(mut w) => w.run(),
        Err(e) => shared.fail(format!("worker {id}: cannot set up its connections: {e}")),
    }
    let _ = tx.send(Report::Done { worker: id });
}

impl<T: Transport> Worker<T> {
    fn new(
        spec: WorkerSpec,
        shared: Arc<Shared>,
        tx: Sender<Report>,
        free: Receiver<Box<HistSet>>,
    ) -> std::io::Result<Self> {
        let mut transport = T::new(spec.transport)?;
        let now_ns = shared.now_ns();
        let mut sessions = Vec::with_capacity(spec.sessions.len());
        let resting_capacity = if spec.mix.is_new_only() { 0 } else { spec.pending_capacity };
        for s in spec.sessions {
            let conn = transport.add(s.stream)?;
            let name = format!("session {} ({})", s.index + 1, String::from_utf8_lossy(&s.config.sender));
            sessions.push(Sess {
                conn,
                index: s.index,
                name,
                // The session starts (its Logon and timers) at its staggered logon time.
                session: Session::new(s.config, shared.epoch_utc_ns + now_ns + s.logon_delay_ns),
                logon_at_ns: now_ns + s.logon_delay_ns,
                max_len: s.templates.iter().flatten().map(OrderTemplate::max_len).max().unwrap_or(0),
                templates: s.templates,
                pending: Pending::new(spec.pending_capacity),
                resting: Resting::new(resting_capacity),
                // Start each session's counter from the clock so ClOrdIDs differ from run to run.
                counter: (shared.epoch_utc_ns / 1_000_000) as u32 ^ ((s.index as u32) << 24),
                done: false,
            });
        }
        let hists = free.try_recv().unwrap_or_default();
        Ok(Worker {
            id: spec.index,
            transport,
            sessions,
            shared,
            load: spec.load,
            timing: spec.timing,
            poll: spec.poll,
            recorder: Recorder {
                hists,
                counts: Counts::default(),
                warm: Counts::default(),
                warmup_end_ns: u64::MAX,
                last_sent_ns: 0,
                sent_total: 0,
                draining: false,
            },
            ts: TimestampCache::default(),
            scratch: vec![0u8; SCRATCH].into_boxed_slice(),
            tx,
            free,
            interval_index: i64::MIN,
            next_boundary_ns: u64::MAX,
            next_session: 0,
            count: spec.count,
            feed: spec.feed,
            row: spec.first_row,
            mix: spec.mix,
            mixed: 0,
        })
    }

    #[inline]
    fn now(&self) -> (u64, u64) {
        let raw = self.shared.clock.raw();
        (raw, self.shared.clock.delta_as_nanos(self.shared.epoch_raw, raw))
    }

    fn run(&mut self) {
        if !self.logon() {
            self.logout();
            return;
        }
        self.shared.workers_logged_on.fetch_add(1, Ordering::AcqRel);
        // Keep the sessions alive (heartbeats) until every worker is ready.
        let start_ns = loop {
            let s = self.shared.start_ns.load(Ordering::Acquire);
            if s != u64::MAX {
                break s;
            }
            if self.shared.abort.load(Ordering::Acquire) {
                self.logout();
                return;
            }
            let (_, ns) = self.now();
            if !self.step(ns) {
                self.poll.idle();
            }
        };
        let warmup_end = start_ns + self.timing.warmup_ns;
        let measure_end = warmup_end + self.timing.duration_ns;
        self.recorder.warmup_end_ns = warmup_end;
        self.interval_index = self.index_of(start_ns.max(self.now().1));
        self.next_boundary_ns = self.boundary(self.interval_index + 1);
        self.send_phase(start_ns, measure_end);
        self.drain(measure_end);
        self.logout();
        self.flush(true);
    }

    /// Sends Logon on every session and waits until all are logged on. False on failure.
    fn logon(&mut self) -> bool {
        loop {
            if self.shared.abort.load(Ordering::Acquire) {
                return false;
            }
            let (_, ns) = self.now();
            let progress = self.step(ns);
            if self.sessions.iter().all(|s| s.session.is_active()) {
                return true;
            }
            if self.sessions.iter().any(|s| s.done) {
                return false;
            }
            if !progress {
                self.poll.idle();
            }
        }
    }

    fn send_phase(&mut self, start_ns: u64, measure_end: u64) {
        let mut sched = match &self.load {
            Load::Open { profile, share, phase, arrival } => {
                Some(Schedule::with_profile(start_ns, self.recorder.warmup_end_ns, profile, *share, *phase, *arrival))
            }
            Load::Closed { .. } => None,
        };
        let window = match self.load {
            Load::Closed { window } => window,
            Load::Open { .. } => 0,
        };
        loop {
            let (raw, ns) = self.now();
            if self.shared.stop.load(Ordering::Relaxed) || self.count.is_some_and(|c| self.recorder.sent_total >= c) {
                return;
            }
            let mut progress = false;
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
                        if self.sessions.iter().all(|s| s.done) {
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
                    for i in 0..self.sessions.len() {
                        while self.sessions[i].pending.awaiting() < window
                            && self.count.is_none_or(|c| self.recorder.sent_total < c)
                            && self.send_order(i, ns, raw, ns)
                        {
                            progress = true;
                        }
                    }
                }
            }
            progress |= self.step(ns);
            if !progress {
                self.poll.idle();
            }
        }
    }

    /// Waits for the replies still due, up to `--timeout` after sending stopped. Those that
    /// never come are the replies missing at the end.
    fn drain(&mut self, measure_end: u64) {
        self.recorder.draining = true;
        let stopped = self.shared.stop_ns.load(Ordering::Acquire).min(measure_end).min(self.now().1);
        let deadline = stopped + self.timing.timeout_ns;
        loop {
            let (_, ns) = self.now();
            let progress = self.step(ns);
            let awaiting: u32 = self.sessions.iter().filter(|s| !s.done).map(|s| s.pending.awaiting()).sum();
            if awaiting == 0 || ns >= deadline || self.sessions.iter().all(|s| s.done) {
                break;
            }
            if !progress {
                self.poll.idle();
            }
        }
        // Whatever is still unanswered has had its full timeout.
        for s in &mut self.sessions {
            let recorder = &mut self.recorder;
            s.pending.expire(u64::MAX, |slot| recorder.timed_out(slot));
        }
    }

    /// Logs every session out and closes the connections.
    fn logout(&mut self) {
        let (_, ns) = self.now();
        let utc = self.shared.epoch_utc_ns + ns;
        for s in &mut self.sessions {
            s.session.logout(utc);
        }
        loop {
            let (_, ns) = self.now();
            let progress = self.step(ns);
            let all_closed =
                self.sessions.iter().all(|s| s.session.state() == State::Closed && !s.session.has_transmit());
            if all_closed {
                break;
            }
            if !progress {
                self.poll.idle();
            }
        }
        // One more poll writes any final Logout reply.
        self.transport.poll();
        for s in &self.sessions {
            self.transport.close(s.conn);
        }
    }

    /// Queues one message of the mix on session `i`. False when it cannot go now (buffer or
    /// ring full, session not logged on): the caller retries on the next loop and the delay
    /// shows up as schedule lag.
    #[inline]
    fn send_order(&mut self, i: usize, intended_ns: u64, raw: u64, ns: u64) -> bool {
        let Worker { transport, sessions, shared, recorder, ts, feed, mix, .. } = self;
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
        s.pending.insert(Slot { id: id.pack(), intended_ns, sent_raw: raw, acked: false, warmup, kind, order });
        self.mixed += 1;
        self.row += (kind == Kind::New) as u64;
        let counts = recorder.phase(warmup);
        counts.sent += 1;
        counts.by_kind[kind as usize].sent += 1;
        if !warmup {
            recorder.sent_total += 1;
            recorder.last_sent_ns = ns;
            record(&mut recorder.hists.schedule_lag, ns.saturating_sub(intended_ns), &mut recorder.counts);
        }
        true
    }

    /// Handles what arrived, runs session timers and transmits, expires old orders, closes
    /// out intervals, then polls the transport. Returns true when anything happened.
    fn step(&mut self, ns: u64) -> bool {
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
                let used = s.session.on_bytes(utc, inbox.data(), |_, msg, raw| {
                    recorder.on_app(shared, pending, resting, index, msg, raw)
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
                s.pending.expire(cutoff, |slot| recorder.timed_out(slot));
            }
        }
        if ns >= self.next_boundary_ns {
            self.flush(false);
        }
        progress | self.transport.poll()
    }

    #[inline]
    fn index_of(&self, ns: u64) -> i64 {
        let rel = ns as i128 - self.recorder.warmup_end_ns as i128;
        rel.div_euclid(self.timing.interval_ns as i128) as i64
    }

    #[inline]
    fn boundary(&self, index: i64) -> u64 {
        (self.recorder.warmup_end_ns as i128 + index as i128 * self.timing.interval_ns as i128).max(0) as u64
    }

    /// Sends the interval's measurements to the reporter and starts the next interval. With
    /// no spare histogram set (the reporter is behind), keeps accumulating instead.
    fn flush(&mut self, last: bool) {
        let fresh = if last { Some(Box::default()) } else { self.free.try_recv().ok() };
        let Some(mut fresh) = fresh else { return };
        fresh.reset();
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
        let _ = self.tx.send(Report::Interval(snap));
        let (_, ns) = self.now();
        self.interval_index = self.index_of(ns).max(self.interval_index + 1);
        self.next_boundary_ns = self.boundary(self.interval_index + 1);
    }
}

fn handle_event(e: Event, s: &mut Sess, shared: &Shared, recorder: &mut Recorder, ns: u64) {
    let text = || {
        let t = String::from_utf8_lossy(s.session.text()).into_owned();
        if t.is_empty() { String::new() } else { format!(": {t:?}") }
    };
    match e {
        Event::LoggedOn => {}
        Event::LogonRejected => {
            shared.fail(format!("{}: the gateway refused the logon{}", s.name, text()));
        }
        Event::LogonTimeout => shared.fail(format!("{}: no Logon reply from the gateway", s.name)),
        Event::LoggedOut { by_peer: true, .. } => {
            if !shared.stop.load(Ordering::Acquire) {
                recorder.error_at(ns, ErrorKind::Disconnected);
                shared.lose_session(format!("{}: the gateway logged out during the run{}", s.name, text()));
            }
        }
        Event::LoggedOut { by_peer: false, .. } => {}
        Event::PeerTimeout => {
            recorder.error_at(ns, ErrorKind::Disconnected);
            shared.lose_session(format!("{}: the gateway stopped answering (no reply to TestRequest)", s.name));
        }
        Event::Error(pe) => recorder.error_at(
            ns,
            match pe {
                ProtocolError::Garbled(crate::fix::parse::FrameError::BadChecksum { .. }) => ErrorKind::BadChecksum,
                ProtocolError::Garbled(_) => ErrorKind::Garbled,
                ProtocolError::Unparseable(_) => ErrorKind::Unparseable,
                ProtocolError::SeqGap { .. } => ErrorKind::SeqGap,
                ProtocolError::SeqTooLow { .. } => ErrorKind::SeqTooLow,
                ProtocolError::SessionReject { .. } => ErrorKind::SessionReject,
                ProtocolError::BusinessReject { .. } => ErrorKind::BusinessReject,
                ProtocolError::NotLoggedOn | ProtocolError::UnexpectedLogon => ErrorKind::SessionProtocol,
            },
        ),
    }
}
