//! The framer and parser as they were before the specialised scanner: kept, for tests and fuzz
//! targets only, as the oracle the scanner is checked against (`equivalence_tests.rs`,
//! `props.rs`). Same inputs, same answers, errors included. The code below is the old code
//! unchanged but for its imports.

use super::{
    Frame, FrameError, MAX_BODY_DIGITS, MAX_MESSAGE, Msg, MsgType, PREFIX, ParseError, Span, TRAILER_LEN, parse_uint,
};
use crate::fix::checksum::{checksum, parse_digits};
use crate::fix::{SOH, tag};
use memchr::{memchr, memmem};

/// Frames one message at the start of `buf`.
///
/// ```
/// use fixblast::fix::{parse::{frame, Frame}, readable};
/// let wire = readable("8=FIX.4.2|9=5|35=0|10=161|8=FIX");
/// assert_eq!(frame(&wire), Frame::Message { len: 26 });
/// assert_eq!(frame(&wire[..20]), Frame::NeedMore);
/// assert_eq!(frame(&wire[26..]), Frame::NeedMore);
/// ```
pub fn frame(buf: &[u8]) -> Frame {
    let n = buf.len().min(PREFIX.len());
    if buf[..n] != PREFIX[..n] {
        return resync(buf, FrameError::BadBeginString);
    }
    if buf.len() < PREFIX.len() {
        return Frame::NeedMore;
    }
    let digits_start = PREFIX.len();
    let window = &buf[digits_start..buf.len().min(digits_start + MAX_BODY_DIGITS + 1)];
    let Some(digits_len) = memchr(SOH, window) else {
        if window.len() > MAX_BODY_DIGITS || !window.iter().all(u8::is_ascii_digit) {
            return resync(buf, FrameError::BadBodyLength);
        }
        return Frame::NeedMore;
    };
    let Some(body_len) = parse_uint(&window[..digits_len]) else {
        return resync(buf, FrameError::BadBodyLength);
    };
    let body_start = digits_start + digits_len + 1;
    let Some(total) = (body_len as usize).checked_add(body_start).and_then(|x| x.checked_add(TRAILER_LEN)) else {
        return resync(buf, FrameError::TooLong);
    };
    if total > MAX_MESSAGE {
        return resync(buf, FrameError::TooLong);
    }
    if buf.len() < total {
        return Frame::NeedMore;
    }
    let body_end = total - TRAILER_LEN;
    let trailer = &buf[body_end..total];
    if &trailer[..3] != b"10=" || trailer[6] != SOH || buf[body_end - 1] != SOH {
        return resync(buf, FrameError::BodyLengthMismatch);
    }
    let Some(found) = parse_digits(&trailer[3..6]) else {
        return resync(buf, FrameError::BodyLengthMismatch);
    };
    let computed = checksum(&buf[..body_end]);
    if found != computed {
        // The frame itself is sound: drop exactly this message.
        return Frame::Error { error: FrameError::BadChecksum { found, computed }, skip: total };
    }
    Frame::Message { len: total }
}

