//! The FIX session layer as a pure state machine, in the quinn style: bytes and `now` in,
//! bytes, deadlines and events out. It never touches a socket or reads a clock: `now` is UTC
//! nanoseconds since the Unix epoch, supplied by the caller (the TSC in a worker, a virtual
//! clock in tests), and below 2^63 (the year 2262), so that its deadlines, up to 1.2 times a
//! HeartBtInt of `u32::MAX` seconds ahead, fit a `u64`.
//!
//! One type plays both roles: the harness is the initiator, the reference gateway the
//! acceptor. It covers Logon (98=0, 108, optional 141=Y and 553/554) and waiting for the
//! reply, Heartbeats when idle, TestRequest → Heartbeat(112), the resend protocol both ways
//! (in `resend.rs`), Reject (3) counting, and the Logout handshake. What each FIX version
//! asks of the Logon (DefaultApplVerID over FIXT.1.1, NextExpectedMsgSeqNum) is in `logon.rs`.
//!
//! Inbound MsgSeqNums are checked as FIX 4.2 asks: a gap is counted
//! ([`ProtocolError::SeqGap`]) and answered with a ResendRequest (35=2) for exactly the
//! missing range ([`Event::ResendRequested`]). Unlike a FIX engine, the session does not
//! hold back what arrives after a gap until the gap is filled: a benchmark handles each
//! reply when it arrives, and the expected MsgSeqNum moves past the gap at once. What the
//! peer sends back for the missing range is recognised as such: a resend of a message never
//! received is handled once, like any other; its gap fill is no error; a PossDupFlag resend
//! of a MsgSeqNum already received is counted ([`ProtocolError::Duplicate`]) and dropped.
//! Asked a ResendRequest, the session keeps no history of what it sent: it answers with one
//! SequenceReset-GapFill over the range asked for ([`Event::GapFillSent`]).
//!
//! A BusinessMessageReject (j) is an application message: it goes to the caller, which
//! knows the order it names. An acceptor can refuse a Logon ([`Session::refuse_logon`]).
//!
//! Drive it like this: feed inbound bytes to [`Session::on_bytes`], call
//! [`Session::on_timeout`] when [`Session::poll_timeout`] is due, send whatever
//! [`Session::poll_transmit`] writes, and act on [`Session::poll_event`].

use super::FixVersion;
use super::encode::{Encoder, Overflow};
use super::parse::{Frame, FrameError, Msg, MsgType, frame_as, parse};
use super::tag;
use super::time::{TIMESTAMP_LEN, write_timestamp};

mod before_logon;
mod config;
mod logon;
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod props;
mod resend;

pub use before_logon::BeforeLogon;
pub use config::{Event, ProtocolError, Role, SessionConfig, State};

const EVENT_CAP: usize = 16;
const TEXT_CAP: usize = 128;
const TEST_REQ_ID_CAP: usize = 64;

/// A FIX session. See the module documentation.
#[derive(Debug, Clone)]
pub struct Session {
    cfg: SessionConfig,
    state: State,
    /// MsgSeqNum of the next message we send.
    next_out: u32,
    /// MsgSeqNum we expect next from the peer.
    next_in: u32,
    heartbeat_ns: u64,
    last_sent: u64,
    last_recv: u64,
    state_since: u64,
    test_req_sent: Option<u64>,
    test_req_counter: u32,
    // Queued transmissions.
    want_logon: bool,
    want_heartbeat: bool,
    heartbeat_req_id: ([u8; TEST_REQ_ID_CAP], usize),
    want_test_request: bool,
    /// Gap fills owed to the peer.
    owed: resend::Owed,
    /// Inbound ranges missing, asked for or to ask for.
    asked: resend::Asked,
    want_logout: bool,
    peer_reset_seq: bool,
    /// The peer's Logon carried NextExpectedMsgSeqNum (789): an acceptor's reply does too.
    peer_next_expected: bool,
    events: [Event; EVENT_CAP],
    events_head: usize,
    events_len: usize,
    events_dropped: u64,
    text: ([u8; TEXT_CAP], usize),
    /// Text (58) of the Logout we send; empty for none.
    logout_text: Vec<u8>,
    before_logon: BeforeLogon,
}

