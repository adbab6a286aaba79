//! The numbers behind the HTML report's charts: percentile spectra sampled from histograms,
//! time series cut where a value is missing and thinned to what a chart can show, and axis
//! ticks. Pure functions of the result file; nothing here draws.

use crate::report::summary::FEW;
use hdrhistogram::Histogram;

/// The spectrum's x axis is `log10(1 / (1 - p))`: 0 is the minimum, 1 is p90, 2 is p99 …
/// It ends at p99.9999 whatever the run, so that two reports line up.
pub const SPECTRUM_X_END: f64 = 6.0;

/// The percentiles labelled on the spectrum's x axis, at `log10(1 / (1 - p))`.
pub const SPECTRUM_TICKS: [(f64, &str); 8] = [
    (0.0, "min"),
    (std::f64::consts::LOG10_2, "p50"),
    (1.0, "p90"),
    (2.0, "p99"),
    (3.0, "p99.9"),
    (4.0, "p99.99"),
    (5.0, "p99.999"),
    (6.0, "p99.9999"),
];

/// Samples per decade of `1 / (1 - p)` along a spectrum.
const SPECTRUM_SAMPLES_PER_DECADE: f64 = 40.0;

/// Most points drawn per time series; longer series are thinned by [`decimate`].
pub const MAX_POINTS: usize = 1_000;

/// One histogram's percentile spectrum, as `(log10(1 / (1 - p)), microseconds)` points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spectrum {
    /// Where at least [`FEW`] observations lie beyond each point.
    pub solid: Vec<(f64, f64)>,
    /// The tail beyond that, up to the maximum: drawn faint, since too few observations lie
    /// beyond these percentiles for them to mean much. Starts where `solid` ends.
    pub faint: Vec<(f64, f64)>,
}

/// The percentile spectrum of `h`, in microseconds (round trips as recorded, never halved).
/// Empty when `h` holds nothing.
pub fn spectrum(h: &Histogram<u64>) -> Spectrum {
    let n = h.len();
    if n == 0 {
        return Spectrum::default();
    }
    // Beyond x = n every quantile is the maximum; beyond n / FEW fewer than FEW observations
    // lie beyond the percentile.
    let all = (n as f64).log10();
    let end = all.min(SPECTRUM_X_END);
    let meaningful = (n as f64 / FEW as f64).log10().clamp(0.0, end);
    let us = |x: f64| {
        let q = if x >= all { 1.0 } else { 1.0 - 10f64.powf(-x) };
        h.value_at_quantile(q) as f64 / 1_000.0
    };
    let steps = (end * SPECTRUM_SAMPLES_PER_DECADE).ceil().max(1.0) as usize;
    let mut xs: Vec<f64> = (0..=steps).map(|i| end * i as f64 / steps as f64).collect();
    // The boundary and p50 fall between samples: add them so the curve passes through them.
    xs.extend([meaningful, std::f64::consts::LOG10_2].into_iter().filter(|&x| x < end));
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut s = Spectrum::default();
    for x in xs {
        let point = (x, us(x));
        if x <= meaningful {
            s.solid.push(point);
        }
        if x >= meaningful && meaningful < end {
            s.faint.push(point);
        }
    }
    s
}

/// Splits `(x, y)` samples into runs with no missing `y`, so a line breaks where a value is
/// missing instead of bridging the gap.
pub fn segments(points: impl IntoIterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    for (x, y) in points {
        match y {
            Some(y) if open => out.last_mut().expect("an open run exists").push((x, y)),
            Some(y) => {
                out.push(vec![(x, y)]);
                open = true;
            }
            None => open = false,
        }
    }
    out
}

/// Thins a series to at most `max` points the way a chart needs: it cuts the series into
/// `max / 2` runs of neighbours and keeps each run's lowest and highest point, in order.
/// A chart narrower than `max / 2` pixels looks the same, and no spike or dip is lost.
pub fn decimate(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    let buckets = (max / 2).max(1);
    if points.len() <= max.max(2) {
        return points.to_vec();
    }
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets);
    for run in points.chunks(size) {
        let lo = (0..run.len()).min_by(|&a, &b| run[a].1.total_cmp(&run[b].1)).expect("chunks are not empty");
        let hi = (0..run.len()).max_by(|&a, &b| run[a].1.total_cmp(&run[b].1)).expect("chunks are not empty");
        out.push(run[lo.min(hi)]);
        if lo != hi {
            out.push(run[lo.max(hi)]);
        }
    }
    out
}

