//! Load profiles: the target rate as a function of time, parsed from `--profile SPEC`.
//!
//! ```text
//! constant:10000             ────────────
//! ramp:1000..50000/30s       ╱ (then holds 50000)
//! step:1k/10s,5k/10s,20k/10s ▁▃█ (holds the last stage)
//! spike:2k,40k/2s@10s        ▁▁█▁▁ (PEAK for DUR starting AT)
//! burst:2k,20k/1s/10s        ▁█▁▁▁▁▁█▁▁ (PEAK for DUR every EVERY)
//! volatile:5k,0.5..2.0/1s,seed=7   a seeded random walk between 0.5x and 2x of BASE, a new
//!                                  step every PERIOD, reproducible for a seed
//! file:rates.csv             rows `t_s,rate`, linearly interpolated, holds the last row
//! ```
//!
//! Time `t` counts from the end of warm-up; warm-up runs at the profile's first rate. Rates
//! accept `k` and `m` suffixes, durations `ms`, `s`, `m`, `h`.

/// The most levels a volatile profile draws (8 bytes each: 80 MB).
pub const MAX_VOLATILE_LEVELS: usize = 10_000_000;

/// A target rate over time.
#[derive(Debug, Clone, PartialEq)]
pub enum Profile {
    Constant(f64),
    Ramp {
        from: f64,
        to: f64,
        over_s: f64,
    },
    Step(Vec<(f64, f64)>),
    Spike {
        base: f64,
        peak: f64,
        dur_s: f64,
        at_s: f64,
    },
    Burst {
        base: f64,
        peak: f64,
        dur_s: f64,
        every_s: f64,
    },
    /// Precomputed rate per period (a seeded random walk).
    Volatile {
        base: f64,
        period_s: f64,
        levels: Vec<f64>,
    },
    /// `(t_s, rate)` rows, sorted by time.
    Table(Vec<(f64, f64)>),
}

use super::{MAX_SPAN, MAX_SPAN_TEXT};
use crate::csv_lines::{Lines, field};
use crate::random::Random;
use crate::units::MAX_RATE;
pub use crate::units::SpecError;

impl Profile {
    /// The target rate (orders/s) at `t_s` seconds after warm-up (negative: warm-up).
    ///
    /// It scans a step's stages and a table's rows from the start: fine for the reporter, not
    /// per order. The schedule walks the same rates as [`segments`](super::segments) instead.
    pub fn rate_at(&self, t_s: f64) -> f64 {
        let t = t_s.max(0.0);
        match self {
            Profile::Constant(r) => *r,
            Profile::Ramp { from, to, over_s } => {
                if t >= *over_s {
                    *to
                } else {
                    from + (to - from) * t / over_s
                }
            }
            Profile::Step(stages) => {
                let mut end = 0.0;
                for (rate, dur) in stages {
                    end += dur;
                    if t < end {
                        return *rate;
                    }
                }
                stages.last().map_or(0.0, |s| s.0)
            }
            Profile::Spike { base, peak, dur_s, at_s } => {
                if t >= *at_s && t < at_s + dur_s {
                    *peak
                } else {
                    *base
                }
            }
            Profile::Burst { base, peak, dur_s, every_s } => {
                if t % every_s < *dur_s {
                    *peak
                } else {
                    *base
                }
            }
            Profile::Volatile { base, period_s, levels } => {
                let i = ((t / period_s) as usize).min(levels.len().saturating_sub(1));
                base * levels.get(i).copied().unwrap_or(1.0)
            }
            Profile::Table(rows) => {
                let Some(first) = rows.first() else { return 0.0 };
                if t <= first.0 {
                    return first.1;
                }
                for w in rows.windows(2) {
                    let ((t0, r0), (t1, r1)) = (w[0], w[1]);
                    if t <= t1 {
                        return r0 + (r1 - r0) * (t - t0) / (t1 - t0);
                    }
                }
                rows.last().map_or(0.0, |r| r.1)
            }
        }
    }

    /// The highest rate the profile asks for (for sizing and validation).
    pub fn peak(&self, duration_s: f64) -> f64 {
        let n = 1000;
        (0..=n).map(|i| self.rate_at(duration_s * i as f64 / n as f64)).fold(0.0, f64::max).max(self.rate_at(0.0))
    }

