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
    #[error("{0:?} is not a rate; use orders per second like 2500, 10k or 1.5m")]
    NotARate(String),
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

/// Parses `500ms`, `10s`, `2m`, `250us`, `100ns`, `1h`, `1.5s`.
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
    Ok(Duration::from_nanos((v * ns_per).round() as u64))
}

/// Parses `2500`, `10k`, `1.5m` (orders per second), which must be more than 0.
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
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v * mult),
        _ => Err(UnitError::NotARate(s.into())),
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
    fn rates() {
        assert_eq!(parse_rate("2500"), Ok(2500.0));
        assert_eq!(parse_rate("10k"), Ok(10_000.0));
        assert_eq!(parse_rate("1.5m"), Ok(1_500_000.0));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-5").is_err());
        assert!(parse_rate("lots").is_err());
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
            (parse_rate("0").unwrap_err(), r#""0" is not a rate; use orders per second like 2500, 10k or 1.5m"#),
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
