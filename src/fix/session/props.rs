//! What a [`Session`] promises whatever arrives, written once for the property tests and the
//! fuzz target (`fuzz/`), which both generate a script of [`Step`]s and hand it to [`run`].
//!
//! [`run`] plays an initiator and an acceptor against each other on a virtual clock, as the
//! harness and the reference gateway do over a socket, while the script forges messages to
//! either side (any type, a MsgSeqNum near or far from the expected one, resend and reset
//! flags), sends raw bytes, delivers what each side sent in pieces, moves the clock, sends
//! application messages, starts a Logout, refuses the Logon or drops the connection. After
//! every step it checks that:
//!
//! - whatever a session transmits frames and parses as FIX ([`props::check_message`]: right
//!   BodyLength and CheckSum), carries its CompIDs, and is a session message;
//! - MsgSeqNum goes up by exactly one with every message sent, application messages
//!   included, except a SequenceReset-GapFill, which is a PossDup resend below NewSeqNo;
//! - nothing but a Logon is sent before the Logon, but the Logout that refuses one; at most
//!   one Logon is sent, and a closed session sends nothing new;
//! - at most 20 messages are queued at once (one Logon, Heartbeat, TestRequest and Logout
//!   each, and the ResendRequests and gap fills of the resend tables), `poll_transmit` gives one
//!   exactly while `has_transmit` says so, and never runs out of room in a buffer that holds
//!   the CompIDs;
//! - `on_bytes` consumes everything but an incomplete message, and hands the caller only
//!   application messages while logged on;
//! - states only move forward (awaiting logon, active, logout sent, closed), `LoggedOn` is
//!   reported at most once, and events never outgrow their queue;
//! - after `on_timeout(now)`, the next deadline is later than `now`, so a worker is never
//!   woken for ever at the same instant.

use super::{EVENT_CAP, Event, Session, SessionConfig, State};
use crate::fix::encode::Encoder;
use crate::fix::parse::{Frame, MsgType, frame, parse, props};
use crate::fix::printable;
use crate::fix::tag;

/// The clock stops here: UTC nanoseconds fit an `i64` until 2262, and a session's deadlines
/// (at most 1.2 HeartBtInts of `u32::MAX` seconds ahead) fit a `u64` from any instant before.
pub const LAST_NS: u64 = i64::MAX as u64;

/// One end of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Initiator,
    Acceptor,
}

/// A number in a forged message: `Near(d)` is the receiving session's own number plus `d`
/// (its next inbound MsgSeqNum for 34 and 36, its next outbound one for 7), so that most
/// forged messages are in or near sequence; `Any(n)` is `n` as it is.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    Near(i32),
    Any(u32),
}

/// The MsgTypes forged messages are drawn from: every session message, two application
/// messages the sessions pass on, a BusinessMessageReject and one unknown type.
pub const MSG_TYPES: [&[u8]; 12] = [b"0", b"1", b"2", b"3", b"4", b"5", b"A", b"8", b"D", b"9", b"j", b"XY"];

/// A message forged to a session, as if from its peer.
#[derive(Debug, Clone)]
pub struct Forged {
    /// An index into [`MSG_TYPES`] (modulo its length).
    pub msg_type: usize,
    /// MsgSeqNum (34); none makes the message unparseable.
    pub seq: Option<Num>,
    pub poss_dup: bool,
    pub gap_fill: bool,
    pub reset_seq: bool,
    /// NewSeqNo (36).
    pub new_seq: Option<Num>,
    /// BeginSeqNo (7), with EndSeqNo 0.
    pub begin_seq: Option<Num>,
    pub heart_bt_int: Option<u32>,
    pub test_req_id: Option<Vec<u8>>,
    pub text: Option<Vec<u8>>,
}

/// One thing that happens to the pair.
#[derive(Debug, Clone)]
pub enum Step {
    /// A forged message to `to`, behind what its peer has sent and it has not yet read.
    Forge { to: Side, msg: Forged },
    /// Raw bytes to `to`, the same way.
    Raw { to: Side, bytes: Vec<u8> },
    /// `to` reads up to `max` bytes of what was sent to it.
    Deliver { to: Side, max: usize },
    /// The clock moves on by `ns`, and both sessions' due timers run.
    Wait { ns: u64 },
    /// The clock moves to the earlier of the two deadlines, and the due timers run.
    UntilDeadline,
    /// The side's owner sends an application message (an order, a report), if logged on.
    App(Side),
    /// The side's owner starts the Logout.
    Logout(Side),
    /// The acceptor refuses the Logon it has just accepted.
    RefuseLogon,
    /// The connection drops.
    Disconnect,
}

/// How the pair starts.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// UTC nanoseconds at the start.
    pub start: u64,
    /// The initiator's HeartBtInt, in seconds.
    pub heartbeat_s: u32,
    pub reset_seq: bool,
}

