//! The result file's `reconnects` section and `config.reconnect` (`run --reconnect`): every
//! connection lost during the run and how long its session was away. Part of the result's
//! contract (see [`json`](super::json)): add fields, never rename them.

use serde::{Deserialize, Serialize};

/// How a lost session connects again (`--reconnect`, `--reconnect-backoff`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReconnectConfig {
    pub tries: u32,
    pub backoff_s: f64,
}

/// Every connection lost under `--reconnect`, and how long its session was away.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reconnects {
    /// Sessions logged on again after a loss.
    pub count: u64,
    /// Losses a session never came back from (every try failed, or sending stopped first).
    pub not_back: u64,
    /// The longest time a session was away, and all of them added up (losses it came back
    /// from only).
    pub gap_max_s: f64,
    pub gap_total_s: f64,
    /// Measured orders unanswered on the lost connections, each also in `orders.timed_out`
    /// (warm-up orders lost with a connection are in neither).
    pub unanswered: u64,
    /// In the order they happened.
    pub gaps: Vec<ReconnectGap>,
}

impl Reconnects {
    /// The counts and totals of `gaps`.
    pub fn of(gaps: Vec<ReconnectGap>) -> Reconnects {
        let back: Vec<f64> = gaps.iter().filter_map(|g| g.gap_s).collect();
        Reconnects {
            count: back.len() as u64,
            not_back: (gaps.len() - back.len()) as u64,
            gap_max_s: back.iter().copied().fold(0.0, f64::max),
            gap_total_s: back.iter().sum(),
            unanswered: gaps.iter().map(|g| g.unanswered as u64).sum(),
            gaps,
        }
    }
}

/// One lost connection. Times are seconds after warm-up, like `intervals[].t_s` (negative
/// in warm-up).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReconnectGap {
    pub session: String,
    pub lost_at_s: f64,
    /// When it was logged on again; null when it never was.
    pub back_at_s: Option<f64>,
    pub gap_s: Option<f64>,
    /// Connects and logons tried.
    pub tries: u32,
    /// How the connection was lost.
    pub reason: String,
    /// Orders unanswered on the lost connection: their replies went with it, and they count
    /// as `timed_out`.
    pub unanswered: u32,
    /// Why it did not come back; null when it did.
    pub not_back: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(gap_s: Option<f64>, unanswered: u32) -> ReconnectGap {
        ReconnectGap {
            session: "session 1 (A)".into(),
            lost_at_s: 1.0,
            back_at_s: gap_s.map(|g| 1.0 + g),
            gap_s,
            tries: 1,
            reason: "lost".into(),
            unanswered,
            not_back: gap_s.is_none().then(|| "cannot connect".into()),
        }
    }

    #[test]
    fn only_sessions_that_came_back_count_as_reconnects_and_in_the_gaps() {
        let r = Reconnects::of(vec![gap(Some(0.1), 2), gap(None, 5), gap(Some(0.3), 0)]);
        assert_eq!((r.count, r.not_back, r.unanswered, r.gaps.len()), (2, 1, 7, 3));
        assert_eq!(r.gap_max_s, 0.3);
        assert!((r.gap_total_s - 0.4).abs() < 1e-12, "{}", r.gap_total_s);
        let none = Reconnects::of(Vec::new());
        assert_eq!((none.count, none.not_back, none.gap_max_s, none.gap_total_s), (0, 0, 0.0, 0.0));
    }
}
