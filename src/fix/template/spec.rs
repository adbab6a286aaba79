//! Template files: parsed and checked once at start-up, before anything is sent.
//!
//! # File format
//!
//! One field per line, `TAG=VALUE`, in wire order from MsgType (35) on. Lines starting with
//! `#` and blank lines are ignored. BeginString (8), BodyLength (9) and CheckSum (10) are
//! framing that fixblast writes. Tags have at most 9 digits, and a value must be one that
//! fixblast's own parser reads (a number or a single character, for the tags it reads as
//! such). The header must be `35`, `49`, `56`, `34`, `52`, in that order, and these
//! placeholders fill in what varies:
//!
//! | placeholder         | tag | filled                                  |
//! |---------------------|-----|-----------------------------------------|
//! | `{sender_comp_id}`  | 49  | at start-up, from `--sender-comp-id`    |
//! | `{target_comp_id}`  | 56  | at start-up, from `--target-comp-id`    |
//! | `{seq}`             | 34  | per order: MsgSeqNum                    |
//! | `{sending_time}`    | 52  | per order: UTC now, milliseconds        |
//! | `{transact_time}`   | 60  | per order: the same instant as 52       |
//! | `{clordid}`         | 11  | per order: `--clordid-prefix`, the run's tag, the slot (20 characters without a prefix; see [`clordid`](crate::fix::clordid)) |
//! | `{orig_clordid}`    | 41  | per cancel/replace: the ClOrdID of the order it amends |
//!
//! Three message types are templates: NewOrderSingle (35=D), OrderCancelRequest (35=F) and
//! OrderCancelReplaceRequest (35=G). The order's own fields (Symbol 55, Side 54, OrderQty 38,
//! OrdType 40, Price 44, TimeInForce 59) come from the order feed, or from the NewOrderSingle
//! template when there is no feed; a cancel or replace repeats those of the order it amends,
//! so its template must not name them.

use super::Vars;
use crate::fix::encode::{Encoder, Overflow};
use crate::fix::fields::{FEED_TAGS, Field, MAX_NUMBER, MAX_SYMBOL, Placeholder, Value};
use crate::fix::parse::{MAX_TAG, ParseError, parse};
use crate::fix::time::TIMESTAMP_LEN;
use crate::fix::value::{ValueError, check_value};
use crate::fix::{FixVersion, SOH, tag};
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

/// The message types fixblast sends from templates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    /// NewOrderSingle (35=D).
    #[default]
    New,
    /// OrderCancelRequest (35=F).
    Cancel,
    /// OrderCancelReplaceRequest (35=G).
    Replace,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::New, Kind::Cancel, Kind::Replace];

    /// The MsgType (35) value.
    pub fn msg_type(self) -> &'static [u8] {
        match self {
            Kind::New => b"D",
            Kind::Cancel => b"F",
            Kind::Replace => b"G",
        }
    }

    /// The name used in `--mix`, the result file and `--sla` prefixes.
    pub fn name(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Cancel => "cancel",
            Kind::Replace => "replace",
        }
    }

    pub fn fix_name(self) -> &'static str {
        match self {
            Kind::New => "NewOrderSingle",
            Kind::Cancel => "OrderCancelRequest",
            Kind::Replace => "OrderCancelReplaceRequest",
        }
    }

    /// The FIX name with its article, for messages.
    pub fn a_fix_name(self) -> &'static str {
        match self {
            Kind::New => "a NewOrderSingle",
            Kind::Cancel => "an OrderCancelRequest",
            Kind::Replace => "an OrderCancelReplaceRequest",
        }
    }

    /// Tags `version` requires in the template itself (the order's own fields aside). FIX
    /// 4.4 made HandlInst (21) optional, and the 5.0 family kept it so; TransactTime (60) is
    /// required in all.
    fn required(self, version: FixVersion) -> &'static [(u32, &'static str)] {
        let after_4_2 = version != FixVersion::Fix42;
        match (self, version) {
            (Kind::New, _) if after_4_2 => &[
                (tag::CL_ORD_ID, "ClOrdID"),
                (tag::SYMBOL, "Symbol"),
                (tag::SIDE, "Side"),
                (tag::TRANSACT_TIME, "TransactTime"),
                (tag::ORDER_QTY, "OrderQty"),
                (tag::ORD_TYPE, "OrdType"),
            ],
            (Kind::Replace, _) if after_4_2 => &[
                (tag::ORIG_CL_ORD_ID, "OrigClOrdID"),
                (tag::CL_ORD_ID, "ClOrdID"),
                (tag::TRANSACT_TIME, "TransactTime"),
            ],
            (Kind::New, _) => &[
                (tag::CL_ORD_ID, "ClOrdID"),
                (tag::HANDL_INST, "HandlInst"),
                (tag::SYMBOL, "Symbol"),
                (tag::SIDE, "Side"),
                (tag::TRANSACT_TIME, "TransactTime"),
                (tag::ORDER_QTY, "OrderQty"),
                (tag::ORD_TYPE, "OrdType"),
            ],
            (Kind::Cancel, _) => &[
                (tag::ORIG_CL_ORD_ID, "OrigClOrdID"),
                (tag::CL_ORD_ID, "ClOrdID"),
                (tag::TRANSACT_TIME, "TransactTime"),
            ],
            (Kind::Replace, _) => &[
                (tag::ORIG_CL_ORD_ID, "OrigClOrdID"),
                (tag::CL_ORD_ID, "ClOrdID"),
                (tag::HANDL_INST, "HandlInst"),
                (tag::TRANSACT_TIME, "TransactTime"),
            ],
        }
    }
}

