//! `--sla`: latency, error and rate thresholds checked at the end of a run. Any threshold
//! that fails makes the exit code 1 (DESIGN.md), so CI can gate on latency.
//!
//! Grammar: comma-separated `[PREFIX.]METRIC OP VALUE`, e.g.
//! `p99<50us,p99.9<200us,max<5ms,errors<0.1%,rate>=99%,fill.p99<1ms`.
//! - PREFIX (latency metrics only): `ack` (default, from the intended send time),
//!   `service` (ack from the actual send time), `fill`, `cancel`, `replace`.
//! - METRIC: `min`, `mean`, `p50`, `p90`, `p99`, `p99.9`, `p99.99`, `p99.999`, `max` (VALUE a
//!   duration); `errors` (errors as a percentage of orders sent); `rate` (orders sent per
//!   second as a percentage of the target; open loop only; fails when replies were still
//!   missing after the drain).
//! - OP: `<`, `<=`, `>`, `>=`.
//!
//! A metric that was not measured (no fills, no target) fails: a gate never passes on nothing.

use super::json::{RunResult, SlaCheck, Stats};
use crate::metrics::LatencyKind;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Latency(LatencyKind, Stat),
    ErrorsPct,
    RatePct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Min,
    Mean,
    P(u32),
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// One parsed threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    text: String,
    metric: Metric,
    op: Op,
    /// Nanoseconds for latencies, percent for errors and rate.
    value: f64,
}

pub use crate::units::SpecError;

/// The kind an `--sla` prefix names.
fn sla_kind(prefix: &str) -> Option<LatencyKind> {
    LatencyKind::ROUND_TRIPS.into_iter().find(|k| k.about().sla == Some(prefix))
}

/// The prefixes as the error lists them: `ack., service., fill., cancel. or replace.`.
fn prefixes() -> String {
    let p: Vec<String> =
        LatencyKind::ROUND_TRIPS.iter().filter_map(|k| k.about().sla).map(|p| format!("{p}.")).collect();
    match p.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Parses a whole `--sla` value.
pub fn parse(spec: &str) -> Result<Vec<Threshold>, SpecError> {
    let err = |at: usize, message: String| SpecError { flag: "--sla", spec: spec.to_string(), at, message };
    let mut out = Vec::new();
    let mut pos = 0;
    for part in spec.split(',') {
        let at = pos + (part.len() - part.trim_start().len());
        pos += part.len() + 1;
        let t = part.trim();
        if t.is_empty() {
            return Err(err(at, "empty threshold".into()));
        }
        let op_at =
            t.find(['<', '>']).ok_or_else(|| err(at, format!("{t:?} has no comparison; use <, <=, > or >=")))?;
        let (name, rest) = t.split_at(op_at);
        let (op, value) = match rest.as_bytes() {
            [b'<', b'=', ..] => (Op::Le, &rest[2..]),
            [b'>', b'=', ..] => (Op::Ge, &rest[2..]),
            [b'<', ..] => (Op::Lt, &rest[1..]),
            _ => (Op::Gt, &rest[1..]),
        };
        let value_at = at + t.len() - value.len();
        let name = name.trim();
        let (source, stat) = match name.split_once('.').and_then(|(p, s)| Some((sla_kind(p)?, s))) {
            Some((kind, s)) => (Some(kind), s),
            None => (None, name),
        };
        let metric = match (source, stat) {
            (None, "errors") => Metric::ErrorsPct,
            (None, "rate") => Metric::RatePct,
            (src, s) => {
                let stat = match s {
                    "min" => Stat::Min,
                    "mean" => Stat::Mean,
                    "max" => Stat::Max,
                    "p50" => Stat::P(500_000),
                    "p90" => Stat::P(900_000),
                    "p99" => Stat::P(990_000),
                    "p99.9" => Stat::P(999_000),
                    "p99.99" => Stat::P(999_900),
                    "p99.999" => Stat::P(999_990),
                    _ => {
                        return Err(err(
                            at,
                            format!(
                                "unknown metric {name:?}; use p50..p99.999, min, mean, max (after {}), errors or rate",
                                prefixes()
                            ),
                        ));
                    }
                };
                Metric::Latency(src.unwrap_or(LatencyKind::Ack), stat)
            }
        };
        let value = value.trim();
        let v = match metric {
            Metric::ErrorsPct | Metric::RatePct => value
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<f64>().ok())
                .filter(|v| (0.0..=100.0).contains(v))
                .ok_or_else(|| err(value_at, format!("{value:?} is not a percentage like 0.1% or 99%")))?,
            Metric::Latency(..) => {
                crate::units::parse_duration(value).map_err(|e| err(value_at, e.to_string()))?.as_nanos() as f64
            }
        };
        out.push(Threshold { text: t.to_string(), metric, op, value: v });
    }
    Ok(out)
}

