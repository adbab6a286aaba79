//! `--fix-version` end to end: the built-in gateway and the harness in FIX 4.4 and 5.0 SP2
//! (over FIXT.1.1; QuickFIX's executor does not speak it, see `quickfix_versions`), a
//! gateway and a client that speak different versions, and the flags' bad values.

use super::{QUICK, SYSCALL, bin, gateway, run};
use fixblast::fix::FixVersion;
use fixblast::gateway::GatewayConfig;
use fixblast::metrics::LatencyKind;

crate::on_every_backend!(
    fix44_builtin_gateway_answers_new_cancel_and_replace,
    fix50sp2_builtin_gateway_answers_new_cancel_and_replace
);

fn fix44_builtin_gateway_answers_new_cancel_and_replace(backend: &[&str]) {
    answers_new_cancel_and_replace("4.4", backend);
}

fn fix50sp2_builtin_gateway_answers_new_cancel_and_replace(backend: &[&str]) {
    answers_new_cancel_and_replace("5.0sp2", backend);
}

/// The harness and the built-in gateway in `version`, with cancels and replaces: every
/// message answered, none in error.
fn answers_new_cancel_and_replace(version: &str, backend: &[&str]) {
    let mut a = QUICK.to_vec();
    a.extend_from_slice(backend);
    a.extend_from_slice(&["--fix-version", version, "--rate", "2000", "--mix", "new=90,cancel=8,replace=2"]);
    let out = run(&a).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    assert_eq!(r.config.fix_version, version);
    let m = &r.messages;
    assert_eq!((m.cancel.sent, m.replace.sent, m.substituted), (160, 40, 0), "{m:?}");
    assert_eq!((m.cancel.answered, m.replace.answered), (160, 40), "{m:?}");
    assert_eq!(m.new.answered, m.new.sent, "{m:?}");
    assert_eq!(r.latency_ns[LatencyKind::Replace].as_ref().unwrap().count, 40);
}

#[test]
fn fix44_and_5_0_fills_are_read_as_fills() {
    for version in ["4.4", "5.0", "5.0sp1", "5.0sp2"] {
        let mut a = QUICK.to_vec();
        a.extend_from_slice(SYSCALL);
        a.extend_from_slice(&["--fix-version", version, "--rate", "1000", "--gateway-fill"]);
        let out = run(&a).unwrap();
        let r = &out.result;
        assert_eq!(out.exit_code(), 0, "{version}: {:?}", r.status);
        assert_eq!(r.errors.total, 0, "{version}: {:?}", r.errors);
        // The gateway sends 150=F, 39=2: every acked order is filled, and timed as one.
        assert!(r.orders.filled > 0 && r.orders.filled == r.orders.acked, "{version}: {:?}", r.orders);
        assert_eq!(r.latency_ns[LatencyKind::Fill].as_ref().unwrap().count, r.orders.filled);
    }
}

/// A run in `client` against the built-in gateway in `gateway`: it must fail to log on
/// (exit 3); returns the failure.
fn refused(gateway_version: FixVersion, client: &[&str]) -> String {
    let g = gateway(SYSCALL, GatewayConfig { version: gateway_version, ..GatewayConfig::loopback() });
    let target = g.addr().to_string();
    let mut a = QUICK.to_vec();
    a.extend_from_slice(SYSCALL);
    a.extend_from_slice(&["--target", &target]);
    a.extend_from_slice(client);
    let out = run(&a).unwrap();
    assert_eq!(out.exit_code(), 3, "{client:?}: {:?}", out.result.status);
    out.result.status.failure.clone().unwrap()
}

#[test]
fn a_fixt_gateway_refuses_another_application_version_naming_both() {
    let failure = refused(FixVersion::Fix50Sp2, &["--fix-version", "5.0"]);
    assert!(
        failure.contains("the gateway refused the logon")
            && failure.contains("DefaultApplVerID 9 (FIX.5.0SP2)")
            && failure.contains("DefaultApplVerID 7 (FIX.5.0)"),
        "{failure}"
    );
    // A FIX 4.4 client cannot read the FIXT.1.1 Logout, but is told what it met.
    let failure = refused(FixVersion::Fix50Sp2, &["--fix-version", "4.4"]);
    assert!(failure.contains("the peer speaks FIXT.1.1") && failure.contains("this session FIX 4.4"), "{failure}");
}

#[test]
fn next_expected_seq_is_answered_by_the_builtin_gateway() {
    for version in ["4.4", "5.0sp2"] {
        let mut a = QUICK.to_vec();
        a.extend_from_slice(SYSCALL);
        a.extend_from_slice(&["--fix-version", version, "--next-expected-seq", "--rate", "1000"]);
        let out = run(&a).unwrap();
        assert_eq!(out.exit_code(), 0, "{version}: {:?}", out.result.status);
        assert_eq!(out.result.errors.total, 0, "{version}: {:?}", out.result.errors);
    }
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
        (&["run", "--fix-version", "5.1"][..], "--fix-version"),
        (&["run", "--fix-version", "FIXT.1.1"][..], "--fix-version"),
        (&["run", "--next-expected-seq", "--target", "127.0.0.1:1"][..], "--next-expected-seq: NextExpectedMsgSeqNum"),
        (&["run", "--logon-field", "1137=9", "--target", "127.0.0.1:1"][..], "DefaultApplVerID (--fix-version)"),
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
    let t50 = format!("{root}/fix-templates/fix50/new-order-single.fix");
    let ok = bin().args(["template", "check", "--fix-version", "5.0sp2", &t50]).output().unwrap();
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(text.contains("ok, FIX 5.0sp2 NewOrderSingle") && text.contains("sample: 8=FIXT.1.1|"), "{text}");
}
