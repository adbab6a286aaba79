//! `fixblast run`: validates the options into a [`RunConfig`] once, starts the built-in
//! gateway when there is no `--target`, connects and hands the sessions to pinned workers,
//! acts as the reporter thread while they run, and writes the results.

use crate::cli::{ArrivalArg, Backend, CoreList, RunArgs};
use crate::engine::profile::Profile;
use crate::engine::schedule::Arrival;
use crate::engine::worker::{self, Report};
use crate::engine::{Load, PollMode, SessionSpec, Shared, Timing, WorkerSpec};
use crate::error::{Error, usage};
use crate::fix::clordid;
use crate::fix::session::SessionConfig;
use crate::fix::template::{OrderTemplate, TemplateSpec};
use crate::gateway::{Gateway, GatewayConfig};
use crate::host::{HostInfo, tsc_hz};
use crate::metrics::HistSet;
use crate::report::aggregate::Aggregate;
use crate::report::json::*;
use crate::report::summary::{live_line, summary};
use crate::transport::syscall::SyscallTransport;
use crate::transport::uring::UringTransport;
use crate::transport::{Transport, TransportConfig};
use crossbeam_channel::{bounded, unbounded};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The template shipped in `fix-templates/`, built in so the binary works from anywhere.
pub const DEFAULT_TEMPLATE: &str = include_str!("../fix-templates/new-order-single.fix");

const INTERVAL: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const LOGON_TIMEOUT: Duration = Duration::from_secs(10);

/// Validated options for one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub target: Option<SocketAddr>,
    pub target_text: String,
    pub sessions: u32,
    pub threads: usize,
    pub worker_cores: Vec<usize>,
    pub gateway_cores: Vec<usize>,
    pub backend: BackendKind,
    /// The built-in gateway's transport.
    pub gateway_backend: BackendKind,
    /// Transport options for one connection; [`RunConfig::transport`] sizes them per worker.
    pub ring: TransportConfig,
    pub poll: PollMode,
    pub load: RunLoad,
    pub timing: Timing,
    pub template: TemplateSpec,
    pub template_name: String,
    pub sender_comp_id: String,
    pub target_comp_id: String,
    pub heartbeat_s: u32,
    pub reset_seq: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub gateway_fill: bool,
    pub json: Option<PathBuf>,
    pub quiet: bool,
    pub sla: Vec<crate::report::sla::Threshold>,
    pub max_error_rate: Option<f64>,
    pub count: Option<u64>,
    pub fail_fast: bool,
    pub logon_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunLoad {
    Open { profile: Profile, arrival: Arrival },
    Closed { window: u32 },
}

impl RunLoad {
    /// The constant open-loop rate, when there is one.
    pub fn constant_rate(&self) -> Option<f64> {
        match self {
            RunLoad::Open { profile: Profile::Constant(r), .. } => Some(*r),
            _ => None,
        }
    }
}

/// Expands a preset name over `base` and `mult` into a spec.
fn preset(name: &str, base: f64, mult: f64, duration_s: f64) -> Option<String> {
    let peak = base * mult;
    Some(match name {
        "normal" => format!("constant:{base}"),
        "volatile" => format!("volatile:{base},{}..{mult}/1s,seed=1", 1.0 / mult),
        "spike" => {
            format!("spike:{base},{peak}/{}ms@{}ms", (duration_s * 100.0).max(1.0) as u64, (duration_s * 500.0) as u64)
        }
        "ramp-up" => format!("ramp:{base}..{peak}/{}ms", (duration_s * 1000.0).max(1.0) as u64),
        "ramp-down" => format!("ramp:{peak}..{base}/{}ms", (duration_s * 1000.0).max(1.0) as u64),
        _ => return None,
    })
}

fn comp_id_ok(flag: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic() && b != b'|') {
        return usage(format!("{flag} {id:?}: a CompID must be non-empty printable ASCII without spaces or '|'"));
    }
    Ok(())
}

