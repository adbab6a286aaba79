//! `fixblast doctor` on the real host (it must never panic and must tell the truth), and the
//! `tuning/` scripts on a fake untuned host: a dry run changes nothing, a real run fixes what
//! the doctor finds and changes nothing the second time, and `--revert` restores every file.

use fixblast::host::doctor::{self, Check, DoctorInput, Level};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn level(checks: &[Check], name: &str) -> Level {
    checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name}")).level
}

#[test]
fn doctor_on_this_host_explains_every_check_and_never_panics() {
    let checks = doctor::check_host(None);
    // 16 host checks, then a `timestamps` check per network interface.
    let ifaces = std::fs::read_dir("/sys/class/net").map_or(0, |d| d.count());
    assert_eq!(checks.len(), 16 + ifaces, "{}", doctor::render(&checks));
    for c in &checks {
        assert!(!c.found.is_empty() && !c.why.is_empty(), "{c:?}");
        if c.level == Level::Fail {
            assert!(c.fix.is_some(), "a failing check says how to fix it: {c:?}");
        }
        if c.level == Level::Unknown {
            assert!(c.found.starts_with("unknown: "), "{c:?}");
        }
    }
    let isolated = std::fs::read_to_string("/sys/devices/system/cpu/isolated").unwrap_or_default();
    if isolated.trim().is_empty() {
        assert_eq!(level(&checks, "isolation"), Level::Fail, "{}", doctor::render(&checks));
    }
    let json: serde_json::Value = serde_json::from_str(&doctor::to_json(&checks)).unwrap();
    assert_eq!(json["exit_code"], doctor::exit_code(&checks));
    assert_eq!(json["checks"].as_array().unwrap().len(), 16 + ifaces);
}

/// Loopback is always there and always software-only: the doctor lists it so.
#[test]
fn doctor_lists_loopbacks_timestamping_capabilities() {
    let checks = doctor::check_host(None);
    let lo = checks
        .iter()
        .find(|c| c.name == "timestamps" && c.found.starts_with("lo "))
        .unwrap_or_else(|| panic!("no timestamps check for lo:\n{}", doctor::render(&checks)));
    assert_eq!(lo.level, Level::Ok);
    assert!(lo.found.contains("software TX/RX, hardware none, no PTP clock"), "{}", lo.found);
    assert!(lo.found.ends_with("--wire-timestamps hardware not possible, software is"), "{}", lo.found);
}

#[test]
#[ignore = "prints the doctor's report for this host: cargo test --test it doctor -- --ignored --nocapture"]
fn print_doctor_on_this_host() {
    let checks = doctor::check_host(None);
    print!("{}", doctor::render(&checks));
    println!("exit code {}", doctor::exit_code(&checks));
}