fn stat(s: &Stats, which: Stat) -> Option<f64> {
    let v = match which {
        Stat::Min => s.min.map(|v| v as f64),
        Stat::Mean => s.mean,
        Stat::Max => s.max.map(|v| v as f64),
        Stat::P(500_000) => s.p50.map(|v| v as f64),
        Stat::P(900_000) => s.p90.map(|v| v as f64),
        Stat::P(990_000) => s.p99.map(|v| v as f64),
        Stat::P(999_000) => s.p99_9.map(|v| v as f64),
        Stat::P(999_900) => s.p99_99.map(|v| v as f64),
        Stat::P(_) => s.p99_999.map(|v| v as f64),
    };
    v.filter(|_| s.count > 0)
}

/// Checks every threshold against a result.
pub fn evaluate(thresholds: &[Threshold], r: &RunResult) -> Vec<SlaCheck> {
    thresholds
        .iter()
        .map(|t| {
            let measured = match t.metric {
                Metric::Latency(kind, s) => r.latency_ns.get(kind).and_then(|l| stat(l, s)),
                Metric::ErrorsPct => {
                    let asked = r.orders.sent.max(1) as f64;
                    Some(100.0 * r.errors.total as f64 / asked)
                }
                Metric::RatePct => {
                    r.throughput.target_orders_per_s.filter(|t| *t > 0.0).map(|t| 100.0 * r.throughput.orders_per_s / t)
                }
            };
            // Replies still missing after the drain: the rate was not achieved, whatever was sent.
            let missing = matches!(t.metric, Metric::RatePct) && r.orders.missing_replies > 0;
            let measured = if missing { measured.map(|_| f64::NAN) } else { measured };
            let pass = measured.is_some_and(|m| match t.op {
                Op::Lt => m < t.value,
                Op::Le => m <= t.value,
                Op::Gt => m > t.value,
                Op::Ge => m >= t.value,
            });
            let shown = match (measured, t.metric) {
                (None, _) => "not measured".to_string(),
                (Some(_), _) if missing => {
                    format!("{} replies still missing at the end", r.orders.missing_replies)
                }
                (Some(m), Metric::Latency(..)) => super::fmt_ns(m.round() as u64),
                (Some(m), _) => format!("{m:.3}%"),
            };
            SlaCheck { threshold: t.text.clone(), measured: shown, pass }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let t = parse("p99<50us,p99.9<200us,max<5ms,errors<0.1%,rate>=99%,fill.p99<=1ms,service.p50>1ns").unwrap();
        assert_eq!(t.len(), 7);
        assert_eq!(t[0].metric, Metric::Latency(LatencyKind::Ack, Stat::P(990_000)));
        assert_eq!(t[0].value, 50_000.0);
        assert_eq!(t[3].metric, Metric::ErrorsPct);
        assert_eq!(t[3].value, 0.1);
        assert_eq!((t[4].metric, t[4].op), (Metric::RatePct, Op::Ge));
        assert_eq!(t[5].metric, Metric::Latency(LatencyKind::Fill, Stat::P(990_000)));
        assert_eq!(t[6].op, Op::Gt);
    }

    #[test]
    fn cancel_and_replace_latencies_have_their_prefixes() {
        let t = parse("cancel.p99<1ms,replace.max<=5ms").unwrap();
        assert_eq!(t[0].metric, Metric::Latency(LatencyKind::Cancel, Stat::P(990_000)));
        assert_eq!(t[1].metric, Metric::Latency(LatencyKind::Replace, Stat::Max));
        assert!(parse("amend.p99<1ms").unwrap_err().message.contains("unknown metric \"amend.p99\""));
    }

    #[test]
    fn bad_specs_say_where() {
        let e = parse("p99<50us,p42<1ms").unwrap_err();
        assert_eq!(e.at, 9);
        assert!(e.message.contains("unknown metric \"p42\""), "{e}");
        let e = parse("p99<50us, errors<lots").unwrap_err();
        assert_eq!(e.at, 17, "{e}");
        assert!(parse("p99=5us").unwrap_err().message.contains("no comparison"));
        assert!(parse("p99<5").unwrap_err().message.contains("no unit"));
        assert!(parse("p99<5us,").unwrap_err().message.contains("empty threshold"));
        assert!(parse("rate>=101%").is_err());
    }
}
