//! The smaller subcommands: `gateway`, `template check` and `orders check`.

use crate::cli::{GatewayArgs, WireStampsArg};
use crate::error::{Error, usage};
use crate::fix::clordid::{self, ClOrdId, Stem};
use crate::fix::feed::OrderFeed;
use crate::fix::printable;
use crate::fix::template::{Kind, OrderTemplate, TemplateSpec};
use crate::gateway::{Faults, Gateway, GatewayConfig, MAX_CLORDID_MEMORY};
use crate::report::compare::CompareOptions;
use crate::report::files::{Files, result_json, write_whole};
use crate::report::json::RunResult;
use crate::report::load::load_result;
use crate::report::merge::same_run;
use crate::report::paths::{Named, check_files, refuse_repeats, same_file};
use crate::run::BackendKind;
use crate::transport::SEND_BUF;
use crate::transport::syscall::SyscallTransport;
use crate::transport::uring::UringTransport;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `fixblast gateway`: serves until SIGINT/SIGTERM.
pub fn gateway(a: &GatewayArgs) -> Result<(), Error> {
    let listen = a
        .listen
        .to_socket_addrs()
        .map_err(|e| Error::Usage(format!("--listen {:?}: not an ADDR:PORT ({e})", a.listen)))?
        .next()
        .ok_or_else(|| Error::Usage(format!("--listen {:?}: resolves to no address", a.listen)))?;
    if !(0.0..=1.0).contains(&a.reject_ratio) {
        return usage(format!("--reject-ratio {}: must be between 0 and 1", a.reject_ratio));
    }
    if a.threads == 0 {
        return usage("--threads 0: the gateway needs at least one thread");
    }
    // As for `run`: a core that does not exist is a bad flag, not a warning at start-up.
    if let Some(why) = a.cores.as_ref().and_then(|c| crate::host::cores_not_allowed("--cores", &c.0)) {
        return usage(why);
    }
    // The gateway drops a connection once it has answered N orders: with 0 that is at once,
    // before the client's Logon is even answered, so no order could ever be measured.
    if a.disconnect_after == Some(0) {
        return usage("--disconnect-after 0: would drop each connection before its logon; must be at least 1");
    }
    if a.clordid_memory == 0 || a.clordid_memory > MAX_CLORDID_MEMORY {
        return usage(format!("--clordid-memory {}: must be 1 to {MAX_CLORDID_MEMORY}", a.clordid_memory));
    }
    let mut faults = Faults { seed: a.faults.seed, ..Faults::default() };
    for (name, value) in a.faults.given() {
        faults.set(name, value).map_err(|e| Error::Usage(format!("--{name}: {e}")))?;
    }
    let wire = match a.transport.wire_timestamps {
        None => false,
        Some(WireStampsArg::Software) => true,
        Some(WireStampsArg::Hardware) => {
            return usage("--wire-timestamps hardware: not implemented yet; use --wire-timestamps software");
        }
    };
    let ring = a.transport.config(1);
    let backend = crate::run::choose_backend(a.transport.backend, &ring, false)?;
    let injected = match faults.is_none() {
        true => String::new(),
        false => format!("; injecting {}", faults.describe()),
    };
    let cfg = GatewayConfig {
        listen,
        threads: a.threads,
        cores: a.cores.clone().map(|c| c.0).unwrap_or_default(),
        poll: a.transport.poll_mode(),
        fill: a.fill,
        reject_ratio: a.reject_ratio,
        disconnect_after: a.disconnect_after,
        reject_duplicate_clordid: a.reject_duplicate_clordid.then_some(a.clordid_memory),
        faults,
        uring_recv: ring.uring_recv,
        uring_sqpoll: ring.uring_sqpoll,
        uring_napi_us: ring.uring_napi_us,
        wire,
        version: a.fix.fix_version.version(),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    let g = match backend {
        BackendKind::Syscall => Gateway::start::<SyscallTransport>(cfg),
        BackendKind::Uring => Gateway::start::<UringTransport>(cfg),
    }
    .map_err(|e| Error::Usage(format!("--listen {listen}: cannot listen there: {e}")))?;
    let duplicates = match a.reject_duplicate_clordid {
        true => format!(", rejecting a ClOrdID seen among the last {}", a.clordid_memory),
        false => String::new(),
    };
    eprintln!(
        "fixblast gateway listening on {} (FIX {}, any CompIDs, {} backend{duplicates}{injected}{}); Ctrl-C stops it",
        g.addr(),
        a.fix.fix_version.version(),
        backend.name(),
        if wire { "; timing itself with kernel stamps" } else { "" }
    );
    while !stop.load(Ordering::Acquire) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if a.reject_duplicate_clordid {
        eprintln!("fixblast gateway: {} duplicate ClOrdID(s) rejected", g.duplicates_rejected());
    }
    if let Some(tally) = g.stop() {
        eprintln!("fixblast gateway: {}", crate::report::summary::gateway_wire(&tally.side(backend.name())));
    }
    Ok(())
}

/// `fixblast template check FILE`: validates and prints a sample message.
pub fn template_check(path: &Path, version: crate::fix::FixVersion) -> Result<String, Error> {
    let spec = TemplateSpec::load_as(path, version)?;
    let feed = match spec.kind {
        Kind::New => OrderFeed::from_template(&spec.fields),
        _ => {
            let (text, file) = crate::run::builtin_template(version, Kind::New);
            OrderFeed::from_template(&TemplateSpec::parse_as(text, file, version)?.fields)
        }
    };
    // A run draws its tag at random; the sample shows a fixed one.
    let stem = Stem::new(b"", 0x5_1f3c_0a2d);
    let (sender, target) = (b"FIXBLAST", b"GATEWAY");
    // What `run` holds it to with the default flags: one connection's send buffer.
    let stem_len = stem.as_bytes().len();
    spec.check_fits(sender.len(), target.len(), stem_len, feed.max_len(), SEND_BUF)?;
    let mut t = OrderTemplate::new(&spec, sender, target, stem.as_bytes(), feed.max_len());
    let (mut id, mut orig) = ([0u8; clordid::LEN], [0u8; clordid::LEN]);
    ClOrdId { session: 0, slot: 1, counter: 2 }.write(&mut id);
    ClOrdId { session: 0, slot: 0, counter: 1 }.write(&mut orig);
    let part = if spec.kind == Kind::Cancel { feed.cancel(0) } else { feed.order(0) };
    let sample = printable(t.encode(2, b"20240102-03:04:05.678", &id, &orig, part));
    Ok(format!(
        "{}: ok, FIX {version} {} ({}), {} fields\nsample: {sample}\n",
        path.display(),
        spec.kind.fix_name(),
        String::from_utf8_lossy(spec.kind.msg_type()),
        spec.fields.len()
    ))
}

/// `fixblast orders check FILE`: loads a feed as `run --orders` would and says what it holds.
pub fn orders_check(path: &Path) -> Result<String, Error> {
    let t0 = std::time::Instant::now();
    let feed = OrderFeed::load(path)?;
    let took = t0.elapsed();
    Ok(format!(
        "{}: ok, {} orders ({} distinct) loaded in {:.0} ms, {} bytes held ({:.1} per order), longest {} bytes\n",
        path.display(),
        feed.rows(),
        feed.distinct(),
        took.as_secs_f64() * 1e3,
        feed.memory_bytes(),
        feed.memory_bytes() as f64 / feed.rows() as f64,
        feed.max_len()
    ))
}

/// `fixblast report RESULT.json`: renders a result file. Every output is checked before
/// anything is written: none may be another or the input.
pub fn report(a: &crate::cli::ReportArgs) -> Result<(), Error> {
    let outputs = Named::given(&[("--html", &a.html), ("--percentiles", &a.percentiles), ("--csv", &a.csv)]);
    if let (Some(csv), Some(html)) = (&a.sweep, &a.html) {
        use crate::report::html::sweep;
        check_files(&outputs, &[Named { flag: "--sweep", path: csv }])?;
        let name = csv.display().to_string();
        let text = std::fs::read_to_string(csv).map_err(|e| Error::File { path: name.clone(), source: e })?;
        let points = sweep::parse_csv(&text, &name).map_err(Error::Usage)?;
        return Ok(write_whole(html, sweep::render_sweep_html(&points, &name).as_bytes())?);
    }
    let Some(path) = &a.result else { return usage("report: give RESULT.json or --sweep SUMMARY.csv") };
    let r = load_result(path)?;
    if outputs.is_empty() {
        return usage("report: nothing to write; give --html, --percentiles or --csv");
    }
    check_files(&outputs, &[Named { flag: "input", path }])?;
    let files = Files { json: None, percentiles: a.percentiles.clone(), csv: a.csv.clone(), html: a.html.clone() };
    Ok(crate::report::files::write(&r, &files)?)
}

/// Loads result files; the first that is not a usable result is a usage error (exit 2)
/// naming it and the problem.
fn load_all(paths: &[PathBuf]) -> Result<Vec<(String, RunResult)>, Error> {
    paths.iter().map(|p| Ok((p.display().to_string(), load_result(p)?))).collect()
}

/// `fixblast compare`: returns the exit code (1 when --fail-if-worse is exceeded).
pub fn compare(a: &crate::cli::CompareArgs) -> Result<u8, Error> {
    let (base_paths, new_paths) = match (a.files.as_slice(), a.base.is_empty()) {
        ([b, n], true) => (std::slice::from_ref(b), std::slice::from_ref(n)),
        ([], false) => (a.base.as_slice(), a.new.as_slice()),
        _ => return usage("compare: give BASE.json NEW.json, or --base FILE… --new FILE…"),
    };
    let inputs: Vec<Named> = base_paths.iter().chain(new_paths).map(|path| Named { flag: "input", path }).collect();
    check_files(&Named::given(&[("--json", &a.json)]), &inputs)?;
    let (base, new) = (load_all(base_paths)?, load_all(new_paths)?);
    let opts =
        CompareOptions { fail_if_worse: a.fail_if_worse, confidence: a.confidence, seed: a.seed, ..Default::default() };
    opts.validate().map_err(Error::Compare)?;
    warn_same_run_on_both_sides(&base, &new);
    let c = crate::report::compare::compare(&base, &new, &opts);
    print!("{}", c.render());
    if let Some(p) = &a.json {
        write_whole(p, (serde_json::to_string_pretty(&c).expect("comparison serializes") + "\n").as_bytes())?;
    }
    Ok(if c.failed() { 1 } else { 0 })
}

/// A run on both sides makes them look alike: allowed (comparing a file with itself is a
/// sanity check), but said, since it is more often a glob that matched too much.
fn warn_same_run_on_both_sides(base: &[(String, RunResult)], new: &[(String, RunResult)]) {
    for (b, rb) in base {
        for (n, rn) in new {
            if same_file(Path::new(b), Path::new(n)) || same_run(rb, rn) {
                eprintln!("warning: {b} and {n} are the same run, on both sides of the comparison");
            }
        }
    }
}

/// `fixblast merge A.json B.json … -o ALL.json`: all inputs are checked before anything is
/// written (a file or a run given twice would count twice), and the output is written whole
/// or not at all, never over an input.
pub fn merge(a: &crate::cli::MergeArgs) -> Result<(), Error> {
    let inputs: Vec<Named> = a.files.iter().map(|path| Named { flag: "input", path }).collect();
    refuse_repeats(&inputs, "give each result once: merging one twice would count it twice")?;
    check_files(&[Named { flag: "--output", path: &a.output }], &inputs)?;
    let results = load_all(&a.files)?;
    let merged = crate::report::merge::merge(&results).map_err(Error::Merge)?;
    for w in crate::report::merge::warnings(&results) {
        eprintln!("warning: merge: {w}");
    }
    write_whole(&a.output, result_json(&merged).as_bytes())?;
    eprintln!(
        "merged {} results into {}: {} orders sent, ack p99 {}",
        results.len(),
        a.output.display(),
        merged.orders.sent,
        merged.latency_ns.ack().p99.map_or("-".into(), crate::report::fmt_ns)
    );
    Ok(())
}

/// `fixblast doctor`: prints the checks; returns the exit code (1 when one fails).
pub fn doctor(a: &crate::cli::DoctorArgs) -> Result<u8, Error> {
    use crate::host::doctor;
    // A core that does not exist has no IRQs to be free of: no verdict, but a bad flag.
    if let Some(why) = a.cores.as_ref().and_then(|c| crate::host::cores_not_allowed("--cores", &c.0)) {
        return usage(why);
    }
    let checks = doctor::check_host(a.cores.as_ref().map(|c| c.0.as_slice()));
    if a.json {
        println!("{}", doctor::to_json(&checks));
    } else {
        print!("{}", doctor::render(&checks));
    }
    Ok(doctor::exit_code(&checks))
}