    /// Parses a spec (see the module documentation). `read` reads `file:` paths.
    pub fn parse(
        spec: &str,
        duration_s: f64,
        read: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Profile, SpecError> {
        let err = |at: usize, message: String| SpecError { flag: "--profile", spec: spec.to_string(), at, message };
        let Some((kind, args)) = spec.split_once(':') else {
            return Err(err(0, "expected KIND:ARGS (constant, ramp, step, spike, burst, volatile, file)".into()));
        };
        let base = kind.len() + 1;
        // Splits `args` on `sep`, yielding (offset in spec, part).
        let parts = |s: &str, off: usize, sep: char| -> Vec<(usize, String)> {
            let mut out = Vec::new();
            let mut pos = off;
            for p in s.split(sep) {
                out.push((pos, p.to_string()));
                pos += p.len() + 1;
            }
            out
        };
        let rate = |at: usize, s: &str| crate::units::parse_rate(s).map_err(|e| err(at, e.to_string()));
        let dur = |at: usize, s: &str| match crate::units::parse_duration(s) {
            Err(e) => Err(err(at, e.to_string())),
            Ok(d) if d.is_zero() => Err(err(at, format!("{s:?}: a duration must be more than 0"))),
            Ok(d) if d > MAX_SPAN => Err(err(at, format!("{s:?}: at most {MAX_SPAN_TEXT}"))),
            Ok(d) => Ok(d.as_secs_f64()),
        };
        let split2 = |at: usize, s: &str, sep: &str, what: &str| -> Result<(String, String, usize), SpecError> {
            s.split_once(sep)
                .map(|(a, b)| (a.to_string(), b.to_string(), at + a.len() + sep.len()))
                .ok_or_else(|| err(at, format!("expected {what}")))
        };
        match kind {
            "constant" => Ok(Profile::Constant(rate(base, args)?)),
            "ramp" => {
                let (range, over, over_at) = split2(base, args, "/", "FROM..TO/DUR, e.g. ramp:1000..50000/30s")?;
                let (from, to, to_at) = split2(base, &range, "..", "FROM..TO, e.g. 1000..50000")?;
                Ok(Profile::Ramp { from: rate(base, &from)?, to: rate(to_at, &to)?, over_s: dur(over_at, &over)? })
            }
            "step" => {
                let mut stages = Vec::new();
                for (at, p) in parts(args, base, ',') {
                    let (r, d, d_at) = split2(at, &p, "/", "RATE/DUR stages, e.g. step:1k/10s,5k/10s")?;
                    stages.push((rate(at, &r)?, dur(d_at, &d)?));
                }
                Ok(Profile::Step(stages))
            }
            "spike" => {
                let (b, rest, rest_at) = split2(base, args, ",", "BASE,PEAK/DUR@AT, e.g. spike:2k,40k/2s@10s")?;
                let (p, rest2, dur_at) = split2(rest_at, &rest, "/", "PEAK/DUR@AT")?;
                let (d, at, at_at) = split2(dur_at, &rest2, "@", "DUR@AT")?;
                let at_s = if at == "0s" || at == "0" { 0.0 } else { dur(at_at, &at)? };
                Ok(Profile::Spike { base: rate(base, &b)?, peak: rate(rest_at, &p)?, dur_s: dur(dur_at, &d)?, at_s })
            }
            "burst" => {
                let (b, rest, rest_at) = split2(base, args, ",", "BASE,PEAK/DUR/EVERY, e.g. burst:2k,20k/1s/10s")?;
                let ps = parts(&rest, rest_at, '/');
                if ps.len() != 3 {
                    return Err(err(rest_at, "expected PEAK/DUR/EVERY".into()));
                }
                let (dur_s, every_s) = (dur(ps[1].0, &ps[1].1)?, dur(ps[2].0, &ps[2].1)?);
                if dur_s >= every_s {
                    return Err(err(ps[1].0, "the burst must be shorter than its period".into()));
                }
                Ok(Profile::Burst { base: rate(base, &b)?, peak: rate(ps[0].0, &ps[0].1)?, dur_s, every_s })
            }
            "volatile" => {
                let ps = parts(args, base, ',');
                if ps.len() != 3 || !ps[2].1.starts_with("seed=") {
                    return Err(err(
                        base,
                        "expected BASE,LOW..HIGH/PERIOD,seed=N, e.g. volatile:5k,0.5..2.0/1s,seed=7".into(),
                    ));
                }
                let b = rate(ps[0].0, &ps[0].1)?;
                let (range, period, period_at) = split2(ps[1].0, &ps[1].1, "/", "LOW..HIGH/PERIOD")?;
                let (lo, hi, hi_at) = split2(ps[1].0, &range, "..", "LOW..HIGH multiples of BASE")?;
                let num = |at: usize, s: &str| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| *v > 0.0)
                        .ok_or_else(|| err(at, format!("{s:?} is not a positive multiple")))
                };
                let (lo, hi) = (num(ps[1].0, &lo)?, num(hi_at, &hi)?);
                if lo > hi {
                    return Err(err(ps[1].0, "LOW is above HIGH".into()));
                }
                if b * hi > MAX_RATE {
                    return Err(err(hi_at, format!("BASE x HIGH is {} orders/s; {}", b * hi, too_fast())));
                }
                let period_s = dur(period_at, &period)?;
                // One level per period over the run: bounded, so a tiny period cannot take
                // all the memory (1ns over 10s would be 1e10 levels).
                let levels = (duration_s / period_s).ceil();
                if levels > MAX_VOLATILE_LEVELS as f64 {
                    return Err(err(
                        period_at,
                        format!(
                            "a level every {period} over {duration_s}s is {levels:.0} levels; at most \
                             {MAX_VOLATILE_LEVELS}: use a longer PERIOD"
                        ),
                    ));
                }
                let seed_at = ps[2].0 + 5;
                let seed: u64 = ps[2].1[5..].parse().map_err(|_| err(seed_at, "seed must be a whole number".into()))?;
                Ok(Profile::Volatile { base: b, period_s, levels: random_walk(seed, lo, hi, levels as usize + 1) })
            }
            "file" => {
                let text = read(args).map_err(|m| err(base, m))?;
                Ok(Profile::Table(table(&text, args).map_err(|m| err(base, m))?))
            }
            _ => Err(err(
                0,
                format!("unknown profile {kind:?}; use constant, ramp, step, spike, burst, volatile or file"),
            )),
        }
    }

    /// The canonical spec, for the result file.
    pub fn describe(&self) -> String {
        match self {
            Profile::Constant(r) => format!("constant:{r}"),
            Profile::Ramp { from, to, over_s } => format!("ramp:{from}..{to}/{over_s}s"),
            Profile::Step(st) => {
                format!("step:{}", st.iter().map(|(r, d)| format!("{r}/{d}s")).collect::<Vec<_>>().join(","))
            }
            Profile::Spike { base, peak, dur_s, at_s } => format!("spike:{base},{peak}/{dur_s}s@{at_s}s"),
            Profile::Burst { base, peak, dur_s, every_s } => format!("burst:{base},{peak}/{dur_s}s/{every_s}s"),
            Profile::Volatile { base, period_s, .. } => format!("volatile:{base}/{period_s}s"),
            Profile::Table(rows) => format!("file:{} rows", rows.len()),
        }
    }
}

