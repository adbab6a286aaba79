//! FNV-1a (64-bit): the one small hash whose value is written down. Unlike std's hasher, whose
//! keys change per process, it gives the same number for the same bytes on every build and
//! platform, so it can name a configuration in a file name (`{config_hash}`) and turn a name
//! into a reproducible seed (`compare`'s bootstrap). It is not for hash tables or security.
//! It imports nothing from the crate.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a of `bytes`.
///
/// ```
/// assert_eq!(fixblast::fnv::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(OFFSET_BASIS, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published FNV-1a 64 test vectors.
    #[test]
    fn known_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
