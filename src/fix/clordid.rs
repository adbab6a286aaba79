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
        for (i, b) in out.iter_mut().enumerate() {
            let nibble = ((v >> (60 - 4 * i)) & 0xf) as u8;
            *b = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
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
