//! The scanner behind [`parse`](super::parse), specialised to the tags in [`Msg`].
//!
//! One pass over the message finds every SOH eight bytes at a time (an exact zero-byte test on
//! a `u64`, a few instructions per word and no call), so the start of each field comes from a
//! bit mask rather than from a search that waits on the field before it. Per field, one
//! 8-byte load at its start does the rest without a loop over the tag:
//!
//! - subtracting `'0'` from every byte turns the tag's digits into their values, and the first
//!   byte that is not a digit must be the `=`, after 1 to 7 digits;
//! - those digit values, shifted to the top of the word, are the tag's **key**: one number per
//!   tag, whatever its leading zeros (`035` and `35` have the same key);
//! - a multiply and a shift hash the key into a 64-entry table built at compile time from
//!   [`FIELDS`]; the entry holds the key it belongs to and the field's slot, a small number;
//! - one `match` on the slot stores the value's span in its `Msg` field or checks and
//!   converts it. For a stream of similar replies the jump is predicted, so a field nobody
//!   reads costs the load, the hash and nothing more.
//!
//! The fields `8=FIX.4.x` (or `8=FIXT.1.1`), `9=…` and `10=NNN` are not scanned when they frame the message as
//! usual: nobody reads them and they cannot be malformed. Every other field goes through the
//! same checks as in the old parser, in the same order, so malformed input is refused with
//! the same error: a tag of 8 or more digits, or a malformed field, takes the old byte loop
//! ([`slow_tag`]), and values are checked as their field is met, so the first bad field is the
//! one reported.
//!
//! Measured against the alternatives (bench/README.md): a branch-free variant that stored
//! every span through the slot as an array index, and one that checked values after the pass,
//! were no faster than the old parser on the benchmark machine: the stores waited on the hash
//! lookup, and finding a checked tag twice (to stay exact) cost what deferring saved.

use super::{Msg, MsgType, PREFIX, ParseError, Span, parse_uint};

/// `8=FIXT.1.1|9=`: the start of every message of the FIX 5.0 family.
const FIXT_PREFIX: &[u8] = crate::fix::FixVersion::Fix50.prefix();
use crate::fix::{SOH, tag};

/// Which field of [`Msg`] a tag fills: a small number for [`scan`]'s `match`.
mod slot {
    pub const IGNORED: u8 = 0;
    pub const SENDER: u8 = 1;
    pub const TARGET: u8 = 2;
    pub const CL_ORD_ID: u8 = 3;
    pub const ORIG_CL_ORD_ID: u8 = 4;
    pub const ORDER_ID: u8 = 5;
    pub const SYMBOL: u8 = 6;
    pub const SIDE: u8 = 7;
    pub const ORDER_QTY: u8 = 8;
    pub const PRICE: u8 = 9;
    pub const TEST_REQ_ID: u8 = 10;
    pub const TEXT: u8 = 11;
    pub const MSG_TYPE: u8 = 12;
    pub const SEQ: u8 = 13;
    pub const EXEC_TYPE: u8 = 14;
    pub const ORD_STATUS: u8 = 15;
    pub const POSS_DUP: u8 = 16;
    pub const BEGIN_SEQ: u8 = 17;
    pub const END_SEQ: u8 = 18;
    pub const NEW_SEQ: u8 = 19;
    pub const GAP_FILL: u8 = 20;
    pub const RESET_SEQ: u8 = 21;
    pub const HEART_BT_INT: u8 = 22;
    pub const REF_SEQ: u8 = 23;
    pub const BUSINESS_REJECT_REF_ID: u8 = 24;
    pub const DEFAULT_APPL_VER_ID: u8 = 25;
    pub const REJECT_REASON: u8 = 26;
    pub const NEXT_EXPECTED: u8 = 27;
    pub const APPL_VER_ID: u8 = 28;
}

