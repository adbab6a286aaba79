//! Power-management checks on the measurement cores: the cpufreq governor, the clock they
//! run at (and turbo), and how deep they may sleep (cpuidle states, `/dev/cpu_dma_latency`).

use super::{Check, Ctx, Level, cores_text};
use crate::host::read::{self, Fact};
use std::path::Path;

/// An idle state with an exit latency above this many microseconds counts as deep.
pub const DEEP_CSTATE_US: u64 = 2;

/// The PM QoS default: no process holds `/dev/cpu_dma_latency`.
const QOS_DEFAULT_US: i32 = 2_000_000_000;

/// Each core's governor, or why it could not be read.
pub fn governors(root: &Path, cores: &[usize]) -> Vec<(usize, Fact<String>)> {
    cores.iter().map(|&c| (c, read::governor(root, c))).collect()
}

/// Do the measurement cores use the `performance` governor?
pub fn governor(cx: &Ctx) -> Check {
    const NAME: &str = "governor";
    const WHY: &str = "any governor but performance lowers the clock of a core that idles or looks lightly \
        loaded, and ramping back up takes tens of microseconds or more: orders after a pause run slower";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let govs = governors(cx.root, cores);
    let slow: Vec<String> = govs
        .iter()
        .filter_map(|(c, g)| g.as_ref().ok().filter(|g| *g != "performance").map(|g| format!("core {c}: {g}")))
        .collect();
    let driver = read::text(cx.root, &format!("{}/cpufreq/scaling_driver", read::cpu_dir(cores[0])))
        .map(|d| format!(" (driver {d})"))
        .unwrap_or_default();
    let fix = "tuning/cpu-power.sh (or cpupower frequency-set -g performance)";
    if !slow.is_empty() {
        return Check::new(NAME, Level::Fail, format!("{}, not performance{driver}", slow.join(", ")), WHY).fix(fix);
    }
    if let Some((_, Err(e))) = govs.iter().find(|(_, g)| g.is_err()) {
        return Check::unknown(NAME, format!("{e}: no cpufreq driver runs this core, or /sys is not the host's"), WHY);
    }
    Check::new(NAME, Level::Ok, format!("{}: performance{driver}", cx.cores_text()), WHY)
}

fn ghz(khz: u64) -> String {
    format!("{:.2} GHz", khz as f64 / 1e6)
}

/// Do the measurement cores run at their top clock, and is turbo on?
pub fn frequency(cx: &Ctx) -> Check {
    const NAME: &str = "frequency";
    const WHY: &str = "a core below its top clock runs every order slower, and a clock that changes during \
        the run makes latency drift; turbo raises the clock but varies it with temperature and the number of \
        busy cores, so turn it off for the steadiest numbers";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let turbo = match read::turbo(cx.root) {
        Ok(true) => "turbo on".to_string(),
        Ok(false) => "turbo off".to_string(),
        Err(_) => "turbo unknown (no intel_pstate/no_turbo or cpufreq/boost)".to_string(),
    };
    let mut parts = Vec::new();
    let mut low = false;
    for &c in cores {
        let f = match read::freq(cx.root, c) {
            Ok(f) => f,
            Err(e) => {
                return Check::unknown(
                    NAME,
                    format!("{e}: no cpufreq driver runs this core, or /sys is not the host's"),
                    WHY,
                );
            }
        };
        let mut p = format!("core {c} at {}", ghz(f.cur_khz));
        if let Some(max) = f.scaling_max_khz {
            p += &format!(", ceiling {}", ghz(max));
            low |= f.cur_khz * 10 < max * 9;
        }
        if let Some(hw) = f.hw_max_khz {
            p += &format!(", hardware {}", ghz(hw));
            low |= f.scaling_max_khz.is_some_and(|m| m < hw);
        }
        parts.push(p);
    }
    let found = format!("{}; {turbo}", parts.join("; "));
    if low {
        Check::new(NAME, Level::Warn, found, WHY).fix(
            "tuning/cpu-power.sh (governor performance, ceiling at the hardware maximum; --turbo off to steady it)",
        )
    } else {
        Check::new(NAME, Level::Ok, found, WHY)
    }
}

