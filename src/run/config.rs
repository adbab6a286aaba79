//! `fixblast run`'s options, validated once into a [`RunConfig`]: every flag and every
//! combination is checked here, before a connection is made, and errors name the flag, the
//! value and what is allowed.

use super::checks::{check_field_values, check_preset_peak, check_spans, check_templates, start_at_utc_ns};
use super::fix::builtin_template;
use super::outputs::{Outputs, config_hash};
use crate::cli::{ArrivalArg, Backend, CoreList, RunArgs, UringRecvArg, WireStampsArg};
use crate::engine::mix::Mix;
use crate::engine::profile::Profile;
use crate::engine::schedule::Arrival;
use crate::engine::{Load, PollMode, Timing};
use crate::error::{Error, usage};
use crate::fix::FixVersion;
use crate::fix::clordid;
use crate::fix::feed::OrderFeed;
use crate::fix::template::Kind;
use crate::fix::template::TemplateSpec;
use crate::report::paths::Named;
use crate::transport::syscall::SyscallTransport;
use crate::transport::uring::UringTransport;
use crate::transport::{FEW_CONNS, Transport, TransportConfig};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The shortest `--interval`: each one is a row of output and a flush of every worker.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Validated options for one run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub target: Option<SocketAddr>,
    pub target_text: String,
    pub sessions: u32,
    pub threads: usize,
    pub worker_cores: Vec<usize>,
    pub gateway_cores: Vec<usize>,
    /// Where the reporter (the calling thread) runs while workers measure: a core no worker
    /// uses, preferring one the built-in gateway does not use either; none when every core
    /// has a worker.
    pub reporter_core: Option<usize>,
    pub backend: BackendKind,
    /// The built-in gateway's transport.
    pub gateway_backend: BackendKind,
    /// Transport options for one connection; [`RunConfig::transport`] sizes them per worker.
    pub ring: TransportConfig,
    /// `--uring-recv`, resolved per thread by its connections ([`RunConfig::transport`]).
    pub uring_recv: UringRecvArg,
    pub poll: PollMode,
    pub load: Load,
    pub timing: Timing,
    /// `--fix-version`, and the `--logon-field`s for the Logon.
    pub fix_version: FixVersion,
    pub logon_fields: Vec<(u32, Vec<u8>)>,
    /// `--next-expected-seq`: NextExpectedMsgSeqNum (789) on the Logon.
    pub next_expected: bool,
    pub template: TemplateSpec,
    pub template_name: String,
    /// Templates for cancels and replaces, when the mix sends them.
    pub cancel_template: Option<TemplateSpec>,
    pub replace_template: Option<TemplateSpec>,
    /// The orders cycled through: `--orders`, or the template's one order.
    pub feed: Arc<OrderFeed>,
    pub feed_name: Option<String>,
    pub mix: Arc<Mix>,
    pub sender_comp_id: String,
    pub target_comp_id: String,
    /// `--clordid-prefix`, checked: goes in front of every ClOrdID and OrigClOrdID.
    pub clordid_prefix: Option<String>,
    pub heartbeat_s: u32,
    pub reset_seq: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub gateway_fill: bool,
    /// `--gateway-fault`: what the built-in gateway gets wrong (nothing by default).
    pub gateway_faults: crate::gateway::Faults,
    /// `--gateway-fault disconnect-after=N`: the built-in gateway closes each connection
    /// after answering N orders.
    pub gateway_disconnect_after: Option<u64>,
    /// Output files, with `{config_hash}`/`{run}` placeholders.
    pub outputs: Outputs,
    /// `--runs`: how many times to repeat the run.
    pub runs: u32,
    /// `--start-at`: when orders start, UTC ns since the Unix epoch.
    pub start_at_utc_ns: Option<u64>,
    /// `--cpu-dma-latency`: microseconds to hold /dev/cpu_dma_latency at during the run.
    pub cpu_dma_latency: Option<u32>,
    pub quiet: bool,
    pub tui: bool,
    pub sla: Vec<crate::report::sla::Threshold>,
    pub max_error_rate: Option<f64>,
    pub count: Option<u64>,
    pub fail_fast: bool,
    pub logon_rate: Option<f64>,
    /// `--reconnect`: how a lost session connects again; `None` without it.
    pub reconnect: Option<crate::engine::reconnect::Policy>,
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