/// A parsed, validated template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    pub file: String,
    pub kind: Kind,
    pub fields: Vec<Field>,
    /// The FIX version it was checked against and is encoded in.
    pub version: FixVersion,
}

/// Header tags every template starts with, in this order.
const HEADER: [u32; 5] = [tag::MSG_TYPE, tag::SENDER_COMP_ID, tag::TARGET_COMP_ID, tag::MSG_SEQ_NUM, tag::SENDING_TIME];

impl TemplateSpec {
    /// Parses template text as FIX 4.2 ([`parse_as`](TemplateSpec::parse_as)).
    pub fn parse(text: &str, file: &str) -> Result<TemplateSpec, TemplateError> {
        TemplateSpec::parse_as(text, file, FixVersion::Fix42)
    }

    /// Parses template text and checks it against `version`'s required fields. `file`
    /// names it in errors.
    pub fn parse_as(text: &str, file: &str, version: FixVersion) -> Result<TemplateSpec, TemplateError> {
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
                Ok(n) if n > MAX_TAG => {
                    let why = "a tag has at most 9 digits, as fixblast's parser reads them";
                    return Err(err(line, None, format!("{t:?} is not a tag number: {why}")));
                }
                Ok(n) if n > 0 && t.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(err(line, None, format!("{t:?} is not a tag number"))),
            };
            check_value(v.as_bytes(), longest_value(tag)).map_err(|e| err(line, Some(tag), value_error(e)))?;
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
        let mut spec = TemplateSpec { file: file.to_string(), kind: Kind::New, fields, version };
        spec.kind = spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a FIX 4.2 template file ([`load_as`](TemplateSpec::load_as)).
    pub fn load(path: &std::path::Path) -> Result<TemplateSpec, TemplateError> {
        TemplateSpec::load_as(path, FixVersion::Fix42)
    }

