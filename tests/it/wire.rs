//! `--wire-timestamps software`: the kernel's stamps split each first reply into client out,
//! wire and client in, against the built-in gateway over loopback, on every backend and
//! io_uring receive mode. `--wire-timestamps hardware` cannot run over loopback: its refusal
//! is tested, on `lo` and, as root, on a veth pair to a network namespace.

use crate::{QUICK, on_every_backend, run, tmp};
use fixblast::error::Error;
use fixblast::metrics::LatencyKind;
use serde_json::Value;

on_every_backend!(software_stamps_split_every_first_reply_and_the_wire_is_inside_the_round_trip);

fn software_stamps_split_every_first_reply_and_the_wire_is_inside_the_round_trip(backend: &[&str]) {
    let dir = tmp("wire");
    let json = dir.path().join("r.json");
    let mut argv = backend.to_vec();
    argv.extend_from_slice(&["--wire-timestamps", "software"]);
    argv.extend_from_slice(&["--rate", "2000", "--json", json.to_str().unwrap()]);
    argv.extend_from_slice(QUICK);
    let out = run(&argv).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    let r = &out.result;
    let w = r.wire.as_ref().expect("a wire section");
    let wire = r.latency_ns.get(LatencyKind::Wire).expect("latency_ns.wire");
    // Every measured first reply has a wire time, or is counted for why it has none.
    assert!(r.orders.acked > 0);
    assert_eq!(wire.count + w.unstamped + w.anomalies, r.orders.acked, "{w:?}");
    assert!(wire.count > 0, "{w:?}");
    // Loopback stamps every byte: a reply without both stamps is a bug, not the kernel.
    assert!(w.unstamped * 10 <= r.orders.acked, "{backend:?}: {w:?}");
    // Both kernel stamps sit between the harness's send and receive stamps.
    let svc = r.latency_ns.get(LatencyKind::AckService).unwrap();
    assert!(wire.p50 <= svc.p50, "wire {wire:?} service {svc:?}");
    assert!(wire.max <= svc.max, "wire {wire:?} service {svc:?}");
    let (out_, in_) = (r.latency_ns.get(LatencyKind::ClientOut), r.latency_ns.get(LatencyKind::ClientIn));
    if w.client_split {
        let (o, i) = (out_.expect("client_out"), in_.expect("client_in"));
        assert_eq!(o.count + w.client_anomalies, wire.count);
        assert_eq!(i.count, o.count);
    } else {
        // A busy host's clocks moved past the bound: said, and not reported.
        assert!(w.drift_ns.unsigned_abs() > w.drift_bound_ns);
        assert!(out_.is_none() && in_.is_none());
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for k in ["wire", "client_out", "client_in"] {
        assert!(v["latency_ns"].get(k).is_some(), "latency_ns.{k} in the file");
    }
    assert_eq!(v["wire"]["mode"], "software");
    assert!(fixblast::report::summary::summary(r).contains("where the time went: client out"));
}

#[test]
fn without_the_flag_the_result_has_no_wire_fields() {
    let out = run(&[&["--backend", "syscall", "--rate", "500"][..], QUICK].concat()).unwrap();
    let v = serde_json::to_value(&out.result).unwrap();
    assert!(v.get("wire").is_none());
    for k in ["wire", "client_out", "client_in"] {
        assert!(v["latency_ns"].get(k).is_none(), "latency_ns.{k}");
    }
}

/// Loopback has no NIC: `hardware` is refused before the run starts, naming `lo` and what it
/// can do, whichever backend was asked for, and no result file is written.
#[test]
fn hardware_stamps_through_loopback_exit_2_naming_lo_and_write_no_file() {
    let dir = tmp("wire-hw");
    let json = dir.path().join("r.json");
    let out = crate::bin()
        .args(["run", "--wire-timestamps", "hardware", "--json", json.to_str().unwrap()])
        .args(QUICK)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "--wire-timestamps hardware: lo (the interface to 127.0.0.1) offers software stamps only (software \
             TX/RX, hardware none, no PTP clock): use --wire-timestamps software"
        ),
        "{err}"
    );
    assert!(!json.exists(), "no result file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left in the directory");
    // A loopback --target is refused the same way, in-process.
    for backend in ["syscall", "auto"] {
        match run(
            &[&["--backend", backend, "--target", "127.0.0.1:1", "--wire-timestamps", "hardware"][..], QUICK].concat()
        ) {
            Err(e @ Error::Usage(_)) => {
                assert_eq!(e.exit_code(), 2);
                assert!(e.to_string().contains("lo (the interface to 127.0.0.1) offers software stamps only"), "{e}");
            }
            other => panic!("{:?}", other.map(|o| o.exit_code())),
        }
    }
}

/// A veth pair to a network namespace (root only): the refusal names the veth, the interface
/// that routes to the address in the namespace. Torn down when dropped.
struct Veth {
    ns: String,
    host: String,
}

impl Veth {
    /// `None` (and a line saying why) where this cannot be set up: not root, no `ip`.
    fn new() -> Option<Veth> {
        let id = std::process::id() % 100_000;
        let v = Veth { ns: format!("fixblast-hw{id}"), host: format!("fbhw{id}a") };
        let peer = format!("fbhw{id}b");
        let steps: [&[&str]; 7] = [
            &["netns", "add", &v.ns],
            &["link", "add", &v.host, "type", "veth", "peer", "name", &peer],
            &["link", "set", &peer, "netns", &v.ns],
            &["addr", "add", "10.213.77.1/30", "dev", &v.host],
            &["link", "set", &v.host, "up"],
            &["-n", &v.ns, "addr", "add", "10.213.77.2/30", "dev", &peer],
            &["-n", &v.ns, "link", "set", &peer, "up"],
        ];
        for s in steps {
            match std::process::Command::new("ip").args(s).output() {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    eprintln!("skipped: ip {}: {}", s.join(" "), String::from_utf8_lossy(&o.stderr).trim());
                    return None;
                }
                Err(e) => {
                    eprintln!("skipped: ip: {e}");
                    return None;
                }
            }
        }
        Some(v)
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        // Deleting one end deletes its peer; deleting the namespace deletes what is in it.
        let _ = std::process::Command::new("ip").args(["link", "del", &self.host]).output();
        let _ = std::process::Command::new("ip").args(["netns", "del", &self.ns]).output();
    }
}

#[test]
fn hardware_stamps_through_a_veth_exit_2_naming_it() {
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref().ok() != Some("0") {
        eprintln!("skipped: creating a network namespace and a veth pair needs root");
        return;
    }
    let Some(veth) = Veth::new() else { return };
    let argv = ["--backend", "syscall", "--target", "10.213.77.2:9878", "--wire-timestamps", "hardware"];
    match run(&[&argv[..], QUICK].concat()) {
        Err(e @ Error::Usage(_)) => {
            let want = format!("{} (the interface to 10.213.77.2) offers software stamps only", veth.host);
            assert!(e.to_string().contains(&want), "{e}");
        }
        other => panic!("{:?}", other.map(|o| o.exit_code())),
    }
}
