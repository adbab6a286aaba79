//! Framing and parsing of inbound FIX messages (4.2 and 4.4).
//!
//! [`frame`] finds one message at the start of a byte stream: it checks the version's `8=` (`8=FIX.4.2` by default), reads
//! BodyLength (at most 7 digits, checked arithmetic), checks that `10=` sits exactly where
//! BodyLength says and that its three digits equal the checksum. It answers with the
//! message's length, "need more bytes", or an error plus how many bytes to skip to get back
//! in step. [`parse`] then reads only the tags fixblast needs into a fixed [`Msg`] of byte
//! ranges into the caller's buffer. Neither allocates, and neither panics on any input.
//!
//! Both run once per reply on a worker's hot path, so both are written for it: `frame` reads
//! the prefix and BodyLength without a search call, and `parse` is a scanner specialised to
//! the tags in [`Msg`] (`scan.rs`: one pass that finds every SOH eight bytes at a time, and
//! one 8-byte load per field that checks its tag and looks it up in a small perfect-hash
//! table). They give exactly the answers, errors included, of the plain framer and parser
//! they replaced, which the tests and the fuzz targets keep as their oracle (`reference.rs`).
//! What both promise for every input is written once, in `props.rs`, for the property tests
//! and the fuzz targets (`fuzz/`, built with `--cfg fuzzing`).

mod frame;
mod scan;

pub use frame::{Frame, FrameError, frame, frame_as};

#[cfg(test)]
mod equivalence_tests;
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod props;
#[cfg(any(test, fuzzing))]
mod reference;
#[cfg(test)]
mod tests;

/// `8=FIX.4.2|9=`: every FIX 4.2 message starts with these bytes (the oracle's and the
/// property tests'; [`FixVersion::prefix`](crate::fix::FixVersion::prefix) has each version's).
const PREFIX: &[u8; 12] = b"8=FIX.4.2\x019=";
/// `|10=NNN|` is 7 bytes after the body.
const TRAILER_LEN: usize = 7;
/// BodyLength has at most this many digits.
const MAX_BODY_DIGITS: usize = 7;
/// The largest tag number the parser reads: 9 digits.
pub const MAX_TAG: u32 = 999_999_999;
/// The largest message fixblast accepts (1 MiB, what a transport inbox grows to); larger
/// ones are framing errors.
pub const MAX_MESSAGE: usize = 1 << 20;

/// Parses a non-negative decimal of 1 to 10 digits; `None` on anything else or overflow.
#[inline]
pub fn parse_uint(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    // Ten digits fit a u64: one range check at the end instead of one per digit.
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (d - b'0') as u64;
    }
    u32::try_from(v).ok()
}

/// A byte range inside the message a [`Msg`] was parsed from. Empty when the tag was absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The bytes of this span in `msg` (the same message it was parsed from).
    #[inline]
    pub fn get(self, msg: &[u8]) -> &[u8] {
        msg.get(self.start as usize..(self.start + self.len) as usize).unwrap_or(&[])
    }
}

/// MsgType (35) values fixblast acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgType {
    Heartbeat,
    TestRequest,
    ResendRequest,
    Reject,
    SequenceReset,
    Logout,
    Logon,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelReject,
    BusinessMessageReject,
    /// Any other MsgType, up to two bytes.
    Other([u8; 2]),
}

impl MsgType {
    #[inline]
    fn from_bytes(v: &[u8]) -> Option<MsgType> {
        Some(match v {
            b"0" => MsgType::Heartbeat,
            b"1" => MsgType::TestRequest,
            b"2" => MsgType::ResendRequest,
            b"3" => MsgType::Reject,
            b"4" => MsgType::SequenceReset,
            b"5" => MsgType::Logout,
            b"A" => MsgType::Logon,
            b"8" => MsgType::ExecutionReport,
            b"D" => MsgType::NewOrderSingle,
            b"9" => MsgType::OrderCancelReject,
            b"j" => MsgType::BusinessMessageReject,
            [a] => MsgType::Other([*a, 0]),
            [a, b] => MsgType::Other([*a, *b]),
            _ => return None,
        })
    }

