//! The percentile distribution file (`--percentiles`): one histogram as the classic `.hgrm`
//! text that HdrHistogram's plotter (`plotFiles.html`) and people read.
//!
//! This module owns that layout only. It follows Java's
//! `AbstractHistogram.outputPercentileDistribution` (what `HistogramLogProcessor` writes to
//! `.hgrm` files) with 5 ticks per half distance. For 1, 2, 3 and 4 µs recorded in
//! nanoseconds and printed in microseconds:
//!
//! ```text
//!        Value     Percentile TotalCount 1/(1-Percentile)
//!
//!        1.000 0.000000000000          1           1.00
//!        …
//!        3.001 0.700000000000          3           3.33
//!        4.001 0.750000000000          4           4.00
//!        4.001 1.000000000000          4            inf
//! #[Mean    =        2.501, StdDeviation   =        1.118]
//! #[Max     =        4.001, Total count    =            4]
//! #[Buckets =           26, SubBuckets     =         2048]
//! ```
//!
//! Values are the highest value equivalent to each tick's bucket, printed with as many decimals
//! as the histogram has significant digits after dividing by `unit_ratio` (1000.0 turns
//! nanoseconds into microseconds). Rows are the `hdrhistogram` crate's
//! [`iter_quantiles`](Histogram::iter_quantiles). It sums ticks as fractions where Java sums
//! percents, so when a bucket ends exactly on a tick (3 of 4 values at 0.75 above) the crate's
//! tick falls a hair later and the row shows the next bucket; otherwise the rows are Java's.
//!
//! One departure from Java on purpose: the 100% row keeps its fourth column, as `inf`, the way
//! HdrHistogram_c (and so wrk2) prints it; Java leaves the column out. The plotter skips that
//! row either way (it wants four columns with a number in the fourth), and every row has the
//! same number of columns for scripts.

use hdrhistogram::Histogram;
use std::io::{self, Write};

/// Percentile ticks per half distance to 100%, as HdrHistogram's tools use by default.
pub const TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Writes `h` as a `.hgrm` percentile distribution, values divided by `unit_ratio`.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when `unit_ratio` is not a positive finite number.
/// An empty histogram gives the header and footer with no rows.
pub fn write_percentiles(out: &mut impl Write, h: &Histogram<u64>, unit_ratio: f64) -> io::Result<()> {
    if !(unit_ratio.is_finite() && unit_ratio > 0.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("percentile unit ratio {unit_ratio} is not a positive number"),
        ));
    }
    let digits = usize::from(h.sigfig());
    let scaled = |v: f64| v / unit_ratio;
    write!(out, "{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")?;
    let mut total = 0u64;
    for v in h.iter_quantiles(TICKS_PER_HALF_DISTANCE) {
        total += v.count_since_last_iteration();
        let q = v.quantile_iterated_to();
        // At q = 1.0 this is infinite, which Rust prints as `inf`.
        let inverse = 1.0 / (1.0 - q);
        writeln!(out, "{:12.digits$} {q:2.12} {total:10} {inverse:14.2}", scaled(v.value_iterated_to() as f64))?;
    }
    writeln!(out, "#[Mean    = {:12.digits$}, StdDeviation   = {:12.digits$}]", scaled(h.mean()), scaled(h.stdev()))?;
    writeln!(out, "#[Max     = {:12.digits$}, Total count    = {:12}]", scaled(h.max() as f64), h.len())?;
    writeln!(out, "#[Buckets = {:12}, SubBuckets     = {:12}]", h.buckets(), sub_buckets(h.sigfig()))
}

/// [`write_percentiles`] into a string.
///
/// # Panics
///
/// When `unit_ratio` is not a positive finite number.
pub fn to_string(h: &Histogram<u64>, unit_ratio: f64) -> String {
    let mut out = Vec::new();
    write_percentiles(&mut out, h, unit_ratio).expect("unit_ratio must be a positive finite number");
    String::from_utf8(out).expect("the layout is ASCII")
}

