//! What a [`Session`](super::Session) is set up with ([`SessionConfig`], its [`Role`]) and
//! what it reports ([`State`], [`Event`], [`ProtocolError`]): the session's whole surface
//! apart from the state machine itself.

use crate::fix::FixVersion;
use crate::fix::parse::{FrameError, ParseError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Initiator,
    Acceptor,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub role: Role,
    /// Our CompID. An acceptor takes both CompIDs from the Logon it receives.
    pub sender: Vec<u8>,
    pub target: Vec<u8>,
    /// HeartBtInt (108) in seconds.
    pub heartbeat_s: u32,
    /// Send 141=Y on Logon and start both sequences at 1.
    pub reset_seq: bool,
    pub username: Option<Vec<u8>>,
    pub password: Option<Vec<u8>>,
    /// How long an initiator waits for the Logon reply.
    pub logon_timeout_ns: u64,
    /// How long to wait for the peer's Logout reply.
    pub logout_timeout_ns: u64,
    /// The version every message is written in and every inbound one must be in.
    pub version: FixVersion,
    /// Extra fields an initiator puts on its Logon, after fixblast's own (`--logon-field`).
    pub logon_fields: Vec<(u32, Vec<u8>)>,
    /// An initiator puts NextExpectedMsgSeqNum (789) on its Logon (FIX 4.4 and later).
    pub next_expected: bool,
}

impl SessionConfig {
    pub fn initiator(sender: &[u8], target: &[u8], heartbeat_s: u32) -> Self {
        SessionConfig {
            role: Role::Initiator,
            sender: sender.to_vec(),
            target: target.to_vec(),
            heartbeat_s,
            reset_seq: false,
            username: None,
            password: None,
            logon_timeout_ns: 10_000_000_000,
            logout_timeout_ns: 2_000_000_000,
            version: FixVersion::Fix42,
            logon_fields: Vec::new(),
            next_expected: false,
        }
    }

    pub fn acceptor() -> Self {
        SessionConfig { role: Role::Acceptor, ..SessionConfig::initiator(b"", b"", 30) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Initiator: Logon queued or sent, reply not yet seen. Acceptor: waiting for a Logon.
    AwaitingLogon,
    Active,
    /// We sent Logout and wait for the reply.
    LogoutSent,
    /// The session is over; send what is still queued, then close the connection.
    Closed,
}

/// Protocol problems the session saw. They are counted by the caller; none is fatal by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    Garbled(FrameError),
    Unparseable(ParseError),
    /// Inbound MsgSeqNum jumped; `missing` messages were skipped. They are asked for with a
    /// ResendRequest ([`Event::ResendRequested`]).
    SeqGap {
        missing: u32,
    },
    /// Inbound MsgSeqNum went backwards without PossDupFlag (also a resend asked for that
    /// lacks it; that one is handled all the same).
    SeqTooLow {
        expected: u32,
        received: u32,
    },
    /// A session-level Reject (35=3) of one of our messages.
    SessionReject {
        ref_seq: u32,
        /// SessionRejectReason (373), when the Reject gives one.
        reason: Option<u32>,
    },
    /// A resend (PossDupFlag 43=Y) of a MsgSeqNum already received: dropped unread. (A
    /// resend of one never received, asked for after a gap, is no error: it is handled.)
    Duplicate {
        seq: u32,
    },
    /// A message other than Logon before the session was logged on.
    NotLoggedOn,
    /// A Logon on a session already logged on.
    UnexpectedLogon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    LoggedOn,
    /// The peer answered our Logon with a Logout (text in [`Session::text`](super::Session::text)).
    LogonRejected,
    /// The peer's Logon reply cannot be worked with (why in
    /// [`Session::text`](super::Session::text)): we sent a Logout, and the session is over.
    LogonUnusable,
    /// The peer closed the connection before answering our Logon (what it sent before is in
    /// [`Session::before_logon`](super::Session::before_logon)).
    ClosedBeforeLogon,
    /// No Logon reply within the logon timeout.
    LogonTimeout,
    /// The session ended with a Logout. `by_peer` says who started it; `acknowledged` is false
    /// when our Logout was not answered in time.
    LoggedOut {
        by_peer: bool,
        acknowledged: bool,
    },
    /// Nothing heard from the peer for a heartbeat interval after a TestRequest.
    PeerTimeout,
    /// We sent a ResendRequest (35=2) for the inbound MsgSeqNums `begin..=end`, after a gap
    /// (counted as [`ProtocolError::SeqGap`] when it was found).
    ResendRequested {
        begin: u32,
        end: u32,
    },
    /// We answered a ResendRequest with a SequenceReset-GapFill over `begin..new_seq`.
    GapFillSent {
        begin: u32,
        new_seq: u32,
    },
    Error(ProtocolError),
}
