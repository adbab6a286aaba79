//! The resend protocol, both ways, in fixed arrays: the session runs on the hot path, so
//! nothing here allocates, and every queue has a small bound.
//!
//! - [`Asked`]: the inbound MsgSeqNum ranges this side found missing (a gap) and asks the
//!   peer to resend with a ResendRequest (35=2). A range is kept until its answer arrives,
//!   so that a resend (PossDupFlag 43=Y) of a message never received is handled, once, and a
//!   resend of one received is a duplicate.
//! - [`Owed`]: the SequenceReset-GapFills (35=4, 123=Y) this side owes the peer for the
//!   ResendRequests it received. A session keeps no history of what it sent, so it fills
//!   every range it is asked for.
//!
//! The session's own steps for both (what a message below the expected MsgSeqNum means,
//! and encoding the two messages) are here too, beside the state they use.

use super::{Event, ProtocolError, Session, State};
use crate::fix::encode::{Encoder, Overflow};
use crate::fix::parse::{Msg, MsgType};
use crate::fix::tag;

/// Missing ranges kept at once. Gaps are rare and answered within a round trip; more than
/// this many unanswered means the peer does not answer, and asking more would not help.
pub(super) const ASKED_CAP: usize = 8;

/// Gap fills queued at once; a ResendRequest beyond that widens the last one.
pub(super) const OWED_CAP: usize = 8;

/// MsgSeqNums `begin..=end`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Range {
    begin: u32,
    end: u32,
}

/// The inbound ranges found missing and asked for (or to ask for), and not yet answered.
///
/// The ranges are disjoint and in ascending order: a gap is found at the expected
/// MsgSeqNum, above every range found before, and the expected MsgSeqNum only goes back on
/// a reset, which forgets them all. Nothing in a range was received: the expected MsgSeqNum
/// jumped over it.
///
/// A peer answers ResendRequests in the order it received them, and each answer in
/// MsgSeqNum order (FIX resends are a replay on one stream). So a resend or gap fill that
/// reaches MsgSeqNum `s` of a range also says that everything below `s` that it did not
/// bring will not come: ranges below it are forgotten, and its own range shrinks from the
/// front. That keeps the table small with a peer that answers only part of a request, and
/// it means a message of a range is handled at most once even if a peer sent it twice.
#[derive(Debug, Clone, Default)]
pub(super) struct Asked {
    ranges: [Range; ASKED_CAP],
    len: usize,
    /// `ranges[..sent]` were asked for; the rest wait for `poll_transmit`.
    sent: usize,
    /// Gaps found while the table was full: never asked for.
    not_asked: u64,
}

impl Asked {
    /// Notes that `begin..=end` is missing, to ask for. False (and counted) when the table
    /// is full: the gap is then only counted, as a gap is by a session that never asks.
    pub(super) fn missing(&mut self, begin: u32, end: u32) -> bool {
        debug_assert!(begin <= end && self.ranges[..self.len].iter().all(|r| r.end < begin));
        if self.len == ASKED_CAP {
            self.not_asked += 1;
            return false;
        }
        self.ranges[self.len] = Range { begin, end };
        self.len += 1;
        true
    }

    /// The next range to ask for, not yet asked.
    pub(super) fn to_ask(&self) -> Option<(u32, u32)> {
        (self.sent < self.len).then(|| (self.ranges[self.sent].begin, self.ranges[self.sent].end))
    }

    /// The range [`to_ask`](Asked::to_ask) named was asked for.
    pub(super) fn asked_one(&mut self) {
        self.sent = (self.sent + 1).min(self.len);
    }

    /// Gaps that found the table full and were never asked for.
    pub(super) fn not_asked(&self) -> u64 {
        self.not_asked
    }

    /// Ranges still missing, asked for or not.
    pub(super) fn outstanding(&self) -> usize {
        self.len
    }

    /// Forgets every range (a reset, a lost connection); keeps the count of gaps not asked.
    pub(super) fn clear(&mut self) {
        self.len = 0;
        self.sent = 0;
    }

    /// A message (not a gap fill) with MsgSeqNum `seq`, below the expected one, arrived.
    /// True when `seq` is in a missing range: it was never received, so it is handled now,
    /// and taken out so that another copy is a duplicate.
    pub(super) fn resent(&mut self, seq: u32) -> bool {
        let Some(i) = self.ranges[..self.len].iter().position(|r| r.begin <= seq && seq <= r.end) else {
            return false;
        };
        self.forget_below(i, seq.saturating_add(1));
        true
    }