/// May the measurement cores enter deep C-states?
pub fn c_states(cx: &Ctx) -> Check {
    const NAME: &str = "c-states";
    const WHY: &str = "waking a core from a deep C-state takes tens to hundreds of microseconds, paid by the \
        first packet or order after the core idled; busy-polling keeps the measuring core awake, but not the \
        cores handling interrupts or the gateway";
    let fix = format!(
        "tuning/cpu-power.sh (disables states with exit latency over {DEEP_CSTATE_US} us; cpupower idle-set -D \
         {DEEP_CSTATE_US} does the same), or fixblast run --cpu-dma-latency 0"
    );
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let qos = read::cpu_dma_latency_us(cx.root).ok();
    let qos_text = match qos {
        Some(QOS_DEFAULT_US) => "; /dev/cpu_dma_latency not held".to_string(),
        Some(us) => format!("; /dev/cpu_dma_latency held at {us} us"),
        None => String::new(),
    };
    let driver = read::idle_driver(cx.root);
    if let Ok(d) = &driver
        && d == "none"
    {
        return Check::new(
            NAME,
            Level::Ok,
            format!("no cpuidle driver is loaded: idle cores only halt, there are no deep states{qos_text}"),
            WHY,
        );
    }
    let mut deep = Vec::new();
    for &c in cores {
        let states = match read::idle_states(cx.root, c) {
            Ok(s) => s,
            Err(e) => {
                let d = driver.as_ref().map(|d| format!(" (cpuidle driver {d})")).unwrap_or_default();
                return Check::unknown(NAME, format!("{e}{d}"), WHY);
            }
        };
        for s in states.iter().filter(|s| !s.disabled && s.latency_us > DEEP_CSTATE_US) {
            // A process holding /dev/cpu_dma_latency below a state's exit latency keeps cores out of it.
            if qos.is_none_or(|q| i64::from(q) >= s.latency_us as i64) {
                deep.push((c, format!("{} ({} us)", s.name, s.latency_us)));
            }
        }
    }
    let driver_text = driver.map(|d| format!("cpuidle driver {d}")).unwrap_or_else(|e| format!("{e}"));
    if deep.is_empty() {
        return Check::new(
            NAME,
            Level::Ok,
            format!(
                "{}: no state deeper than {DEEP_CSTATE_US} us exit latency is usable ({driver_text}{qos_text})",
                cx.cores_text()
            ),
            WHY,
        );
    }
    let mut with: Vec<usize> = deep.iter().map(|(c, _)| *c).collect();
    with.dedup();
    let mut names: Vec<&str> = deep.iter().map(|(_, n)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Check::new(
        NAME,
        Level::Warn,
        format!("{} may enter {} ({driver_text}{qos_text})", cores_text(&with), names.join(", ")),
        WHY,
    )
    .fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn cx<'a>(h: &'a FakeHost, cores: Option<&[usize]>) -> Ctx<'a> {
        Ctx::new(h.root(), cores)
    }

    fn cpufreq(h: FakeHost, cpu: usize, gov: &str, cur: u64, max: u64, hw: u64) -> FakeHost {
        let d = format!("sys/devices/system/cpu/cpu{cpu}/cpufreq");
        h.file(&format!("{d}/scaling_governor"), gov)
            .file(&format!("{d}/scaling_driver"), "intel_pstate")
            .file(&format!("{d}/scaling_cur_freq"), &cur.to_string())
            .file(&format!("{d}/scaling_max_freq"), &max.to_string())
            .file(&format!("{d}/cpuinfo_max_freq"), &hw.to_string())
    }

    #[test]
    fn governor_ok_on_performance_fail_otherwise_unknown_without_cpufreq() {
        let good = cpufreq(FakeHost::new().cpus(2), 1, "performance\n", 3_500_000, 3_500_000, 3_500_000);
        let c = governor(&cx(&good, None));
        assert_eq!((c.level, c.found.as_str()), (Level::Ok, "core 1: performance (driver intel_pstate)"));
        let bad = cpufreq(FakeHost::new().cpus(2), 1, "powersave\n", 800_000, 3_500_000, 3_500_000);
        let c = governor(&cx(&bad, None));
        assert_eq!(c.level, Level::Fail);
        assert_eq!(c.found, "core 1: powersave, not performance (driver intel_pstate)");
        assert!(c.fix.unwrap().starts_with("tuning/cpu-power.sh"));
        let vm = FakeHost::new().cpus(2);
        let c = governor(&cx(&vm, None));
        assert_eq!(c.level, Level::Unknown);
        assert!(c.found.starts_with("unknown: /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor is missing"));
    }

    #[test]
    fn frequency_warns_below_the_ceiling_or_when_capped() {
        let good = cpufreq(FakeHost::new().cpus(2), 1, "performance", 3_500_000, 3_500_000, 3_500_000)
            .file("sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
        let c = frequency(&cx(&good, None));
        assert_eq!(c.level, Level::Ok, "{c:?}");
        assert_eq!(c.found, "core 1 at 3.50 GHz, ceiling 3.50 GHz, hardware 3.50 GHz; turbo off");
        let slow = cpufreq(FakeHost::new().cpus(2), 1, "powersave", 800_000, 3_500_000, 3_500_000)
            .file("sys/devices/system/cpu/cpufreq/boost", "1\n");
        let c = frequency(&cx(&slow, None));
        assert_eq!(c.level, Level::Warn);
        assert!(c.found.ends_with("turbo on"), "{}", c.found);
        let capped = cpufreq(FakeHost::new().cpus(2), 1, "performance", 2_000_000, 2_000_000, 3_500_000);
        assert_eq!(frequency(&cx(&capped, None)).level, Level::Warn);
        let vm = FakeHost::new().cpus(2);
        assert_eq!(frequency(&cx(&vm, None)).level, Level::Unknown);
    }

    fn idle(h: FakeHost, cpu: usize, states: &[(&str, u64, bool)]) -> FakeHost {
        let mut h = h.file("sys/devices/system/cpu/cpuidle/current_driver", "intel_idle\n");
        for (k, (name, lat, off)) in states.iter().enumerate() {
            let d = format!("sys/devices/system/cpu/cpu{cpu}/cpuidle/state{k}");
            h = h
                .file(&format!("{d}/name"), name)
                .file(&format!("{d}/latency"), &lat.to_string())
                .file(&format!("{d}/disable"), if *off { "1" } else { "0" });
        }
        h
    }

    #[test]
    fn c_states_warn_on_enabled_deep_states() {
        let bad = idle(FakeHost::new().cpus(2), 1, &[("POLL", 0, false), ("C1", 2, false), ("C6", 133, false)]);
        let c = c_states(&cx(&bad, None));
        assert_eq!(c.level, Level::Warn);
        assert_eq!(c.found, "core 1 may enter C6 (133 us) (cpuidle driver intel_idle)");
        let good = idle(FakeHost::new().cpus(2), 1, &[("POLL", 0, false), ("C1", 2, false), ("C6", 133, true)]);
        let c = c_states(&cx(&good, None));
        assert_eq!(c.level, Level::Ok, "{c:?}");
    }

    #[test]
    fn c_states_held_off_by_cpu_dma_latency_are_ok() {
        let held = idle(FakeHost::new().cpus(2), 1, &[("C1", 2, false), ("C6", 133, false)])
            .bytes("dev/cpu_dma_latency", &0i32.to_ne_bytes());
        let c = c_states(&cx(&held, None));
        assert_eq!(c.level, Level::Ok, "{c:?}");
        assert!(c.found.ends_with("/dev/cpu_dma_latency held at 0 us)"), "{}", c.found);
        let free = idle(FakeHost::new().cpus(2), 1, &[("C6", 133, false)])
            .bytes("dev/cpu_dma_latency", &QOS_DEFAULT_US.to_ne_bytes());
        assert_eq!(c_states(&cx(&free, None)).level, Level::Warn);
    }

    #[test]
    fn c_states_without_a_driver_or_files() {
        let none = FakeHost::new().cpus(2).file("sys/devices/system/cpu/cpuidle/current_driver", "none\n");
        assert_eq!(c_states(&cx(&none, None)).level, Level::Ok);
        let missing = FakeHost::new().cpus(2);
        let c = c_states(&cx(&missing, None));
        assert_eq!(c.level, Level::Unknown);
        assert!(c.found.contains("/sys/devices/system/cpu/cpu1/cpuidle is missing"), "{}", c.found);
    }
}
