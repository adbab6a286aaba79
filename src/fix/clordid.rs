//! ClOrdID (tag 11): which run sent the order, and where the order waits for its reply.
//!
//! # Layout
//!
//! ```text
//!   PREFIX      TAG        ORDER
//!   0 to 16     7 chars    13 chars
//!   (none)      k3v0q9a    00c8he000001a     session 3, slot 70000, counter 42: 20 characters
//! ```
//!
//! - **PREFIX**: `--clordid-prefix`, for gateways with rules of their own; none by default.
//!   See [`check_prefix`] for what it may hold.
//! - **TAG**: 35 bits drawn from the OS once per run, as 7 base32hex digits (`0-9a-v`).
//! - **ORDER**: the session (12 bits), the pending slot (20 bits) and a per-session counter
//!   (32 bits) packed into a `u64` and written as 13 base32hex digits, most significant first
//!   (13 × 5 = 65 bits, so the first digit is `0-f`).
//!
//! PREFIX and TAG are the run's [`Stem`]. It never changes during a run, so the templates
//! hold it as fixed bytes and only ORDER ([`LEN`] bytes) is patched per message. Without a
//! prefix a ClOrdID has [`WIDTH`] = 20 characters, the limit many venues set.
//!
//! # Uniqueness
//!
//! Within a run, no two orders share a ClOrdID until one session sends 2^32 orders. Across
//! runs (back to back, or in parallel on several processes or hosts), two runs can share a
//! ClOrdID only if they drew the same tag: a chance of 2^-35 (1 in 34 billion) for a pair of
//! runs, and below n²/2^36 for n runs against one gateway in a trading day (1,000 runs:
//! 1.5 × 10^-5). Even then they collide only if their counters, which also start at a random
//! point each run, overlap on the same slot.
//!
//! # Matching
//!
//! A reply's ClOrdID leads straight to its pending slot: [`Stem::parse`] compares the stem,
//! then decodes ORDER, with no hash map, no search and no allocation. A ClOrdID with another
//! stem (another run's tag, another client's ID) is not ours: the reply is unmatched, never
//! matched to one of our orders. The counter tells a reply to the order now in the slot from
//! a late reply to an earlier order that used the same slot.

use std::fmt;

/// Width of ORDER: the part of a ClOrdID written per order.
pub const LEN: usize = 13;
/// Width of TAG: the run's random part.
pub const TAG_LEN: usize = 7;
/// Bits of randomness in TAG.
pub const TAG_BITS: u32 = 35;
/// Width of a ClOrdID without a prefix.
pub const WIDTH: usize = TAG_LEN + LEN;
/// The longest `--clordid-prefix`.
pub const MAX_PREFIX: usize = 16;
/// Sessions a ClOrdID can name (12 bits).
pub const MAX_SESSIONS: usize = 1 << 12;
/// Pending slots per session a ClOrdID can name (20 bits).
pub const MAX_SLOTS: usize = 1 << 20;

/// The base32hex digits (RFC 4648), lowercase.
const DIGITS: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// The ORDER parts of a ClOrdID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClOrdId {
    pub session: u16,
    pub slot: u32,
    pub counter: u32,
}

impl ClOrdId {
    /// Packs the parts into one `u64`. `session` and `slot` are masked to their widths.
    pub const fn pack(self) -> u64 {
        ((self.session as u64 & 0xfff) << 52) | ((self.slot as u64 & 0xf_ffff) << 32) | self.counter as u64
    }

    pub const fn unpack(v: u64) -> ClOrdId {
        ClOrdId { session: (v >> 52) as u16, slot: ((v >> 32) & 0xf_ffff) as u32, counter: v as u32 }
    }

    /// Writes ORDER: the 13 digits.
    #[inline]
    pub fn write(self, out: &mut [u8; LEN]) {
        let v = self.pack();
        out[0] = DIGITS[(v >> 60) as usize];
        out[1..7].copy_from_slice(&base32x6((v >> 30) as u32));
        out[7..].copy_from_slice(&base32x6(v as u32));
    }

    /// Reads ORDER as [`write`](ClOrdId::write) wrote it. `None` for anything else (another
    /// client's IDs, garbage, uppercase, wrong length). A whole ClOrdID, stem included, is
    /// read by [`Stem::parse`].
    ///
    /// ```
    /// use fixblast::fix::clordid::ClOrdId;
    /// let id = ClOrdId { session: 3, slot: 70_000, counter: 42 };
    /// let mut text = [0u8; 13];
    /// id.write(&mut text);
    /// assert_eq!(&text, b"00c8he000001a");
    /// assert_eq!(ClOrdId::parse(&text), Some(id));
    /// assert_eq!(ClOrdId::parse(b"ABC"), None);
    /// ```
    #[inline]
    pub fn parse(text: &[u8]) -> Option<ClOrdId> {
        let text: &[u8; LEN] = text.try_into().ok()?;
        // The first digit holds the top 4 bits: above 15 the value would not fit a u64.
        let mut v = u64::from(digit(text[0]).filter(|&d| d < 16)?);
        for &c in &text[1..] {
            v = (v << 5) | u64::from(digit(c)?);
        }
        Some(ClOrdId::unpack(v))
    }
}