    /// A SequenceReset-GapFill with MsgSeqNum `seq` and NewSeqNo `new_seq` arrived: it
    /// says `seq..new_seq` will not be resent. True when that covers part of a missing
    /// range (it answers a ResendRequest); those MsgSeqNums are no longer missing.
    pub(super) fn filled(&mut self, seq: u32, new_seq: u32) -> bool {
        // A NewSeqNo at or below its own MsgSeqNum covers nothing.
        let Some(last) = new_seq.checked_sub(1).filter(|&l| l >= seq) else { return false };
        let Some(i) = self.ranges[..self.len].iter().position(|r| r.begin <= last && seq <= r.end) else {
            return false;
        };
        // Everything below new_seq is settled; the range that holds new_seq, if any, keeps
        // the rest.
        let j = self.ranges[i..self.len].iter().position(|r| r.end >= new_seq).map_or(self.len, |k| i + k);
        self.forget_below(j.min(self.len.saturating_sub(1)), new_seq);
        true
    }

    /// Drops ranges `..i` and the part of range `i` below `from`.
    fn forget_below(&mut self, i: usize, from: u32) {
        let r = &mut self.ranges[i];
        r.begin = r.begin.max(from);
        let drop = if r.begin > r.end { i + 1 } else { i };
        self.ranges.copy_within(drop..self.len, 0);
        self.len -= drop;
        self.sent = self.sent.saturating_sub(drop);
    }
}

/// The gap fills owed to the peer, oldest first: (MsgSeqNum, NewSeqNo) each.
#[derive(Debug, Clone, Default)]
pub(super) struct Owed {
    fills: [(u32, u32); OWED_CAP],
    len: usize,
}

impl Owed {
    /// Owes a gap fill of `begin..new_seq`. One that overlaps or touches the last one owed,
    /// or that finds the queue full, widens the last one instead: a gap fill over messages
    /// the peer has already received is one it ignores (FIX: PossDupFlag Y below the
    /// expected MsgSeqNum), and this side would send only gap fills anyway.
    pub(super) fn owe(&mut self, begin: u32, new_seq: u32) {
        if let Some(last) = self.len.checked_sub(1).map(|l| &mut self.fills[l])
            && (self.len == OWED_CAP || (begin <= last.1 && last.0 <= new_seq))
        {
            *last = (last.0.min(begin), last.1.max(new_seq));
            return;
        }
        self.fills[self.len] = (begin, new_seq);
        self.len += 1;
    }

    pub(super) fn front(&self) -> Option<(u32, u32)> {
        (self.len > 0).then_some(self.fills[0])
    }

