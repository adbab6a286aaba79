//! What [`frame`] and [`parse`] promise for every input, written once for the property tests
//! and the fuzz targets (`fuzz/`), which both feed them whatever they generate:
//!
//! - a message's range lies inside the input, is at most [`MAX_MESSAGE`] bytes, starts with
//!   `8=FIX.4.2|9=`, and its BodyLength and CheckSum are those of its bytes;
//! - an error skips at least one byte and no more than the input; a bad checksum skips
//!   exactly its message;
//! - "need more" is never the answer with a whole longest message in hand;
//! - every span of a parsed message lies inside the message, before its trailer;
//! - both agree with the plain framer and parser they replaced (`reference.rs`), errors
//!   included;
//! - reading the same bytes in pieces, as a receive buffer does, gives the same messages, and
//!   the answer to a piece is "need more" or the answer to the whole (a resynchronisation may
//!   skip less of a piece than of the whole, never more).
//!
//! Each check returns what broke, as text, rather than panicking, so that a property test can
//! report it with its inputs and a fuzz target can panic with it.

use super::{Frame, FrameError, MAX_MESSAGE, Msg, PREFIX, Span, TRAILER_LEN, frame, parse, reference};
use crate::fix::SOH;
use crate::fix::checksum::{checksum, parse_digits};
use crate::fix::printable;
use std::ops::Range;

/// Frames `stream` from its start to its end (or to an incomplete message), checking every
/// answer and parsing every message. Returns the messages' ranges.
pub fn walk(stream: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        let buf = &stream[pos..];
        let f = frame(buf);
        let old = reference::frame(buf);
        if f != old {
            return Err(format!("frame says {f:?}, the reference {old:?}, at {pos} of {}", printable(stream)));
        }
        match f {
            Frame::Message { len } => {
                if len > buf.len() {
                    return Err(format!("a message of {len} bytes in {} bytes", buf.len()));
                }
                check_message(&buf[..len])?;
                found.push(pos..pos + len);
                pos += len;
            }
            Frame::Error { error, skip } => {
                if skip == 0 || skip > buf.len() {
                    return Err(format!("{error:?} skips {skip} of {} bytes", buf.len()));
                }
                if let FrameError::BadChecksum { found, computed } = error {
                    check_bad_checksum(&buf[..skip], found, computed)?;
                }
                pos += skip;
            }
            Frame::NeedMore => {
                if buf.len() >= MAX_MESSAGE {
                    return Err(format!("needs more with {} bytes in hand", buf.len()));
                }
                break;
            }
        }
    }
    Ok(found)
}

/// Checks one message that [`frame`] accepted: its framing fields, and its parse against the
/// reference's.
pub fn check_message(m: &[u8]) -> Result<(), String> {
    let shown = || printable(m);
    let (digits, body_len) = body_length(m).ok_or_else(|| format!("no BodyLength in {}", shown()))?;
    let body_start = PREFIX.len() + digits + 1;
    if m.len() > MAX_MESSAGE || body_start + body_len + TRAILER_LEN != m.len() {
        return Err(format!("BodyLength {body_len} does not fit the {} bytes of {}", m.len(), shown()));
    }
    let body_end = m.len() - TRAILER_LEN;
    let trailer = &m[body_end..];
    if &trailer[..3] != b"10=" || trailer[6] != SOH || parse_digits(&trailer[3..6]) != Some(checksum(&m[..body_end])) {
        return Err(format!("CheckSum is not the sum of the bytes in {}", shown()));
    }
    check_spans(m, body_end)
}

/// Parses `m`, framed or not, and checks the answer against the reference's and every span
/// of a parsed message against `m`'s bounds.
pub fn check_parse(m: &[u8]) -> Result<(), String> {
    check_spans(m, m.len())
}

