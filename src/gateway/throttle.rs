//! `slow-read`: a gateway that takes its input slowly, so that the client meets a closed TCP
//! window, blocked and partial writes, and must show the wait as schedule lag.
//!
//! Two parts. The listening socket gets a small receive buffer ([`small_receive_buffer`]),
//! inherited by every connection it accepts, so the window it advertises is small from the
//! handshake on. And each connection's input is taken through a token bucket ([`Throttle`]):
//! the worker hands the session at most the bytes the bucket allows. What it does not take
//! stays in the connection's inbox; once the inbox is full the transport reads no more (the
//! backpressure every backend already has), the small socket buffer fills, the window closes,
//! and the client's kernel stops taking its bytes.
//!
//! The bucket refills at the rate in nanosecond steps, exactly (no rounding lost per turn,
//! however fast the loop), holds at most [`BURST_S`] of it, and never splits a message: while
//! any credit is left it lets at least the first whole message through, and the debt that
//! leaves is paid back before more is taken. Over time the input is taken at the rate.

use nix::sys::socket::{setsockopt, sockopt};
use std::io;
use std::net::TcpListener;

/// The receive buffer asked for: small enough that the window closes after a few messages.
/// Linux doubles it for its bookkeeping and keeps a floor of its own.
pub const RECEIVE_BUFFER: usize = 4096;

/// The most credit a connection saves while it has nothing to read, in seconds of its rate:
/// an idle connection may then take 10 ms worth at once, no more.
pub const BURST_S: f64 = 0.01;

const NS_PER_S: i128 = 1_000_000_000;

/// Gives the listening socket a small receive buffer ([`RECEIVE_BUFFER`]). Connections it
/// accepts inherit it, and so does the window their handshake offers.
pub fn small_receive_buffer(listener: &TcpListener) -> io::Result<()> {
    setsockopt(listener, sockopt::RcvBuf, &RECEIVE_BUFFER).map_err(io::Error::from)
}

/// One connection's token bucket. Credit is counted in bytes × 10⁹ (a byte per second
/// earns one unit a nanosecond), so any rate refills exactly at any loop speed.
#[derive(Debug, Clone)]
pub(super) struct Throttle {
    /// Bytes per second.
    rate: i128,
    /// The most credit saved, in units.
    burst: i128,
    /// Credit in units; below zero after a message longer than the credit went through.
    credit: i128,
    /// When the credit was last brought up to date (the gateway's clock, ns).
    at: u64,
}

impl Throttle {
    /// A bucket for `bytes_per_s` (at least 1), full at its first use.
    pub(super) fn new(bytes_per_s: u64) -> Throttle {
        let rate = bytes_per_s.max(1) as i128;
        let burst = ((rate as f64 * BURST_S) as i128).max(1) * NS_PER_S;
        Throttle { rate, burst, credit: 0, at: 0 }
    }

    /// How many input bytes may be taken at `now`: the whole bytes of credit, and at least
    /// `first` (the length of the first whole message waiting) while any byte of credit is
    /// left; none while in debt.
    pub(super) fn allow(&mut self, now: u64, first: usize) -> usize {
        if now > self.at {
            let earned = self.rate.saturating_mul((now - self.at) as i128);
            self.credit = self.credit.saturating_add(earned).min(self.burst);
        }
        // A clock that stepped back earns nothing until it passes this reading again.
        self.at = now;
        if self.credit < NS_PER_S {
            return 0;
        }
        let bytes = (self.credit / NS_PER_S).min(usize::MAX as i128) as usize;
        bytes.max(first)
    }

    /// `n` input bytes were taken.
    pub(super) fn spend(&mut self, n: usize) {
        self.credit -= n as i128 * NS_PER_S;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;
    use std::os::fd::AsFd;

    const T0: u64 = 1_767_225_600_000_000_000;
    const MS: u64 = 1_000_000;

    #[test]
    fn a_bucket_starts_full_and_refills_at_its_rate() {
        let mut t = Throttle::new(100_000);
        // 10 ms of 100 kB/s.
        assert_eq!(t.allow(T0, 0), 1000);
        t.spend(1000);
        assert_eq!(t.allow(T0, 0), 0);
        assert_eq!(t.allow(T0 + MS, 0), 100);
        // Never more than the burst, however long it waited.
        assert_eq!(t.allow(T0 + 60_000 * MS, 0), 1000);
    }

    #[test]
    fn a_fast_loop_loses_no_credit_to_rounding() {
        // 1000 B/s earns a byte a millisecond: a loop turning every microsecond still does.
        let mut t = Throttle::new(1000);
        t.allow(T0, 0);
        t.spend(10);
        let mut taken = 0;
        for us in 1..=1_000_000u64 {
            let n = t.allow(T0 + us * 1000, 0);
            t.spend(n);
            taken += n;
        }
        assert_eq!(taken, 1000, "one second at 1000 B/s");
    }

    #[test]
    fn a_message_longer_than_the_credit_goes_whole_and_is_paid_back() {
        let mut t = Throttle::new(10_000);
        // Burst 100 bytes; a 250-byte message still goes.
        assert_eq!(t.allow(T0, 250), 250);
        t.spend(250);
        // 150 bytes of debt: 15 ms at 10 kB/s before anything more.
        assert_eq!(t.allow(T0 + 14 * MS, 250), 0);
        assert_eq!(t.allow(T0 + 15 * MS, 250), 0, "exactly paid back is no credit yet");
        assert_eq!(t.allow(T0 + 15 * MS + 100_000, 250), 250);
    }

    #[test]
    fn over_time_input_is_taken_at_the_rate() {
        // 200-byte messages at 64 kB/s for 10 s of 1 ms turns: 640 kB, give or take a
        // message and the first burst.
        let mut t = Throttle::new(64_000);
        let mut taken = 0usize;
        for ms in 0..10_000u64 {
            let allowed = t.allow(T0 + ms * MS, 200);
            let n = allowed / 200 * 200;
            t.spend(n);
            taken += n;
        }
        assert!((640_000 - 200..=640_000 + 640 + 200).contains(&taken), "{taken}");
    }

    #[test]
    fn a_clock_that_steps_back_earns_nothing() {
        let mut t = Throttle::new(1000);
        let n = t.allow(T0, 0);
        t.spend(n);
        assert_eq!(t.allow(T0 - 3_600_000 * MS, 0), 0);
        // A millisecond after the step back earns a millisecond, not the hour.
        assert_eq!(t.allow(T0 - 3_600_000 * MS + MS, 0), 1);
    }

    #[test]
    fn an_accepted_connection_inherits_the_small_receive_buffer() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let default = nix::sys::socket::getsockopt(&l.as_fd(), sockopt::RcvBuf).unwrap();
        small_receive_buffer(&l).unwrap();
        let _client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (accepted, _) = l.accept().unwrap();
        let got = nix::sys::socket::getsockopt(&accepted.as_fd(), sockopt::RcvBuf).unwrap();
        // Linux reports twice what was asked (its bookkeeping), at most.
        assert!(got <= 2 * RECEIVE_BUFFER, "receive buffer {got} (default {default})");
        assert!(got < default, "receive buffer {got} is not below the default {default}");
    }
}
