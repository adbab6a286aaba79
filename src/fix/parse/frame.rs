//! [`frame`]: where the next message in a byte stream ends, or why it cannot be read.
//!
//! Per reply this compares the 12-byte prefix as one array, reads at most 8 BodyLength bytes
//! in a plain loop (no search call for so short a window), sums the message once for the
//! checksum and reads the trailer. Errors, and how far to skip after one, are those of the
//! plain framer it replaced, which the tests keep as their oracle.

use super::{MAX_BODY_DIGITS, MAX_MESSAGE, TRAILER_LEN};
use crate::fix::FixVersion;
use crate::fix::SOH;
use crate::fix::checksum::{checksum, parse_digits};
use memchr::memmem;

/// What went wrong while framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("message does not start with 8=<BeginString>|9= of the session's FIX version")]
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

/// Frames one FIX 4.2 message at the start of `buf`: [`frame_as`] for
/// [`FixVersion::Fix42`].
#[inline]
pub fn frame(buf: &[u8]) -> Frame {
    frame_as(buf, FixVersion::Fix42)
}

/// Frames one message of `version` at the start of `buf`: one that starts with another
/// BeginString is a [`FrameError::BadBeginString`].
///
/// ```
/// use fixblast::fix::{parse::{frame, Frame}, readable};
/// let wire = readable("8=FIX.4.2|9=5|35=0|10=161|8=FIX");
/// assert_eq!(frame(&wire), Frame::Message { len: 26 });
/// assert_eq!(frame(&wire[..20]), Frame::NeedMore);
/// assert_eq!(frame(&wire[26..]), Frame::NeedMore);
/// ```
pub fn frame_as(buf: &[u8], version: FixVersion) -> Frame {
    let prefix = version.prefix();
    let Some(head) = buf.get(..prefix.len()) else {
        // Shorter than the prefix: a beginning of one, or not.
        return if prefix.starts_with(buf) { Frame::NeedMore } else { resync(buf, prefix, FrameError::BadBeginString) };
    };
    if !same_prefix(head, prefix) {
        return resync(buf, prefix, FrameError::BadBeginString);
    }
    // BodyLength: 1 to 7 digits, then SOH, within the next 8 bytes.
    let digits_start = prefix.len();
    let window = &buf[digits_start..buf.len().min(digits_start + MAX_BODY_DIGITS + 1)];
    let mut body_len = 0u32;
    let mut digits_len = None;
    for (i, &c) in window.iter().enumerate() {
        if c == SOH {
            digits_len = Some(i);
            break;
        }
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return resync(buf, prefix, FrameError::BadBodyLength);
        }
        // At most 7 digits before the SOH is found (the window holds 8 bytes): no overflow.
        body_len = body_len * 10 + d as u32;
    }
    let digits_len = match digits_len {
        Some(0) => return resync(buf, prefix, FrameError::BadBodyLength),
        Some(n) => n,
        // 8 digits: too many. Fewer: the rest has not arrived.
        None if window.len() > MAX_BODY_DIGITS => return resync(buf, prefix, FrameError::BadBodyLength),
        None => return Frame::NeedMore,
    };
    let body_start = digits_start + digits_len + 1;
    let Some(total) = (body_len as usize).checked_add(body_start).and_then(|x| x.checked_add(TRAILER_LEN)) else {
        return resync(buf, prefix, FrameError::TooLong);
    };
    if total > MAX_MESSAGE {
        return resync(buf, prefix, FrameError::TooLong);
    }
    let Some(msg) = buf.get(..total) else {
        return Frame::NeedMore;
    };
    let body_end = total - TRAILER_LEN;
    let (before, trailer) = msg.split_at(body_end);
    if &trailer[..3] != b"10=" || trailer[6] != SOH || before[body_end - 1] != SOH {
        return resync(buf, prefix, FrameError::BodyLengthMismatch);
    }
    let Some(found) = parse_digits(&trailer[3..6]) else {
        return resync(buf, prefix, FrameError::BodyLengthMismatch);
    };
    let computed = checksum(before);
    if found != computed {
        // The frame itself is sound: drop exactly this message.
        return Frame::Error { error: FrameError::BadChecksum { found, computed }, skip: total };
    }
    Frame::Message { len: total }
}

/// Whether `head` (as long as `prefix`) is `prefix`. Every FIX 4.x prefix is 12 bytes:
/// compared as one array, as the 4.2-only framer did, not through a `memcmp` call.
#[inline(always)]
fn same_prefix(head: &[u8], prefix: &[u8]) -> bool {
    match (head.first_chunk::<12>(), prefix.first_chunk::<12>()) {
        (Some(h), Some(p)) if prefix.len() == 12 => h == p,
        _ => head == prefix,
    }
}

/// Skips to the next plausible message start after the first byte.
#[cold]
fn resync(buf: &[u8], prefix: &[u8], error: FrameError) -> Frame {
    let skip = match memmem::find(&buf[1..], b"8=FIX") {
        Some(i) => i + 1,
        // Keep the last '8' if what follows it may be the start of a message.
        None => match memchr::memrchr(b'8', &buf[1..]) {
            Some(i) if buf.len() - (i + 1) < prefix.len() && prefix.starts_with(&buf[i + 1..]) => i + 1,
            _ => buf.len(),
        },
    };
    Frame::Error { error, skip: skip.max(1) }
}
