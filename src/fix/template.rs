//! Order templates: a readable file loaded once at start-up, pre-encoded, then patched in
//! place for every order.
//!
//! # File format
//!
//! One field per line, `TAG=VALUE`, in wire order from MsgType (35) on. Lines starting with
//! `#` and blank lines are ignored. BeginString (8), BodyLength (9) and CheckSum (10) are
//! framing that fixblast writes. The header must be `35`, `49`, `56`, `34`, `52`, in that
//! order, and these placeholders fill in what varies:
//!
//! | placeholder         | tag | filled                                  |
//! |---------------------|-----|-----------------------------------------|
//! | `{sender_comp_id}`  | 49  | at start-up, from `--sender-comp-id`    |
//! | `{target_comp_id}`  | 56  | at start-up, from `--target-comp-id`    |
//! | `{seq}`             | 34  | per order: MsgSeqNum                    |
//! | `{sending_time}`    | 52  | per order: UTC now, milliseconds        |
//! | `{transact_time}`   | 60  | per order: the same instant as 52       |
//! | `{clordid}`         | 11  | per order: 16 hex digits naming the slot |
//!
//! # Patching
//!
//! [`OrderTemplate`] keeps everything after MsgSeqNum at a fixed offset and right-aligns the
//! header against it, so a new order only rewrites the sequence digits, the two timestamps and
//! the ClOrdID. The header moves (and BodyLength changes) only when MsgSeqNum gains a digit.
//! The checksum is the precomputed sum of the fixed bytes plus the sum of the bytes patched in:
//! the message is never re-summed.

use super::checksum::{checksum, write_digits};
use super::clordid;
use super::encode::{Encoder, Overflow, decimal_width, write_u64};
use super::time::TIMESTAMP_LEN;
use super::{BEGIN_STRING, SOH, tag};
use std::fmt;

