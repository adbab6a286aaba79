//! `--wire-timestamps software`: the kernel's stamps split each first reply into client out,
//! wire and client in, against the built-in gateway over loopback, on every backend and
//! io_uring receive mode.

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

#[test]
fn hardware_stamps_are_refused_as_a_usage_error() {
    match run(&[&["--backend", "syscall", "--wire-timestamps", "hardware"][..], QUICK].concat()) {
        Err(Error::Usage(msg)) => assert!(msg.contains("not implemented yet") && msg.contains("software"), "{msg}"),
        other => panic!("{:?}", other.map(|o| o.exit_code())),
    }
}
