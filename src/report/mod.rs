//! Reports: the live line, the end-of-run summary, the JSON result file and what is rendered
//! from it (percentiles, CSV, interval log, HTML), and reading results back to compare and
//! merge them. Reports read what workers sent (snapshots); they never reach into a worker.

pub mod aggregate;
pub mod compare;
pub mod csv;
pub mod files;
pub mod hgrm;
pub mod hlog;
pub mod html;
pub mod json;
pub mod load;
pub mod merge;
pub mod paths;
pub mod reconnects;
pub mod sla;
pub mod split;
pub mod status;
pub mod summary;
pub mod tui;
pub mod wire;

/// A latency in nanoseconds as people read it, to 3 significant figures: `850ns`, `1.23us`, `12.3us`, `123us`,
/// `4.56ms`, `1.20s` (seconds keep all their integer digits: `12345s`).
pub fn fmt_ns(ns: u64) -> String {
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    const UNITS: [(u64, &str); 3] = [(1_000, "us"), (1_000_000, "ms"), (1_000_000_000, "s")];
    let n = u128::from(ns);
    for (i, (unit, name)) in UNITS.into_iter().enumerate() {
        let unit = u128::from(unit);
        let last = i + 1 == UNITS.len();
        // Round half up at the digit the value needs; a value that rounds up to the next
        // decade (9.995 → 10.0, 999.5 → 1.00 of the next unit) takes the next branch.
        if n < 10 * unit {
            let hundredths = (n * 100 + unit / 2) / unit;
            if hundredths < 1_000 {
                return format!("{}.{:02}{name}", hundredths / 100, hundredths % 100);
            }
        }
        if n < 100 * unit {
            let tenths = (n * 10 + unit / 2) / unit;
            if tenths < 1_000 {
                return format!("{}.{}{name}", tenths / 10, tenths % 10);
            }
        }
        let whole = (n + unit / 2) / unit;
        if whole < 1_000 || last {
            return format!("{whole}{name}");
        }
    }
    unreachable!("the last unit always returns")
}

/// A count in full, grouped by thousands: `1234567` → `1,234,567` (the live view).
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count or rate shortened with an SI suffix, as people read it on a chart axis: `850`,
/// `12.5k`, `1.2M`.
pub fn fmt_si(v: f64) -> String {
    let (v, unit) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = if v.fract() == 0.0 || v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.1}") };
    let s = s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
    format!("{s}{unit}")
}

#[cfg(test)]
mod tests {
    use super::{fmt_count, fmt_ns, fmt_si};

    /// The two count formats side by side: in full (the live view) and short (chart axes).
    #[test]
    fn counts_read_like_people_write_them() {
        assert_eq!(fmt_si(0.0), "0");
        assert_eq!(fmt_si(850.0), "850");
        assert_eq!(fmt_si(2_500.0), "2.5k");
        assert_eq!(fmt_si(10_000.0), "10k");
        assert_eq!(fmt_si(1_200_000.0), "1.2M");
        assert_eq!(fmt_si(-2_500.0), "-2.5k");
        assert_eq!(fmt_si(0.5), "0.5");
        assert_eq!(fmt_si(3e9), "3G");
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(1_000), "1,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn fmt_ns_has_three_significant_figures() {
        let cases = [
            (0, "0ns"),
            (850, "850ns"),
            (999, "999ns"),
            (1_000, "1.00us"),
            (1_234, "1.23us"),
            (1_235, "1.24us"),
            (9_994, "9.99us"),
            (9_995, "10.0us"),
            (12_345, "12.3us"),
            (123_456, "123us"),
            (999_499, "999us"),
            (999_500, "1.00ms"),
            (4_560_000, "4.56ms"),
            (1_200_000_000, "1.20s"),
            (12_345_000_000_000, "12345s"),
            (u64::MAX, "18446744074s"),
        ];
        for (ns, want) in cases {
            assert_eq!(fmt_ns(ns), want, "fmt_ns({ns})");
        }
    }
}
