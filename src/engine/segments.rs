//! A load profile as a walk over segments, and its integral: how many orders are due by a
//! time, and when the u-th one is due.
//!
//! Every profile is piecewise linear in time. Constant stretches make up constant, step,
//! spike, burst and volatile profiles and the warm-up; linear ones make up a ramp and the rows
//! of a `file:` table. A [`Segment`] is one such stretch. An [`Integral`] is a cursor over
//! them: it holds the current segment and the number of orders due before it, so
//! N(t), the orders due from the schedule's start to `t`, and its inverse are closed forms
//! within the segment (a product, or the root of a quadratic). The cursor only moves forward,
//! one segment per step, and each step is O(1): the next segment follows from the current
//! one's index and end, never from a scan from the start. A segment with no rate holds no
//! orders, so the inverse steps over it whole, however long it lasts.
//!
//! This module owns the layout of each profile kind in segments, which must say exactly what
//! [`Profile::rate_at`] says (its tests compare the two). It runs once per order on a worker's
//! hot path: it must not scan a profile, allocate, or move backwards.

use super::profile::Profile;

/// A stretch of profile time over which the rate is linear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Where it starts, in seconds of profile time (0 is the end of warm-up).
    pub start_s: f64,
    /// Where it ends (excluded); infinite for the last one, which holds its rate for ever.
    pub end_s: f64,
    /// The rate at `start_s`, orders/s.
    pub rate: f64,
    /// How much the rate rises per second (0 for a constant stretch and always for the last).
    pub slope: f64,
}

impl Segment {
    /// The rate at `t_s`, a time within the segment.
    pub fn rate_at(&self, t_s: f64) -> f64 {
        if self.slope == 0.0 { self.rate } else { self.rate + self.slope * (t_s - self.start_s) }
    }

    /// Orders due from the segment's start to `t_s` (clamped into the segment).
    pub fn orders_to(&self, t_s: f64) -> f64 {
        let d = t_s.min(self.end_s) - self.start_s;
        if d <= 0.0 {
            0.0
        } else if self.slope == 0.0 {
            if self.rate == 0.0 { 0.0 } else { self.rate * d }
        } else {
            d * (self.rate + self.slope * d / 2.0)
        }
    }

    /// Orders due over the whole segment (infinite for a last segment with a rate).
    pub fn orders(&self) -> f64 {
        self.orders_to(self.end_s)
    }

    /// The time at which `orders_to` reaches `n` (0 ≤ `n` < [`orders`](Segment::orders)):
    /// the inverse of the integral within the segment, never past its end.
    pub fn time_of(&self, n: f64) -> f64 {
        let dt = if n <= 0.0 {
            0.0
        } else if self.slope == 0.0 {
            n / self.rate
        } else {
            // The root of slope/2·dt² + rate·dt − n = 0, in the form that does not cancel
            // when the slope is small (or negative, down to a rate of 0).
            let disc = (self.rate * self.rate + 2.0 * self.slope * n).max(0.0);
            2.0 * n / (self.rate + disc.sqrt())
        };
        (self.start_s + dt).min(self.end_s)
    }

    fn scaled(self, share: f64) -> Segment {
        Segment { rate: self.rate * share, slope: self.slope * share, ..self }
    }
}

/// Segment `j` of `p`, counted from profile time 0, which starts at `start_s`: where segment
/// `j - 1` ended, or 0 for the first. The last segment ends at infinity and is never passed.
/// Segments may be empty (`end_s == start_s`): a spike at 0, a table whose first row is at 0.
pub fn segment(p: &Profile, j: usize, start_s: f64) -> Segment {
    let at = |end_s: f64, rate: f64, slope: f64| Segment { start_s, end_s, rate, slope };
    let hold = |rate: f64| at(f64::INFINITY, rate, 0.0);
    match p {
        Profile::Constant(r) => hold(*r),
        Profile::Ramp { from, to, over_s } => {
            if j == 0 {
                at(*over_s, *from, (to - from) / over_s)
            } else {
                hold(*to)
            }
        }
        // Each stage ends where the one before ended plus its own duration: the same sums,
        // in the same order, as `rate_at`'s.
        Profile::Step(stages) => match stages.len() {
            0 => hold(0.0),
            n if j + 1 >= n => hold(stages[n - 1].0),
            _ => at(start_s + stages[j].1, stages[j].0, 0.0),
        },
        Profile::Spike { base, peak, dur_s, at_s } => match j {
            0 => at(*at_s, *base, 0.0),
            1 => at(at_s + dur_s, *peak, 0.0),
            _ => hold(*base),
        },
        // The peak of period k, then its base: `t % every_s < dur_s` is the peak.
        Profile::Burst { base, peak, dur_s, every_s } => {
            if j.is_multiple_of(2) {
                at(start_s + dur_s, *peak, 0.0)
            } else {
                at((j / 2 + 1) as f64 * every_s, *base, 0.0)
            }
        }
        Profile::Volatile { base, period_s, levels } => {
            let last = levels.len().saturating_sub(1);
            if j >= last {
                hold(base * levels.get(last).copied().unwrap_or(1.0))
            } else {
                at((j + 1) as f64 * period_s, base * levels[j], 0.0)
            }
        }
        // The first row's rate until its time, each pair of rows interpolated, then the last
        // row's rate.
        Profile::Table(rows) => match (j, rows.len()) {
            (_, 0) => hold(0.0),
            (0, 1) => hold(rows[0].1),
            (0, _) => at(rows[0].0, rows[0].1, 0.0),
            (j, n) if j < n => {
                let ((t0, r0), (t1, r1)) = (rows[j - 1], rows[j]);
                at(t1, r0, (r1 - r0) / (t1 - t0))
            }
            (_, n) => hold(rows[n - 1].1),
        },
    }
}

