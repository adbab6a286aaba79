//! The reference order-entry gateway: a FIX 4.2, 4.4 or 5.0 (FIXT.1.1) acceptor that answers every NewOrderSingle
//! with an ExecutionReport New (150=0, 39=0) and, with `fill`, an ExecutionReport Fill
//! (150=2, 39=2). It uses the same framing, session and transport code as the harness.
//!
//! It is both `fixblast gateway` and the in-process gateway `fixblast run` starts when no
//! `--target` is given. Fault injection (`reject_ratio`, `disconnect_after`, and the
//! [`Faults`]: delays, stalls, slow reads, refusals, corrupt, missing and repeated
//! replies) lets tests and users see how the harness reports a gateway that misbehaves.
//! `reject_duplicate_clordid` makes it refuse a ClOrdID it has seen before, as venues do
//! within a trading day. It keeps no history of what it sent: a ResendRequest is answered
//! with a gap fill ([`Gateway::gap_fills_sent`] counts them). With `wire`, it measures its
//! own socket-to-socket time from the kernel's stamps ([`WireTally`]).

mod faults;
mod inject;
mod seen;
mod throttle;
mod wire;
mod worker;

pub use faults::{DEFAULT_REFUSE_TEXT, FaultError, Faults, NAMES as FAULT_NAMES, Stall};
pub use seen::{MAX_CAPACITY as MAX_CLORDID_MEMORY, SeenIds};
pub use wire::WireTally;

use crate::engine::{PollMode, pin};
use crate::transport::Transport;
use crossbeam_channel::{Sender, unbounded};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    pub threads: usize,
    /// Cores to pin the gateway's threads to, in order; empty leaves them unpinned.
    pub cores: Vec<usize>,
    pub poll: PollMode,
    /// Follow each New with a Fill.
    pub fill: bool,
    /// Fraction of orders answered with ExecType Rejected (150=8) instead.
    pub reject_ratio: f64,
    /// Close each connection after this many orders.
    pub disconnect_after: Option<u64>,
    /// Reject an order, cancel or replace whose ClOrdID was seen before on any connection
    /// (ExecType 8, or OrderCancelReject 35=9, with Text "duplicate ClOrdID"), remembering
    /// the last this many ClOrdIDs (1 to [`MAX_CLORDID_MEMORY`]; see [`SeenIds`] for the
    /// memory it takes). The threads share that memory behind a lock, taken once per order.
    pub reject_duplicate_clordid: Option<usize>,
    /// The faults it injects, counted per connection (none by default).
    pub faults: Faults,
    pub uring_recv: crate::transport::UringRecv,
    pub uring_sqpoll: Option<u32>,
    pub uring_napi_us: Option<u32>,
    /// Kernel software stamps on each connection, and the gateway's own wire time: from
    /// the read that brought a request to the send that carried its first report.
    pub wire: bool,
    /// The FIX version the gateway speaks; a Logon in another is refused with a Logout.
    pub version: crate::fix::FixVersion,
}

impl GatewayConfig {
    pub fn loopback() -> GatewayConfig {
        GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            threads: 1,
            cores: Vec::new(),
            poll: PollMode::Yield,
            fill: false,
            reject_ratio: 0.0,
            disconnect_after: None,
            reject_duplicate_clordid: None,
            faults: Faults::default(),
            version: crate::fix::FixVersion::Fix42,
            uring_recv: crate::transport::UringRecv::Poll,
            uring_sqpoll: None,
            uring_napi_us: None,
            wire: false,
        }
    }
}

/// A running gateway. Dropping it stops it.
pub struct Gateway {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<WireTally>>,
    accept: Option<JoinHandle<()>>,
    wire: bool,
    wire_from: Arc<AtomicU64>,
    duplicates: Arc<AtomicU64>,
    gap_fills: Arc<AtomicU64>,
    protocol_errors: Arc<AtomicU64>,
}

/// What the gateway's threads share besides the stop flag.
struct Common {
    /// ClOrdIDs seen so far, with `reject_duplicate_clordid`.
    seen: Option<Mutex<SeenIds>>,
    /// Orders, cancels and replaces refused as duplicates.
    duplicates: Arc<AtomicU64>,
    /// SequenceReset-GapFills sent in answer to ResendRequests.
    gap_fills: Arc<AtomicU64>,
    /// Protocol errors the sessions saw in what clients sent.
    protocol_errors: Arc<AtomicU64>,
    /// With `wire`: requests read at or after this time (UTC ns) are measured.
    wire_from: Arc<AtomicU64>,
}

