//! ClOrdID (tag 11) that encodes where its order waits: the session, the pending slot and a
//! per-session order counter, packed into a `u64` and written as 16 lowercase hex digits.
//!
//! An ExecutionReport's ClOrdID therefore leads straight to its pending slot: no hash map,
//! no search. The counter tells a reply to the order now in the slot from a late reply to an
//! earlier order that used the same slot.

/// Width of a ClOrdID on the wire.
pub const LEN: usize = 16;
/// Sessions a ClOrdID can name (12 bits).
pub const MAX_SESSIONS: usize = 1 << 12;
/// Pending slots per session a ClOrdID can name (20 bits).
pub const MAX_SLOTS: usize = 1 << 20;

/// The parts of a ClOrdID.
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

    /// Writes the 16 hex digits.
    #[inline]
    pub fn write(self, out: &mut [u8; LEN]) {
        let v = self.pack();
        out[..8].copy_from_slice(&hex8((v >> 32) as u32));
        out[8..].copy_from_slice(&hex8(v as u32));
    }

    /// Reads a ClOrdID fixblast wrote. `None` for anything else (another client's IDs,
    /// garbage, wrong length).
    ///
    /// ```
    /// use fixblast::fix::clordid::ClOrdId;
    /// let id = ClOrdId { session: 3, slot: 70_000, counter: 42 };
    /// let mut text = [0u8; 16];
    /// id.write(&mut text);
    /// assert_eq!(&text, b"003111700000002a");
    /// assert_eq!(ClOrdId::parse(&text), Some(id));
    /// assert_eq!(ClOrdId::parse(b"ABC"), None);
    /// ```
    #[inline]
    pub fn parse(text: &[u8]) -> Option<ClOrdId> {
        if text.len() != LEN {
            return None;
        }
        let mut v: u64 = 0;
        for &c in text {
            let nibble = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return None,
            };
            v = (v << 4) | nibble as u64;
        }
        Some(ClOrdId::unpack(v))
    }
}

/// The 8 lowercase hex digits of `x`, most significant first, without a loop: the nibbles
/// are spread into bytes, then each becomes '0'..'9' or 'a'..'f' arithmetically.
#[inline]
fn hex8(x: u32) -> [u8; 8] {
    let mut v = x as u64;
    v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
    v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
    v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // Bytes holding 10..=15 get 0x01 here; they need 'a' - '0' - 10 = 39 more.
    let letters = ((v + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (v + 0x3030_3030_3030_3030 + letters * 39).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hex8_matches_format(x: u32) {
            prop_assert_eq!(String::from_utf8(hex8(x).to_vec()).unwrap(), format!("{x:08x}"));
        }

        #[test]
        fn write_then_parse_round_trips(session in 0u16..4096, slot in 0u32..(1 << 20), counter: u32) {
            let id = ClOrdId { session, slot, counter };
            let mut text = [0u8; LEN];
            id.write(&mut text);
            prop_assert_eq!(ClOrdId::parse(&text), Some(id));
        }
    }

    #[test]
    fn uppercase_and_foreign_ids_are_not_ours() {
        assert_eq!(ClOrdId::parse(b"0000000000000A00"), None);
        assert_eq!(ClOrdId::parse(b"00000000000000000"), None);
        assert_eq!(ClOrdId::parse(b"ORDER-1"), None);
    }
}