impl RunConfig {
    /// Checks every option and combination; errors name the flag, the value and what is
    /// allowed.
    pub fn from_args(a: &RunArgs) -> Result<RunConfig, Error> {
        let available = crate::host::allowed_cores();
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
            if let Some(why) = cores.as_ref().and_then(|c| crate::host::cores_not_allowed(flag, &c.0)) {
                return usage(why);
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
            Some(CoreList(c)) => {
                if c.len() > a.threads {
                    eprintln!(
                        "warning: --cores lists {} cores for --threads {}; not used: {}",
                        c.len(),
                        a.threads,
                        crate::host::format_cpu_list(&c[a.threads..])
                    );
                }
                c[..a.threads].to_vec()
            }
            // Default: the highest-numbered cores, away from core 0's housekeeping.
            None => available.iter().rev().take(a.threads).copied().collect(),
        };
        if let Some(twice) =
            worker_cores.iter().enumerate().find_map(|(i, c)| worker_cores[..i].contains(c).then_some(c))
        {
            return usage(format!(
                "--cores: core {twice} is listed twice; each worker thread busy-polls and needs a core of its own \
                 (leave --cores out to let fixblast choose)"
            ));
        }
        let gateway_cores = match &a.gateway_cores {
            Some(CoreList(c)) => c.clone(),
            None => available.iter().copied().filter(|c| !worker_cores.contains(c)).take(1).collect(),
        };
        let free = |c: &usize| !worker_cores.contains(c);
        let reporter_core = available
            .iter()
            .copied()
            .find(|c| free(c) && !gateway_cores.contains(c))
            .or_else(|| available.iter().copied().find(free));
        if a.count == Some(0) {
            return usage("--count 0: at least one order is needed");
        }
        if a.window == 0 || a.window > 65_536 {
            return usage(format!("--window {}: must be 1 to 65536", a.window));
        }
        if a.duration.is_zero() {
            return usage("--duration 0: the run must measure for some time, e.g. --duration 10s");
        }
        if a.interval < MIN_INTERVAL {
            return usage(format!(
                "--interval {:?}: must be at least 10ms (one row of the time series each)",
                a.interval
            ));
        }
        if a.timeout.is_zero() {
            return usage("--timeout 0: orders need time to be answered, e.g. --timeout 1s");
        }
        check_spans(a)?;
        let duration_s = a.duration.as_secs_f64();
        let load = if a.closed_loop {
            Load::Closed { window: a.window }
        } else {
            let profile = match (&a.profile, a.rate) {
                (Some(spec), _) => {
                    if !(a.multiplier > 0.0 && a.multiplier.is_finite()) {
                        return usage(format!("--multiplier {}: must be more than 0", a.multiplier));
                    }
                    let spec = match preset(spec, a.base_rate, a.multiplier, duration_s) {
                        Some(expanded) => check_preset_peak(a.base_rate, a.multiplier).map(|()| expanded)?,
                        None => spec.clone(),
                    };
                    Profile::parse(&spec, duration_s, |path| {
                        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
                    })?
                }
                (None, rate) => Profile::Constant(rate.unwrap_or(10_000.0)),
            };
            let arrival = match a.arrival {
                ArrivalArg::Uniform => Arrival::Uniform,
                ArrivalArg::Poisson => Arrival::Poisson { seed: a.seed },
            };
            Load::Open { profile, arrival }
        };
        if let Load::Open { profile, .. } = &load
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
        // The built-in gateway: `auto` is the plain backend for a few sessions, io_uring with
        // multishot receives (where the kernel allows) for more.
        let gateway_backend = match (a.target.is_none(), a.gateway_backend) {
            (false, _) => backend,
            (true, Backend::Auto) if (a.sessions as usize) <= FEW_CONNS => BackendKind::Syscall,
            (true, b) => choose_backend(b, &ring, true)?,
        };
        check_field_values(a)?;
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
        // The interface first: no backend takes hardware stamps through loopback.
        let hw_iface = match a.transport.wire_timestamps {
            Some(WireStampsArg::Hardware) => Some(hardware_iface(target)?),
            _ => None,
        };
        let (wire, wire_hardware) = wire_timestamps(a.transport.wire_timestamps, backend, a.transport.backend)?;
        let version = a.fix.fix_version.version();
        let (template, template_name) = match &a.template {
            Some(p) => (TemplateSpec::load_as(p, version)?, p.display().to_string()),
            None => {
                let (text, file) = builtin_template(version, Kind::New);
                (TemplateSpec::parse_as(text, file, version)?, format!("built-in {file}"))
            }
        };
        let mix = Mix::parse(&a.mix)?;
        let extra = |kind: Kind, flag: &str, path: &Option<PathBuf>| -> Result<_, Error> {
            if !mix.has(kind) {
                if path.is_some() {
                    return usage(format!("{flag} is used only with --mix {}=N", kind.name()));
                }
                return Ok(None);
            }
            let spec = match path {
                Some(p) => TemplateSpec::load_as(p, version)?,
                None => TemplateSpec::parse_as(
                    builtin_template(version, kind).0,
                    &format!("built-in {}", kind.fix_name()),
                    version,
                )?,
            };
            if spec.kind != kind {
                return usage(format!(
                    "{flag} {}: is {} (35={}); this flag takes {} (35={})",
                    spec.file,
                    spec.kind.a_fix_name(),
                    String::from_utf8_lossy(spec.kind.msg_type()),
                    kind.a_fix_name(),
                    String::from_utf8_lossy(kind.msg_type())
                ));
            }
            Ok(Some(spec))
        };
        let cancel_template = extra(Kind::Cancel, "--cancel-template", &a.cancel_template)?;
        let replace_template = extra(Kind::Replace, "--replace-template", &a.replace_template)?;
        if template.kind != Kind::New {
            return usage(format!(
                "--template {}: is {}; the order template must be a NewOrderSingle (35=D). Use \
                 --cancel-template/--replace-template with --mix for the others",
                template_name,
                template.kind.a_fix_name()
            ));
        }
        let (feed, feed_name) = match &a.orders {
            Some(p) => (OrderFeed::load(p)?, Some(p.display().to_string())),
            None => (OrderFeed::from_template(&template.fields), None),
        };
        let templates = [Some(&template), cancel_template.as_ref(), replace_template.as_ref()];
        check_templates(templates.into_iter().flatten(), a, feed.max_len(), ring.send)?;
        if a.runs == 0 || a.runs > 1000 {
            return usage(format!("--runs {}: must be 1 to 1000", a.runs));
        }
        let now_utc_s =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let start_at_utc_ns = start_at_utc_ns(a.start_at, now_utc_s)?;
        if a.runs > 1 && start_at_utc_ns.is_some() {
            return usage("--start-at starts one run; it cannot be combined with --runs");
        }
        let faults = super::faults::gateway_faults(a)?;
        if let Some(iface) = &hw_iface {
            // Every flag checked: now the NIC is put in timestamping mode.
            crate::transport::hwstamp::enable_nic(iface)
                .map_err(|e| Error::Usage(format!("--wire-timestamps hardware: {e}")))?;
        }
        let mut cfg = RunConfig {
            target,
            target_text,
            sessions: a.sessions,
            threads: a.threads,
            worker_cores,
            gateway_cores,
            reporter_core,
            backend,
            gateway_backend,
            ring: TransportConfig { wire, wire_hardware, ..ring },
            uring_recv: a.transport.uring_recv,
            poll: a.transport.poll_mode(),
            load,
            timing: Timing {
                warmup_ns: a.warmup.as_nanos() as u64,
                duration_ns: a.duration.as_nanos() as u64,
                timeout_ns: a.timeout.as_nanos() as u64,
                interval_ns: a.interval.as_nanos() as u64,
            },
            fix_version: version,
            logon_fields: super::fix::logon_fields(&a.logon.logon_field)?,
            next_expected: super::fix::next_expected(a.logon.next_expected_seq, version)?,
            template,
            template_name,
            cancel_template,
            replace_template,
            feed: Arc::new(feed),
            feed_name,
            mix: Arc::new(mix),
            sender_comp_id: a.sender_comp_id.clone(),
            target_comp_id: a.target_comp_id.clone(),
            clordid_prefix: a.clordid_prefix.clone(),
            heartbeat_s: a.heartbeat,
            reset_seq: a.reset_seq,
            username: a.username.clone(),
            password: a.password.clone(),
            gateway_fill: a.gateway_fill,
            gateway_faults: faults.0,
            gateway_disconnect_after: faults.1,
            outputs: Outputs::default(),
            runs: a.runs,
            start_at_utc_ns,
            cpu_dma_latency: a.cpu_dma_latency,
            quiet: a.quiet,
            tui: a.tui,
            max_error_rate: a.max_error_rate,
            count: a.count,
            fail_fast: a.fail_fast,
            logon_rate: a.logon_rate,
            reconnect: super::checks::reconnect(a)?,
            sla: match &a.sla {
                Some(spec) => crate::report::sla::parse(spec)?,
                None => Vec::new(),
            },
        };
        let to_string = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        cfg.outputs = Outputs {
            json: to_string(&a.json),
            hlog: to_string(&a.hlog),
            percentiles: to_string(&a.percentiles),
            csv: to_string(&a.csv),
            html: to_string(&a.html),
            config_hash: config_hash(&cfg.describe()),
        };
        let inputs = Named::given(&[
            ("--orders", &a.orders),
            ("--template", &a.template),
            ("--cancel-template", &a.cancel_template),
            ("--replace-template", &a.replace_template),
        ]);
        cfg.outputs.check(cfg.runs, &inputs)?;
        Ok(cfg)
    }