/// What happened on the way, per side (initiator first): a script that never reached a state
/// tested none of its promises there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// `LoggedOn` was reported.
    pub logged_on: [bool; 2],
    /// Session messages sent.
    pub sent: [u32; 2],
    /// Application messages handed to the caller.
    pub handed: [u32; 2],
    pub closed: [bool; 2],
}

/// A session and its connection's bytes on its side.
struct End {
    s: Session,
    side: Side,
    /// Bytes sent to this end, not yet read.
    inbox: Vec<u8>,
    /// MsgSeqNum of the last message sent, resends apart (0: none yet).
    last_seq: u32,
    logons_sent: u32,
    logged_on: u32,
    sent: u32,
    handed: u32,
    /// Closed with nothing left to send: it must stay silent.
    done: bool,
    buf: Vec<u8>,
}

impl End {
    fn new(s: Session, side: Side) -> End {
        let inbox = Vec::new();
        End {
            s,
            side,
            inbox,
            last_seq: 0,
            logons_sent: 0,
            logged_on: 0,
            sent: 0,
            handed: 0,
            done: false,
            buf: Vec::new(),
        }
    }
}

/// Plays `steps` on a fresh pair and checks every promise in the module doc after each one.
/// Returns what happened, or the first broken promise, naming the step.
pub fn run(setup: Setup, steps: &[Step]) -> Result<Seen, String> {
    let mut cfg = SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", setup.heartbeat_s);
    cfg.reset_seq = setup.reset_seq;
    let mut now = setup.start;
    let mut ends = [
        End::new(Session::new(cfg, now), Side::Initiator),
        End::new(Session::new(SessionConfig::acceptor(), now), Side::Acceptor),
    ];
    // The initiator's Logon goes out before anything happens.
    for i in 0..2 {
        drain(&mut ends, i, now).map_err(|e| format!("at the start: {e}"))?;
    }
    for (n, step) in steps.iter().enumerate() {
        let states = [ends[0].s.state(), ends[1].s.state()];
        play(&mut ends, &mut now, step).map_err(|e| format!("step {n} {step:?}: {e}"))?;
        for i in 0..2 {
            check_state(states[i], ends[i].s.state()).map_err(|e| format!("step {n} {step:?}: {e}"))?;
            drain(&mut ends, i, now).map_err(|e| format!("step {n} {step:?}, {:?}: {e}", ends[i].side))?;
        }
    }
    Ok(Seen {
        logged_on: ends.each_ref().map(|e| e.logged_on > 0),
        sent: ends.each_ref().map(|e| e.sent),
        handed: ends.each_ref().map(|e| e.handed),
        closed: ends.each_ref().map(|e| e.s.state() == State::Closed),
    })
}

fn index(side: Side) -> usize {
    match side {
        Side::Initiator => 0,
        Side::Acceptor => 1,
    }
}

fn play(ends: &mut [End; 2], now: &mut u64, step: &Step) -> Result<(), String> {
    match step {
        Step::Forge { to, msg } => {
            let end = &mut ends[index(*to)];
            let bytes = forge(&end.s, msg);
            end.inbox.extend_from_slice(&bytes);
        }
        Step::Raw { to, bytes } => ends[index(*to)].inbox.extend_from_slice(bytes),
        Step::Deliver { to, max } => deliver(&mut ends[index(*to)], *now, *max)?,
        Step::Wait { ns } => {
            *now = now.saturating_add(*ns).min(LAST_NS);
            timers(ends, *now)?;
        }
        Step::UntilDeadline => {
            if let Some(due) = ends.iter().filter_map(|e| e.s.poll_timeout()).min() {
                *now = (*now).max(due.min(LAST_NS));
            }
            timers(ends, *now)?;
        }
        Step::App(side) => {
            let i = index(*side);
            if ends[i].s.is_active() {
                let bytes = app_message(&mut ends[i], *now)?;
                ends[1 - i].inbox.extend_from_slice(&bytes);
            }
        }
        Step::Logout(side) => ends[index(*side)].s.logout(*now),
        Step::RefuseLogon => ends[1].s.refuse_logon(*now, b"refused by the script"),
        Step::Disconnect => {
            for end in ends.iter_mut() {
                end.s.on_disconnect(*now);
                end.inbox.clear();
            }
        }
    }
    Ok(())
}

/// The receiving session's number that a [`Num::Near`] is near.
fn near(base: u32, n: Num) -> u32 {
    match n {
        Num::Near(d) => base.wrapping_add_signed(d),
        Num::Any(v) => v,
    }
}

