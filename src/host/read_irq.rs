//! Interrupt facts: each device IRQ's name, where it may run (`smp_affinity_list`), where it
//! runs now (`effective_affinity_list`), how often it fired on each CPU (`/proc/interrupts`),
//! and which IRQs belong to network interfaces.
//!
//! Readers only, relative to a root directory, like [`super::read`]; judging what is found
//! belongs to the checks.

use super::read::{Fact, Unreadable, cpu_list, dir_names, text};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One numbered (device) interrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irq {
    pub num: u32,
    /// The action name from `/proc/interrupts` (`eth0-TxRx-0`), or `irqN` when it has none.
    pub name: String,
    /// CPUs it may run on (`smp_affinity_list`).
    pub allowed: Vec<usize>,
    /// CPUs it runs on now (`effective_affinity_list`, on kernels that have it).
    pub effective: Option<Vec<usize>>,
    /// Times it fired, per CPU.
    pub counts: BTreeMap<usize, u64>,
}

impl Irq {
    /// Where it runs now: the effective affinity where known, else where it may run.
    pub fn runs_on(&self) -> &[usize] {
        self.effective.as_deref().unwrap_or(&self.allowed)
    }
}

/// Per-IRQ counts and names from `/proc/interrupts`: for each numbered IRQ, the counts per
/// CPU and its name.
pub fn parse_interrupts(t: &str) -> BTreeMap<u32, (String, BTreeMap<usize, u64>)> {
    let mut lines = t.lines();
    let cpus: Vec<usize> = lines
        .next()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|c| c.strip_prefix("CPU").and_then(|n| n.parse().ok()))
        .collect();
    let mut out = BTreeMap::new();
    for line in lines {
        let Some((num, rest)) = line.split_once(':') else { continue };
        let Ok(num) = num.trim().parse::<u32>() else { continue };
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut counts = BTreeMap::new();
        let mut i = 0;
        while i < cpus.len() && i < words.len() {
            match words[i].parse::<u64>() {
                Ok(n) => counts.insert(cpus[i], n),
                Err(_) => break,
            };
            i += 1;
        }
        // After the counts: the chip, the hardware IRQ and trigger, then the action names.
        let tail = &words[i..];
        let name = if tail.len() > 2 { tail[2..].join(" ") } else { String::new() };
        out.insert(num, (name, counts));
    }
    out
}

/// Every numbered IRQ under `/proc/irq`, with its name and counts from `/proc/interrupts`
/// (an IRQ missing from it has no name and no counts).
pub fn irqs(root: &Path) -> Fact<Vec<Irq>> {
    let table = text(root, "proc/interrupts").map(|t| parse_interrupts(&t)).unwrap_or_default();
    let mut out = Vec::new();
    for n in dir_names(root, "proc/irq")? {
        let Ok(num) = n.parse::<u32>() else { continue };
        let list = |file: &str| -> Fact<Vec<usize>> {
            let rel = format!("proc/irq/{num}/{file}");
            let t = text(root, &rel)?;
            cpu_list(&t).map_err(|e| Unreadable { path: format!("/{rel}"), reason: format!("not a CPU list: {e}") })
        };
        let Ok(allowed) = list("smp_affinity_list") else { continue };
        let (name, counts) = table.get(&num).cloned().unwrap_or_default();
        out.push(Irq {
            num,
            name: if name.is_empty() { format!("irq{num}") } else { name },
            allowed,
            effective: list("effective_affinity_list").ok(),
            counts,
        });
    }
    out.sort_by_key(|i| i.num);
    Ok(out)
}

/// The network interfaces other than loopback, sorted.
pub fn interfaces(root: &Path) -> Fact<Vec<String>> {
    let mut names = dir_names(root, "sys/class/net")?;
    names.retain(|n| n != "lo");
    Ok(names)
}