    /// What defines the experiment, as text: what `{config_hash}` hashes. Not the built-in
    /// gateway's port, which changes every run.
    pub fn describe(&self) -> String {
        let load = match &self.load {
            Load::Open { profile, arrival } => format!("{} {arrival:?}", profile.describe()),
            Load::Closed { window } => format!("closed-loop:{window}"),
        };
        format!(
            "target={} sessions={} threads={} cores={:?} backend={} poll={} load={load} duration={} warmup={} \
             timeout={} template={} orders={:?} mix={} count={:?}",
            self.target_text,
            self.sessions,
            self.threads,
            self.worker_cores,
            self.backend.name(),
            self.poll.name(),
            self.timing.duration_ns,
            self.timing.warmup_ns,
            self.timing.timeout_ns,
            self.template_name,
            self.feed_name,
            self.mix.describe(),
            self.count
        ) + &self.describe_faults()
    }

    /// The built-in gateway's faults as it describes them; `None` without.
    pub fn gateway_faults_text(&self) -> Option<String> {
        let disconnect = self.gateway_disconnect_after.map(|n| format!("disconnect-after={n}"));
        let faults = (!self.gateway_faults.is_none()).then(|| self.gateway_faults.describe());
        match (faults, disconnect) {
            (Some(f), Some(d)) => Some(format!("{f}, {d}")),
            (f, d) => f.or(d),
        }
    }

