//! `--wire-timestamps software`: the kernel's stamps split each first reply into client out,
//! wire and client in, against the built-in gateway over loopback (syscall backend only).

use crate::{QUICK, run, tmp};
use fixblast::error::Error;
use fixblast::metrics::LatencyKind;
use serde_json::Value;

#[test]
fn software_stamps_split_every_first_reply_and_the_wire_is_inside_the_round_trip() {
    let dir = tmp("wire");
    let json = dir.path().join("r.json");
    let mut argv = vec!["--backend", "syscall", "--gateway-backend", "syscall", "--wire-timestamps", "software"];
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

#[test]
fn io_uring_and_hardware_stamps_are_refused_as_usage_errors() {
    let uring = run(&[&["--backend", "uring", "--wire-timestamps", "software"][..], QUICK].concat());
    match uring {
        // Where io_uring itself is unavailable, that is the refusal.
        Err(Error::Usage(msg)) => {
            assert!(msg.contains("--backend syscall") || msg.contains("io_uring"), "{msg}");
            if crate::uring_ok() {
                assert!(msg.contains("io_uring backend does not take wire stamps yet"), "{msg}");
            }
        }
        other => panic!("{:?}", other.map(|o| o.exit_code())),
    }
    match run(&[&["--backend", "syscall", "--wire-timestamps", "hardware"][..], QUICK].concat()) {
        Err(Error::Usage(msg)) => assert!(msg.contains("not implemented yet") && msg.contains("software"), "{msg}"),
        other => panic!("{:?}", other.map(|o| o.exit_code())),
    }
}
