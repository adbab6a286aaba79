//! Checks on the measurement cores themselves: isolation from the scheduler, the timer tick
//! (`nohz_full`), and SMT siblings that share a core's execution units.

use super::{Check, Ctx, Level, cores_text};
use crate::host::read::{self, Fact, format_cpu_list};
use std::path::Path;

const ISOLATION_WHY: &str = "a core that is not isolated also runs other tasks and kernel threads: each time the \
     scheduler puts one there, the orders behind it wait, microseconds to milliseconds in the tail";

/// The chosen cores that are not isolated.
pub fn not_isolated(root: &Path, cores: &[usize]) -> Fact<Vec<usize>> {
    let iso = read::isolated_cores(root)?;
    Ok(cores.iter().copied().filter(|c| !iso.contains(c)).collect())
}

/// Are the measurement cores isolated (`isolcpus=`, or an isolated cpuset partition), and do
/// they exist?
pub fn isolation(cx: &Ctx) -> Check {
    const NAME: &str = "isolation";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, ISOLATION_WHY),
    };
    if let Ok(online) = read::online_cores(cx.root) {
        let offline: Vec<usize> = cores.iter().copied().filter(|c| !online.contains(c)).collect();
        if !offline.is_empty() {
            return Check::new(
                NAME,
                Level::Fail,
                format!("{} not online (online: {})", cores_text(&offline), format_cpu_list(&online)),
                "run cannot pin a worker to a core that is offline",
            )
            .fix(format!("choose --cores among {}", format_cpu_list(&online)));
        }
    }
    let iso = match read::isolated_cores(cx.root) {
        Ok(i) => i,
        Err(e) => return Check::unknown(NAME, e, ISOLATION_WHY),
    };
    let cmd = read::cmdline(cx.root)
        .ok()
        .and_then(|c| c.params(&["isolcpus", "irqaffinity"]))
        .unwrap_or_else(|| "no isolcpus=".into());
    let not: Vec<usize> = cores.iter().copied().filter(|c| !iso.contains(c)).collect();
    let context = format!("isolated: {}; kernel command line: {cmd}", format_cpu_list(&iso));
    if not.is_empty() {
        return Check::new(
            NAME,
            Level::Ok,
            format!("{} isolated ({context}){}", cores_text(cores), cx.default_note()),
            ISOLATION_WHY,
        );
    }
    let fix = if iso.len() >= cores.len() {
        format!(
            "fixblast run --cores {} (isolated already), or tuning/isolate-cores.sh {} and reboot",
            format_cpu_list(&iso[..cores.len()]),
            cx.cores_arg()
        )
    } else {
        format!("tuning/isolate-cores.sh {} (prints the kernel parameters to add), then reboot", cx.cores_arg())
    };
    Check::new(
        NAME,
        Level::Fail,
        format!("{} not isolated ({context}){}", cores_text(&not), cx.default_note()),
        ISOLATION_WHY,
    )
    .fix(fix)
}

/// Do the measurement cores run without the periodic timer tick (`nohz_full=`)?
pub fn nohz_full(cx: &Ctx) -> Check {
    const NAME: &str = "nohz_full";
    const WHY: &str = "a core with the timer tick is interrupted 100 to 1000 times a second, for a few \
        microseconds each, and runs RCU callbacks unless rcu_nocbs= moves them off; nohz_full= stops the tick \
        on a core that runs one task";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let cmd = read::cmdline(cx.root).ok().and_then(|c| c.params(&["nohz_full", "rcu_nocbs"]));
    let cmd_text = cmd.clone().unwrap_or_else(|| "no nohz_full=".into());
    let fix = format!("tuning/isolate-cores.sh {} (prints nohz_full= and rcu_nocbs=), then reboot", cx.cores_arg());
    match read::nohz_full(cx.root) {
        Ok(nohz) => {
            let ticking: Vec<usize> = cores.iter().copied().filter(|c| !nohz.contains(c)).collect();
            let context = format!("nohz_full: {}; kernel command line: {cmd_text}", format_cpu_list(&nohz));
            if ticking.is_empty() {
                Check::new(NAME, Level::Ok, format!("{} tickless ({context})", cores_text(cores)), WHY)
            } else {
                Check::new(NAME, Level::Warn, format!("{} not tickless ({context})", cores_text(&ticking)), WHY)
                    .fix(fix)
            }
        }
        Err(e) => {
            let reason = format!(
                "{e}: kernels built without CONFIG_NO_HZ_FULL have no such file{}",
                cmd.map(|c| format!(" (kernel command line: {c})")).unwrap_or_default()
            );
            Check::unknown(NAME, reason, WHY).fix(format!("a kernel built with CONFIG_NO_HZ_FULL=y, then {fix}"))
        }
    }
}

