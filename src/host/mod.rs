//! Facts about the host that change what a latency number means: kernel, CPU, core count,
//! TSC rate, clocksource, isolated cores, frequency governor, io_uring availability.
//!
//! Everything is read from files under a root directory (`/` on a real host), so tests can
//! point it at a fake `/proc` and `/sys`. A file that is missing or unreadable gives `None`
//! (recorded as null): never a guess.

use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct HostInfo {
    pub kernel: Option<String>,
    pub cpu_model: Option<String>,
    pub cores: usize,
    /// TSC ticks per second as calibrated by quanta against the monotonic clock.
    pub tsc_hz: Option<u64>,
    pub clocksource: Option<String>,
    /// The kernel's isolated cores list (`/sys/devices/system/cpu/isolated`), e.g. "2-7".
    pub isolated_cores: Option<String>,
    pub governor: Option<String>,
    /// "enabled", "disabled" (sysctl kernel.io_uring_disabled=2), "restricted" (=1).
    pub io_uring: Option<String>,
}

fn read(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel)).ok().map(|s| s.trim().to_string())
}

impl HostInfo {
    /// Reads the host under `root`. `tsc_hz` is measured separately (see [`tsc_hz`]).
    pub fn probe(root: &Path, tsc_hz: Option<u64>) -> HostInfo {
        let cpu_model = read(root, "proc/cpuinfo").and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        });
        let cores = read(root, "sys/devices/system/cpu/online")
            .and_then(|s| crate::cli::parse_cores(&s).ok())
            .map(|c| c.len())
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        HostInfo {
            kernel: read(root, "proc/sys/kernel/osrelease"),
            cpu_model,
            cores,
            tsc_hz,
            clocksource: read(root, "sys/devices/system/clocksource/clocksource0/current_clocksource"),
            isolated_cores: read(root, "sys/devices/system/cpu/isolated"),
            governor: read(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
            io_uring: read(root, "proc/sys/kernel/io_uring_disabled").map(|v| {
                match v.as_str() {
                    "0" => "enabled",
                    "1" => "restricted",
                    "2" => "disabled",
                    _ => "unknown",
                }
                .to_string()
            }),
        }
    }
}

/// TSC ticks per second as quanta scales them, measured over `window`. `None` when quanta
/// is not using the TSC (no invariant TSC): then raw readings already are nanoseconds.
pub fn tsc_hz(clock: &quanta::Clock, window: std::time::Duration) -> Option<u64> {
    let r0 = clock.raw();
    std::thread::sleep(window);
    let r1 = clock.raw();
    let ns = clock.delta_as_nanos(r0, r1);
    let ticks = r1.wrapping_sub(r0);
    if ns == 0 || ticks == ns {
        return None;
    }
    Some((ticks as u128 * 1_000_000_000 / ns as u128) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_fake_host_and_reports_missing_files_as_unknown() {
        let dir = std::env::temp_dir().join(format!("fixblast-host-{}", std::process::id()));
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU @ 3.0GHz\n");
        w("proc/sys/kernel/osrelease", "6.1.0-test\n");
        w("proc/sys/kernel/io_uring_disabled", "2\n");
        w("sys/devices/system/cpu/online", "0-3,6\n");
        w("sys/devices/system/cpu/isolated", "2-3\n");
        let h = HostInfo::probe(&dir, Some(3_000_000_000));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(h.cpu_model.as_deref(), Some("Test CPU @ 3.0GHz"));
        assert_eq!(h.kernel.as_deref(), Some("6.1.0-test"));
        assert_eq!(h.cores, 5);
        assert_eq!(h.isolated_cores.as_deref(), Some("2-3"));
        assert_eq!(h.io_uring.as_deref(), Some("disabled"));
        assert_eq!(h.governor, None);
        assert_eq!(h.clocksource, None);
    }
}
