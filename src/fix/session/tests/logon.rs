//! The Logon in each version, on the virtual clock: FIXT.1.1's DefaultApplVerID (1137), the
//! acceptor's refusal of another application version, and NextExpectedMsgSeqNum (789) both
//! ways.

use super::*;
use crate::fix::FixVersion::{self, *};

fn session(version: FixVersion, role: Role) -> Session {
    let mut cfg = match role {
        Role::Initiator => initiator().cfg,
        Role::Acceptor => SessionConfig::acceptor(),
    };
    cfg.version = version;
    Session::new(cfg, T0)
}

/// Each message of `bytes` in `version`, parsed, with its readable text.
fn read(bytes: &[u8], version: FixVersion) -> Vec<(Msg, String)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Frame::Message { len } = frame_as(&bytes[pos..], version) else {
            panic!("bad {version} frame in {}", printable(bytes))
        };
        let raw = &bytes[pos..pos + len];
        out.push((parse(raw).unwrap(), printable(raw)));
        pos += len;
    }
    out
}

/// A Logon from the initiator's side in `version` with `extra` fields.
fn logon_from_client(version: FixVersion, seq: u32, extra: &[(u32, &[u8])]) -> Vec<u8> {
    logon(version, (b"FIXBLAST", b"GATEWAY"), seq, extra)
}