/// The tags [`Msg`] holds, and their slots: the one list to change when `Msg` reads another
/// tag (then add its slot above and its arm in [`scan`] or [`check_session`]).
const FIELDS: [(u32, u8); 28] = [
    (tag::SENDER_COMP_ID, slot::SENDER),
    (tag::TARGET_COMP_ID, slot::TARGET),
    (tag::CL_ORD_ID, slot::CL_ORD_ID),
    (tag::ORIG_CL_ORD_ID, slot::ORIG_CL_ORD_ID),
    (tag::ORDER_ID, slot::ORDER_ID),
    (tag::SYMBOL, slot::SYMBOL),
    (tag::SIDE, slot::SIDE),
    (tag::ORDER_QTY, slot::ORDER_QTY),
    (tag::PRICE, slot::PRICE),
    (tag::TEST_REQ_ID, slot::TEST_REQ_ID),
    (tag::TEXT, slot::TEXT),
    (tag::MSG_TYPE, slot::MSG_TYPE),
    (tag::MSG_SEQ_NUM, slot::SEQ),
    (tag::EXEC_TYPE, slot::EXEC_TYPE),
    (tag::ORD_STATUS, slot::ORD_STATUS),
    (tag::POSS_DUP_FLAG, slot::POSS_DUP),
    (tag::BEGIN_SEQ_NO, slot::BEGIN_SEQ),
    (tag::END_SEQ_NO, slot::END_SEQ),
    (tag::NEW_SEQ_NO, slot::NEW_SEQ),
    (tag::GAP_FILL_FLAG, slot::GAP_FILL),
    (tag::RESET_SEQ_NUM_FLAG, slot::RESET_SEQ),
    (tag::HEART_BT_INT, slot::HEART_BT_INT),
    (tag::REF_SEQ_NUM, slot::REF_SEQ),
    (tag::BUSINESS_REJECT_REF_ID, slot::BUSINESS_REJECT_REF_ID),
    (tag::DEFAULT_APPL_VER_ID, slot::DEFAULT_APPL_VER_ID),
    (tag::SESSION_REJECT_REASON, slot::REJECT_REASON),
    (tag::NEXT_EXPECTED_MSG_SEQ_NUM, slot::NEXT_EXPECTED),
    (tag::APPL_VER_ID, slot::APPL_VER_ID),
];

/// Tags with keys have at most this many digits: the key of an 8-digit tag would need the
/// word's lowest byte, where the table keeps the slot.
const MAX_KEY_DIGITS: u32 = 7;
/// The table has `1 << BUCKET_BITS` entries.
const BUCKET_BITS: u32 = 6;

const REPEAT_01: u64 = 0x0101_0101_0101_0101;
const REPEAT_30: u64 = 0x3030_3030_3030_3030;
const REPEAT_76: u64 = 0x7676_7676_7676_7676;
const REPEAT_7F: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The key of `tag` (at most [`MAX_KEY_DIGITS`] digits): its digit values, most significant
/// first, in the top bytes of a word, as [`field`] computes it from the bytes on the wire.
const fn key_of(tag: u32) -> u64 {
    let mut key = 0u64;
    let mut t = tag;
    let mut shift = 56;
    loop {
        key |= ((t % 10) as u64) << shift;
        t /= 10;
        if t == 0 {
            return key;
        }
        shift -= 8;
    }
}

/// A perfect hash of the keys of [`FIELDS`]: the multiplier, and the table of `key | slot`
/// (empty entries are 0, which is the key of tag 0 with slot IGNORED: harmless). Found at
/// compile time by trying multipliers from a fixed xorshift sequence until no two keys share
/// a bucket, so adding a tag to `FIELDS` needs no hand-found constant; the assert makes a
/// table that cannot be built a compile error.
const TABLE: (u64, [u64; 1 << BUCKET_BITS]) = {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut tries = 0;
    loop {
        assert!(tries < 100_000, "no perfect hash for FIELDS: raise BUCKET_BITS");
        tries += 1;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mul = seed | 1;
        let mut table = [0u64; 1 << BUCKET_BITS];
        let mut i = 0;
        while i < FIELDS.len() {
            let (t, s) = FIELDS[i];
            assert!(t != 0 && t < 10u32.pow(MAX_KEY_DIGITS), "FIELDS: tag out of range");
            assert!(
                t != tag::BEGIN_STRING && t != tag::BODY_LENGTH && t != tag::CHECKSUM,
                "FIELDS: scan skips the framing fields 8, 9 and 10 (fields_between)"
            );
            let key = key_of(t);
            let h = bucket(key, mul);
            if table[h] != 0 {
                break;
            }
            table[h] = key | s as u64;
            i += 1;
        }
        if i == FIELDS.len() {
            break (mul, table);
        }
    }
};

