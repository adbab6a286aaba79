//! Which FIX version a session speaks: its BeginString, and how that version's
//! ExecutionReports say what happened to an order.
//!
//! FIX 4.2 and 4.4 differ on the wire in the BeginString and in how a fill is reported:
//! 4.2 says ExecType (150) `1` (partial fill) or `2` (fill); 4.4 replaced both with ExecType
//! `F` (Trade) and leaves "partial or whole" to OrdStatus (39) `1` or `2`. Cancels (150=4),
//! replaces (150=5), rejects (150=8), Done for day (150=3) and Expired (150=C) mean the same
//! in both. The 5.0 family (over FIXT.1.1, issue 14) will be more members of [`FixVersion`]:
//! its BeginString is longer, which is why nothing here assumes a length.

use std::fmt;

/// A FIX version fixblast speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FixVersion {
    #[default]
    Fix42,
    Fix44,
}

impl FixVersion {
    /// Every version, in the order `--fix-version` lists them.
    pub const ALL: [FixVersion; 2] = [FixVersion::Fix42, FixVersion::Fix44];

    /// The BeginString (8) of every message of this version.
    pub const fn begin_string(self) -> &'static [u8] {
        match self {
            FixVersion::Fix42 => b"FIX.4.2",
            FixVersion::Fix44 => b"FIX.4.4",
        }
    }

    /// `8=<BeginString>|9=`: the bytes every message of this version starts with.
    pub const fn prefix(self) -> &'static [u8] {
        match self {
            FixVersion::Fix42 => b"8=FIX.4.2\x019=",
            FixVersion::Fix44 => b"8=FIX.4.4\x019=",
        }
    }

    /// The short name `--fix-version` and the result file use: `4.2`, `4.4`.
    pub const fn label(self) -> &'static str {
        match self {
            FixVersion::Fix42 => "4.2",
            FixVersion::Fix44 => "4.4",
        }
    }

    /// The version a short name (`4.2`, `4.4`) or a BeginString (`FIX.4.4`) names.
    pub fn from_label(s: &str) -> Option<FixVersion> {
        FixVersion::ALL.into_iter().find(|v| s == v.label() || s.as_bytes() == v.begin_string())
    }

    /// The version whose BeginString opens `bytes` (`8=FIX.4.4|…`), if any: tells a peer in
    /// another version from plain garbage.
    pub fn of_message(bytes: &[u8]) -> Option<FixVersion> {
        let prefix_len = |v: FixVersion| v.prefix().len() - 2;
        FixVersion::ALL.into_iter().find(|&v| bytes.starts_with(&v.prefix()[..prefix_len(v)]))
    }

    /// What an ExecutionReport with this ExecType (150) and OrdStatus (39) reports, read by
    /// this version's rules. Bytes are 0 when the field was absent.
    #[inline]
    pub fn exec_report(self, exec_type: u8, ord_status: u8) -> ExecReport {
        match (self, exec_type) {
            (_, b'0') => ExecReport::New,
            (FixVersion::Fix42, b'1') => ExecReport::PartialFill,
            (FixVersion::Fix42, b'2') => ExecReport::Fill,
            (FixVersion::Fix44, b'F') if ord_status == b'2' => ExecReport::Fill,
            (FixVersion::Fix44, b'F') => ExecReport::PartialFill,
            (_, b'3') => ExecReport::DoneForDay,
            (_, b'4') => ExecReport::Canceled,
            (_, b'5') => ExecReport::Replaced,
            (_, b'6' | b'E' | b'A') => ExecReport::Pending,
            (_, b'8') => ExecReport::Rejected,
            (_, b'C') => ExecReport::Expired,
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
    fn labels_begin_strings_and_prefixes_agree() {
        for v in FixVersion::ALL {
            assert_eq!(FixVersion::from_label(v.label()), Some(v));
            let b = std::str::from_utf8(v.begin_string()).unwrap();
            assert_eq!(FixVersion::from_label(b), Some(v));
            assert_eq!(v.prefix(), [b"8=", v.begin_string(), b"\x019="].concat());
            assert_eq!(FixVersion::of_message(&[b"8=", v.begin_string(), b"\x019=5\x01"].concat()), Some(v));
        }
        assert_eq!(FixVersion::from_label("5.0"), None);
        assert_eq!(FixVersion::of_message(b"8=FIX.4.3\x019="), None);
        assert_eq!(FixVersion::default(), Fix42);
    }
}