/// Ticks for a logarithmic axis from `lo` to `hi` (both > 0): the densest of 1-2-3-5-7,
/// 1-2-5, 1-3 or 1 per decade that gives at most `max` ticks.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    const STEPS: [&[f64]; 4] = [&[1.0, 2.0, 3.0, 5.0, 7.0], &[1.0, 2.0, 5.0], &[1.0, 3.0], &[1.0]];
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let mut chosen = Vec::new();
    for mantissas in STEPS {
        chosen = ticks(mantissas);
        if chosen.len() <= max {
            break;
        }
    }
    if chosen.len() > max {
        // More decades than ticks: every k-th power of ten.
        let k = chosen.len().div_ceil(max.max(1));
        chosen = chosen.into_iter().step_by(k).collect();
    }
    chosen
}

/// Ticks for a linear axis from 0 to `hi`: multiples of a 1, 2 or 5 step, at most `max`.
pub fn linear_ticks(hi: f64, max: usize) -> Vec<f64> {
    if hi.is_nan() || hi <= 0.0 {
        return vec![0.0];
    }
    let raw = hi / max.max(1) as f64;
    let decade = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * decade).find(|&s| s >= raw).unwrap_or(10.0 * decade);
    (0..).map(|i| i as f64 * step).take_while(|&v| v <= hi * (1.0 + 1e-9)).collect()
}

/// Seconds on a time axis: `0s`, `2.5s`, `600s`.
pub fn fmt_secs(v: f64) -> String {
    if v.fract().abs() < 1e-9 { format!("{v:.0}s") } else { format!("{v:.1}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::histogram;

    #[test]
    fn decimation_keeps_every_spike_and_dip() {
        let mut points: Vec<(f64, f64)> = (0..3_600).map(|i| (i as f64, 100.0)).collect();
        points[1_234].1 = 50_000.0;
        points[2_999].1 = 1.0;
        let thin = decimate(&points, MAX_POINTS);
        assert!(thin.len() <= MAX_POINTS, "{}", thin.len());
        assert!(thin.contains(&(1_234.0, 50_000.0)));
        assert!(thin.contains(&(2_999.0, 1.0)));
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "points stay in time order");
        assert_eq!(thin.first().map(|p| p.0), Some(0.0));
        assert_eq!(decimate(&points[..10], MAX_POINTS), points[..10].to_vec());
    }

    #[test]
    fn segments_break_where_a_value_is_missing() {
        let s = segments([(1.0, Some(1.0)), (2.0, None), (3.0, Some(3.0)), (4.0, Some(4.0)), (5.0, None)]);
        assert_eq!(s, vec![vec![(1.0, 1.0)], vec![(3.0, 3.0), (4.0, 4.0)]]);
        assert!(segments([(1.0, None)]).is_empty());
    }

    #[test]
    fn spectrum_runs_from_min_to_max_and_fades_where_few_lie_beyond() {
        let mut h = histogram();
        for v in 1..=10_000u64 {
            h.record(v * 1_000).unwrap();
        }
        let s = spectrum(&h);
        let first = s.solid.first().unwrap();
        assert_eq!(first.0, 0.0);
        assert!((first.1 - 1.0).abs() < 0.01, "{first:?}");
        // 10,000 observations: 10 or more lie beyond every percentile up to p99.9 (x = 3).
        assert!((s.solid.last().unwrap().0 - 3.0).abs() < 1e-9);
        assert_eq!(s.faint.first(), s.solid.last());
        let last = s.faint.last().unwrap();
        assert!((last.0 - 4.0).abs() < 1e-9 && (last.1 - 10_000.0).abs() < 10.0, "{last:?}");
        assert!(s.solid.iter().chain(&s.faint).any(|p| p.0 == std::f64::consts::LOG10_2), "passes through p50");
        assert_eq!(spectrum(&histogram()), Spectrum::default());
    }

    #[test]
    fn a_spectrum_with_fewer_than_few_observations_is_all_faint() {
        let mut h = histogram();
        for v in [5_000u64, 6_000, 7_000] {
            h.record(v).unwrap();
        }
        let s = spectrum(&h);
        assert_eq!(s.solid.len(), 1, "only the minimum is solid: {s:?}");
        assert!(s.faint.len() > 1);
    }

    #[test]
    fn ticks_are_round_and_within_range() {
        assert_eq!(log_ticks(15.0, 65.0, 10), vec![20.0, 30.0, 50.0]);
        assert_eq!(log_ticks(8.0, 2_000.0, 10), vec![10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0]);
        assert!(log_ticks(0.001, 1e9, 6).len() <= 6);
        assert_eq!(linear_ticks(10_500.0, 6), vec![0.0, 2_000.0, 4_000.0, 6_000.0, 8_000.0, 10_000.0]);
        let small = linear_ticks(1.0, 6);
        assert_eq!((small.len(), small[1]), (6, 0.2));
        assert_eq!(linear_ticks(0.0, 6), vec![0.0]);
    }

    #[test]
    fn seconds_read_like_people_write_them() {
        assert_eq!(fmt_secs(600.0), "600s");
        assert_eq!(fmt_secs(2.5), "2.5s");
    }
}