/// Does a measurement core share its physical core with a busy SMT sibling, or with another
/// measurement core?
pub fn smt(cx: &Ctx) -> Check {
    const NAME: &str = "smt";
    const WHY: &str = "SMT siblings share one core's execution units and caches: whatever runs on the sibling \
        slows the measurement core down, unpredictably";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let control = read::smt_control(cx.root);
    let control_text = match &control {
        Ok(c) => format!("smt/control: {c}"),
        Err(e) => format!("smt/control unknown: {e}"),
    };
    let online = read::online_cores(cx.root).unwrap_or_default();
    let iso = read::isolated_cores(cx.root).unwrap_or_default();
    let mut shared = Vec::new();
    let mut busy = Vec::new();
    let mut idle = Vec::new();
    for &c in cores {
        let sibs = match read::thread_siblings(cx.root, c) {
            Ok(s) => s,
            Err(e) => return Check::unknown(NAME, format!("{e} ({control_text})"), WHY),
        };
        for s in sibs.into_iter().filter(|&s| s != c) {
            if cores.contains(&s) {
                if c < s {
                    shared.push(format!("cores {c} and {s} are siblings on one physical core"));
                }
            } else if !online.contains(&s) {
                continue;
            } else if iso.contains(&s) {
                idle.push(format!("core {s}, sibling of {c}, is isolated: keep it idle"));
            } else {
                busy.push(s);
                shared.push(format!("core {s}, sibling of {c}, is online and not isolated"));
            }
        }
    }
    if shared.is_empty() {
        let mut found = format!("no busy SMT sibling shares {} ({control_text})", cx.cores_text());
        if !idle.is_empty() {
            found = format!("{}; {}", found, idle.join("; "));
        }
        return Check::new(NAME, Level::Ok, found, WHY);
    }
    let fix = match busy.first() {
        Some(s) => format!(
            "echo off > /sys/devices/system/cpu/smt/control (or echo 0 > /sys/devices/system/cpu/cpu{s}/online), \
             or choose --cores on separate physical cores"
        ),
        None => "choose --cores on separate physical cores (or echo off > /sys/devices/system/cpu/smt/control)".into(),
    };
    Check::new(NAME, Level::Warn, format!("{} ({control_text})", shared.join("; ")), WHY).fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn cx<'a>(h: &'a FakeHost, cores: Option<&[usize]>) -> Ctx<'a> {
        Ctx::new(h.root(), cores)
    }

    #[test]
    fn isolation_ok_on_isolated_cores_and_fail_otherwise() {
        let h = FakeHost::new()
            .cpus(4)
            .file("sys/devices/system/cpu/isolated", "2-3\n")
            .file("proc/cmdline", "isolcpus=2-3 quiet\n");
        let ok = isolation(&cx(&h, Some(&[2, 3])));
        assert_eq!(ok.level, Level::Ok, "{ok:?}");
        assert!(ok.found.contains("isolcpus=2-3"), "{}", ok.found);
        let default = isolation(&cx(&h, None));
        assert_eq!(default.level, Level::Ok, "the default core is the highest online one: 3");
        assert!(default.found.contains("run's default"));
        let bad = isolation(&cx(&h, Some(&[1, 2])));
        assert_eq!(bad.level, Level::Fail);
        assert!(bad.found.starts_with("core 1 not isolated"), "{}", bad.found);
        assert_eq!(
            bad.fix.as_deref(),
            Some("fixblast run --cores 2-3 (isolated already), or tuning/isolate-cores.sh 1-2 and reboot")
        );
    }

    #[test]
    fn isolation_fails_on_a_host_with_none_and_on_offline_cores() {
        let h = FakeHost::new().cpus(2).file("sys/devices/system/cpu/isolated", "\n");
        let c = isolation(&cx(&h, None));
        assert_eq!(c.level, Level::Fail);
        assert!(c.found.contains("isolated: none; kernel command line: no isolcpus="), "{}", c.found);
        assert_eq!(
            c.fix.as_deref(),
            Some("tuning/isolate-cores.sh 1 (prints the kernel parameters to add), then reboot")
        );
        let off = isolation(&cx(&h, Some(&[5])));
        assert_eq!(off.level, Level::Fail);
        assert_eq!(off.found, "core 5 not online (online: 0-1)");
    }

    #[test]
    fn isolation_counts_isolated_cpuset_partitions() {
        let h = FakeHost::new()
            .cpus(4)
            .file("sys/devices/system/cpu/isolated", "\n")
            .file("sys/fs/cgroup/cpuset.cpus.isolated", "3\n");
        assert_eq!(isolation(&cx(&h, Some(&[3]))).level, Level::Ok);
    }

    #[test]
    fn isolation_unknown_when_the_file_is_missing() {
        let h = FakeHost::new().cpus(2);
        let c = isolation(&cx(&h, None));
        assert_eq!(c.level, Level::Unknown);
        assert_eq!(c.found, "unknown: /sys/devices/system/cpu/isolated is missing");
        let none = FakeHost::new();
        let c = isolation(&cx(&none, None));
        assert_eq!(c.level, Level::Unknown);
        assert!(c.found.contains("pass --cores"), "{}", c.found);
    }

    #[test]
    fn nohz_full_ok_warn_and_unknown() {
        let good = FakeHost::new().cpus(4).file("sys/devices/system/cpu/nohz_full", "2-3\n");
        assert_eq!(nohz_full(&cx(&good, Some(&[2, 3]))).level, Level::Ok);
        let bad = FakeHost::new().cpus(4).file("sys/devices/system/cpu/nohz_full", "(null)\n");
        let c = nohz_full(&cx(&bad, None));
        assert_eq!(c.level, Level::Warn);
        assert!(c.found.starts_with("core 3 not tickless (nohz_full: none"), "{}", c.found);
        assert!(c.fix.unwrap().starts_with("tuning/isolate-cores.sh 3"));
        let missing = FakeHost::new().cpus(4).file("proc/cmdline", "nohz_full=3 rcu_nocbs=3");
        let c = nohz_full(&cx(&missing, None));
        assert_eq!(c.level, Level::Unknown);
        assert!(c.found.contains("CONFIG_NO_HZ_FULL") && c.found.contains("nohz_full=3 rcu_nocbs=3"), "{}", c.found);
    }

    #[test]
    fn smt_flags_busy_siblings_and_shared_physical_cores() {
        let ht = || {
            FakeHost::new()
                .file("sys/devices/system/cpu/online", "0-3\n")
                .file("sys/devices/system/cpu/smt/control", "on\n")
                .file("sys/devices/system/cpu/isolated", "3\n")
                .file("sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1,3\n")
                .file("sys/devices/system/cpu/cpu3/topology/thread_siblings_list", "1,3\n")
                .file("sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "0,2\n")
        };
        let h = ht();
        let busy = smt(&cx(&h, Some(&[2])));
        assert_eq!(busy.level, Level::Warn);
        assert_eq!(busy.found, "core 0, sibling of 2, is online and not isolated (smt/control: on)");
        assert!(busy.fix.unwrap().contains("cpu0/online"));
        let both = smt(&cx(&h, Some(&[1, 3])));
        assert_eq!(both.level, Level::Warn);
        assert!(both.found.starts_with("cores 1 and 3 are siblings"), "{}", both.found);
        let idle = smt(&cx(&h, Some(&[1])));
        assert_eq!(idle.level, Level::Ok, "{idle:?}");
        assert!(idle.found.contains("core 3, sibling of 1, is isolated"));
        let off = FakeHost::new().cpus(2).file("sys/devices/system/cpu/smt/control", "notsupported\n");
        let c = smt(&cx(&off, None));
        assert_eq!(
            (c.level, c.found.as_str()),
            (Level::Ok, "no busy SMT sibling shares core 1 (smt/control: notsupported)")
        );
        let missing = FakeHost::new().file("sys/devices/system/cpu/online", "0-1\n");
        assert_eq!(smt(&cx(&missing, None)).level, Level::Unknown);
    }
}
