//! `fixblast run`: validates the options into a [`RunConfig`] once, starts the built-in
//! gateway when there is no `--target`, connects, hands the sessions to pinned workers and
//! waits for them to log on; then the reporter (`run/reporter/`) takes over until they are done, and the
//! result files are written (by [`crate::report::files`]).

mod checks;
mod config;
mod faults;
mod fix;
pub mod outputs;
mod reporter;
mod runs;
mod signals;

pub use config::*;
pub use fix::{DEFAULT_TEMPLATE, builtin_template};
use outputs::Which;
use reporter::Reporter;
use signals::interrupted;

use crate::engine::reconnect::{self, Link};
use crate::engine::schedule::Arrival;
use crate::engine::wire_clock::WireClock;
use crate::engine::worker::{self, Report};
use crate::engine::{Load, PollMode, SessionSpec, Share, Shared, WorkerSpec};
use crate::error::Error;
use crate::fix::clordid::Stem;
use crate::fix::session::SessionConfig;
use crate::fix::template::OrderTemplate;
use crate::gateway::{Gateway, GatewayConfig};
use crate::host::{HostInfo, tsc_hz};
use crate::metrics::Histograms;
use crate::random::Random;
use crate::report::json::RunResult;
use crate::report::summary::summary;
use crate::transport::Transport;
use crate::transport::syscall::SyscallTransport;
use crate::transport::uring::UringTransport;
use crossbeam_channel::bounded;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const LOGON_TIMEOUT: Duration = Duration::from_secs(10);

/// What a run produced. The exit code is 3 when it could not complete.
#[derive(Debug)]
pub struct Outcome {
    pub result: RunResult,
}

impl Outcome {
    /// 130 when a signal stopped it (also while logging on, when the stop is also the run's
    /// failure), 3 when the run could not complete, 1 when an `--sla` threshold failed,
    /// else 0.
    pub fn exit_code(&self) -> u8 {
        match &self.result.status {
            s if s.interrupted => 130,
            s if s.failure.is_some() => 3,
            _ if self.result.sla.iter().any(|c| !c.pass) => 1,
            _ => 0,
        }
    }
}

/// Runs a measurement: the whole of `fixblast run`.
pub fn run(cfg: &RunConfig) -> Result<Outcome, Error> {
    // Held open for the whole run: the C-state limit lasts while the file is open.
    let _qos = match cfg.cpu_dma_latency {
        Some(us) => Some(crate::host::hold_cpu_dma_latency(us)?),
        None => None,
    };
    if !cfg.quiet
        && let Some(w) = crate::host::doctor::run_warning(Path::new("/"), &cfg.worker_cores)
    {
        eprintln!("{w}");
    }
    if cfg.runs > 1 {
        return runs::run_several(cfg);
    }
    run_once(cfg, Which::Run(1))
}

/// One run, writing its files for `which`.
fn run_once(cfg: &RunConfig, which: Which) -> Result<Outcome, Error> {
    // The one place the transport is chosen: everything below is monomorphised per backend.
    let hlog = cfg.outputs.path(&cfg.outputs.hlog, which);
    let outcome = match cfg.backend {
        BackendKind::Syscall => run_with::<SyscallTransport>(cfg, hlog),
        BackendKind::Uring => run_with::<UringTransport>(cfg, hlog),
    }?;
    write_outputs(cfg, &outcome.result, which)?;
    print!("{}", summary(&outcome.result));
    Ok(outcome)
}

/// Writes the files asked for (all but the interval log, written as the run goes).
fn write_outputs(cfg: &RunConfig, r: &RunResult, which: Which) -> Result<(), Error> {
    let o = &cfg.outputs;
    Ok(crate::report::files::write(
        r,
        &crate::report::files::Files {
            json: o.path(&o.json, which),
            percentiles: o.path(&o.percentiles, which),
            csv: o.path(&o.csv, which),
            html: o.path(&o.html, which),
        },
    )?)
}

