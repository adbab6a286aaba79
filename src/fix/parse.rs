//! Framing and parsing of inbound FIX 4.2 messages.
//!
//! [`frame`] finds one message at the start of a byte stream: it checks `8=FIX.4.2`, reads
//! BodyLength (at most 7 digits, checked arithmetic), checks that `10=` sits exactly where
//! BodyLength says and that its three digits equal the checksum. It answers with the
//! message's length, "need more bytes", or an error plus how many bytes to skip to get back
//! in step. [`parse`] then reads only the tags fixblast needs into a fixed [`Msg`] of byte
//! ranges into the caller's buffer. Neither allocates, and neither panics on any input.

use super::checksum::{checksum, parse_digits};
use super::{SOH, tag};
use memchr::{memchr, memmem};

/// `8=FIX.4.2|9=`: every message starts with these bytes.
const PREFIX: &[u8] = b"8=FIX.4.2\x019=";
/// `|10=NNN|` is 7 bytes after the body.
const TRAILER_LEN: usize = 7;
/// BodyLength has at most this many digits.
const MAX_BODY_DIGITS: usize = 7;
/// The largest message fixblast accepts; larger ones are framing errors.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// What went wrong while framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("message does not start with 8=FIX.4.2|9=")]
    BadBeginString,
    #[error("BodyLength (9) is not 1 to 7 digits followed by SOH")]
    BadBodyLength,
    #[error("message longer than {MAX_MESSAGE} bytes")]
    TooLong,
    #[error("10= is not where BodyLength (9) says it is")]
    BodyLengthMismatch,
    #[error("CheckSum (10) is {found:03}, the bytes sum to {computed:03}")]
    BadChecksum { found: u8, computed: u8 },
}

/// The outcome of [`frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A whole, valid message occupies `buf[..len]`.
    Message { len: usize },
    /// The bytes so far are a valid beginning; read more.
    NeedMore,
    /// The stream is out of step. Skip `skip` bytes (at least 1) and frame again.
    Error { error: FrameError, skip: usize },
}

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

/// Parses a non-negative decimal of 1 to 10 digits; `None` on anything else or overflow.
#[inline]
pub fn parse_uint(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut v: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u32)?;
    }
    Some(v)
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
            tag::BEGIN_SEQ_NO => msg.begin_seq = int(tag)?,
            tag::END_SEQ_NO => msg.end_seq = int(tag)?,
            tag::NEW_SEQ_NO => msg.new_seq = int(tag)?,
            tag::GAP_FILL_FLAG => msg.gap_fill = value == b"Y",
            tag::RESET_SEQ_NUM_FLAG => msg.reset_seq = value == b"Y",
            tag::HEART_BT_INT => msg.heart_bt_int = int(tag)?,
            tag::REF_SEQ_NUM => msg.ref_seq = int(tag)?,
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
struct Sohs<'a> {
    m: &'a [u8],
    /// Offset of the word `mask` describes.
    base: usize,
    /// High bit of each byte of that word that is SOH.
    mask: u64,
}

