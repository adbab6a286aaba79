//! The [`Faults`] at work on one connection: which order is dropped or refused, which reply
//! skips a MsgSeqNum, carries a wrong CheckSum, is followed by garbage or resent as a
//! possible duplicate, the replies a delay or a stall holds back, and how much input
//! `slow-read` lets the worker take (its bucket is in `throttle.rs`).
//!
//! Only the connections of a gateway started with faults have a [`ConnFaults`]; without one
//! the worker writes its answers straight into the send buffer, as it always did. Here
//! allocating is allowed (the held replies), since a gateway that injects faults is not the
//! thing being measured.
//!
//! Held replies leave in the order they were encoded, each no earlier than its own due time:
//! a stream cannot reorder its MsgSeqNums, so a reply held long by the jitter holds those
//! behind it, and the session's own messages (heartbeats, the Logout reply) queue behind
//! held replies too.

use super::faults::Faults;
use super::throttle::Throttle;
use crate::fix::FixVersion;
use crate::fix::encode::{Encoder, Overflow};
use crate::fix::parse::{Frame, Msg, frame_as};
use crate::fix::session::Session;
use crate::fix::tag;
use crate::random::Random;
use crate::transport::OutBuf;
use std::collections::VecDeque;

/// Written by `garbage-every`: no `8=FIX` and no `8` at all, so a reader skips it whole, as
/// one garbled frame, and the next reply still frames.
pub(super) const GARBAGE: &[u8] = b"\x00this is not FIX\x01";

/// Bytes held for one connection beyond which it reads no more orders until some leave: a
/// long delay at a high rate must not take all the memory there is.
const HOLD_MAX: usize = 16 << 20;

/// Text (58) of the refusals.
const SESSION_REJECT_TEXT: &[u8] = b"rejected by --session-reject-every";
const BUSINESS_REJECT_TEXT: &[u8] = b"rejected by --business-reject-every";

/// What becomes of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Answer,
    /// Never answered.
    Drop,
    /// A session Reject (35=3) of its MsgSeqNum instead of an answer.
    SessionReject,
    /// A BusinessMessageReject (35=j) naming its ClOrdID instead of an answer.
    BusinessReject,
}

/// One connection's fault counters and held replies.
pub(super) struct ConnFaults {
    orders: u64,
    replies: u64,
    reports: u64,
    rng: Random,
    held: Held,
    /// Nothing is read or written on the connection before this time (UTC ns).
    stalled_until: u64,
    /// `slow-read`: the input it may take.
    throttle: Option<Throttle>,
}

/// Encoded replies waiting for their due time, oldest first.
#[derive(Default)]
struct Held {
    bytes: Vec<u8>,
    /// Where the oldest held reply starts in `bytes`.
    start: usize,
    /// (due time, length) of each held reply.
    items: VecDeque<(u64, usize)>,
    /// The latest due time so far: no reply leaves before one encoded earlier.
    last_due: u64,
}

impl Held {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    fn push(&mut self, due: u64, bytes: &[u8]) {
        self.last_due = self.last_due.max(due);
        self.items.push_back((self.last_due, bytes.len()));
        self.bytes.extend_from_slice(bytes);
    }

    /// Moves the replies that are due into `out`, while it has room. True when any moved.
    fn release(&mut self, out: &mut OutBuf, now: u64) -> bool {
        let mut moved = false;
        while let Some(&(due, len)) = self.items.front() {
            if due > now || !out.push(&self.bytes[self.start..self.start + len]) {
                break;
            }
            self.items.pop_front();
            self.start += len;
            moved = true;
        }
        if self.items.is_empty() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start > self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        moved
    }
}

/// True on every `n`th count.
fn every(n: Option<u64>, count: u64) -> bool {
    n.is_some_and(|n| count.is_multiple_of(n))
}

impl ConnFaults {
    pub(super) fn new(f: &Faults) -> ConnFaults {
        ConnFaults {
            orders: 0,
            replies: 0,
            reports: 0,
            rng: Random::new(f.seed),
            held: Held::default(),
            stalled_until: 0,
            throttle: f.slow_read.map(Throttle::new),
        }
    }

