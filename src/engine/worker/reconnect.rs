//! The worker's side of `--reconnect` (the thread that connects is
//! [`engine::reconnect`](crate::engine::reconnect)).
//!
//! A session lost while orders go out closes its connection, counts the orders still
//! unanswered on it as timed out (their replies went with the connection), forgets the
//! orders resting there, and asks the reconnector for a new connection. Over it, the session
//! logs on again with ResetSeqNumFlag (141=Y), so both sides start again at MsgSeqNum 1.
//! While it is down the send phase passes it over: in open loop the orders it would have
//! taken go to the other sessions or wait, and the wait shows as schedule lag and in the
//! ack latency of the orders that waited; in closed loop its window waits. A logon that
//! fails over the new connection is one more try; when the tries run out the session is
//! lost as it would be without `--reconnect`. Every loss is a [`Gap`] in
//! [`Shared::gaps`](crate::engine::Shared), with when it ended.
//!
//! It must not block the loop: the connect happens on the reconnector's thread. It runs on
//! a loss, and per turn only while a session is down (one poll of a channel).

use super::Worker;
use crate::engine::reconnect::{Answer, Gap, Request};
use crate::fix::session::Session;
use crate::transport::Transport;
use std::net::TcpStream;

/// How a session ended in a turn, as [`handle_event`](super::reply::handle_event) and the
/// close check find it; `visit` decides what follows.
#[derive(Debug)]
pub(super) enum Ended {
    /// Lost after logon: the connection closed, the gateway logged out or stopped answering.
    Lost(String),
    /// The logon failed: refused, timed out, or the connection closed before the reply.
    LogonFailed(String),
}

/// A session whose connection was lost, being reconnected.
#[derive(Debug)]
pub(super) struct Down {
    /// A new connection is in place and the session is logging on over it.
    pub(super) connected: bool,
    /// The try under way (1 for the first).
    attempt: u32,
    /// Its entry in `Shared::gaps`.
    gap: usize,
}

impl<T: Transport> Worker<T> {
    /// A session lost now connects again: `--reconnect` is on and orders still go out.
    pub(super) fn may_reconnect(&self) -> bool {
        self.link.is_some() && self.in_run && !self.sending_over()
    }

    /// `--reconnect` is on and sending is over (the drain): a session lost now is not
    /// reconnected, but its loss is a gap like the others, not a failure of the run.
    pub(super) fn after_sending(&self) -> bool {
        self.link.is_some() && self.sent_all
    }

    /// Session `k` lost its connection at `ns` for `reason`: closes it, accounts for its
    /// orders and asks for a new one (during the drain, only records the gap).
    pub(super) fn go_down(&mut self, k: usize, ns: u64, reason: String) {
        self.drop_conn(k);
        let Worker { sessions, recorder, shared, .. } = self;
        let s = &mut sessions[k];
        // Counted as `orders.timed_out` is counted: a warm-up order lost with the connection
        // times out in the warm-up, as every warm-up order stays out of the results.
        let mut unanswered = 0;
        s.pending.forget_all(|slot| {
            recorder.timed_out(slot);
            unanswered += u32::from(!slot.warmup);
        });
        s.resting.clear();
        let gap = {
            let mut gaps = shared.gaps.lock().unwrap_or_else(|e| e.into_inner());
            let session = s.name.clone();
            gaps.push(Gap { session, lost_ns: ns, back_ns: None, tries: 0, reason, unanswered, gave_up: None });
            gaps.len() - 1
        };
        s.down = Some(Down { connected: false, attempt: 1, gap });
        self.down += 1;
        if self.may_reconnect() {
            self.request(k);
        } else {
            self.abandon_reconnects();
        }
    }

    /// Closes session `k`'s connection and ends its session state there: nothing more is
    /// sent or expected on it.
    fn drop_conn(&mut self, k: usize) {
        let (_, ns) = self.now();
        let s = &mut self.sessions[k];
        self.transport.close(s.conn);
        s.session.on_disconnect(self.shared.epoch_utc_ns + ns);
        // Only "closed before logon" can come of it, and the reason is already known.
        while s.session.poll_event().is_some() {}
    }

    /// Asks the reconnector for session `k`'s current try.
    fn request(&mut self, k: usize) {
        let Some(d) = &self.sessions[k].down else { return };
        let r = Request { worker: self.id, session: k as u32, attempt: d.attempt };
        let sent = self.link.as_ref().is_some_and(|l| l.requests.send(r).is_ok());
        if !sent {
            self.give_up(k, "the reconnector is not running".into());
        }
    }

