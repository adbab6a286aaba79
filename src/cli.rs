//! Command-line definitions (clap) and help text. Values are parsed here raw, with the unit
//! parsers of [`crate::units`]; `run::RunConfig::from_args` validates them into a
//! config once. Only `main`, `commands` and `run` may import this module.
//!
//! Every flag that takes a number, a rate, a duration or a core list has
//! `allow_hyphen_values`: `--rate -5` hands `-5` to the flag's parser, whose error names the
//! flag and says what is allowed, instead of clap taking `-5` for an unknown flag.

use crate::units::{StartAt, UnitError, parse_cores, parse_duration, parse_fraction, parse_rate, parse_start_at};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

mod faults;
mod fix;
pub use faults::FaultArgs;
pub use fix::{FixArgs, FixVersionArg, LogonArgs, OrdersCommand, TemplateCommand};

#[derive(Debug, Parser)]
#[command(
    name = "fixblast",
    version,
    about = "Order-entry round-trip latency of a FIX 4.2, 4.4 or 5.0 gateway",
    long_about = "fixblast logs on to a FIX 4.2, 4.4 or 5.0 (SP1, SP2) order-entry gateway, sends NewOrderSingles from \
pinned busy-polling threads, matches each ExecutionReport to its order by ClOrdID and reports \
the round-trip latency distribution.\n\n\
Quick start:\n  fixblast run                          # against the built-in gateway on loopback\n  \
fixblast run --target 10.0.0.5:9878 --rate 50k --duration 30s --json result.json\n\n\
Exit codes: 0 success, 1 an --sla threshold failed, 2 bad input or usage, 3 the run could \
not complete (gateway unreachable, logon refused, disconnected). Result files are written \
in every case."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure a gateway's order round trip (starts the built-in gateway when no --target).
    Run(Box<RunArgs>),
    /// Run the reference FIX gateway (an acceptor that acks, and optionally fills, orders).
    Gateway(Box<GatewayArgs>),
    /// Order templates.
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// Order feeds for `run --orders`.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Render a result file: an HTML report with charts, the .hgrm percentiles, the CSV.
    Report(ReportArgs),
    /// Compare two builds: per-percentile deltas, and a verdict with several runs per side.
    Compare(CompareArgs),
    /// Add up the results of processes or hosts that ran together (histograms add, lossless).
    Merge(MergeArgs),
    /// Is this host tuned? One line per check (ok, warn, FAIL, unknown): what was found, why it
    /// matters and the exact fix. Exit 1 when a check fails.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The cores `run --cores` will use (default: what run picks, the highest-numbered core).
    #[arg(long, allow_hyphen_values = true, value_name = "LIST", value_parser = parse_core_list)]
    pub cores: Option<CoreList>,
    /// Machine-readable output: {exit_code, summary, checks: [{name, level, found, why, fix}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A result file written by `run --json`.
    #[arg(required_unless_present = "sweep")]
    pub result: Option<PathBuf>,
    /// Instead of a result: the summary.csv of scripts/sweep.sh, drawn with --html as p50/p99
    /// and achieved rate across the sweep.
    #[arg(long, value_name = "SUMMARY.csv", conflicts_with_all = ["result", "percentiles", "csv"], requires = "html")]
    pub sweep: Option<PathBuf>,
    /// Write a self-contained HTML report with charts (no network fetches).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the ack latency percentile distribution (.hgrm layout, microseconds).
    #[arg(long, value_name = "FILE")]
    pub percentiles: Option<PathBuf>,
    /// Write the time series as CSV, one row per interval.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// `fixblast compare BASE.json NEW.json`, or several runs a side with --base/--new.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// BASE.json NEW.json: one result a side (deltas only; no verdict from one run each).
    #[arg(value_name = "FILE", num_args = 0..=2, conflicts_with_all = ["base", "new"])]
    pub files: Vec<PathBuf>,
    /// Results of the base build, one per run (use with --new).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "new")]
    pub base: Vec<PathBuf>,
    /// Results of the new build, one per run (use with --base).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "base")]
    pub new: Vec<PathBuf>,
    /// Exit 1 when a latency percentile is worse by more than this (`5%` or `0.05`); with
    /// several runs a side, only when the verdict is also "worse".
    #[arg(long, allow_hyphen_values = true, value_name = "PCT", value_parser = parse_fraction)]
    pub fail_if_worse: Option<f64>,
    /// Confidence of the bootstrap interval behind each verdict.
    #[arg(long, allow_hyphen_values = true, default_value_t = 0.95, value_name = "P")]
    pub confidence: f64,
    /// Seed of the bootstrap resampling (the verdict is reproducible).
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Also write the comparison as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Result files of processes or hosts that ran at the same time.
    #[arg(value_name = "FILE", num_args = 2.., required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the merged result.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// io_uring where the kernel allows it, else syscall.
    Auto,
    /// io_uring; fail when it is unavailable.
    Uring,
    /// Plain non-blocking read/write.
    Syscall,
}