    /// Reads and parses a template file for `version`.
    pub fn load_as(path: &std::path::Path, version: FixVersion) -> Result<TemplateSpec, TemplateError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
            file: file.clone(),
            line: 0,
            tag: None,
            message: format!("cannot read: {e}"),
        })?;
        TemplateSpec::parse_as(&text, &file, version)
    }

    fn err(&self, line: usize, tag: Option<u32>, message: String) -> TemplateError {
        TemplateError { file: self.file.clone(), line, tag, message }
    }

    fn get(&self, t: u32) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == t)
    }

    fn validate(&self) -> Result<Kind, TemplateError> {
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
        let Some(kind) = Kind::ALL.into_iter().find(|k| k.msg_type() == msg_type) else {
            return Err(self.err(
                self.fields[0].line,
                Some(tag::MSG_TYPE),
                format!(
                    "is {:?}; templates are NewOrderSingle (D), OrderCancelRequest (F) or \
                     OrderCancelReplaceRequest (G)",
                    String::from_utf8_lossy(&msg_type)
                ),
            ));
        };
        let missing: Vec<String> = kind
            .required(self.version)
            .iter()
            .filter(|(t, _)| self.get(*t).is_none())
            .map(|(t, name)| format!("{name} ({t})"))
            .collect();
        if let Some(&(first, _)) = kind.required(self.version).iter().find(|(t, _)| self.get(*t).is_none()) {
            return Err(self.err(
                0,
                Some(first),
                format!("missing; FIX {} requires {} on {}", self.version, missing.join(", "), kind.a_fix_name()),
            ));
        }
        self.check_reads_back()?;
        if kind != Kind::New {
            if let Some(f) = self.fields.iter().find(|f| FEED_TAGS.contains(&f.tag)) {
                return Err(self.err(
                    f.line,
                    Some(f.tag),
                    "comes from the order being amended (or the order feed); remove this line".into(),
                ));
            }
            return Ok(kind);
        }
        if let Some(f) = self.get(tag::ORIG_CL_ORD_ID) {
            return Err(self.err(f.line, Some(f.tag), "OrigClOrdID has no place on a NewOrderSingle".into()));
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
                format!("missing; FIX {} requires Price (44) when OrdType (40) is limit", self.version),
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
        for t in [tag::SIDE, tag::ORD_TYPE, tag::TIME_IN_FORCE] {
            if let Some(v) = literal(t)
                && v.len() != 1
            {
                return Err(self.err(line(t), Some(t), "must be one character in FIX 4.2".into()));
            }
        }
        Ok(kind)
    }

    /// Checks that fixblast's own parser, which the built-in gateway reads orders with, reads
    /// this template's messages: it refuses a message in which a tag it reads as a number or
    /// a single character (`108`, `150` …) holds anything else, and such a template would
    /// send orders that nobody answers. The order's own fields (from a feed) are left out:
    /// the parser reads none of them as anything but text.
    fn check_reads_back(&self) -> Result<(), TemplateError> {
        let time = [b'0'; TIMESTAMP_LEN];
        let vars =
            Vars { sender: b"S", target: b"T", seq: 1, time: &time, cl_ord_id: b"1", orig_cl_ord_id: b"1", part: b"" };
        let mut buf = vec![0u8; self.max_message_len(1, 1, 1, 0)];
        let n = self.encode_plain(&vars, &mut buf).expect("max_message_len is room enough");
        let Err(e) = parse(&buf[..n]) else { return Ok(()) };
        let ParseError::BadValue(t) = e else {
            return Err(self.err(0, None, format!("fixblast's own parser would refuse every message: {e}")));
        };
        let (line, value) = match self.get(t) {
            Some(Field { line, value: Value::Literal(v), .. }) => (*line, String::from_utf8_lossy(v).into_owned()),
            _ => (0, String::new()),
        };
        Err(self.err(
            line,
            Some(t),
            format!(
                "{value:?} is malformed for this tag: fixblast's own parser, and so its built-in gateway, would \
                 refuse every message"
            ),
        ))
    }

    /// Encodes one message with the plain [`Encoder`]: the reference the patched template
    /// must equal byte for byte. The order's own fields come from `vars.part`, after the
    /// template's.
    pub fn encode_plain(&self, vars: &Vars<'_>, buf: &mut [u8]) -> Result<usize, Overflow> {
        let mut e = Encoder::for_version(buf, self.version);
        for f in self.fields.iter().filter(|f| !FEED_TAGS.contains(&f.tag)) {
            match &f.value {
                Value::Literal(v) => e.field(f.tag, v),
                Value::Placeholder(p) => match p {
                    Placeholder::SenderCompId => e.field(f.tag, vars.sender),
                    Placeholder::TargetCompId => e.field(f.tag, vars.target),
                    Placeholder::Seq => e.field_u64(f.tag, vars.seq as u64),
                    Placeholder::SendingTime | Placeholder::TransactTime => e.field(f.tag, vars.time),
                    Placeholder::ClOrdId => e.field(f.tag, vars.cl_ord_id),
                    Placeholder::OrigClOrdId => e.field(f.tag, vars.orig_cl_ord_id),
                },
            }
        }
        e.raw(vars.part);
        e.finish()
    }
}

/// The longest value tag `t` may have in a template: an order's own fields are held to what
/// an order feed allows (the feed stores them in 255 bytes); the rest only to what fits in a
/// message (see [`TemplateSpec::check_fits`]).
fn longest_value(t: u32) -> usize {
    match t {
        tag::SYMBOL => MAX_SYMBOL,
        tag::ORDER_QTY | tag::PRICE => MAX_NUMBER,
        _ => usize::MAX,
    }
}

/// What a template line whose value fails [`check_value`] is told.
fn value_error(e: ValueError) -> String {
    match e {
        ValueError::TooLong { .. } => format!(
            "{e}; an order's Symbol (55) is at most {MAX_SYMBOL} bytes and its OrderQty (38) and Price (44) at \
             most {MAX_NUMBER}, in a template as in an order feed"
        ),
        e => e.to_string(),
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