/// Writes `text` at `root/rel`.
fn put(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A 4-core host with nothing tuned, as the kernel would show it (files end in a newline,
/// as the scripts write them).
fn untuned_host(root: &Path) {
    let cpu = "sys/devices/system/cpu";
    put(root, &format!("{cpu}/online"), "0-3\n");
    put(root, &format!("{cpu}/isolated"), "\n");
    put(root, &format!("{cpu}/intel_pstate/no_turbo"), "0\n");
    put(root, &format!("{cpu}/cpuidle/current_driver"), "intel_idle\n");
    for c in 0..4 {
        let f = format!("{cpu}/cpu{c}/cpufreq");
        put(root, &format!("{f}/scaling_governor"), "powersave\n");
        put(root, &format!("{f}/scaling_available_governors"), "performance powersave\n");
        put(root, &format!("{f}/energy_performance_preference"), "balance_power\n");
        put(root, &format!("{f}/scaling_cur_freq"), "800000\n");
        put(root, &format!("{f}/scaling_max_freq"), "2000000\n");
        put(root, &format!("{f}/cpuinfo_max_freq"), "3500000\n");
        put(root, &format!("{cpu}/cpu{c}/topology/thread_siblings_list"), &format!("{c}\n"));
        for (k, (name, lat)) in [("POLL", 0), ("C1", 2), ("C6", 133)].iter().enumerate() {
            let s = format!("{cpu}/cpu{c}/cpuidle/state{k}");
            put(root, &format!("{s}/name"), &format!("{name}\n"));
            put(root, &format!("{s}/latency"), &format!("{lat}\n"));
            put(root, &format!("{s}/disable"), "0\n");
        }
    }
    put(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
    put(root, "proc/1/comm", "systemd\n");
    put(
        root,
        "proc/interrupts",
        "      CPU0  CPU1  CPU2  CPU3\n 30:  0  0  0  500  PCI-MSI 1-edge  eth0-rx-0\n 31:  9  0  0  0  IO-APIC 1-edge  i8042\n",
    );
    for n in [30, 31] {
        put(root, &format!("proc/irq/{n}/smp_affinity_list"), "0-3\n");
    }
    put(root, "proc/irq/default_smp_affinity", "f\n");
    put(root, "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
    put(root, "sys/kernel/mm/transparent_hugepage/defrag", "[always] defer madvise never\n");
    put(root, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
    put(root, "proc/sys/vm/swappiness", "60\n");
    put(root, "proc/sys/net/core/busy_poll", "0\n");
    put(root, "proc/sys/net/core/busy_read", "0\n");
    put(root, "sys/class/net/eth0/queues/rx-0/rps_cpus", "f\n");
    put(root, "sys/class/net/eth0/queues/tx-0/xps_cpus", "0\n");
    put(root, "sys/class/net/eth0/queues/tx-1/xps_cpus", "0\n");
}

/// Every file under `root` and its contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out)
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &mut out);
    out
}

/// The files whose contents differ between two snapshots, with both contents.
fn differences(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&PathBuf> = a.keys().chain(b.keys()).collect();
    let text = |m: &BTreeMap<PathBuf, Vec<u8>>, k: &PathBuf| m.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{}: {:?} != {:?}", k.display(), text(a, k), text(b, k)))
        .collect()
}

/// Runs `tuning/SCRIPT ARGS` on the fake root; returns its stdout and asserts it exited 0.
fn script(root: &Path, state: &Path, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tuning").join(args[0]);
    let out = Command::new("bash")
        .arg(path)
        .args(&args[1..])
        .env("FIXBLAST_TUNING_ROOT", root)
        .env("STATE_DIR", state)
        .output()
        .expect("bash runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

const APPLY: &[&[&str]] = &[&["irq-affinity.sh", "3"], &["cpu-power.sh"], &["memory.sh"], &["network.sh", "eth0"]];

fn checks(root: &Path) -> Vec<Check> {
    doctor::run_checks(&DoctorInput {
        root,
        cores: Some(&[3]),
        tsc_hz: Some(3_000_000_000),
        uring_probe: Ok(()),
        ts_info: None,
    })
}

#[test]
fn tuning_dry_runs_change_nothing() {
    let tmp_dir = crate::tmp("tuning-dry");
    let dir = tmp_dir.path();
    let (root, state) = (dir.join("root"), dir.join("state"));
    untuned_host(&root);
    let before = snapshot(&root);
    for args in APPLY {
        let out = script(&root, &state, &[*args, &["--dry-run"][..]].concat());
        assert!(out.starts_with("dry run: nothing will be changed\n"), "{out}");
        assert!(out.contains("would set "), "{args:?} has something to change:\n{out}");
    }
    script(&root, &state, &["isolate-cores.sh", "2-3", "--dry-run"]);
    assert_eq!(differences(&snapshot(&root), &before), Vec::<String>::new(), "a dry run wrote a file");
    assert!(!state.exists(), "a dry run saved state");
}

#[test]
fn tuning_scripts_fix_what_the_doctor_finds_once_and_revert_everything() {
    let tmp_dir = crate::tmp("tuning-apply");
    let dir = tmp_dir.path();
    let (root, state) = (dir.join("root"), dir.join("state"));
    untuned_host(&root);
    let original = snapshot(&root);
    let before = checks(&root);
    for name in ["governor", "c-states", "thp", "busy_poll", "irqs"] {
        assert_ne!(level(&before, name), Level::Ok, "{name} on the untuned host:\n{}", doctor::render(&before));
    }

    for args in APPLY {
        script(&root, &state, args);
    }
    let after = checks(&root);
    for name in ["governor", "c-states", "busy_poll", "irqs"] {
        assert_eq!(level(&after, name), Level::Ok, "{name} after tuning:\n{}", doctor::render(&after));
    }
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
    assert_eq!(read("sys/kernel/mm/transparent_hugepage/enabled"), "never\n");
    assert_eq!(read("sys/devices/system/cpu/cpu2/cpufreq/scaling_max_freq"), "3500000\n");
    assert_eq!(read("sys/devices/system/cpu/cpu2/cpuidle/state1/disable"), "0\n", "C1 (2 us) stays");
    assert_eq!(read("proc/irq/30/smp_affinity_list"), "0-2\n");
    assert_eq!(read("proc/irq/default_smp_affinity"), "7\n");
    assert_eq!(read("sys/class/net/eth0/queues/rx-0/rps_cpus"), "0\n");
    assert_eq!(read("sys/class/net/eth0/queues/tx-0/xps_cpus"), "5\n", "CPUs 0 and 2");
    assert_eq!(read("sys/class/net/eth0/queues/tx-1/xps_cpus"), "a\n", "CPUs 1 and 3");
    assert_eq!(read("proc/sys/vm/swappiness"), "1\n");

    let tuned = snapshot(&root);
    let saved = snapshot(&state);
    for args in APPLY {
        let out = script(&root, &state, args);
        assert!(!out.lines().any(|l| l.starts_with("set ")), "a second run changed something:\n{out}");
    }
    assert_eq!(differences(&snapshot(&root), &tuned), Vec::<String>::new(), "the second run is a no-op");
    assert_eq!(snapshot(&state), saved, "the second run keeps the first run's saved values");

    for args in APPLY {
        let dry = script(&root, &state, &[args[0], "--revert", "--dry-run"]);
        assert!(dry.contains("would restore "), "{dry}");
    }
    assert_eq!(differences(&snapshot(&root), &tuned), Vec::<String>::new(), "a dry revert restores nothing");
    for args in APPLY {
        script(&root, &state, &[args[0], "--revert"]);
    }
    // A real kernel shows a choice file as "[always] madvise never"; the fake keeps what was
    // written, so THP is compared by its selected value.
    let thp = "sys/kernel/mm/transparent_hugepage";
    assert_eq!(read(&format!("{thp}/enabled")), "always\n");
    assert_eq!(read(&format!("{thp}/defrag")), "always\n");
    let mut reverted = snapshot(&root);
    for f in ["enabled", "defrag"] {
        let p = root.join(format!("{thp}/{f}"));
        reverted.insert(p.clone(), original[&p].clone());
    }
    assert_eq!(differences(&reverted, &original), Vec::<String>::new(), "--revert restores every file");
    assert!(snapshot(&state).is_empty(), "--revert forgets what it restored");
    let again = script(&root, &state, &["memory.sh", "--revert"]);
    assert!(again.starts_with("nothing to revert"), "{again}");
}

#[test]
fn isolate_cores_prints_the_parameters_and_never_touches_the_host() {
    let tmp_dir = crate::tmp("tuning-isolate");
    let dir = tmp_dir.path();
    let (root, state) = (dir.join("root"), dir.join("state"));
    untuned_host(&root);
    let before = snapshot(&root);
    let out = script(&root, &state, &["isolate-cores.sh", "2-3"]);
    assert!(out.contains("isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"), "{out}");
    assert!(out.contains("grubby --update-kernel=ALL --args="), "{out}");
    assert_eq!(differences(&snapshot(&root), &before), Vec::<String>::new());
    put(&root, "proc/cmdline", "ro isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1\n");
    let out = script(&root, &state, &["isolate-cores.sh", "2-3"]);
    assert!(out.starts_with("The running kernel already has"), "{out}");
    let bad = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tuning/isolate-cores.sh"))
        .arg("0-3")
        .env("FIXBLAST_TUNING_ROOT", &root)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "isolating every CPU is refused");
}

#[test]
fn the_doctor_command_prints_every_check_and_exits_by_the_worst() {
    let out = super::bin().args(["doctor", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.len() >= 16, "{v}");
    let failed = checks.iter().any(|c| c["level"] == "fail");
    assert_eq!(out.status.code(), Some(if failed { 1 } else { 0 }));
    assert_eq!(v["exit_code"], if failed { 1 } else { 0 });
    let text = super::bin().arg("doctor").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for c in checks {
        assert!(text.contains(c["name"].as_str().unwrap()), "{text}");
    }
}

#[test]
fn a_core_that_does_not_exist_is_a_bad_flag_not_a_verdict() {
    let out = super::bin().args(["doctor", "--cores", "9999"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--cores: core 9999 does not exist or is not allowed here; this process may use cores"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("9999"), "no check ran on it: {stdout}");
}
