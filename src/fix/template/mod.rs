//! Message templates: a readable file loaded once at start-up ([`TemplateSpec`], see
//! [`spec`] for the file format), pre-encoded, then patched in place for every message
//! ([`OrderTemplate`]).
//!
//! # Patching
//!
//! [`OrderTemplate`] keeps everything after MsgSeqNum at a fixed offset and right-aligns the
//! header against it, so a new message only rewrites the sequence digits, the two timestamps,
//! the ClOrdID (and OrigClOrdID) after the run's stem, which is fixed bytes of the template
//! ([`clordid`] has the layout), and, when the order differs from the last one, the order's
//! own fields, which come pre-encoded from the [feed](crate::fix::feed) and go in front of
//! `10=`. The header moves (and BodyLength changes width) only when MsgSeqNum gains a digit or
//! the body crosses a power of ten. The checksum is the precomputed sum of the fixed bytes
//! plus the sums of the bytes patched in: the message is never re-summed.

pub mod spec;

pub use super::fields::{Field, Placeholder, Value};
pub use spec::{Kind, TemplateError, TemplateSpec};

use super::SOH;
use super::checksum::{checksum, write_digits};
use super::clordid;
use super::encode::{decimal_width, write_u64};
use super::fields::{FEED_TAGS, Part};
use super::time::TIMESTAMP_LEN;

/// The values of a message's placeholders, for [`TemplateSpec::encode_plain`].
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    pub sender: &'a [u8],
    pub target: &'a [u8],
    pub seq: u32,
    pub time: &'a [u8; TIMESTAMP_LEN],
    /// The whole ClOrdID, stem included.
    pub cl_ord_id: &'a [u8],
    /// The whole OrigClOrdID; ignored unless the template has `{orig_clordid}`.
    pub orig_cl_ord_id: &'a [u8],
    /// The order's own fields, pre-encoded.
    pub part: &'a [u8],
}

/// A message pre-encoded for one session, patched in place per message.
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
    /// Bytes from `seq_end` to the order's own fields.
    tail_len: usize,
    time_pos: [usize; 2],
    /// The timestamp now at both `time_pos` and its byte sum: most orders share their
    /// millisecond with the one before, and then neither is rewritten nor re-summed.
    time: [u8; TIMESTAMP_LEN],
    time_sum: u8,
    cl_ord_id_pos: usize,
    orig_pos: Option<usize>,
    /// Sum of the fixed tail bytes (excluding the patched ranges).
    tail_sum: u8,
    /// Sum of the head, BodyLength digits and mid for the current layout.
    head_sum: u8,
    /// Where the BodyLength digits are, how many, and their sum.
    bl_pos: usize,
    bl_width: usize,
    bl_sum: u8,
    /// The MsgSeqNum now in the buffer and the sum of its digits: the next one is usually
    /// this plus one, which is an in-place increment.
    seq: u32,
    seq_sum: u8,
    /// The order's fields now in the buffer (`u32::MAX`: none yet), their length and sum.
    part_id: u32,
    part_len: usize,
    part_sum: u8,
    max_part: usize,
}

