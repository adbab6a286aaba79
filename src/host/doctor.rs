//! `fixblast doctor`: is this host tuned, and what will distort the numbers? Owns the list of
//! checks, their order, the verdict (exit code), the text and JSON output, and the one-line
//! warning `run` prints before it starts.
//!
//! [`run_checks`] is pure: it reads only files under [`DoctorInput::root`] and takes the TSC
//! rate and the io_uring probe result as inputs, so tests run it on fake `/proc` and `/sys`
//! trees. Each check is in `host/checks/` and reads its facts through `host/read*.rs`, the same
//! readers that fill the result file's `host` block. [`check_host`] is the impure wrapper for
//! the real host. Nothing here changes the host: fixes are printed, never applied.

pub use super::checks::{Check, Level};

use super::checks::{self, Ctx};
use crate::transport::hwstamp::TsInfo;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// What the checks need besides the files under `root`.
#[derive(Debug, Clone)]
pub struct DoctorInput<'a> {
    /// `/` on a real host; a fake tree in tests.
    pub root: &'a Path,
    /// The cores to judge (`--cores`). `None`: what `run` uses by default, the highest-numbered
    /// online core.
    pub cores: Option<&'a [usize]>,
    /// TSC ticks per second from [`super::tsc_hz`]; `None` when quanta is not using the TSC.
    pub tsc_hz: Option<u64>,
    /// The result of `crate::transport::uring::probe()`, its error as the doctor shows it.
    pub uring_probe: Result<(), String>,
    /// Asks an interface what it can stamp (`crate::transport::hwstamp::ts_info` on a real
    /// host). `None` leaves the per-interface `timestamps` checks out.
    pub ts_info: Option<fn(&str) -> std::io::Result<TsInfo>>,
}

/// Runs every check, in the order the text output shows them. Reads only under `input.root`.
pub fn run_checks(input: &DoctorInput) -> Vec<Check> {
    let cx = Ctx::new(input.root, input.cores);
    let mut out = vec![
        checks::cores::isolation(&cx),
        checks::cores::nohz_full(&cx),
        checks::cores::smt(&cx),
        checks::irq::irqbalance(&cx),
        checks::irq::irqs(&cx),
        checks::power::governor(&cx),
        checks::power::frequency(&cx),
        checks::power::c_states(&cx),
        checks::clock::tsc(&cx),
        checks::clock::clocksource(&cx),
        checks::clock::tsc_rate(&cx, input.tsc_hz),
        checks::system::io_uring(&cx, &input.uring_probe),
        checks::system::thp(&cx),
        checks::system::swap(&cx),
        checks::system::busy_poll(&cx),
        checks::system::vm(&cx),
    ];
    if let Some(ask) = input.ts_info {
        // One check per interface, up NICs first; none when /sys/class/net cannot be read.
        for iface in super::nic::ifaces(input.root).unwrap_or_default() {
            out.push(checks::nic::timestamps(&iface, &ask(&iface.name)));
        }
    }
    out
}

/// Runs the checks on this host: calibrates the TSC (about 100 ms) and probes io_uring.
pub fn check_host(cores: Option<&[usize]>) -> Vec<Check> {
    let clock = quanta::Clock::new();
    let tsc_hz = super::tsc_hz(&clock, Duration::from_millis(100));
    run_checks(&DoctorInput {
        root: Path::new("/"),
        cores,
        tsc_hz,
        uring_probe: crate::transport::uring::probe().map_err(|e| e.to_string()),
        ts_info: Some(crate::transport::hwstamp::ts_info),
    })
}

/// 1 when any check failed, else 0.
pub fn exit_code(checks: &[Check]) -> u8 {
    u8::from(checks.iter().any(|c| c.level == Level::Fail))
}

/// Width of the text output.
const WIDTH: usize = 100;
/// Where the found/why/fix text starts: after the level and the name.
const INDENT: usize = 8 + 13;

/// The text output: per check a line with the level, the name and what was found, then an
/// indented `why:` line and, when there is one, a `fix:` line; wrapped at 100 columns. Ends
/// with a count per level.
pub fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks {
        let head = format!("{:<8}{:<13}", c.level.label(), c.name);
        wrap(&mut out, &head, "", &c.found);
        wrap(&mut out, &" ".repeat(INDENT), "why: ", &c.why);
        if let Some(fix) = &c.fix {
            wrap(&mut out, &" ".repeat(INDENT), "fix: ", fix);
        }
    }
    let n = |l: Level| checks.iter().filter(|c| c.level == l).count();
    let _ = writeln!(
        out,
        "{} checks: {} ok, {} warn, {} FAIL, {} unknown",
        checks.len(),
        n(Level::Ok),
        n(Level::Warn),
        n(Level::Fail),
        n(Level::Unknown)
    );
    out
}