#[inline(always)]
const fn bucket(key: u64, mul: u64) -> usize {
    (key.wrapping_mul(mul) >> (64 - BUCKET_BITS)) as usize
}

/// The slot of the tag whose key is `key`.
#[inline(always)]
fn slot_of(key: u64) -> u8 {
    let entry = TABLE.1[bucket(key, TABLE.0)];
    if entry & !0xff == key { entry as u8 } else { slot::IGNORED }
}

/// High bit set in exactly the bytes of `word` that are SOH (no false positives, unlike the
/// shorter test that only answers "is there one").
#[inline(always)]
fn soh_bytes(word: u64) -> u64 {
    let t = word ^ REPEAT_01;
    !((t & REPEAT_7F).wrapping_add(REPEAT_7F) | t | REPEAT_7F)
}

/// The 8 bytes of `m` from `at` (`at < m.len()`), zero past its end, as a little-endian word.
#[inline(always)]
fn word_at(m: &[u8], at: usize) -> u64 {
    if at + 8 <= m.len() { u64::from_le_bytes(m[at..at + 8].try_into().expect("8 bytes")) } else { tail_word(m, at) }
}

/// [`word_at`] for the last 7 bytes.
#[inline(never)]
fn tail_word(m: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    let tail = m.get(at..).unwrap_or(&[]);
    w[..tail.len()].copy_from_slice(tail);
    u64::from_le_bytes(w)
}

/// Parses a message: see the module doc. Gives what the plain parser gave, errors included.
#[inline(never)]
pub(super) fn scan(m: &[u8]) -> Result<Msg, ParseError> {
    let mut msg = EMPTY;
    let mut have_type = false;
    let mut have_seq = false;
    let (mut fstart, end) = fields_between(m);
    let m = &m[..end];
    let mut base = fstart;
    while base < m.len() {
        let mut sohs = soh_bytes(word_at(m, base));
        while sohs != 0 {
            let soh = base + (sohs.trailing_zeros() / 8) as usize;
            sohs &= sohs - 1;
            let (slot, digits) = match fast_tag(m, fstart) {
                Some(t) => t,
                None => slow_tag(&m[fstart..soh])?,
            };
            let vstart = fstart + digits + 1;
            let span = Span { start: vstart as u32, len: (soh - vstart) as u32 };
            // Sliced only in the arms that read it: no bounds checks for the other fields.
            let value = || &m[vstart..soh];
            // One indirect jump on a small number: for a stream of similar replies its target
            // is predicted, and each arm stores to a fixed place.
            match slot {
                slot::IGNORED => {}
                slot::SENDER => msg.sender = span,
                slot::TARGET => msg.target = span,
                slot::CL_ORD_ID => msg.cl_ord_id = span,
                slot::ORIG_CL_ORD_ID => msg.orig_cl_ord_id = span,
                slot::ORDER_ID => msg.order_id = span,
                slot::SYMBOL => msg.symbol = span,
                slot::SIDE => msg.side = span,
                slot::ORDER_QTY => msg.order_qty = span,
                slot::PRICE => msg.price = span,
                slot::TEST_REQ_ID => msg.test_req_id = span,
                slot::TEXT => msg.text = span,
                slot::BUSINESS_REJECT_REF_ID => msg.business_reject_ref_id = span,
                slot::DEFAULT_APPL_VER_ID => msg.default_appl_ver_id = span,
                slot::APPL_VER_ID => msg.appl_ver_id = span,
                slot::MSG_TYPE => {
                    msg.msg_type = MsgType::from_bytes(value()).ok_or(ParseError::BadMsgType)?;
                    have_type = true;
                }
                slot::SEQ => {
                    msg.seq = parse_uint(value()).ok_or(ParseError::BadSeqNum)?;
                    have_seq = true;
                }
                slot::EXEC_TYPE => msg.exec_type = single_char(value()).ok_or(ParseError::BadValue(tag::EXEC_TYPE))?,
                slot::ORD_STATUS => {
                    msg.ord_status = single_char(value()).ok_or(ParseError::BadValue(tag::ORD_STATUS))?
                }
                _ => check_session(&mut msg, slot, value())?,
            }
            fstart = soh + 1;
        }
        base += 8;
    }
    if fstart != m.len() {
        // Bytes after the last SOH: a field that never ends.
        return Err(ParseError::BadField);
    }
    if !have_type {
        return Err(ParseError::BadMsgType);
    }
    if !have_seq {
        return Err(ParseError::BadSeqNum);
    }
    Ok(msg)
}