impl Session {
    /// A new session. An initiator queues its Logon at once.
    pub fn new(cfg: SessionConfig, now: u64) -> Session {
        let heartbeat_ns = cfg.heartbeat_s as u64 * 1_000_000_000;
        let want_logon = cfg.role == Role::Initiator;
        Session {
            cfg,
            state: State::AwaitingLogon,
            next_out: 1,
            next_in: 1,
            heartbeat_ns,
            last_sent: now,
            last_recv: now,
            state_since: now,
            test_req_sent: None,
            test_req_counter: 0,
            want_logon,
            want_heartbeat: false,
            heartbeat_req_id: ([0; TEST_REQ_ID_CAP], 0),
            want_test_request: false,
            owed: resend::Owed::default(),
            asked: resend::Asked::default(),
            want_logout: false,
            peer_reset_seq: false,
            peer_next_expected: false,
            events: [Event::LoggedOn; EVENT_CAP],
            events_head: 0,
            events_len: 0,
            events_dropped: 0,
            text: ([0; TEXT_CAP], 0),
            logout_text: Vec::new(),
            before_logon: BeforeLogon::default(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn is_active(&self) -> bool {
        self.state == State::Active
    }

    /// Our CompIDs (an acceptor learns them at Logon).
    pub fn sender(&self) -> &[u8] {
        &self.cfg.sender
    }

    pub fn target(&self) -> &[u8] {
        &self.cfg.target
    }

    /// The FIX version this session speaks.
    pub fn version(&self) -> FixVersion {
        self.cfg.version
    }

    /// The Text (58) of the last Logout or Reject received, or why the Logon reply could not
    /// be used ([`Event::LogonUnusable`]).
    pub fn text(&self) -> &[u8] {
        &self.text.0[..self.text.1]
    }

    /// How long it waits for the Logon reply.
    pub fn logon_timeout_ns(&self) -> u64 {
        self.cfg.logon_timeout_ns
    }

    /// What arrived while the session waited for the Logon reply.
    pub fn before_logon(&self) -> &BeforeLogon {
        &self.before_logon
    }

    /// MsgSeqNum of the next outbound message.
    pub fn next_out_seq(&self) -> u32 {
        self.next_out
    }

    /// Takes the MsgSeqNum for an application message the caller is sending now.
    #[inline]
    pub fn take_app_seq(&mut self, now: u64) -> u32 {
        let s = self.next_out;
        self.next_out = self.next_out.wrapping_add(1);
        self.last_sent = now;
        s
    }

    /// Starts the Logout handshake.
    pub fn logout(&mut self, now: u64) {
        match self.state {
            State::Active => {
                self.want_logout = true;
                self.set_state(State::LogoutSent, now);
            }
            State::AwaitingLogon => self.set_state(State::Closed, now),
            State::LogoutSent | State::Closed => {}
        }
    }

    /// The transport lost the connection.
    pub fn on_disconnect(&mut self, now: u64) {
        match self.state {
            State::AwaitingLogon if self.cfg.role == Role::Initiator => self.push(Event::ClosedBeforeLogon),
            State::LogoutSent => self.push(Event::LoggedOut { by_peer: false, acknowledged: false }),
            _ => {}
        }
        self.clear_queue();
        self.set_state(State::Closed, now);
    }

    fn clear_queue(&mut self) {
        self.want_logon = false;
        self.want_heartbeat = false;
        self.want_test_request = false;
        self.owed.clear();
        self.asked.clear();
        self.want_logout = false;
    }

    fn set_state(&mut self, s: State, now: u64) {
        self.state = s;
        self.state_since = now;
    }

    fn push(&mut self, e: Event) {
        if self.events_len == EVENT_CAP {
            // The caller drains after every call; losing the oldest beats growing.
            self.events_head = (self.events_head + 1) % EVENT_CAP;
            self.events_len -= 1;
            self.events_dropped += 1;
        }
        self.events[(self.events_head + self.events_len) % EVENT_CAP] = e;
        self.events_len += 1;
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events_len == 0 {
            return None;
        }
        let e = self.events[self.events_head];
        self.events_head = (self.events_head + 1) % EVENT_CAP;
        self.events_len -= 1;
        Some(e)
    }

    fn save_text(&mut self, msg: &Msg, raw: &[u8]) {
        self.set_text(msg.text.get(raw));
    }

    fn set_text(&mut self, t: &[u8]) {
        let n = t.len().min(TEXT_CAP);
        self.text.0[..n].copy_from_slice(&t[..n]);
        self.text.1 = n;
    }

    /// Frames, parses and handles every whole message at the start of `bytes`. Application
    /// messages (ExecutionReports, orders…) are handed to `app` with the session (to reply on)
    /// and their raw bytes. Returns
    /// how many bytes were consumed; the rest is an incomplete message.
    pub fn on_bytes(&mut self, now: u64, bytes: &[u8], mut app: impl FnMut(&mut Session, &Msg, &[u8])) -> usize {
        let mut pos = 0;
        let awaiting = self.state == State::AwaitingLogon;
        while pos < bytes.len() {
            let rest = &bytes[pos..];
            match frame_as(rest, self.cfg.version) {
                Frame::NeedMore => break,
                Frame::Error { error, skip } => {
                    if awaiting {
                        match error {
                            FrameError::BadChecksum { .. } => self.before_logon.bad_checksum += 1,
                            _ => self.before_logon.garbled += 1,
                        }
                        if let Some(theirs) = self.other_begin_string(rest) {
                            self.before_logon.other_version = Some((theirs, self.cfg.version));
                        }
                    }
                    self.push(Event::Error(ProtocolError::Garbled(error)));
                    pos += skip;
                }
                Frame::Message { len } => {
                    let raw = &rest[..len];
                    pos += len;
                    match parse(raw) {
                        Ok(msg) => {
                            if self.on_message(now, &msg, raw) {
                                app(self, &msg, raw);
                            }
                        }
                        Err(e) => {
                            self.before_logon.unparseable += awaiting as u32;
                            self.push(Event::Error(ProtocolError::Unparseable(e)))
                        }
                    }
                }
            }
        }
        if awaiting {
            self.before_logon.consumed += pos as u64;
            self.before_logon.pending = (bytes.len() - pos) as u64;
        }
        pos
    }

    /// Handles one parsed message. Returns true when it is an application message for the
    /// caller.
    pub fn on_message(&mut self, now: u64, msg: &Msg, raw: &[u8]) -> bool {
        self.last_recv = now;
        self.test_req_sent = None;
        match self.state {
            State::Closed => false,
            State::AwaitingLogon => self.on_message_before_logon(now, msg, raw),
            State::Active | State::LogoutSent => self.on_message_logged_on(now, msg, raw),
        }
    }

    fn on_message_before_logon(&mut self, now: u64, msg: &Msg, raw: &[u8]) -> bool {
        match (self.cfg.role, msg.msg_type) {
            (Role::Initiator, MsgType::Logon) => self.on_logon_reply(now, msg),
            (Role::Initiator, MsgType::Logout) => {
                self.save_text(msg, raw);
                self.clear_queue();
                self.set_state(State::Closed, now);
                self.push(Event::LogonRejected);
            }
            (Role::Acceptor, MsgType::Logon) => self.on_logon_request(now, msg, raw),
            _ => {
                self.before_logon.messages += 1;
                self.before_logon.last_type = Some(msg.msg_type);
                self.push(Event::Error(ProtocolError::NotLoggedOn))
            }
        }
        false
    }

    /// Checks the inbound MsgSeqNum. Returns false for a message to ignore: a duplicate, or a
    /// gap fill of what arrived already.
    fn check_seq(&mut self, msg: &Msg, logon: bool) -> bool {
        if logon && msg.reset_seq {
            self.next_in = msg.seq.saturating_add(1);
            self.asked.clear();
            return true;
        }
        if msg.seq > self.next_in {
            // Asked for, and handled at once all the same (see the module doc).
            self.on_gap(msg.seq);
            self.next_in = msg.seq.saturating_add(1);
        } else if msg.seq < self.next_in {
            return self.below_next_in(msg);
        } else {
            self.next_in = msg.seq.saturating_add(1);
        }
        true
    }

    fn on_message_logged_on(&mut self, now: u64, msg: &Msg, raw: &[u8]) -> bool {
        // SequenceReset-Reset ignores MsgSeqNum; everything else is checked.
        if msg.msg_type == MsgType::SequenceReset && !msg.gap_fill {
            if msg.new_seq > 0 {
                self.next_in = msg.new_seq;
                // The numbers start again: what was missing is no longer asked for.
                self.asked.clear();
            }
            return false;
        }
        if !self.check_seq(msg, false) {
            return false;
        }
        match msg.msg_type {
            MsgType::Heartbeat => {}
            MsgType::TestRequest => {
                let id = msg.test_req_id.get(raw);
                let n = id.len().min(TEST_REQ_ID_CAP);
                self.heartbeat_req_id.0[..n].copy_from_slice(&id[..n]);
                self.heartbeat_req_id.1 = n;
                self.want_heartbeat = true;
            }
            MsgType::ResendRequest => self.on_resend_request(msg.begin_seq, msg.end_seq),
            MsgType::SequenceReset => {
                // A gap fill moves the expected MsgSeqNum on, never back: one that answers
                // our ResendRequest arrives below it, as the gap was passed already.
                if msg.new_seq > self.next_in {
                    self.next_in = msg.new_seq;
                }
            }
            MsgType::Reject => {
                self.save_text(msg, raw);
                self.push(Event::Error(ProtocolError::SessionReject {
                    ref_seq: msg.ref_seq,
                    reason: msg.reject_reason,
                }));
            }
            MsgType::Logout => {
                self.save_text(msg, raw);
                if self.state == State::LogoutSent {
                    self.push(Event::LoggedOut { by_peer: false, acknowledged: true });
                } else {
                    self.want_logout = true;
                    self.push(Event::LoggedOut { by_peer: true, acknowledged: true });
                }
                self.set_state(State::Closed, now);
            }
            MsgType::Logon => self.push(Event::Error(ProtocolError::UnexpectedLogon)),
            _ => return true,
        }
        false
    }

    /// When [`on_timeout`](Session::on_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.state {
            State::AwaitingLogon if self.cfg.role == Role::Initiator => {
                Some(self.state_since + self.cfg.logon_timeout_ns)
            }
            State::AwaitingLogon | State::Closed => None,
            State::LogoutSent => Some(self.state_since + self.cfg.logout_timeout_ns),
            State::Active if self.heartbeat_ns == 0 => None,
            State::Active => {
                let hb = self.last_sent + self.heartbeat_ns;
                let quiet = match self.test_req_sent {
                    Some(t) => t + self.heartbeat_ns,
                    None => self.last_recv + self.heartbeat_ns + self.heartbeat_ns / 5,
                };
                Some(hb.min(quiet))
            }
        }
    }

    /// Runs the timers: heartbeats, TestRequest after silence, and the logon, logout and peer
    /// timeouts.
    pub fn on_timeout(&mut self, now: u64) {
        let Some(due) = self.poll_timeout() else { return };
        if now < due {
            return;
        }
        match self.state {
            State::AwaitingLogon => {
                self.clear_queue();
                self.set_state(State::Closed, now);
                self.push(Event::LogonTimeout);
            }
            State::LogoutSent => {
                self.clear_queue();
                self.set_state(State::Closed, now);
                self.push(Event::LoggedOut { by_peer: false, acknowledged: false });
            }
            State::Active => {
                if now >= self.last_sent + self.heartbeat_ns {
                    self.want_heartbeat = true;
                    // Mark it sent now so the deadline moves even before poll_transmit.
                    self.last_sent = now;
                }
                match self.test_req_sent {
                    Some(t) if now >= t + self.heartbeat_ns => {
                        self.clear_queue();
                        self.set_state(State::Closed, now);
                        self.push(Event::PeerTimeout);
                    }
                    None if now >= self.last_recv + self.heartbeat_ns + self.heartbeat_ns / 5 => {
                        self.want_test_request = true;
                        self.test_req_sent = Some(now);
                    }
                    _ => {}
                }
            }
            State::Closed => {}
        }
    }

    /// True while a message is queued for [`poll_transmit`](Session::poll_transmit).
    pub fn has_transmit(&self) -> bool {
        self.want_logon || self.want_heartbeat || self.want_test_request || self.resend_queued() || self.want_logout
    }

    /// Writes the next queued session message into `buf` and returns its length, or `None`
    /// when nothing is queued.
    pub fn poll_transmit(&mut self, now: u64, buf: &mut [u8]) -> Result<Option<usize>, Overflow> {
        let mut time = [0u8; TIMESTAMP_LEN];
        write_timestamp(now, &mut time);
        let n = if self.want_logon {
            self.write_logon(&time, buf)?
        } else if let Some(n) = self.transmit_resend(&time, buf)? {
            n
        } else if self.want_heartbeat {
            let seq = self.next_out;
            let mut e = self.header(buf, b"0", seq, &time);
            if self.heartbeat_req_id.1 > 0 {
                e.field(tag::TEST_REQ_ID, &self.heartbeat_req_id.0[..self.heartbeat_req_id.1]);
            }
            let n = e.finish()?;
            self.heartbeat_req_id.1 = 0;
            self.want_heartbeat = false;
            self.next_out += 1;
            n
        } else if self.want_test_request {
            self.test_req_counter += 1;
            let seq = self.next_out;
            let id = self.test_req_counter as u64;
            let mut e = self.header(buf, b"1", seq, &time);
            e.field_u64(tag::TEST_REQ_ID, id);
            let n = e.finish()?;
            self.want_test_request = false;
            self.next_out += 1;
            n
        } else if self.want_logout {
            let seq = self.next_out;
            let mut e = self.header(buf, b"5", seq, &time);
            if !self.logout_text.is_empty() {
                e.field(tag::TEXT, &self.logout_text);
            }
            let n = e.finish()?;
            self.want_logout = false;
            self.next_out += 1;
            n
        } else {
            return Ok(None);
        };
        self.last_sent = now;
        Ok(Some(n))
    }

    fn header<'b>(&self, buf: &'b mut [u8], msg_type: &[u8], seq: u32, time: &[u8]) -> Encoder<'b> {
        let mut e = Encoder::for_version(buf, self.cfg.version);
        e.field(tag::MSG_TYPE, msg_type);
        e.field(tag::SENDER_COMP_ID, &self.cfg.sender);
        e.field(tag::TARGET_COMP_ID, &self.cfg.target);
        e.field_u64(tag::MSG_SEQ_NUM, seq as u64);
        e.field(tag::SENDING_TIME, time);
        e
    }
}

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
