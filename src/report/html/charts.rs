//! The HTML report's four charts as inline SVG, drawn by plotters' SVG backend into strings:
//! the latency percentile spectrum, ack latency over time, throughput against its target and
//! errors over time. Every latency is a full round trip, never halved. Charts draw what
//! [`super::series`] computed; they read nothing but the result file.

use super::series::{self, MAX_POINTS, SPECTRUM_TICKS, SPECTRUM_X_END, Spectrum};
use crate::metrics::LatencyKind;
use crate::report::json::{Interval, IntervalAck, RunResult, decode_histogram};
use crate::report::split;
use crate::report::{fmt_ns, fmt_si};
use plotters::backend::SVGBackend;
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Each chart's size in SVG user units; the page's CSS scales it to its column.
pub const SIZE: (u32, u32) = (680, 360);

/// Generic families only: the page must not fetch a font.
const FONT: &str = "sans-serif";

const GREY: RGBColor = RGBColor(110, 110, 110);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(230, 120, 0);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const RED: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// A chart plotters could not draw. The page shows the message in the chart's place.
#[derive(Debug, thiserror::Error)]
#[error("the {chart} chart could not be drawn: {message}")]
pub struct ChartError {
    pub chart: &'static str,
    pub message: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Each round trip's colour on the spectrum.
fn color(k: LatencyKind) -> RGBColor {
    match k {
        LatencyKind::Ack => BLUE,
        LatencyKind::AckService => ORANGE,
        LatencyKind::Fill => GREEN,
        LatencyKind::Cancel => RED,
        LatencyKind::Replace => PURPLE,
        LatencyKind::ScheduleLag
        | LatencyKind::Loop
        | LatencyKind::SendCall
        | LatencyKind::RecvCall
        | LatencyKind::WarmupAck
        | LatencyKind::Wire
        | LatencyKind::ClientOut
        | LatencyKind::ClientIn => BLACK,
    }
}

/// One message type's line on the spectrum.
#[derive(Debug, Clone)]
pub struct Curve {
    /// The legend's label, with the number of observations.
    pub name: String,
    pub spectrum: Spectrum,
    color: RGBColor,
}

/// The spectrum of each message type the result holds observations of, and a note for each
/// histogram that could not be decoded. Empty strings and empty histograms are skipped.
pub fn curves(r: &RunResult) -> (Vec<Curve>, Vec<String>) {
    let mut curves = Vec::new();
    let mut notes = Vec::new();
    for kind in LatencyKind::ROUND_TRIPS {
        let (name, color, text) = (kind.about().legend, color(kind), &r.histograms[kind]);
        if text.is_empty() {
            continue;
        }
        match decode_histogram(text) {
            Ok(h) if h.is_empty() => {}
            Ok(h) => {
                curves.push(Curve { name: format!("{name} (n={})", h.len()), spectrum: series::spectrum(&h), color })
            }
            Err(e) => notes.push(format!("the {name} histogram is left out of the spectrum: {e}")),
        }
    }
    (curves, notes)
}

/// An axis whose only grid lines and labels are `ticks`. (plotters' own `with_key_points`
/// loses the label formatter on `f64` axes.)
struct Ticked<R> {
    inner: R,
    ticks: Vec<f64>,
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// A linear axis over `range` with `ticks`.
fn linear(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Ticked<RangedCoordf64> {
    Ticked { inner: range.into(), ticks }
}

/// A logarithmic axis over `range` (both ends > 0) with round ticks.
fn log(range: std::ops::Range<f64>) -> Ticked<LogCoord<f64>> {
    let ticks = series::log_ticks(range.start, range.end, 9);
    Ticked { inner: range.log_scale().into(), ticks }
}

/// Draws into a fresh SVG document and returns it.
fn svg(chart: &'static str, draw: impl FnOnce(&Area<'_>) -> Drawn) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Into::into));
        drawn.map_err(|e| ChartError { chart, message: e.to_string() })?;
    }
    Ok(out)
}