impl<'a> Sohs<'a> {
    fn new(m: &'a [u8]) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::encode::Encoder;
    use crate::fix::readable;
    use proptest::prelude::*;

    fn encode(fields: &[(u32, &[u8])]) -> Vec<u8> {
        let mut buf = vec![0u8; 4096];
        let mut e = Encoder::new(&mut buf);
        for (t, v) in fields {
            e.field(*t, v);
        }
        let n = e.finish().unwrap();
        buf.truncate(n);
        buf
    }

    fn exec_report(clordid: &str, seq: u32) -> Vec<u8> {
        let seq = seq.to_string();
        encode(&[
            (35, b"8"),
            (49, b"GATEWAY"),
            (56, b"FIXBLAST"),
            (34, seq.as_bytes()),
            (52, b"20240102-03:04:05.678"),
            (37, b"O1"),
            (11, clordid.as_bytes()),
            (17, b"E1"),
            (20, b"0"),
            (150, b"0"),
            (39, b"0"),
            (55, b"ACME"),
            (54, b"1"),
            (38, b"100"),
            (151, b"100"),
            (14, b"0"),
            (6, b"0"),
        ])
    }

    /// Feeds `wire` through `frame` in the given chunks, as a receive buffer would, and
    /// returns the messages and errors seen.
    fn frame_all(wire: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, Vec<FrameError>) {
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut errs = Vec::new();
        let mut fed = 0;
        let mut chunk_iter = chunks.iter().copied().chain(std::iter::repeat(wire.len()));
        loop {
            match frame(&buf) {
                Frame::Message { len } => {
                    out.push(buf[..len].to_vec());
                    buf.drain(..len);
                }
                Frame::Error { error, skip } => {
                    errs.push(error);
                    buf.drain(..skip.min(buf.len()));
                }
                Frame::NeedMore => {
                    if fed == wire.len() {
                        break;
                    }
                    let end = (fed + chunk_iter.next().unwrap().max(1)).min(wire.len());
                    buf.extend_from_slice(&wire[fed..end]);
                    fed = end;
                }
            }
            if buf.is_empty() && fed == wire.len() {
                break;
            }
        }
        (out, errs)
    }

    #[test]
    fn frames_a_known_fix42_heartbeat() {
        // Checksum 161 verified independently: sum("8=FIX.4.2|9=5|35=0|") % 256.
        let m = readable("8=FIX.4.2|9=5|35=0|10=161|");
        assert_eq!(frame(&m), Frame::Message { len: m.len() });
    }

    #[test]
    fn wrong_checksum_is_reported_with_both_values() {
        let m = readable("8=FIX.4.2|9=5|35=0|10=162|");
        assert_eq!(
            frame(&m),
            Frame::Error { error: FrameError::BadChecksum { found: 162, computed: 161 }, skip: m.len() }
        );
    }

    #[test]
    fn wrong_body_length_is_a_mismatch() {
        let m = readable("8=FIX.4.2|9=6|35=0|10=161|xx");
        assert!(matches!(frame(&m), Frame::Error { error: FrameError::BodyLengthMismatch, .. }));
    }

    #[test]
    fn other_begin_strings_are_rejected() {
        let m = readable("8=FIX.4.4|9=5|35=0|10=163|");
        assert!(matches!(frame(&m), Frame::Error { error: FrameError::BadBeginString, .. }));
    }

    #[test]
    fn body_length_with_eight_digits_is_rejected() {
        let m = readable("8=FIX.4.2|9=12345678|35=0|");
        assert!(matches!(frame(&m), Frame::Error { error: FrameError::BadBodyLength, .. }));
        let m = readable("8=FIX.4.2|9=1234567");
        assert_eq!(frame(&m), Frame::NeedMore);
        let m = readable("8=FIX.4.2|9=9999999|");
        assert!(matches!(frame(&m), Frame::Error { error: FrameError::TooLong, .. }));
    }

    #[test]
    fn garbage_before_a_message_is_skipped_and_the_message_kept() {
        let mut wire = b"garbage\x01\x02".to_vec();
        let good = exec_report("00000000000000a1", 2);
        wire.extend_from_slice(&good);
        let (msgs, errs) = frame_all(&wire, &[wire.len()]);
        assert_eq!(msgs, vec![good]);
        assert_eq!(errs, vec![FrameError::BadBeginString]);
    }

    #[test]
    fn a_partial_message_start_after_garbage_is_kept() {
        // An '8' early in the garbage must not hide the real start at the tail.
        let wire = readable("x8x garbage 8=FI");
        assert_eq!(frame(&wire), Frame::Error { error: FrameError::BadBeginString, skip: wire.len() - 4 });
    }

    #[test]
    fn parses_an_execution_report() {
        let m = exec_report("00000000000000a1", 9);
        let msg = parse(&m).unwrap();
        assert_eq!(msg.msg_type, MsgType::ExecutionReport);
        assert_eq!(msg.seq, 9);
        assert_eq!(msg.cl_ord_id.get(&m), b"00000000000000a1");
        assert_eq!(msg.order_id.get(&m), b"O1");
        assert_eq!(msg.exec_type, b'0');
        assert_eq!(msg.ord_status, b'0');
        assert_eq!(msg.sender.get(&m), b"GATEWAY");
    }

    #[test]
    fn parse_errors_name_the_problem() {
        assert_eq!(parse(&readable("35=0|")), Err(ParseError::BadSeqNum));
        assert_eq!(parse(&readable("34=1|")), Err(ParseError::BadMsgType));
        assert_eq!(parse(&readable("35=0|34=x|")), Err(ParseError::BadSeqNum));
        assert_eq!(parse(&readable("35=0|34=1|abc|")), Err(ParseError::BadField));
        assert_eq!(parse(&readable("35=0|34=1|150=12|")), Err(ParseError::BadValue(150)));
        assert_eq!(parse(&readable("35=0|34=99999999999|")), Err(ParseError::BadSeqNum));
    }

    proptest! {
        #[test]
        fn soh_scan_finds_exactly_the_sohs(bytes in proptest::collection::vec(prop_oneof![Just(1u8), Just(0u8), Just(0x81u8), any::<u8>()], 0..100)) {
            let want: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == SOH).map(|(i, _)| i).collect();
            prop_assert_eq!(Sohs::new(&bytes).collect::<Vec<_>>(), want);
        }

        #[test]
        fn framing_is_independent_of_how_reads_split_the_stream(
            n in 1usize..6,
            chunks in proptest::collection::vec(1usize..300, 0..40),
        ) {
            let msgs: Vec<Vec<u8>> = (0..n).map(|i| exec_report(&format!("{i:016x}"), i as u32 + 1)).collect();
            let wire: Vec<u8> = msgs.concat();
            let (out, errs) = frame_all(&wire, &chunks);
            prop_assert!(errs.is_empty());
            prop_assert_eq!(out, msgs);
        }

        #[test]
        fn frame_and_parse_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut buf = bytes.as_slice();
            for _ in 0..1024 {
                match frame(buf) {
                    Frame::Message { len } => { let _ = parse(&buf[..len]); buf = &buf[len..]; }
                    Frame::Error { skip, .. } => { prop_assert!(skip >= 1 && skip <= buf.len()); buf = &buf[skip..]; }
                    Frame::NeedMore => break,
                }
            }
            let _ = parse(&bytes);
        }

        #[test]
        fn corrupting_one_byte_of_a_message_never_passes_silently(pos in 0usize..200, delta in 1u8..=255) {
            let m = exec_report("00000000000000a1", 3);
            let pos = pos % m.len();
            let mut bad = m.clone();
            bad[pos] = bad[pos].wrapping_add(delta);
            // A corrupted byte either breaks framing or changes the checksum: never a clean frame
            // of the same length with different content.
            if let Frame::Message { len } = frame(&bad) {
                prop_assert!(len != m.len() || bad[..len] == m[..len]);
            }
        }
    }
}
