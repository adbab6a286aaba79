//! System-wide checks: io_uring availability, transparent huge pages, swap, socket busy
//! polling, and whether this is a virtual machine.

use super::{Check, Ctx, Level};
use crate::host::read::{self, Fact};
use crate::host::read_irq;

/// Can fixblast use io_uring? `probe` is the result of the real probe.
pub fn io_uring(cx: &Ctx, probe: &Result<(), String>) -> Check {
    const NAME: &str = "io_uring";
    const WHY: &str = "io_uring is fixblast's default transport; without it --backend auto falls back to plain \
        syscalls (the same round trip for one session, one read per idle connection per loop with many)";
    let sysctl = read::sysctl(cx.root, "kernel.io_uring_disabled");
    let setting = match &sysctl {
        Ok(v) => format!("kernel.io_uring_disabled={v}"),
        Err(_) => "no kernel.io_uring_disabled (kernels before 6.6 lack it)".into(),
    };
    match probe {
        Ok(()) => Check::new(NAME, Level::Ok, format!("the probe passed ({setting})"), WHY),
        Err(why) => {
            let fix = match sysctl.as_deref() {
                Ok("1") | Ok("2") => "sysctl -w kernel.io_uring_disabled=0 (or run with --backend syscall)",
                _ => "run with --backend syscall, or where seccomp blocks io_uring, allow it in the container profile",
            };
            Check::new(NAME, Level::Warn, format!("the probe failed: {why} ({setting})"), WHY).fix(fix)
        }
    }
}

