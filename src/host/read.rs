//! Readers for single host facts in `/proc` and `/sys`, all relative to a root directory so
//! tests can point them at a fake tree. One function per fact: `HostInfo::probe`, the doctor's
//! checks and `run`'s warning all call these, so they can never disagree about what a file says.
//!
//! A reader returns the fact or an [`Unreadable`] that names the file and why (missing,
//! permission denied). It never guesses a value and never panics on odd contents: text that
//! does not parse is an [`Unreadable`] too. Judging a fact (ok, warn, fail) is not done here;
//! that belongs to the checks. Interrupt facts live in [`super::read_irq`].

use crate::units::UnitError;
use std::fmt;
use std::path::Path;

/// A file that could not be read or understood: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The path as it is on a real host, e.g. `/sys/devices/system/cpu/isolated`.
    pub path: String,
    /// "missing", "permission denied", or what was wrong with its contents.
    pub reason: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}", self.path, self.reason)
    }
}

impl std::error::Error for Unreadable {}

/// A fact, or why it could not be read.
pub type Fact<T> = Result<T, Unreadable>;

fn unreadable(rel: &str, reason: impl Into<String>) -> Unreadable {
    Unreadable { path: format!("/{rel}"), reason: reason.into() }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "missing".into(),
        std::io::ErrorKind::PermissionDenied => "not readable (permission denied)".into(),
        _ => format!("not readable ({e})"),
    }
}

/// The trimmed contents of `root/rel`.
pub fn text(root: &Path, rel: &str) -> Fact<String> {
    std::fs::read_to_string(root.join(rel)).map(|s| s.trim().to_string()).map_err(|e| unreadable(rel, io_reason(&e)))
}

/// The names in directory `root/rel`, sorted.
pub fn dir_names(root: &Path, rel: &str) -> Fact<Vec<String>> {
    let rd = std::fs::read_dir(root.join(rel)).map_err(|e| unreadable(rel, io_reason(&e)))?;
    let mut names: Vec<String> =
        rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    Ok(names)
}

/// Parses a kernel CPU list (`0-3,6`). Empty text and `(null)` (an empty mask on some
/// kernels) are the empty list.
pub fn cpu_list(s: &str) -> Result<Vec<usize>, UnitError> {
    let s = s.trim();
    if s.is_empty() || s == "(null)" {
        return Ok(Vec::new());
    }
    let mut cores = crate::units::parse_cores(s)?;
    cores.sort_unstable();
    cores.dedup();
    Ok(cores)
}

/// Formats cores as the kernel does: `0-3,6`. The empty list is `none`.
pub fn format_cpu_list(cores: &[usize]) -> String {
    let mut sorted = cores.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    if parts.is_empty() { "none".into() } else { parts.join(",") }
}

fn cpu_list_at(root: &Path, rel: &str) -> Fact<Vec<usize>> {
    let t = text(root, rel)?;
    cpu_list(&t).map_err(|e| unreadable(rel, format!("not a CPU list: {e}")))
}

fn number_at<T: std::str::FromStr>(root: &Path, rel: &str) -> Fact<T> {
    let t = text(root, rel)?;
    t.parse().map_err(|_| unreadable(rel, format!("not a number: {t:?}")))
}

/// Where per-CPU sysfs files live.
pub fn cpu_dir(cpu: usize) -> String {
    format!("sys/devices/system/cpu/cpu{cpu}")
}

/// The kernel release (`uname -r`).
pub fn kernel_release(root: &Path) -> Fact<String> {
    text(root, "proc/sys/kernel/osrelease")
}

/// The online cores.
pub fn online_cores(root: &Path) -> Fact<Vec<usize>> {
    cpu_list_at(root, "sys/devices/system/cpu/online")
}

/// The raw text of the kernel's isolated-CPU list (from `isolcpus=`), e.g. `2-7`; empty when
/// none are isolated.
pub fn isolated_text(root: &Path) -> Fact<String> {
    text(root, "sys/devices/system/cpu/isolated")
}

