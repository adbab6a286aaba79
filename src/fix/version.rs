//! Which FIX version a session speaks: its BeginString, what its Logon carries, and how its
//! ExecutionReports say what happened to an order.
//!
//! FIX 4.2 and 4.4 differ on the wire in the BeginString and in how a fill is reported:
//! 4.2 says ExecType (150) `1` (partial fill) or `2` (fill); 4.4 replaced both with ExecType
//! `F` (Trade) and leaves "partial or whole" to OrdStatus (39) `1` or `2`. Cancels (150=4),
//! replaces (150=5), rejects (150=8), Done for day (150=3) and Expired (150=C) mean the same
//! in both.
//!
//! The 5.0 family (5.0, 5.0 SP1, 5.0 SP2) reads ExecutionReports as 4.4 does, but runs over
//! the FIXT.1.1 session layer: every message's BeginString is `FIXT.1.1` (one byte longer,
//! which is why nothing here assumes a length), and which application version the session
//! carries is said once, by DefaultApplVerID (1137) on the Logon: `7` (FIX.5.0), `8`
//! (FIX.5.0SP1) or `9` (FIX.5.0SP2). A message may name another with ApplVerID (1128).

use std::fmt;

/// A FIX version fixblast speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FixVersion {
    #[default]
    Fix42,
    Fix44,
    /// FIX 5.0 over FIXT.1.1.
    Fix50,
    /// FIX 5.0 SP1 over FIXT.1.1.
    Fix50Sp1,
    /// FIX 5.0 SP2 over FIXT.1.1.
    Fix50Sp2,
}

impl FixVersion {
    /// Every version, in the order `--fix-version` lists them.
    pub const ALL: [FixVersion; 5] =
        [FixVersion::Fix42, FixVersion::Fix44, FixVersion::Fix50, FixVersion::Fix50Sp1, FixVersion::Fix50Sp2];

