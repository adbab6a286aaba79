//! Values with units, as people type them in flags and specs: durations (`250us`, `10s`,
//! `2m`), rates (`2500`, `10k`, `1.5m`), fractions (`0.05`, `5%`), core lists (`0,2-3`) and
//! start times (`1767225600`, `+5s`).
//!
//! This is the lowest room: every module may use it (the CLI's value parsers, `--profile` and
//! `--sla` specs, the kernel's CPU lists), and it imports nothing from the crate. A value that
//! does not parse is a [`UnitError`], whose text names the value and what is allowed; the
//! caller adds which flag or file it came from.

use std::time::Duration;

/// A value that does not parse; the text is what users see after the flag's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("{0:?} is not a duration; use a number and a unit: 500ms, 10s, 2m")]
    NotADuration(String),
    #[error("{0:?} has no unit; use ns, us, ms, s, m or h (e.g. 10s)")]
    NoUnit(String),
    #[error("{value:?}: unknown unit {unit:?}; use ns, us, ms, s, m or h")]
    UnknownUnit { value: String, unit: String },
    #[error("{0:?} is too long: its nanoseconds do not fit in 64 bits (about 584 years)")]
    DurationOverflow(String),
    #[error("{0:?} is not a rate; use orders per second like 2500, 10k or 1.5m")]
    NotARate(String),
    #[error("{0:?}: must be positive (orders per second, like 2500 or 10k)")]
    RateNotPositive(String),
    #[error("{0:?}: at most {max} orders/s (one per nanosecond)", max = MAX_RATE as u64)]
    RateTooHigh(String),
    #[error("{0:?} is not a fraction between 0 and 1 (or a percentage like 5%)")]
    NotAFraction(String),
    #[error("{0:?} is not a start time; use Unix seconds (1767225600) or an offset (+5s)")]
    NotAStartTime(String),
    #[error("{part:?} in {list:?} is not a core or a range; use e.g. 2,3 or 4-7")]
    NotACore { part: String, list: String },
    #[error("{part:?} in {list:?} is a descending range")]
    DescendingRange { part: String, list: String },
    #[error("{0:?} names no core")]
    NoCore(String),
}

/// The highest rate a flag, spec or file may ask for: one order per nanosecond, the
/// resolution of the schedule, whose due times are whole nanoseconds in a `u64`. Faster would
/// put several orders on one nanosecond, and counting them one by one was what hung the
/// send loop past `--duration` (`1e19` orders/s). At this rate the orders of the longest run
/// (7 days: 6.05e14) and their due times stay below 2^53, where an f64 counts each exactly
/// (see `engine::schedule`).
pub const MAX_RATE: f64 = 1e9;

/// Parses `500ms`, `10s`, `2m`, `250us`, `100ns`, `1h`, `1.5s`. A value whose nanoseconds do
/// not fit in a `u64` is refused, never clamped or wrapped into another length.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(fixblast::units::parse_duration("250us"), Ok(Duration::from_micros(250)));
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, UnitError> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().map_err(|_| UnitError::NotADuration(s.into()))?;
    let ns_per = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "" => return Err(UnitError::NoUnit(s.into())),
        _ => return Err(UnitError::UnknownUnit { value: s.into(), unit: unit.into() }),
    };
    let ns = (v * ns_per).round();
    // 2^64 (infinity too): an f64 at or above it does not fit; `as u64` would saturate.
    if ns >= 18_446_744_073_709_551_616.0 {
        return Err(UnitError::DurationOverflow(s.into()));
    }
    Ok(Duration::from_nanos(ns as u64))
}

