//! Reports: the live line, the end-of-run summary and the JSON result file. Reports read
//! what workers sent (snapshots); they never reach into a worker.

pub mod aggregate;
pub mod json;
pub mod sla;
pub mod summary;

/// A latency in nanoseconds as people read it: `850ns`, `12.3us`, `4.56ms`, `1.20s`.
pub fn fmt_ns(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{:.1}us", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.2}ms", ns as f64 / 1e6),
        _ => format!("{:.2}s", ns as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn latencies_read_naturally() {
        assert_eq!(super::fmt_ns(850), "850ns");
        assert_eq!(super::fmt_ns(12_345), "12.3us");
        assert_eq!(super::fmt_ns(4_560_000), "4.56ms");
        assert_eq!(super::fmt_ns(1_200_000_000), "1.20s");
    }
}
