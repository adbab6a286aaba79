//! One worker thread: the busy-poll loop.
//!
//! Each iteration reads the TSC once, handles what the last poll received, runs the session
//! timers, sends the orders that are due, and polls the transport (which writes what was just
//! queued and reads what arrived). Phases (logon, waiting for the start, run, drain, logout)
//! share that loop and differ only in whether orders are sent.
//!
//! This file owns the worker's state and its phases: set-up, logon, waiting for the start,
//! drain and logout. The rest of the loop lives beside it: `send` (the send phase), `reply`
//! (what a reply means and what it records) and `step` (one turn of the loop: inbound bytes,
//! session timers, expiry, the interval flush).
//!
//! The phases only sequence the loop: they must not match replies or build orders
//! themselves, and nothing they run per order may allocate, lock, format or make a syscall
//! (the transport's poll is the only I/O). Formatting is for set-up and for failures.

mod reconnect;
mod reply;
mod send;
mod step;

use self::reconnect::Down;
use self::reply::Recorder;
use super::mix::Mix;
use super::pending::{Pending, Resting};
use super::reconnect::Link;
use super::{Load, PollMode, Share, Shared, Timing, WorkerSpec, pin};
use crate::fix::feed::OrderFeed;
use crate::fix::session::{Session, SessionConfig, State};
use crate::fix::template::OrderTemplate;
use crate::fix::time::TimestampCache;
use crate::metrics::{Histograms, Snapshot};
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

/// Session messages are small; this is room for the largest one: a Logon with the longest
/// CompIDs, Username and Password `run` allows (a test checks).
const SCRATCH: usize = 1024;

/// The longest value a flag may put in a session's own messages: SenderCompID (before the
/// session number `--sessions` adds), TargetCompID, Username and Password. A Logon with all
/// four this long fits in `SCRATCH` with room to spare. One that did not fit would never be
/// sent, and the worker would wait for it, deaf to Ctrl-C.
pub const MAX_SESSION_VALUE: usize = 128;

struct Sess {
    conn: ConnId,
    index: u16,
    name: String,
    session: Session,
    /// Indexed by [`Kind`](crate::fix::template::Kind); `None` for a type the mix does not send.
    templates: [Option<OrderTemplate>; 3],
    /// Room a message needs in the send buffer: the longest of the templates.
    max_len: usize,
    pending: Pending,
    /// Acked orders still resting at the gateway, for cancels and replaces.
    resting: Resting,
    counter: u32,
    /// Messages sent on it, warm-up included: said when the session is lost.
    sent: u64,
    /// Nothing happens on this session before this time (ns since the epoch).
    logon_at_ns: u64,
    /// The session ended (logout, disconnect) and has been accounted for.
    done: bool,
    /// What it logs on with: again after a lost connection, with `--reconnect`.
    config: SessionConfig,
    /// Its connection was lost and it is being reconnected (`--reconnect`).
    down: Option<Down>,
}

struct Worker<T: Transport> {
    id: usize,
    transport: T,
    sessions: Vec<Sess>,
    shared: Arc<Shared>,
    load: Load,
    share: Share,
    timing: Timing,
    poll: PollMode,
    recorder: Recorder,
    ts: TimestampCache,
    scratch: Box<[u8]>,
    tx: Sender<Report>,
    free: Receiver<Box<Histograms>>,
    interval_index: i64,
    next_boundary_ns: u64,
    /// The measurement's last interval: the interval index never goes past it, and what
    /// arrives after sending stopped (the drain) belongs to the interval sending stopped in.
    last_index: i64,
    next_session: usize,
    count: Option<u64>,
    feed: Arc<OrderFeed>,
    /// The feed row of the next new order.
    row: u64,
    mix: Arc<Mix>,
    /// Messages sent so far: the position in the mix's cycle.
    mixed: u64,
    /// Orders queued this turn, (session, slot), awaiting their send stamp. Fixed capacity.
    queued: Vec<(u32, u32)>,
    /// In the measurement window: the harness's own costs are recorded.
    measuring: bool,
    /// TSC reading before the last receive call: the loop period runs from it.
    last_recv_raw: u64,
    /// The first session of the next turn's timer window.
    timer_cursor: usize,
    /// Sessions not done yet.
    alive: usize,
    /// Per connection: the reading right after its last read that brought bytes, and right
    /// before its last write (backends that do I/O connection by connection).
    recv_stamps: Box<[u64]>,
    send_stamps: Box<[u64]>,
    /// Connections that brought bytes or closed in this turn's receive, each once.
    ready: Vec<u32>,
    /// The number of the current turn, and per connection the turn it was last listed in.
    turn_no: u64,
    listed_turn: Box<[u64]>,
    /// The session on each connection.
    by_conn: Box<[u32]>,
    /// Sessions this turn's `handle` looked at: the closed loop refills only their windows.
    visited: Vec<u32>,
    /// `--reconnect`: the worker's end of the reconnector.
    link: Option<Link>,
    /// Sessions down and being reconnected: the turn asks the reconnector only while any is.
    down: usize,
    /// Between logon and the end of the send phase: a session lost then is reconnected.
    in_run: bool,
    /// The send phase is over.
    sent_all: bool,
}

