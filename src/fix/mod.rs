//! FIX protocol code (4.2 and 4.4, see [`version`]): checksum, encoding, framing and parsing, timestamps, the
//! pre-encoded order template, ClOrdID slots and the session state machine.
//!
//! This module owns the bytes of FIX and nothing else. It has no sockets, no clock and no
//! threads: every function takes bytes (and, where time matters, `now` as UTC nanoseconds
//! supplied by the caller) and gives bytes, events or errors back. That is what lets the
//! session layer be tested on a virtual clock and the template be checked against a plain
//! encoder. `.ci/run` enforces the wall with a grep.
#![forbid(unsafe_code)]

pub mod checksum;
pub mod clordid;
pub mod encode;
pub mod feed;
pub mod fields;
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod order_props;
#[cfg(test)]
mod order_tests;
pub mod parse;
pub mod session;
pub mod template;
pub mod time;
pub mod value;
pub mod version;

pub use version::FixVersion;

/// The FIX field delimiter.
pub const SOH: u8 = 0x01;

/// The BeginString of FIX 4.2, the default version.
pub const BEGIN_STRING: &[u8] = FixVersion::Fix42.begin_string();

/// Turns readable FIX (with `|` for SOH) into wire bytes. Used by tests, doctests and the
/// template loader, so that messages in this repository can be read by people.
///
/// ```
/// assert_eq!(fixblast::fix::readable("35=0|"), b"35=0\x01");
/// ```
pub fn readable(s: &str) -> Vec<u8> {
    s.bytes().map(|b| if b == b'|' { SOH } else { b }).collect()
}

/// Turns wire bytes into readable FIX (SOH shown as `|`), for error messages and logs.
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            SOH => '|',
            0x20..=0x7e => b as char,
            _ => '?',
        })
        .collect()
}

/// Tag numbers used by fixblast.
pub mod tag {
    pub const BEGIN_STRING: u32 = 8;
    pub const BODY_LENGTH: u32 = 9;
    pub const CHECKSUM: u32 = 10;
    pub const MSG_TYPE: u32 = 35;
    pub const SENDER_COMP_ID: u32 = 49;
    pub const TARGET_COMP_ID: u32 = 56;
    pub const MSG_SEQ_NUM: u32 = 34;
    pub const SENDING_TIME: u32 = 52;
    pub const POSS_DUP_FLAG: u32 = 43;
    pub const ORIG_SENDING_TIME: u32 = 122;
    pub const BEGIN_SEQ_NO: u32 = 7;
    pub const END_SEQ_NO: u32 = 16;
    pub const NEW_SEQ_NO: u32 = 36;
    pub const GAP_FILL_FLAG: u32 = 123;
    pub const TEST_REQ_ID: u32 = 112;
    pub const ENCRYPT_METHOD: u32 = 98;
    pub const HEART_BT_INT: u32 = 108;
    pub const RESET_SEQ_NUM_FLAG: u32 = 141;
    pub const USERNAME: u32 = 553;
    pub const PASSWORD: u32 = 554;
    pub const TEXT: u32 = 58;
    pub const REF_SEQ_NUM: u32 = 45;
    pub const REF_MSG_TYPE: u32 = 372;
    pub const BUSINESS_REJECT_REF_ID: u32 = 379;
    pub const BUSINESS_REJECT_REASON: u32 = 380;
    pub const SESSION_REJECT_REASON: u32 = 373;
    pub const NEXT_EXPECTED_MSG_SEQ_NUM: u32 = 789;
    pub const APPL_VER_ID: u32 = 1128;
    pub const DEFAULT_APPL_VER_ID: u32 = 1137;
    pub const CL_ORD_ID: u32 = 11;
    pub const ORDER_ID: u32 = 37;
    pub const EXEC_ID: u32 = 17;
    pub const EXEC_TRANS_TYPE: u32 = 20;
    pub const EXEC_TYPE: u32 = 150;
    pub const ORD_STATUS: u32 = 39;
    pub const HANDL_INST: u32 = 21;
    pub const SYMBOL: u32 = 55;
    pub const SIDE: u32 = 54;
    pub const TRANSACT_TIME: u32 = 60;
    pub const ORDER_QTY: u32 = 38;
    pub const ORD_TYPE: u32 = 40;
    pub const PRICE: u32 = 44;
    pub const TIME_IN_FORCE: u32 = 59;
    pub const ORIG_CL_ORD_ID: u32 = 41;
    pub const CXL_REJ_RESPONSE_TO: u32 = 434;
    pub const CXL_REJ_REASON: u32 = 102;
    pub const LAST_SHARES: u32 = 32;
    pub const LAST_PX: u32 = 31;
    pub const LEAVES_QTY: u32 = 151;
    pub const CUM_QTY: u32 = 14;
    pub const AVG_PX: u32 = 6;
    pub const ORD_REJ_REASON: u32 = 103;
}
