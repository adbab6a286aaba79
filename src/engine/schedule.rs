//! When each order is due. Open loop: a fixed rate, each worker's share of it, with the
//! workers' phases staggered so they do not send in lockstep. Times are nanoseconds since the
//! run's epoch, computed from the order's index (never accumulated), so the schedule does
//! not drift however long the run.

use super::profile::Profile;
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
    /// For profiles other than a constant uniform rate: the profile, this worker's share of
    /// it, when the profile's clock starts, and the arrival process.
    varying: Option<Varying>,
}

#[derive(Debug, Clone)]
struct Varying {
    profile: Profile,
    share: f64,
    zero_ns: u64,
    /// The Poisson process's draws, when the arrival is Poisson.
    poisson: Option<Random>,
}

/// With no rate to send at, look again this much later.
const IDLE_STEP_NS: f64 = 1_000_000.0;

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
        let poisson = match arrival {
            Arrival::Poisson { seed } => Some(Random::new(seed)),
            Arrival::Uniform => None,
        };
        let mut s = Schedule {
            start_ns,
            period_ns: 0.0,
            offset_ns: 0.0,
            n: 0,
            next_ns: start_ns,
            varying: Some(Varying { profile: profile.clone(), share, zero_ns, poisson }),
        };
        // Stagger workers by a fraction of the first gap, then skip any zero-rate stretch.
        let first = s.gap_ns(start_ns);
        let t = start_ns + (first * phase.clamp(0.0, 1.0)) as u64;
        s.next_ns = if s.rate_zero(t) { s.next_after(t) } else { t };
        s
    }

    fn rate_zero(&self, at_ns: u64) -> bool {
        let v = self.varying.as_ref().expect("a varying schedule");
        v.profile.rate_at((at_ns as f64 - v.zero_ns as f64) / 1e9) * v.share <= 0.0
    }

    /// The first order time after `at_ns` where the rate is not zero.
    fn next_after(&mut self, at_ns: u64) -> u64 {
        let mut t = at_ns + self.gap_ns(at_ns) as u64;
        while self.rate_zero(t) {
            t += IDLE_STEP_NS as u64;
        }
        t
    }

    /// The gap after an order due at `at_ns`.
    fn gap_ns(&mut self, at_ns: u64) -> f64 {
        let v = self.varying.as_mut().expect("a varying schedule");
        let t_s = (at_ns as f64 - v.zero_ns as f64) / 1e9;
        let rate = v.profile.rate_at(t_s) * v.share;
        if rate <= 0.0 {
            return IDLE_STEP_NS;
        }
        let mean = 1e9 / rate;
        match &mut v.poisson {
            None => mean,
            Some(rng) => -mean * rng.open_unit().ln(),
        }
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

    /// When the next order is due.
    #[inline]
    pub fn next_ns(&self) -> u64 {
        self.next_ns
    }

    /// The next order was sent; move on to the one after.
    #[inline]
    pub fn advance(&mut self) {
        self.n += 1;
        if self.varying.is_some() {
            self.next_ns = self.next_after(self.next_ns);
        } else {
            self.next_ns = self.at(self.n);
        }
    }

    /// Orders still due before `end_ns` that have not been handed out.
    pub fn remaining_before(&self, end_ns: u64) -> u64 {
        if end_ns <= self.next_ns {
            return 0;
        }
        if let Some(v) = &self.varying {
            // Integrate the rate over what is left, a millisecond at a time.
            let mut n = 0.0;
            let mut t = self.next_ns;
            while t < end_ns {
                let dt = (end_ns - t).min(1_000_000);
                n += v.profile.rate_at((t as f64 - v.zero_ns as f64) / 1e9) * v.share * dt as f64 / 1e9;
                t += dt;
            }
            return n.round() as u64;
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
mod tests {
    use super::*;

    #[test]
    fn one_second_at_a_rate_holds_that_many_orders() {
        let mut s = Schedule::new(1_000, 10_000.0, 0.0);
        let mut n = 0;
        while s.next_ns() < 1_000 + 1_000_000_000 {
            n += 1;
            s.advance();
        }
        assert_eq!(n, 10_000);
    }

    #[test]
    fn times_do_not_drift_over_a_long_run() {
        // 3 orders/s has a period that is not a whole number of nanoseconds.
        let mut s = Schedule::new(0, 3.0, 0.0);
        for _ in 0..3 * 3600 {
            s.advance();
        }
        assert_eq!(s.next_ns(), 3600 * 1_000_000_000);
    }

    #[test]
    fn remaining_counts_exactly_the_orders_still_due() {
        let mut s = Schedule::new(0, 1000.0, 0.0);
        assert_eq!(s.remaining_before(1_000_000_000), 1000);
        for _ in 0..250 {
            s.advance();
        }
        assert_eq!(s.remaining_before(1_000_000_000), 750);
        assert_eq!(s.remaining_before(250_000_000), 0);
        assert_eq!(s.remaining_before(250_000_001), 1);
    }

    fn count_in(s: &mut Schedule, from_ns: u64, to_ns: u64) -> u64 {
        let mut n = 0;
        while s.next_ns() < to_ns {
            if s.next_ns() >= from_ns {
                n += 1;
            }
            s.advance();
        }
        n
    }

    #[test]
    fn a_ramp_sends_more_as_it_rises() {
        let p = Profile::Ramp { from: 1000.0, to: 9000.0, over_s: 4.0 };
        let mut s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
        let first = count_in(&mut s, 0, 1_000_000_000);
        let last = count_in(&mut s, 3_000_000_000, 4_000_000_000);
        // Mean rate over [0,1) is 2000/s and over [3,4) 8000/s.
        assert!((1900..=2100).contains(&first), "{first}");
        assert!((7800..=8200).contains(&last), "{last}");
    }

    #[test]
    fn poisson_arrivals_keep_the_mean_rate_and_are_seeded() {
        let p = Profile::Constant(10_000.0);
        let mut a = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
        let mut b = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
        let n = count_in(&mut a, 0, 10_000_000_000);
        assert!((99_000..=101_000).contains(&n), "{n}");
        let times_b: Vec<u64> = (0..100)
            .map(|_| {
                let t = b.next_ns();
                b.advance();
                t
            })
            .collect();
        let mut c = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Poisson { seed: 3 });
        let times_c: Vec<u64> = (0..100)
            .map(|_| {
                let t = c.next_ns();
                c.advance();
                t
            })
            .collect();
        assert_eq!(times_b, times_c);
        // Not evenly spaced.
        assert!(times_c.windows(3).any(|w| w[1] - w[0] != w[2] - w[1]));
    }

    /// `--arrival poisson --seed N` gives the same schedule every time: the same seed, the
    /// same due times (also over a varying profile, and from a copy taken part-way), and
    /// another seed other times.
    #[test]
    fn a_poisson_schedule_is_a_function_of_its_seed() {
        let times = |s: &mut Schedule, n: usize| -> Vec<u64> {
            (0..n)
                .map(|_| {
                    let t = s.next_ns();
                    s.advance();
                    t
                })
                .collect()
        };
        for p in [Profile::Constant(10_000.0), Profile::Ramp { from: 1000.0, to: 9000.0, over_s: 4.0 }] {
            let at = |seed| Schedule::with_profile(5, 0, &p, 0.5, 0.25, Arrival::Poisson { seed });
            let mut a = at(42);
            let first = times(&mut a, 500);
            let mut copy = a.clone();
            assert_eq!(first, times(&mut at(42), 500));
            assert_eq!(times(&mut a, 500), times(&mut copy, 500));
            assert_ne!(first, times(&mut at(43), 500));
        }
    }

    #[test]
    fn a_zero_rate_stretch_sends_nothing() {
        let p = Profile::Table(vec![
            (0.0, 1000.0),
            (1.0, 1000.0),
            (1.000001, 0.0),
            (2.0, 0.0),
            (2.000001, 1000.0),
            (3.0, 1000.0),
        ]);
        let mut s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
        assert_eq!(count_in(&mut s, 1_010_000_000, 1_990_000_000), 0);
    }

    #[test]
    fn remaining_integrates_a_varying_profile() {
        let p = Profile::Step(vec![(1000.0, 1.0), (3000.0, 1.0)]);
        let s = Schedule::with_profile(0, 0, &p, 1.0, 0.0, Arrival::Uniform);
        assert_eq!(s.remaining_before(2_000_000_000), 4000);
    }

    #[test]
    fn phase_shifts_by_a_fraction_of_a_period() {
        let s = Schedule::new(0, 1000.0, 0.5);
        assert_eq!(s.next_ns(), 500_000);
    }
}