/// Sessions without new bytes whose timers a turn looks at (see `step::handle`).
const TIMER_WINDOW: usize = 8;

/// While replies keep coming in the drain, the turns between two counts of what is still
/// unanswered.
const DRAIN_COUNT_EVERY: u64 = 64;

/// Orders a turn may queue before they are sent (and stamped) in one go.
const QUEUED_MAX: usize = 256;

/// Runs one worker to completion. Failures are reported through `shared`.
pub fn run<T: Transport>(spec: WorkerSpec, shared: Arc<Shared>, tx: Sender<Report>, free: Receiver<Box<Histograms>>) {
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
        free: Receiver<Box<Histograms>>,
    ) -> std::io::Result<Self> {
        let max_conns = spec.transport.max_conns;
        let mut transport = T::new(spec.transport)?;
        let now_ns = shared.now_ns();
        let mut sessions = Vec::with_capacity(spec.sessions.len());
        let resting_capacity = if spec.mix.is_new_only() { 0 } else { spec.pending_capacity };
        // One run, one version: every session's is the same.
        let version = spec.sessions.first().map_or(Default::default(), |s| s.config.version);
        for s in spec.sessions {
            let conn = transport.add(s.stream)?;
            let name = format!("session {} ({})", s.index + 1, String::from_utf8_lossy(&s.config.sender));
            sessions.push(Sess {
                conn,
                index: s.index,
                name,
                // The session starts (its Logon and timers) at its staggered logon time.
                session: Session::new(s.config.clone(), shared.epoch_utc_ns + now_ns + s.logon_delay_ns),
                config: s.config,
                down: None,
                logon_at_ns: now_ns + s.logon_delay_ns,
                max_len: s.templates.iter().flatten().map(OrderTemplate::max_len).max().unwrap_or(0),
                templates: s.templates,
                pending: Pending::new(spec.pending_capacity),
                resting: Resting::new(resting_capacity),
                // The session bits keep sessions apart; the stem's tag keeps runs apart, and
                // a random start makes two runs that drew the same tag unlikely to meet.
                counter: spec.first_counter,
                sent: 0,
                done: false,
            });
        }
        let hists = free.try_recv().unwrap_or_default();
        let sessions_len = sessions.len();
        // Every id the transport may hand out: a reconnected session takes a new one.
        let conns = sessions.iter().map(|s| s.conn + 1).max().unwrap_or(0).max(max_conns);
        let mut by_conn = vec![0u32; conns].into_boxed_slice();
        for (k, s) in sessions.iter().enumerate() {
            by_conn[s.conn] = k as u32;
        }
        let mut recorder = Recorder::new(hists, spec.stem);
        recorder.wire_clock = shared.wire_clock;
        recorder.wire_on_phc = shared.wire_on_phc;
        recorder.version = version;
        Ok(Worker {
            id: spec.index,
            transport,
            sessions,
            shared,
            load: spec.load,
            share: spec.share,
            timing: spec.timing,
            poll: spec.poll,
            recorder,
            ts: TimestampCache::default(),
            scratch: vec![0u8; SCRATCH].into_boxed_slice(),
            tx,
            free,
            interval_index: i64::MIN,
            next_boundary_ns: u64::MAX,
            last_index: i64::MAX,
            next_session: 0,
            count: spec.count,
            feed: spec.feed,
            row: spec.first_row,
            mix: spec.mix,
            mixed: 0,
            queued: Vec::with_capacity(QUEUED_MAX),
            measuring: false,
            last_recv_raw: 0,
            timer_cursor: 0,
            alive: sessions_len,
            recv_stamps: vec![0; conns].into_boxed_slice(),
            send_stamps: vec![0; conns].into_boxed_slice(),
            ready: Vec::with_capacity(conns),
            turn_no: 0,
            listed_turn: vec![0; conns].into_boxed_slice(),
            by_conn,
            visited: Vec::with_capacity(sessions_len),
            link: spec.reconnect,
            down: 0,
            in_run: false,
            sent_all: false,
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
        self.in_run = true;
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
            if !self.turn().1 {
                self.poll.idle();
            }
        };
        let warmup_end = start_ns + self.timing.warmup_ns;
        let measure_end = warmup_end + self.timing.duration_ns;
        self.recorder.warmup_end_ns = warmup_end;
        self.last_index = self.index_of(measure_end.saturating_sub(1).max(warmup_end));
        self.interval_index = self.index_of(start_ns.max(self.now().1)).min(self.last_index);
        self.next_boundary_ns = self.next_boundary();
        self.send_phase(start_ns, measure_end);
        self.measuring = false;
        // A session still down stays down: the drain waits only for the others.
        self.in_run = false;
        self.sent_all = true;
        self.abandon_reconnects();
        // Sending stopped: no interval starts after this one. The drain's replies (and the
        // last flush) belong to it, so the series never ends with an interval in which
        // nothing was measured.
        self.next_boundary_ns = u64::MAX;
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
            let (_, progress) = self.turn();
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
    /// Waits for the replies still due (overdue ones included: a late reply is still
    /// measured), up to `--timeout` after sending stopped. The orders still unanswered then
    /// are the ones that timed out: their replies are missing.
    fn drain(&mut self, measure_end: u64) {
        let stopped = self.shared.stop_ns.load(Ordering::Acquire).min(measure_end).min(self.now().1);
        let deadline = stopped + self.timing.timeout_ns;
        for turn in 0u64.. {
            let (ns, progress) = self.turn();
            if ns >= deadline || self.alive == 0 {
                break;
            }
            // Counting what is unanswered is a pass over every session: while replies are
            // coming, only every DRAIN_COUNT_EVERY turns.
            if !progress || turn % DRAIN_COUNT_EVERY == 0 {
                let unanswered: u32 = self.sessions.iter().filter(|s| !s.done).map(|s| s.pending.unanswered()).sum();
                if unanswered == 0 {
                    break;
                }
            }
            if !progress {
                self.poll.idle();
            }
        }
        for s in &mut self.sessions {
            let recorder = &mut self.recorder;
            s.pending.take_unanswered(|slot| recorder.timed_out(slot));
        }
    }

    /// Logs every session out and closes the connections.
    fn logout(&mut self) {
        self.abandon_reconnects();
        let (_, ns) = self.now();
        let utc = self.shared.epoch_utc_ns + ns;
        for s in &mut self.sessions {
            s.session.logout(utc);
        }
        loop {
            let (_, progress) = self.turn();
            let all_closed =
                self.sessions.iter().all(|s| s.session.state() == State::Closed && !s.session.has_transmit());
            if all_closed {
                break;
            }
            if !progress {
                self.poll.idle();
            }
        }
        // One more send writes any final Logout reply.
        self.transport.send();
        for s in &self.sessions {
            self.transport.close(s.conn);
        }
    }
}

#[cfg(test)]
#[path = "edge_tests.rs"]
mod edge_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::session::SessionConfig;

    /// The longest Logon the flags allow (4 digits of session number, the longest
    /// HeartBtInt, 141=Y) fits in the scratch buffer session messages are built in.
    #[test]
    fn the_longest_logon_the_flags_allow_fits_the_scratch_buffer() {
        let long = vec![b'v'; MAX_SESSION_VALUE];
        let sender = [long.as_slice(), b"4096"].concat();
        let mut cfg = SessionConfig::initiator(&sender, &long, u32::MAX);
        cfg.reset_seq = true;
        cfg.username = Some(long.clone());
        cfg.password = Some(long.clone());
        let mut session = Session::new(cfg, 1_767_225_600_000_000_000);
        let mut scratch = [0u8; SCRATCH];
        // Too long, the encoder would have refused it (Overflow).
        let n = session.poll_transmit(1_767_225_600_000_000_000, &mut scratch).unwrap().unwrap();
        assert!(crate::fix::printable(&scratch[..n]).contains("|35=A|"));
    }
}