/// The bytes of `msg` as `s`'s peer would send them (CompIDs as `s` has them, reversed).
fn forge(s: &Session, msg: &Forged) -> Vec<u8> {
    let mut buf =
        vec![0u8; 1024 + msg.test_req_id.as_ref().map_or(0, Vec::len) + msg.text.as_ref().map_or(0, Vec::len)];
    let mut e = Encoder::new(&mut buf);
    e.field(tag::MSG_TYPE, MSG_TYPES[msg.msg_type % MSG_TYPES.len()]);
    e.field(tag::SENDER_COMP_ID, s.target());
    e.field(tag::TARGET_COMP_ID, s.sender());
    if let Some(seq) = msg.seq {
        e.field_u64(tag::MSG_SEQ_NUM, near(s.next_in, seq) as u64);
    }
    e.field(tag::SENDING_TIME, b"20240102-03:04:05.678");
    let flag = |e: &mut Encoder<'_>, t: u32, on: bool| {
        if on {
            e.field(t, b"Y");
        }
    };
    flag(&mut e, tag::POSS_DUP_FLAG, msg.poss_dup);
    flag(&mut e, tag::GAP_FILL_FLAG, msg.gap_fill);
    flag(&mut e, tag::RESET_SEQ_NUM_FLAG, msg.reset_seq);
    if let Some(n) = msg.new_seq {
        e.field_u64(tag::NEW_SEQ_NO, near(s.next_in, n) as u64);
    }
    if let Some(n) = msg.begin_seq {
        e.field_u64(tag::BEGIN_SEQ_NO, near(s.next_out, n) as u64);
        e.field(tag::END_SEQ_NO, b"0");
    }
    if let Some(h) = msg.heart_bt_int {
        e.field_u64(tag::HEART_BT_INT, h as u64);
    }
    if let Some(id) = &msg.test_req_id {
        e.field(tag::TEST_REQ_ID, id);
    }
    if let Some(text) = &msg.text {
        e.field(tag::TEXT, text);
    }
    let n = e.finish().expect("the buffer holds every field");
    buf.truncate(n);
    buf
}

/// An order from the initiator or a report from the acceptor, with the next MsgSeqNum.
fn app_message(end: &mut End, now: u64) -> Result<Vec<u8>, String> {
    let seq = end.s.take_app_seq(now);
    next_seq(end, seq)?;
    let mut buf = vec![0u8; 1024 + end.s.sender().len() + end.s.target().len()];
    let mut e = Encoder::new(&mut buf);
    e.field(tag::MSG_TYPE, if end.side == Side::Initiator { b"D" } else { b"8" });
    e.field(tag::SENDER_COMP_ID, end.s.sender());
    e.field(tag::TARGET_COMP_ID, end.s.target());
    e.field_u64(tag::MSG_SEQ_NUM, seq as u64);
    e.field(tag::SENDING_TIME, b"20240102-03:04:05.678");
    e.field(tag::CL_ORD_ID, b"00000000000000a1");
    if end.side == Side::Acceptor {
        e.field(tag::EXEC_TYPE, b"0");
        e.field(tag::ORD_STATUS, b"0");
    }
    let n = e.finish().map_err(|e| e.to_string())?;
    buf.truncate(n);
    Ok(buf)
}

/// A message sent with `seq`, resends apart, must be the one after the last.
fn next_seq(end: &mut End, seq: u32) -> Result<(), String> {
    if seq != end.last_seq.wrapping_add(1) {
        return Err(format!("sent MsgSeqNum {seq} after {}", end.last_seq));
    }
    end.last_seq = seq;
    Ok(())
}

/// Hands up to `max` bytes of the inbox to the session.
fn deliver(end: &mut End, now: u64, max: usize) -> Result<(), String> {
    let take = end.inbox.len().min(max);
    let mut wrong = None;
    let handed = &mut end.handed;
    let used = end.s.on_bytes(now, &end.inbox[..take], |s, msg, raw| {
        *handed += 1;
        if msg.msg_type.is_admin() || !matches!(s.state(), State::Active | State::LogoutSent) {
            wrong.get_or_insert(format!("handed {} to the caller in {:?}", printable(raw), s.state()));
        }
    });
    if let Some(w) = wrong {
        return Err(w);
    }
    if used > take {
        return Err(format!("consumed {used} of {take} bytes"));
    }
    if used < take && frame(&end.inbox[used..take]) != Frame::NeedMore {
        return Err(format!("left {} unread, which is not an incomplete message", printable(&end.inbox[used..take])));
    }
    end.inbox.drain(..used);
    Ok(())
}

/// Runs the due timers of both sessions.
fn timers(ends: &mut [End; 2], now: u64) -> Result<(), String> {
    for end in ends.iter_mut() {
        let Some(due) = end.s.poll_timeout() else { continue };
        if now < due {
            continue;
        }
        end.s.on_timeout(now);
        if let Some(next) = end.s.poll_timeout()
            && next <= now
        {
            return Err(format!("{:?}: still due at {next} after on_timeout({now}) in {:?}", end.side, end.s.state()));
        }
    }
    Ok(())
}

