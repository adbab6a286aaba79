//! The one check every value passes before it goes into a FIX field: flags
//! (`--sender-comp-id`, `--target-comp-id`, `--clordid-prefix`, `--username`, `--password`),
//! template lines and order feed rows alike.
//!
//! A FIX field is `TAG=VALUE` ended by SOH (0x01), so a value must not hold SOH: the field
//! would end there, and the bytes after it would be taken for another field (a password with
//! SOH in it corrupts the Logon). A value may hold `=`: a field is split at the first `=`
//! after its tag, so any later one is part of the value, as FIX says and every parser reads it
//! (fixblast's own included; a test below checks). Nor may a value be empty: FIX has no
//! empty fields. Callers add rules of their own (printable ASCII for CompIDs, codes and
//! decimals in a feed) and name the flag, file or line at fault.

use super::SOH;

/// Why a value cannot go into a FIX field; the text follows the flag, file or tag at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("empty value; FIX does not allow empty fields")]
    Empty,
    #[error("byte {at} is SOH (0x01), the FIX field delimiter: it would end the field there")]
    Soh { at: usize },
    #[error("{len} bytes, more than {max}")]
    TooLong { len: usize, max: usize },
}

/// Checks that `v` can be a FIX field's value as it is: not empty, no SOH, at most `max`
/// bytes. `=` is allowed.
///
/// ```
/// use fixblast::fix::value::{ValueError, check_value};
/// assert_eq!(check_value(b"s3cr=t", 128), Ok(()));
/// assert_eq!(check_value(b"ab\x01", 128), Err(ValueError::Soh { at: 2 }));
/// ```
pub fn check_value(v: &[u8], max: usize) -> Result<(), ValueError> {
    if v.is_empty() {
        return Err(ValueError::Empty);
    }
    if let Some(at) = memchr::memchr(SOH, v) {
        return Err(ValueError::Soh { at });
    }
    if v.len() > max {
        return Err(ValueError::TooLong { len: v.len(), max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::encode::Encoder;
    use crate::fix::parse::parse;
    use crate::fix::tag;

    #[test]
    fn refuses_empty_soh_and_too_long_and_nothing_else() {
        assert_eq!(check_value(b"", 8), Err(ValueError::Empty));
        assert_eq!(check_value(b"\x01", 8), Err(ValueError::Soh { at: 0 }));
        assert_eq!(check_value(b"pass\x01554=x", 64), Err(ValueError::Soh { at: 4 }));
        assert_eq!(check_value(b"123456789", 8), Err(ValueError::TooLong { len: 9, max: 8 }));
        assert_eq!(check_value(b"12345678", 8), Ok(()));
        for ok in [&b"a=b"[..], b"==", b"with space", b"\xc3\xa9t\xc3\xa9", b"\t"] {
            assert_eq!(check_value(ok, 16), Ok(()), "{ok:?}");
        }
    }

    /// `=` inside a value does not move the fields around it: the parser reads the value
    /// whole and the next field as it was written.
    #[test]
    fn an_equals_sign_in_a_value_is_part_of_the_value() {
        let mut buf = [0u8; 256];
        let mut e = Encoder::new(&mut buf);
        for (t, v) in [
            (tag::MSG_TYPE, &b"8"[..]),
            (tag::SENDER_COMP_ID, b"GW=1"),
            (tag::TARGET_COMP_ID, b"FIXBLAST"),
            (tag::MSG_SEQ_NUM, b"2"),
            (tag::TEXT, b"554=secret=x"),
            (tag::SYMBOL, b"AC=ME"),
        ] {
            assert_eq!(check_value(v, 64), Ok(()));
            e.field(t, v);
        }
        let n = e.finish().unwrap();
        let m = parse(&buf[..n]).unwrap();
        let raw = &buf[..n];
        assert_eq!(m.sender.get(raw), b"GW=1");
        assert_eq!(m.text.get(raw), b"554=secret=x");
        assert_eq!(m.symbol.get(raw), b"AC=ME");
        assert_eq!(m.seq, 2);
    }
}