/// A template that cannot be used, with the file, line and tag at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole (a missing tag).
    pub line: usize,
    pub tag: Option<u32>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(t) = self.tag {
            write!(f, ": tag {t}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TemplateError {}

/// What a field's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    SenderCompId,
    TargetCompId,
    Seq,
    SendingTime,
    TransactTime,
    ClOrdId,
}

impl Placeholder {
    const ALL: [(Placeholder, &'static str, u32); 6] = [
        (Placeholder::SenderCompId, "{sender_comp_id}", tag::SENDER_COMP_ID),
        (Placeholder::TargetCompId, "{target_comp_id}", tag::TARGET_COMP_ID),
        (Placeholder::Seq, "{seq}", tag::MSG_SEQ_NUM),
        (Placeholder::SendingTime, "{sending_time}", tag::SENDING_TIME),
        (Placeholder::TransactTime, "{transact_time}", tag::TRANSACT_TIME),
        (Placeholder::ClOrdId, "{clordid}", tag::CL_ORD_ID),
    ];

    fn for_tag(t: u32) -> Option<(Placeholder, &'static str)> {
        Self::ALL.iter().find(|(_, _, pt)| *pt == t).map(|(p, n, _)| (*p, *n))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Literal(Vec<u8>),
    Placeholder(Placeholder),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub tag: u32,
    pub value: Value,
    pub line: usize,
}

/// A parsed, validated template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    pub file: String,
    pub fields: Vec<Field>,
}

/// Header tags every template starts with, in this order.
const HEADER: [u32; 5] = [tag::MSG_TYPE, tag::SENDER_COMP_ID, tag::TARGET_COMP_ID, tag::MSG_SEQ_NUM, tag::SENDING_TIME];

/// Tags FIX 4.2 requires on a NewOrderSingle (44 is added for priced order types).
const NEW_ORDER_REQUIRED: [(u32, &str); 7] = [
    (tag::CL_ORD_ID, "ClOrdID"),
    (tag::HANDL_INST, "HandlInst"),
    (tag::SYMBOL, "Symbol"),
    (tag::SIDE, "Side"),
    (tag::TRANSACT_TIME, "TransactTime"),
    (tag::ORDER_QTY, "OrderQty"),
    (tag::ORD_TYPE, "OrdType"),
];

impl TemplateSpec {
    /// Parses template text. `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<TemplateSpec, TemplateError> {
        let err = |line: usize, tag: Option<u32>, message: String| TemplateError {
            file: file.to_string(),
            line,
            tag,
            message,
        };
        let mut fields: Vec<Field> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let Some((t, v)) = l.split_once('=') else {
                return Err(err(line, None, format!("expected TAG=VALUE, found {l:?}")));
            };
            let t = t.trim();
            let tag: u32 = match t.parse() {
                Ok(n) if n > 0 && t.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(err(line, None, format!("{t:?} is not a tag number"))),
            };
            if v.is_empty() {
                return Err(err(line, Some(tag), "empty value; FIX does not allow empty fields".into()));
            }
            if let Some(c) = v.bytes().find(|&b| b == b'|' || b == SOH || !(0x20..0x7f).contains(&b)) {
                return Err(err(
                    line,
                    Some(tag),
                    format!("value contains byte 0x{c:02x}; one field per line, printable ASCII only"),
                ));
            }
            if matches!(tag, tag::BEGIN_STRING | tag::BODY_LENGTH | tag::CHECKSUM) {
                return Err(err(line, Some(tag), "is framing that fixblast writes itself; remove this line".into()));
            }
            if let Some(prev) = fields.iter().find(|f| f.tag == tag) {
                return Err(err(line, Some(tag), format!("appears twice (first on line {})", prev.line)));
            }
            let value = if v.starts_with('{') {
                match Placeholder::ALL.iter().find(|(_, name, _)| *name == v) {
                    Some((p, _, owner)) if *owner == tag => Value::Placeholder(*p),
                    Some((_, name, owner)) => {
                        return Err(err(line, Some(tag), format!("placeholder {name} belongs to tag {owner}")));
                    }
                    None => {
                        let names: Vec<&str> = Placeholder::ALL.iter().map(|(_, n, _)| *n).collect();
                        return Err(err(
                            line,
                            Some(tag),
                            format!("unknown placeholder {v}; known: {}", names.join(" ")),
                        ));
                    }
                }
            } else {
                Value::Literal(v.as_bytes().to_vec())
            };
            fields.push(Field { tag, value, line });
        }
        let spec = TemplateSpec { file: file.to_string(), fields };
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a template file.
    pub fn load(path: &std::path::Path) -> Result<TemplateSpec, TemplateError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
            file: file.clone(),
            line: 0,
            tag: None,
            message: format!("cannot read: {e}"),
        })?;
        TemplateSpec::parse(&text, &file)
    }

    fn err(&self, line: usize, tag: Option<u32>, message: String) -> TemplateError {
        TemplateError { file: self.file.clone(), line, tag, message }
    }

    fn get(&self, t: u32) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == t)
    }

    fn validate(&self) -> Result<(), TemplateError> {
        for (i, want) in HEADER.iter().enumerate() {
            match self.fields.get(i) {
                Some(f) if f.tag == *want => {}
                Some(f) => {
                    let order: Vec<String> = HEADER.iter().map(|t| t.to_string()).collect();
                    return Err(self.err(
                        f.line,
                        Some(f.tag),
                        format!("found where tag {want} belongs; the header is {} in that order", order.join(", ")),
                    ));
                }
                None => return Err(self.err(0, Some(*want), "missing; the header is 35, 49, 56, 34, 52".into())),
            }
        }
        // Each header slot that varies must hold its placeholder.
        for f in &self.fields {
            if let Some((p, name)) = Placeholder::for_tag(f.tag)
                && f.value != Value::Placeholder(p)
            {
                return Err(self.err(f.line, Some(f.tag), format!("must be {name}; fixblast fills it in")));
            }
        }
        let msg_type = match &self.fields[0].value {
            Value::Literal(v) => v.clone(),
            Value::Placeholder(_) => unreachable!("35 has no placeholder"),
        };
        if msg_type != b"D" {
            return Err(self.err(
                self.fields[0].line,
                Some(tag::MSG_TYPE),
                format!("is {:?}; order templates are NewOrderSingle (35=D)", String::from_utf8_lossy(&msg_type)),
            ));
        }
        for (t, name) in NEW_ORDER_REQUIRED {
            if self.get(t).is_none() {
                return Err(self.err(
                    0,
                    Some(t),
                    format!("missing; FIX 4.2 requires {name} ({t}) on a NewOrderSingle"),
                ));
            }
        }
        let literal = |t: u32| match self.get(t).map(|f| &f.value) {
            Some(Value::Literal(v)) => Some(v.as_slice()),
            _ => None,
        };
        let line = |t: u32| self.get(t).map_or(0, |f| f.line);
        if let Some(ord_type) = literal(tag::ORD_TYPE)
            && matches!(ord_type, b"2" | b"4" | b"7")
            && self.get(tag::PRICE).is_none()
        {
            return Err(self.err(
                line(tag::ORD_TYPE),
                Some(tag::PRICE),
                "missing; FIX 4.2 requires Price (44) when OrdType (40) is limit".into(),
            ));
        }
        for t in [tag::ORDER_QTY, tag::PRICE] {
            if let Some(v) = literal(t)
                && !is_decimal(v)
            {
                return Err(self.err(
                    line(t),
                    Some(t),
                    format!("{:?} is not a decimal number", String::from_utf8_lossy(v)),
                ));
            }
        }
        if let Some(v) = literal(tag::SIDE)
            && !matches!(v, [b'1'..=b'9'] | [b'A'..=b'G'])
        {
            return Err(self.err(
                line(tag::SIDE),
                Some(tag::SIDE),
                format!("{:?} is not a FIX 4.2 Side", String::from_utf8_lossy(v)),
            ));
        }
        Ok(())
    }

    /// Encodes one order with the plain [`Encoder`]: the reference the patched template must
    /// equal byte for byte.
    pub fn encode_plain(&self, vars: &Vars<'_>, buf: &mut [u8]) -> Result<usize, Overflow> {
        let mut e = Encoder::new(buf);
        for f in &self.fields {
            match &f.value {
                Value::Literal(v) => e.field(f.tag, v),
                Value::Placeholder(p) => match p {
                    Placeholder::SenderCompId => e.field(f.tag, vars.sender),
                    Placeholder::TargetCompId => e.field(f.tag, vars.target),
                    Placeholder::Seq => e.field_u64(f.tag, vars.seq as u64),
                    Placeholder::SendingTime | Placeholder::TransactTime => e.field(f.tag, vars.time),
                    Placeholder::ClOrdId => e.field(f.tag, vars.cl_ord_id),
                },
            }
        }
        e.finish()
    }
}