/// The value of a base32hex digit.
#[inline]
fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'v' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// The 6 base32hex digits of the low 30 bits of `x`, most significant first, without a loop:
/// the 5-bit groups are spread into bytes, then each becomes '0'..'9' or 'a'..'v'
/// arithmetically.
#[inline]
fn base32x6(x: u32) -> [u8; 6] {
    let x = u64::from(x);
    // Groups 0-2 stay at bits 0, 5, 10; groups 3-5 go to bits 24, 29, 34.
    let v = (x & 0x7fff) | ((x >> 15 & 0x7fff) << 24);
    // Group k of each three moves up 3k bits: group g then starts at bit 8g.
    let v = (v & 0x1f00_001f) | ((v & 0x3_e000_03e0) << 3) | ((v & 0x7c_0000_7c00) << 6);
    // Bytes holding 10..=31 reach 128 here; they need 'a' - '0' - 10 = 39 more.
    let letters = ((v + 0x7676_7676_7676) >> 7) & 0x0101_0101_0101;
    let b = (v + 0x3030_3030_3030 + letters * 39).to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// What every ClOrdID of one run starts with: the `--clordid-prefix` and the run's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stem {
    bytes: Box<[u8]>,
}

impl Stem {
    /// The stem of a run with this prefix (checked by [`check_prefix`]; empty for none) and
    /// tag (its low [`TAG_BITS`] bits are used).
    pub fn new(prefix: &[u8], tag: u64) -> Stem {
        let mut bytes = prefix.to_vec();
        bytes.extend((0..TAG_LEN).rev().map(|k| DIGITS[(tag >> (5 * k) & 31) as usize]));
        Stem { bytes: bytes.into_boxed_slice() }
    }

    /// PREFIX and TAG, as on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Width of this run's ClOrdIDs.
    pub fn width(&self) -> usize {
        self.bytes.len() + LEN
    }

    /// The order a ClOrdID of this run names; `None` for one that is not this run's (another
    /// tag or prefix, another client, garbage). Allocation-free.
    ///
    /// ```
    /// use fixblast::fix::clordid::{ClOrdId, Stem};
    /// let stem = Stem::new(b"T1-", 0x5_0000_0001);
    /// let id = ClOrdId { session: 0, slot: 5, counter: 9 };
    /// let text = stem.text(id);
    /// assert_eq!(text, "T1-k000001000000k000009");
    /// assert_eq!(stem.parse(text.as_bytes()), Some(id));
    /// // The same order of another run (another tag) is not ours.
    /// assert_eq!(Stem::new(b"T1-", 0x5_0000_0002).parse(text.as_bytes()), None);
    /// ```
    #[inline]
    pub fn parse(&self, text: &[u8]) -> Option<ClOrdId> {
        ClOrdId::parse(text.strip_prefix(&*self.bytes)?)
    }

    /// The whole ClOrdID of `id`, as text: for tests and tools, not the hot path.
    pub fn text(&self, id: ClOrdId) -> String {
        let mut order = [0u8; LEN];
        id.write(&mut order);
        let mut text = self.bytes.to_vec();
        text.extend_from_slice(&order);
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// Why a `--clordid-prefix` cannot be used. Each message ends with what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixError {
    Empty,
    TooLong(usize),
    /// The first character that is not allowed.
    Character(char),
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrefixError::Empty => write!(f, "is empty")?,
            PrefixError::TooLong(n) => write!(f, "has {n} characters")?,
            PrefixError::Character(c) => write!(f, "has {c:?}")?,
        }
        write!(f, "; a ClOrdID prefix is 1 to {MAX_PREFIX} printable ASCII characters, without spaces, SOH or '|'")
    }
}

impl std::error::Error for PrefixError {}

