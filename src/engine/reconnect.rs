//! `--reconnect`: a session whose connection is lost during the run connects and logs on
//! again, and the run goes on.
//!
//! A connect is a blocking call of unknown length (a gateway that restarts may take seconds
//! to listen again), so no worker makes it. A worker that loses a session sends a
//! [`Request`]; the reconnector thread ([`serve`]) waits the backoff, connects, and hands the
//! stream back as an [`Answer`], retrying with a doubling backoff until the policy's tries
//! run out. The worker polls its answers only while one of its sessions is down, so the
//! cost follows the sessions being reconnected.
//!
//! This module owns the policy and the thread. It must not touch a session or a transport:
//! the worker logs on again (`engine::worker`) and records the gap, which the result shows.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How hard to try: `tries` connects per loss, the first after `backoff`, each later one
/// after twice the wait before it, never more than [`MAX_BACKOFF`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub tries: u32,
    pub backoff: Duration,
}

/// The longest wait between two tries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How long one connect may take before it counts as a failed try.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

impl Policy {
    /// The wait before try `attempt` (1 for the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.backoff.saturating_mul(1 << doublings).min(MAX_BACKOFF.max(self.backoff))
    }
}

/// A worker's request: connect session `session` (its index within the worker) again; this
/// is try `attempt` of the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub worker: usize,
    pub session: u32,
    pub attempt: u32,
}

/// The reconnector's answer to a [`Request`].
#[derive(Debug)]
pub enum Answer {
    /// Connected at try `attempt`: the worker logs the session on over `stream`.
    Connected { session: u32, attempt: u32, stream: TcpStream },
    /// Every try failed; `error` is the last one's.
    GaveUp { session: u32, attempt: u32, error: String },
}

/// One loss of a session's connection under `--reconnect`, and how it ended: shown in the
/// live output and the result (`reconnects`). Times are ns since the run's epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The session, as messages name it: `session 2 (CLIENT2)`.
    pub session: String,
    pub lost_ns: u64,
    /// When it was logged on again; `None` while it is down, and for good when every try
    /// failed or the run ended first.
    pub back_ns: Option<u64>,
    /// Tries so far (connects, and logons after them).
    pub tries: u32,
    /// How the connection was lost.
    pub reason: String,
    /// Measured orders still unanswered on the lost connection: counted as timed out.
    /// Warm-up orders lost with it are not counted here, as they are not in `timed_out`.
    pub unanswered: u32,
    /// Why the session stayed down: every try failed (the last error), or the run ended.
    pub gave_up: Option<String>,
}

/// A worker's end of the reconnector.
#[derive(Debug)]
pub struct Link {
    pub policy: Policy,
    pub requests: Sender<Request>,
    pub answers: Receiver<Answer>,
}

/// The reconnector: connects to `addr` for every request, after its backoff, and answers on
/// the requesting worker's channel in `answers`. A failed connect is tried again (after a
/// longer wait) until `policy.tries` is reached. Returns when every worker has dropped its
/// request sender, which a worker does when it finishes.
pub fn serve(addr: SocketAddr, policy: Policy, requests: Receiver<Request>, answers: Vec<Sender<Answer>>) {
    // Tries waiting for their time, soonest first.
    let mut due: Vec<(Instant, Request)> = Vec::new();
    loop {
        let wait =
            due.first().map_or(Duration::from_millis(50), |(at, _)| at.saturating_duration_since(Instant::now()));
        match requests.recv_timeout(wait) {
            Ok(r) => {
                due.push((Instant::now() + policy.delay(r.attempt), r));
                due.sort_by_key(|(at, _)| *at);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        while due.first().is_some_and(|(at, _)| *at <= Instant::now()) {
            let (_, r) = due.remove(0);
            let Some(to) = answers.get(r.worker) else { continue };
            let answer = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(stream) => Answer::Connected { session: r.session, attempt: r.attempt, stream },
                Err(_) if r.attempt < policy.tries => {
                    let next = Request { attempt: r.attempt + 1, ..r };
                    due.push((Instant::now() + policy.delay(next.attempt), next));
                    due.sort_by_key(|(at, _)| *at);
                    continue;
                }
                Err(e) => Answer::GaveUp {
                    session: r.session,
                    attempt: r.attempt,
                    error: format!("cannot connect to {addr}: {e}"),
                },
            };
            // A worker that finished no longer listens; its answer has nowhere to go.
            let _ = to.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::unbounded;
    use std::net::TcpListener;

    #[test]
    fn the_backoff_doubles_from_the_first_wait_up_to_the_cap() {
        let p = Policy { tries: 10, backoff: Duration::from_millis(100) };
        let waits: Vec<u128> = (1..=8).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        // A first wait above the cap is kept, not shortened.
        let slow = Policy { tries: 2, backoff: Duration::from_secs(8) };
        assert_eq!(slow.delay(3), Duration::from_secs(8));
        assert_eq!(p.delay(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_listening_gateway_gets_the_session_back_on_the_first_try() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (req_tx, req_rx) = unbounded();
        let (ans_tx, ans_rx) = unbounded();
        let policy = Policy { tries: 3, backoff: Duration::from_millis(1) };
        let addr = listener.local_addr().unwrap();
        let t = std::thread::spawn(move || serve(addr, policy, req_rx, vec![ans_tx]));
        req_tx.send(Request { worker: 0, session: 7, attempt: 1 }).unwrap();
        match ans_rx.recv_timeout(Duration::from_secs(10)).unwrap() {
            Answer::Connected { session, attempt, .. } => assert_eq!((session, attempt), (7, 1)),
            a => panic!("expected a connection, got {a:?}"),
        }
        drop(req_tx);
        t.join().unwrap();
    }

    #[test]
    fn a_gateway_that_stays_down_is_given_up_after_every_try() {
        // A port nobody listens on: bind, note it, close.
        let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let (req_tx, req_rx) = unbounded();
        let (ans_tx, ans_rx) = unbounded();
        let policy = Policy { tries: 3, backoff: Duration::from_millis(1) };
        let t = std::thread::spawn(move || serve(addr, policy, req_rx, vec![ans_tx]));
        req_tx.send(Request { worker: 0, session: 2, attempt: 1 }).unwrap();
        match ans_rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            Answer::GaveUp { session, attempt, error } => {
                assert_eq!((session, attempt), (2, 3));
                assert!(error.contains(&addr.to_string()), "{error}");
            }
            a => panic!("expected to give up, got {a:?}"),
        }
        drop(req_tx);
        t.join().unwrap();
    }
}