/// Isolated cores: the kernel's `isolcpus=` list, plus any isolated cgroup v2 cpuset
/// partition (`/sys/fs/cgroup/cpuset.cpus.isolated`, where the kernel has it).
pub fn isolated_cores(root: &Path) -> Fact<Vec<usize>> {
    let rel = "sys/devices/system/cpu/isolated";
    let mut cores = cpu_list(&isolated_text(root)?).map_err(|e| unreadable(rel, format!("not a CPU list: {e}")))?;
    if let Ok(more) = cpu_list_at(root, "sys/fs/cgroup/cpuset.cpus.isolated") {
        cores.extend(more);
        cores.sort_unstable();
        cores.dedup();
    }
    Ok(cores)
}

/// Cores running without the periodic timer tick (`nohz_full=`). The file exists only on
/// kernels built with `CONFIG_NO_HZ_FULL`.
pub fn nohz_full(root: &Path) -> Fact<Vec<usize>> {
    cpu_list_at(root, "sys/devices/system/cpu/nohz_full")
}

/// The kernel command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmdline(pub String);

impl Cmdline {
    /// The value of the last `name=value` parameter, as the kernel takes the last one.
    /// Parameters after a bare `--` go to init and are ignored.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.0
            .split_whitespace()
            .take_while(|w| *w != "--")
            .filter_map(|w| w.split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
            .last()
    }

    /// `name=value` for each of `names` that is present, space-separated; `None` when none is.
    pub fn params(&self, names: &[&str]) -> Option<String> {
        let found: Vec<String> = names.iter().filter_map(|n| self.param(n).map(|v| format!("{n}={v}"))).collect();
        if found.is_empty() { None } else { Some(found.join(" ")) }
    }
}

/// `/proc/cmdline`.
pub fn cmdline(root: &Path) -> Fact<Cmdline> {
    text(root, "proc/cmdline").map(Cmdline)
}

/// What `/proc/cpuinfo` says about the first processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuInfo {
    /// `model name`, when there is one.
    pub model: Option<String>,
    /// The x86 `flags`, or `None` when there is no `flags` line (not an x86 CPU).
    pub flags: Option<Vec<String>>,
}

impl CpuInfo {
    /// Whether an x86 flag is set; `None` when there are no flags to look in.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.flags.as_ref().map(|f| f.iter().any(|x| x == name))
    }

    /// The nominal frequency in the model name ("… @ 3.00GHz"), in Hz.
    pub fn nominal_hz(&self) -> Option<u64> {
        let m = self.model.as_deref()?;
        let (_, rest) = m.rsplit_once('@')?;
        let ghz: f64 = rest.trim().strip_suffix("GHz")?.trim().parse().ok()?;
        (ghz > 0.0).then(|| (ghz * 1e9).round() as u64)
    }
}

/// `/proc/cpuinfo`, first processor.
pub fn cpuinfo(root: &Path) -> Fact<CpuInfo> {
    let t = text(root, "proc/cpuinfo")?;
    let field = |name: &str| {
        t.lines().filter_map(|l| l.split_once(':')).find(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_string())
    };
    Ok(CpuInfo {
        model: field("model name"),
        flags: field("flags").map(|f| f.split_whitespace().map(str::to_string).collect()),
    })
}

/// The cpufreq governor of one core.
pub fn governor(root: &Path, cpu: usize) -> Fact<String> {
    text(root, &format!("{}/cpufreq/scaling_governor", cpu_dir(cpu)))
}

/// Frequencies of one core in kHz, from its cpufreq directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freq {
    /// What the core runs at now (`scaling_cur_freq`).
    pub cur_khz: u64,
    /// The governor's ceiling (`scaling_max_freq`).
    pub scaling_max_khz: Option<u64>,
    /// The hardware's ceiling, with turbo where the driver counts it (`cpuinfo_max_freq`).
    pub hw_max_khz: Option<u64>,
}

/// One core's frequencies.
pub fn freq(root: &Path, cpu: usize) -> Fact<Freq> {
    let d = format!("{}/cpufreq", cpu_dir(cpu));
    Ok(Freq {
        cur_khz: number_at(root, &format!("{d}/scaling_cur_freq"))?,
        scaling_max_khz: number_at(root, &format!("{d}/scaling_max_freq")).ok(),
        hw_max_khz: number_at(root, &format!("{d}/cpuinfo_max_freq")).ok(),
    })
}