/// States move forward only.
fn check_state(before: State, after: State) -> Result<(), String> {
    let rank = |s: State| match s {
        State::AwaitingLogon => 0,
        State::Active => 1,
        State::LogoutSent => 2,
        State::Closed => 3,
    };
    match rank(after) >= rank(before) {
        true => Ok(()),
        false => Err(format!("went from {before:?} back to {after:?}")),
    }
}

/// The most session messages queued at once: one Logon, Heartbeat, TestRequest and Logout
/// each, a ResendRequest for every missing range kept, and a gap fill for every one owed.
const MAX_QUEUED: usize = 4 + super::resend::ASKED_CAP + super::resend::OWED_CAP;

/// Sends everything end `i` has queued to its peer, checking each message, and takes its
/// events.
fn drain(ends: &mut [End; 2], i: usize, now: u64) -> Result<(), String> {
    let end = &mut ends[i];
    let room = 1024 + end.s.sender().len() + end.s.target().len() + end.s.logout_text.len();
    end.buf.resize(room, 0);
    let mut sent = Vec::new();
    let mut queued = 0;
    while end.s.has_transmit() {
        queued += 1;
        if queued > MAX_QUEUED {
            return Err(format!("more than {MAX_QUEUED} session messages queued at once"));
        }
        let next = end.s.next_out_seq();
        let n = match end.s.poll_transmit(now, &mut end.buf) {
            Ok(Some(n)) => n,
            Ok(None) => return Err("has_transmit, but poll_transmit gives nothing".into()),
            Err(e) => return Err(format!("{e}, with room for the CompIDs")),
        };
        let m = end.buf[..n].to_vec();
        check_sent(end, &m, next)?;
        end.sent += 1;
        sent.extend_from_slice(&m);
    }
    if let Ok(Some(_)) = end.s.poll_transmit(now, &mut end.buf) {
        return Err("poll_transmit gives a message that has_transmit denied".into());
    }
    if end.done && !sent.is_empty() {
        return Err(format!("closed, and still sent {}", printable(&sent)));
    }
    end.done = end.s.state() == State::Closed;
    for n in 0..=EVENT_CAP {
        match end.s.poll_event() {
            None => break,
            Some(_) if n == EVENT_CAP => return Err(format!("more than {EVENT_CAP} events queued")),
            Some(Event::LoggedOn) => end.logged_on += 1,
            Some(_) => {}
        }
    }
    if end.logged_on > 1 {
        return Err("LoggedOn reported twice".into());
    }
    ends[1 - i].inbox.extend_from_slice(&sent);
    Ok(())
}

/// Checks one message `end` transmitted; `next` was its next MsgSeqNum before.
fn check_sent(end: &mut End, m: &[u8], next: u32) -> Result<(), String> {
    if frame(m) != (Frame::Message { len: m.len() }) {
        return Err(format!("sent {}, which does not frame as one message", printable(m)));
    }
    props::check_message(m)?;
    let msg = parse(m).map_err(|e| format!("sent {}, which does not parse: {e}", printable(m)))?;
    let shown = || printable(m);
    if msg.sender.get(m) != end.s.sender() || msg.target.get(m) != end.s.target() {
        return Err(format!("sent {} with CompIDs other than its own", shown()));
    }
    match msg.msg_type {
        MsgType::SequenceReset => {
            let fill = msg.poss_dup && msg.gap_fill && msg.seq >= 1 && msg.seq < msg.new_seq;
            if !fill || msg.new_seq > end.s.next_out_seq() || next != end.s.next_out_seq() {
                return Err(format!("sent a SequenceReset that is not a resend below what it sends next: {}", shown()));
            }
        }
        MsgType::ResendRequest if msg.begin_seq == 0 || msg.end_seq < msg.begin_seq => {
            return Err(format!("sent a ResendRequest for no range: {}", shown()));
        }
        MsgType::Logon | MsgType::Heartbeat | MsgType::TestRequest | MsgType::Logout | MsgType::ResendRequest
            if msg.seq == next =>
        {
            next_seq(end, msg.seq)?
        }
        MsgType::Logon | MsgType::Heartbeat | MsgType::TestRequest | MsgType::Logout | MsgType::ResendRequest => {
            return Err(format!("sent MsgSeqNum {} when its next was {next}: {}", msg.seq, shown()));
        }
        _ => return Err(format!("sent {}, which is not a session message", shown())),
    }
    if msg.msg_type == MsgType::Logon {
        end.logons_sent += 1;
        if end.logons_sent > 1 {
            return Err(format!("sent a second Logon: {}", shown()));
        }
    } else if end.logons_sent == 0 && !(end.side == Side::Acceptor && msg.msg_type == MsgType::Logout) {
        return Err(format!("sent {} before its Logon", shown()));
    }
    Ok(())
}