/// How the io_uring backend receives (see README: choosing a backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UringRecvArg {
    /// `poll` up to 4 connections per thread, `multishot` above: what each costs grows
    /// with the connections polled (poll) or only with those that have data (multishot).
    Auto,
    /// A non-blocking receive per connection each loop, all in one io_uring_enter.
    Poll,
    /// One multishot receive armed per connection; idle connections cost nothing.
    Multishot,
}

impl UringRecvArg {
    /// The receive mode for a thread with `conns` connections.
    pub fn for_conns(self, conns: usize) -> crate::transport::UringRecv {
        use crate::transport::{FEW_CONNS, UringRecv};
        match self {
            UringRecvArg::Auto if conns > FEW_CONNS => UringRecv::Multishot,
            UringRecvArg::Auto | UringRecvArg::Poll => UringRecv::Poll,
            UringRecvArg::Multishot => UringRecv::Multishot,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WireStampsArg {
    /// The kernel's software stamps (any interface, loopback included).
    Software,
    /// The NIC's stamps, on its PTP clock: an interface that stamps every packet both ways
    /// (`fixblast doctor` lists them); client out/in are not reported.
    Hardware,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArrivalArg {
    /// Evenly spaced, 1/rate apart.
    Uniform,
    /// Exponential gaps (a Poisson process), seeded by --seed.
    Poisson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Poll {
    /// Busy-poll: lowest latency; each worker owns its core.
    Spin,
    /// Yield the core when idle: for shared cores, laptops and CI.
    Yield,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Gateway address HOST:PORT. Without it, fixblast starts its built-in gateway on a
    /// loopback port and measures against that.
    #[arg(long, value_name = "HOST:PORT")]
    pub target: Option<String>,

    /// FIX sessions to open. With more than one, session k logs on as SENDER_COMP_IDk.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "N")]
    pub sessions: u32,

    /// Worker threads; sessions are spread over them round-robin.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "T")]
    pub threads: usize,

    /// Cores to pin worker threads to, one per thread: `2,3` or `4-7`. Default: the highest
    /// numbered cores.
    #[arg(long, allow_hyphen_values = true, value_name = "LIST", value_parser = parse_core_list)]
    pub cores: Option<CoreList>,

    /// Cores for the built-in gateway. Default: a core the workers do not use, if any; with
    /// no core to spare the gateway yields instead of spinning.
    #[arg(long, allow_hyphen_values = true, value_name = "LIST", value_parser = parse_core_list)]
    pub gateway_cores: Option<CoreList>,

    #[command(flatten)]
    pub transport: TransportArgs,
    #[command(flatten)]
    pub fix: FixArgs,
    #[command(flatten)]
    pub logon: LogonArgs,

    /// Open-loop rate over all sessions, orders/s: `2500`, `10k`, `1.5m`, at most 1000m (one
    /// per nanosecond; every rate is). Latency is measured from each order's intended send
    /// time, so a stall is never hidden (no coordinated omission). Default 10k unless
    /// --closed-loop.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "ORDERS_PER_S",
        value_parser = parse_rate,
        conflicts_with = "closed_loop"
    )]
    pub rate: Option<f64>,

    /// Open-loop load profile over all sessions (instead of --rate). Time counts from the end
    /// of warm-up, which runs at the profile's first rate:
    ///   constant:10k                 ────────
    ///   ramp:1k..50k/30s             ╱‾‾‾‾  (swap FROM and TO to ramp down)
    ///   step:1k/10s,5k/10s,20k/10s   ▁▃█    (holds the last stage)
    ///   spike:2k,40k/2s@10s          ▁█▁    (PEAK for DUR, starting AT)
    ///   burst:2k,20k/1s/10s          █▁▁█▁▁ (PEAK for DUR, every EVERY)
    ///   volatile:5k,0.5..2.0/1s,seed=7     seeded random walk between multiples of BASE
    ///   file:rates.csv               rows t_s,rate, interpolated
    /// Presets over --base-rate and --multiplier: normal, volatile, spike, ramp-up, ramp-down.
    #[arg(long, value_name = "SPEC", conflicts_with_all = ["rate", "closed_loop"], verbatim_doc_comment)]
    pub profile: Option<String>,

    /// Base rate for --profile presets.
    #[arg(
        long,
        allow_hyphen_values = true,
        default_value = "10k",
        value_name = "ORDERS_PER_S",
        value_parser = parse_rate
    )]
    pub base_rate: f64,

    /// Multiplier for --profile presets (peak = base x multiplier).
    #[arg(long, allow_hyphen_values = true, default_value_t = 2.0, value_name = "X")]
    pub multiplier: f64,

    /// How open-loop orders are spaced: evenly, or as a seeded Poisson process.
    #[arg(long, value_enum, default_value_t = ArrivalArg::Uniform)]
    pub arrival: ArrivalArg,

    /// Seed for --arrival poisson (and the built-in gateway's --gateway-fault jitter).
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "N")]
    pub seed: u64,

    /// Stagger logons: session k sends Logon k/RATE seconds after the first. Orders start
    /// once every session is logged on. Default: all at once.
    #[arg(long, allow_hyphen_values = true, value_name = "PER_S", value_parser = parse_rate)]
    pub logon_rate: Option<f64>,

    /// Fail the run (exit 3) as soon as one session is lost. Without it, a lost session is
    /// reported and the run goes on with the others.
    #[arg(long)]
    pub fail_fast: bool,

    /// When a session's connection is lost during the run (closed, a Logout from the gateway,
    /// no answer to a TestRequest), connect and log on again, with ResetSeqNumFlag (141=Y),
    /// up to TRIES times per loss (default 5), waiting --reconnect-backoff before the first
    /// try and twice as long before each next one (at most 5s). The run goes on; its orders
    /// unanswered on the lost connection count as timed out, the wait shows as schedule lag,
    /// and the result's `reconnects` gives every gap. A session not back after TRIES is lost
    /// (exit 3 if it was the last).
    #[arg(long, value_name = "TRIES", num_args = 0..=1, default_missing_value = "5")]
    pub reconnect: Option<u32>,

    /// With --reconnect: the wait before the first try after a loss (default 100ms).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", value_parser = parse_duration, requires = "reconnect")]
    pub reconnect_backoff: Option<Duration>,

    /// Stop after N measured orders (--duration still bounds the run).
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub count: Option<u64>,

    /// Closed loop: keep --window orders in flight per session, sending the next as soon as
    /// one is acked. Measures service time at the gateway's own pace.
    #[arg(long)]
    pub closed_loop: bool,

    /// Orders in flight per session with --closed-loop.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "K", requires = "closed_loop")]
    pub window: u32,

    /// How long to measure: `500ms`, `10s`, `2m`; at most 168h (7 days), like --warmup,
    /// --interval and every length in --profile.
    #[arg(long, allow_hyphen_values = true, default_value = "10s", value_name = "DUR", value_parser = parse_duration)]
    pub duration: Duration,

    /// Orders sent before measuring starts; their latencies are not recorded.
    #[arg(long, allow_hyphen_values = true, default_value = "2s", value_name = "DUR", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Length of each row of the time series (live line, full-screen view, `intervals` in
    /// the result, --csv, --hlog). At least 10ms. The last row is shorter when --duration
    /// is not a whole number of intervals (or the run stops early); its rate is over its
    /// real length. Replies still arriving after sending stopped count in the last row.
    #[arg(long, allow_hyphen_values = true, default_value = "1s", value_name = "DUR", value_parser = parse_duration)]
    pub interval: Duration,

    /// An order with no ExecutionReport this long after it was sent is overdue: its reply,
    /// when it comes, counts as late and keeps its real latency. Orders still unanswered
    /// this long after sending stopped count as timed out. At most 60s, the histograms' range.
    #[arg(long, allow_hyphen_values = true, default_value = "1s", value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Duration,

    /// NewOrderSingle template. Default: the built-in copy of fix-templates/new-order-single.fix.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Orders to send, cycled in file order: CSV rows `symbol,side,qty,price,ord_type,tif`
    /// (e.g. `ACME,buy,100,10.25,limit,day`; side/ord_type/tif take FIX codes or names).
    /// Every row is checked and pre-encoded before the run; a bad row exits 2 naming its
    /// line and column. Default: the template's own Symbol, Side, OrderQty, OrdType, Price
    /// and TimeInForce. `fixblast orders check FILE` checks a feed alone.
    #[arg(long, value_name = "FEED.csv")]
    pub orders: Option<PathBuf>,

    /// Message mix, as relative weights: `new=90,cancel=8,replace=2`. Cancels (35=F) and
    /// replaces (35=G) amend the newest order still resting at the gateway (acked, not
    /// filled); with none, a new order goes instead and the result counts it. Latency of
    /// each type is measured apart: cancel ack is 150=4 or 35=9, replace ack 150=5 or 35=9.
    #[arg(long, value_name = "SPEC", default_value = "new=1")]
    pub mix: String,

    /// OrderCancelRequest template for --mix cancel=N. Default: the built-in copy of
    /// fix-templates/order-cancel-request.fix.
    #[arg(long, value_name = "FILE")]
    pub cancel_template: Option<PathBuf>,

    /// OrderCancelReplaceRequest template for --mix replace=N. Default: the built-in copy of
    /// fix-templates/order-cancel-replace-request.fix.
    #[arg(long, value_name = "FILE")]
    pub replace_template: Option<PathBuf>,

    /// SenderCompID (49) of the first session. This and every other value that goes into a
    /// FIX field (--target-comp-id, --clordid-prefix, --username, --password): 1 to 128
    /// bytes, no SOH.
    #[arg(long, default_value = "FIXBLAST", value_name = "ID")]
    pub sender_comp_id: String,

    /// TargetCompID (56) for every session.
    #[arg(long, default_value = "GATEWAY", value_name = "ID")]
    pub target_comp_id: String,

    /// HeartBtInt (108) in seconds.
    #[arg(long, allow_hyphen_values = true, default_value_t = 30, value_name = "SECS")]
    pub heartbeat: u32,

    /// Send ResetSeqNumFlag (141=Y) on Logon: both sides start at MsgSeqNum 1.
    #[arg(long)]
    pub reset_seq: bool,

    /// Put TEXT in front of every ClOrdID (11) and OrigClOrdID (41), for gateways with rules
    /// of their own: 1 to 16 printable ASCII characters, no spaces, no '|'. A ClOrdID is the
    /// prefix, 7 characters drawn at random once per run (so back-to-back and parallel runs
    /// never reuse one: 1 chance in 2^35 per pair of runs), then 13 naming the order: 20
    /// characters plus the prefix, fixed for the run.
    #[arg(long, value_name = "TEXT")]
    pub clordid_prefix: Option<String>,

    /// Username (553) on Logon.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// Password (554) on Logon.
    #[arg(long, value_name = "SECRET")]
    pub password: Option<String>,

    /// Transport of the built-in gateway. It is the reference target, not the thing measured:
    /// `auto` is the plain backend, the steadiest on every host, up to 4 sessions, and
    /// io_uring with multishot receives above (where the kernel allows), so the gateway's
    /// cost follows the sessions with data, not all of them; `--backend` is the harness's own.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub gateway_backend: Backend,

    /// Make the built-in gateway fill every order (a second ExecutionReport, 150=2).
    #[arg(long)]
    pub gateway_fill: bool,

    /// Faults for the built-in gateway to inject, as `name=value` items named like `fixblast
    /// gateway`'s fault flags: 'drop-every=100,delay=200us', 'stall=1000:50ms', 'refuse-logon'
    /// (see `fixblast gateway --help`). The jitter is seeded by --seed.
    #[arg(long, value_name = "LIST")]
    pub gateway_fault: Option<String>,

    /// Thresholds checked at the end; any FAIL exits 1. Comma-separated
    /// `[ack.|service.|fill.|cancel.|replace.]METRIC OP VALUE`: latency metrics p50 p90 p99
    /// p99.9 p99.99 p99.999 min mean max (ack by default), `errors` (% of orders), `rate` (%
    /// of target; also fails when replies were still missing at the end).
    /// Example: 'p99<50us,p99.9<200us,max<5ms,errors<0.1%,rate>=99%'
    #[arg(long, value_name = "THRESHOLDS")]
    pub sla: Option<String>,

    /// Abort (exit 3, results still written) when errors exceed this fraction of the orders
    /// sent in any interval: `0.05` or `5%`.
    #[arg(long, allow_hyphen_values = true, value_name = "R", value_parser = parse_fraction)]
    pub max_error_rate: Option<f64>,

    /// Write the result as JSON (schema in README.md). Every output path may hold
    /// `{config_hash}` (8 hex digits naming the run's configuration) and `{run}` (the run's
    /// number with --runs; `all` for the runs combined), so a sweep never overwrites a file.
    /// Every output is checked before the run and written whole after it: a file already
    /// there is replaced whole or left as it was.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write an HdrHistogram interval log: one compressed histogram per interval and message
    /// type (tags ack, ack_service, fill, cancel, replace), readable by HdrHistogram tools.
    #[arg(long, value_name = "FILE")]
    pub hlog: Option<PathBuf>,

    /// Write the ack latency percentile distribution in the classic .hgrm text layout
    /// (microseconds), for HdrHistogram's plotter.
    #[arg(long, value_name = "FILE")]
    pub percentiles: Option<PathBuf>,

    /// Write the time series as CSV, one row per interval.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Write a self-contained HTML report with charts (also `fixblast report RESULT.json`).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Repeat the run N times (one host says little alone). Each run is reported and writes
    /// its own files (put `{run}` in the paths); then the runs combined (`{run}` = all), with
    /// the run-to-run variation of each percentile.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_name = "N")]
    pub runs: u32,

    /// Start sending at this time, to start several processes or hosts together: Unix
    /// seconds (`1767225600`, fractions allowed) or an offset (`+5s`), at most a day ahead.
    /// Sessions log on first.
    #[arg(long, allow_hyphen_values = true, value_name = "WHEN", value_parser = parse_start_at)]
    pub start_at: Option<StartAt>,

    /// Print only the final summary, no live lines.
    #[arg(long, short, conflicts_with = "tui")]
    pub quiet: bool,

    /// Hold /dev/cpu_dma_latency at this many microseconds for the run (0: no deep C-states
    /// while fixblast runs). Needs root or write access to the device.
    #[arg(long, allow_hyphen_values = true, value_name = "US")]
    pub cpu_dma_latency: Option<u32>,

    /// Full-screen live view on stderr instead of the live line: target and achieved rate,
    /// interval and cumulative percentiles, errors by kind, in-flight orders, schedule lag
    /// and a p99 sparkline. The summary is printed when the run ends.
    #[arg(long)]
    pub tui: bool,
}

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9878", value_name = "ADDR")]
    pub listen: String,

    /// Threads; connections are spread over them.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1)]
    pub threads: usize,

    /// Cores to pin the threads to.
    #[arg(long, allow_hyphen_values = true, value_name = "LIST", value_parser = parse_core_list)]
    pub cores: Option<CoreList>,

    #[command(flatten)]
    pub transport: TransportArgs,
    #[command(flatten)]
    pub fix: FixArgs,

    /// Follow each New ExecutionReport with a Fill.
    #[arg(long)]
    pub fill: bool,

    /// Reject this fraction of orders (ExecType 8), e.g. 0.01.
    #[arg(long, allow_hyphen_values = true, default_value_t = 0.0, value_name = "R")]
    pub reject_ratio: f64,

    /// Drop each connection after it has sent N orders (at least 1).
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    pub disconnect_after: Option<u64>,

    /// Reject an order, cancel or replace whose ClOrdID (11) was seen before, on any
    /// connection, as a venue does within a trading day: ExecType 8 with OrdRejReason 6 and
    /// Text "duplicate ClOrdID" (a cancel or replace gets an OrderCancelReject, 35=9). The
    /// gateway remembers the last --clordid-memory ClOrdIDs.
    #[arg(long)]
    pub reject_duplicate_clordid: bool,

    /// How many ClOrdIDs --reject-duplicate-clordid remembers (the oldest is forgotten
    /// first): 1 to 16777216, about 24 to 40 bytes each, allocated at start-up.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "N",
        default_value_t = 1_000_000,
        requires = "reject_duplicate_clordid"
    )]
    pub clordid_memory: usize,

    #[command(flatten)]
    pub faults: FaultArgs,
}