/// [`check_parse`], with every span before `end`.
fn check_spans(m: &[u8], end: usize) -> Result<(), String> {
    let msg = parse(m);
    let old = reference::parse(m);
    if msg != old {
        return Err(format!("parse says {msg:?}, the reference {old:?}, of {}", printable(m)));
    }
    if let Ok(msg) = msg {
        for span in spans(&msg) {
            if span.len > 0 && span.start as usize + span.len as usize > end {
                return Err(format!("a span {span:?} past byte {end} of {}", printable(m)));
            }
        }
    }
    Ok(())
}

/// A frame skipped for its checksum is a sound frame whose sum is `computed`.
fn check_bad_checksum(m: &[u8], found: u8, computed: u8) -> Result<(), String> {
    let body_end = m.len().checked_sub(TRAILER_LEN).ok_or("a bad checksum shorter than a trailer")?;
    let digits = parse_digits(&m[body_end + 3..body_end + 6]);
    if found == computed || checksum(&m[..body_end]) != computed || digits != Some(found) {
        return Err(format!("BadChecksum {{ found: {found}, computed: {computed} }} of {}", printable(m)));
    }
    Ok(())
}

/// The BodyLength digits of `m` (how many, and their value), when it starts with the prefix.
fn body_length(m: &[u8]) -> Option<(usize, usize)> {
    let rest = m.strip_prefix(PREFIX.as_slice())?;
    let digits = rest.iter().position(|&b| b == SOH)?;
    let value = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    Some((digits, value))
}

fn spans(m: &Msg) -> [Span; 12] {
    [
        m.sender,
        m.target,
        m.cl_ord_id,
        m.orig_cl_ord_id,
        m.order_id,
        m.symbol,
        m.side,
        m.order_qty,
        m.price,
        m.test_req_id,
        m.text,
        m.business_reject_ref_id,
    ]
}

/// [`walk`]s `stream`, then reads it again as a receive buffer would, in pieces that end at
/// `cuts` (offsets into `stream`, in any order; those past its end are ignored), and checks
/// that the pieces give the same messages and that each piece's answer agrees with the whole's.
pub fn check_pieces(stream: &[u8], cuts: &[usize]) -> Result<(), String> {
    let whole: Vec<&[u8]> = walk(stream)?.into_iter().map(|r| &stream[r]).collect();
    let mut cuts: Vec<usize> = cuts.iter().copied().filter(|&c| c > 0 && c < stream.len()).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.push(stream.len());
    // `buf` holds stream[start..end]: the bytes received and not yet consumed.
    let (mut start, mut end) = (0, 0);
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut next_cut = cuts.into_iter();
    // Each turn consumes a byte or receives one: bounded by twice the stream.
    for _ in 0..=2 * stream.len() + 1 {
        let buf = &stream[start..end];
        match frame(buf) {
            Frame::NeedMore => match next_cut.next() {
                Some(cut) => end = cut,
                None => break,
            },
            piece => {
                agrees(piece, frame(&stream[start..]), buf)?;
                if let Frame::Message { len } = piece {
                    pieces.push(&buf[..len]);
                    start += len;
                } else if let Frame::Error { skip, .. } = piece {
                    start += skip;
                }
            }
        }
    }
    if pieces != whole {
        let show = |v: &[&[u8]]| v.iter().map(|m| printable(m)).collect::<Vec<_>>().join(" ");
        return Err(format!("in pieces: [{}], whole: [{}]", show(&pieces), show(&whole)));
    }
    Ok(())
}

/// The answer to a piece of a stream, beside the answer to the rest of the stream from there.
fn agrees(piece: Frame, whole: Frame, buf: &[u8]) -> Result<(), String> {
    let same = match (piece, whole) {
        (Frame::Error { error: e, skip: s }, Frame::Error { error: we, skip: ws }) => {
            e == we && if matches!(e, FrameError::BadChecksum { .. }) { s == ws } else { s <= ws }
        }
        (p, w) => p == w,
    };
    match same {
        true => Ok(()),
        false => Err(format!("the piece {} frames as {piece:?}, the whole as {whole:?}", printable(buf))),
    }
}