impl RunConfig {
    /// Checks every option and combination; errors name the flag, the value and what is
    /// allowed.
    pub fn from_args(a: &RunArgs) -> Result<RunConfig, Error> {
        let available: Vec<usize> =
            core_affinity::get_core_ids().unwrap_or_default().into_iter().map(|c| c.id).collect();
        let available_text = || {
            let list: Vec<String> = available.iter().map(|c| c.to_string()).collect();
            list.join(",")
        };
        if a.sessions == 0 || a.sessions as usize > clordid::MAX_SESSIONS {
            return usage(format!("--sessions {}: must be 1 to {}", a.sessions, clordid::MAX_SESSIONS));
        }
        if a.threads == 0 {
            return usage("--threads 0: at least one worker thread is needed");
        }
        if a.threads > a.sessions as usize {
            return usage(format!(
                "--threads {} is more than --sessions {}: each worker thread needs at least one session",
                a.threads, a.sessions
            ));
        }
        for (flag, cores) in [("--cores", &a.cores), ("--gateway-cores", &a.gateway_cores)] {
            if let Some(CoreList(cores)) = cores
                && let Some(bad) = cores.iter().find(|c| !available.contains(c))
            {
                return usage(format!(
                    "{flag}: core {bad} does not exist or is not allowed here; this process may use cores {}",
                    available_text()
                ));
            }
        }
        let worker_cores = match &a.cores {
            Some(CoreList(c)) if c.len() < a.threads => {
                return usage(format!(
                    "--cores lists {} core(s) for --threads {}: give one core per worker thread",
                    c.len(),
                    a.threads
                ));
            }
            Some(CoreList(c)) => c[..a.threads].to_vec(),
            // Default: the highest-numbered cores, away from core 0's housekeeping.
            None => available.iter().rev().take(a.threads).copied().collect(),
        };
        let gateway_cores = match &a.gateway_cores {
            Some(CoreList(c)) => c.clone(),
            None => available.iter().copied().filter(|c| !worker_cores.contains(c)).take(1).collect(),
        };
        if a.count == Some(0) {
            return usage("--count 0: at least one order is needed");
        }
        if a.window == 0 || a.window > 65_536 {
            return usage(format!("--window {}: must be 1 to 65536", a.window));
        }
        if a.duration.is_zero() {
            return usage("--duration 0: the run must measure for some time, e.g. --duration 10s");
        }
        if a.timeout.is_zero() {
            return usage("--timeout 0: orders need time to be answered, e.g. --timeout 1s");
        }
        let duration_s = a.duration.as_secs_f64();
        let load = if a.closed_loop {
            RunLoad::Closed { window: a.window }
        } else {
            let profile = match (&a.profile, a.rate) {
                (Some(spec), _) => {
                    if !(a.multiplier > 0.0 && a.multiplier.is_finite()) {
                        return usage(format!("--multiplier {}: must be more than 0", a.multiplier));
                    }
                    let spec = preset(spec, a.base_rate, a.multiplier, duration_s).unwrap_or_else(|| spec.clone());
                    Profile::parse(&spec, duration_s, |path| {
                        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
                    })
                    .map_err(|e| Error::Usage(e.to_string()))?
                }
                (None, rate) => Profile::Constant(rate.unwrap_or(10_000.0)),
            };
            let arrival = match a.arrival {
                ArrivalArg::Uniform => Arrival::Uniform,
                ArrivalArg::Poisson => Arrival::Poisson { seed: a.seed },
            };
            RunLoad::Open { profile, arrival }
        };
        if let RunLoad::Open { profile, .. } = &load
            && profile.peak(duration_s) < 1.0 / duration_s
        {
            return usage(format!(
                "--rate/--profile {}: fewer than one order in --duration {:?}",
                profile.describe(),
                a.duration
            ));
        }
        if let Some(cpu) = a.transport.uring_sqpoll
            && !available.contains(&(cpu as usize))
        {
            return usage(format!(
                "--uring-sqpoll: core {cpu} does not exist here; this process may use cores {}",
                available_text()
            ));
        }
        let ring = a.transport.config(1);
        let backend = choose_backend(a.transport.backend, &ring, a.quiet)?;
        let gateway_backend =
            if a.target.is_none() { choose_backend(a.gateway_backend, &ring, true)? } else { backend };
        comp_id_ok("--sender-comp-id", &a.sender_comp_id)?;
        comp_id_ok("--target-comp-id", &a.target_comp_id)?;
        let (target, target_text) = match &a.target {
            None => (None, String::new()),
            Some(t) => {
                let addr = t
                    .to_socket_addrs()
                    .map_err(|e| Error::Usage(format!("--target {t:?}: not a reachable HOST:PORT ({e})")))?
                    .next()
                    .ok_or_else(|| Error::Usage(format!("--target {t:?}: resolves to no address")))?;
                (Some(addr), t.clone())
            }
        };
        let (template, template_name) = match &a.template {
            Some(p) => (TemplateSpec::load(p)?, p.display().to_string()),
            None => (
                TemplateSpec::parse(DEFAULT_TEMPLATE, "fix-templates/new-order-single.fix")?,
                "built-in new-order-single.fix".into(),
            ),
        };
        if let Some(p) = &a.json {
            check_writable(p)?;
        }
        Ok(RunConfig {
            target,
            target_text,
            sessions: a.sessions,
            threads: a.threads,
            worker_cores,
            gateway_cores,
            backend,
            gateway_backend,
            ring,
            poll: a.transport.poll_mode(),
            load,
            timing: Timing {
                warmup_ns: a.warmup.as_nanos() as u64,
                duration_ns: a.duration.as_nanos() as u64,
                timeout_ns: a.timeout.as_nanos() as u64,
                interval_ns: INTERVAL.as_nanos() as u64,
            },
            template,
            template_name,
            sender_comp_id: a.sender_comp_id.clone(),
            target_comp_id: a.target_comp_id.clone(),
            heartbeat_s: a.heartbeat,
            reset_seq: a.reset_seq,
            username: a.username.clone(),
            password: a.password.clone(),
            gateway_fill: a.gateway_fill,
            json: a.json.clone(),
            quiet: a.quiet,
            max_error_rate: a.max_error_rate,
            count: a.count,
            fail_fast: a.fail_fast,
            logon_rate: a.logon_rate,
            sla: match &a.sla {
                Some(spec) => crate::report::sla::parse(spec).map_err(|e| Error::Usage(e.to_string()))?,
                None => Vec::new(),
            },
        })
    }