/// Are transparent huge pages (and their synchronous compaction) on for every mapping?
pub fn thp(cx: &Ctx) -> Check {
    const NAME: &str = "thp";
    const WHY: &str = "with THP always, a page fault may compact memory synchronously and khugepaged \
        collapses pages in the background: stalls of milliseconds at random";
    let (enabled, defrag) = match read::thp(cx.root) {
        Ok(t) => t,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let defrag_text = match &defrag {
        Ok(d) => d.clone(),
        Err(e) => format!("unknown: {e}"),
    };
    let found = format!("enabled [{enabled}], defrag [{defrag_text}]");
    if enabled == "always" || defrag.as_deref() == Ok("always") {
        Check::new(NAME, Level::Warn, found, WHY).fix("tuning/memory.sh (THP never, defrag never)")
    } else {
        Check::new(NAME, Level::Ok, found, WHY)
    }
}

/// Is swap on?
pub fn swap(cx: &Ctx) -> Check {
    const NAME: &str = "swap";
    const WHY: &str = "a swapped-out page of the harness or the gateway costs a major fault, milliseconds, \
        when it is next touched";
    let areas = match read::swaps(cx.root) {
        Ok(a) => a,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let swappiness = match read::sysctl(cx.root, "vm.swappiness") {
        Ok(v) => format!("vm.swappiness={v}"),
        Err(e) => format!("vm.swappiness unknown: {e}"),
    };
    if areas.is_empty() {
        Check::new(NAME, Level::Ok, format!("no swap is active ({swappiness})"), WHY)
    } else {
        Check::new(NAME, Level::Warn, format!("swap is active on {} ({swappiness})", areas.join(", ")), WHY)
            .fix("tuning/memory.sh (swapoff -a, vm.swappiness=1)")
    }
}

fn number(f: &Fact<String>) -> Option<u64> {
    f.as_ref().ok().and_then(|v| v.parse().ok())
}

/// Is socket busy polling on (`net.core.busy_poll`, `net.core.busy_read`)?
pub fn busy_poll(cx: &Ctx) -> Check {
    const NAME: &str = "busy_poll";
    const WHY: &str = "with busy polling, a socket read polls the NIC queue directly instead of waiting for \
        its interrupt and softirq: microseconds less per packet on a real NIC (loopback does not use it)";
    let poll = read::sysctl(cx.root, "net.core.busy_poll");
    let rd = read::sysctl(cx.root, "net.core.busy_read");
    let (p, r) = match (&poll, &rd) {
        (Err(e), _) | (_, Err(e)) => return Check::unknown(NAME, e, WHY),
        (Ok(p), Ok(r)) => (p, r),
    };
    let found = format!("net.core.busy_poll={p}, net.core.busy_read={r}");
    let ifaces = read_irq::interfaces(cx.root).unwrap_or_default();
    let iface = match ifaces.as_slice() {
        [one] => one.clone(),
        _ => "IFACE".into(),
    };
    match (number(&poll), number(&rd)) {
        (Some(p), Some(r)) if p > 0 && r > 0 => Check::new(NAME, Level::Ok, found, WHY),
        _ => {
            let which = if ifaces.len() > 1 {
                format!(" (the one facing the gateway: {})", ifaces.join(", "))
            } else {
                String::new()
            };
            Check::new(NAME, Level::Warn, format!("busy polling is off ({found})"), WHY)
                .fix(format!("tuning/network.sh {iface}{which}"))
        }
    }
}

/// Substrings of DMI vendor or product names that only virtual machines report.
const VM_NAMES: &[&str] = &[
    "kvm",
    "qemu",
    "vmware",
    "xen",
    "virtualbox",
    "innotek",
    "bochs",
    "parallels",
    "bhyve",
    "openstack",
    "amazon ec2",
    "google compute engine",
    "virtual machine",
    "cloud hypervisor",
    "firecracker",
];

/// Is this a virtual machine? From the x86 `hypervisor` flag and the DMI vendor and product.
pub fn vm(cx: &Ctx) -> Check {
    const NAME: &str = "vm";
    const WHY: &str = "in a VM the hypervisor steals time, virtualizes timers and interrupts and may share \
        cores with other guests: the tail says more about the host than about the gateway, and numbers do \
        not compare with bare metal";
    let flag = read::cpuinfo(cx.root).map(|i| i.flag("hypervisor"));
    let (vendor, product) = read::dmi(cx.root);
    let dmi = match (&vendor, &product) {
        (Ok(v), Ok(p)) => Some(format!("{v} {p}")),
        (Ok(v), Err(_)) => Some(v.clone()),
        (Err(_), Ok(p)) => Some(p.clone()),
        (Err(_), Err(_)) => None,
    };
    let dmi_vm = dmi.as_ref().is_some_and(|d| {
        let d = d.to_lowercase();
        !d.contains(".metal") && VM_NAMES.iter().any(|n| d.contains(n))
    });
    let dmi_text = match (&dmi, &vendor) {
        (Some(d), _) => format!("DMI: {d}"),
        (None, Err(e)) => format!("DMI unknown: {e}"),
        (None, Ok(v)) => format!("DMI: {v}"),
    };
    let flag_text = match &flag {
        Ok(Some(true)) => "the CPU flags include hypervisor",
        Ok(Some(false)) => "no hypervisor CPU flag",
        Ok(None) => "no x86 flags line in /proc/cpuinfo",
        Err(_) => "/proc/cpuinfo unreadable",
    };
    let found = format!("{flag_text}; {dmi_text}");
    if matches!(flag, Ok(Some(true))) || dmi_vm {
        return Check::new(NAME, Level::Warn, format!("a virtual machine ({found})"), WHY);
    }
    match (&flag, &dmi) {
        (Ok(Some(false)), _) | (_, Some(_)) => Check::new(NAME, Level::Ok, format!("bare metal ({found})"), WHY),
        _ => Check::unknown(NAME, found, WHY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn cx(h: &FakeHost) -> Ctx<'_> {
        Ctx::new(h.root(), Some(&[1]))
    }

    #[test]
    fn io_uring_follows_the_probe_and_names_the_sysctl() {
        let h = FakeHost::new().file("proc/sys/kernel/io_uring_disabled", "0\n");
        let c = io_uring(&cx(&h), &Ok(()));
        assert_eq!((c.level, c.found.as_str()), (Level::Ok, "the probe passed (kernel.io_uring_disabled=0)"));
        let off = FakeHost::new().file("proc/sys/kernel/io_uring_disabled", "2\n");
        let c = io_uring(&cx(&off), &Err("io_uring is disabled".into()));
        assert_eq!(c.level, Level::Warn);
        assert!(c.fix.unwrap().starts_with("sysctl -w kernel.io_uring_disabled=0"));
        let old = FakeHost::new();
        let c = io_uring(&cx(&old), &Err("seccomp".into()));
        assert!(c.found.contains("kernels before 6.6") && c.fix.unwrap().contains("--backend syscall"), "{}", c.found);
    }

    #[test]
    fn thp_warns_on_always() {
        let t = |enabled: &str, defrag: &str| {
            FakeHost::new()
                .file("sys/kernel/mm/transparent_hugepage/enabled", enabled)
                .file("sys/kernel/mm/transparent_hugepage/defrag", defrag)
        };
        let bad = t("[always] madvise never", "always defer [madvise] never");
        let c = thp(&cx(&bad));
        assert_eq!((c.level, c.found.as_str()), (Level::Warn, "enabled [always], defrag [madvise]"));
        assert_eq!(thp(&cx(&t("always [madvise] never", "[always] defer never"))).level, Level::Warn);
        assert_eq!(thp(&cx(&t("always madvise [never]", "always [never]"))).level, Level::Ok);
        assert_eq!(thp(&cx(&FakeHost::new())).level, Level::Unknown);
    }

    #[test]
    fn swap_warns_when_active() {
        let header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        let on = FakeHost::new()
            .file("proc/swaps", &format!("{header}/dev/sda2  partition\t8388604\t0\t-2\n"))
            .file("proc/sys/vm/swappiness", "60\n");
        let c = swap(&cx(&on));
        assert_eq!((c.level, c.found.as_str()), (Level::Warn, "swap is active on /dev/sda2 (vm.swappiness=60)"));
        let off = FakeHost::new().file("proc/swaps", header).file("proc/sys/vm/swappiness", "1\n");
        assert_eq!(swap(&cx(&off)).level, Level::Ok);
        assert_eq!(swap(&cx(&FakeHost::new())).level, Level::Unknown);
    }

    #[test]
    fn busy_poll_ok_only_when_both_are_set() {
        let t = |p: &str, r: &str| {
            FakeHost::new()
                .file("proc/sys/net/core/busy_poll", p)
                .file("proc/sys/net/core/busy_read", r)
                .file("sys/class/net/eth0/mtu", "1500")
                .file("sys/class/net/lo/mtu", "65536")
        };
        assert_eq!(busy_poll(&cx(&t("50", "50"))).level, Level::Ok);
        let c = busy_poll(&cx(&t("0", "50")));
        assert_eq!(c.level, Level::Warn);
        assert_eq!(c.fix.as_deref(), Some("tuning/network.sh eth0"));
        let missing = FakeHost::new().file("proc/sys/net/core/busy_poll", "0");
        let c = busy_poll(&cx(&missing));
        assert_eq!((c.level, c.found.as_str()), (Level::Unknown, "unknown: /proc/sys/net/core/busy_read is missing"));
    }

    #[test]
    fn vm_from_the_cpu_flag_or_dmi() {
        let flags = |f: &str| FakeHost::new().file("proc/cpuinfo", &format!("flags\t\t: fpu tsc {f}\n"));
        let c = vm(&cx(&flags("hypervisor")));
        assert_eq!(c.level, Level::Warn);
        assert!(c.found.starts_with("a virtual machine (the CPU flags include hypervisor; DMI unknown"), "{}", c.found);
        let metal = flags("constant_tsc")
            .file("sys/class/dmi/id/sys_vendor", "Dell Inc.\n")
            .file("sys/class/dmi/id/product_name", "PowerEdge R650\n");
        let c = vm(&cx(&metal));
        assert_eq!(
            (c.level, c.found.as_str()),
            (Level::Ok, "bare metal (no hypervisor CPU flag; DMI: Dell Inc. PowerEdge R650)")
        );
        let kvm = FakeHost::new().file("sys/class/dmi/id/sys_vendor", "QEMU\n");
        assert_eq!(vm(&cx(&kvm)).level, Level::Warn, "no cpuinfo, but DMI names QEMU");
        let ec2_metal = flags("constant_tsc")
            .file("sys/class/dmi/id/sys_vendor", "Amazon EC2\n")
            .file("sys/class/dmi/id/product_name", "m5.metal\n");
        assert_eq!(vm(&cx(&ec2_metal)).level, Level::Ok);
        assert_eq!(vm(&cx(&FakeHost::new())).level, Level::Unknown);
    }
}