    pub(super) fn pop(&mut self) {
        if self.len > 0 {
            self.fills.copy_within(1..self.len, 0);
            self.len -= 1;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn clear(&mut self) {
        self.len = 0;
    }
}

impl Session {
    /// Gaps in the inbound MsgSeqNums that were counted but never asked for: they came
    /// while 8 ranges (`ASKED_CAP`) were still unanswered.
    pub fn gaps_not_requested(&self) -> u64 {
        self.asked.not_asked()
    }

    /// Inbound MsgSeqNum ranges asked for (or to ask for) and not yet answered.
    pub fn resends_outstanding(&self) -> usize {
        self.asked.outstanding()
    }

    /// A gap: `self.next_in..seq` is missing. Counted, and a ResendRequest queued for exactly
    /// that range.
    ///
    /// EndSeqNo is the last missing MsgSeqNum, never 0 ("everything after", which FIX 4.2
    /// also allows): the session does not wait for the gap to close, so the peer's messages
    /// from `seq` on were received, or are on the wire behind the one that showed the gap.
    /// Asked for everything, a peer that resends (a FIX engine with a message store) would
    /// send all of them again, each a duplicate to count and drop. A peer that keeps no
    /// history answers with a gap fill to its next MsgSeqNum; if that fill overtook messages
    /// it had already numbered, it would move our expected MsgSeqNum past them, and each
    /// would arrive "too low". Asked for exactly the gap, neither can happen.
    pub(super) fn on_gap(&mut self, seq: u32) {
        let (begin, end) = (self.next_in, seq - 1);
        self.push(Event::Error(ProtocolError::SeqGap { missing: seq - begin }));
        self.asked.missing(begin, end);
    }

    /// A message whose MsgSeqNum is below the expected one. Returns whether to handle it.
    ///
    /// - In a range asked for: it was never received (the expected MsgSeqNum jumped over
    ///   it), so it is the resend or gap fill asked for. A message is handled, once, like
    ///   any other: the benchmark matches its order. A gap fill may still move the expected
    ///   MsgSeqNum on (a NewSeqNo above it says more is missing), never back. Neither is an
    ///   error, unless it lacks the PossDupFlag every resend carries.
    /// - Otherwise, a gap fill with PossDupFlag covers what arrived already: FIX says ignore
    ///   it, and it is no error. Any other resend (PossDupFlag) is a `Duplicate`, dropped.
    /// - Without PossDupFlag it is `SeqTooLow`, and still handled, as before.
    pub(super) fn below_next_in(&mut self, msg: &Msg) -> bool {
        let gap_fill = msg.msg_type == MsgType::SequenceReset && msg.gap_fill;
        let answer = if gap_fill { self.asked.filled(msg.seq, msg.new_seq) } else { self.asked.resent(msg.seq) };
        let too_low = ProtocolError::SeqTooLow { expected: self.next_in, received: msg.seq };
        if answer {
            if !msg.poss_dup {
                self.push(Event::Error(too_low));
            }
            return true;
        }
        match (msg.poss_dup, gap_fill) {
            (true, true) => {}
            // A resend of what arrived already: counted, never handled twice.
            (true, false) => self.push(Event::Error(ProtocolError::Duplicate { seq: msg.seq })),
            (false, _) => {
                self.push(Event::Error(too_low));
                return true;
            }
        }
        false
    }

    /// A ResendRequest for `begin..=end` (0: everything after `begin`). We keep no
    /// history, so a gap fill answers it, over exactly the range asked for that we sent:
    /// NewSeqNo is `end + 1`, or our next MsgSeqNum if that is lower or `end` is 0 (or
    /// 999999, FIX 4.1's "infinity", which the `min` takes care of). A request for
    /// nothing we sent, or an inverted range, is left unanswered.
    pub(super) fn on_resend_request(&mut self, begin: u32, end: u32) {
        let end = if end == 0 { u32::MAX } else { end };
        let new_seq = end.saturating_add(1).min(self.next_out);
        if begin > 0 && begin < new_seq {
            self.owed.owe(begin, new_seq);
        }
    }

    /// Something of the resend protocol waits for `poll_transmit`.
    pub(super) fn resend_queued(&self) -> bool {
        !self.owed.is_empty() || (self.may_ask() && self.asked.to_ask().is_some())
    }

    /// ResendRequests go out once logged on, also while our Logout waits for its answer (a
    /// gap found in the last replies is still asked for); not once the session is over.
    fn may_ask(&self) -> bool {
        matches!(self.state, State::Active | State::LogoutSent)
    }

    /// Writes the next gap fill owed, or the next ResendRequest, into `buf`. `None` when
    /// neither is queued.
    pub(super) fn transmit_resend(&mut self, time: &[u8], buf: &mut [u8]) -> Result<Option<usize>, Overflow> {
        if let Some((begin, new_seq)) = self.owed.front() {
            // Sent with the first MsgSeqNum it fills, as a resend (43=Y with 122, which
            // FIX requires of one); it does not consume a MsgSeqNum.
            let mut e = Encoder::for_version(buf, self.cfg.version);
            e.field(tag::MSG_TYPE, b"4");
            e.field(tag::SENDER_COMP_ID, &self.cfg.sender);
            e.field(tag::TARGET_COMP_ID, &self.cfg.target);
            e.field_u64(tag::MSG_SEQ_NUM, begin as u64);
            e.field(tag::POSS_DUP_FLAG, b"Y");
            e.field(tag::SENDING_TIME, time);
            e.field(tag::ORIG_SENDING_TIME, time);
            e.field(tag::GAP_FILL_FLAG, b"Y");
            e.field_u64(tag::NEW_SEQ_NO, new_seq as u64);
            let n = e.finish()?;
            self.owed.pop();
            self.push(Event::GapFillSent { begin, new_seq });
            return Ok(Some(n));
        }
        match self.asked.to_ask() {
            Some((begin, end)) if self.may_ask() => {
                let seq = self.next_out;
                let mut e = self.header(buf, b"2", seq, time);
                e.field_u64(tag::BEGIN_SEQ_NO, begin as u64);
                e.field_u64(tag::END_SEQ_NO, end as u64);
                let n = e.finish()?;
                self.asked.asked_one();
                self.next_out += 1;
                self.push(Event::ResendRequested { begin, end });
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(a: &Asked) -> Vec<(u32, u32)> {
        a.ranges[..a.len].iter().map(|r| (r.begin, r.end)).collect()
    }

    #[test]
    fn ranges_are_asked_for_in_order_and_once() {
        let mut a = Asked::default();
        assert!(a.missing(3, 4) && a.missing(7, 7));
        assert_eq!(a.to_ask(), Some((3, 4)));
        a.asked_one();
        assert_eq!(a.to_ask(), Some((7, 7)));
        a.asked_one();
        assert_eq!(a.to_ask(), None);
        assert_eq!(ranges(&a), [(3, 4), (7, 7)]);
    }

    #[test]
    fn a_full_table_counts_the_gap_it_cannot_ask_for() {
        let mut a = Asked::default();
        for k in 0..ASKED_CAP as u32 {
            assert!(a.missing(10 * k + 1, 10 * k + 2));
        }
        assert!(!a.missing(1000, 1001));
        assert_eq!((a.not_asked(), a.outstanding()), (1, ASKED_CAP));
        a.clear();
        assert_eq!((a.not_asked(), a.outstanding(), a.to_ask()), (1, 0, None));
    }

    #[test]
    fn resends_shrink_their_range_from_the_front_and_each_is_taken_once() {
        let mut a = Asked::default();
        a.missing(3, 5);
        a.asked_one();
        assert!(!a.resent(2) && !a.resent(6));
        assert!(a.resent(3));
        assert!(!a.resent(3), "a second copy is a duplicate");
        assert_eq!(ranges(&a), [(4, 5)]);
        // 4 skipped (the peer gap-filled or forgot it): it will not come in order any more.
        assert!(a.resent(5));
        assert!(!a.resent(4) && a.outstanding() == 0);
    }

    #[test]
    fn a_resend_in_a_later_range_settles_the_earlier_ones() {
        let mut a = Asked::default();
        a.missing(3, 3);
        a.missing(6, 8);
        a.missing(12, 12);
        a.asked_one();
        a.asked_one();
        assert!(a.resent(7));
        assert_eq!(ranges(&a), [(8, 8), (12, 12)]);
        assert_eq!(a.to_ask(), Some((12, 12)), "what was asked stays asked");
    }

    #[test]
    fn a_gap_fill_settles_what_it_covers_and_all_below() {
        let mut a = Asked::default();
        a.missing(3, 4);
        a.missing(8, 10);
        a.missing(15, 15);
        // Not an answer: it covers nothing missing, or nothing at all.
        assert!(!a.filled(5, 8) && !a.filled(9, 9) && !a.filled(11, 15));
        assert!(a.filled(3, 5));
        assert_eq!(ranges(&a), [(8, 10), (15, 15)]);
        // Half a range: the rest stays missing.
        assert!(a.filled(8, 10));
        assert_eq!(ranges(&a), [(10, 10), (15, 15)]);
        // A fill far past everything (a peer that fills to its own next MsgSeqNum).
        assert!(a.filled(10, 40));
        assert_eq!(a.outstanding(), 0);
    }

    #[test]
    fn gap_fills_owed_queue_and_widen_when_they_touch_or_the_queue_is_full() {
        let mut o = Owed::default();
        o.owe(3, 5);
        o.owe(5, 9);
        o.owe(12, 13);
        assert_eq!((o.front(), o.len), (Some((3, 9)), 2));
        o.pop();
        assert_eq!(o.front(), Some((12, 13)));
        o.pop();
        assert!(o.is_empty());
        for k in 0..OWED_CAP as u32 + 2 {
            o.owe(10 * k + 1, 10 * k + 2);
        }
        assert_eq!(o.len, OWED_CAP);
        assert_eq!(o.fills[OWED_CAP - 1], (10 * (OWED_CAP as u32 - 1) + 1, 10 * (OWED_CAP as u32 + 1) + 2));
    }
}