    /// When session `i` (0-based) logs on, after the first.
    pub fn logon_delay_ns(&self, i: u32) -> u64 {
        self.logon_rate.map_or(0, |r| (i as f64 * 1e9 / r) as u64)
    }

    /// SenderCompID of session `i` (0-based): the ID itself for one session, `ID1`… for more.
    pub fn sender_of(&self, i: u32) -> String {
        if self.sessions == 1 { self.sender_comp_id.clone() } else { format!("{}{}", self.sender_comp_id, i + 1) }
    }

    /// The transport's sizes and options for a worker with `conns` sessions.
    pub fn transport(&self, conns: usize) -> TransportConfig {
        TransportConfig { max_conns: conns.max(1), ..self.ring }
    }

    fn pending_capacity(&self) -> usize {
        let n = match self.load {
            RunLoad::Closed { window } => 4 * window as usize,
            RunLoad::Open { ref profile, .. } => {
                let rate = profile.peak(self.timing.duration_ns as f64 / 1e9);
                let per_session = rate / self.sessions as f64;
                (per_session * self.timing.timeout_ns as f64 / 1e9 * 2.0).ceil() as usize
            }
        };
        n.clamp(64, clordid::MAX_SLOTS)
    }
}

/// The transport a run or gateway uses, chosen once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Syscall,
    Uring,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Syscall => SyscallTransport::NAME,
            BackendKind::Uring => UringTransport::NAME,
        }
    }

    /// The options in use, for the result file.
    pub fn describe(self, cfg: &TransportConfig) -> String {
        match self {
            BackendKind::Syscall => "non-blocking read/write, one read per connection per loop".into(),
            BackendKind::Uring => crate::transport::uring::describe(cfg),
        }
    }
}

/// Probes io_uring for `auto` and `uring`: `auto` falls back with one line saying why,
/// `uring` fails (exit 2) naming the cause.
pub fn choose_backend(b: Backend, ring: &TransportConfig, quiet: bool) -> Result<BackendKind, Error> {
    match b {
        Backend::Syscall => Ok(BackendKind::Syscall),
        Backend::Uring => match crate::transport::uring::probe_with(ring) {
            Ok(()) => Ok(BackendKind::Uring),
            Err(why) => usage(format!("--backend uring: {why}; use --backend syscall")),
        },
        Backend::Auto => match crate::transport::uring::probe_with(ring) {
            Ok(()) => Ok(BackendKind::Uring),
            Err(why) => {
                if !quiet {
                    eprintln!("io_uring unavailable ({why}); using the syscall backend");
                }
                Ok(BackendKind::Syscall)
            }
        },
    }
}