/// The rows of a `file:` profile (named `name` in messages): `t_s,rate`, times rising. Blank
/// lines, `#` comments and a first line that starts with a letter (a header) are skipped.
fn table(text: &str, name: &str) -> Result<Vec<(f64, f64)>, String> {
    let mut lines = Lines::new(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut rows: Vec<(f64, f64)> = Vec::new();
    while lines.read(&mut record).map_err(|e| format!("{name}: {e}"))? {
        // The fields of a `&str`, split at ASCII bytes: UTF-8 still, so nothing is lost.
        let f = |i: usize| String::from_utf8_lossy(field(&record, i));
        let start = f(0);
        let start = start.trim_start();
        if (record.len() == 1 && start.is_empty())
            || start.starts_with('#')
            || (lines.line(&record) == 1 && start.starts_with(|c: char| c.is_alphabetic()))
        {
            continue;
        }
        let line = lines.line(&record);
        let bad = || {
            let l = (0..record.len()).map(f).collect::<Vec<_>>().join(",");
            format!("{name}:{line}: expected t_s,rate, found {:?}", l.trim())
        };
        if record.len() != 2 {
            return Err(bad());
        }
        let t: f64 = f(0).trim().parse().map_err(|_| bad())?;
        let r: f64 = f(1).trim().parse().map_err(|_| bad())?;
        if t < 0.0 || r < 0.0 || rows.last().is_some_and(|p| p.0 >= t) {
            return Err(format!("{name}:{line}: times must rise and rates be 0 or more"));
        }
        if t > MAX_SPAN.as_secs_f64() {
            return Err(format!("{name}:{line}: time {t} s: at most {MAX_SPAN_TEXT}"));
        }
        if r > MAX_RATE {
            return Err(format!("{name}:{line}: rate {r}: {}", too_fast()));
        }
        rows.push((t, r));
    }
    if rows.is_empty() {
        return Err(format!("{name}: no t_s,rate rows"));
    }
    Ok(rows)
}

/// What a rate above [`MAX_RATE`] is told, as `parse_rate` says it.
fn too_fast() -> String {
    format!("at most {} orders/s (one per nanosecond)", MAX_RATE as u64)
}

/// A reproducible random walk of multiples in `[lo, hi]`, starting at 1 (clamped).
fn random_walk(seed: u64, lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let mut rng = Random::new(seed);
    let mut level = 1.0f64.clamp(lo, hi);
    let step = (hi - lo) / 4.0;
    (0..n)
        .map(|_| {
            let u = rng.unit();
            let l = level;
            level = (level + (u * 2.0 - 1.0) * step).clamp(lo, hi);
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(spec: &str) -> Profile {
        Profile::parse(spec, 60.0, |_| Err("no files here".into())).unwrap()
    }

    fn e(spec: &str) -> SpecError {
        Profile::parse(spec, 60.0, |_| Err("no files here".into())).unwrap_err()
    }

    #[test]
    fn constant_and_ramp() {
        assert_eq!(p("constant:10k").rate_at(5.0), 10_000.0);
        let r = p("ramp:1000..50000/30s");
        assert_eq!(r.rate_at(0.0), 1000.0);
        assert_eq!(r.rate_at(15.0), 25_500.0);
        assert_eq!(r.rate_at(45.0), 50_000.0);
        let down = p("ramp:50k..1k/10s");
        assert!(down.rate_at(9.0) < down.rate_at(1.0));
    }

    #[test]
    fn steps_hold_each_stage_then_the_last() {
        let s = p("step:1k/10s,5k/10s,20k/5s");
        assert_eq!(
            [s.rate_at(0.0), s.rate_at(9.9), s.rate_at(10.0), s.rate_at(24.9), s.rate_at(99.0)],
            [1000.0, 1000.0, 5000.0, 20_000.0, 20_000.0]
        );
    }

    #[test]
    fn spike_and_burst() {
        let s = p("spike:2k,40k/2s@10s");
        assert_eq!(
            [s.rate_at(9.9), s.rate_at(10.0), s.rate_at(11.9), s.rate_at(12.0)],
            [2000.0, 40_000.0, 40_000.0, 2000.0]
        );
        let b = p("burst:2k,20k/1s/10s");
        assert_eq!(
            [b.rate_at(0.5), b.rate_at(1.5), b.rate_at(10.2), b.rate_at(19.0)],
            [20_000.0, 2000.0, 20_000.0, 2000.0]
        );
    }

    #[test]
    fn volatile_is_bounded_and_reproducible() {
        let a = p("volatile:5k,0.5..2.0/1s,seed=7");
        let b = p("volatile:5k,0.5..2.0/1s,seed=7");
        let c = p("volatile:5k,0.5..2.0/1s,seed=8");
        let rates: Vec<f64> = (0..60).map(|t| a.rate_at(t as f64)).collect();
        assert!(rates.iter().all(|r| (2500.0..=10_000.0).contains(r)));
        assert_eq!(rates, (0..60).map(|t| b.rate_at(t as f64)).collect::<Vec<_>>());
        assert_ne!(rates, (0..60).map(|t| c.rate_at(t as f64)).collect::<Vec<_>>());
        assert!(rates.windows(2).any(|w| w[0] != w[1]), "the walk moves");
    }

    #[test]
    fn file_rows_are_interpolated() {
        let f = Profile::parse("file:r.csv", 60.0, |_| Ok("t_s,rate\n0,1000\n10,2000\n20,2000\n".into())).unwrap();
        assert_eq!(
            [f.rate_at(0.0), f.rate_at(5.0), f.rate_at(15.0), f.rate_at(99.0)],
            [1000.0, 1500.0, 2000.0, 2000.0]
        );
        let bad = Profile::parse("file:r.csv", 60.0, |_| Ok("0,1000\n5,x\n".into())).unwrap_err();
        assert!(bad.message.contains("r.csv:2"), "{bad}");
        let backwards = Profile::parse("file:r.csv", 60.0, |_| Ok("5,1\n1,1\n".into())).unwrap_err();
        assert!(backwards.message.contains("times must rise"), "{backwards}");
    }

    /// Every rate and every length a spec can name is bounded like `--rate` and `--duration`:
    /// one order per nanosecond, 7 days.
    #[test]
    fn rates_and_lengths_are_bounded_everywhere_in_a_spec() {
        let too_fast = "at most 1000000000 orders/s (one per nanosecond)";
        for (spec, at) in [
            ("constant:1e19", 9),
            ("ramp:1k..2e9/10s", 9),
            ("step:1k/10s,1001m/10s", 12),
            ("spike:2k,1e10/2s@10s", 9),
            ("burst:1e12,2k/1s/10s", 6),
        ] {
            let e = e(spec);
            assert_eq!((e.at, e.message.contains(too_fast)), (at, true), "{spec}: {e}");
        }
        let v = e("volatile:600m,0.5..2/1s,seed=1");
        assert_eq!(v.at, 19, "{v}");
        assert!(v.message.contains("BASE x HIGH is 1200000000 orders/s") && v.message.contains(too_fast), "{v}");
        assert!(Profile::parse("volatile:500m,0.5..2/1s,seed=1", 60.0, |_| Err("no files".into())).is_ok());
        for (spec, at) in [
            ("ramp:1k..2k/169h", 12),
            ("step:1k/10s,2k/99999999999999999s", 15),
            ("spike:2k,40k/2s@200h", 16),
            ("burst:2k,20k/1s/1000h", 16),
            ("volatile:5k,0.5..2/200h,seed=1", 19),
        ] {
            let e = e(spec);
            assert_eq!(e.at, at, "{spec}: {e}");
            assert!(e.message.contains("at most 7 days (168h)") || e.message.contains("too long"), "{spec}: {e}");
        }
        assert!(Profile::parse("ramp:1k..1e9/168h", 60.0, |_| Err("no files".into())).is_ok());
        let table = |text: &'static str| Profile::parse("file:r.csv", 60.0, move |_| Ok(text.into()));
        let fast = table("0,1000\n5,2e9\n").unwrap_err();
        assert_eq!(fast.message, format!("r.csv:2: rate 2000000000: {too_fast}"));
        let late = table("0,1000\n700000,1000\n").unwrap_err();
        assert_eq!(late.message, "r.csv:2: time 700000 s: at most 7 days (168h)");
    }

    #[test]
    fn bad_specs_say_where() {
        assert_eq!(e("ramp1000").at, 0);
        assert_eq!(
            e("wave:1").message,
            "unknown profile \"wave\"; use constant, ramp, step, spike, burst, volatile or file"
        );
        let r = e("ramp:1000..fast/30s");
        assert_eq!(r.at, 11, "{r}");
        let s = e("step:1k/10s,5k/ten");
        assert_eq!(s.at, 15, "{s}");
        assert!(e("burst:2k,20k/10s/5s").message.contains("shorter than its period"));
        assert!(e("volatile:5k,2..1/1s,seed=1").message.contains("LOW is above HIGH"));
        // 60 s in levels of 1 ns would be 6e10 values.
        let tiny = e("volatile:5k,0.5..2/1ns,seed=1").message;
        assert!(tiny.contains("levels; at most 10000000: use a longer PERIOD"), "{tiny}");
        assert!(e("spike:2k,40k/2s").message.contains("DUR@AT"));
        // The message points at the column.
        assert!(e("ramp:1000..fast/30s").to_string().contains("(at column 12)"));
    }
}