/// Transport options, the same for `run` and `gateway`.
#[derive(Debug, Args)]
pub struct TransportArgs {
    /// Transport: io_uring where the kernel allows it (auto), or plain syscalls.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,

    /// What an idle thread does. Use `yield` when cores are shared (CI, laptops).
    #[arg(long, value_enum, default_value_t = Poll::Spin)]
    pub poll: Poll,

    /// How the io_uring backend receives.
    #[arg(long, value_enum, default_value_t = UringRecvArg::Auto)]
    pub uring_recv: UringRecvArg,

    /// io_uring SQPOLL: a kernel thread pinned to CORE submits for each thread, so sending
    /// needs no syscall. It spins on that core: give it one that nothing else uses.
    #[arg(long, allow_hyphen_values = true, value_name = "CORE")]
    pub uring_sqpoll: Option<u32>,

    /// io_uring NAPI busy polling for USECS per wait (real NICs with NAPI; Linux 6.9+;
    /// no effect on loopback). Recorded in the result.
    #[arg(long, allow_hyphen_values = true, value_name = "USECS")]
    pub uring_napi: Option<u32>,

    /// Kernel or NIC stamps (SO_TIMESTAMPING): `run` splits each first reply into client out, wire
    /// and client in; `gateway` times itself. `hardware`: see `fixblast doctor` and the README.
    #[arg(long, value_enum, value_name = "MODE")]
    pub wire_timestamps: Option<WireStampsArg>,
}

impl TransportArgs {
    /// The transport options these flags ask for, for `conns` connections.
    pub fn config(&self, conns: usize) -> crate::transport::TransportConfig {
        crate::transport::TransportConfig {
            uring_recv: self.uring_recv.for_conns(conns),
            uring_sqpoll: self.uring_sqpoll,
            uring_napi_us: self.uring_napi,
            ..crate::transport::TransportConfig::for_conns(conns)
        }
    }

    pub fn poll_mode(&self) -> crate::engine::PollMode {
        match self.poll {
            Poll::Spin => crate::engine::PollMode::Spin,
            Poll::Yield => crate::engine::PollMode::Yield,
        }
    }
}

/// A list of core numbers given on the command line (a type of its own so that clap takes
/// `2,3` as one value, not a list of values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreList(pub Vec<usize>);

/// clap's parser for [`CoreList`].
pub fn parse_core_list(s: &str) -> Result<CoreList, UnitError> {
    parse_cores(s).map(CoreList)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