/// Whether turbo (boost) is allowed: intel_pstate's `no_turbo`, else cpufreq's `boost`.
pub fn turbo(root: &Path) -> Fact<bool> {
    match number_at::<u8>(root, "sys/devices/system/cpu/intel_pstate/no_turbo") {
        Ok(v) => Ok(v == 0),
        Err(_) => number_at::<u8>(root, "sys/devices/system/cpu/cpufreq/boost").map(|v| v == 1),
    }
}

/// One cpuidle state of a core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleState {
    pub name: String,
    /// Exit latency in microseconds.
    pub latency_us: u64,
    pub disabled: bool,
}

/// The cpuidle driver in use (`none` when there is none).
pub fn idle_driver(root: &Path) -> Fact<String> {
    text(root, "sys/devices/system/cpu/cpuidle/current_driver")
}

/// A core's cpuidle states, shallowest first.
pub fn idle_states(root: &Path, cpu: usize) -> Fact<Vec<IdleState>> {
    let d = format!("{}/cpuidle", cpu_dir(cpu));
    let mut states = Vec::new();
    let mut names = dir_names(root, &d)?;
    names.retain(|n| n.starts_with("state"));
    names.sort_by_key(|n| n[5..].parse::<u32>().unwrap_or(u32::MAX));
    for n in names {
        let s = format!("{d}/{n}");
        states.push(IdleState {
            name: text(root, &format!("{s}/name"))?,
            latency_us: number_at(root, &format!("{s}/latency"))?,
            disabled: number_at::<u8>(root, &format!("{s}/disable"))? != 0,
        });
    }
    Ok(states)
}

/// The PM QoS CPU latency target in microseconds that `/dev/cpu_dma_latency` reports: the
/// lowest value any process holds, or the default (2,000,000,000) when none does.
pub fn cpu_dma_latency_us(root: &Path) -> Fact<i32> {
    let rel = "dev/cpu_dma_latency";
    let bytes = std::fs::read(root.join(rel)).map_err(|e| unreadable(rel, io_reason(&e)))?;
    let b: [u8; 4] =
        bytes.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(|| unreadable(rel, "shorter than 4 bytes"))?;
    Ok(i32::from_ne_bytes(b))
}

/// The current clocksource and the available ones.
pub fn clocksource(root: &Path) -> Fact<(String, Vec<String>)> {
    let d = "sys/devices/system/clocksource/clocksource0";
    let cur = text(root, &format!("{d}/current_clocksource"))?;
    let avail = text(root, &format!("{d}/available_clocksource"))
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    Ok((cur, avail))
}

/// A sysctl under `/proc/sys`, named as `sysctl` names it (`net.core.busy_poll`).
pub fn sysctl(root: &Path, name: &str) -> Fact<String> {
    text(root, &format!("proc/sys/{}", name.replace('.', "/")))
}