/// Cumulative orders as a function of time for one worker, evaluated and inverted at times
/// that only move forward. Warm-up (profile time below 0) runs at the profile's rate at 0.
///
/// It is `Copy`: a copy looks ahead (`remaining_before`) without moving the original.
#[derive(Debug, Clone, Copy)]
pub struct Integral {
    /// The current segment, scaled by the worker's share, starting no earlier than the
    /// schedule does.
    seg: Segment,
    /// The profile's index of the segment after `seg`.
    next: usize,
    share: f64,
    /// Orders due from the schedule's start to `seg`'s start, and to its end.
    n0: f64,
    n1: f64,
    /// Segments stepped over since the start (tests check that a stretch is one step).
    #[cfg(test)]
    pub(crate) moves: u64,
}

impl Integral {
    /// The integral of `share` × `p`'s rate from `begin_s` (profile seconds; negative during
    /// warm-up). Finds the segment holding `begin_s` by stepping from the first: once, when the
    /// schedule is made, never per order.
    pub fn new(p: &Profile, share: f64, begin_s: f64) -> Integral {
        // The profile's rate at 0 is the first non-empty segment's: warm-up runs at it.
        let mut first = segment(p, 0, 0.0);
        let mut j = 0;
        while first.end_s <= 0.0 {
            j += 1;
            first = segment(p, j, first.end_s);
        }
        let seg = if begin_s < 0.0 {
            Segment { start_s: begin_s, end_s: 0.0, rate: first.rate, slope: 0.0 }
        } else {
            while first.end_s <= begin_s {
                j += 1;
                first = segment(p, j, first.end_s);
            }
            j += 1;
            Segment { start_s: begin_s, rate: first.rate_at(begin_s), ..first }
        };
        let seg = seg.scaled(share);
        let n1 = seg.orders();
        Integral {
            seg,
            next: if begin_s < 0.0 { 0 } else { j },
            share,
            n0: 0.0,
            n1,
            #[cfg(test)]
            moves: 0,
        }
    }

    /// Moves to the next segment; false at the last, which lasts for ever.
    #[inline]
    fn step(&mut self, p: &Profile) -> bool {
        if self.seg.end_s == f64::INFINITY {
            return false;
        }
        self.seg = segment(p, self.next, self.seg.end_s).scaled(self.share);
        self.next += 1;
        self.n0 = self.n1;
        self.n1 = self.n0 + self.seg.orders();
        #[cfg(test)]
        {
            self.moves += 1;
        }
        true
    }

    /// When (profile seconds) the integral reaches `u` orders. Where it stays at `u` over a
    /// stretch with no rate, that is where the rate comes back: no order falls in the
    /// stretch. Infinite when the profile never gets there (it ends at a rate of 0). `u` must
    /// not be below an earlier call's.
    #[inline]
    pub fn time_of(&mut self, p: &Profile, u: f64) -> f64 {
        while u >= self.n1 {
            if !self.step(p) {
                return f64::INFINITY;
            }
        }
        self.seg.time_of(u - self.n0)
    }