    /// How many of the input bytes in `data` the worker may take at `now`: all of them
    /// unless `slow-read` holds some back. It never splits a message: with any credit left,
    /// the first whole message may go.
    pub(super) fn read_allowance(&mut self, now: u64, data: &[u8], version: FixVersion) -> usize {
        let Some(t) = self.throttle.as_mut() else { return usize::MAX };
        let first = match frame_as(data, version) {
            Frame::Message { len } => len,
            Frame::Error { skip, .. } => skip,
            Frame::NeedMore => 0,
        };
        t.allow(now, first)
    }

    /// The worker took `n` input bytes.
    pub(super) fn read(&mut self, n: usize) {
        if let Some(t) = self.throttle.as_mut() {
            t.spend(n);
        }
    }

    /// In a stall: the connection is neither read nor written.
    pub(super) fn stalled(&self, now: u64) -> bool {
        now < self.stalled_until
    }

    /// Something is held or stalled: the worker must come back to this connection next turn.
    pub(super) fn busy(&self, now: u64) -> bool {
        !self.held.is_empty() || self.stalled(now)
    }

    /// Nothing is held: the connection may close without losing a reply.
    pub(super) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// How many input bytes the worker may take: its send buffer's room, or, while replies
    /// are held, what the hold may still take.
    pub(super) fn room(&self, f: &Faults, out: &OutBuf) -> usize {
        if f.holds() || !self.held.is_empty() { HOLD_MAX.saturating_sub(self.held.len()) } else { out.room() }
    }

    /// Counts an order and says what becomes of it. The order that completes a `stall`
    /// count is still answered; the stall starts after it.
    pub(super) fn on_order(&mut self, f: &Faults, now: u64) -> Verdict {
        self.orders += 1;
        if let Some(s) = f.stall
            && self.orders.is_multiple_of(s.every)
        {
            self.stalled_until = now + s.for_ns;
        }
        if every(f.drop_every, self.orders) {
            Verdict::Drop
        } else if every(f.session_reject_every, self.orders) {
            Verdict::SessionReject
        } else if every(f.business_reject_every, self.orders) {
            Verdict::BusinessReject
        } else {
            Verdict::Answer
        }
    }

    /// Sends one reply to an order, with the faults that fall on it: `encode(session, seq,
    /// resend, buf)` writes it, and again as a possible duplicate (`resend`) when
    /// `dup-every` falls on it (`report`: it is an ExecutionReport). False when it does not
    /// fit `buf`.
    pub(super) fn reply(
        &mut self,
        f: &Faults,
        session: &mut Session,
        (out, now): (&mut OutBuf, u64),
        buf: &mut [u8],
        report: bool,
        encode: impl Fn(&Session, u32, bool, &mut [u8]) -> Result<usize, Overflow>,
    ) -> bool {
        self.replies += 1;
        if every(f.seq_gap_every, self.replies) {
            session.take_app_seq(now);
        }
        let seq = session.take_app_seq(now);
        let Ok(n) = encode(session, seq, false, buf) else { return false };
        if every(f.bad_checksum_every, self.replies) {
            corrupt_checksum(&mut buf[..n]);
        }
        let jitter = if f.jitter_ns > 0 { self.rng.below(f.jitter_ns as usize + 1) as u64 } else { 0 };
        let due = now + f.delay_ns + jitter;
        self.send(out, now, due, &buf[..n]);
        if report {
            self.reports += 1;
            if every(f.dup_every, self.reports) {
                // What an engine resends: the same MsgSeqNum, PossDupFlag and
                // OrigSendingTime (see `exec_report`).
                let Ok(n) = encode(session, seq, true, buf) else { return false };
                self.send(out, now, due, &buf[..n]);
            }
        }
        if every(f.garbage_every, self.replies) {
            self.send(out, now, due, GARBAGE);
        }
        true
    }

    /// A message the session sends itself: straight out, unless replies are held, which
    /// it may not overtake. False when it does not fit the send buffer.
    pub(super) fn pass(&mut self, out: &mut OutBuf, now: u64, bytes: &[u8]) -> bool {
        if self.held.is_empty() {
            return out.push(bytes);
        }
        self.held.push(now, bytes);
        true
    }

    /// Writes `bytes` now when nothing is held and they are due, else holds them.
    fn send(&mut self, out: &mut OutBuf, now: u64, due: u64, bytes: &[u8]) {
        if self.held.is_empty() && due <= now && out.push(bytes) {
            return;
        }
        self.held.push(due, bytes);
    }

