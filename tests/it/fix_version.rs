//! `--fix-version` end to end: the built-in gateway and the harness in FIX 4.4, a gateway
//! and a client that speak different versions, and the flags' bad values.

use super::{QUICK, SYSCALL, bin, gateway, run};
use fixblast::fix::FixVersion;
use fixblast::gateway::GatewayConfig;
use fixblast::metrics::LatencyKind;

crate::on_every_backend!(fix44_builtin_gateway_answers_new_cancel_and_replace);

fn fix44_builtin_gateway_answers_new_cancel_and_replace(backend: &[&str]) {
    let mut a = QUICK.to_vec();
    a.extend_from_slice(backend);
    a.extend_from_slice(&["--fix-version", "4.4", "--rate", "2000", "--mix", "new=90,cancel=8,replace=2"]);
    let out = run(&a).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    assert_eq!(r.config.fix_version, "4.4");
    let m = &r.messages;
    assert_eq!((m.cancel.sent, m.replace.sent, m.substituted), (160, 40, 0), "{m:?}");
    assert_eq!((m.cancel.answered, m.replace.answered), (160, 40), "{m:?}");
    assert_eq!(m.new.answered, m.new.sent, "{m:?}");
    assert_eq!(r.latency_ns[LatencyKind::Replace].as_ref().unwrap().count, 40);
}

#[test]
fn fix44_fills_are_read_as_fills() {
    let mut a = QUICK.to_vec();
    a.extend_from_slice(SYSCALL);
    a.extend_from_slice(&["--fix-version", "4.4", "--rate", "1000", "--gateway-fill"]);
    let out = run(&a).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    // The gateway sends 150=F, 39=2: every acked order is filled, and timed as one.
    assert!(r.orders.filled > 0 && r.orders.filled == r.orders.acked, "{:?}", r.orders);
    assert_eq!(r.latency_ns[LatencyKind::Fill].as_ref().unwrap().count, r.orders.filled);
}

#[test]
fn a_client_in_another_version_is_refused_and_told_both_versions() {
    let g = gateway(SYSCALL, GatewayConfig { version: FixVersion::Fix44, ..GatewayConfig::loopback() });
    let target = g.addr().to_string();
    let mut a = QUICK.to_vec();
    a.extend_from_slice(SYSCALL);
    a.extend_from_slice(&["--target", &target]);
    let out = run(&a).unwrap();
    assert_eq!(out.exit_code(), 3);
    let failure = out.result.status.failure.clone().unwrap();
    assert!(failure.contains("FIX 4.4 (FIX.4.4)") && failure.contains("FIX 4.2 (FIX.4.2)"), "{failure}");
    assert_eq!(out.result.config.fix_version, "4.2");
}

#[test]
fn bad_fix_flags_exit_2_naming_the_flag() {
    for (args, want) in [
        (&["run", "--fix-version", "5.0sp2"][..], "--fix-version"),
        (&["run", "--fix-version", "4.3"][..], "--fix-version"),
        (&["gateway", "--fix-version", "4"][..], "--fix-version"),
        (&["run", "--logon-field", "35=A", "--target", "127.0.0.1:1"][..], "--logon-field \"35=A\": tag 35 is MsgType"),
        (&["run", "--logon-field", "x=1", "--target", "127.0.0.1:1"][..], "--logon-field \"x=1\""),
    ] {
        let out = bin().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn template_check_checks_the_versions_required_fields() {
    let root = env!("CARGO_MANIFEST_DIR");
    let t44 = format!("{root}/fix-templates/fix44/new-order-single.fix");
    let ok = bin().args(["template", "check", "--fix-version", "4.4", &t44]).output().unwrap();
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(text.contains("ok, FIX 4.4 NewOrderSingle") && text.contains("sample: 8=FIX.4.4|"), "{text}");
    // The 4.4 template lacks HandlInst, which 4.2 requires.
    let bad = bin().args(["template", "check", &t44]).output().unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("FIX 4.2 requires HandlInst (21)"), "{err}");
}