    /// Orders due from the schedule's start to `t_s` profile seconds. `t_s` must not be
    /// before the current segment.
    pub fn orders_at(&mut self, p: &Profile, t_s: f64) -> f64 {
        while t_s >= self.seg.end_s && self.step(p) {}
        self.n0 + self.seg.orders_to(t_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every segment of `p` up to `until_s`, walked as the cursor walks them.
    fn walk(p: &Profile, until_s: f64) -> Vec<Segment> {
        let mut out = vec![segment(p, 0, 0.0)];
        while out.last().unwrap().end_s < until_s {
            let last = out.last().unwrap();
            out.push(segment(p, out.len(), last.end_s));
        }
        out
    }

    fn kinds() -> Vec<Profile> {
        vec![
            Profile::Constant(2500.0),
            Profile::Ramp { from: 1000.0, to: 9000.0, over_s: 4.0 },
            Profile::Ramp { from: 9000.0, to: 10.0, over_s: 3.0 },
            Profile::Step(vec![(1000.0, 1.5), (5000.0, 0.25), (300.0, 2.0)]),
            Profile::Spike { base: 2000.0, peak: 40_000.0, dur_s: 1.0, at_s: 2.0 },
            Profile::Spike { base: 2000.0, peak: 40_000.0, dur_s: 1.0, at_s: 0.0 },
            Profile::Burst { base: 2000.0, peak: 20_000.0, dur_s: 0.5, every_s: 2.0 },
            Profile::Volatile { base: 5000.0, period_s: 0.5, levels: vec![1.0, 1.5, 0.5, 2.0] },
            Profile::Table(vec![(0.0, 1000.0), (1.0, 3000.0), (2.5, 0.0), (3.0, 0.0), (4.0, 500.0)]),
            Profile::Table(vec![(1.5, 700.0), (2.0, 100.0)]),
            Profile::Table(vec![(2.0, 700.0)]),
        ]
    }

    /// Inside every segment (and past the last), the segment's rate is the profile's.
    #[test]
    fn segments_say_what_rate_at_says() {
        for p in kinds() {
            let segs = walk(&p, 10.0);
            for w in segs.windows(2) {
                assert_eq!(w[0].end_s, w[1].start_s, "{p:?}: segments meet");
            }
            // An empty segment holds no time, so it has no rate to compare.
            for s in segs.iter().filter(|s| s.end_s > s.start_s) {
                let end = s.end_s.min(12.0);
                for i in 0..8 {
                    let t = s.start_s + (end - s.start_s) * (i as f64 + 0.5) / 8.0;
                    let (ours, theirs) = (s.rate_at(t), p.rate_at(t));
                    assert!((ours - theirs).abs() <= 1e-9 * theirs.max(1.0), "{p:?} at {t}: {ours} vs {theirs}");
                }
            }
        }
    }

    /// The inverse undoes the integral within a segment, for constant, rising and falling
    /// rates, and stops at the segment's end.
    #[test]
    fn time_of_inverts_orders_to() {
        let segs = [
            Segment { start_s: 1.0, end_s: 3.0, rate: 1000.0, slope: 0.0 },
            Segment { start_s: 1.0, end_s: 3.0, rate: 1000.0, slope: 4000.0 },
            Segment { start_s: 1.0, end_s: 3.0, rate: 8000.0, slope: -4000.0 },
            Segment { start_s: 0.0, end_s: 2.0, rate: 0.0, slope: 1.0 },
        ];
        for s in segs {
            for i in 0..=20 {
                let t = s.start_s + (s.end_s - s.start_s) * i as f64 / 20.0;
                let back = s.time_of(s.orders_to(t));
                assert!((back - t).abs() < 1e-9, "{s:?}: {t} came back as {back}");
            }
            assert_eq!(s.time_of(s.orders() * 2.0), s.end_s);
        }
    }

    /// Warm-up runs at the rate at 0 (the peak, for a spike at 0), and a schedule that starts
    /// after 0 counts from where it starts.
    #[test]
    fn the_integral_starts_where_the_schedule_does() {
        let spike = Profile::Spike { base: 2000.0, peak: 40_000.0, dur_s: 1.0, at_s: 0.0 };
        let mut i = Integral::new(&spike, 0.5, -2.0);
        assert_eq!(i.orders_at(&spike, 0.0), 40_000.0);
        assert_eq!(i.orders_at(&spike, 1.0), 60_000.0);
        let ramp = Profile::Ramp { from: 1000.0, to: 3000.0, over_s: 2.0 };
        let mut i = Integral::new(&ramp, 1.0, 1.0);
        assert_eq!(i.orders_at(&ramp, 2.0), 2500.0);
        assert_eq!(i.orders_at(&ramp, 3.0), 5500.0);
    }
}