impl OrderTemplate {
    /// Pre-encodes `spec` for a session with these CompIDs, whose ClOrdIDs (and
    /// OrigClOrdIDs) start with `stem` (the run's [`Stem`](clordid::Stem): fixed bytes here,
    /// never patched). `max_part` is the longest order part
    /// ([`OrderFeed::max_len`](crate::fix::feed::OrderFeed::max_len)) it will be given.
    pub fn new(spec: &TemplateSpec, sender: &[u8], target: &[u8], stem: &[u8], max_part: usize) -> OrderTemplate {
        let mut head = Vec::new();
        head.extend_from_slice(b"8=");
        // Any length: the header is right-aligned against MsgSeqNum, and BodyLength and
        // CheckSum are computed over whatever BeginString the version has.
        head.extend_from_slice(spec.version.begin_string());
        head.push(SOH);
        head.extend_from_slice(b"9=");

        let mut mid = vec![SOH];
        let mut tail = Vec::new();
        let mut time_pos = Vec::new();
        let mut cl_ord_id_pos = 0;
        let mut orig_pos = None;
        let mut in_tail = false;
        let mut digits = [0u8; 20];
        for f in spec.fields.iter().filter(|f| !FEED_TAGS.contains(&f.tag)) {
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
                    out.extend_from_slice(stem);
                    cl_ord_id_pos = out.len();
                    out.extend_from_slice(&[b'0'; clordid::LEN]);
                }
                Value::Placeholder(Placeholder::OrigClOrdId) => {
                    out.extend_from_slice(stem);
                    orig_pos = Some(out.len());
                    out.extend_from_slice(&[b'0'; clordid::LEN]);
                }
            }
            out.push(SOH);
        }
        // Sum of the tail without its patched ranges (which hold '0's now).
        let zeros = 2 * TIMESTAMP_LEN + clordid::LEN * (1 + orig_pos.is_some() as usize);
        let tail_sum = checksum(&tail).wrapping_sub(b'0'.wrapping_mul(zeros as u8));
        let tail_len = tail.len();

        // Room for the longest head (7 BodyLength digits and 10 MsgSeqNum digits), the
        // longest order part and `10=NNN|`.
        let seq_end = head.len() + 7 + mid.len() + 10;
        let mut buf = vec![0u8; seq_end + tail_len + max_part + 7].into_boxed_slice();
        debug_assert_eq!(buf.len(), spec.max_message_len(sender.len(), target.len(), stem.len(), max_part));
        buf[seq_end..seq_end + tail_len].copy_from_slice(&tail);
        let mut t = OrderTemplate {
            buf,
            head,
            mid,
            start: 0,
            seq_end,
            seq_width: 0,
            tail_len,
            time_pos: [seq_end + time_pos[0], seq_end + time_pos[1]],
            // What `tail` holds there now.
            time: [b'0'; TIMESTAMP_LEN],
            time_sum: checksum(&[b'0'; TIMESTAMP_LEN]),
            cl_ord_id_pos: seq_end + cl_ord_id_pos,
            orig_pos: orig_pos.map(|p| seq_end + p),
            tail_sum,
            head_sum: 0,
            bl_pos: 0,
            bl_width: 0,
            bl_sum: 0,
            seq: 0,
            seq_sum: 0,
            part_id: u32::MAX,
            part_len: 0,
            part_sum: 0,
            max_part,
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

    fn body_len(&self, seq_width: usize) -> u64 {
        ((self.mid.len() - 1) + seq_width + self.tail_len + self.part_len) as u64
    }

    /// Rewrites the part before MsgSeqNum's digits for a new digit count or BodyLength
    /// width. Rare: once per power of ten.
    fn relayout(&mut self, seq_width: usize) {
        let mut digits = [0u8; 20];
        let bl = write_u64(self.body_len(seq_width), &mut digits);
        let mid_start = self.seq_end - seq_width - self.mid.len();
        let bl_start = mid_start - bl.len();
        let start = bl_start - self.head.len();
        self.buf[mid_start..mid_start + self.mid.len()].copy_from_slice(&self.mid);
        self.buf[bl_start..mid_start].copy_from_slice(bl);
        self.buf[start..bl_start].copy_from_slice(&self.head);
        self.head_sum = checksum(&self.buf[start..self.seq_end - seq_width]);
        self.bl_pos = bl_start;
        self.bl_width = bl.len();
        self.bl_sum = checksum(bl);
        self.start = start;
        self.seq_width = seq_width;
    }

    /// Puts the order's own fields in front of `10=` unless they are there already, and
    /// keeps BodyLength right.
    #[inline]
    fn set_part(&mut self, part: Part<'_>) {
        if part.id == self.part_id {
            return;
        }
        assert!(part.bytes.len() <= self.max_part, "order part longer than the template's room");
        let pos = self.seq_end + self.tail_len;
        self.buf[pos..pos + part.bytes.len()].copy_from_slice(part.bytes);
        let changed = part.bytes.len() != self.part_len;
        self.part_id = part.id;
        self.part_len = part.bytes.len();
        self.part_sum = part.sum;
        if !changed {
            return;
        }
        let body_len = self.body_len(self.seq_width);
        if decimal_width(body_len) != self.bl_width {
            self.relayout(self.seq_width);
            return;
        }
        // Same width: new digits in place, and the head's sum follows them.
        let mut digits = [0u8; 20];
        let bl = write_u64(body_len, &mut digits);
        self.buf[self.bl_pos..self.bl_pos + bl.len()].copy_from_slice(bl);
        let sum = checksum(bl);
        self.head_sum = self.head_sum.wrapping_sub(self.bl_sum).wrapping_add(sum);
        self.bl_sum = sum;
    }

    /// Patches in one message's MsgSeqNum, timestamp (52 and 60), ClOrdID, OrigClOrdID (for
    /// templates that have one) and the order's own fields, and returns the complete
    /// message. `cl_ord_id` and `orig_cl_ord_id` are the parts after the stem (ORDER, see
    /// [`clordid`]). No allocation, no formatting.
    #[inline]
    pub fn encode(
        &mut self,
        seq: u32,
        time: &[u8; TIMESTAMP_LEN],
        cl_ord_id: &[u8; clordid::LEN],
        orig_cl_ord_id: &[u8; clordid::LEN],
        part: Part<'_>,
    ) -> &[u8] {
        self.set_seq(seq);
        self.set_part(part);
        if *time != self.time {
            for p in self.time_pos {
                self.buf[p..p + TIMESTAMP_LEN].copy_from_slice(time);
            }
            self.time = *time;
            self.time_sum = checksum(time);
        }
        let mut sum = self.head_sum.wrapping_add(self.tail_sum).wrapping_add(self.seq_sum).wrapping_add(self.part_sum);
        sum = sum.wrapping_add(self.time_sum.wrapping_mul(2));
        self.buf[self.cl_ord_id_pos..self.cl_ord_id_pos + clordid::LEN].copy_from_slice(cl_ord_id);
        sum = sum.wrapping_add(checksum(cl_ord_id));
        if let Some(p) = self.orig_pos {
            self.buf[p..p + clordid::LEN].copy_from_slice(orig_cl_ord_id);
            sum = sum.wrapping_add(checksum(orig_cl_ord_id));
        }
        let cs_pos = self.seq_end + self.tail_len + self.part_len;
        let mut cs = [0u8; 3];
        write_digits(sum, &mut cs);
        let trailer = [b'1', b'0', b'=', cs[0], cs[1], cs[2], SOH];
        self.buf[cs_pos..cs_pos + 7].copy_from_slice(&trailer);
        &self.buf[self.start..cs_pos + 7]
    }

    /// The longest message this template can produce (MsgSeqNum of 10 digits, the longest
    /// order part).
    pub fn max_len(&self) -> usize {
        self.buf.len()
    }
}

