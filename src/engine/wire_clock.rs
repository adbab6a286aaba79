//! The harness's TSC stamps on the kernel's realtime clock, for `--wire-timestamps`: the
//! kernel stamps sends and receives with CLOCK_REALTIME, the harness with the TSC (quanta),
//! and the client split (`client_out`, `client_in`) subtracts one from the other.
//!
//! [`WireClock`] places one TSC reading on the realtime clock, from the narrowest of
//! [`READINGS`] (TSC, realtime, TSC) brackets. The TSC's rate as quanta calibrated it and
//! the realtime clock (slewed by NTP) part by tens of parts per million, tens of µs a
//! second, so each worker places the TSC afresh every [`RECALIBRATE_NS`] (from
//! [`QUICK_READINGS`] brackets: well under a µs) and converts from the nearest placement;
//! [`WireClock::drift`] says how far the previous placement had moved by then. Above
//! [`DRIFT_BOUND_NS`] the split is not reported.
//!
//! It owns that arithmetic. It must not be read per message: a conversion is one addition.

use quanta::Clock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Readings taken per calibration: enough that one of them is not interrupted between its
/// two TSC reads (each costs tens of nanoseconds), few enough to take microseconds.
pub const READINGS: usize = 50;

/// Readings taken by a worker's periodic placement: a few, to keep its pause short.
pub const QUICK_READINGS: usize = 8;

/// How often a worker places the TSC on the realtime clock again. At 50 ppm apart the two
/// clocks move 500 ns in 10 ms: a stamp converted from a placement at most that old is off
/// by no more.
pub const RECALIBRATE_NS: u64 = 10_000_000;

/// The most a placement may have moved by the next one (the largest over the run, any
/// worker) for the client split to be reported. `client_out` and `client_in` are a few
/// microseconds on loopback: an error of 2 µs would be a large part of them, while `wire`
/// (both stamps the kernel's) does not depend on it. A clock stepped during the run (NTP)
/// exceeds it, and the result says so.
pub const DRIFT_BOUND_NS: u64 = 2_000;

/// One reading of the realtime clock, placed on the TSC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The TSC midway between the reads either side of the realtime read.
    pub raw: u64,
    /// Realtime ns since the Unix epoch.
    pub utc_ns: u64,
    /// Nanoseconds between the TSC reads either side: the reading's uncertainty.
    pub width_ns: u64,
}

/// Of `n` readings `(tsc before, realtime ns, tsc after)` from `sample`, the one with the
/// narrowest bracket, as `to_ns(start, end)` measures TSC spans. `None` when `n` is 0.
pub fn narrowest(
    n: usize,
    mut sample: impl FnMut() -> (u64, u64, u64),
    to_ns: impl Fn(u64, u64) -> u64,
) -> Option<Reading> {
    (0..n)
        .map(|_| {
            let (before, utc_ns, after) = sample();
            Reading { raw: before + after.saturating_sub(before) / 2, utc_ns, width_ns: to_ns(before, after) }
        })
        .min_by_key(|r| r.width_ns)
}

/// The narrowest of `n` (at least 1) readings of the realtime clock against `clock`.
pub fn read(clock: &Clock, n: usize) -> Reading {
    let utc = || SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    narrowest(n.max(1), || (clock.raw(), utc(), clock.raw()), |a, b| clock.delta_as_nanos(a, b))
        .expect("at least one reading")
}

/// Where a TSC reading falls on the realtime clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireClock {
    /// The TSC reading placed (the run's time zero, `Shared::epoch_raw`, at the start).
    pub epoch_raw: u64,
    /// Realtime ns at `epoch_raw`.
    pub utc_at_epoch: u64,
    /// The calibrating reading's uncertainty, ns.
    pub width_ns: u64,
}

impl WireClock {
    /// From reading `r`, with `to_ns(start, end)` measuring TSC spans.
    pub fn from_reading(epoch_raw: u64, r: Reading, to_ns: impl Fn(u64, u64) -> u64) -> WireClock {
        let since = to_ns(epoch_raw, r.raw);
        WireClock { epoch_raw, utc_at_epoch: r.utc_ns.saturating_sub(since), width_ns: r.width_ns }
    }

