//! Facts about the host that change what a latency number means, and `fixblast doctor`,
//! which judges them.
//!
//! - `read` and `read_irq` read one fact each from `/proc` and `/sys` under a root directory
//!   (`/` on a real host, a fake tree in tests). A missing or unreadable file is an error that
//!   names it: never a guess.
//! - [`HostInfo`] is the result file's `host` block, filled by [`HostInfo::probe`] through the
//!   same readers as the doctor's checks.
//! - [`doctor`] runs the checks and renders them; `checks/` holds one function per check.
//! - [`hold_cpu_dma_latency`] holds a PM QoS latency request for `run --cpu-dma-latency`.
//!
//! This module reads the host and never changes it: fixes are printed (`tuning/` scripts do
//! the changing), and the only write is the PM QoS request a caller asks for.
// Denied, not forbidden: `clock_sync::ClockSync::read` is the one `adjtimex(2)` call that
// neither `std` nor `nix` wraps, allowed where it is made.
#![deny(unsafe_code)]

mod checks;
pub mod clock_sync;
mod dma;
pub mod doctor;
pub mod nic;
mod read;
mod read_irq;

pub use dma::{CPU_DMA_LATENCY, CpuDmaLatencyError, hold_cpu_dma_latency};

/// The cores this process may run on (its affinity mask), in order.
pub fn allowed_cores() -> Vec<usize> {
    core_affinity::get_core_ids().unwrap_or_default().into_iter().map(|c| c.id).collect()
}

/// Why `flag`'s core list cannot be used here: the first core that does not exist or is not
/// in this process's affinity mask, and the ones that are. `None` when every core is fine.
pub fn cores_not_allowed(flag: &str, cores: &[usize]) -> Option<String> {
    let allowed = allowed_cores();
    let bad = cores.iter().find(|c| !allowed.contains(c))?;
    let list: Vec<String> = allowed.iter().map(|c| c.to_string()).collect();
    Some(format!(
        "{flag}: core {bad} does not exist or is not allowed here; this process may use cores {}",
        list.join(",")
    ))
}
pub use read::{Unreadable, format_cpu_list};

use serde::Serialize;
use std::path::Path;

/// The result file's `host` block: what was true of the host that produced a result.
/// `compare` flags results whose blocks differ. `None` (null) means the fact was unreadable.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct HostInfo {
    pub kernel: Option<String>,
    pub cpu_model: Option<String>,
    pub cores: usize,
    /// TSC ticks per second as calibrated by quanta against the monotonic clock.
    pub tsc_hz: Option<u64>,
    pub clocksource: Option<String>,
    /// The isolated cores as a kernel CPU list, e.g. "2-7" (`isolcpus=` and isolated cpuset
    /// partitions); "" when none are.
    pub isolated_cores: Option<String>,
    /// The cpufreq governor: one name when every online core has it, else each name with its
    /// cores, e.g. "performance (2-3), powersave (0-1)".
    pub governor: Option<String>,
    /// "enabled", "disabled" (sysctl kernel.io_uring_disabled=2), "restricted" (=1).
    pub io_uring: Option<String>,
}

impl HostInfo {
    /// Reads the host under `root`. `tsc_hz` is measured separately (see [`tsc_hz`]).
    pub fn probe(root: &Path, tsc_hz: Option<u64>) -> HostInfo {
        let online = read::online_cores(root);
        let cores = match &online {
            Ok(c) => c.len(),
            Err(_) => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        HostInfo {
            kernel: read::kernel_release(root).ok(),
            cpu_model: read::cpuinfo(root).ok().and_then(|c| c.model),
            cores,
            tsc_hz,
            clocksource: read::clocksource(root).ok().map(|(cur, _)| cur),
            isolated_cores: read::isolated_cores(root)
                .ok()
                .map(|c| if c.is_empty() { String::new() } else { format_cpu_list(&c) }),
            governor: online.ok().and_then(|c| governor_summary(root, &c)),
            io_uring: read::sysctl(root, "kernel.io_uring_disabled").ok().map(|v| {
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

/// The governors of `cores`: one name when all readable ones agree, else each with its
/// cores; `None` when none is readable.
fn governor_summary(root: &Path, cores: &[usize]) -> Option<String> {
    let mut by: Vec<(String, Vec<usize>)> = Vec::new();
    for (cpu, g) in checks::power::governors(root, cores) {
        let Ok(g) = g else { continue };
        match by.iter_mut().find(|(name, _)| *name == g) {
            Some((_, cs)) => cs.push(cpu),
            None => by.push((g, vec![cpu])),
        }
    }
    match by.len() {
        0 => None,
        1 => Some(by.remove(0).0),
        _ => Some(by.iter().map(|(g, cs)| format!("{g} ({})", format_cpu_list(cs))).collect::<Vec<_>>().join(", ")),
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
    use checks::fake::FakeHost;

    #[test]
    fn reads_a_fake_host_and_reports_missing_files_as_unknown() {
        let h = FakeHost::new()
            .file("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU @ 3.0GHz\n")
            .file("proc/sys/kernel/osrelease", "6.1.0-test\n")
            .file("proc/sys/kernel/io_uring_disabled", "2\n")
            .file("sys/devices/system/cpu/online", "0-3,6\n")
            .file("sys/devices/system/cpu/isolated", "2-3\n");
        let h = HostInfo::probe(h.root(), Some(3_000_000_000));
        assert_eq!(h.cpu_model.as_deref(), Some("Test CPU @ 3.0GHz"));
        assert_eq!(h.kernel.as_deref(), Some("6.1.0-test"));
        assert_eq!(h.cores, 5);
        assert_eq!(h.isolated_cores.as_deref(), Some("2-3"));
        assert_eq!(h.io_uring.as_deref(), Some("disabled"));
        assert_eq!(h.governor, None);
        assert_eq!(h.clocksource, None);
    }

    #[test]
    fn governor_is_one_name_or_each_with_its_cores() {
        let gov = |h: FakeHost, cpu: usize, g: &str| {
            h.file(&format!("sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor"), g)
        };
        let same = gov(gov(FakeHost::new().cpus(2), 0, "performance\n"), 1, "performance\n");
        assert_eq!(HostInfo::probe(same.root(), None).governor.as_deref(), Some("performance"));
        let mixed = gov(gov(gov(FakeHost::new().cpus(3), 0, "powersave"), 1, "performance"), 2, "performance");
        assert_eq!(HostInfo::probe(mixed.root(), None).governor.as_deref(), Some("powersave (0), performance (1-2)"));
    }

    #[test]
    fn no_isolated_cores_is_an_empty_string_and_a_missing_file_null() {
        let none = FakeHost::new().cpus(2).file("sys/devices/system/cpu/isolated", "\n");
        assert_eq!(HostInfo::probe(none.root(), None).isolated_cores.as_deref(), Some(""));
        let missing = FakeHost::new().cpus(2);
        assert_eq!(HostInfo::probe(missing.root(), None).isolated_cores, None);
    }
}