/// Checks a ClOrdID prefix: 1 to [`MAX_PREFIX`] printable ASCII characters other than space
/// (no SOH, which ends a FIX field, and no `|`, which stands for SOH in logs and tests).
pub fn check_prefix(prefix: &str) -> Result<(), PrefixError> {
    if let Some(c) = prefix.chars().find(|&c| !c.is_ascii_graphic() || c == '|') {
        return Err(PrefixError::Character(c));
    }
    match prefix.len() {
        0 => Err(PrefixError::Empty),
        n if n > MAX_PREFIX => Err(PrefixError::TooLong(n)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The digits the slow way: 5 bits at a time.
    fn base32(mut v: u64, n: usize) -> String {
        let mut out = vec![0u8; n];
        for b in out.iter_mut().rev() {
            *b = DIGITS[(v & 31) as usize];
            v >>= 5;
        }
        String::from_utf8(out).unwrap()
    }

    proptest! {
        #[test]
        fn base32x6_matches_the_slow_way(x in 0u32..(1 << 30)) {
            prop_assert_eq!(String::from_utf8(base32x6(x).to_vec()).unwrap(), base32(x as u64, 6));
        }

        #[test]
        fn write_then_parse_round_trips_at_fixed_width(session in 0u16..4096, slot in 0u32..(1 << 20), counter: u32) {
            let id = ClOrdId { session, slot, counter };
            let mut text = [0u8; LEN];
            id.write(&mut text);
            prop_assert_eq!(String::from_utf8(text.to_vec()).unwrap(), base32(id.pack(), LEN));
            prop_assert_eq!(ClOrdId::parse(&text), Some(id));
        }

        #[test]
        fn a_whole_clordid_round_trips_with_its_stem_at_fixed_width(
            prefix in "[!-{}~]{0,16}",
            tag: u64,
            packed: u64,
        ) {
            let stem = Stem::new(prefix.as_bytes(), tag);
            let id = ClOrdId::unpack(packed);
            let text = stem.text(id);
            prop_assert_eq!(text.len(), prefix.len() + WIDTH);
            prop_assert_eq!(stem.width(), text.len());
            prop_assert!(text.starts_with(&prefix));
            prop_assert_eq!(stem.parse(text.as_bytes()), Some(id));
        }

        /// Another run's tag never matches, whatever the order part says.
        #[test]
        fn another_runs_clordid_is_not_ours(tag: u64, other: u64, packed: u64) {
            let (ours, theirs) = (Stem::new(b"", tag), Stem::new(b"", other));
            prop_assume!((tag ^ other) & ((1 << TAG_BITS) - 1) != 0);
            prop_assert_eq!(ours.parse(theirs.text(ClOrdId::unpack(packed)).as_bytes()), None);
        }
    }

    #[test]
    fn the_tag_takes_35_bits_as_7_digits() {
        assert_eq!(Stem::new(b"", 0).as_bytes(), b"0000000");
        assert_eq!(Stem::new(b"", (1 << TAG_BITS) - 1).as_bytes(), b"vvvvvvv");
        // Bits above the 35th are not part of it.
        assert_eq!(Stem::new(b"", 1 << TAG_BITS | 1).as_bytes(), b"0000001");
        assert_eq!(Stem::new(b"AB", 32).as_bytes(), b"AB0000010");
    }

    #[test]
    fn a_clordid_is_20_characters_without_a_prefix() {
        assert_eq!(WIDTH, 20);
        let max = ClOrdId { session: 4095, slot: (1 << 20) - 1, counter: u32::MAX };
        assert_eq!(Stem::new(b"", u64::MAX).text(max), "vvvvvvvfvvvvvvvvvvvv");
        assert_eq!(Stem::new(b"", 0).text(ClOrdId::unpack(0)), "00000000000000000000");
    }

    #[test]
    fn uppercase_foreign_and_wrong_width_ids_are_not_ours() {
        let stem = Stem::new(b"P-", 0x1_2345_6789);
        let good = stem.text(ClOrdId { session: 1, slot: 2, counter: 0xabc_def0 });
        assert_eq!(good, "P-4hkaps900400085bpnng");
        assert!(stem.parse(good.as_bytes()).is_some());
        assert_eq!(stem.parse(good.to_uppercase().as_bytes()), None);
        assert_eq!(stem.parse(&good.as_bytes()[2..]), None, "without its prefix");
        assert_eq!(stem.parse(format!("{good}0").as_bytes()), None, "one digit too many");
        assert_eq!(stem.parse(&good.as_bytes()[..good.len() - 1]), None, "one digit short");
        assert_eq!(stem.parse(b"ORDER-1"), None);
        // A first digit above f would need a 65th bit.
        assert_eq!(ClOrdId::parse(b"g000000000000"), None);
        assert_eq!(ClOrdId::parse(b"f000000000000").map(ClOrdId::pack), Some(0xf << 60));
        assert_eq!(ClOrdId::parse(b"000000000000w"), None);
        assert_eq!(ClOrdId::parse(b"000000000000A"), None);
    }

    #[test]
    fn a_prefix_is_checked_and_the_error_says_what_is_allowed() {
        assert_eq!(check_prefix("T1-"), Ok(()));
        assert_eq!(check_prefix("!\"#$%&'()*+,-./:"), Ok(()));
        assert_eq!(check_prefix(""), Err(PrefixError::Empty));
        assert_eq!(check_prefix(&"x".repeat(17)), Err(PrefixError::TooLong(17)));
        assert_eq!(check_prefix("a|b"), Err(PrefixError::Character('|')));
        assert_eq!(check_prefix("a\u{1}"), Err(PrefixError::Character('\u{1}')));
        assert_eq!(check_prefix("a b"), Err(PrefixError::Character(' ')));
        assert_eq!(check_prefix("é"), Err(PrefixError::Character('é')));
        assert_eq!(
            PrefixError::Character('|').to_string(),
            "has '|'; a ClOrdID prefix is 1 to 16 printable ASCII characters, without spaces, SOH or '|'"
        );
    }
}
