//! What the template and order feed loaders promise for any text, written once for the
//! property tests and the fuzz targets (`fuzz/`). Like `order_tests.rs`, it sits above
//! [`template`](super::template) and [`feed`](super::feed), which do not import each other.
//!
//! - A template the loader accepts makes, for short and long CompIDs and stems and for any
//!   MsgSeqNum, messages that frame as one message with the right BodyLength and CheckSum,
//!   parse (with fixblast's own parser, which the reference gateway uses) to its MsgType,
//!   MsgSeqNum, CompIDs and ClOrdID, equal a plain encode byte for byte, and are no longer
//!   than [`OrderTemplate::max_len`], which [`TemplateSpec::max_message_len`] computes and
//!   [`TemplateSpec::check_fits`] holds to.
//! - A feed the loader accepts has at least one row, each row names a stored order, no order
//!   is stored twice, and every order is the fields `55 54 38 40 [44] [59]` within the
//!   bounds the feed's module documents, with its checksum, and its cancel fields a prefix.
//! - A refusal names a line of the text (or none).
//!
//! Each check returns what broke, as text, rather than panicking.

use super::checksum::checksum;
use super::clordid;
use super::encode::Encoder;
use super::feed::OrderFeed;
use super::fields::{MAX_NUMBER, MAX_SYMBOL};
use super::parse::{Frame, frame, parse, props};
use super::printable;
use super::template::{Kind, OrderTemplate, TemplateSpec, Vars};
use super::time::TIMESTAMP_LEN;
use super::{SOH, tag};

const TIME: [u8; TIMESTAMP_LEN] = *b"20240102-03:04:05.678";
const ID: [u8; clordid::LEN] = *b"0000000000001";
const ORIG: [u8; clordid::LEN] = *b"00000000000ff";
/// What a cancel or replace amends in these checks.
const AMENDED: &[u8] = b"XYZ,sell,250,9.5,limit,ioc\n";

/// Loads `text` as a template and, if it is accepted, checks the messages it makes. Returns
/// its kind, or `None` when the loader refused it.
pub fn check_template(text: &str) -> Result<Option<Kind>, String> {
    let spec = match TemplateSpec::parse(text, "t.fix") {
        Ok(spec) => spec,
        Err(e) if e.line > text.lines().count() => return Err(format!("refused naming line {}: {e}", e.line)),
        Err(_) => return Ok(None),
    };
    let feed = match spec.kind {
        Kind::New => OrderFeed::from_template(&spec.fields),
        _ => OrderFeed::parse(AMENDED, "f.csv").map_err(|e| e.to_string())?,
    };
    let part = if spec.kind == Kind::Cancel { feed.cancel(0) } else { feed.order(0) };
    let long = ([b'S'; 132], [b'T'; 128], [b'p'; 23]);
    let mut plain = Vec::new();
    for (sender, target, stem) in [(&b"S"[..], &b"T"[..], &b"1234567"[..]), (&long.0, &long.1, &long.2)] {
        let mut t = OrderTemplate::new(&spec, sender, target, stem, feed.max_len());
        let max = spec.max_message_len(sender.len(), target.len(), stem.len(), feed.max_len());
        if t.max_len() != max {
            return Err(format!("the template has room for {}, max_message_len says {max}", t.max_len()));
        }
        if spec.check_fits(sender.len(), target.len(), stem.len(), feed.max_len(), max) != Ok(max)
            || spec.check_fits(sender.len(), target.len(), stem.len(), feed.max_len(), max - 1).is_ok()
        {
            return Err(format!("check_fits does not draw the line at {max} bytes"));
        }
        plain.resize(max + 64, 0);
        let cl_ord_id = [stem, &ID].concat();
        for seq in [1, 2, 9, 10, 11, 99_999, 100_000, u32::MAX, 0] {
            let m = t.encode(seq, &TIME, &ID, &ORIG, part).to_vec();
            let vars = Vars {
                sender,
                target,
                seq,
                time: &TIME,
                cl_ord_id: &cl_ord_id,
                orig_cl_ord_id: &[stem, &ORIG].concat(),
                part: part.bytes,
            };
            let n = spec.encode_plain(&vars, &mut plain).map_err(|e| e.to_string())?;
            if m != plain[..n] || m.len() > max {
                return Err(format!("patched {} (room {max}), plain {}", printable(&m), printable(&plain[..n])));
            }
            if frame(&m) != (Frame::Message { len: m.len() }) {
                return Err(format!("{} does not frame as one message", printable(&m)));
            }
            props::check_message(&m)?;
            let msg = parse(&m).map_err(|e| format!("{} does not parse: {e}", printable(&m)))?;
            let read = (msg.msg_type.code(), msg.seq, msg.sender.get(&m), msg.target.get(&m), msg.cl_ord_id.get(&m));
            let kind = String::from_utf8_lossy(spec.kind.msg_type()).into_owned();
            if read != (kind, seq, sender, target, &cl_ord_id[..]) {
                return Err(format!("{} parses to {msg:?}", printable(&m)));
            }
        }
    }
    Ok(Some(spec.kind))
}