/// Skips to the next plausible message start after the first byte.
fn resync(buf: &[u8], error: FrameError) -> Frame {
    let skip = match memmem::find(&buf[1..], b"8=FIX") {
        Some(i) => i + 1,
        // Keep a tail that may be the start of the next message.
        // Keep the last '8' if what follows it may be the start of a message.
        None => match memchr::memrchr(b'8', &buf[1..]) {
            Some(i) if buf.len() - (i + 1) < PREFIX.len() && PREFIX.starts_with(&buf[i + 1..]) => i + 1,
            _ => buf.len(),
        },
    };
    Frame::Error { error, skip: skip.max(1) }
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
pub fn parse(m: &[u8]) -> Result<Msg, ParseError> {
    let mut msg = Msg {
        msg_type: MsgType::Other([0, 0]),
        seq: 0,
        poss_dup: false,
        sender: Span::default(),
        target: Span::default(),
        cl_ord_id: Span::default(),
        orig_cl_ord_id: Span::default(),
        order_id: Span::default(),
        exec_type: 0,
        ord_status: 0,
        symbol: Span::default(),
        side: Span::default(),
        order_qty: Span::default(),
        price: Span::default(),
        test_req_id: Span::default(),
        text: Span::default(),
        begin_seq: 0,
        end_seq: 0,
        new_seq: 0,
        gap_fill: false,
        reset_seq: false,
        heart_bt_int: 0,
        ref_seq: 0,
        business_reject_ref_id: Span::default(),
        reject_reason: None,
        next_expected_seq: 0,
        default_appl_ver_id: Span::default(),
        appl_ver_id: Span::default(),
    };
    let mut have_type = false;
    let mut have_seq = false;
    // A word-at-a-time scan finds every SOH; tags are parsed inline (they are short), so
    // each field costs a few instructions rather than a search call or two.
    let mut fstart = 0usize;
    for soh in Sohs::new(m) {
        let field = &m[fstart..soh];
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
        let vstart = fstart + i + 1;
        let value = &m[vstart..soh];
        let span = Span { start: vstart as u32, len: value.len() as u32 };
        fstart = soh + 1;
        let int = |t: u32| parse_uint(value).ok_or(ParseError::BadValue(t));
        match tag {
            tag::MSG_TYPE => {
                msg.msg_type = MsgType::from_bytes(value).ok_or(ParseError::BadMsgType)?;
                have_type = true;
            }
            tag::MSG_SEQ_NUM => {
                msg.seq = parse_uint(value).ok_or(ParseError::BadSeqNum)?;
                have_seq = true;
            }
            tag::POSS_DUP_FLAG => msg.poss_dup = value == b"Y",
            tag::SENDER_COMP_ID => msg.sender = span,
            tag::TARGET_COMP_ID => msg.target = span,
            tag::CL_ORD_ID => msg.cl_ord_id = span,
            tag::ORIG_CL_ORD_ID => msg.orig_cl_ord_id = span,
            tag::ORDER_ID => msg.order_id = span,
            tag::EXEC_TYPE => msg.exec_type = single_char(value).ok_or(ParseError::BadValue(tag))?,
            tag::ORD_STATUS => msg.ord_status = single_char(value).ok_or(ParseError::BadValue(tag))?,
            tag::SYMBOL => msg.symbol = span,
            tag::SIDE => msg.side = span,
            tag::ORDER_QTY => msg.order_qty = span,
            tag::PRICE => msg.price = span,
            tag::TEST_REQ_ID => msg.test_req_id = span,
            tag::TEXT => msg.text = span,
            tag::BUSINESS_REJECT_REF_ID => msg.business_reject_ref_id = span,
            tag::DEFAULT_APPL_VER_ID => msg.default_appl_ver_id = span,
            tag::APPL_VER_ID => msg.appl_ver_id = span,
            tag::BEGIN_SEQ_NO => msg.begin_seq = int(tag)?,
            tag::END_SEQ_NO => msg.end_seq = int(tag)?,
            tag::NEW_SEQ_NO => msg.new_seq = int(tag)?,
            tag::GAP_FILL_FLAG => msg.gap_fill = value == b"Y",
            tag::RESET_SEQ_NUM_FLAG => msg.reset_seq = value == b"Y",
            tag::HEART_BT_INT => msg.heart_bt_int = int(tag)?,
            tag::REF_SEQ_NUM => msg.ref_seq = int(tag)?,
            tag::SESSION_REJECT_REASON => msg.reject_reason = Some(int(tag)?),
            tag::NEXT_EXPECTED_MSG_SEQ_NUM => msg.next_expected_seq = int(tag)?,
            _ => {}
        }
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

/// Positions of every SOH in a message, in order, found 8 bytes at a time (SWAR). FIX fields
/// are short, so this beats a search call per field.
pub(super) struct Sohs<'a> {
    m: &'a [u8],
    /// Offset of the word `mask` describes.
    base: usize,
    /// High bit of each byte of that word that is SOH.
    mask: u64,
}

impl<'a> Sohs<'a> {
    pub(super) fn new(m: &'a [u8]) -> Self {
        let mut s = Sohs { m, base: 0, mask: 0 };
        s.mask = s.word_mask(0);
        s
    }

    /// Exact SOH-byte mask of the 8 bytes at `at` (zero-padded past the end).
    #[inline]
    fn word_mask(&self, at: usize) -> u64 {
        let word = match self.m.get(at..at + 8) {
            // A whole word: one load.
            Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
            // The tail, zero-padded (zero is not SOH).
            None => {
                let mut w = [0u8; 8];
                let tail = self.m.get(at..).unwrap_or(&[]);
                w[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(w)
            }
        };
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let t = word ^ 0x0101_0101_0101_0101;
        // High bit set exactly in the bytes of `t` that are zero: no false positives.
        !((t & LOW7).wrapping_add(LOW7) | t | LOW7)
    }
}

impl Iterator for Sohs<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 8;
            if self.base >= self.m.len() {
                return None;
            }
            self.mask = self.word_mask(self.base);
        }
        let i = self.base + (self.mask.trailing_zeros() / 8) as usize;
        self.mask &= self.mask - 1;
        Some(i)
    }
}

fn single_char(v: &[u8]) -> Option<u8> {
    match v {
        [c] => Some(*c),
        _ => None,
    }
}
