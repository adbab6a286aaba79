//! When each order is due. Open loop: a fixed rate, each worker's share of it, with the
//! workers' phases staggered so they do not send in lockstep. Times are nanoseconds since the
//! run's epoch, computed from the order's index (never accumulated), so the schedule does
//! not drift however long the run.

/// An open-loop schedule for one worker.
#[derive(Debug, Clone)]
pub struct Schedule {
    start_ns: u64,
    period_ns: f64,
    offset_ns: f64,
    n: u64,
    next_ns: u64,
}

impl Schedule {
    /// `rate` orders per second from `start_ns`, shifted by `phase` (0..1) of a period.
    pub fn new(start_ns: u64, rate: f64, phase: f64) -> Schedule {
        let period_ns = 1e9 / rate;
        let offset_ns = period_ns * phase.clamp(0.0, 1.0);
        let mut s = Schedule { start_ns, period_ns, offset_ns, n: 0, next_ns: 0 };
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
        self.next_ns = self.at(self.n);
    }

    /// Orders the schedule has handed out.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Orders still due before `end_ns` that have not been handed out.
    pub fn remaining_before(&self, end_ns: u64) -> u64 {
        if end_ns <= self.next_ns {
            return 0;
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

    #[test]
    fn phase_shifts_by_a_fraction_of_a_period() {
        let s = Schedule::new(0, 1000.0, 0.5);
        assert_eq!(s.next_ns(), 500_000);
    }
}
