//! When each order is due. Open loop: a profile's rate over time, each worker's share of it,
//! with the workers' phases staggered so they do not send in lockstep.
//!
//! An order's due time is the inverse of the profile's integral: with N(t) the orders due
//! from the schedule's start to `t` (see [`Integral`]), order k is due when N reaches
//! `k + phase` (evenly spaced arrivals), or when it reaches the k-th point of a unit-rate
//! Poisson process (a Poisson process of the profile's rate, by the time-change theorem).
//! Times are nanoseconds since the run's epoch, computed from the order's place on the
//! integral, never by adding up gaps, so the schedule does not drift however long the run.
//! The integral keeps a cursor on the profile's current segment: finding the next due time
//! costs O(1) whatever the profile's length, and a stretch with no rate is one step.
//!
//! It owns the due times and the count of orders due but not handed out. It runs on the
//! worker's hot path once per order: it must not allocate, scan the profile or call
//! [`Profile::rate_at`].

use super::profile::Profile;
use super::segments::Integral;
use crate::random::Random;

/// How orders are spaced at a given rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Evenly, 1/rate apart.
    Uniform,
    /// Exponential gaps with mean 1/rate (a Poisson process), from a seeded generator.
    Poisson { seed: u64 },
}

/// An open-loop schedule for one worker.
#[derive(Debug, Clone)]
pub struct Schedule {
    start_ns: u64,
    period_ns: f64,
    offset_ns: f64,
    n: u64,
    next_ns: u64,
    /// For profiles other than a constant uniform rate: the profile, its integral, and the
    /// arrival process.
    varying: Option<Varying>,
}

#[derive(Debug, Clone)]
struct Varying {
    profile: Profile,
    /// When the profile's clock starts (the end of warm-up), ns since the epoch.
    zero_ns: u64,
    /// This worker's share of the profile's integral, from the schedule's start.
    integral: Integral,
    /// Where its orders fall within a gap (0..1).
    phase: f64,
    /// The next order's place on the integral: the orders due before it, plus its phase.
    u: f64,
    /// The Poisson process's draws, when the arrival is Poisson.
    poisson: Option<Random>,
}

impl Varying {
    /// When the integral reaches `u`, ns since the epoch; `u64::MAX` for never.
    #[inline]
    fn due_ns(&mut self, u: f64) -> u64 {
        let t_s = self.integral.time_of(&self.profile, u);
        self.ns(t_s)
    }

    /// Profile seconds as ns since the epoch (infinity: `u64::MAX`).
    #[inline]
    fn ns(&self, t_s: f64) -> u64 {
        if t_s == f64::INFINITY { u64::MAX } else { (self.zero_ns as f64 + t_s * 1e9).round() as u64 }
    }

    /// The place on the integral of order `n`, the one after the order at `self.u`: `n` plus
    /// the phase, or one exponential draw further on.
    #[inline]
    fn place_of(&mut self, n: u64) -> f64 {
        match &mut self.poisson {
            None => n as f64 + self.phase,
            Some(rng) => self.u - rng.open_unit().ln(),
        }
    }
}

impl Schedule {
    /// This worker's `share` of `profile`, whose clock starts at `zero_ns` (the end of
    /// warm-up), sending from `start_ns`.
    pub fn with_profile(
        start_ns: u64,
        zero_ns: u64,
        profile: &Profile,
        share: f64,
        phase: f64,
        arrival: Arrival,
    ) -> Schedule {
        if let (Profile::Constant(rate), Arrival::Uniform) = (profile, arrival) {
            return Schedule::new(start_ns, rate * share, phase);
        }
        let phase = phase.clamp(0.0, 1.0);
        let begin_s = (start_ns as f64 - zero_ns as f64) / 1e9;
        let mut poisson = match arrival {
            Arrival::Poisson { seed } => Some(Random::new(seed)),
            Arrival::Uniform => None,
        };
        // Stagger workers by a fraction of the first gap: a whole one evenly, a drawn one
        // for Poisson.
        let u = match &mut poisson {
            None => phase,
            Some(rng) => -phase * rng.open_unit().ln(),
        };
        let integral = Integral::new(profile, share, begin_s);
        let mut v = Varying { profile: profile.clone(), zero_ns, integral, phase, u, poisson };
        let next_ns = v.due_ns(u);
        Schedule { start_ns, period_ns: 0.0, offset_ns: 0.0, n: 0, next_ns, varying: Some(v) }
    }

    /// `rate` orders per second from `start_ns`, shifted by `phase` (0..1) of a period.
    pub fn new(start_ns: u64, rate: f64, phase: f64) -> Schedule {
        let period_ns = 1e9 / rate;
        let offset_ns = period_ns * phase.clamp(0.0, 1.0);
        let mut s = Schedule { start_ns, period_ns, offset_ns, n: 0, next_ns: 0, varying: None };
        s.next_ns = s.at(0);
        s
    }

    #[inline]
    fn at(&self, n: u64) -> u64 {
        self.start_ns + (self.offset_ns + n as f64 * self.period_ns).round() as u64
    }

    /// When the next order is due (`u64::MAX`: never, the profile has ended at a rate of 0).
    #[inline]
    pub fn next_ns(&self) -> u64 {
        self.next_ns
    }

    /// The next order was sent; move on to the one after.
    #[inline]
    pub fn advance(&mut self) {
        self.n += 1;
        match &mut self.varying {
            None => self.next_ns = self.at(self.n),
            Some(v) => {
                v.u = v.place_of(self.n);
                // Rounding may not take a time back below the one before.
                self.next_ns = v.due_ns(v.u).max(self.next_ns);
            }
        }
    }

    /// Orders still due before `end_ns` that have not been handed out. Exact for evenly
    /// spaced arrivals. For Poisson arrivals the draws ahead are not made: it is the
    /// expected count, the next order plus the integral from it to `end_ns`.
    pub fn remaining_before(&self, end_ns: u64) -> u64 {
        if end_ns <= self.next_ns {
            return 0;
        }
        if let Some(v) = &self.varying {
            // Copies of the cursor look ahead; the schedule's own stays where it is.
            let mut ahead = v.integral;
            let due = ahead.orders_at(&v.profile, (end_ns as f64 - v.zero_ns as f64) / 1e9);
            if v.poisson.is_some() {
                return (1.0 + (due - v.u).max(0.0)).round() as u64;
            }
            // Order k is due at the integral's k + phase: estimate the first one not due
            // before `end_ns`, then settle it on the rounded times the worker sees.
            let at = |k: u64| {
                let mut ahead = v.integral;
                v.ns(ahead.time_of(&v.profile, k as f64 + v.phase)).max(self.next_ns)
            };
            let mut last = ((due - v.phase).ceil().max(0.0) as u64).max(self.n + 1);
            while last > self.n + 1 && at(last - 1) >= end_ns {
                last -= 1;
            }
            while at(last) < end_ns {
                last += 1;
            }
            return last - self.n;
        }
        // First n with at(n) >= end, counted from the current order.
        let span = (end_ns - self.start_ns) as f64 - self.offset_ns;
        let mut last = (span / self.period_ns).ceil().max(0.0) as u64;
        while last > self.n && self.at(last - 1) >= end_ns {
            last -= 1;
        }
        while self.at(last) < end_ns {
            last += 1;
        }
        last - self.n
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
