//! A plain FIX encoder: append fields one by one, then `finish` writes BodyLength and
//! CheckSum. It writes into a caller's buffer and never allocates.
//!
//! This is the straightforward encoder that the pre-encoded [`template`](super::template) is
//! proven byte-identical to. The session layer and the reference gateway use it for the
//! messages that are not on the harness's hot path.

use super::checksum::{checksum, write_digits};
use super::{FixVersion, SOH};

/// Room kept in front of the body for `8=<BeginString>|9=NNNNNNN|`: 20 bytes for FIX 4.x,
/// 22 for FIXT.1.1. `finish` checks it all the same.
const PREFIX_ROOM: usize = 24;

/// The buffer was too small for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("FIX message does not fit in a {capacity}-byte buffer")]
pub struct Overflow {
    pub capacity: usize,
}

/// Builds one message in `buf`: call the `field*` methods in wire order for every field from
/// MsgType (35) on, then [`finish`](Encoder::finish).
///
/// ```
/// use fixblast::fix::{encode::Encoder, printable};
/// let mut buf = [0u8; 256];
/// let mut e = Encoder::new(&mut buf);
/// e.field(35, b"0");
/// e.field(49, b"A");
/// e.field(56, b"B");
/// e.field_u64(34, 7);
/// e.field(52, b"20240102-03:04:05.678");
/// let len = e.finish().unwrap();
/// assert_eq!(printable(&buf[..len]),
///            "8=FIX.4.2|9=45|35=0|49=A|56=B|34=7|52=20240102-03:04:05.678|10=088|");
/// ```
pub struct Encoder<'a> {
    buf: &'a mut [u8],
    len: usize,
    overflow: bool,
    version: FixVersion,
}

impl<'a> Encoder<'a> {
    /// An encoder for a FIX 4.2 message (see [`for_version`](Encoder::for_version)).
    pub fn new(buf: &'a mut [u8]) -> Self {
        Encoder::for_version(buf, FixVersion::Fix42)
    }

    /// An encoder whose message carries `version`'s BeginString.
    pub fn for_version(buf: &'a mut [u8], version: FixVersion) -> Self {
        let overflow = buf.len() < PREFIX_ROOM;
        Encoder { buf, len: PREFIX_ROOM, overflow, version }
    }

    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end > self.buf.len() {
            self.overflow = true;
            return;
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    /// Appends `tag=value|`.
    pub fn field(&mut self, tag: u32, value: &[u8]) {
        let mut digits = [0u8; 20];
        let t = write_u64(tag as u64, &mut digits);
        self.put(t);
        self.put(b"=");
        self.put(value);
        self.put(&[SOH]);
    }

    /// Appends fields already encoded (`tag=value|…`).
    pub fn raw(&mut self, fields: &[u8]) {
        self.put(fields);
    }

    /// Appends an integer field, written without leading zeros.
    pub fn field_u64(&mut self, tag: u32, value: u64) {
        let mut digits = [0u8; 20];
        let v = write_u64(value, &mut digits);
        // `field` needs its own digit buffer for the tag; copy the value out first.
        let mut copy = [0u8; 20];
        copy[..v.len()].copy_from_slice(v);
        let n = v.len();
        self.field(tag, &copy[..n]);
    }

    /// Writes the header prefix and the trailer and moves the message to the start of the
    /// buffer. Returns its length.
    pub fn finish(self) -> Result<usize, Overflow> {
        let capacity = self.buf.len();
        if self.overflow || self.len + 7 > capacity {
            return Err(Overflow { capacity });
        }
        let body_len = self.len - PREFIX_ROOM;
        let mut digits = [0u8; 20];
        let bl = write_u64(body_len as u64, &mut digits);
        // "8=" + BeginString + SOH + "9=" + digits + SOH, right-aligned against the body.
        let begin = self.version.begin_string();
        let prefix_len = 2 + begin.len() + 1 + 2 + bl.len() + 1;
        if prefix_len > PREFIX_ROOM {
            return Err(Overflow { capacity });
        }
        let start = PREFIX_ROOM - prefix_len;
        let mut p = start;
        for part in [b"8=" as &[u8], begin, &[SOH], b"9=", bl, &[SOH]] {
            self.buf[p..p + part.len()].copy_from_slice(part);
            p += part.len();
        }
        let sum = checksum(&self.buf[start..self.len]);
        let mut cs = [0u8; 3];
        write_digits(sum, &mut cs);
        let end = self.len;
        self.buf[end..end + 3].copy_from_slice(b"10=");
        self.buf[end + 3..end + 6].copy_from_slice(&cs);
        self.buf[end + 6] = SOH;
        let total = end + 7 - start;
        self.buf.copy_within(start..end + 7, 0);
        Ok(total)
    }
}

/// Writes `v` in decimal into the end of `out` and returns the digits.
#[inline]
pub fn write_u64(mut v: u64, out: &mut [u8; 20]) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &out[i..]
}

/// Number of decimal digits of `v` (1 for 0).
#[inline]
pub fn decimal_width(v: u64) -> usize {
    let mut w = 1;
    let mut x = v;
    while x >= 10 {
        x /= 10;
        w += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::printable;

    #[test]
    fn body_length_counts_from_35_to_the_soh_before_10() {
        let mut buf = [0u8; 128];
        let mut e = Encoder::new(&mut buf);
        e.field(35, b"0");
        let len = e.finish().unwrap();
        // "35=0|" is 5 bytes.
        assert_eq!(printable(&buf[..len]), "8=FIX.4.2|9=5|35=0|10=161|");
    }

    #[test]
    fn begin_string_is_the_versions() {
        let mut buf = [0u8; 128];
        let mut e = Encoder::for_version(&mut buf, FixVersion::Fix44);
        e.field(35, b"0");
        let len = e.finish().unwrap();
        let msg = &buf[..len];
        assert_eq!(printable(msg), "8=FIX.4.4|9=5|35=0|10=163|");
        assert_eq!(crate::fix::parse::frame_as(msg, FixVersion::Fix44), crate::fix::parse::Frame::Message { len });
    }

    #[test]
    fn overflow_is_reported_not_truncated() {
        let mut buf = [0u8; 40];
        let mut e = Encoder::new(&mut buf);
        e.field(58, &[b'x'; 64]);
        assert_eq!(e.finish(), Err(Overflow { capacity: 40 }));
    }

    #[test]
    fn decimal_width_matches_written_digits() {
        for v in [0u64, 9, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
            let mut d = [0u8; 20];
            assert_eq!(write_u64(v, &mut d).len(), decimal_width(v), "{v}");
        }
    }
}