fn run_with<T: Transport>(cfg: &RunConfig, hlog: Option<PathBuf>) -> Result<Outcome, Error> {
    let flag = interrupted();
    flag.store(false, Ordering::Release);
    let ids = RunIds::draw(cfg)?;
    // Calibrate the TSC before any thread is pinned (quanta calibrates for up to 200 ms).
    let clock = quanta::Clock::new();
    let tsc = tsc_hz(&clock, Duration::from_millis(50));
    let host = HostInfo::probe(Path::new("/"), tsc);
    // --start-at is wall-clock time: how well this host's clock is kept, for the result.
    let clock_sync = crate::host::clock_sync::ClockSync::read();
    let mut shared = Shared::new(clock);
    if cfg.ring.wire {
        // Where the TSC's time zero falls on the kernel's stamps' clock: before any thread
        // is pinned or any order sent.
        shared.wire_clock = Some(WireClock::calibrate(&shared.clock, shared.epoch_raw));
        shared.wire_on_phc = cfg.ring.wire_hardware;
    }
    let shared = Arc::new(shared);
    shared.sessions_alive.store(cfg.sessions as usize, Ordering::Release);
    shared.fail_fast.store(cfg.fail_fast, Ordering::Release);

    let gateway = match cfg.target {
        Some(_) => None,
        None => {
            let spin = cfg.poll == PollMode::Spin && !cfg.gateway_cores.is_empty();
            let gcfg = GatewayConfig {
                cores: cfg.gateway_cores.clone(),
                poll: if spin { PollMode::Spin } else { PollMode::Yield },
                fill: cfg.gateway_fill,
                faults: cfg.gateway_faults.clone(),
                disconnect_after: cfg.gateway_disconnect_after,
                uring_recv: cfg.gateway_uring_recv(),
                uring_napi_us: cfg.ring.uring_napi_us,
                // With --wire-timestamps the gateway stamps too: its own wire time.
                wire: cfg.ring.wire,
                version: cfg.fix_version,
                ..GatewayConfig::loopback()
            };
            let g = match cfg.gateway_backend {
                BackendKind::Syscall => Gateway::start::<SyscallTransport>(gcfg),
                BackendKind::Uring => Gateway::start::<UringTransport>(gcfg),
            }
            .map_err(|e| Error::Incomplete(format!("cannot start the built-in gateway on loopback: {e}")))?;
            if !cfg.quiet {
                eprintln!(
                    "built-in gateway on {} ({} backend, {}){}",
                    g.addr(),
                    cfg.gateway_backend.name(),
                    if spin { "spinning on its own core" } else { "yielding: no core to spare" },
                    cfg.gateway_faults_text().map_or(String::new(), |f| format!("; injecting {f}"))
                );
            }
            Some(g)
        }
    };
    let addr = cfg.target.or(gateway.as_ref().map(Gateway::addr)).expect("a target or a gateway");
    let target_text = if cfg.target.is_some() { cfg.target_text.clone() } else { addr.to_string() };

    let mut reporter = Reporter::new(cfg, &shared);
    let started = measure::<T>(cfg, &shared, addr, &mut reporter, hlog, &ids, gateway.as_ref());
    let gateway_wire = gateway.and_then(Gateway::stop);
    let interrupted = flag.load(Ordering::Acquire);
    let mut result = reporter.finish(host, &target_text, started, interrupted);
    result.status.clock_sync = clock_sync;
    result.status.start_at_unix_s = cfg.start_at_utc_ns.map(|ns| ns as f64 / 1e9);
    result.gateway = gateway_wire.map(|t| t.side(cfg.gateway_backend.name()));
    Ok(Outcome { result })
}

/// What makes this run's ClOrdIDs its own: drawn from the OS for every run (each of
/// `--runs`, each process and host), so no two runs send the same ClOrdID (see
/// [`crate::fix::clordid`] for the odds).
struct RunIds {
    stem: Stem,
    first_counter: u32,
}

impl RunIds {
    fn draw(cfg: &RunConfig) -> Result<RunIds, Error> {
        let mut rng =
            Random::from_os().map_err(|e| Error::Incomplete(format!("cannot draw this run's ClOrdID tag: {e}")))?;
        let prefix = cfg.clordid_prefix.as_deref().unwrap_or_default();
        Ok(RunIds { stem: Stem::new(prefix.as_bytes(), rng.bits()), first_counter: rng.bits() as u32 })
    }
}

/// Why session `n` could not connect, and what to do: this process's own limits are named
/// as such, never blamed on the gateway.
fn connect_failure(n: u32, addr: SocketAddr, e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EMFILE) | Some(libc::ENFILE) => format!(
            "cannot open a socket for session {n}: {e}. This process may hold {} files at once \
             (the soft limit, `ulimit -n`); each session takes one, and the built-in gateway one more: \
             raise it with `ulimit -n` (up to the hard limit) or use fewer sessions",
            open_files_limit().map_or("a limited number of".into(), |l| l.to_string())
        ),
        _ => format!("cannot connect session {n} to {addr}: {e}. Is the gateway running and listening there?"),
    }
}

/// The soft limit on open files, from /proc (no unsafe call). Read once, before the
/// sessions connect: once the limit is reached, not even /proc can be opened.
fn open_files_limit() -> Option<u64> {
    static LIMIT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse().ok()
    })
}

