//! Interrupt checks: is irqbalance running, and which device IRQs (NIC queues above all) run
//! on, or may be moved to, the measurement cores?

use super::{Check, Ctx, Level, cores_text};
use crate::host::read;
use crate::host::read_irq::{self, Irq};

/// How many IRQs the found text names before "and N more".
const SHOWN: usize = 4;

/// Is irqbalance running?
pub fn irqbalance(cx: &Ctx) -> Check {
    const NAME: &str = "irqbalance";
    const WHY: &str = "irqbalance moves IRQs every 10 seconds by load, back onto the measurement cores too, \
        undoing any affinity set by hand";
    match read::processes_named(cx.root, "irqbalance") {
        Ok(pids) if pids.is_empty() => Check::new(NAME, Level::Ok, "irqbalance is not running", WHY),
        Ok(pids) => {
            let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
            Check::new(NAME, Level::Warn, format!("irqbalance is running (pid {})", pids.join(", ")), WHY).fix(format!(
                "tuning/irq-affinity.sh {} (stops irqbalance and moves IRQs off those cores)",
                cx.cores_arg()
            ))
        }
        Err(e) => Check::unknown(NAME, e, WHY),
    }
}

/// Which device IRQs run on (or may be moved to) the measurement cores?
pub fn irqs(cx: &Ctx) -> Check {
    const NAME: &str = "irqs";
    const WHY: &str = "an interrupt on a measurement core stops the worker for its handler and softirq, \
        microseconds each; NIC queue interrupts fire for every packet";
    let cores = match &cx.cores {
        Ok(c) => c,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let all = match read_irq::irqs(cx.root) {
        Ok(i) => i,
        Err(e) => return Check::unknown(NAME, e, WHY),
    };
    let nic = read_irq::nic_irqs(cx.root, &all);
    let on = |set: &[usize]| set.iter().any(|c| cores.contains(c));
    let here = |i: &Irq| -> u64 { cores.iter().filter_map(|c| i.counts.get(c)).sum() };
    let mut running: Vec<&Irq> = all.iter().filter(|i| on(i.runs_on())).collect();
    running.sort_by_key(|i| (!nic.contains(&i.num), std::cmp::Reverse(here(i)), i.num));
    let movable = all.iter().filter(|i| on(&i.allowed)).count();
    let fix = format!("tuning/irq-affinity.sh {} (NIC queues first)", cx.cores_arg());
    if running.is_empty() {
        let found = format!("no device IRQ runs on {} ({} checked)", cx.cores_text(), all.len());
        if movable == 0 {
            return Check::new(NAME, Level::Ok, found, WHY);
        }
        return Check::new(
            NAME,
            Level::Ok,
            format!("{found}; {movable} may be moved there (smp_affinity_list), so keep irqbalance off"),
            WHY,
        );
    }
    let named: Vec<String> = running
        .iter()
        .take(SHOWN)
        .map(|i| {
            let tag = if nic.contains(&i.num) { "NIC, " } else { "" };
            format!("{} {} ({tag}{} there)", i.num, i.name, here(i))
        })
        .collect();
    let more = running.len().saturating_sub(SHOWN);
    let nics = running.iter().filter(|i| nic.contains(&i.num)).count();
    let found = format!(
        "{} of {} IRQs run on {}{}: {}{}",
        running.len(),
        all.len(),
        cores_text(cores),
        if nics > 0 { format!(", {nics} of them NIC queues") } else { String::new() },
        named.join(", "),
        if more > 0 { format!(", and {more} more") } else { String::new() }
    );
    Check::new(NAME, Level::Warn, found, WHY).fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    fn cx<'a>(h: &'a FakeHost, cores: Option<&[usize]>) -> Ctx<'a> {
        Ctx::new(h.root(), cores)
    }

    const INTERRUPTS: &str = "           CPU0       CPU1       CPU2       CPU3\n\
  24:          1          0          0          0  IO-APIC   5-edge      ACPI:Ged\n\
  40:          0          0          0       9000  IR-PCI-MSI 524288-edge      eth0-TxRx-0\n\
  41:          0          0         17          0  IR-PCI-MSI 524289-edge      nvme0q1\n";

    fn host(affinity: &[(u32, &str, Option<&str>)]) -> FakeHost {
        let mut h = FakeHost::new().cpus(4).file("proc/interrupts", INTERRUPTS).file("sys/class/net/eth0/mtu", "1500");
        for (n, allowed, effective) in affinity {
            h = h.file(&format!("proc/irq/{n}/smp_affinity_list"), allowed);
            if let Some(e) = effective {
                h = h.file(&format!("proc/irq/{n}/effective_affinity_list"), e);
            }
        }
        h
    }

    #[test]
    fn irqbalance_running_or_not() {
        let on = FakeHost::new().file("proc/1/comm", "systemd\n").file("proc/640/comm", "irqbalance\n");
        let c = irqbalance(&cx(&on, Some(&[3])));
        assert_eq!((c.level, c.found.as_str()), (Level::Warn, "irqbalance is running (pid 640)"));
        assert!(c.fix.unwrap().starts_with("tuning/irq-affinity.sh 3"));
        let off = FakeHost::new().file("proc/1/comm", "systemd\n");
        assert_eq!(irqbalance(&cx(&off, Some(&[3]))).level, Level::Ok);
        assert_eq!(irqbalance(&cx(&FakeHost::new(), Some(&[3]))).level, Level::Unknown);
    }

    #[test]
    fn irqs_on_measurement_cores_are_named_nic_queues_first() {
        let h = host(&[(24, "0-3", Some("0")), (40, "0-3", Some("3")), (41, "2-3", None)]);
        let c = irqs(&cx(&h, Some(&[2, 3])));
        assert_eq!(c.level, Level::Warn);
        assert_eq!(
            c.found,
            "2 of 3 IRQs run on cores 2-3, 1 of them NIC queues: 40 eth0-TxRx-0 (NIC, 9000 there), 41 nvme0q1 (17 there)"
        );
        assert_eq!(c.fix.as_deref(), Some("tuning/irq-affinity.sh 2-3 (NIC queues first)"));
    }

    #[test]
    fn irqs_ok_when_everything_runs_elsewhere() {
        let moved = host(&[(24, "0-1", None), (40, "0-1", Some("1")), (41, "0-1", Some("0"))]);
        let c = irqs(&cx(&moved, Some(&[2, 3])));
        assert_eq!((c.level, c.found.as_str()), (Level::Ok, "no device IRQ runs on cores 2-3 (3 checked)"));
        let movable = host(&[(24, "0-3", Some("0"))]);
        let c = irqs(&cx(&movable, Some(&[3])));
        assert_eq!(c.level, Level::Ok);
        assert!(c.found.ends_with("1 may be moved there (smp_affinity_list), so keep irqbalance off"), "{}", c.found);
    }

    #[test]
    fn irqs_unknown_without_proc_irq() {
        let h = FakeHost::new().cpus(2);
        let c = irqs(&cx(&h, None));
        assert_eq!((c.level, c.found.as_str()), (Level::Unknown, "unknown: /proc/irq is missing"));
    }
}