/// A line in the middle of an empty chart saying why it is empty.
fn no_data(root: &Area<'_>, why: &str) -> Drawn {
    let style = TextStyle::from((FONT, 18).into_font()).color(&GREY).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(why.to_string(), (SIZE.0 as i32 / 2, SIZE.1 as i32 / 2 - 20), style))?;
    Ok(())
}

/// A log axis range holding every positive value with some room, at least a factor 4 wide.
/// 1 µs to 1 ms when there is nothing to show.
fn log_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi == 0.0 {
        return (1.0, 1_000.0);
    }
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let widen = (4.0 / (hi / lo)).max(1.0).sqrt();
    (lo / widen, hi * widen)
}

/// The time axis: 0 to the end of the last interval.
fn time_range(intervals: &[Interval]) -> f64 {
    intervals.iter().map(|i| i.t_s).fold(0.0, f64::max).max(1.0)
}

/// Microseconds on an axis, without trailing zeros: `500ns`, `2.5us`, `30us`, `1ms`.
fn fmt_us(us: f64) -> String {
    let s = fmt_ns((us * 1_000.0).round() as u64);
    let digits = s.trim_end_matches(char::is_alphabetic);
    let unit = &s[digits.len()..];
    match digits.split_once('.') {
        Some((whole, frac)) if frac.trim_end_matches('0').is_empty() => format!("{whole}{unit}"),
        Some((whole, frac)) => format!("{whole}.{}{unit}", frac.trim_end_matches('0')),
        None => s,
    }
}

/// Thins each run of a broken series to its share of [`MAX_POINTS`].
fn thin(runs: Vec<Vec<(f64, f64)>>) -> Vec<Vec<(f64, f64)>> {
    let total: usize = runs.iter().map(Vec::len).sum();
    runs.iter().map(|run| series::decimate(run, (MAX_POINTS * run.len() / total.max(1)).max(2))).collect()
}

/// A drawn chart and the legend the page prints above it (a legend inside the plot would
/// cover data).
#[derive(Debug, Clone)]
pub struct Chart {
    pub svg: String,
    pub keys: Vec<Key>,
}

/// One legend entry: a label and how its line looks.
#[derive(Debug, Clone)]
pub struct Key {
    pub label: String,
    /// Red, green, blue.
    pub color: (u8, u8, u8),
    pub line: Line,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Solid,
    Dashed,
    Area,
}

fn key(label: impl Into<String>, color: RGBColor, line: Line) -> Key {
    Key { label: label.into(), color: (color.0, color.1, color.2), line }
}

type Frame<'a, 'b, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked<RangedCoordf64>, Ticked<Y>>>;

/// How a chart's axes read.
struct Axes<'f> {
    x: &'f dyn Fn(&f64) -> String,
    y: &'f dyn Fn(&f64) -> String,
    x_desc: &'f str,
    y_desc: &'f str,
}

/// The plotting area of a chart with its grid, tick labels and axis names.
fn frame<'a, 'b, Y: Ranged<ValueType = f64>>(
    root: &'a Area<'b>,
    x: Ticked<RangedCoordf64>,
    y: Ticked<Y>,
    axes: Axes<'_>,
) -> Result<Frame<'a, 'b, Y>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .margin_right(34)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .bold_line_style(RGBColor(225, 225, 225))
        .x_label_formatter(axes.x)
        .y_label_formatter(axes.y)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .draw()?;
    Ok(chart)
}