/// A Logon from `sender` to `target` in `version` with `extra` fields.
fn logon(version: FixVersion, (sender, target): (&[u8], &[u8]), seq: u32, extra: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let mut e = Encoder::for_version(&mut buf, version);
    for (t, v) in [(35, b"A".as_slice()), (49, sender), (56, target)] {
        e.field(t, v);
    }
    e.field_u64(34, seq as u64);
    e.field(52, b"20231114-22:13:20.000");
    e.field(98, b"0");
    e.field(108, b"30");
    for (t, v) in extra {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf[..n].to_vec()
}

#[test]
fn every_5_0_version_logs_on_over_fixt_with_its_default_appl_ver_id() {
    for (v, id) in [(Fix50, "7"), (Fix50Sp1, "8"), (Fix50Sp2, "9")] {
        let (mut c, mut a) = (session(v, Role::Initiator), session(v, Role::Acceptor));
        let logon = drain(&mut c, T0);
        let text = &read(&logon, v)[0].1;
        assert!(text.starts_with("8=FIXT.1.1|9="), "{text}");
        assert!(text.contains(&format!("|108=30|141=Y|1137={id}|10=")), "{text}");
        deliver(&mut a, T0, &logon);
        assert_eq!(events(&mut a), vec![Event::LoggedOn], "{v}");
        let reply = drain(&mut a, T0);
        let text = &read(&reply, v)[0].1;
        assert!(text.starts_with("8=FIXT.1.1|") && text.contains(&format!("|1137={id}|")), "{text}");
        deliver(&mut c, T0, &reply);
        assert_eq!(events(&mut c), vec![Event::LoggedOn], "{v}");
        // ApplVerID (1128) on a message is taken: it reaches the application.
        let er = {
            let mut buf = [0u8; 256];
            let mut e = Encoder::for_version(&mut buf, v);
            for (t, val) in [(35, b"8".as_slice()), (1128, b"9"), (49, b"GATEWAY"), (56, b"FIXBLAST"), (34, b"2")] {
                e.field(t, val);
            }
            e.field(150, b"0");
            let n = e.finish().unwrap();
            buf[..n].to_vec()
        };
        assert_eq!(deliver(&mut c, T0, &er).len(), 1, "{v}");
        assert_eq!(events(&mut c), vec![], "{v}");
    }
}

#[test]
fn a_fixt_logon_for_another_application_version_is_refused_naming_both() {
    let mut c = session(Fix50, Role::Initiator);
    let mut a = session(Fix50Sp2, Role::Acceptor);
    deliver(&mut a, T0, &drain(&mut c, T0));
    assert_eq!(events(&mut a), vec![]);
    assert_eq!(a.state(), State::Closed);
    let refusal = drain(&mut a, T0);
    let m = read(&refusal, Fix50Sp2);
    assert_eq!(m.len(), 1, "a Logout and no Logon: {}", m[0].1);
    let text = &m[0].1;
    assert!(text.contains("|35=5|49=GATEWAY|56=FIXBLAST|"), "{text}");
    assert!(
        text.contains(
            "|58=this gateway speaks FIXT.1.1 with DefaultApplVerID 9 (FIX.5.0SP2), the Logon has DefaultApplVerID 7 \
             (FIX.5.0)|"
        ),
        "{text}"
    );
    // The initiator reads it as a refused Logon, with the reason.
    deliver(&mut c, T0, &refusal);
    assert_eq!(events(&mut c), vec![Event::LogonRejected]);
    assert!(String::from_utf8_lossy(c.text()).contains("DefaultApplVerID 9 (FIX.5.0SP2)"));
}

#[test]
fn a_fixt_logon_without_default_appl_ver_id_is_refused() {
    let mut a = session(Fix50Sp2, Role::Acceptor);
    deliver(&mut a, T0, &logon_from_client(Fix50Sp2, 1, &[]));
    let text = &read(&drain(&mut a, T0), Fix50Sp2)[0].1;
    assert!(
        text.contains("|35=5|") && text.contains("has no DefaultApplVerID (1137), which FIXT.1.1 requires"),
        "{text}"
    );
    let mut a = session(Fix50Sp2, Role::Acceptor);
    deliver(&mut a, T0, &logon_from_client(Fix50Sp2, 1, &[(1137, b"6")]));
    let text = &read(&drain(&mut a, T0), Fix50Sp2)[0].1;
    assert!(text.contains("the Logon has DefaultApplVerID 6|"), "{text}");
}

#[test]
fn a_fix4_logon_on_a_fixt_gateway_is_refused_in_fixt_with_its_compids() {
    let mut c = session(Fix44, Role::Initiator);
    let mut a = session(Fix50Sp2, Role::Acceptor);
    deliver(&mut a, T0, &drain(&mut c, T0));
    a.refuse_other_version(T0);
    let text = &read(&drain(&mut a, T0), Fix50Sp2)[0].1;
    assert!(text.starts_with("8=FIXT.1.1|") && text.contains("|49=GATEWAY|56=FIXBLAST|"), "{text}");
    assert!(
        text.contains("|58=this gateway speaks FIXT.1.1 with DefaultApplVerID 9 (FIX.5.0SP2), the Logon was FIX.4.4|"),
        "{text}"
    );
}

#[test]
fn next_expected_msg_seq_num_is_sent_on_request_and_answered_in_kind() {
    let mut c = session(Fix44, Role::Initiator);
    c.cfg.next_expected = true;
    let mut a = session(Fix44, Role::Acceptor);
    let logon = drain(&mut c, T0);
    assert!(read(&logon, Fix44)[0].1.contains("|789=1|"), "the first MsgSeqNum expected after a reset");
    deliver(&mut a, T0, &logon);
    assert_eq!(events(&mut a), vec![Event::LoggedOn]);
    // The acceptor answers with its own: it has taken the Logon, MsgSeqNum 1.
    let reply = drain(&mut a, T0);
    assert!(read(&reply, Fix44)[0].1.contains("|789=2|"), "{}", read(&reply, Fix44)[0].1);
    deliver(&mut c, T0, &reply);
    assert_eq!(events(&mut c), vec![Event::LoggedOn]);
    // Without the flag, and to a peer that did not use it, no 789.
    let (mut c, mut a) = (session(Fix44, Role::Initiator), session(Fix44, Role::Acceptor));
    let logon = drain(&mut c, T0);
    deliver(&mut a, T0, &logon);
    assert!(!read(&logon, Fix44)[0].1.contains("|789="));
    assert!(!read(&drain(&mut a, T0), Fix44)[0].1.contains("|789="));
}

#[test]
fn a_peer_expecting_more_than_we_sent_ends_the_logon_with_a_logout_saying_so() {
    // Initiator: the gateway's Logon reply expects our MsgSeqNum 57; we have sent 1.
    let mut c = session(Fix44, Role::Initiator);
    drain(&mut c, T0);
    let reply = logon(Fix44, (b"GATEWAY", b"FIXBLAST"), 1, &[(141, b"Y"), (789, b"57")]);
    deliver(&mut c, T0, &reply);
    assert_eq!(events(&mut c), vec![Event::LogonUnusable]);
    assert_eq!(c.state(), State::Closed);
    let why = String::from_utf8_lossy(c.text()).into_owned();
    assert!(why.contains("NextExpectedMsgSeqNum (789) is 57 but our next MsgSeqNum is 2"), "{why}");
    let out = read(&drain(&mut c, T0), Fix44);
    assert!(out[0].1.contains("|35=5|") && out[0].1.contains(&why), "{}", out[0].1);
    // Acceptor: the same, refused with a Logout instead of a Logon.
    let mut a = session(Fix44, Role::Acceptor);
    deliver(&mut a, T0, &logon_from_client(Fix44, 1, &[(789, b"9")]));
    assert_eq!(events(&mut a), vec![]);
    let out = read(&drain(&mut a, T0), Fix44);
    assert_eq!(out.len(), 1);
    assert!(out[0].1.contains("|35=5|") && out[0].1.contains("(789) is 9 but our next MsgSeqNum is 1"), "{}", out[0].1);
}

#[test]
fn a_peer_expecting_less_than_we_sent_is_owed_a_gap_fill() {
    // The acceptor has sent 4 messages before (no reset); the peer expects 2.
    let mut a = session(Fix44, Role::Acceptor);
    a.next_out = 5;
    deliver(&mut a, T0, &logon_from_client(Fix44, 1, &[(789, b"2")]));
    assert_eq!(events(&mut a), vec![Event::LoggedOn]);
    let out = read(&drain(&mut a, T0), Fix44);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].1.contains("|35=A|") && out[0].1.contains("|34=5|"), "{}", out[0].1);
    assert!(
        out[1].1.contains("|35=4|") && out[1].1.contains("|34=2|") && out[1].1.contains("|123=Y|36=5|"),
        "{}",
        out[1].1
    );
    assert_eq!(events(&mut a), vec![Event::GapFillSent { begin: 2, new_seq: 5 }]);
}
