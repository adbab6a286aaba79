//! ClOrdIDs on the wire: `--clordid-prefix` goes in front of every ClOrdID and OrigClOrdID,
//! each run's ClOrdIDs share one random tag, and a bad prefix is refused naming the flag.

use super::fake::{Fault, recording};
use super::{QUICK, SYSCALL, bin, run};
use fixblast::fix::printable;
use std::collections::HashSet;

fn args<'a>(target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = QUICK.to_vec();
    v.extend_from_slice(SYSCALL);
    v.extend_from_slice(&["--target", target, "--rate", "1000"]);
    v.extend_from_slice(extra);
    v
}

/// The value of `tag` in a message, if present.
fn field(raw: &[u8], tag: u32) -> Option<String> {
    let text = printable(raw);
    let key = format!("{tag}=");
    text.split('|').find_map(|f| f.strip_prefix(&key).map(str::to_string))
}

#[test]
fn the_prefix_goes_in_front_of_every_clordid_and_origclordid_on_the_wire() {
    const PREFIX: &str = "T1/x-";
    let (target, received) = recording(Fault::None);
    let out = run(&args(&target, &["--mix", "new=2,cancel=1,replace=1", "--clordid-prefix", PREFIX])).unwrap();
    let r = &out.result;
    assert_eq!(out.exit_code(), 0, "{:?}", r.status);
    // Every reply echoed the prefixed ClOrdID and was matched to its order.
    assert_eq!(r.errors.total, 0, "{:?}", r.errors);
    assert_eq!(r.config.clordid_prefix.as_deref(), Some(PREFIX));
    let got = received.lock().unwrap();
    assert!(got.len() >= 1000, "{}", got.len());
    let (mut ids, mut amends) = (HashSet::new(), 0);
    let mut tag = None;
    for raw in got.iter() {
        let id = field(raw, 11).unwrap_or_else(|| panic!("no ClOrdID: {}", printable(raw)));
        assert!(id.starts_with(PREFIX), "{id}");
        assert_eq!(id.len(), PREFIX.len() + 20, "fixed width: {id}");
        // One run, one tag: the 7 characters after the prefix.
        let t = id[PREFIX.len()..PREFIX.len() + 7].to_string();
        let first = tag.get_or_insert_with(|| t.clone());
        assert_eq!(*first, t, "{id}");
        assert!(ids.insert(id.clone()), "ClOrdID {id} sent twice");
        if let Some(orig) = field(raw, 41) {
            assert!(orig.starts_with(PREFIX) && orig.len() == id.len(), "{}", printable(raw));
            amends += 1;
        }
    }
    assert!(amends >= 400, "cancels and replaces name their orders: {amends}");
}

#[test]
fn a_bad_prefix_exits_2_naming_the_flag_the_value_and_what_is_allowed() {
    for (bad, why) in
        [("a|b", "has '|'"), ("ABCDEFGHIJKLMNOPQ", "has 17 characters"), ("a b", "has ' '"), ("", "is empty")]
    {
        let e = run(&["--clordid-prefix", bad]).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert_eq!(e.exit_code(), 2, "{e}");
        let text = e.to_string();
        assert!(text.starts_with(&format!("--clordid-prefix {bad:?}: {why}")), "{text}");
        assert!(text.contains("1 to 16 printable ASCII characters, without spaces, SOH or '|'"), "{text}");
    }
    let out = bin().args(["run", "--clordid-prefix", "x\u{1}y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(r#"--clordid-prefix "x\u{1}y": has '\u{1}'"#), "{stderr}");
}