    /// The BeginString (8) of every message of this version.
    pub const fn begin_string(self) -> &'static [u8] {
        match self {
            FixVersion::Fix42 => b"FIX.4.2",
            FixVersion::Fix44 => b"FIX.4.4",
            FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2 => b"FIXT.1.1",
        }
    }

    /// `8=<BeginString>|9=`: the bytes every message of this version starts with.
    pub const fn prefix(self) -> &'static [u8] {
        match self {
            FixVersion::Fix42 => b"8=FIX.4.2\x019=",
            FixVersion::Fix44 => b"8=FIX.4.4\x019=",
            FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2 => b"8=FIXT.1.1\x019=",
        }
    }

    /// Whether the session layer is FIXT.1.1 (the 5.0 family).
    pub const fn is_fixt(self) -> bool {
        self.appl_ver_id().is_some()
    }

    /// The ApplVerID (1128) and DefaultApplVerID (1137) value that names this application
    /// version over FIXT.1.1: `7`, `8` or `9`; `None` for the FIX 4 versions, which have no
    /// such field.
    pub const fn appl_ver_id(self) -> Option<&'static [u8]> {
        match self {
            FixVersion::Fix42 | FixVersion::Fix44 => None,
            FixVersion::Fix50 => Some(b"7"),
            FixVersion::Fix50Sp1 => Some(b"8"),
            FixVersion::Fix50Sp2 => Some(b"9"),
        }
    }

    /// Its name in the FIX specification and in an engine's settings: `FIX.4.4`,
    /// `FIX.5.0SP2`.
    pub const fn name(self) -> &'static str {
        match self {
            FixVersion::Fix42 => "FIX.4.2",
            FixVersion::Fix44 => "FIX.4.4",
            FixVersion::Fix50 => "FIX.5.0",
            FixVersion::Fix50Sp1 => "FIX.5.0SP1",
            FixVersion::Fix50Sp2 => "FIX.5.0SP2",
        }
    }

    /// How a message says it is in this version, for errors: `FIX.4.4`, or
    /// `FIXT.1.1 with DefaultApplVerID 9 (FIX.5.0SP2)`.
    pub fn on_the_wire(self) -> String {
        match self.appl_ver_id() {
            None => self.name().to_string(),
            Some(id) => format!("FIXT.1.1 with DefaultApplVerID {} ({})", char::from(id[0]), self.name()),
        }
    }

    /// The short name `--fix-version` and the result file use: `4.2`, `4.4`, `5.0sp2`.
    pub const fn label(self) -> &'static str {
        match self {
            FixVersion::Fix42 => "4.2",
            FixVersion::Fix44 => "4.4",
            FixVersion::Fix50 => "5.0",
            FixVersion::Fix50Sp1 => "5.0sp1",
            FixVersion::Fix50Sp2 => "5.0sp2",
        }
    }

    /// The version a short name (`4.2`, `5.0sp2`) or a specification name (`FIX.4.4`,
    /// `FIX.5.0SP2`) names.
    pub fn from_label(s: &str) -> Option<FixVersion> {
        FixVersion::ALL.into_iter().find(|v| s == v.label() || s == v.name())
    }

    /// The version a DefaultApplVerID (1137) or ApplVerID (1128) value names, if fixblast
    /// speaks it.
    pub fn from_appl_ver_id(id: &[u8]) -> Option<FixVersion> {
        FixVersion::ALL.into_iter().find(|v| v.appl_ver_id() == Some(id))
    }

    /// Whether a session in this version takes a message with ApplVerID (1128) `id` (empty
    /// when absent: the session's own). Over FIXT.1.1 any 5.0 version does, as they read
    /// orders and reports alike; the FIX 4 versions have no such field and ignore it.
    pub fn takes_appl_ver_id(self, id: &[u8]) -> bool {
        !self.is_fixt() || id.is_empty() || FixVersion::from_appl_ver_id(id).is_some_and(FixVersion::is_fixt)
    }

    /// A version whose BeginString opens `bytes` (`8=FIX.4.4|…`), if any: tells a peer in
    /// another version from plain garbage. For `FIXT.1.1` it is [`FixVersion::Fix50`]: which
    /// of the family only the Logon's DefaultApplVerID says.
    pub fn of_message(bytes: &[u8]) -> Option<FixVersion> {
        let prefix_len = |v: FixVersion| v.prefix().len() - 2;
        FixVersion::ALL.into_iter().find(|&v| bytes.starts_with(&v.prefix()[..prefix_len(v)]))
    }

    /// Whether SessionRejectReason (373) `code` is defined in this version. FIX 4.2 defines
    /// 0 to 11; 4.3 added 12 to 17 and 4.4 added 99 (Other); FIXT.1.1 added 18 (Invalid or
    /// unsupported application version).
    pub const fn defines_reject_reason(self, code: u32) -> bool {
        match self {
            FixVersion::Fix42 => code <= 11,
            FixVersion::Fix44 => code <= 17 || code == 99,
            FixVersion::Fix50 | FixVersion::Fix50Sp1 | FixVersion::Fix50Sp2 => code <= 18 || code == 99,
        }
    }

    /// The name of SessionRejectReason (373) `code` in this version, when it defines it.
    pub fn reject_reason_name(self, code: u32) -> Option<&'static str> {
        const NAMES: [&str; 19] = [
            "invalid tag number",
            "required tag missing",
            "tag not defined for this message type",
            "undefined tag",
            "tag specified without a value",
            "value is incorrect (out of range) for this tag",
            "incorrect data format for value",
            "decryption problem",
            "signature problem",
            "CompID problem",
            "SendingTime accuracy problem",
            "invalid MsgType",
            "XML validation error",
            "tag appears more than once",
            "tag specified out of required order",
            "repeating group fields out of order",
            "incorrect NumInGroup count for repeating group",
            "non-data value includes field delimiter",
            "invalid or unsupported application version",
        ];
        if !self.defines_reject_reason(code) {
            return None;
        }
        if code == 99 { Some("other") } else { NAMES.get(code as usize).copied() }
    }

    /// What an ExecutionReport with this ExecType (150) and OrdStatus (39) reports, read by
    /// this version's rules. Bytes are 0 when the field was absent.
    #[inline]
    pub fn exec_report(self, exec_type: u8, ord_status: u8) -> ExecReport {
        let fix42 = self == FixVersion::Fix42;
        match exec_type {
            b'0' => ExecReport::New,
            b'1' if fix42 => ExecReport::PartialFill,
            b'2' if fix42 => ExecReport::Fill,
            // Trade: 4.3 and later, the 5.0 family included.
            b'F' if !fix42 && ord_status == b'2' => ExecReport::Fill,
            b'F' if !fix42 => ExecReport::PartialFill,
            b'3' => ExecReport::DoneForDay,
            b'4' => ExecReport::Canceled,
            b'5' => ExecReport::Replaced,
            b'6' | b'E' | b'A' => ExecReport::Pending,
            b'8' => ExecReport::Rejected,
            b'C' => ExecReport::Expired,
            // Anything else (status, restated, absent): OrdStatus 2 still says filled.
            _ if ord_status == b'2' => ExecReport::Fill,
            _ => ExecReport::Other,
        }
    }
}