    /// Calibrated now against `clock`, for the run whose time zero is `epoch_raw`.
    pub fn calibrate(clock: &Clock, epoch_raw: u64) -> WireClock {
        WireClock::from_reading(epoch_raw, read(clock, READINGS), |a, b| clock.delta_as_nanos(a, b))
    }

    /// Placed again now, from a few readings: the new placement and how far this one had
    /// moved ([`drift`](WireClock::drift)).
    pub fn again(&self, clock: &Clock) -> (WireClock, i64) {
        let r = read(clock, QUICK_READINGS);
        let to_ns = |a, b| clock.delta_as_nanos(a, b);
        (WireClock::from_reading(r.raw, r, to_ns), self.drift(r, to_ns))
    }

    /// TSC reading `raw` (before or after the one placed) as realtime ns.
    #[inline]
    pub fn realtime_of(&self, raw: u64, to_ns: impl Fn(u64, u64) -> u64) -> u64 {
        if raw >= self.epoch_raw {
            self.utc_at_epoch + to_ns(self.epoch_raw, raw)
        } else {
            self.utc_at_epoch.saturating_sub(to_ns(raw, self.epoch_raw))
        }
    }

    /// Realtime ns of the TSC reading `since_epoch` ns after the one placed.
    #[inline]
    pub fn realtime(&self, since_epoch: u64) -> u64 {
        self.utc_at_epoch + since_epoch
    }

    /// How far the prediction has moved by reading `r`: realtime predicted from the TSC
    /// minus realtime read, ns (positive: the TSC runs ahead).
    pub fn drift(&self, r: Reading, to_ns: impl Fn(u64, u64) -> u64) -> i64 {
        self.realtime(to_ns(self.epoch_raw, r.raw)) as i64 - r.utc_ns as i64
    }

    /// [`drift`](WireClock::drift) measured now against `clock`.
    pub fn drift_now(&self, clock: &Clock) -> i64 {
        self.drift(read(clock, READINGS), |a, b| clock.delta_as_nanos(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TSC at 2 ticks per ns.
    fn to_ns(a: u64, b: u64) -> u64 {
        b.saturating_sub(a) / 2
    }

    #[test]
    fn the_narrowest_bracket_is_kept_and_placed_midway() {
        let mut brackets = [(100, 5_000, 400), (1_000, 6_000, 1_010), (2_000, 7_000, 2_100)].into_iter();
        let r = narrowest(3, || brackets.next().unwrap(), to_ns).unwrap();
        assert_eq!(r, Reading { raw: 1_005, utc_ns: 6_000, width_ns: 5 });
        assert_eq!(narrowest(0, || unreachable!(), to_ns), None);
    }

    #[test]
    fn calibration_puts_time_zero_on_the_realtime_clock_and_drift_is_signed() {
        // Realtime 1_000_000 ns at TSC 10_000, time zero at TSC 4_000: 3_000 ns before.
        let c = WireClock::from_reading(4_000, Reading { raw: 10_000, utc_ns: 1_000_000, width_ns: 7 }, to_ns);
        assert_eq!((c.utc_at_epoch, c.width_ns), (997_000, 7));
        assert_eq!(c.realtime(to_ns(4_000, 10_000)), 1_000_000);
        let c = WireClock::from_reading(10_000, Reading { raw: 10_000, utc_ns: 1_000_000, width_ns: 7 }, to_ns);
        // Later: the TSC says 1_050_000 but realtime reads 1_049_000: it ran 1 µs ahead.
        let later = Reading { raw: 10_000 + 100_000, utc_ns: 1_049_000, width_ns: 3 };
        assert_eq!(c.drift(later, to_ns), 1_000);
        assert_eq!(c.drift(Reading { utc_ns: 1_051_500, ..later }, to_ns), -1_500);
        // A reading before the one placed converts backwards.
        assert_eq!(c.realtime_of(10_000 - 4_000, to_ns), 998_000);
        assert_eq!(c.realtime_of(10_000 + 4_000, to_ns), 1_002_000);
    }

    #[test]
    fn a_real_calibration_agrees_with_itself() {
        let clock = Clock::new();
        let epoch = clock.raw();
        let c = WireClock::calibrate(&clock, epoch);
        // No timing bound: only that a reading taken right after lands near the first.
        let d = c.drift_now(&clock);
        assert!(d.unsigned_abs() < 1_000_000_000, "{d}");
        assert!(c.utc_at_epoch > 1_600_000_000_000_000_000);
    }
}
