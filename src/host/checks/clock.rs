//! Clock checks: is the TSC invariant, which clocksource does the kernel use, and what rate
//! did quanta calibrate for the TSC? fixblast timestamps every order with the TSC.

use super::{Check, Ctx, Level};
use crate::host::read;

/// Does the CPU have an invariant TSC (`constant_tsc` and `nonstop_tsc`)?
pub fn tsc(cx: &Ctx) -> Check {
    const NAME: &str = "tsc";
    const WHY: &str = "fixblast timestamps orders with the TSC: without constant_tsc it ticks with the \
        core's clock, without nonstop_tsc it stops in deep C-states, and quanta then falls back to the \
        slower monotonic clock";
    let info = match read::cpuinfo(cx.root) {
        Ok(i) => i,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let (Some(constant), Some(nonstop)) = (info.flag("constant_tsc"), info.flag("nonstop_tsc")) else {
        return Check::unknown(NAME, "/proc/cpuinfo has no x86 flags line, so there is no TSC flag to read", WHY);
    };
    let yes = |b: bool| if b { "yes" } else { "no" };
    let found = format!("constant_tsc {}, nonstop_tsc {}", yes(constant), yes(nonstop));
    if constant && nonstop {
        Check::new(NAME, Level::Ok, format!("invariant TSC ({found})"), WHY)
    } else {
        Check::new(NAME, Level::Fail, format!("the TSC is not invariant ({found})"), WHY)
            .fix("measure on a CPU with an invariant TSC; in a KVM guest, give it one with -cpu host,+invtsc")
    }
}

/// Which clocksource does the kernel use?
pub fn clocksource(cx: &Ctx) -> Check {
    const NAME: &str = "clocksource";
    const WHY: &str = "quanta calibrates the TSC against the kernel's monotonic clock, and clock_gettime is \
        cheap only through the vDSO: with hpet or acpi_pm each read is a system call, and a kernel that left \
        tsc usually found the TSC unstable";
    let (cur, avail) = match read::clocksource(cx.root) {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let found = format!("{cur} (available: {})", if avail.is_empty() { "unknown".into() } else { avail.join(" ") });
    if cur == "tsc" || cur == "arch_sys_counter" {
        return Check::new(NAME, Level::Ok, found, WHY);
    }
    let c = Check::new(NAME, Level::Warn, found, WHY);
    if avail.iter().any(|a| a == "tsc") {
        c.fix("echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource (clocksource=tsc on the kernel command line keeps it)")
    } else {
        c
    }
}

/// The TSC rate quanta calibrated against the monotonic clock, compared with the nominal rate
/// in the CPU model name where it states one.
pub fn tsc_rate(cx: &Ctx, tsc_hz: Option<u64>) -> Check {
    const NAME: &str = "tsc-rate";
    const WHY: &str = "every latency is TSC ticks divided by this rate: a wrong rate scales every number \
        by the same error, and without the TSC each timestamp costs a clock_gettime call";
    let Some(hz) = tsc_hz else {
        return Check::new(
            NAME,
            Level::Warn,
            "quanta is not using the TSC: timestamps come from the monotonic clock",
            WHY,
        )
        .fix("see the tsc and clocksource checks: quanta needs an invariant TSC");
    };
    let measured = format!("quanta calibrated the TSC at {:.3} GHz against the monotonic clock", hz as f64 / 1e9);
    let nominal = read::cpuinfo(cx.root).ok().and_then(|i| i.nominal_hz());
    match nominal {
        None => Check::new(NAME, Level::Ok, format!("{measured}; the CPU model name states no rate to compare"), WHY),
        Some(n) => {
            let off = (hz as f64 - n as f64).abs() / n as f64;
            let found =
                format!("{measured}; the CPU model name says {:.2} GHz ({:.1}% apart)", n as f64 / 1e9, off * 100.0);
            if off <= 0.02 {
                Check::new(NAME, Level::Ok, found, WHY)
            } else {
                Check::new(NAME, Level::Warn, found, WHY)
                    .fix("calibrate again on an idle host (fixblast doctor); compare with `dmesg | grep -i tsc`")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn cx(h: &FakeHost) -> Ctx<'_> {
        Ctx::new(h.root(), None)
    }

    fn cpuinfo(flags: &str) -> FakeHost {
        FakeHost::new().file(
            "proc/cpuinfo",
            &format!("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU @ 3.00GHz\nflags\t\t: fpu tsc {flags}\n"),
        )
    }

    #[test]
    fn tsc_ok_when_invariant_fail_otherwise_unknown_without_flags() {
        let good = cpuinfo("constant_tsc nonstop_tsc");
        assert_eq!(tsc(&cx(&good)).level, Level::Ok);
        let bad = cpuinfo("constant_tsc");
        let c = tsc(&cx(&bad));
        assert_eq!(
            (c.level, c.found.as_str()),
            (Level::Fail, "the TSC is not invariant (constant_tsc yes, nonstop_tsc no)")
        );
        let arm = FakeHost::new().file("proc/cpuinfo", "processor\t: 0\nFeatures\t: fp\n");
        assert_eq!(tsc(&cx(&arm)).level, Level::Unknown);
        let missing = FakeHost::new();
        assert_eq!(tsc(&cx(&missing)).found, "unknown: /proc/cpuinfo is missing");
    }

    #[test]
    fn clocksource_ok_on_tsc_warn_otherwise() {
        let d = "sys/devices/system/clocksource/clocksource0";
        let good = FakeHost::new()
            .file(&format!("{d}/current_clocksource"), "tsc\n")
            .file(&format!("{d}/available_clocksource"), "tsc hpet acpi_pm \n");
        let c = clocksource(&cx(&good));
        assert_eq!((c.level, c.found.as_str()), (Level::Ok, "tsc (available: tsc hpet acpi_pm)"));
        let bad = FakeHost::new()
            .file(&format!("{d}/current_clocksource"), "hpet\n")
            .file(&format!("{d}/available_clocksource"), "tsc hpet\n");
        let c = clocksource(&cx(&bad));
        assert_eq!(c.level, Level::Warn);
        assert!(
            c.fix.unwrap().starts_with("echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource")
        );
        assert_eq!(clocksource(&cx(&FakeHost::new())).level, Level::Unknown);
    }

    #[test]
    fn tsc_rate_compares_with_the_nominal_rate() {
        let h = cpuinfo("constant_tsc nonstop_tsc");
        let c = tsc_rate(&cx(&h), Some(3_000_400_000));
        assert_eq!(c.level, Level::Ok, "{c:?}");
        assert!(c.found.contains("3.000 GHz") && c.found.contains("(0.0% apart)"), "{}", c.found);
        assert_eq!(tsc_rate(&cx(&h), Some(2_400_000_000)).level, Level::Warn);
        assert_eq!(tsc_rate(&cx(&h), None).level, Level::Warn);
        let amd = FakeHost::new().file("proc/cpuinfo", "model name\t: AMD EPYC\n");
        let c = tsc_rate(&cx(&amd), Some(2_450_000_000));
        assert_eq!(c.level, Level::Ok);
        assert!(c.found.ends_with("states no rate to compare"), "{}", c.found);
    }
}