/// What one ExecutionReport says, whatever the version's codes for it
/// ([`FixVersion::exec_report`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecReport {
    /// Accepted (150=0).
    New,
    /// Part of the order traded; the rest still works.
    PartialFill,
    /// The whole order traded.
    Fill,
    /// Canceled (150=4).
    Canceled,
    /// Replaced (150=5).
    Replaced,
    /// Rejected (150=8).
    Rejected,
    /// Done for day (150=3): over, like a cancel by the venue.
    DoneForDay,
    /// Expired (150=C): over, like a cancel by the venue.
    Expired,
    /// Pending new, cancel or replace (150=A, 6, E): not yet the answer.
    Pending,
    /// Anything else (order status, restatement, …).
    Other,
}

impl ExecReport {
    /// Whether the order is over: nothing more will come for it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ExecReport::Fill
                | ExecReport::Rejected
                | ExecReport::Canceled
                | ExecReport::DoneForDay
                | ExecReport::Expired
        )
    }
}

impl fmt::Display for FixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::ExecReport::*;
    use super::FixVersion::{self, *};

    #[test]
    fn fix42_reports_fills_as_exec_type_1_and_2() {
        assert_eq!(Fix42.exec_report(b'1', b'1'), PartialFill);
        assert_eq!(Fix42.exec_report(b'2', b'2'), Fill);
        // 4.2 has no ExecType F; a report that still says OrdStatus 2 is a fill.
        assert_eq!(Fix42.exec_report(b'F', b'1'), Other);
        assert_eq!(Fix42.exec_report(b'F', b'2'), Fill);
    }

    #[test]
    fn fix44_reports_fills_as_trade_with_ord_status() {
        assert_eq!(Fix44.exec_report(b'F', b'1'), PartialFill);
        assert_eq!(Fix44.exec_report(b'F', b'2'), Fill);
        // 4.4 dropped ExecType 1 and 2: a 1 is not a partial fill there.
        assert_eq!(Fix44.exec_report(b'1', b'1'), Other);
    }

    #[test]
    fn cancels_replaces_rejects_and_ends_read_alike_in_both() {
        for v in FixVersion::ALL {
            assert_eq!(v.exec_report(b'0', b'0'), New);
            assert_eq!(v.exec_report(b'4', b'4'), Canceled);
            assert_eq!(v.exec_report(b'5', b'0'), Replaced);
            assert_eq!(v.exec_report(b'8', b'8'), Rejected);
            assert_eq!(v.exec_report(b'3', b'3'), DoneForDay);
            assert_eq!(v.exec_report(b'C', b'C'), Expired);
            assert_eq!(v.exec_report(b'6', b'6'), Pending);
            assert_eq!(v.exec_report(b'E', b'E'), Pending);
            assert!(v.exec_report(b'3', b'3').is_terminal() && v.exec_report(b'C', b'C').is_terminal());
            assert!(!v.exec_report(b'6', b'6').is_terminal());
        }
    }

    #[test]
    fn the_5_0_family_reads_fills_as_4_4_does() {
        for v in [Fix50, Fix50Sp1, Fix50Sp2] {
            assert_eq!(v.exec_report(b'F', b'1'), PartialFill, "{v}");
            assert_eq!(v.exec_report(b'F', b'2'), Fill, "{v}");
            assert_eq!(v.exec_report(b'1', b'1'), Other, "{v}");
            assert_eq!(v.exec_report(b'2', b'0'), Other, "{v}");
        }
    }

    #[test]
    fn labels_names_and_prefixes_agree() {
        for v in FixVersion::ALL {
            assert_eq!(FixVersion::from_label(v.label()), Some(v));
            assert_eq!(FixVersion::from_label(v.name()), Some(v));
            assert_eq!(v.prefix(), [b"8=", v.begin_string(), b"\x019="].concat());
            let theirs = FixVersion::of_message(&[b"8=", v.begin_string(), b"\x019=5\x01"].concat());
            assert_eq!(theirs.map(|t| t.begin_string()), Some(v.begin_string()));
        }
        assert_eq!(FixVersion::of_message(b"8=FIX.4.3\x019="), None);
        assert_eq!(FixVersion::from_label("FIXT.1.1"), None, "FIXT.1.1 names no application version");
        assert_eq!(FixVersion::default(), Fix42);
    }

    #[test]
    fn only_the_5_0_family_runs_over_fixt_and_names_its_appl_ver_id() {
        assert_eq!(Fix42.appl_ver_id(), None);
        assert_eq!(Fix44.appl_ver_id(), None);
        assert!(!Fix44.is_fixt());
        // FIXT.1.1 ApplVerID codes: 7 = FIX50, 8 = FIX50SP1, 9 = FIX50SP2.
        assert_eq!(Fix50.appl_ver_id(), Some(b"7".as_slice()));
        assert_eq!(Fix50Sp1.appl_ver_id(), Some(b"8".as_slice()));
        assert_eq!(Fix50Sp2.appl_ver_id(), Some(b"9".as_slice()));
        for v in [Fix50, Fix50Sp1, Fix50Sp2] {
            assert!(v.is_fixt());
            assert_eq!(v.begin_string(), b"FIXT.1.1");
            assert_eq!(FixVersion::from_appl_ver_id(v.appl_ver_id().unwrap()), Some(v));
        }
        assert_eq!(FixVersion::from_appl_ver_id(b"6"), None, "FIX 4.4's ApplVerID is not spoken over FIXT here");
        assert_eq!(Fix50Sp2.on_the_wire(), "FIXT.1.1 with DefaultApplVerID 9 (FIX.5.0SP2)");
        assert_eq!(Fix44.on_the_wire(), "FIX.4.4");
    }

    #[test]
    fn a_fixt_session_takes_every_5_0_appl_ver_id_and_no_other() {
        for v in [Fix50, Fix50Sp1, Fix50Sp2] {
            for id in [b"".as_slice(), b"7", b"8", b"9"] {
                assert!(v.takes_appl_ver_id(id), "{v} {id:?}");
            }
            for id in [b"6".as_slice(), b"2", b"10", b"x"] {
                assert!(!v.takes_appl_ver_id(id), "{v} {id:?}");
            }
        }
        assert!(Fix44.takes_appl_ver_id(b"6") && Fix42.takes_appl_ver_id(b"x"), "FIX 4 ignores 1128");
    }

    #[test]
    fn session_reject_reasons_follow_the_version() {
        assert!(Fix42.defines_reject_reason(11) && !Fix42.defines_reject_reason(13));
        assert!(!Fix42.defines_reject_reason(99));
        assert!(Fix44.defines_reject_reason(13) && Fix44.defines_reject_reason(99));
        assert!(!Fix44.defines_reject_reason(18), "18 (unsupported ApplVerID) is FIXT's");
        assert!(Fix50Sp2.defines_reject_reason(18) && !Fix50Sp2.defines_reject_reason(19));
        assert_eq!(Fix42.reject_reason_name(5), Some("value is incorrect (out of range) for this tag"));
        assert_eq!(Fix42.reject_reason_name(99), None);
        assert_eq!(Fix44.reject_reason_name(99), Some("other"));
        assert_eq!(Fix44.reject_reason_name(18), None);
        assert_eq!(Fix50.reject_reason_name(18), Some("invalid or unsupported application version"));
    }
}