/// `Msg` with nothing read yet.
const EMPTY: Msg = Msg {
    msg_type: MsgType::Other([0, 0]),
    seq: 0,
    poss_dup: false,
    sender: Span { start: 0, len: 0 },
    target: Span { start: 0, len: 0 },
    cl_ord_id: Span { start: 0, len: 0 },
    orig_cl_ord_id: Span { start: 0, len: 0 },
    order_id: Span { start: 0, len: 0 },
    exec_type: 0,
    ord_status: 0,
    symbol: Span { start: 0, len: 0 },
    side: Span { start: 0, len: 0 },
    order_qty: Span { start: 0, len: 0 },
    price: Span { start: 0, len: 0 },
    test_req_id: Span { start: 0, len: 0 },
    text: Span { start: 0, len: 0 },
    begin_seq: 0,
    end_seq: 0,
    new_seq: 0,
    gap_fill: false,
    reset_seq: false,
    heart_bt_int: 0,
    ref_seq: 0,
    business_reject_ref_id: Span { start: 0, len: 0 },
    reject_reason: None,
    next_expected_seq: 0,
    default_appl_ver_id: Span { start: 0, len: 0 },
    appl_ver_id: Span { start: 0, len: 0 },
};

/// Where the fields worth reading start and end: past `8=FIX.4.x|9=…|` (any FIX 4 minor
/// version) or `8=FIXT.1.1|9=…|` (the framer has checked which one) and before
/// `|10=NNN|` when the message has them. Those are sound fields whose tags nobody reads, so
/// skipping them changes no answer, errors included.
#[inline(always)]
fn fields_between(m: &[u8]) -> (usize, usize) {
    let mut start = 0;
    let head = match m.first_chunk::<{ PREFIX.len() }>() {
        Some(h) if h[..8] == PREFIX[..8] && h[8].is_ascii_digit() && h[9..] == PREFIX[9..] => PREFIX.len(),
        _ if m.starts_with(FIXT_PREFIX) => FIXT_PREFIX.len(),
        _ => 0,
    };
    if head != 0 {
        // `9=`'s value ends at the first SOH.
        let sohs = soh_bytes(word_at(m, head));
        if sohs != 0 {
            start = head + (sohs.trailing_zeros() / 8) as usize + 1;
        }
    }
    let mut end = m.len();
    if let Some(&[s0, b'1', b'0', b'=', a, b, c, s1]) = m.last_chunk::<8>()
        && s0 == SOH
        && s1 == SOH
        && ![a, b, c].contains(&SOH)
        && m.len() - 7 >= start
    {
        end = m.len() - 7;
    }
    (start, end)
}

/// The slot of the field at `fstart` and its number of tag digits, when its tag is 1 to 7
/// digits followed by `=`; `None` for anything else ([`slow_tag`] then decides).
#[inline(always)]
fn fast_tag(m: &[u8], fstart: usize) -> Option<(u8, usize)> {
    // Digits become 0..=9; the first byte that was not a digit has its high bit set in
    // `a` or in `a + 0x76` (bytes after it may be wrong, and are not looked at).
    let a = word_at(m, fstart).wrapping_sub(REPEAT_30);
    let not_digit = (a | a.wrapping_add(REPEAT_76)) & HIGH_BITS;
    // 8 × the number of digits before it (0 when all 8 bytes are digits).
    let shift = not_digit.trailing_zeros() & 56;
    if shift != 0 && (a >> shift) as u8 == b'=' - b'0' {
        Some((slot_of(a << (64 - shift)), (shift / 8) as usize))
    } else {
        None
    }
}