fn is_decimal(v: &[u8]) -> bool {
    let mut dots = 0;
    !v.is_empty()
        && v.iter().all(|&b| {
            dots += (b == b'.') as u32;
            b.is_ascii_digit() || b == b'.'
        })
        && dots <= 1
        && v != b"."
}

/// The values of an order's placeholders.
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    pub sender: &'a [u8],
    pub target: &'a [u8],
    pub seq: u32,
    pub time: &'a [u8; TIMESTAMP_LEN],
    pub cl_ord_id: &'a [u8; clordid::LEN],
}

/// A NewOrderSingle pre-encoded for one session, patched in place per order.
#[derive(Debug, Clone)]
pub struct OrderTemplate {
    buf: Box<[u8]>,
    /// `8=FIX.4.2|9=`
    head: Vec<u8>,
    /// `|35=D|49=…|56=…|34=`: from the SOH that ends BodyLength to the `=` of MsgSeqNum.
    mid: Vec<u8>,
    /// Where the current message starts.
    start: usize,
    /// One past the last MsgSeqNum digit: everything from here on never moves.
    seq_end: usize,
    seq_width: usize,
    /// Bytes from `seq_end` to the `1` of `10=`.
    tail_len: usize,
    time_pos: [usize; 2],
    cl_ord_id_pos: usize,
    /// Sum of the fixed tail bytes (excluding the patched ranges).
    tail_sum: u8,
    /// Sum of the head, BodyLength digits and mid for the current `seq_width`.
    head_sum: u8,
    /// The MsgSeqNum now in the buffer and the sum of its digits: the next one is usually
    /// this plus one, which is an in-place increment.
    seq: u32,
    seq_sum: u8,
}