/// Which IRQs belong to a network interface: those listed in its device's (or the device's
/// parent's, for virtio) `msi_irqs`, and those named after the interface or its device
/// (`eth0-TxRx-0`, `virtio2-input.0`).
pub fn nic_irqs(root: &Path, irqs: &[Irq]) -> BTreeSet<u32> {
    let mut nums = BTreeSet::new();
    let mut prefixes = Vec::new();
    for iface in interfaces(root).unwrap_or_default() {
        let dev = format!("sys/class/net/{iface}/device");
        for msi in [format!("{dev}/msi_irqs"), format!("{dev}/../msi_irqs")] {
            nums.extend(dir_names(root, &msi).unwrap_or_default().iter().filter_map(|n| n.parse::<u32>().ok()));
        }
        if let Some(base) = std::fs::read_link(root.join(&dev)).ok().and_then(|l| l.file_name().map(|f| f.to_owned())) {
            prefixes.push(base.to_string_lossy().into_owned());
        }
        prefixes.push(iface);
    }
    for irq in irqs {
        let named = prefixes.iter().any(|p| {
            irq.name.split([',', ' ']).any(|n| {
                n.strip_prefix(p.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '@', '_', ':']))
            })
        });
        if named {
            nums.insert(irq.num);
        }
    }
    nums
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    const INTERRUPTS: &str = "           CPU0       CPU1       \n\
  24:          1          0  IO-APIC   5-edge      ACPI:Ged\n\
  38:          0      13206 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n\
  16:          3          4  IO-APIC  16-fasteoi   ehci_hcd:usb1, uhci_hcd:usb2\n\
 NMI:          0          0   Non-maskable interrupts\n\
 ERR:          0\n";

    #[test]
    fn proc_interrupts_gives_counts_per_cpu_and_names() {
        let t = parse_interrupts(INTERRUPTS);
        assert_eq!(t[&24].0, "ACPI:Ged");
        assert_eq!(t[&38].1, BTreeMap::from([(0, 0), (1, 13206)]));
        assert_eq!(t[&16].0, "ehci_hcd:usb1, uhci_hcd:usb2");
        assert_eq!(t.len(), 3, "per-CPU rows like NMI are not device IRQs");
    }

    #[test]
    fn irqs_join_affinity_and_counts_and_find_nic_queues() {
        let h = FakeHost::new()
            .file("proc/interrupts", INTERRUPTS)
            .file("proc/irq/24/smp_affinity_list", "0-1\n")
            .file("proc/irq/24/effective_affinity_list", "0\n")
            .file("proc/irq/38/smp_affinity_list", "0-1\n")
            .file("proc/irq/default_smp_affinity", "3\n")
            .file("sys/class/net/lo/x", "")
            .file("sys/class/net/eth0/device/vendor", "0x1af4")
            .file("sys/class/net/eth0/device/../msi_irqs/37", "msix");
        let irqs = irqs(h.root()).unwrap();
        assert_eq!(irqs.len(), 2);
        assert_eq!(irqs[0].runs_on(), &[0]);
        assert_eq!(irqs[1].runs_on(), &[0, 1], "no effective affinity: where it may run");
        assert_eq!(irqs[1].counts[&1], 13206);
        assert_eq!(interfaces(h.root()).unwrap(), vec!["eth0"]);
        assert_eq!(nic_irqs(h.root(), &irqs), BTreeSet::from([37]), "msi_irqs of the device's parent");
        let virtio = FakeHost::new()
            .file("sys/devices/pci0000:00/0000:00:03.0/msi_irqs/39", "msix")
            .file("sys/devices/pci0000:00/0000:00:03.0/virtio2/vendor", "0x1af4")
            .symlink("sys/class/net/eth0/device", "../../../devices/pci0000:00/0000:00:03.0/virtio2");
        let queue = Irq { num: 38, name: "virtio2-input.0".into(), ..irqs[0].clone() };
        let other = Irq { num: 40, name: "virtio3-config".into(), ..irqs[0].clone() };
        assert_eq!(
            nic_irqs(virtio.root(), &[queue, other]),
            BTreeSet::from([38, 39]),
            "named after the device, and its MSI"
        );
        let named = Irq { num: 50, name: "eth0-TxRx-3".into(), ..irqs[0].clone() };
        let other = Irq { num: 51, name: "eth01-rx".into(), ..irqs[0].clone() };
        assert_eq!(nic_irqs(h.root(), &[named, other]), BTreeSet::from([37, 50]));
    }
}