    /// Moves held replies that are due into `out`, unless stalled. True when any moved.
    pub(super) fn release(&mut self, out: &mut OutBuf, now: u64) -> bool {
        !self.stalled(now) && self.held.release(out, now)
    }
}

/// Makes the CheckSum (10) of a whole message wrong: its last digit changes.
fn corrupt_checksum(m: &mut [u8]) {
    if let Some(d) = m.len().checked_sub(2).and_then(|i| m.get_mut(i)) {
        *d = if *d == b'0' { b'1' } else { b'0' };
    }
}

/// The standard header of a message the gateway sends on `session`.
fn header(e: &mut Encoder<'_>, session: &Session, msg_type: &[u8], seq: u32, time: &[u8]) {
    e.field(tag::MSG_TYPE, msg_type);
    e.field(tag::SENDER_COMP_ID, session.sender());
    e.field(tag::TARGET_COMP_ID, session.target());
    e.field_u64(tag::MSG_SEQ_NUM, seq as u64);
    e.field(tag::SENDING_TIME, time);
}

/// A session Reject (35=3) of the order in `msg`: RefSeqNum (45) is its MsgSeqNum,
/// RefMsgType (372) its type, and SessionRejectReason (373) `reason` when the session's
/// version defines it (`None`: the fault's, 99 "Other", which FIX 4.2 lacks: then no 373).
pub(super) fn session_reject(
    session: &Session,
    (seq, time): (u32, &[u8]),
    msg: &Msg,
    reason: Option<(u32, &[u8])>,
    buf: &mut [u8],
) -> Result<usize, Overflow> {
    let (code, text) = reason.unwrap_or((REJECT_REASON_OTHER, SESSION_REJECT_TEXT));
    let mut e = Encoder::for_version(buf, session.version());
    header(&mut e, session, b"3", seq, time);
    e.field_u64(tag::REF_SEQ_NUM, msg.seq as u64);
    e.field(tag::REF_MSG_TYPE, msg.msg_type.code().as_bytes());
    if session.version().defines_reject_reason(code) {
        e.field_u64(tag::SESSION_REJECT_REASON, code as u64);
    }
    e.field(tag::TEXT, text);
    e.finish()
}

/// SessionRejectReason 99, "Other" (FIX 4.4 and later).
const REJECT_REASON_OTHER: u32 = 99;