/// Opens (creating or truncating) `path` now, so a run never ends unable to save its result.
fn check_writable(path: &Path) -> Result<(), Error> {
    std::fs::File::create(path).map(drop).map_err(|e| Error::File { path: path.display().to_string(), source: e })
}

/// Set by SIGINT/SIGTERM; a second signal exits at once.
fn interrupted() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, flag.clone());
            let _ = signal_hook::flag::register(sig, flag.clone());
        }
        flag
    })
}

/// What a run produced. The exit code is 3 when it could not complete.
#[derive(Debug)]
pub struct Outcome {
    pub result: RunResult,
}

impl Outcome {
    /// 3 when the run could not complete, 130 when a signal stopped it, 1 when an `--sla`
    /// threshold failed, else 0.
    pub fn exit_code(&self) -> u8 {
        match &self.result.status {
            s if s.failure.is_some() => 3,
            s if s.interrupted => 130,
            _ if self.result.sla.iter().any(|c| !c.pass) => 1,
            _ => 0,
        }
    }
}

/// Runs a measurement: the whole of `fixblast run`.
pub fn run(cfg: &RunConfig) -> Result<Outcome, Error> {
    // The one place the transport is chosen: everything below is monomorphised per backend.
    match cfg.backend {
        BackendKind::Syscall => run_with::<SyscallTransport>(cfg),
        BackendKind::Uring => run_with::<UringTransport>(cfg),
    }
}

fn run_with<T: Transport>(cfg: &RunConfig) -> Result<Outcome, Error> {
    let flag = interrupted();
    flag.store(false, Ordering::Release);
    // Calibrate the TSC before any thread is pinned (quanta calibrates for up to 200 ms).
    let clock = quanta::Clock::new();
    let tsc = tsc_hz(&clock, Duration::from_millis(50));
    let host = HostInfo::probe(Path::new("/"), tsc);
    let shared = Arc::new(Shared::new(clock));
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
                uring_recv: cfg.ring.uring_recv,
                uring_napi_us: cfg.ring.uring_napi_us,
                ..GatewayConfig::loopback()
            };
            let g = match cfg.gateway_backend {
                BackendKind::Syscall => Gateway::start::<SyscallTransport>(gcfg),
                BackendKind::Uring => Gateway::start::<UringTransport>(gcfg),
            }
            .map_err(|e| Error::Incomplete(format!("cannot start the built-in gateway on loopback: {e}")))?;
            if !cfg.quiet {
                eprintln!(
                    "built-in gateway on {} ({} backend, {})",
                    g.addr(),
                    cfg.gateway_backend.name(),
                    if spin { "spinning on its own core" } else { "yielding: no core to spare" }
                );
            }
            Some(g)
        }
    };
    let addr = cfg.target.or(gateway.as_ref().map(Gateway::addr)).expect("a target or a gateway");
    let target_text = if cfg.target.is_some() { cfg.target_text.clone() } else { addr.to_string() };

    let mut agg = Aggregate::new(cfg.threads);
    let started = measure::<T>(cfg, &shared, addr, &mut agg);
    if let Some(g) = gateway {
        g.stop();
    }
    let interrupted = flag.load(Ordering::Acquire);
    let mut result = build_result(cfg, &shared, &agg, host, &target_text, started, interrupted);
    result.sla = crate::report::sla::evaluate(&cfg.sla, &result);
    if let Some(p) = &cfg.json {
        let text = serde_json::to_string_pretty(&result).expect("result serializes");
        std::fs::write(p, text + "\n").map_err(|e| Error::File { path: p.display().to_string(), source: e })?;
    }
    print!("{}", summary(&result));
    Ok(Outcome { result })
}

