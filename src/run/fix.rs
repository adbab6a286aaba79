//! The FIX version's part of a run's configuration: the templates built in for each
//! version (`fix-templates/`, `fix-templates/fix44/`, `fix-templates/fix50/`), and `--logon-field`, validated once.

use crate::error::{Error, usage};
use crate::fix::template::Kind;
use crate::fix::{FixVersion, SOH, tag};

/// The FIX 4.2 NewOrderSingle shipped in `fix-templates/`, built in so the binary works
/// from anywhere.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../fix-templates/new-order-single.fix");

/// The built-in template of `kind` for `version`, and the file it came from.
pub fn builtin_template(version: FixVersion, kind: Kind) -> (&'static str, &'static str) {
    match (version, kind) {
        (FixVersion::Fix42, Kind::New) => (DEFAULT_TEMPLATE, "fix-templates/new-order-single.fix"),
        (FixVersion::Fix42, Kind::Cancel) => {
            (include_str!("../../fix-templates/order-cancel-request.fix"), "fix-templates/order-cancel-request.fix")
        }
        (FixVersion::Fix42, Kind::Replace) => (
            include_str!("../../fix-templates/order-cancel-replace-request.fix"),
            "fix-templates/order-cancel-replace-request.fix",
        ),
        (FixVersion::Fix44, Kind::New) => {
            (include_str!("../../fix-templates/fix44/new-order-single.fix"), "fix-templates/fix44/new-order-single.fix")
        }
        (FixVersion::Fix44, Kind::Cancel) => (
            include_str!("../../fix-templates/fix44/order-cancel-request.fix"),
            "fix-templates/fix44/order-cancel-request.fix",
        ),
        (FixVersion::Fix44, Kind::Replace) => (
            include_str!("../../fix-templates/fix44/order-cancel-replace-request.fix"),
            "fix-templates/fix44/order-cancel-replace-request.fix",
        ),
        (FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2, Kind::New) => {
            (include_str!("../../fix-templates/fix50/new-order-single.fix"), "fix-templates/fix50/new-order-single.fix")
        }
        (FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2, Kind::Cancel) => (
            include_str!("../../fix-templates/fix50/order-cancel-request.fix"),
            "fix-templates/fix50/order-cancel-request.fix",
        ),
        (FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2, Kind::Replace) => (
            include_str!("../../fix-templates/fix50/order-cancel-replace-request.fix"),
            "fix-templates/fix50/order-cancel-replace-request.fix",
        ),
    }
}

/// Tags a `--logon-field` may not set: the header and trailer, and what fixblast writes on
/// its Logon itself.
const OWN_TAGS: [(u32, &str); 14] = [
    (tag::BEGIN_STRING, "BeginString"),
    (tag::BODY_LENGTH, "BodyLength"),
    (tag::CHECKSUM, "CheckSum"),
    (tag::MSG_TYPE, "MsgType"),
    (tag::SENDER_COMP_ID, "SenderCompID"),
    (tag::TARGET_COMP_ID, "TargetCompID"),
    (tag::MSG_SEQ_NUM, "MsgSeqNum"),
    (tag::SENDING_TIME, "SendingTime"),
    (tag::ENCRYPT_METHOD, "EncryptMethod"),
    (tag::HEART_BT_INT, "HeartBtInt (--heartbeat)"),
    (tag::RESET_SEQ_NUM_FLAG, "ResetSeqNumFlag (--reset-seq)"),
    (tag::USERNAME, "Username (--username)"),
    (tag::DEFAULT_APPL_VER_ID, "DefaultApplVerID (--fix-version)"),
    (tag::NEXT_EXPECTED_MSG_SEQ_NUM, "NextExpectedMsgSeqNum (--next-expected-seq)"),
];

/// Other header tags a Logon field must not be (they would sit in the body).
const HEADER_TAGS: [u32; 8] = [43, 97, 115, 122, 128, 50, 57, 369];

/// Validates `--next-expected-seq` against the version: NextExpectedMsgSeqNum (789) came
/// with FIX 4.4, and a FIX 4.2 gateway would reject a Logon that carries it.
pub fn next_expected(wanted: bool, version: FixVersion) -> Result<bool, Error> {
    if wanted && version == FixVersion::Fix42 {
        return usage(
            "--next-expected-seq: NextExpectedMsgSeqNum (789) is FIX 4.4 and later; pick --fix-version 4.4 or 5.0*",
        );
    }
    Ok(wanted)
}

