//! Where the worker reads the clock relative to its I/O, on a mock clock with a fake
//! transport whose calls take time: the send stamp is read right before `send()`, a reply's
//! stamp right after `recv()` returns, and nothing the worker does in between moves them.
//! The harness's own histograms get exactly the time the calls took.

use super::*;
use crate::engine::SessionSpec;
use crate::engine::mix::Mix;
use crate::engine::pending::Slot;
use crate::engine::profile::Profile;
use crate::engine::schedule::Arrival;
use crate::fix::clordid::Stem;
use crate::fix::template::TemplateSpec;
use crate::metrics::LatencyKind;
use crate::transport::buf::{InBuf, OutBuf};
use crate::transport::{Closed, TransportConfig};
use quanta::Clock;
use quanta::Mock;
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;

/// How long each fake call takes, and when (mock ns) each call started.
struct Script {
    mock: Arc<Mock>,
    recv_takes: u64,
    send_takes: u64,
    recv_at: Vec<u64>,
    send_at: Vec<u64>,
}

/// The script the next fake transport plays (one test at a time holds the lock).
static SCRIPT: Mutex<Option<Script>> = Mutex::new(None);

struct Fake {
    inbox: InBuf,
    out: OutBuf,
}

fn play(f: impl FnOnce(&mut Script) -> bool) -> bool {
    f(SCRIPT.lock().unwrap().as_mut().expect("a script"))
}

impl Transport for Fake {
    const NAME: &'static str = "fake";
    fn new(_: TransportConfig) -> std::io::Result<Self> {
        Ok(Fake { inbox: InBuf::with_capacity(4096), out: OutBuf::with_capacity(4096) })
    }
    fn add(&mut self, _: TcpStream) -> std::io::Result<ConnId> {
        Ok(0)
    }
    fn out(&mut self, _: ConnId) -> &mut OutBuf {
        &mut self.out
    }
    fn inbox(&mut self, _: ConnId) -> &mut InBuf {
        &mut self.inbox
    }
    fn bufs(&mut self, _: ConnId) -> (&mut InBuf, &mut OutBuf) {
        (&mut self.inbox, &mut self.out)
    }
    fn recv(&mut self) -> bool {
        self.recv_each(|_| {})
    }
    fn send(&mut self) -> bool {
        self.send_each(|_| {})
    }
    /// Like the syscall backend: connection by connection. Another connection's read
    /// (`OTHER` ns) comes before this one's and after it.
    fn recv_each(&mut self, mut after: impl FnMut(ConnId)) -> bool {
        play(|s| {
            s.mock.increment(OTHER);
            s.recv_at.push(s.mock.value());
            s.mock.increment(s.recv_takes);
            true
        });
        after(0);
        play(|s| {
            s.mock.increment(OTHER);
            true
        })
    }
    fn send_each(&mut self, mut before: impl FnMut(ConnId)) -> bool {
        let n = self.out.pending().len();
        self.out.advance(n);
        play(|s| {
            s.mock.increment(OTHER);
            true
        });
        before(0);
        play(|s| {
            s.send_at.push(s.mock.value());
            s.mock.increment(s.send_takes);
            s.mock.increment(OTHER);
            n > 0
        })
    }
    fn closed(&self, _: ConnId) -> Option<Closed> {
        None
    }
    fn close(&mut self, _: ConnId) {}
    fn release(&mut self, _: ConnId) {}
}