/// Connects, runs the workers and collects their reports. Returns the start time (ns since
/// the epoch) when orders started. Failures are recorded in `shared`.
fn measure<T: Transport>(cfg: &RunConfig, shared: &Arc<Shared>, addr: SocketAddr, agg: &mut Aggregate) -> Option<u64> {
    let mut streams = Vec::with_capacity(cfg.sessions as usize);
    for i in 0..cfg.sessions {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => streams.push(s),
            Err(e) => {
                shared.fail(format!(
                    "cannot connect session {} to {addr}: {e}. Is the gateway running and listening there?",
                    i + 1
                ));
                return None;
            }
        }
    }
    let (tx, rx) = unbounded::<Report>();
    let (free_tx, free_rx) = bounded::<Box<HistSet>>(cfg.threads * 4);
    for _ in 0..cfg.threads * 3 {
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
        per_worker[i % cfg.threads].push(SessionSpec {
            index: i as u16,
            stream,
            template: OrderTemplate::new(&cfg.template, sender.as_bytes(), cfg.target_comp_id.as_bytes()),
            config: sc,
            logon_delay_ns: cfg.logon_delay_ns(i as u32),
        });
    }
    let mut handles = Vec::new();
    for (w, sessions) in per_worker.into_iter().enumerate() {
        let load = match &cfg.load {
            RunLoad::Closed { window } => Load::Closed { window: *window },
            RunLoad::Open { profile, arrival } => Load::Open {
                profile: profile.clone(),
                share: sessions.len() as f64 / cfg.sessions as f64,
                phase: w as f64 / cfg.threads as f64,
                arrival: match arrival {
                    // Each worker draws its own stream from the seed.
                    Arrival::Poisson { seed } => Arrival::Poisson { seed: seed.wrapping_add(w as u64) },
                    a => *a,
                },
            },
        };
        let sessions_len = sessions.len();
        let spec = WorkerSpec {
            index: w,
            core: cfg.worker_cores.get(w).copied(),
            sessions,
            load,
            timing: cfg.timing,
            poll: cfg.poll,
            pending_capacity: cfg.pending_capacity(),
            transport: cfg.transport(sessions_len),
            // Each worker's share of --count, the remainder to the first workers.
            count: cfg.count.map(|n| {
                let (t, w) = (cfg.threads as u64, w as u64);
                n / t + u64::from(w < n % t)
            }),
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
            let start = shared.now_ns() + 1_000_000;
            shared.start_ns.store(start, Ordering::Release);
            started = Some(start);
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
    let interval_s = cfg.timing.interval_ns as f64 / 1e9;
    let profile = match &cfg.load {
        RunLoad::Open { profile, .. } => Some(profile.clone()),
        RunLoad::Closed { .. } => None,
    };
    let budget = Duration::from_nanos(cfg.timing.warmup_ns + cfg.timing.duration_ns + 2 * cfg.timing.timeout_ns)
        + Duration::from_secs(30);
    let mut done = 0;
    while done < cfg.threads {
        if flag.load(Ordering::Acquire) {
            shared.request_stop();
        }
        if t0.elapsed() > LOGON_TIMEOUT + budget {
            shared.fail("workers did not finish in time; results cover what was reported".into());
            break;
        }
        let rows = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Report::Interval(mut s)) => {
                let rows = agg.add(&s);
                s.hists.reset();
                let _ = free_tx.try_send(std::mem::take(&mut s.hists));
                rows
            }
            Ok(Report::Done { worker }) => {
                done += 1;
                agg.worker_done(worker)
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        if let Some(limit) = cfg.max_error_rate {
            for r in rows.iter().filter(|r| r.index >= 0) {
                let rate = r.counts.total_errors() as f64 / r.counts.sent.max(1) as f64;
                if rate > limit {
                    shared.fail(format!(
                        "error rate {:.2}% in interval {} exceeded --max-error-rate {:.2}%",
                        rate * 100.0,
                        r.index + 1,
                        limit * 100.0
                    ));
                }
            }
        }
        if !cfg.quiet {
            for r in rows {
                // The target over this interval: the profile's rate at its middle.
                let target = profile.as_ref().map(|p| p.rate_at((r.index as f64 + 0.5) * interval_s));
                eprintln!("{}", live_line(&r, interval_s, cfg.timing.warmup_ns as f64 / 1e9, target));
            }
        }
    }
    for h in handles {
        let _ = h.join();
    }
    started
}

fn build_result(
    cfg: &RunConfig,
    shared: &Shared,
    agg: &Aggregate,
    host: HostInfo,
    target: &str,
    started: Option<u64>,
    interrupted: bool,
) -> RunResult {
    let t = &cfg.timing;
    let measured_ns = match started {
        None => 0,
        Some(start) => {
            let warmup_end = start + t.warmup_ns;
            let mut end = (warmup_end + t.duration_ns).min(shared.stop_ns.load(Ordering::Acquire));
            // With --count reached, the measurement ends with the last order sent.
            if cfg.count.is_some_and(|n| agg.counts.sent >= n) {
                end = end.min(agg.last_sent_ns.max(warmup_end + 1));
            }
            end.saturating_sub(warmup_end)
        }
    };
    let duration_s = measured_ns as f64 / 1e9;
    let per_s = |n: u64| if duration_s > 0.0 { n as f64 / duration_s } else { 0.0 };
    // Sending stops with the window; a straggler sent just after it stretches the time.
    let send_s = started.map_or(0.0, |s| {
        let late = agg.last_sent_ns.saturating_sub(s + t.warmup_ns) as f64 / 1e9;
        duration_s.max(late)
    });
    let sent_per_s = if send_s > 0.0 { agg.counts.sent as f64 / send_s } else { 0.0 };
    // What the schedule asked for over the window, whatever its shape.
    let asked = agg.counts.sent + agg.counts.not_sent;
    let open = matches!(cfg.load, RunLoad::Open { .. });
    let target_per_s = (open && duration_s > 0.0).then(|| asked as f64 / duration_s);
    let failure = shared.failure();
    let h = &agg.total;
    let (rate, closed_loop, profile) = match &cfg.load {
        RunLoad::Open { profile, arrival } => {
            let arrival = match arrival {
                Arrival::Uniform => String::new(),
                Arrival::Poisson { seed } => format!(" (poisson, seed {seed})"),
            };
            (cfg.load.constant_rate(), None, format!("{}{arrival}", profile.describe()))
        }
        RunLoad::Closed { window } => (None, Some(ClosedLoop { window: *window }), format!("closed-loop:{window}")),
    };
    let interval_s = t.interval_ns as f64 / 1e9;
    RunResult {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "fixblast".into(), version: env!("CARGO_PKG_VERSION").into() },
        status: Status {
            completed: failure.is_none() && !interrupted && started.is_some(),
            interrupted,
            failure,
            sessions_lost: shared.lost.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            started_at_unix_s: started.map_or(0.0, |s| (shared.epoch_utc_ns + s) as f64 / 1e9),
        },
        config: Config {
            target: target.to_string(),
            builtin_gateway: cfg.target.is_none(),
            gateway_backend: cfg.target.is_none().then(|| cfg.gateway_backend.name().to_string()),
            sessions: cfg.sessions,
            threads: cfg.threads,
            cores: cfg.worker_cores.clone(),
            backend: cfg.backend.name().to_string(),
            backend_options: cfg.backend.describe(&cfg.transport(cfg.sessions.div_ceil(cfg.threads as u32) as usize)),
            poll: cfg.poll.name().into(),
            rate,
            closed_loop,
            profile,
            duration_s: t.duration_ns as f64 / 1e9,
            warmup_s: t.warmup_ns as f64 / 1e9,
            timeout_s: t.timeout_ns as f64 / 1e9,
            template: cfg.template_name.clone(),
            sender_comp_id: cfg.sender_comp_id.clone(),
            target_comp_id: cfg.target_comp_id.clone(),
        },
        host,
        orders: Orders::of(&agg.counts),
        errors: Errors::of(&agg.counts),
        throughput: Throughput {
            orders_per_s: sent_per_s,
            acks_per_s: per_s(agg.counts.acked),
            target_orders_per_s: target_per_s,
            rate_achieved: target_per_s.map(|r| sent_per_s >= 0.99 * r),
            duration_s,
        },
        latency_ns: Latency {
            ack: Stats::of(&h.ack),
            ack_service: Stats::of(&h.ack_service),
            fill: (!h.fill.is_empty()).then(|| Stats::of(&h.fill)),
        },
        schedule_lag_ns: {
            let l = Stats::of(&h.schedule_lag);
            Lag { p50: l.p50, p99: l.p99, max: l.max }
        },
        intervals: agg
            .intervals
            .iter()
            .map(|r| Interval {
                t_s: (r.index + 1) as f64 * interval_s,
                orders_per_s: r.counts.sent as f64 / interval_s,
                ack: IntervalAck { count: r.ack_count, p50: r.ack_p50, p99: r.ack_p99, max: r.ack_max },
                errors: r.counts.total_errors(),
                in_flight: r.in_flight,
            })
            .collect(),
        sla: Vec::new(),
        histograms: Histograms {
            ack: encode_histogram(&h.ack),
            ack_service: encode_histogram(&h.ack_service),
            fill: encode_histogram(&h.fill),
            schedule_lag: encode_histogram(&h.schedule_lag),
        },
    }
}