/// Validates `--logon-field TAG=VALUE` values, in the order given.
pub fn logon_fields(values: &[String]) -> Result<Vec<(u32, Vec<u8>)>, Error> {
    let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
    for v in values {
        let bad = |why: String| usage(format!("--logon-field {v:?}: {why}"));
        let Some((t, value)) = v.split_once('=') else { return bad("expected TAG=VALUE".into()) };
        let tag_no: u32 = match t.parse() {
            Ok(n) if n > 0 && n <= 999_999_999 && t.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return bad(format!("{t:?} is not a tag number (1 to 999999999)")),
        };
        if let Some((_, name)) = OWN_TAGS.iter().find(|(o, _)| *o == tag_no) {
            return bad(format!("tag {tag_no} is {name}, which fixblast writes itself"));
        }
        if tag_no == tag::PASSWORD {
            return bad("tag 554 is Password, which fixblast writes itself (--password)".into());
        }
        if HEADER_TAGS.contains(&tag_no) {
            return bad(format!("tag {tag_no} belongs in the standard header, not the Logon's body"));
        }
        if value.is_empty() {
            return bad("the value is empty; FIX has no empty fields".into());
        }
        if let Some(c) = value.bytes().find(|&b| b == SOH || !(0x20..0x7f).contains(&b)) {
            return bad(format!("the value has byte 0x{c:02x}; printable ASCII only"));
        }
        if out.iter().any(|(o, _)| *o == tag_no) {
            return bad(format!("tag {tag_no} is given twice"));
        }
        out.push((tag_no, value.as_bytes().to_vec()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::template::TemplateSpec;

    fn err(v: &str) -> String {
        logon_fields(&[v.to_string()]).unwrap_err().to_string()
    }

    #[test]
    fn logon_fields_keep_their_order() {
        let got = logon_fields(&["1408=1.0".into(), "95=4".into(), "96=abcd".into()]).unwrap();
        assert_eq!(got, vec![(1408, b"1.0".to_vec()), (95, b"4".to_vec()), (96, b"abcd".to_vec())]);
    }

    #[test]
    fn a_bad_logon_field_names_the_flag_and_why() {
        for (v, why) in [
            ("1408", "expected TAG=VALUE"),
            ("abc=1", "is not a tag number"),
            ("0=1", "is not a tag number"),
            ("-5=1", "is not a tag number"),
            ("35=A", "MsgType"),
            ("8=FIX.4.4", "BeginString"),
            ("10=000", "CheckSum"),
            ("108=30", "HeartBtInt"),
            ("141=Y", "ResetSeqNumFlag"),
            ("1137=9", "DefaultApplVerID (--fix-version)"),
            ("789=1", "--next-expected-seq"),
            ("554=x", "Password"),
            ("43=Y", "standard header"),
            ("1408=", "empty"),
            ("1408=a\x01b", "0x01"),
        ] {
            let e = err(v);
            assert!(e.contains("--logon-field") && e.contains(why), "{v}: {e}");
        }
        let e = logon_fields(&["1408=1".into(), "1408=2".into()]).unwrap_err().to_string();
        assert!(e.contains("given twice"), "{e}");
    }

    #[test]
    fn every_builtin_template_passes_its_versions_check() {
        for v in FixVersion::ALL {
            for k in Kind::ALL {
                let (text, file) = builtin_template(v, k);
                let spec = TemplateSpec::parse_as(text, file, v).unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_eq!((spec.kind, spec.version), (k, v), "{file}");
            }
        }
    }

    #[test]
    fn the_44_new_order_has_no_handl_inst_and_42_requires_it() {
        let (text, _) = builtin_template(FixVersion::Fix44, Kind::New);
        assert!(!text.lines().any(|l| l.starts_with("21=")));
        let e = TemplateSpec::parse_as(text, "t.fix", FixVersion::Fix42).unwrap_err().to_string();
        assert!(e.contains("FIX 4.2 requires HandlInst (21)"), "{e}");
    }

    #[test]
    fn a_44_template_without_transact_time_is_told_what_is_missing() {
        let (text, _) = builtin_template(FixVersion::Fix44, Kind::New);
        let no_time: String = text.lines().filter(|l| !l.starts_with("60=")).map(|l| format!("{l}\n")).collect();
        let e = TemplateSpec::parse_as(&no_time, "t.fix", FixVersion::Fix44).unwrap_err().to_string();
        assert!(e.contains("FIX 4.4 requires TransactTime (60)"), "{e}");
        let e = TemplateSpec::parse_as(&no_time, "t.fix", FixVersion::Fix42).unwrap_err().to_string();
        assert!(e.contains("HandlInst (21), TransactTime (60)"), "{e}");
    }
}