/// Appends `head` + `tag` + `text`, wrapped at [`WIDTH`] with continuation lines indented
/// under the text. A word longer than a line stays whole.
fn wrap(out: &mut String, head: &str, tag: &str, text: &str) {
    let indent = " ".repeat(INDENT + tag.len());
    let mut line = format!("{head}{tag}");
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The `--json` output: `{"exit_code", "summary": {ok, warn, fail, unknown}, "checks": […]}`,
/// each check as `{name, level, found, why, fix}` (`fix` null when there is none).
pub fn to_json(checks: &[Check]) -> String {
    let n = |l: Level| checks.iter().filter(|c| c.level == l).count();
    let doc = serde_json::json!({
        "exit_code": exit_code(checks),
        "summary": {"ok": n(Level::Ok), "warn": n(Level::Warn), "fail": n(Level::Fail), "unknown": n(Level::Unknown)},
        "checks": checks,
    });
    serde_json::to_string_pretty(&doc).expect("checks serialize")
}

/// The one line `run` prints before it starts when a chosen core is not isolated or its
/// governor is not `performance`; `None` when both are known to be fine, or cannot be read
/// (an unknown is never reported as a problem).
pub fn run_warning(root: &Path, cores: &[usize]) -> Option<String> {
    let mut problems = Vec::new();
    if let Ok(not) = checks::cores::not_isolated(root, cores)
        && !not.is_empty()
    {
        let list = super::read::format_cpu_list(&not);
        problems.push(format!(
            "core{} {list} {} not isolated",
            plural(not.len()),
            if not.len() == 1 { "is" } else { "are" }
        ));
    }
    let slow: Vec<String> = checks::power::governors(root, cores)
        .into_iter()
        .filter_map(|(cpu, g)| g.ok().filter(|g| g != "performance").map(|g| format!("core {cpu} runs governor {g}")))
        .collect();
    if !slow.is_empty() {
        problems.push(format!("{}, not performance", slow.join(", ")));
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "warning: {}: expect scheduler and frequency noise in the tail (`fixblast doctor` says how to fix it)",
        problems.join("; ")
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn check(level: Level) -> Check {
        Check::new("isolation", level, "core 1 is not isolated", "because").fix("tuning/isolate-cores.sh 1")
    }

    #[test]
    fn exit_code_is_1_only_when_a_check_fails() {
        assert_eq!(exit_code(&[check(Level::Ok), check(Level::Warn), check(Level::Unknown)]), 0);
        assert_eq!(exit_code(&[check(Level::Ok), check(Level::Fail)]), 1);
        assert_eq!(exit_code(&[]), 0);
    }

    #[test]
    fn render_aligns_and_wraps_within_100_columns() {
        let mut long = check(Level::Fail);
        long.why = "word ".repeat(60);
        let text = render(&[check(Level::Ok), long]);
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{:<8}{:<13}core 1 is not isolated", "ok", "isolation"));
        assert_eq!(lines[1], format!("{}why: because", " ".repeat(INDENT)));
        assert_eq!(lines[2], format!("{}fix: tuning/isolate-cores.sh 1", " ".repeat(INDENT)));
        assert!(lines[3].starts_with("FAIL    isolation"));
        assert!(lines[5].starts_with(&" ".repeat(INDENT + 5)), "continuation under the text: {:?}", lines[5]);
        assert_eq!(*lines.last().unwrap(), "2 checks: 1 ok, 0 warn, 1 FAIL, 0 unknown");
    }

    #[test]
    fn json_has_the_summary_and_every_field() {
        let v: serde_json::Value =
            serde_json::from_str(&to_json(&[check(Level::Fail), check(Level::Unknown)])).unwrap();
        assert_eq!(v["exit_code"], 1);
        assert_eq!(v["summary"]["fail"], 1);
        assert_eq!(v["summary"]["unknown"], 1);
        assert_eq!(v["checks"][0]["level"], "fail");
        assert_eq!(v["checks"][1]["fix"], "tuning/isolate-cores.sh 1");
        assert_eq!(v["checks"][0]["why"], "because");
    }

    fn good_host() -> FakeHost {
        FakeHost::new()
            .cpus(4)
            .file("sys/devices/system/cpu/isolated", "2-3\n")
            .file("sys/devices/system/cpu/cpu2/cpufreq/scaling_governor", "performance\n")
            .file("sys/devices/system/cpu/cpu3/cpufreq/scaling_governor", "performance\n")
            .file("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n")
    }

    #[test]
    fn run_warning_is_silent_on_isolated_performance_cores() {
        let h = good_host();
        assert_eq!(run_warning(h.root(), &[2, 3]), None);
    }

    #[test]
    fn run_warning_names_unisolated_cores_and_slow_governors_in_one_line() {
        let h = good_host();
        let w = run_warning(h.root(), &[1, 2]).unwrap();
        assert_eq!(
            w,
            "warning: core 1 is not isolated; core 1 runs governor powersave, not performance: expect scheduler \
             and frequency noise in the tail (`fixblast doctor` says how to fix it)"
        );
        assert!(!w.contains('\n'));
        let w = run_warning(h.root(), &[0, 1]).unwrap();
        assert!(w.starts_with("warning: cores 0-1 are not isolated; core 1 runs governor powersave"), "{w}");
    }

    #[test]
    fn run_warning_never_guesses_from_missing_files() {
        let h = FakeHost::new().cpus(2);
        assert_eq!(run_warning(h.root(), &[1]), None);
    }

    #[test]
    fn an_empty_core_list_is_unknown_not_a_panic() {
        let h = good_host();
        let checks = run_checks(&DoctorInput {
            root: h.root(),
            cores: Some(&[]),
            tsc_hz: None,
            uring_probe: Ok(()),
            ts_info: None,
        });
        assert_eq!(
            checks.iter().find(|c| c.name == "governor").unwrap().found,
            "unknown: no measurement core was given"
        );
        assert_eq!(run_warning(h.root(), &[]), None);
    }

    /// A fake ethtool: `eth0` has hardware stamps on /dev/ptp0, `lo` software ones only.
    fn fake_ts_info(name: &str) -> std::io::Result<TsInfo> {
        let sw =
            libc::SOF_TIMESTAMPING_TX_SOFTWARE | libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE;
        let hw = libc::SOF_TIMESTAMPING_TX_HARDWARE
            | libc::SOF_TIMESTAMPING_RX_HARDWARE
            | libc::SOF_TIMESTAMPING_RAW_HARDWARE;
        match name {
            "lo" => Ok(TsInfo { so_timestamping: sw, phc_index: -1, tx_types: 0, rx_filters: 0 }),
            "eth0" => Ok(TsInfo { so_timestamping: sw | hw, phc_index: 0, tx_types: 3, rx_filters: 3 }),
            _ => Err(std::io::Error::from_raw_os_error(libc::ENODEV)),
        }
    }

    #[test]
    fn each_interface_gets_a_timestamps_check_up_nics_first() {
        let h = good_host()
            .file("sys/class/net/lo/flags", "0x9\n")
            .file("sys/class/net/eth0/flags", "0x1003\n")
            .file("sys/class/net/eth0/device/vendor", "0x8086\n")
            .file("sys/class/net/gone/flags", "0x1002\n");
        let input =
            DoctorInput { root: h.root(), cores: None, tsc_hz: None, uring_probe: Ok(()), ts_info: Some(fake_ts_info) };
        let checks = run_checks(&input);
        assert_eq!(checks.len(), 16 + 3);
        let ts: Vec<&Check> = checks.iter().filter(|c| c.name == "timestamps").collect();
        assert_eq!(ts.len(), 3);
        assert!(ts[0].found.starts_with("eth0 (up): software TX/RX, hardware TX/RX, PTP clock /dev/ptp0;"), "{ts:?}");
        assert!(ts[1].found.starts_with("lo (up, virtual): software TX/RX, hardware none, no PTP clock;"), "{ts:?}");
        assert_eq!(ts[2].level, Level::Unknown, "{ts:?}");
    }

    #[test]
    fn run_checks_on_an_empty_tree_says_unknown_and_never_panics() {
        let h = FakeHost::new();
        let checks = run_checks(&DoctorInput {
            root: h.root(),
            cores: None,
            tsc_hz: None,
            uring_probe: Err("no".into()),
            ts_info: None,
        });
        assert_eq!(checks.len(), 16);
        for c in &checks {
            assert!(!c.found.is_empty() && !c.why.is_empty(), "{c:?}");
        }
        let unknown = checks.iter().filter(|c| c.level == Level::Unknown).count();
        assert!(unknown >= 12, "{}", render(&checks));
        let mut names: Vec<&str> = checks.iter().map(|c| c.name).collect();
        names.dedup();
        assert_eq!(names.len(), 16, "names are unique");
    }
}