impl OrderTemplate {
    /// Pre-encodes `spec` for a session with these CompIDs.
    pub fn new(spec: &TemplateSpec, sender: &[u8], target: &[u8]) -> OrderTemplate {
        let mut head = Vec::new();
        head.extend_from_slice(b"8=");
        head.extend_from_slice(BEGIN_STRING);
        head.push(SOH);
        head.extend_from_slice(b"9=");

        let mut mid = vec![SOH];
        let mut tail = Vec::new();
        let mut time_pos = Vec::new();
        let mut cl_ord_id_pos = 0;
        let mut in_tail = false;
        let mut digits = [0u8; 20];
        for f in &spec.fields {
            let out = if in_tail { &mut tail } else { &mut mid };
            out.extend_from_slice(write_u64(f.tag as u64, &mut digits));
            out.push(b'=');
            match &f.value {
                Value::Literal(v) => out.extend_from_slice(v),
                Value::Placeholder(Placeholder::SenderCompId) => out.extend_from_slice(sender),
                Value::Placeholder(Placeholder::TargetCompId) => out.extend_from_slice(target),
                Value::Placeholder(Placeholder::Seq) => {
                    // The digits go between `mid` and `tail`.
                    in_tail = true;
                    tail.push(SOH);
                    continue;
                }
                Value::Placeholder(Placeholder::SendingTime | Placeholder::TransactTime) => {
                    time_pos.push(out.len());
                    out.extend_from_slice(&[b'0'; TIMESTAMP_LEN]);
                }
                Value::Placeholder(Placeholder::ClOrdId) => {
                    cl_ord_id_pos = out.len();
                    out.extend_from_slice(&[b'0'; clordid::LEN]);
                }
            }
            out.push(SOH);
        }
        // Sum of the tail without its patched ranges (which hold '0's now).
        let tail_sum = checksum(&tail).wrapping_sub(b'0'.wrapping_mul((2 * TIMESTAMP_LEN + clordid::LEN) as u8));
        let tail_len = tail.len();
        tail.extend_from_slice(b"10=000\x01");

        // Room for the longest head: 7 BodyLength digits and 10 MsgSeqNum digits.
        let seq_end = head.len() + 7 + mid.len() + 10;
        let mut buf = vec![0u8; seq_end + tail.len()].into_boxed_slice();
        buf[seq_end..].copy_from_slice(&tail);
        let mut t = OrderTemplate {
            buf,
            head,
            mid,
            start: 0,
            seq_end,
            seq_width: 0,
            tail_len,
            time_pos: [seq_end + time_pos[0], seq_end + time_pos[1]],
            cl_ord_id_pos: seq_end + cl_ord_id_pos,
            tail_sum,
            head_sum: 0,
            seq: 0,
            seq_sum: 0,
        };
        t.relayout(1);
        t.write_seq(0);
        t
    }

    /// Writes `seq`'s digits (its width must be `seq_width`) and their sum.
    fn write_seq(&mut self, seq: u32) {
        let mut v = seq;
        let mut sum = 0u8;
        for b in self.buf[self.seq_end - self.seq_width..self.seq_end].iter_mut().rev() {
            *b = b'0' + (v % 10) as u8;
            sum = sum.wrapping_add(*b);
            v /= 10;
        }
        self.seq = seq;
        self.seq_sum = sum;
    }

    /// Moves the MsgSeqNum in the buffer to `seq`: an ASCII increment with carry when it is
    /// the next number, else a rewrite (and a new layout when its width changes).
    #[inline]
    fn set_seq(&mut self, seq: u32) {
        if seq == self.seq.wrapping_add(1) && seq != 0 {
            let mut i = self.seq_end;
            while i > self.seq_end - self.seq_width {
                i -= 1;
                if self.buf[i] != b'9' {
                    self.buf[i] += 1;
                    self.seq_sum = self.seq_sum.wrapping_add(1);
                    self.seq = seq;
                    return;
                }
                // 9 -> 0 and carry.
                self.buf[i] = b'0';
                self.seq_sum = self.seq_sum.wrapping_sub(9);
            }
            // Every digit was 9: one more digit.
        }
        let w = decimal_width(seq as u64);
        if w != self.seq_width {
            self.relayout(w);
        }
        self.write_seq(seq);
    }

    /// Rewrites the part before MsgSeqNum's digits for a new digit count. Rare: once per
    /// power of ten.
    fn relayout(&mut self, seq_width: usize) {
        let body_len = (self.mid.len() - 1) + seq_width + self.tail_len;
        let mut digits = [0u8; 20];
        let bl = write_u64(body_len as u64, &mut digits);
        let mid_start = self.seq_end - seq_width - self.mid.len();
        let bl_start = mid_start - bl.len();
        let start = bl_start - self.head.len();
        self.buf[mid_start..mid_start + self.mid.len()].copy_from_slice(&self.mid);
        self.buf[bl_start..mid_start].copy_from_slice(bl);
        self.buf[start..bl_start].copy_from_slice(&self.head);
        self.head_sum = checksum(&self.buf[start..self.seq_end - seq_width]);
        self.start = start;
        self.seq_width = seq_width;
    }