    /// The try under way failed after its connect (the logon, or taking the connection):
    /// the next try, or none when they are used up.
    pub(super) fn try_again(&mut self, k: usize, reason: String) {
        let tries = self.link.as_ref().map_or(0, |l| l.policy.tries);
        if self.sessions[k].down.as_ref().is_some_and(|d| d.connected) {
            self.drop_conn(k);
        }
        let Some(d) = self.sessions[k].down.as_mut() else { return };
        d.connected = false;
        if d.attempt >= tries {
            return self.give_up(k, reason);
        }
        d.attempt += 1;
        self.request(k);
    }

    /// Every try failed: the session is lost, as it would be without `--reconnect`.
    fn give_up(&mut self, k: usize, why: String) {
        let Some(d) = self.sessions[k].down.take() else { return };
        self.down -= 1;
        self.note_gap(&d, |g| g.gave_up = Some(why.clone()));
        let name = &self.sessions[k].name;
        self.shared.lose_session(format!("{name}: not reconnected after {} tries: {why}", d.attempt));
        self.session_over(k);
    }

    /// Session `k` is logged on again at `ns`.
    pub(super) fn back(&mut self, k: usize, ns: u64) {
        let Some(d) = self.sessions[k].down.take() else { return };
        self.down -= 1;
        self.note_gap(&d, |g| g.back_ns = Some(ns));
    }

    fn note_gap(&self, d: &Down, f: impl FnOnce(&mut Gap)) {
        let mut gaps = self.shared.gaps.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = gaps.get_mut(d.gap) {
            g.tries = d.attempt;
            f(g);
        }
    }

    /// Takes the reconnector's answers: a new connection starts its session's logon, a
    /// give-up loses the session. Returns whether any came.
    pub(super) fn poll_reconnects(&mut self) -> bool {
        let mut any = false;
        while let Some(answer) = self.link.as_ref().and_then(|l| l.answers.try_recv().ok()) {
            any = true;
            match answer {
                Answer::Connected { session, attempt, stream } => self.join(session as usize, attempt, stream),
                Answer::GaveUp { session, attempt, error } => {
                    if let Some(d) = self.sessions[session as usize].down.as_mut() {
                        d.attempt = attempt;
                    }
                    self.give_up(session as usize, error);
                }
            }
        }
        any
    }

    /// Session `k` got a new connection at try `attempt`: it replaces the old one, and the
    /// session logs on over it.
    fn join(&mut self, k: usize, attempt: u32, stream: TcpStream) {
        // The run moved on while the connect went on: the stream just closes.
        if !self.may_reconnect() || self.sessions[k].down.as_ref().is_none_or(|d| d.connected) {
            return;
        }
        let (_, ns) = self.now();
        let old = self.sessions[k].conn;
        self.transport.release(old);
        if let Some(d) = self.sessions[k].down.as_mut() {
            d.attempt = attempt;
        }
        let conn = match self.transport.add(stream) {
            Ok(conn) => conn,
            Err(e) => return self.try_again(k, format!("cannot take the new connection: {e}")),
        };
        self.by_conn[conn] = k as u32;
        self.listed_turn[conn] = 0;
        let s = &mut self.sessions[k];
        s.conn = conn;
        // "Messages sent on it" counts on the new connection from here.
        s.sent = 0;
        let mut cfg = s.config.clone();
        cfg.reset_seq = true;
        s.session = Session::new(cfg, self.shared.epoch_utc_ns + ns);
        s.logon_at_ns = ns;
        if let Some(d) = s.down.as_mut() {
            d.connected = true;
        }
    }

    /// Sending is over: a session still down stays down. Its gap stays open in the result
    /// (no `back`), and the drain and logout pass it by.
    pub(super) fn abandon_reconnects(&mut self) {
        if self.down == 0 {
            return;
        }
        for k in 0..self.sessions.len() {
            let Some(d) = self.sessions[k].down.take() else { continue };
            self.down -= 1;
            if d.connected {
                self.drop_conn(k);
            }
            self.note_gap(&d, |g| g.gave_up = Some("sending had stopped, so no reconnect".into()));
            self.session_over(k);
        }
    }
}