impl Gateway {
    /// Binds and starts the gateway's threads with transport `T`.
    pub fn start<T: Transport>(cfg: GatewayConfig) -> io::Result<Gateway> {
        let listener = TcpListener::bind(cfg.listen)?;
        if cfg.faults.slow_read.is_some() {
            throttle::small_receive_buffer(&listener)?;
        }
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let duplicates = Arc::new(AtomicU64::new(0));
        let gap_fills = Arc::new(AtomicU64::new(0));
        let protocol_errors = Arc::new(AtomicU64::new(0));
        let wire_from = Arc::new(AtomicU64::new(0));
        let common = Arc::new(Common {
            seen: cfg.reject_duplicate_clordid.map(|n| Mutex::new(SeenIds::new(n))),
            duplicates: duplicates.clone(),
            gap_fills: gap_fills.clone(),
            protocol_errors: protocol_errors.clone(),
            wire_from: wire_from.clone(),
        });
        let mut senders: Vec<Sender<TcpStream>> = Vec::new();
        let mut workers = Vec::new();
        for i in 0..cfg.threads.max(1) {
            let (tx, rx) = unbounded();
            senders.push(tx);
            let (stop, common) = (stop.clone(), common.clone());
            let cfg2 = cfg.clone();
            let core = (!cfg.cores.is_empty()).then(|| cfg.cores[i % cfg.cores.len()]);
            workers.push(std::thread::Builder::new().name(format!("gateway-{i}")).spawn(move || {
                if let Some(w) = pin(core, &format!("gateway thread {i}")) {
                    eprintln!("{w}");
                }
                worker::run::<T>(&cfg2, rx, &stop, &common)
            })?);
        }
        let stop2 = stop.clone();
        let accept = Some(std::thread::Builder::new().name("gateway-accept".into()).spawn(move || {
            let mut next = 0;
            for conn in listener.incoming() {
                if stop2.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(s) = conn {
                    let _ = senders[next % senders.len()].send(s);
                    next += 1;
                }
            }
        })?);
        Ok(Gateway { addr, stop, workers, accept, wire: cfg.wire, wire_from, duplicates, gap_fills, protocol_errors })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Orders, cancels and replaces refused so far because their ClOrdID was seen before.
    pub fn duplicates_rejected(&self) -> u64 {
        self.duplicates.load(Ordering::Acquire)
    }

    /// SequenceReset-GapFills sent so far, each the answer to a ResendRequest (the gateway
    /// keeps no history, so it fills every range it is asked for).
    pub fn gap_fills_sent(&self) -> u64 {
        self.gap_fills.load(Ordering::Acquire)
    }

    /// Protocol errors seen so far in what clients sent: garbled or unparseable frames,
    /// MsgSeqNum gaps or repeats, messages before a Logon. A lower bound (a session keeps
    /// the last 16 events of one read), but never 0 when there was one: 0 means every byte
    /// a client wrote arrived whole and in order, as far as FIX framing can tell.
    pub fn protocol_errors(&self) -> u64 {
        self.protocol_errors.load(Ordering::Acquire)
    }

    /// With `wire`: measures only the requests read from `utc_ns` on (UTC ns), such as the
    /// end of a run's warm-up; before a call, every request is measured.
    pub fn measure_from(&self, utc_ns: u64) {
        self.wire_from.store(utc_ns, Ordering::Relaxed);
    }

    /// Stops every thread and waits for them. With `wire`, returns what they measured.
    pub fn stop(mut self) -> Option<WireTally> {
        let tallies = self.shutdown();
        self.wire.then(|| {
            let mut all = WireTally::default();
            tallies.iter().for_each(|t| all.merge(t));
            all
        })
    }

    fn shutdown(&mut self) -> Vec<WireTally> {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        // A thread that panicked (it printed why) adds nothing.
        self.workers.drain(..).map(|t| t.join().unwrap_or_default()).collect()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if !self.workers.is_empty() {
            self.shutdown();
        }
    }
}