/// Sub-buckets per bucket, as HdrHistogram sizes them (the `hdrhistogram` crate does not expose
/// it): the power of two that holds 2 × 10^sigfig values at unit resolution.
fn sub_buckets(sigfig: u8) -> u64 {
    let largest = 2 * 10u64.pow(u32::from(sigfig));
    largest.next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::histogram;

    fn hist(values: &[u64]) -> Histogram<u64> {
        let mut h = histogram();
        for &v in values {
            h.record(v).unwrap();
        }
        h
    }

    /// Rows as (value, percentile, total count, 1/(1-percentile)).
    fn rows(text: &str) -> Vec<(f64, f64, u64, f64)> {
        text.lines()
            .skip(2)
            .take_while(|l| !l.starts_with('#'))
            .map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(c.len(), 4, "{l:?}");
                (c[0].parse().unwrap(), c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn output_parses_back_monotone_to_percentile_one() {
        let mut h = histogram();
        for v in 1..=20_000u64 {
            h.record(v * 37 % 5_000_000 + 10_000).unwrap();
        }
        h.record(59_000_000_000).unwrap();
        let text = to_string(&h, 1000.0);
        let rows = rows(&text);
        assert!(rows.len() > 50, "{text}");
        for w in rows.windows(2) {
            assert!(w[0].0 <= w[1].0 && w[0].1 <= w[1].1 && w[0].2 <= w[1].2, "{w:?}");
        }
        let last = rows.last().unwrap();
        assert_eq!(last.1, 1.0);
        assert_eq!(last.2, h.len());
        assert!(last.3.is_infinite());
        assert_eq!(last.0, h.max() as f64 / 1000.0);
        let footer: Vec<&str> = text.lines().filter(|l| l.starts_with("#[")).collect();
        assert_eq!(footer.len(), 3, "{text}");
        assert!(footer[0].starts_with("#[Mean    = ") && footer[0].contains(", StdDeviation   = "));
        assert!(
            footer[1].starts_with("#[Max     = ") && footer[1].ends_with(&format!("Total count    = {:12}]", h.len()))
        );
        assert!(footer[2].starts_with("#[Buckets = "));
    }

    #[test]
    fn tiny_histogram_matches_the_golden_layout() {
        // 1, 2, 3 and 4 µs, printed in microseconds. Below 2048 ns every value is its own bucket;
        // 3000 and 4000 share theirs with the next nanosecond, so they print as their highest
        // equivalents (3.001, 4.001) and count as 3000.5 and 4000.5 in the mean. The crate sums
        // quantile ticks in fractions, so its 0.75 tick is a hair above 0.75 and lands on 4.001
        // (Java, summing in percent, would print 3.001 at 0.75 and 4.001 at 0.775).
        let h = hist(&[1_000, 2_000, 3_000, 4_000]);
        let want = "       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       1.000 0.100000000000          1           1.11
       1.000 0.200000000000          1           1.25
       2.000 0.300000000000          2           1.43
       2.000 0.400000000000          2           1.67
       2.000 0.500000000000          2           2.00
       3.001 0.550000000000          3           2.22
       3.001 0.600000000000          3           2.50
       3.001 0.650000000000          3           2.86
       3.001 0.700000000000          3           3.33
       4.001 0.750000000000          4           4.00
       4.001 1.000000000000          4            inf
#[Mean    =        2.501, StdDeviation   =        1.118]
#[Max     =        4.001, Total count    =            4]
#[Buckets =           26, SubBuckets     =         2048]
";
        assert_eq!(to_string(&h, 1000.0), want);
    }

    #[test]
    fn empty_histogram_has_header_and_footer_only() {
        let text = to_string(&histogram(), 1.0);
        assert!(rows(&text).is_empty(), "{text}");
        assert!(text.contains("#[Max     =        0.000, Total count    =            0]"), "{text}");
    }

    #[test]
    fn bad_unit_ratio_is_refused() {
        for ratio in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = write_percentiles(&mut Vec::new(), &hist(&[1]), ratio).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn sub_buckets_match_hdrhistogram_sizing() {
        assert_eq!(sub_buckets(1), 32);
        assert_eq!(sub_buckets(2), 256);
        assert_eq!(sub_buckets(3), 2048);
        assert_eq!(sub_buckets(5), 262_144);
    }
}