/// Connects, starts the workers, waits for every session to log on, then lets `reporter`
/// collect until the workers are done. Returns when orders started (ns since the epoch), if
/// they did. Failures are recorded in `shared`. The built-in `gateway` measures its own wire
/// time from the end of the warm-up.
fn measure<T: Transport>(
    cfg: &RunConfig,
    shared: &Arc<Shared>,
    addr: SocketAddr,
    reporter: &mut Reporter,
    hlog: Option<PathBuf>,
    ids: &RunIds,
    gateway: Option<&Gateway>,
) -> Option<u64> {
    let mut streams = Vec::with_capacity(cfg.sessions as usize);
    open_files_limit();
    for i in 0..cfg.sessions {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => streams.push(s),
            Err(e) => {
                shared.fail(connect_failure(i + 1, addr, &e));
                return None;
            }
        }
    }
    // Every histogram set is made here, before measuring: 3 per worker circulate between the
    // workers and the reporter (reset by the reporter). The report channel is bounded above
    // the sets in circulation plus each worker's last report, so a worker's send never blocks
    // and never allocates a channel block.
    let sets = cfg.threads * 3;
    let (tx, rx) = bounded::<Report>(sets + 2 * cfg.threads);
    let (free_tx, free_rx) = bounded::<Box<Histograms>>(sets);
    for _ in 0..sets {
        let _ = free_tx.send(Box::default());
    }
    let mut per_worker: Vec<Vec<SessionSpec>> = (0..cfg.threads).map(|_| Vec::new()).collect();
    for (i, stream) in streams.into_iter().enumerate() {
        let sender = cfg.sender_of(i as u32);
        let mut sc = SessionConfig::initiator(sender.as_bytes(), cfg.target_comp_id.as_bytes(), cfg.heartbeat_s);
        sc.reset_seq = cfg.reset_seq;
        sc.username = cfg.username.as_ref().map(|s| s.as_bytes().to_vec());
        sc.password = cfg.password.as_ref().map(|s| s.as_bytes().to_vec());
        sc.logon_timeout_ns = LOGON_TIMEOUT.as_nanos() as u64;
        sc.version = cfg.fix_version;
        sc.logon_fields = cfg.logon_fields.clone();
        sc.next_expected = cfg.next_expected;
        per_worker[i % cfg.threads].push(SessionSpec {
            index: i as u16,
            stream,
            templates: [Some(&cfg.template), cfg.cancel_template.as_ref(), cfg.replace_template.as_ref()].map(|t| {
                t.map(|t| {
                    let target = cfg.target_comp_id.as_bytes();
                    OrderTemplate::new(t, sender.as_bytes(), target, ids.stem.as_bytes(), cfg.feed.max_len())
                })
            }),
            config: sc,
            logon_delay_ns: cfg.logon_delay_ns(i as u32),
        });
    }
    // --reconnect: one thread connects for every worker, so no worker blocks on a connect.
    let (reconnect_tx, reconnect_rx) = crossbeam_channel::unbounded();
    let mut answers = Vec::new();
    let mut links: Vec<Option<Link>> = (0..cfg.threads)
        .map(|_| {
            let policy = cfg.reconnect?;
            let (tx, rx) = crossbeam_channel::unbounded();
            answers.push(tx);
            Some(Link { policy, requests: reconnect_tx.clone(), answers: rx })
        })
        .collect();
    drop(reconnect_tx);
    let reconnector = cfg.reconnect.map(|policy| {
        std::thread::Builder::new()
            .name("reconnector".into())
            .spawn(move || reconnect::serve(addr, policy, reconnect_rx, answers))
            .expect("spawn the reconnector thread")
    });
    let mut handles = Vec::new();
    for (w, sessions) in per_worker.into_iter().enumerate() {
        let load = match &cfg.load {
            // Each worker draws its own stream from the seed.
            Load::Open { profile, arrival: Arrival::Poisson { seed } } => {
                Load::Open { profile: profile.clone(), arrival: Arrival::Poisson { seed: seed.wrapping_add(w as u64) } }
            }
            load => load.clone(),
        };
        let share =
            Share { fraction: sessions.len() as f64 / cfg.sessions as f64, phase: w as f64 / cfg.threads as f64 };
        let sessions_len = sessions.len();
        let spec = WorkerSpec {
            index: w,
            core: cfg.worker_cores.get(w).copied(),
            sessions,
            load,
            share,
            timing: cfg.timing,
            poll: cfg.poll,
            pending_capacity: cfg.pending_capacity(),
            transport: {
                let mut t = cfg.transport(sessions_len);
                // A reconnected session takes a new connection while its old one may still
                // hold its slot (io_uring frees it once its operations complete).
                if cfg.reconnect.is_some() {
                    t.max_conns = 2 * t.max_conns + 2;
                }
                t
            },
            // Each worker's share of --count, the remainder to the first workers.
            count: cfg.count.map(|n| {
                let (t, w) = (cfg.threads as u64, w as u64);
                n / t + u64::from(w < n % t)
            }),
            feed: cfg.feed.clone(),
            // Workers start at evenly spaced rows, so they do not all send the same orders.
            first_row: (cfg.feed.rows() * w / cfg.threads) as u64,
            mix: cfg.mix.clone(),
            stem: ids.stem.clone(),
            first_counter: ids.first_counter,
            reconnect: links[w].take(),
        };
        let (shared, tx, free_rx) = (shared.clone(), tx.clone(), free_rx.clone());
        let h = std::thread::Builder::new()
            .name(format!("worker-{w}"))
            .spawn(move || worker::run::<T>(spec, shared, tx, free_rx))
            .expect("spawn worker thread");
        handles.push(h);
    }
    drop(tx);

    // Wait for every session to log on.
    let t0 = Instant::now();
    let flag = interrupted();
    let mut started = None;
    while !shared.abort.load(Ordering::Acquire) {
        if shared.workers_logged_on.load(Ordering::Acquire) == cfg.threads {
            let soon = shared.now_ns() + 1_000_000;
            // --start-at: every process and host starts its warm-up at the same instant.
            let start = match cfg.start_at_utc_ns {
                Some(at) => {
                    let at = at.saturating_sub(shared.epoch_utc_ns);
                    if at < soon && !cfg.quiet {
                        eprintln!(
                            "warning: sessions logged on {:.3}s after --start-at; starting now",
                            (soon - at) as f64 / 1e9
                        );
                    } else if !cfg.quiet {
                        eprintln!("waiting {:.3}s for --start-at", (at - soon) as f64 / 1e9);
                    }
                    at.max(soon)
                }
                None => soon,
            };
            shared.start_ns.store(start, Ordering::Release);
            started = Some(start);
            if let Some(g) = gateway {
                g.measure_from(shared.epoch_utc_ns + start + cfg.timing.warmup_ns);
            }
            if !cfg.quiet {
                eprintln!(
                    "{} session(s) logged on to {addr}; warming up for {:.1}s, then measuring for {:.1}s",
                    cfg.sessions,
                    cfg.timing.warmup_ns as f64 / 1e9,
                    cfg.timing.duration_ns as f64 / 1e9
                );
            }
            break;
        }
        if flag.load(Ordering::Acquire) {
            shared.fail("interrupted before every session had logged on".into());
        } else if t0.elapsed()
            > LOGON_TIMEOUT + Duration::from_nanos(cfg.logon_delay_ns(cfg.sessions)) + Duration::from_secs(2)
        {
            shared.fail(format!("sessions did not log on within {LOGON_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }

    // Report until every worker is done.
    if let Some(start) = started {
        reporter.start(&addr.to_string(), start, hlog);
    }
    let wait_ns = started.map_or(0, |s| s.saturating_sub(shared.now_ns()));
    let budget =
        Duration::from_nanos(wait_ns + cfg.timing.warmup_ns + cfg.timing.duration_ns + 2 * cfg.timing.timeout_ns)
            + Duration::from_secs(30);
    // The reporter runs on a thread of its own, pinned off the workers' cores; this thread
    // (and anything it starts later, such as the next run's gateway) keeps its affinity.
    std::thread::scope(|scope| {
        let reporting = std::thread::Builder::new().name("reporter".into()).spawn_scoped(scope, || {
            if let Some(w) = crate::engine::pin(cfg.reporter_core, "the reporter")
                && !cfg.quiet
            {
                eprintln!("{w}");
            }
            reporter.collect(&rx, &free_tx, cfg.threads, t0 + LOGON_TIMEOUT + budget);
        });
        // Without a reporter the workers still finish: the report channel holds every
        // report they can send.
        match reporting.map(|h| h.join()) {
            Ok(Ok(())) => {}
            Ok(Err(_)) => shared.fail("the reporter thread panicked; results cover what it reported".into()),
            Err(e) => shared.fail(format!("cannot start the reporter thread: {e}")),
        }
    });
    for h in handles {
        let _ = h.join();
    }
    // It ends once every worker has dropped its end, after at most one connect's timeout.
    if let Some(r) = reconnector {
        let _ = r.join();
    }
    started
}
