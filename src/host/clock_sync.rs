//! Whether the wall clock is disciplined: what `--start-at` (wall-clock time) rests on when
//! several hosts start together. Read with `adjtimex(2)` in read-only mode (modes 0), which
//! says what NTP or PTP software (chrony, ntpd, phc2sys) last told the kernel: whether the
//! clock is synchronized, and the error bounds it was given.

use serde::{Deserialize, Serialize};

/// The kernel's view of the wall clock's discipline at one instant (`status.clock_sync`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClockSync {
    /// False when the kernel says the clock is not synchronized (`adjtimex` returns
    /// TIME_ERROR, or STA_UNSYNC is set): no daemon disciplines it, or it lost its source.
    pub synchronized: bool,
    /// The clock state `adjtimex` returned: "ok", "insert leap second", "delete leap second",
    /// "leap second in progress", "leap second done", "unsynchronized".
    pub state: String,
    /// Maximum error the discipline reports, in microseconds (16 s when nothing sets it).
    pub max_error_us: i64,
    /// Estimated error, in microseconds.
    pub est_error_us: i64,
}

impl ClockSync {
    /// Reads it now; `None` when the call fails (a seccomp filter, say). The only `unsafe`
    /// of `host`: neither `std` nor `nix` wraps `adjtimex`.
    #[allow(unsafe_code)]
    pub fn read() -> Option<ClockSync> {
        // SAFETY: a zeroed timex with modes 0 asks for nothing to change; the kernel only
        // fills the struct, which lives for the whole call.
        let mut tx: libc::timex = unsafe { std::mem::zeroed() };
        let state = unsafe { libc::adjtimex(&mut tx) };
        if state < 0 {
            return None;
        }
        Some(ClockSync::from_parts(state, tx.status, tx.maxerror as i64, tx.esterror as i64))
    }

    /// What `adjtimex` returned (`state`) and filled in (`status` flags, error bounds).
    fn from_parts(state: i32, status: i32, max_error_us: i64, est_error_us: i64) -> ClockSync {
        let name = match state {
            libc::TIME_OK => "ok",
            libc::TIME_INS => "insert leap second",
            libc::TIME_DEL => "delete leap second",
            libc::TIME_OOP => "leap second in progress",
            libc::TIME_WAIT => "leap second done",
            _ => "unsynchronized",
        };
        ClockSync {
            synchronized: state != libc::TIME_ERROR && status & libc::STA_UNSYNC == 0,
            state: name.to_string(),
            max_error_us,
            est_error_us,
        }
    }

    /// One line for a warning: "synchronized, max error 512us" or "NOT synchronized".
    pub fn describe(&self) -> String {
        if self.synchronized {
            format!("synchronized, max error {}us, estimated {}us", self.max_error_us, self.est_error_us)
        } else {
            format!("NOT synchronized ({})", self.state)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_is_synchronized_only_without_time_error_and_sta_unsync() {
        assert!(ClockSync::from_parts(libc::TIME_OK, 0, 500, 20).synchronized);
        assert!(!ClockSync::from_parts(libc::TIME_ERROR, 0, 16_000_000, 16_000_000).synchronized);
        let unsync = ClockSync::from_parts(libc::TIME_OK, libc::STA_UNSYNC, 16_000_000, 16_000_000);
        assert!(!unsync.synchronized);
        assert_eq!(unsync.describe(), "NOT synchronized (ok)");
        assert_eq!(ClockSync::from_parts(libc::TIME_ERROR, 0, 0, 0).state, "unsynchronized");
        assert_eq!(ClockSync::from_parts(libc::TIME_INS, 0, 0, 0).state, "insert leap second");
    }

    #[test]
    fn reading_this_hosts_clock_gives_a_state() {
        // Whatever the host's discipline, the read-only call answers (no seccomp here).
        let c = ClockSync::read().expect("adjtimex(modes 0) works");
        assert!(!c.state.is_empty() && c.max_error_us >= 0, "{c:?}");
    }
}