/// Loads `text` as an order feed and, if it is accepted, checks every order in it. Returns
/// the number of rows, or `None` when the loader refused it.
pub fn check_feed(text: &[u8]) -> Result<Option<usize>, String> {
    let feed = match OrderFeed::parse(text, "f.csv") {
        Ok(feed) => feed,
        Err(e) if e.line > text.split(|&b| b == b'\n').count() => {
            return Err(format!("refused naming line {}: {e}", e.line));
        }
        Err(_) => return Ok(None),
    };
    let lines = text.split(|&b| b == b'\n').count();
    if feed.rows() == 0 || feed.rows() > lines || feed.distinct() == 0 || feed.distinct() > feed.rows() {
        return Err(format!("{} rows of {} distinct orders in {lines} lines", feed.rows(), feed.distinct()));
    }
    for row in 0..feed.rows() as u64 {
        if feed.order_of_row(row) as usize >= feed.distinct() {
            return Err(format!("row {row} names order {} of {}", feed.order_of_row(row), feed.distinct()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut longest = 0;
    for i in 0..feed.distinct() as u32 {
        let (order, cancel) = (feed.order(i), feed.cancel(i));
        let shown = || printable(order.bytes);
        if !seen.insert(order.bytes) {
            return Err(format!("{} is stored twice", shown()));
        }
        if order.sum != checksum(order.bytes) || cancel.sum != checksum(cancel.bytes) || order.id == cancel.id {
            return Err(format!("the sums or ids of {} are wrong", shown()));
        }
        if !order.bytes.starts_with(cancel.bytes) || order.bytes.len() > u8::MAX as usize {
            return Err(format!(
                "{} is too long, or its cancel fields {} are not its start",
                shown(),
                printable(cancel.bytes)
            ));
        }
        check_order(order.bytes, cancel.bytes.len())?;
        longest = longest.max(order.bytes.len());
    }
    if longest != feed.max_len() {
        return Err(format!("the longest order has {longest} bytes, max_len says {}", feed.max_len()));
    }
    Ok(Some(feed.rows()))
}

/// One stored order: `55=…|54=…|38=…|40=…|[44=…|][59=…|]` within the documented bounds,
/// whose first three fields are `cancel_len` bytes; and as a message it parses.
fn check_order(bytes: &[u8], cancel_len: usize) -> Result<(), String> {
    let shown = || printable(bytes);
    let fields: Vec<(&[u8], &[u8])> = bytes
        .strip_suffix(&[SOH])
        .ok_or_else(|| format!("{} does not end with SOH", shown()))?
        .split(|&b| b == SOH)
        .map(|f| f.split_at(f.iter().position(|&b| b == b'=').unwrap_or(0)))
        .map(|(t, v)| (t, v.get(1..).unwrap_or_default()))
        .collect();
    let tags: Vec<&[u8]> = fields.iter().map(|f| f.0).collect();
    let value = |t: &[u8]| fields.iter().find(|f| f.0 == t).map(|f| f.1);
    let one_of = |v: Option<&[u8]>, codes: &[u8]| matches!(v, Some([c]) if codes.contains(c));
    let decimal = |v: Option<&[u8]>| {
        v.is_some_and(|v| {
            v.len() <= MAX_NUMBER
                && v.iter().all(|&c| c.is_ascii_digit() || c == b'.')
                && v.iter().filter(|&&c| c == b'.').count() <= 1
                && v.iter().any(|&c| (b'1'..=b'9').contains(&c))
        })
    };
    let symbol = value(b"55").unwrap_or_default();
    let ord_type = value(b"40");
    let priced = one_of(ord_type, b"247BDEF");
    let head = [&b"55"[..], b"54", b"38", b"40"];
    let ok = tags.len() >= 4
        && tags[..4] == head
        && matches!(&tags[4..], [] | [b"44"] | [b"59"] | [b"44", b"59"])
        && (1..=MAX_SYMBOL).contains(&symbol.len())
        && symbol.iter().all(|&c| (0x21..0x7f).contains(&c) && c != b'|' && c != b'"')
        && one_of(value(b"54"), b"123456789ABCDEFG")
        && decimal(value(b"38"))
        && one_of(ord_type, b"123456789ABCDEFGHIJKLMNOP")
        && ((value(b"44").is_none() && !priced) || decimal(value(b"44")))
        && (value(b"59").is_none() || one_of(value(b"59"), b"0123456"))
        && cancel_len == fields[..3].iter().map(|(t, v)| t.len() + v.len() + 2).sum::<usize>();
    if !ok {
        return Err(format!("{} is not an order within the feed's bounds", shown()));
    }
    let mut buf = vec![0u8; 512];
    let mut e = Encoder::new(&mut buf);
    e.field(tag::MSG_TYPE, b"D");
    e.field(tag::MSG_SEQ_NUM, b"1");
    e.raw(bytes);
    let n = e.finish().map_err(|e| e.to_string())?;
    let msg = parse(&buf[..n]).map_err(|e| format!("{} does not parse: {e}", shown()))?;
    if msg.symbol.get(&buf[..n]) != symbol {
        return Err(format!("{} parses to the symbol {}", shown(), printable(msg.symbol.get(&buf[..n]))));
    }
    Ok(())
}