    /// Its MsgType (35) value as sent: `D`, `8`, `AE`.
    pub fn code(self) -> String {
        let one = |b: u8| char::from(b).to_string();
        match self {
            MsgType::Heartbeat => one(b'0'),
            MsgType::TestRequest => one(b'1'),
            MsgType::ResendRequest => one(b'2'),
            MsgType::Reject => one(b'3'),
            MsgType::SequenceReset => one(b'4'),
            MsgType::Logout => one(b'5'),
            MsgType::Logon => one(b'A'),
            MsgType::ExecutionReport => one(b'8'),
            MsgType::NewOrderSingle => one(b'D'),
            MsgType::OrderCancelReject => one(b'9'),
            MsgType::BusinessMessageReject => one(b'j'),
            MsgType::Other([a, 0]) => one(a),
            MsgType::Other([a, b]) => String::from_utf8_lossy(&[a, b]).into_owned(),
        }
    }

    /// True for the session-level (administrative) messages.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            MsgType::Heartbeat
                | MsgType::TestRequest
                | MsgType::ResendRequest
                | MsgType::Reject
                | MsgType::SequenceReset
                | MsgType::Logout
                | MsgType::Logon
        )
    }
}

/// A message that could be framed but not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("malformed field (no '=' or a tag that is not a number)")]
    BadField,
    #[error("MsgType (35) missing or malformed")]
    BadMsgType,
    #[error("MsgSeqNum (34) missing or malformed")]
    BadSeqNum,
    #[error("tag {0} has a malformed value")]
    BadValue(u32),
}

/// The fields fixblast reads from an inbound message. Spans point into the message bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    pub msg_type: MsgType,
    pub seq: u32,
    pub poss_dup: bool,
    pub sender: Span,
    pub target: Span,
    pub cl_ord_id: Span,
    /// OrigClOrdID (41): the order a cancel or replace amends.
    pub orig_cl_ord_id: Span,
    pub order_id: Span,
    /// ExecType (150), 0 when absent.
    pub exec_type: u8,
    /// OrdStatus (39), 0 when absent.
    pub ord_status: u8,
    pub symbol: Span,
    pub side: Span,
    pub order_qty: Span,
    pub price: Span,
    pub test_req_id: Span,
    pub text: Span,
    pub begin_seq: u32,
    pub end_seq: u32,
    pub new_seq: u32,
    pub gap_fill: bool,
    pub reset_seq: bool,
    pub heart_bt_int: u32,
    pub ref_seq: u32,
    /// BusinessRejectRefID (379): in a BusinessMessageReject of an order, its ClOrdID.
    pub business_reject_ref_id: Span,
    /// SessionRejectReason (373) of a Reject (35=3), `None` when absent.
    pub reject_reason: Option<u32>,
    /// NextExpectedMsgSeqNum (789) on a Logon, 0 when absent (a MsgSeqNum is never 0).
    pub next_expected_seq: u32,
    /// DefaultApplVerID (1137) on a FIXT.1.1 Logon.
    pub default_appl_ver_id: Span,
    /// ApplVerID (1128): a FIXT.1.1 message's application version, when not the session's.
    pub appl_ver_id: Span,
}

/// Parses a message that [`frame`] accepted (the whole message, trailer included).
///
/// ```
/// use fixblast::fix::{parse::{parse, MsgType}, readable};
/// let m = readable("8=FIX.4.2|9=39|35=8|34=12|11=00000000000000a1|150=0|39=0|10=000|");
/// let msg = parse(&m).unwrap();
/// assert_eq!(msg.msg_type, MsgType::ExecutionReport);
/// assert_eq!(msg.seq, 12);
/// assert_eq!(msg.cl_ord_id.get(&m), b"00000000000000a1");
/// assert_eq!(msg.exec_type, b'0');
/// ```
#[inline]
pub fn parse(m: &[u8]) -> Result<Msg, ParseError> {
    scan::scan(m)
}