    /// What a run that meets faults, reconnects or takes wire stamps adds to
    /// [`describe`](RunConfig::describe): nothing for a run without them, so their
    /// `{config_hash}` stays what it was.
    fn describe_faults(&self) -> String {
        let mut s = String::new();
        if let Some(f) = self.gateway_faults_text() {
            s += &format!(" gateway_faults={f}");
        }
        if let Some(p) = self.reconnect {
            s += &format!(" reconnect={}:{:?}", p.tries, p.backoff);
        }
        if self.ring.wire {
            s += if self.ring.wire_hardware { " wire_timestamps=hardware" } else { " wire_timestamps=software" };
        }
        s
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
        TransportConfig { max_conns: conns.max(1), uring_recv: self.uring_recv.for_conns(conns), ..self.ring }
    }

    /// The built-in gateway's receive mode: it holds every session on one thread.
    pub fn gateway_uring_recv(&self) -> crate::transport::UringRecv {
        self.uring_recv.for_conns(self.sessions as usize)
    }

    pub(crate) fn pending_capacity(&self) -> usize {
        let n = match self.load {
            Load::Closed { window } => 4 * window as usize,
            Load::Open { ref profile, .. } => {
                let rate = profile.peak(self.timing.duration_ns as f64 / 1e9);
                let per_session = rate / self.sessions as f64;
                // Unanswered orders keep their slots past --timeout, for their late replies: room
                // for 4 timeouts' worth, so a stall that long still sends on.
                (per_session * self.timing.timeout_ns as f64 / 1e9 * 4.0).ceil() as usize
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

/// `--wire-timestamps`, validated against the backend chosen (`asked` is what `--backend`
/// said): whether the workers' transports keep kernel stamps (software: either backend,
/// every io_uring receive mode), and whether the NIC's (hardware: syscall backend only).
fn wire_timestamps(mode: Option<WireStampsArg>, backend: BackendKind, asked: Backend) -> Result<(bool, bool), Error> {
    match mode {
        None => Ok((false, false)),
        Some(WireStampsArg::Software) => Ok((true, false)),
        Some(WireStampsArg::Hardware) if backend == BackendKind::Uring => {
            let chose = if asked == Backend::Auto { " (--backend auto chose io_uring here)" } else { "" };
            usage(format!(
                "--wire-timestamps hardware: the io_uring backend does not take NIC stamps yet{chose}; \
                 use --backend syscall"
            ))
        }
        Some(WireStampsArg::Hardware) => Ok((true, true)),
    }
}

/// `--wire-timestamps hardware`: the interface that routes to `target` (loopback for the
/// built-in gateway), which must stamp every packet both ways in hardware. Anything less is a
/// usage error (exit 2) naming the interface and what it can do, before the run starts.
fn hardware_iface(target: Option<SocketAddr>) -> Result<String, Error> {
    use crate::transport::hwstamp;
    const FLAG: &str = "--wire-timestamps hardware";
    let to = target.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let iface = crate::host::nic::route_to(to)
        .map_err(|e| Error::Usage(format!("{FLAG}: cannot tell which interface routes to {}: {e}", to.ip())))?;
    let info = hwstamp::ts_info(&iface).map_err(|e| {
        Error::Usage(format!("{FLAG}: cannot ask {iface} what it can stamp (ETHTOOL_GET_TS_INFO: {e})"))
    })?;
    if !info.hardware() {
        let only = if info.so_timestamping
            & (libc::SOF_TIMESTAMPING_TX_HARDWARE
                | libc::SOF_TIMESTAMPING_RX_HARDWARE
                | libc::SOF_TIMESTAMPING_RAW_HARDWARE)
            == 0
        {
            " software stamps only"
        } else {
            " no hardware stamps of every packet sent and received"
        };
        return usage(format!(
            "{FLAG}: {iface} (the interface to {}) offers{only} ({info}): use --wire-timestamps software",
            to.ip()
        ));
    }
    Ok(iface)
}

/// Probes io_uring for `auto` and `uring`: `auto` falls back with one line saying why,
/// `uring` fails (exit 2) naming the cause.
pub fn choose_backend(b: Backend, ring: &TransportConfig, quiet: bool) -> Result<BackendKind, Error> {
    match b {
        Backend::Syscall => Ok(BackendKind::Syscall),
        Backend::Uring => match crate::transport::uring::probe_with(ring) {
            Ok(()) => Ok(BackendKind::Uring),
            Err(why) => Err(Error::Uring(why)),
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