/// Writes a duration back the way [`parse_duration`] reads it, in the largest unit that
/// holds it whole (`200h`, `90s`, `1500ms`), for messages that show a flag's value.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(fixblast::units::show_duration(Duration::from_secs(720_000)), "200h");
/// ```
pub fn show_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    let units =
        [(3_600_000_000_000, "h"), (60_000_000_000, "m"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")];
    match units.iter().find(|(per, _)| ns > 0 && ns.is_multiple_of(*per)) {
        Some((per, unit)) => format!("{}{unit}", ns / per),
        None => format!("{ns}ns"),
    }
}

/// Parses `2500`, `10k`, `1.5m` (orders per second), which must be more than 0 and at most
/// [`MAX_RATE`].
///
/// ```
/// assert_eq!(fixblast::units::parse_rate("10k"), Ok(10_000.0));
/// ```
pub fn parse_rate(s: &str) -> Result<f64, UnitError> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('m' | 'M') => (&t[..t.len() - 1], 1e6),
        _ => (t, 1.0),
    };
    match num.parse::<f64>() {
        Ok(v) if !v.is_finite() => Err(UnitError::NotARate(s.into())),
        Ok(v) if v <= 0.0 => Err(UnitError::RateNotPositive(s.into())),
        Ok(v) if v * mult > MAX_RATE => Err(UnitError::RateTooHigh(s.into())),
        Ok(v) => Ok(v * mult),
        Err(_) => Err(UnitError::NotARate(s.into())),
    }
}

/// Parses a fraction `0.05` or a percentage `5%` into 0..=1.
pub fn parse_fraction(s: &str) -> Result<f64, UnitError> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(UnitError::NotAFraction(s.into())),
    }
}

/// A start time (`--start-at`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StartAt {
    /// Unix seconds, UTC.
    Unix(f64),
    /// This long after the command started.
    In(Duration),
}

/// Parses `1767225600.5` (Unix seconds) or `+5s` (an offset from now).
pub fn parse_start_at(s: &str) -> Result<StartAt, UnitError> {
    let t = s.trim();
    if let Some(d) = t.strip_prefix('+') {
        return parse_duration(d).map(StartAt::In);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(StartAt::Unix(v)),
        _ => Err(UnitError::NotAStartTime(s.into())),
    }
}