    /// Patches in one order's MsgSeqNum, timestamp (52 and 60) and ClOrdID and returns the
    /// complete message. No allocation, no formatting.
    #[inline]
    pub fn encode(&mut self, seq: u32, time: &[u8; TIMESTAMP_LEN], cl_ord_id: &[u8; clordid::LEN]) -> &[u8] {
        self.set_seq(seq);
        let mut sum = self.head_sum.wrapping_add(self.tail_sum).wrapping_add(self.seq_sum);
        for p in self.time_pos {
            self.buf[p..p + TIMESTAMP_LEN].copy_from_slice(time);
        }
        sum = sum.wrapping_add(checksum(time).wrapping_mul(2));
        self.buf[self.cl_ord_id_pos..self.cl_ord_id_pos + clordid::LEN].copy_from_slice(cl_ord_id);
        sum = sum.wrapping_add(checksum(cl_ord_id));
        let cs_pos = self.seq_end + self.tail_len;
        let mut cs = [0u8; 3];
        write_digits(sum, &mut cs);
        self.buf[cs_pos + 3..cs_pos + 6].copy_from_slice(&cs);
        &self.buf[self.start..cs_pos + 7]
    }

    /// The longest message this template can produce (MsgSeqNum of 10 digits).
    pub fn max_len(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::parse::{Frame, frame};
    use crate::fix::printable;
    use proptest::prelude::*;

    pub(crate) const DEFAULT: &str = include_str!("../../fix-templates/new-order-single.fix");

    fn spec() -> TemplateSpec {
        TemplateSpec::parse(DEFAULT, "new-order-single.fix").unwrap()
    }

    fn err(text: &str) -> String {
        TemplateSpec::parse(text, "t.fix").unwrap_err().to_string()
    }

    const HEAD: &str = "35=D\n49={sender_comp_id}\n56={target_comp_id}\n34={seq}\n52={sending_time}\n";

    #[test]
    fn the_shipped_template_is_a_complete_limit_order() {
        let s = spec();
        let tags: Vec<u32> = s.fields.iter().map(|f| f.tag).collect();
        for t in [35, 49, 56, 34, 52, 11, 21, 55, 54, 60, 38, 40, 44] {
            assert!(tags.contains(&t), "tag {t} missing from the shipped template");
        }
    }

    #[test]
    fn patched_message_frames_and_has_the_fields_patched_in() {
        let mut t = OrderTemplate::new(&spec(), b"FIXBLAST", b"GATEWAY");
        let m = t.encode(7, b"20240102-03:04:05.678", b"0000000000000001").to_vec();
        assert_eq!(frame(&m), Frame::Message { len: m.len() }, "{}", printable(&m));
        let text = printable(&m);
        assert!(text.starts_with("8=FIX.4.2|9="), "{text}");
        assert!(text.contains("|35=D|49=FIXBLAST|56=GATEWAY|34=7|52=20240102-03:04:05.678|"), "{text}");
        assert!(text.contains("|11=0000000000000001|"), "{text}");
        assert!(text.contains("|60=20240102-03:04:05.678|"), "{text}");
    }

    #[test]
    fn consecutive_sequence_numbers_across_digit_boundaries_match_a_plain_encode() {
        let spec = spec();
        let mut t = OrderTemplate::new(&spec, b"S", b"T");
        let mut plain = vec![0u8; 1024];
        let time = *b"20240102-03:04:05.678";
        let id = *b"0000000000000001";
        for seq in (1..=1100).chain(99_990..100_010).chain(u32::MAX - 3..=u32::MAX).chain(0..3) {
            let patched = t.encode(seq, &time, &id).to_vec();
            let vars = Vars { sender: b"S", target: b"T", seq, time: &time, cl_ord_id: &id };
            let n = spec.encode_plain(&vars, &mut plain).unwrap();
            assert_eq!(printable(&patched), printable(&plain[..n]), "seq {seq}");
        }
    }

    #[test]
    fn errors_name_file_line_and_tag() {
        assert_eq!(err(&format!("{HEAD}11={{clordid}}\nbogus\n")), "t.fix:7: expected TAG=VALUE, found \"bogus\"");
        assert_eq!(err(&format!("{HEAD}x1=2\n")), "t.fix:6: \"x1\" is not a tag number");
        assert_eq!(err(&format!("{HEAD}55=\n")), "t.fix:6: tag 55: empty value; FIX does not allow empty fields");
        assert_eq!(
            err(&format!("{HEAD}9=100\n")),
            "t.fix:6: tag 9: is framing that fixblast writes itself; remove this line"
        );
        assert_eq!(err(&format!("{HEAD}55=A\n55=B\n")), "t.fix:7: tag 55: appears twice (first on line 6)");
        assert_eq!(err(&format!("{HEAD}55={{seq}}\n")), "t.fix:6: tag 55: placeholder {seq} belongs to tag 34");
        assert!(err(&format!("{HEAD}55={{sym}}\n")).starts_with("t.fix:6: tag 55: unknown placeholder {sym}"));
        assert_eq!(
            err("35=D\n56={target_comp_id}\n"),
            "t.fix:2: tag 56: found where tag 49 belongs; the header is 35, 49, 56, 34, 52 in that order"
        );
        assert_eq!(err(&format!("{HEAD}11=ABC\n")), "t.fix:6: tag 11: must be {clordid}; fixblast fills it in");
        assert_eq!(
            err(&HEAD.replace("35=D", "35=F")),
            "t.fix:1: tag 35: is \"F\"; order templates are NewOrderSingle (35=D)"
        );
        assert_eq!(
            err(&format!("{HEAD}11={{clordid}}\n55=X\n54=1\n60={{transact_time}}\n38=100\n40=2\n")),
            "t.fix: tag 21: missing; FIX 4.2 requires HandlInst (21) on a NewOrderSingle"
        );
        assert_eq!(
            err(&format!("{HEAD}11={{clordid}}\n21=1\n55=X\n54=1\n60={{transact_time}}\n38=100\n40=2\n")),
            "t.fix:12: tag 44: missing; FIX 4.2 requires Price (44) when OrdType (40) is limit"
        );
        assert_eq!(
            err(&format!("{HEAD}11={{clordid}}\n21=1\n55=X\n54=1\n60={{transact_time}}\n38=1x0\n40=1\n")),
            "t.fix:11: tag 38: \"1x0\" is not a decimal number"
        );
    }

    #[test]
    fn market_orders_need_no_price() {
        let text = format!("{HEAD}11={{clordid}}\n21=1\n55=X\n54=1\n60={{transact_time}}\n38=100\n40=1\n");
        assert!(TemplateSpec::parse(&text, "t.fix").is_ok());
    }

    proptest! {
        /// The patched template equals a fresh plain encode, including across MsgSeqNum digit
        /// boundaries and after moving back to fewer digits.
        #[test]
        fn patched_bytes_equal_a_plain_encode(
            sender in "[A-Z0-9]{1,12}",
            target in "[A-Z0-9]{1,12}",
            orders in proptest::collection::vec((any::<u32>(), 0u64..4_102_444_800_000_000_000, any::<u64>()), 1..20),
            run_len in 0u32..300,
        ) {
            let spec = spec();
            let mut t = OrderTemplate::new(&spec, sender.as_bytes(), target.as_bytes());
            let mut plain = vec![0u8; 1024];
            // Random MsgSeqNums, each followed by a run of consecutive ones (the in-place
            // increment, its carries and its digit-count changes).
            let orders = orders.into_iter().flat_map(|(seq, ns, id)| {
                (0..=run_len).map(move |k| (seq.wrapping_add(k), ns + k as u64 * 1_000_000, id ^ k as u64))
            });
            for (seq, ns, id) in orders {
                let mut time = [0u8; TIMESTAMP_LEN];
                crate::fix::time::write_timestamp(ns, &mut time);
                let mut cl = [0u8; clordid::LEN];
                crate::fix::clordid::ClOrdId::unpack(id).write(&mut cl);
                let patched = t.encode(seq, &time, &cl).to_vec();
                let vars = Vars { sender: sender.as_bytes(), target: target.as_bytes(), seq, time: &time, cl_ord_id: &cl };
                let n = spec.encode_plain(&vars, &mut plain).unwrap();
                prop_assert_eq!(printable(&patched), printable(&plain[..n]));
                // And 10= equals a full recompute.
                let body_end = patched.len() - 7;
                let mut cs = [0u8; 3];
                write_digits(checksum(&patched[..body_end]), &mut cs);
                prop_assert_eq!(&patched[body_end + 3..body_end + 6], &cs);
            }
        }
    }
}