/// Chart 1: each message type's latency at every percentile, on the usual `1 / (1 - p)` log
/// axis. The faint end of a line is where fewer than 10 observations lie beyond.
pub fn spectrum(curves: &[Curve]) -> Result<Chart, ChartError> {
    let svg = svg("latency spectrum", |root| {
        let all = curves.iter().flat_map(|c| c.spectrum.solid.iter().chain(&c.spectrum.faint));
        let (lo, hi) = log_range(all.map(|p| p.1));
        let x_ticks = SPECTRUM_TICKS.iter().map(|t| t.0).collect();
        let label = |x: &f64| {
            SPECTRUM_TICKS.iter().find(|t| (t.0 - x).abs() < 1e-9).map_or_else(String::new, |t| t.1.to_string())
        };
        let axes = Axes {
            x: &label,
            y: &|y| fmt_us(*y),
            x_desc: "percentile (log scale of 1/(1-p))",
            y_desc: "round trip (log scale)",
        };
        let mut chart = frame(root, linear(0.0..SPECTRUM_X_END, x_ticks), log(lo..hi), axes)?;
        for c in curves {
            chart.draw_series(LineSeries::new(c.spectrum.solid.iter().copied(), c.color.stroke_width(2)))?;
            if c.spectrum.faint.len() > 1 {
                let faint = c.color.mix(0.35).stroke_width(2);
                chart.draw_series(LineSeries::new(c.spectrum.faint.iter().copied(), faint))?;
            }
        }
        if curves.is_empty() {
            return no_data(root, "no latency recorded");
        }
        Ok(())
    })?;
    Ok(Chart { svg, keys: curves.iter().map(|c| key(&c.name, c.color, Line::Solid)).collect() })
}