impl TemplateSpec {
    /// The longest message this template makes for a session whose CompIDs are `sender` and
    /// `target` bytes long, whose ClOrdIDs follow a stem of `stem` bytes, and whose orders'
    /// own fields are up to `max_part` bytes: the room [`OrderTemplate::new`] makes (a
    /// MsgSeqNum of 10 digits, a BodyLength of 7), computed without making it.
    pub fn max_message_len(&self, sender: usize, target: usize, stem: usize, max_part: usize) -> usize {
        let field = |f: &Field| {
            let value = match &f.value {
                Value::Literal(v) => v.len(),
                Value::Placeholder(Placeholder::SenderCompId) => sender,
                Value::Placeholder(Placeholder::TargetCompId) => target,
                // Its digits are counted below, with the header's.
                Value::Placeholder(Placeholder::Seq) => 0,
                Value::Placeholder(Placeholder::SendingTime | Placeholder::TransactTime) => TIMESTAMP_LEN,
                Value::Placeholder(Placeholder::ClOrdId | Placeholder::OrigClOrdId) => stem + clordid::LEN,
            };
            decimal_width(f.tag as u64) + 1 + value + 1
        };
        let fields: usize = self.fields.iter().filter(|f| !FEED_TAGS.contains(&f.tag)).map(field).sum();
        // `8=FIX.4.2|9=`, 7 BodyLength digits and their SOH, 10 MsgSeqNum digits, `10=NNN|`.
        let framing = 2 + self.version.begin_string().len() + 1 + 2 + 7 + 1 + 10 + 7;
        framing + fields + max_part
    }