/// A worker with one session over the fake transport, on a mock clock that starts at 1 ms.
fn worker(recv_takes: u64, send_takes: u64) -> (Worker<Fake>, Arc<Mock>) {
    let (clock, mock) = Clock::mock();
    *SCRIPT.lock().unwrap() =
        Some(Script { mock: mock.clone(), recv_takes, send_takes, recv_at: vec![], send_at: vec![] });
    let shared = Arc::new(Shared::new(clock));
    mock.increment(1_000_000u64);
    // The fake ignores the stream, but a session needs one: a loopback pair.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let spec = TemplateSpec::parse(include_str!("../../../fix-templates/new-order-single.fix"), "built-in").unwrap();
    let feed = Arc::new(OrderFeed::from_template(&spec.fields));
    let stem = Stem::new(b"", 1);
    let template = OrderTemplate::new(&spec, b"FIXBLAST", b"GATEWAY", stem.as_bytes(), feed.max_len());
    let session = SessionSpec {
        index: 0,
        stream,
        templates: [Some(template), None, None],
        config: crate::fix::session::SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30),
        logon_delay_ns: 0,
    };
    let spec = WorkerSpec {
        index: 0,
        core: None,
        sessions: vec![session],
        load: Load::Open { profile: Profile::Constant(1000.0), arrival: Arrival::Uniform },
        share: Share { fraction: 1.0, phase: 0.0 },
        timing: Timing {
            warmup_ns: 0,
            duration_ns: 1_000_000_000,
            timeout_ns: 1_000_000_000,
            interval_ns: 1_000_000_000,
        },
        poll: PollMode::Yield,
        pending_capacity: 64,
        transport: TransportConfig::for_conns(1),
        count: None,
        feed,
        first_row: 0,
        mix: Arc::new(Mix::parse("new=1").unwrap()),
        stem,
        first_counter: 1,
        reconnect: None,
    };
    let (tx, _rx) = crossbeam_channel::bounded(8);
    let (_free_tx, free) = crossbeam_channel::bounded(1);
    let mut w = Worker::<Fake>::new(spec, shared, tx, free).unwrap();
    w.recorder.warmup_end_ns = 0;
    w.measuring = true;
    (w, mock)
}

fn script() -> (Vec<u64>, Vec<u64>) {
    let s = SCRIPT.lock().unwrap();
    let s = s.as_ref().unwrap();
    (s.recv_at.clone(), s.send_at.clone())
}

#[test]
fn an_order_is_stamped_right_before_the_send_that_carries_it() {
    let _one = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (mut w, mock) = worker(300, 500);
    let slot = w.sessions[0].pending.next_free().unwrap();
    w.sessions[0].pending.insert(Slot { id: 77, intended_ns: 900_000, sent_raw: 0, ..Slot::default() });
    w.queued.push((0, slot));
    w.transport.out.push(b"8=FIX.4.2|35=D|");
    // Time passes between queuing and sending (encoding, other sessions): the stamp must
    // not be taken then, but at the send.
    mock.increment(2_000u64);
    assert!(w.transmit());
    let (_, send_at) = script();
    let s = *w.sessions[0].pending.get_mut(slot, 77).unwrap();
    assert_eq!(s.sent_raw, send_at[0], "stamped right before its own write, not before or after");
    let h = &w.recorder.hists;
    assert_eq!(h[LatencyKind::SendCall].max(), 500 + 2 * OTHER, "the whole send call's time");
    // Lag: from the order's intended time to the send stamp.
    assert!(h[LatencyKind::ScheduleLag].equivalent(h[LatencyKind::ScheduleLag].max(), send_at[0] - 900_000));
    assert!(w.queued.is_empty());
}

#[test]
fn a_turn_stamps_replies_right_after_the_receive_returns() {
    let _one = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (mut w, _mock) = worker(300, 500);
    let (raw, ns, _) = w.receive();
    let (recv_at, send_at) = script();
    assert_eq!(w.recv_stamps[0], recv_at[0] + 300, "the connection's stamp is taken right after its own read");
    assert_eq!(raw, recv_at[0] + 300 + OTHER, "the turn's time is the reading after the whole call");
    assert_eq!(ns, raw - w.shared.epoch_raw);
    assert!(send_at.is_empty(), "receive() reads; it never writes");
    assert_eq!(w.recorder.hists[LatencyKind::RecvCall].max(), 300 + 2 * OTHER);
    // The next turn: the loop period runs from one receive call to the next.
    let (_, _, _) = w.receive();
    let (recv_at, _) = script();
    assert_eq!(w.recv_stamps[0], recv_at[1] + 300);
    assert_eq!(w.recorder.hists[LatencyKind::Loop].max(), recv_at[1] - recv_at[0]);
}

#[test]
fn a_whole_turn_reads_before_it_writes() {
    let _one = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (mut w, _mock) = worker(300, 500);
    w.transport.out.push(b"8=FIX.4.2|35=0|");
    w.turn();
    let (recv_at, send_at) = script();
    assert_eq!(recv_at.len(), 1);
    assert_eq!(send_at.len(), 1);
    assert!(recv_at[0] < send_at[0], "recv {recv_at:?} before send {send_at:?}");
}

/// What another connection's read or write takes, before and after this one's.
const OTHER: u64 = 700;

/// The fake's script is global: these tests run one at a time.
static TEST_LOCK: Mutex<()> = Mutex::new(());