/// Chart 2: ack round trip p50, p99 and max per interval, on a log axis.
pub fn latency_over_time(intervals: &[Interval]) -> Result<Chart, ChartError> {
    type Stat = (&'static str, fn(&IntervalAck) -> Option<u64>, RGBColor);
    const STATS: [Stat; 3] =
        [("ack p50", |a| a.p50, BLUE), ("ack p99", |a| a.p99, ORANGE), ("ack max", |a| a.max, RED)];
    let lines: Vec<_> = STATS
        .iter()
        .map(|(name, stat, color)| {
            let runs = series::segments(intervals.iter().map(|i| (i.t_s, stat(&i.ack).map(|ns| ns as f64 / 1e3))));
            (*name, thin(runs), *color)
        })
        .collect();
    let svg = svg("latency over time", |root| {
        let (lo, hi) = log_range(lines.iter().flat_map(|l| l.1.iter().flatten().map(|p| p.1)));
        let end = time_range(intervals);
        let axes = Axes {
            x: &|x| series::fmt_secs(*x),
            y: &|y| fmt_us(*y),
            x_desc: "time after warm-up",
            y_desc: "round trip (log scale)",
        };
        let mut chart = frame(root, linear(0.0..end, series::linear_ticks(end, 8)), log(lo..hi), axes)?;
        for (name, runs, color) in &lines {
            let style = color.stroke_width(if *name == "ack max" { 1 } else { 2 });
            for run in runs {
                chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
            }
        }
        if lines.iter().all(|l| l.1.is_empty()) {
            let why = if intervals.is_empty() { "no intervals measured" } else { "no acks in any interval" };
            return no_data(root, why);
        }
        Ok(())
    })?;
    let keys = STATS.iter().zip(&lines).filter(|(_, l)| !l.1.is_empty());
    Ok(Chart { svg, keys: keys.map(|((name, _, color), _)| key(*name, *color, Line::Solid)).collect() })
}

/// Chart 3: orders sent per second in each interval, and the rate the profile asked for
/// (dashed; none in closed loop).
pub fn throughput(intervals: &[Interval]) -> Result<Chart, ChartError> {
    let sent = thin(series::segments(intervals.iter().map(|i| (i.t_s, Some(i.orders_per_s)))));
    let target = thin(series::segments(intervals.iter().map(|i| (i.t_s, i.target_per_s))));
    let svg = svg("throughput", |root| {
        let top = sent.iter().chain(&target).flatten().map(|p| p.1).fold(0.0, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let end = time_range(intervals);
        let axes =
            Axes { x: &|x| series::fmt_secs(*x), y: &|y| fmt_si(*y), x_desc: "time after warm-up", y_desc: "orders/s" };
        let x = linear(0.0..end, series::linear_ticks(end, 8));
        let mut chart = frame(root, x, linear(0.0..top, series::linear_ticks(top, 6)), axes)?;
        for run in &sent {
            chart.draw_series(LineSeries::new(run.iter().copied(), BLUE.stroke_width(2)))?;
        }
        // Dashed and on top, so it stays visible where the rate sent meets it.
        for run in &target {
            chart.draw_series(DashedLineSeries::new(run.iter().copied(), 8, 6, ORANGE.stroke_width(2)))?;
        }
        if sent.is_empty() {
            return no_data(root, "no intervals measured");
        }
        Ok(())
    })?;
    let mut keys = Vec::new();
    if !sent.is_empty() {
        keys.push(key("orders/s sent", BLUE, Line::Solid));
    }
    if !target.is_empty() {
        keys.push(key("target orders/s", ORANGE, Line::Dashed));
    }
    Ok(Chart { svg, keys })
}

/// Chart 4: errors counted in each interval (rejects, timeouts, unmatched replies …).
pub fn errors(intervals: &[Interval]) -> Result<Chart, ChartError> {
    let points = series::decimate(&intervals.iter().map(|i| (i.t_s, i.errors as f64)).collect::<Vec<_>>(), MAX_POINTS);
    let svg = svg("errors", |root| {
        let top = points.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
        let end = time_range(intervals);
        let y_ticks = series::linear_ticks(top, 5).into_iter().filter(|v| v.fract() == 0.0).collect();
        let axes = Axes {
            x: &|x| series::fmt_secs(*x),
            y: &|y| fmt_si(*y),
            x_desc: "time after warm-up",
            y_desc: "errors per interval",
        };
        let mut chart = frame(root, linear(0.0..end, series::linear_ticks(end, 8)), linear(0.0..top, y_ticks), axes)?;
        if points.is_empty() {
            return no_data(root, "no intervals measured");
        }
        chart.draw_series(
            AreaSeries::new(points.iter().copied(), 0.0, RED.mix(0.25)).border_style(RED.stroke_width(2)),
        )?;
        Ok(())
    })?;
    let keys = if points.is_empty() { Vec::new() } else { vec![key("errors per interval", RED, Line::Area)] };
    Ok(Chart { svg, keys })
}

const PALETTE: [RGBColor; 6] = [BLUE, ORANGE, GREEN, RED, PURPLE, GREY];

/// A sweep chart (`scripts/sweep.sh`): one line per `(series name, points)` over the target
/// rate, on a log y axis for latencies (`log_y`) or a linear one for rates; `dashed` draws
/// the second line of each pair dashed (p99 beside p50, target beside achieved).
pub fn sweep(lines: &[(String, Vec<(f64, f64)>)], log_y: bool, y_desc: &str) -> Result<Chart, ChartError> {
    let end = lines.iter().flat_map(|l| l.1.iter().map(|p| p.0)).fold(1.0, f64::max) * 1.05;
    let x_ticks = series::linear_ticks(end, 8);
    let style = |i: usize| {
        let color = PALETTE[(i / 2) % PALETTE.len()];
        (color, if i % 2 == 1 { Line::Dashed } else { Line::Solid })
    };
    let svg = svg("sweep", |root| {
        let points = || lines.iter().flat_map(|l| l.1.iter().map(|p| p.1));
        let x = || linear(0.0..end, x_ticks.clone());
        let rate = |v: &f64| fmt_si(*v);
        let draw = |i: usize, pts: &[(f64, f64)]| {
            let (color, line) = style(i);
            let pts = pts.to_vec();
            (color, line, pts)
        };
        if log_y {
            let (lo, hi) = log_range(points());
            let axes = Axes { x: &rate, y: &|y| fmt_us(*y), x_desc: "target orders/s", y_desc };
            let mut chart = frame(root, x(), log(lo..hi), axes)?;
            for (i, l) in lines.iter().enumerate() {
                let (color, line, pts) = draw(i, &l.1);
                match line {
                    Line::Dashed => chart.draw_series(DashedLineSeries::new(pts, 8, 6, color.stroke_width(2)))?,
                    _ => chart.draw_series(LineSeries::new(pts, color.stroke_width(2)))?,
                };
            }
        } else {
            let top = points().fold(0.0, f64::max).max(1.0) * 1.15;
            let axes = Axes { x: &rate, y: &rate, x_desc: "target orders/s", y_desc };
            let mut chart = frame(root, x(), linear(0.0..top, series::linear_ticks(top, 6)), axes)?;
            for (i, l) in lines.iter().enumerate() {
                let (color, line, pts) = draw(i, &l.1);
                match line {
                    Line::Dashed => chart.draw_series(DashedLineSeries::new(pts, 8, 6, color.stroke_width(2)))?,
                    _ => chart.draw_series(LineSeries::new(pts, color.stroke_width(2)))?,
                };
            }
        }
        if lines.iter().all(|l| l.1.is_empty()) {
            return no_data(root, "no sweep points");
        }
        Ok(())
    })?;
    let keys = lines.iter().enumerate().map(|(i, l)| {
        let (color, line) = style(i);
        key(l.0.clone(), color, line)
    });
    Ok(Chart { svg, keys: keys.collect() })
}

/// The colours of the "where the time went" parts, in [`split::PARTS`] order.
const SPLIT_COLORS: [RGBColor; 4] = [BLUE, ORANGE, RED, GREEN];

/// Chart 5 (`--wire-timestamps`): where the time went, one stacked bar per percentile
/// (p50 on top): client out, wire less gateway, gateway, client in, each its own percentile,
/// with the figures above the bar. A part not measured is left out, and named so.
pub fn split(bars: &[split::Bar]) -> Result<Chart, ChartError> {
    let total = |parts: &[Option<u64>; 4]| parts.iter().flatten().sum::<u64>() as f64 / 1_000.0;
    let known = |i: usize| bars.iter().any(|b| b.1[i].is_some());
    // Without the gateway's part, the wire is whole.
    let names = if known(2) { split::PARTS } else { ["client out", "wire", "gateway", "client in"] };
    let svg = svg("where the time went", |root| {
        let end = bars.iter().map(|b| total(&b.1)).fold(0.0, f64::max).max(0.001) * 1.05;
        let n = bars.len() as f64;
        let centres: Vec<f64> = (0..bars.len()).map(|i| i as f64 + 0.4).collect();
        let label = |y: &f64| {
            let i = bars.len().checked_sub(1 + (*y - 0.4).round() as usize);
            i.and_then(|i| bars.get(i)).map_or_else(String::new, |b| b.0.to_string())
        };
        let axes = Axes { x: &|x| fmt_us(*x), y: &label, x_desc: "time, each part at its own percentile", y_desc: "" };
        let mut chart = frame(root, linear(0.0..end, series::linear_ticks(end, 8)), linear(0.0..n, centres), axes)?;
        let font = TextStyle::from((FONT, 12).into_font()).color(&BLACK);
        for (i, (_, parts)) in bars.iter().enumerate() {
            // p50 on top.
            let y = (bars.len() - 1 - i) as f64 + 0.4;
            let mut x = 0.0;
            for (v, color) in parts.iter().zip(SPLIT_COLORS) {
                let Some(v) = v else { continue };
                let w = *v as f64 / 1_000.0;
                chart.draw_series([Rectangle::new([(x, y - 0.25), (x + w, y + 0.25)], color.filled())])?;
                x += w;
            }
            let text: Vec<String> =
                parts.iter().zip(names).filter_map(|(v, name)| v.map(|v| format!("{name} {}", fmt_ns(v)))).collect();
            chart.draw_series([Text::new(text.join(" · "), (0.0, y + 0.52), font.clone())])?;
        }
        Ok(())
    })?;
    let keys = (0..4).filter(|&i| known(i)).map(|i| key(names[i], SPLIT_COLORS[i], Line::Area)).collect();
    Ok(Chart { svg, keys })
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_latencies_drop_trailing_zeros() {
        assert_eq!(super::fmt_us(0.5), "500ns");
        assert_eq!(super::fmt_us(2.5), "2.5us");
        assert_eq!(super::fmt_us(30.0), "30us");
        assert_eq!(super::fmt_us(1_000.0), "1ms");
        assert_eq!(super::fmt_us(1_230.0), "1.23ms");
    }
}