/// A BusinessMessageReject (35=j) of the order in `msg`: BusinessRejectRefID (379) is its
/// ClOrdID, RefSeqNum (45) its MsgSeqNum, BusinessRejectReason (380) 0, "other".
pub(super) fn business_reject(
    session: &Session,
    seq: u32,
    time: &[u8],
    (msg, raw): (&Msg, &[u8]),
    buf: &mut [u8],
) -> Result<usize, Overflow> {
    let mut e = Encoder::for_version(buf, session.version());
    header(&mut e, session, b"j", seq, time);
    e.field_u64(tag::REF_SEQ_NUM, msg.seq as u64);
    e.field(tag::REF_MSG_TYPE, msg.msg_type.code().as_bytes());
    e.field(tag::BUSINESS_REJECT_REF_ID, msg.cl_ord_id.get(raw));
    e.field(tag::BUSINESS_REJECT_REASON, b"0");
    e.field(tag::TEXT, BUSINESS_REJECT_TEXT);
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::parse::{Frame, FrameError, frame};
    use crate::transport::OutBuf;

    const NOW: u64 = 1_000_000_000;

    fn faults(spec: &str) -> Faults {
        Faults::parse_list(spec, 1).unwrap()
    }

    fn session() -> Session {
        Session::new(crate::fix::session::SessionConfig::initiator(b"GW", b"CLIENT", 30), NOW)
    }

    /// A Heartbeat with MsgSeqNum `seq`, or with 43=Y when `resend`: a stand-in reply.
    fn beat(s: &Session, seq: u32, resend: bool, buf: &mut [u8]) -> Result<usize, Overflow> {
        let mut e = Encoder::new(buf);
        header(&mut e, s, b"0", seq, b"20240102-03:04:05.678");
        if resend {
            e.field(tag::POSS_DUP_FLAG, b"Y");
        }
        e.finish()
    }

    /// Sends `n` replies through `f` and returns what reached the send buffer by `at`.
    fn replies(f: &Faults, n: usize, at: u64) -> Vec<u8> {
        let (mut c, mut s, mut out) = (ConnFaults::new(f), session(), OutBuf::with_capacity(1 << 16));
        let mut buf = [0u8; 256];
        for _ in 0..n {
            assert!(c.reply(f, &mut s, (&mut out, NOW), &mut buf, true, beat));
        }
        c.release(&mut out, at);
        out.pending().to_vec()
    }

    /// What `bytes` frame as: each message's MsgSeqNum (`+dup` with 43=Y), or what is wrong.
    fn frames(mut bytes: &[u8]) -> Vec<String> {
        let mut v = Vec::new();
        while !bytes.is_empty() {
            let (said, n) = match frame(bytes) {
                Frame::Message { len } => {
                    let m = crate::fix::parse::parse(&bytes[..len]).unwrap();
                    (format!("{}{}", m.seq, if m.poss_dup { "+dup" } else { "" }), len)
                }
                Frame::Error { error: FrameError::BadChecksum { .. }, skip } => ("bad checksum".into(), skip),
                Frame::Error { skip, .. } => ("garbage".into(), skip),
                Frame::NeedMore => panic!("a partial message"),
            };
            v.push(said);
            bytes = &bytes[n..];
        }
        v
    }

    #[test]
    fn each_counted_fault_falls_on_every_nth_reply() {
        let f = faults("seq-gap-every=2,bad-checksum-every=3,dup-every=4,garbage-every=5");
        // 1: seq 1; 2: a gap, seq 3; 3: seq 4 with a bad checksum; 4: a gap, seq 6, and its
        // resend; 5: seq 7, then garbage.
        assert_eq!(frames(&replies(&f, 5, NOW)), ["1", "3", "bad checksum", "6", "6+dup", "7", "garbage"]);
    }

    #[test]
    fn orders_are_dropped_or_refused_on_their_count_and_drop_wins() {
        let f = faults("drop-every=4,session-reject-every=2,business-reject-every=3");
        let mut c = ConnFaults::new(&f);
        let v: Vec<Verdict> = (0..6).map(|_| c.on_order(&f, NOW)).collect();
        use Verdict::*;
        assert_eq!(v, [Answer, SessionReject, BusinessReject, Drop, Answer, SessionReject]);
    }

    #[test]
    fn a_delay_holds_replies_until_due_and_keeps_their_order() {
        let f = faults("delay=1ms,jitter=1ms");
        assert!(replies(&f, 10, NOW + 999_999).is_empty());
        let all = frames(&replies(&f, 10, NOW + 2_000_000));
        assert_eq!(all, (1..=10).map(|s| s.to_string()).collect::<Vec<_>>());
        // The jitter is seeded: the same draws every time, not all the same.
        let mut c = ConnFaults::new(&f);
        let (mut s, mut out, mut buf) = (session(), OutBuf::with_capacity(1 << 16), [0u8; 256]);
        for _ in 0..10 {
            c.reply(&f, &mut s, (&mut out, NOW), &mut buf, true, beat);
        }
        let dues: Vec<u64> = c.held.items.iter().map(|&(d, _)| d).collect();
        assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
        assert!(dues[0] >= NOW + 1_000_000 && dues[9] <= NOW + 2_000_000, "{dues:?}");
        assert!(dues[0] < dues[9], "{dues:?}");
    }

    #[test]
    fn a_stall_starts_after_its_order_and_holds_everything() {
        let f = faults("stall=3:5ms,delay=1us");
        let (mut c, mut s, mut out, mut buf) =
            (ConnFaults::new(&f), session(), OutBuf::with_capacity(4096), [0u8; 256]);
        for _ in 0..3 {
            assert_eq!(c.on_order(&f, NOW), Verdict::Answer);
            c.reply(&f, &mut s, (&mut out, NOW), &mut buf, true, beat);
        }
        assert!(c.stalled(NOW + 4_999_999) && c.busy(NOW));
        assert!(!c.release(&mut out, NOW + 4_999_999));
        // A session message queues behind the held replies.
        assert!(c.pass(&mut out, NOW, b"x"));
        assert!(c.release(&mut out, NOW + 5_000_000));
        assert!(out.pending().ends_with(b"x") && c.is_empty() && !c.busy(NOW + 5_000_000));
    }
}