/// PIDs of processes whose `comm` is `name` (from `/proc/*/comm`).
pub fn processes_named(root: &Path, name: &str) -> Fact<Vec<u32>> {
    let mut pids: Vec<u32> = dir_names(root, "proc")?
        .iter()
        .filter_map(|p| p.parse::<u32>().ok())
        .filter(|pid| text(root, &format!("proc/{pid}/comm")).is_ok_and(|c| c == name))
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// The selected value of a sysfs choice file like THP's `always [madvise] never`.
pub fn choice(root: &Path, rel: &str) -> Fact<String> {
    let t = text(root, rel)?;
    t.split_whitespace()
        .find_map(|w| w.strip_prefix('[').and_then(|w| w.strip_suffix(']')))
        .map(str::to_string)
        .ok_or_else(|| unreadable(rel, format!("without a [selected] value: {t:?}")))
}

/// Transparent huge pages: (`enabled`, `defrag`) selected values.
pub fn thp(root: &Path) -> Fact<(String, Fact<String>)> {
    let d = "sys/kernel/mm/transparent_hugepage";
    Ok((choice(root, &format!("{d}/enabled"))?, choice(root, &format!("{d}/defrag"))))
}

/// Active swap areas (the names in `/proc/swaps`).
pub fn swaps(root: &Path) -> Fact<Vec<String>> {
    let t = text(root, "proc/swaps")?;
    Ok(t.lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect())
}

/// A core's SMT siblings, itself included.
pub fn thread_siblings(root: &Path, cpu: usize) -> Fact<Vec<usize>> {
    cpu_list_at(root, &format!("{}/topology/thread_siblings_list", cpu_dir(cpu)))
}

/// `/sys/devices/system/cpu/smt/control`: on, off, forceoff, notsupported, notimplemented.
pub fn smt_control(root: &Path) -> Fact<String> {
    text(root, "sys/devices/system/cpu/smt/control")
}

/// DMI system vendor and product name, each when readable.
pub fn dmi(root: &Path) -> (Fact<String>, Fact<String>) {
    (text(root, "sys/class/dmi/id/sys_vendor"), text(root, "sys/class/dmi/id/product_name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    #[test]
    fn cpu_lists_parse_and_format_as_the_kernel_writes_them() {
        assert_eq!(cpu_list("0-3,6\n"), Ok(vec![0, 1, 2, 3, 6]));
        assert_eq!(cpu_list(""), Ok(vec![]));
        assert_eq!(cpu_list("(null)"), Ok(vec![]));
        assert!(cpu_list("x").is_err());
        assert_eq!(format_cpu_list(&[6, 0, 1, 2, 3]), "0-3,6");
        assert_eq!(format_cpu_list(&[1]), "1");
        assert_eq!(format_cpu_list(&[]), "none");
    }

    #[test]
    fn cmdline_takes_the_last_value_and_ignores_init_arguments() {
        let c = Cmdline("ro isolcpus=1 quiet isolcpus=2-3 -- nohz_full=9".into());
        assert_eq!(c.param("isolcpus"), Some("2-3"));
        assert_eq!(c.param("nohz_full"), None);
        assert_eq!(c.params(&["isolcpus", "rcu_nocbs"]).as_deref(), Some("isolcpus=2-3"));
        assert_eq!(c.params(&["rcu_nocbs"]), None);
    }

    #[test]
    fn cpuinfo_flags_and_nominal_rate() {
        let h = FakeHost::new().file(
            "proc/cpuinfo",
            "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6254 CPU @ 3.10GHz\nflags\t\t: fpu tsc constant_tsc\n",
        );
        let c = cpuinfo(h.root()).unwrap();
        assert_eq!(c.flag("constant_tsc"), Some(true));
        assert_eq!(c.flag("nonstop_tsc"), Some(false));
        assert_eq!(c.nominal_hz(), Some(3_100_000_000));
        let arm = FakeHost::new().file("proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd\n");
        assert_eq!(cpuinfo(arm.root()).unwrap().flag("constant_tsc"), None);
    }

    #[test]
    fn missing_and_garbled_files_say_which_and_why() {
        let h = FakeHost::new().file("sys/devices/system/cpu/online", "zero");
        let e = online_cores(h.root()).unwrap_err();
        assert_eq!(e.path, "/sys/devices/system/cpu/online");
        assert!(e.reason.starts_with("not a CPU list"), "{e}");
        let e = isolated_cores(h.root()).unwrap_err();
        assert_eq!(e.to_string(), "/sys/devices/system/cpu/isolated is missing");
    }

    #[test]
    fn choice_files_give_the_bracketed_value() {
        let h = FakeHost::new()
            .file("sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n")
            .file("sys/kernel/mm/transparent_hugepage/defrag", "nonsense\n");
        let (enabled, defrag) = thp(h.root()).unwrap();
        assert_eq!(enabled, "madvise");
        assert!(defrag.unwrap_err().reason.contains("[selected]"));
    }

    #[test]
    fn processes_are_found_by_comm() {
        let h = FakeHost::new()
            .file("proc/1/comm", "systemd\n")
            .file("proc/812/comm", "irqbalance\n")
            .file("proc/self", "");
        assert_eq!(processes_named(h.root(), "irqbalance"), Ok(vec![812]));
        assert_eq!(processes_named(h.root(), "sshd"), Ok(vec![]));
    }

    #[test]
    fn cpu_dma_latency_is_a_native_endian_i32() {
        let h = FakeHost::new().bytes("dev/cpu_dma_latency", &7i32.to_ne_bytes());
        assert_eq!(cpu_dma_latency_us(h.root()), Ok(7));
        let short = FakeHost::new().bytes("dev/cpu_dma_latency", &[1, 2]);
        assert!(cpu_dma_latency_us(short.root()).is_err());
    }
}