/// Parses a core list: `2`, `2,3`, `4-7`, `0,2-3`.
///
/// ```
/// assert_eq!(fixblast::units::parse_cores("0,2-3"), Ok(vec![0, 2, 3]));
/// ```
pub fn parse_cores(s: &str) -> Result<Vec<usize>, UnitError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || UnitError::NotACore { part: part.into(), list: s.into() };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) =
                    (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
                if a > b {
                    return Err(UnitError::DescendingRange { part: part.into(), list: s.into() });
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    if out.is_empty() {
        return Err(UnitError::NoCore(s.into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("10").unwrap_err().to_string().contains("no unit"));
        assert!(parse_duration("10x").unwrap_err().to_string().contains("unknown unit"));
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn shown_durations_read_back_the_same() {
        for (ns, shown) in [
            (720_000_000_000_000u64, "200h"),
            (90_000_000_000, "90s"),
            (1_500_000_000, "1500ms"),
            (7, "7ns"),
            (0, "0ns"),
        ] {
            let d = Duration::from_nanos(ns);
            assert_eq!(show_duration(d), shown);
            assert_eq!(parse_duration(shown), Ok(d));
        }
    }

    /// Nanoseconds past u64 are refused, not wrapped into a shorter run; the largest that
    /// fits still parses.
    #[test]
    fn durations_whose_nanoseconds_overflow_are_refused() {
        let huge = format!("1{}s", "0".repeat(400));
        for s in ["99999999999999999s", "18446744074s", "6000000h", &huge] {
            assert_eq!(parse_duration(s), Err(UnitError::DurationOverflow(s.into())), "{s}");
        }
        let fits = parse_duration("18446744073s").unwrap();
        assert!(fits.abs_diff(Duration::from_secs(18_446_744_073)) < Duration::from_micros(1), "{fits:?}");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("2500"), Ok(2500.0));
        assert_eq!(parse_rate("10k"), Ok(10_000.0));
        assert_eq!(parse_rate("1.5m"), Ok(1_500_000.0));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-5").is_err());
        assert!(parse_rate("lots").is_err());
    }

    /// One order per nanosecond is the most; above it (whatever the suffix) is refused.
    #[test]
    fn rates_are_bounded_by_one_per_nanosecond() {
        assert_eq!(parse_rate("1e9"), Ok(MAX_RATE));
        assert_eq!(parse_rate("1000m"), Ok(MAX_RATE));
        for s in ["1e19", "1000000001", "1001m", "1e7k", "1e300"] {
            assert_eq!(parse_rate(s), Err(UnitError::RateTooHigh(s.into())), "{s}");
        }
        for s in ["-5", "-5k", "0", "-0"] {
            assert_eq!(parse_rate(s), Err(UnitError::RateNotPositive(s.into())), "{s}");
        }
        assert_eq!(parse_rate("inf"), Err(UnitError::NotARate("inf".into())));
    }

    #[test]
    fn fractions() {
        assert_eq!(parse_fraction("0.05"), Ok(0.05));
        assert_eq!(parse_fraction("5%"), Ok(0.05));
        assert!(parse_fraction("150%").is_err());
        assert!(parse_fraction("-0.1").is_err());
        assert!(parse_fraction("x").is_err());
    }

    #[test]
    fn cores() {
        assert_eq!(parse_cores("2,3"), Ok(vec![2, 3]));
        assert_eq!(parse_cores("0,4-6"), Ok(vec![0, 4, 5, 6]));
        assert!(parse_cores("7-4").unwrap_err().to_string().contains("descending"));
        assert!(parse_cores("a").is_err());
        assert!(parse_cores("").is_err());
    }

    #[test]
    fn start_times() {
        assert_eq!(parse_start_at("1767225600.5"), Ok(StartAt::Unix(1_767_225_600.5)));
        assert_eq!(parse_start_at("+5s"), Ok(StartAt::In(Duration::from_secs(5))));
        assert!(parse_start_at("0").is_err());
        assert!(parse_start_at("+5").is_err());
    }

    /// The words users see: each message names the value and what is allowed.
    #[test]
    fn messages_name_the_value_and_what_is_allowed() {
        let cases = [
            (
                parse_duration("0.5.5s").unwrap_err(),
                r#""0.5.5s" is not a duration; use a number and a unit: 500ms, 10s, 2m"#,
            ),
            (parse_duration("10").unwrap_err(), r#""10" has no unit; use ns, us, ms, s, m or h (e.g. 10s)"#),
            (parse_duration("10x").unwrap_err(), r#""10x": unknown unit "x"; use ns, us, ms, s, m or h"#),
            (parse_rate("x").unwrap_err(), r#""x" is not a rate; use orders per second like 2500, 10k or 1.5m"#),
            (parse_rate("-5").unwrap_err(), r#""-5": must be positive (orders per second, like 2500 or 10k)"#),
            (parse_rate("1e19").unwrap_err(), r#""1e19": at most 1000000000 orders/s (one per nanosecond)"#),
            (
                parse_duration("99999999999999999s").unwrap_err(),
                r#""99999999999999999s" is too long: its nanoseconds do not fit in 64 bits (about 584 years)"#,
            ),
            (parse_fraction("x").unwrap_err(), r#""x" is not a fraction between 0 and 1 (or a percentage like 5%)"#),
            (
                parse_start_at("x").unwrap_err(),
                r#""x" is not a start time; use Unix seconds (1767225600) or an offset (+5s)"#,
            ),
            (parse_cores("1,a").unwrap_err(), r#""a" in "1,a" is not a core or a range; use e.g. 2,3 or 4-7"#),
            (parse_cores("7-4").unwrap_err(), r#""7-4" in "7-4" is a descending range"#),
            (parse_cores(",").unwrap_err(), r#""," names no core"#),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
        }
    }
}

/// A flag value in a small language (`--profile`, `--sla`, `--mix`) that does not parse:
/// where and why, shown with a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub flag: &'static str,
    pub spec: String,
    /// 0-based byte offset of the offending part.
    pub at: usize,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?}: {} (at column {})\n  {}\n  {}^",
            self.flag,
            self.spec,
            self.message,
            self.at + 1,
            self.spec,
            " ".repeat(self.at)
        )
    }
}

impl std::error::Error for SpecError {}