    /// Checks that every message of this template (for the session and orders described as
    /// in [`max_message_len`](TemplateSpec::max_message_len)) fits in `room` bytes: a
    /// connection's send buffer, which takes a message whole or not at all. A longer one
    /// could never be sent: the run would log on, send nothing and blame itself for falling
    /// behind. `template check` and `run` both ask this, so a template that passes one
    /// passes the other. The error names the longest value, the one to shorten. Returns the
    /// longest message's length.
    pub fn check_fits(
        &self,
        sender: usize,
        target: usize,
        stem: usize,
        max_part: usize,
        room: usize,
    ) -> Result<usize, TemplateError> {
        let len = self.max_message_len(sender, target, stem, max_part);
        if len <= room {
            return Ok(len);
        }
        let literal = |f: &Field| match &f.value {
            Value::Literal(v) => Some((f.line, f.tag, v.len())),
            Value::Placeholder(_) => None,
        };
        // MsgType (35) is always a literal.
        let (line, tag, n) = self.fields.iter().filter_map(literal).max_by_key(|l| l.2).unwrap_or((0, 35, 0));
        let over = len - room;
        let shorten = match n > over {
            true => format!("; this value may be at most {} bytes", n - over),
            false => String::new(),
        };
        Err(TemplateError {
            file: self.file.clone(),
            line,
            tag: Some(tag),
            message: format!(
                "{n} bytes: a message of this template would be up to {len} bytes, more than the {room} of a \
                 connection's send buffer, so none could be sent{shorten}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../../../fix-templates/new-order-single.fix");
    const CANCEL: &str = include_str!("../../../fix-templates/order-cancel-request.fix");
    const REPLACE: &str = include_str!("../../../fix-templates/order-cancel-replace-request.fix");

    fn spec() -> TemplateSpec {
        TemplateSpec::parse(DEFAULT, "new-order-single.fix").unwrap()
    }

    fn err(text: &str) -> String {
        TemplateSpec::parse(text, "t.fix").unwrap_err().to_string()
    }

    const HEAD: &str = "35=D\n49={sender_comp_id}\n56={target_comp_id}\n34={seq}\n52={sending_time}\n";

    #[test]
    fn the_shipped_templates_are_complete() {
        let s = spec();
        assert_eq!(s.kind, Kind::New);
        let tags: Vec<u32> = s.fields.iter().map(|f| f.tag).collect();
        for t in [35, 49, 56, 34, 52, 11, 21, 55, 54, 60, 38, 40, 44] {
            assert!(tags.contains(&t), "tag {t} missing from the shipped template");
        }
        assert_eq!(TemplateSpec::parse(CANCEL, "c.fix").unwrap().kind, Kind::Cancel);
        assert_eq!(TemplateSpec::parse(REPLACE, "r.fix").unwrap().kind, Kind::Replace);
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
        assert!(
            err(&HEAD.replace("35=D", "35=8")).starts_with("t.fix:1: tag 35: is \"8\"; templates are NewOrderSingle")
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
        let cancel = HEAD.replace("35=D", "35=F");
        assert_eq!(
            err(&format!("{cancel}11={{clordid}}\n60={{transact_time}}\n")),
            "t.fix: tag 41: missing; FIX 4.2 requires OrigClOrdID (41) on an OrderCancelRequest"
        );
        assert_eq!(
            err(&format!("{cancel}41={{orig_clordid}}\n11={{clordid}}\n60={{transact_time}}\n55=X\n")),
            "t.fix:9: tag 55: comes from the order being amended (or the order feed); remove this line"
        );
    }

    #[test]
    fn market_orders_need_no_price() {
        let text = format!("{HEAD}11={{clordid}}\n21=1\n55=X\n54=1\n60={{transact_time}}\n38=100\n40=1\n");
        assert!(TemplateSpec::parse(&text, "t.fix").is_ok());
    }

    /// The shipped order with a Text (58) of `n` bytes on line 29.
    fn with_text(n: usize) -> TemplateSpec {
        TemplateSpec::parse(&format!("{DEFAULT}58={}\n", "x".repeat(n)), "t.fix").unwrap()
    }

    /// What a session with these lengths lays out is what `max_message_len` says, and what
    /// `encode` returns never passes it.
    #[test]
    fn the_longest_message_is_computed_without_building_it() {
        let feed = crate::fix::feed::OrderFeed::from_template(&spec().fields);
        for text in [DEFAULT, CANCEL, REPLACE] {
            let s = TemplateSpec::parse(text, "t.fix").unwrap();
            for (sender, target, stem) in
                [(&b"S"[..], &b"T"[..], &b"1234567"[..]), (&[b'S'; 132], &[b'T'; 128], &[b'p'; 23])]
            {
                let mut t = OrderTemplate::new(&s, sender, target, stem, feed.max_len());
                let len = s.max_message_len(sender.len(), target.len(), stem.len(), feed.max_len());
                assert_eq!(t.max_len(), len, "{}", s.kind.name());
                let id = [b'0'; clordid::LEN];
                let sent = t.encode(u32::MAX, b"20240102-03:04:05.678", &id, &id, feed.order(0)).len();
                assert!(sent <= len, "{sent} > {len}");
            }
        }
    }

    /// A template whose messages do not fit in a connection's send buffer is refused, naming
    /// the line, the tag and its size, and how long it may be; one byte less fits.
    #[test]
    fn a_message_longer_than_the_send_buffer_is_refused_naming_the_field() {
        let room = 65_536;
        let fits = |n: usize| with_text(n).check_fits(8, 7, 7, 30, room);
        // The longest Text that fits: the message without it is one byte shorter than with one.
        let just = room - (fits(1).unwrap() - 1);
        assert_eq!(fits(just), Ok(room));
        let over = fits(just + 1).unwrap_err();
        assert_eq!((over.line, over.tag), (29, Some(58)), "{over}");
        assert_eq!(
            over.to_string(),
            format!(
                "t.fix:29: tag 58: {} bytes: a message of this template would be up to {} bytes, more than the \
                 65536 of a connection's send buffer, so none could be sent; this value may be at most {just} bytes",
                just + 1,
                room + 1
            )
        );
        for n in [70_000, 3_000_000, 20_000_000] {
            let e = fits(n).unwrap_err();
            assert!(e.to_string().starts_with(&format!("t.fix:29: tag 58: {n} bytes: ")), "{e}");
        }
    }

    /// An order's own fields are held to a feed's limits in a template too: longer, the feed
    /// of the template's one order would cut them (it stores a length in a byte).
    #[test]
    fn symbol_qty_and_price_are_held_to_the_feeds_limits() {
        let long = |t: u32, v: &str| {
            let line = DEFAULT.lines().position(|l| l.starts_with(&format!("{t}="))).unwrap();
            let text: Vec<String> = DEFAULT
                .lines()
                .enumerate()
                .map(|(i, l)| if i == line { format!("{t}={v}") } else { l.to_string() })
                .collect();
            TemplateSpec::parse(&text.join("\n"), "t.fix")
        };
        let symbol = "S".repeat(64);
        let (qty, price) = ("1".repeat(20), format!("1.{}", "5".repeat(18)));
        let s = long(55, &symbol).unwrap();
        let feed = crate::fix::feed::OrderFeed::from_template(&s.fields);
        let part = feed.order(0).bytes;
        assert!(part.starts_with(format!("55={symbol}\x01").as_bytes()), "{}", crate::fix::printable(part));
        assert!(long(38, &qty).is_ok() && long(44, &price).is_ok());
        let e = long(55, &"S".repeat(65)).unwrap_err();
        assert_eq!((e.line, e.tag), (19, Some(55)));
        assert!(e.message.starts_with("65 bytes, more than 64; an order's Symbol (55) is at most 64"), "{e}");
        assert!(long(38, &format!("{qty}1")).unwrap_err().message.starts_with("21 bytes, more than 20"));
        assert!(long(44, &format!("{price}1")).unwrap_err().message.starts_with("21 bytes, more than 20"));
    }

    /// fixblast's own parser, which the built-in gateway reads orders with, refuses a message
    /// in which a tag it reads as a number or a single character holds anything else, or a
    /// tag has more than 9 digits: a template with one would send orders nobody answers. It is
    /// refused at its line (found by the `template` fuzz target: `45=1*0.25` passed).
    #[test]
    fn a_value_or_tag_fixblasts_own_parser_refuses_is_refused_where_it_is() {
        let line = |l: &str| err(&format!("{DEFAULT}{l}\n"));
        assert_eq!(
            line("45=1*0.25"),
            "t.fix:29: tag 45: \"1*0.25\" is malformed for this tag: fixblast's own parser, and so its built-in \
             gateway, would refuse every message"
        );
        assert!(
            line("150=12").starts_with("t.fix:29: tag 150: \"12\" is malformed for this tag"),
            "{}",
            line("150=12")
        );
        assert!(line("108=x").starts_with("t.fix:29: tag 108: \"x\" is malformed"), "{}", line("108=x"));
        assert_eq!(
            line("1000000000=x"),
            "t.fix:29: \"1000000000\" is not a tag number: a tag has at most 9 digits, as fixblast's parser reads them"
        );
        for ok in ["45=7", "150=0", "39=A", "108=30", "999999999=x", "0000000058=text"] {
            assert!(TemplateSpec::parse(&format!("{DEFAULT}{ok}\n"), "t.fix").is_ok(), "{ok}");
        }
    }

    #[test]
    fn a_value_with_soh_is_refused_where_it_is() {
        assert_eq!(
            err(&format!("{HEAD}58=a\x01b\n")),
            "t.fix:6: tag 58: byte 1 is SOH (0x01), the FIX field delimiter: it would end the field there"
        );
    }
}
