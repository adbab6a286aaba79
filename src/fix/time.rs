//! FIX UTCTimestamp text (`YYYYMMDD-HH:MM:SS.sss`, 21 bytes) from UTC nanoseconds since the
//! Unix epoch. FIX 4.2 allows millisecond precision and no finer.
//!
//! [`TimestampCache`] is the hot-path form: it keeps the text of the current second and
//! rewrites only the three millisecond digits while the second does not change.

/// Length of `YYYYMMDD-HH:MM:SS.sss`.
pub const TIMESTAMP_LEN: usize = 21;

const NANOS_PER_SEC: u64 = 1_000_000_000;
const SECS_PER_DAY: u64 = 86_400;

/// Writes the FIX UTCTimestamp of `unix_ns` with millisecond precision.
///
/// ```
/// let mut out = [0u8; 21];
/// // 2024-01-02 03:04:05.678 UTC
/// fixblast::fix::time::write_timestamp(1_704_164_645_678_000_000, &mut out);
/// assert_eq!(&out, b"20240102-03:04:05.678");
/// ```
pub fn write_timestamp(unix_ns: u64, out: &mut [u8; TIMESTAMP_LEN]) {
    write_second(unix_ns / NANOS_PER_SEC, out);
    write_millis(unix_ns, out);
}

fn write_second(secs: u64, out: &mut [u8; TIMESTAMP_LEN]) {
    let (y, m, d) = civil_from_days((secs / SECS_PER_DAY) as i64);
    let sod = secs % SECS_PER_DAY;
    let (hh, mm, ss) = (sod / 3600, (sod / 60) % 60, sod % 60);
    let y = y.clamp(0, 9999) as u64;
    put(&mut out[0..4], y);
    put(&mut out[4..6], m as u64);
    put(&mut out[6..8], d as u64);
    out[8] = b'-';
    put(&mut out[9..11], hh);
    out[11] = b':';
    put(&mut out[12..14], mm);
    out[14] = b':';
    put(&mut out[15..17], ss);
    out[17] = b'.';
}

#[inline]
fn write_millis(unix_ns: u64, out: &mut [u8; TIMESTAMP_LEN]) {
    put(&mut out[18..21], (unix_ns % NANOS_PER_SEC) / 1_000_000);
}

/// Writes `v` as exactly `out.len()` zero-padded digits.
#[inline]
fn put(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// Howard Hinnant's `civil_from_days` algorithm.
///
/// ```
/// assert_eq!(fixblast::fix::time::civil_from_days(19_724), (2024, 1, 2));
/// ```
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The current timestamp's text, rewritten in full only when the second changes.
#[derive(Debug, Clone)]
pub struct TimestampCache {
    second: u64,
    millis: u64,
    text: [u8; TIMESTAMP_LEN],
}

impl Default for TimestampCache {
    fn default() -> Self {
        let mut text = [0u8; TIMESTAMP_LEN];
        write_timestamp(0, &mut text);
        TimestampCache { second: 0, millis: 0, text }
    }
}

impl TimestampCache {
    /// The text for `unix_ns`.
    #[inline]
    pub fn get(&mut self, unix_ns: u64) -> &[u8; TIMESTAMP_LEN] {
        // Most orders fall in the same millisecond as the one before: nothing to write.
        let millis = unix_ns / 1_000_000;
        if millis == self.millis {
            return &self.text;
        }
        self.millis = millis;
        let second = unix_ns / NANOS_PER_SEC;
        if second != self.second {
            self.second = second;
            write_second(second, &mut self.text);
        }
        write_millis(unix_ns, &mut self.text);
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(ns: u64) -> String {
        let mut out = [0u8; TIMESTAMP_LEN];
        write_timestamp(ns, &mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn known_instants() {
        assert_eq!(ts(0), "19700101-00:00:00.000");
        assert_eq!(ts(951_782_400_000_000_000), "20000229-00:00:00.000"); // leap day
        assert_eq!(ts(4_102_444_799_999_999_999), "20991231-23:59:59.999");
    }

    proptest! {
        #[test]
        fn cache_matches_a_fresh_write(steps in proptest::collection::vec(0u64..3_000_000_000, 1..50),
                                       start in 0u64..4_000_000_000_000_000_000) {
            let mut cache = TimestampCache::default();
            let mut now = start;
            for s in steps {
                now += s;
                prop_assert_eq!(cache.get(now), &{ let mut o = [0u8; TIMESTAMP_LEN]; write_timestamp(now, &mut o); o });
            }
        }
    }
}