/// A tag the fast path did not take: 8 or more digits, or malformed. The old parser's loop:
/// 1 to 9 digits, then `=`.
#[cold]
#[inline(never)]
fn slow_tag(field: &[u8]) -> Result<(u8, usize), ParseError> {
    let mut tag: u32 = 0;
    let mut i = 0;
    while i < field.len() && field[i] != b'=' {
        let d = field[i].wrapping_sub(b'0');
        if d > 9 || i >= 9 {
            return Err(ParseError::BadField);
        }
        tag = tag * 10 + d as u32;
        i += 1;
    }
    if i == 0 || i == field.len() {
        return Err(ParseError::BadField);
    }
    let slot = if tag < 10u32.pow(MAX_KEY_DIGITS) { slot_of(key_of(tag)) } else { slot::IGNORED };
    Ok((slot, i))
}

/// The checked fields of session messages (rare next to ExecutionReports).
#[inline(never)]
fn check_session(msg: &mut Msg, slot: u8, value: &[u8]) -> Result<(), ParseError> {
    let int = |t: u32| parse_uint(value).ok_or(ParseError::BadValue(t));
    match slot {
        slot::POSS_DUP => msg.poss_dup = value == b"Y",
        slot::BEGIN_SEQ => msg.begin_seq = int(tag::BEGIN_SEQ_NO)?,
        slot::END_SEQ => msg.end_seq = int(tag::END_SEQ_NO)?,
        slot::NEW_SEQ => msg.new_seq = int(tag::NEW_SEQ_NO)?,
        slot::GAP_FILL => msg.gap_fill = value == b"Y",
        slot::RESET_SEQ => msg.reset_seq = value == b"Y",
        slot::HEART_BT_INT => msg.heart_bt_int = int(tag::HEART_BT_INT)?,
        slot::REF_SEQ => msg.ref_seq = int(tag::REF_SEQ_NUM)?,
        slot::REJECT_REASON => msg.reject_reason = Some(int(tag::SESSION_REJECT_REASON)?),
        slot::NEXT_EXPECTED => msg.next_expected_seq = int(tag::NEXT_EXPECTED_MSG_SEQ_NUM)?,
        _ => {}
    }
    Ok(())
}

fn single_char(v: &[u8]) -> Option<u8> {
    match v {
        [c] => Some(*c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The key the scanner computes from the bytes of `text` (`TAG=…`).
    fn wire_key(text: &[u8]) -> Option<u64> {
        let mut w = [0u8; 8];
        w[..text.len().min(8)].copy_from_slice(&text[..text.len().min(8)]);
        let a = u64::from_le_bytes(w).wrapping_sub(REPEAT_30);
        let shift = ((a | a.wrapping_add(REPEAT_76)) & HIGH_BITS).trailing_zeros() & 56;
        (shift != 0 && (a >> shift) as u8 == b'=' - b'0').then(|| a << (64 - shift))
    }

    #[test]
    fn every_field_tag_finds_its_slot_and_nothing_else_does() {
        for (t, s) in FIELDS {
            assert_eq!(slot_of(key_of(t)), s, "tag {t}");
        }
        for t in 0..100_000u32 {
            if !FIELDS.iter().any(|&(f, _)| f == t) {
                assert_eq!(slot_of(key_of(t)), slot::IGNORED, "tag {t}");
            }
        }
    }

    proptest! {
        #[test]
        fn the_key_from_the_wire_is_the_key_of_the_tag(tag in 0u32..10_000_000, zeros in 0usize..7) {
            // At most 7 digits in all, and the `=`: one word.
            let zeros = zeros % (8 - tag.to_string().len());
            let text = format!("{}{tag}=", "0".repeat(zeros));
            prop_assert_eq!(wire_key(text.as_bytes()), Some(key_of(tag)));
        }

        #[test]
        fn soh_bytes_marks_exactly_the_sohs(bytes in proptest::array::uniform8(prop_oneof![Just(1u8), Just(0u8), Just(0x81u8), any::<u8>()])) {
            let mask = soh_bytes(u64::from_le_bytes(bytes));
            for (i, b) in bytes.iter().enumerate() {
                prop_assert_eq!(mask >> (8 * i) & 0xff, if *b == 1 { 0x80 } else { 0 });
            }
        }
    }
}
