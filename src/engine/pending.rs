//! Orders in flight on one session: a ring of slots indexed by the slot number carried in
//! each ClOrdID, so an ExecutionReport finds its order in O(1).
//!
//! Orders take slots in send order, so the oldest order awaiting a reply is always at the
//! tail: timeouts are found by looking at the tail only. An order unanswered after
//! `--timeout` becomes *overdue*: it no longer counts as awaiting (a closed loop sends on),
//! but it keeps its slot, so a late reply is still matched and keeps its real latency. A
//! slot is reusable once its order is answered (a fill may still arrive and is matched while
//! the slot is not reused) or finished; an unanswered order, overdue or not, is never
//! evicted. When the ring comes round to a slot an overdue order still holds, the next order
//! takes a later slot instead: one reply the gateway never sends must not stop the sending
//! (it once did, for good, one ring after the lost reply). A full ring means more orders are
//! unanswered than the ring holds: the caller waits, and the wait shows up as schedule lag
//! (and, past the window, as orders not sent).
//! Orders still unanswered when the run ends are the timed-out ones
//! ([`take_unanswered`](Pending::take_unanswered)).
//!
//! [`Resting`] keeps the orders known to rest at the gateway (acked, not filled or cancelled),
//! for `--mix` cancels and replaces to amend.

use crate::fix::clordid::ClOrdId;
use crate::fix::template::Kind;

/// One order in flight.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slot {
    /// The packed ClOrdID; 0 when free.
    pub id: u64,
    /// When the order was due, in ns since the run's epoch.
    pub intended_ns: u64,
    /// TSC reading when it was handed to the transport.
    pub sent_raw: u64,
    /// The offset of its last byte in its connection's stream, for the kernel's stamp of the
    /// send that carried it (`--wire-timestamps`).
    pub last_byte: u64,
    pub acked: bool,
    /// Unanswered past `--timeout`: a reply now is late.
    pub overdue: bool,
    /// Sent during warm-up: counted apart, never recorded in results.
    pub warmup: bool,
    /// What was sent: a new order, a cancel or a replace.
    pub kind: Kind,
    /// The feed order it carries (for a cancel or replace, that of the order it amends).
    pub order: u32,
    /// Its MsgSeqNum (0: unknown), for a session Reject that names it by that alone.
    pub seq: u32,
    /// Counted as timed out when the run ended: the slot is free, but a reply that still
    /// comes (during the logout) is known for one, not taken for an unknown order.
    pub timed_out: bool,
}

#[derive(Debug)]
pub struct Pending {
    slots: Box<[Slot]>,
    mask: u64,
    /// Next slot to take (monotonic; the slot index is `head & mask`).
    head: u64,
    /// Oldest slot that may still await its first reply.
    tail: u64,
    /// Orders awaiting their first reply, not yet overdue.
    awaiting: u32,
    /// Overdue orders still unanswered.
    overdue: u32,
}

impl Pending {
    /// A ring of at least `capacity` slots (rounded up to a power of two).
    pub fn new(capacity: usize) -> Pending {
        let cap = capacity.max(2).next_power_of_two();
        Pending {
            slots: vec![Slot::default(); cap].into_boxed_slice(),
            mask: cap as u64 - 1,
            head: 0,
            tail: 0,
            awaiting: 0,
            overdue: 0,
        }
    }

    /// Orders awaiting their first ExecutionReport, not yet overdue.
    #[inline]
    pub fn awaiting(&self) -> u32 {
        self.awaiting
    }

    /// Orders unanswered past `--timeout`, whose slots wait for a late reply.
    #[inline]
    pub fn overdue(&self) -> u32 {
        self.overdue
    }

    /// Every order without its first reply, overdue or not.
    #[inline]
    pub fn unanswered(&self) -> u32 {
        self.awaiting + self.overdue
    }

    /// The order in `slot` has its first reply (or is finished): it no longer counts as
    /// awaiting or overdue.
    #[inline]
    fn answered(&mut self, slot: usize) {
        let s = &self.slots[slot];
        if s.id != 0 && !s.acked && !s.timed_out {
            if s.overdue {
                self.overdue -= 1;
            } else {
                self.awaiting -= 1;
            }
        }
    }

    /// The slot number the next order would take, or `None` when the ring is full of orders
    /// awaiting their first reply.
    #[inline]
    pub fn next_free(&mut self) -> Option<u32> {
        loop {
            if self.head - self.tail >= self.slots.len() as u64 {
                return None;
            }
            let idx = (self.head & self.mask) as usize;
            let s = &self.slots[idx];
            // An acked or free slot may be taken; one still without its reply may not, overdue
            // or not: its reply would be lost.
            if s.id == 0 || s.acked || s.timed_out {
                return Some(idx as u32);
            }
            if !s.overdue {
                return None;
            }
            // Overdue: its reply may never come. It keeps its slot, and the order goes to a
            // later one (at most a ring's worth of slots are passed over).
            self.head += 1;
        }
    }

    /// Fills the slot [`next_free`](Pending::next_free) returned.
    #[inline]
    pub fn insert(&mut self, slot: Slot) {
        let idx = (self.head & self.mask) as usize;
        self.slots[idx] = slot;
        self.head += 1;
        self.awaiting += 1;
    }

    /// Gives the order in `slot` its send stamp (TSC), taken just before the send that carried
    /// it. Returns it, unless the slot no longer holds an order.
    #[inline]
    pub fn stamp_sent(&mut self, slot: u32, raw: u64) -> Option<&Slot> {
        let s = self.slots.get_mut(slot as usize).filter(|s| s.id != 0)?;
        s.sent_raw = raw;
        Some(s)
    }

    /// The slot for a reply, if it holds the order with this ClOrdID.
    #[inline]
    pub fn get_mut(&mut self, slot: u32, id: u64) -> Option<&mut Slot> {
        self.slots.get_mut(slot as usize).filter(|s| s.id == id && id != 0 && !s.timed_out)
    }

    /// True when the order with this ClOrdID was counted as timed out at the end of the run
    /// (and its slot not reused since): a reply to it now is neither an answer nor unknown.
    #[inline]
    pub fn timed_out(&self, slot: u32, id: u64) -> bool {
        self.slots.get(slot as usize).is_some_and(|s| s.id == id && id != 0 && s.timed_out)
    }

    /// Marks the order in `slot` as acked.
    #[inline]
    pub fn ack(&mut self, slot: u32) {
        self.answered(slot as usize);
        self.slots[slot as usize].acked = true;
        self.settle();
    }

    /// Moves the tail past slots that no longer await a first reply.
    #[inline]
    fn settle(&mut self) {
        while self.tail < self.head {
            let s = &self.slots[(self.tail & self.mask) as usize];
            if s.id != 0 && !s.acked && !s.timed_out {
                break;
            }
            self.tail += 1;
        }
    }

    /// Frees `slot`: the order is finished (filled, rejected, cancelled).
    #[inline]
    pub fn finish(&mut self, slot: u32) {
        self.answered(slot as usize);
        let s = &mut self.slots[slot as usize];
        s.id = 0;
        s.acked = false;
        self.settle();
    }

    /// True while the order with packed ClOrdID `id` still holds its slot, acked and not
    /// finished: it is known to rest at the gateway.
    #[inline]
    pub fn is_resting(&self, id: u64) -> bool {
        let slot = ClOrdId::unpack(id).slot as usize;
        self.slots.get(slot).is_some_and(|s| s.id == id && s.acked)
    }

    /// The order sent with MsgSeqNum `seq` (its slot and a copy), while it still awaits its
    /// first reply, overdue or not: a session Reject names an order by its MsgSeqNum alone.
    /// Orders take slots in send order, and so in MsgSeqNum order, and each of the last
    /// `capacity` slots taken still holds its MsgSeqNum: a binary search over them finds it.
    pub fn unanswered_with_seq(&self, seq: u32) -> Option<(u32, Slot)> {
        if seq == 0 {
            return None;
        }
        // An overdue order passed over by `next_free` breaks the rising run where it sits: when
        // the search finds nothing, every slot is looked at (a reject of a heartbeat, or of
        // such an order: rare).
        let idx = self.search_seq(seq).or_else(|| self.slots.iter().position(|s| s.seq == seq && s.id != 0))?;
        let s = self.slots[idx];
        (s.id != 0 && !s.acked && !s.timed_out).then_some((idx as u32, s))
    }

    /// Binary search of the last `capacity` slots taken for MsgSeqNum `seq`.
    fn search_seq(&self, seq: u32) -> Option<usize> {
        let (mut lo, mut hi) = (self.head.saturating_sub(self.slots.len() as u64), self.head);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let idx = (mid & self.mask) as usize;
            match self.slots[idx].seq.cmp(&seq) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(idx),
            }
        }
        None
    }

    /// Marks the orders at the tail that have awaited their first reply since before
    /// `cutoff_ns` (intended time) as overdue. They keep their slots: a late reply is still
    /// matched. Returns how many became overdue.
    #[inline]
    pub fn mark_overdue(&mut self, cutoff_ns: u64) -> u32 {
        let mut n = 0;
        while self.tail < self.head {
            let idx = (self.tail & self.mask) as usize;
            let s = &mut self.slots[idx];
            if s.id != 0 && !s.acked && !s.overdue && !s.timed_out {
                if s.intended_ns >= cutoff_ns {
                    break;
                }
                s.overdue = true;
                self.awaiting -= 1;
                self.overdue += 1;
                n += 1;
            }
            self.tail += 1;
        }
        n
    }

    /// The run is over: calls `on_unanswered` for every order still without its first reply
    /// (the timed-out ones) and frees their slots, marked [`timed_out`](Slot::timed_out) so
    /// that a reply still on its way is not counted a second time. Returns how many.
    pub fn take_unanswered(&mut self, mut on_unanswered: impl FnMut(&Slot)) -> u32 {
        let mut n = 0;
        for s in self.slots.iter_mut().filter(|s| s.id != 0 && !s.acked && !s.timed_out) {
            on_unanswered(s);
            s.timed_out = true;
            n += 1;
        }
        (self.awaiting, self.overdue, self.tail) = (0, 0, self.head);
        n
    }

    /// The connection is gone (`--reconnect`): calls `on_unanswered` for every order still
    /// without its first reply, which can no longer come, and frees every slot, the
    /// answered ones too: the gateway forgets a session's orders with its connection, so
    /// none of them rests there to be amended. Returns how many were unanswered.
    pub fn forget_all(&mut self, on_unanswered: impl FnMut(&Slot)) -> u32 {
        let n = self.take_unanswered(on_unanswered);
        self.slots.fill(Slot::default());
        n
    }
}

/// Orders resting at the gateway, newest on top, for cancels and replaces to amend. Bounded:
/// when full, the oldest is forgotten.
#[derive(Debug)]
pub struct Resting {
    /// (packed ClOrdID, feed order).
    entries: Box<[(u64, u32)]>,
    top: usize,
    len: usize,
}

impl Resting {
    pub fn new(capacity: usize) -> Resting {
        Resting { entries: vec![(0, 0); capacity].into_boxed_slice(), top: 0, len: 0 }
    }

    #[inline]
    pub fn push(&mut self, id: u64, order: u32) {
        let cap = self.entries.len();
        if cap == 0 {
            return;
        }
        self.entries[self.top] = (id, order);
        self.top = (self.top + 1) % cap;
        self.len = (self.len + 1).min(cap);
    }

    /// Forgets every entry (the session's connection, and its orders, are gone).
    pub fn clear(&mut self) {
        (self.top, self.len) = (0, 0);
    }

    /// The newest order that `pending` still knows to be resting. Entries for orders that
    /// finished (or whose slot was reused, so their state is unknown) are dropped.
    #[inline]
    pub fn pop(&mut self, pending: &Pending) -> Option<(u64, u32)> {
        let cap = self.entries.len();
        while self.len > 0 {
            self.top = (self.top + cap - 1) % cap;
            self.len -= 1;
            let e = self.entries[self.top];
            if pending.is_resting(e.0) {
                return Some(e);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(p: &mut Pending, id: u64, t: u64) -> u32 {
        let slot = p.next_free().unwrap();
        p.insert(Slot { id, intended_ns: t, ..Slot::default() });
        slot
    }

    #[test]
    fn an_unanswered_order_is_found_by_its_msg_seq_num_across_the_ring() {
        let mut p = Pending::new(4);
        // MsgSeqNums rise with gaps (heartbeats between orders), and the ring wraps.
        let mut slots = Vec::new();
        for (i, seq) in [2u32, 3, 5, 8, 9, 12].into_iter().enumerate() {
            if p.next_free().is_none() {
                p.ack(slots[i - 4]);
            }
            let slot = p.next_free().unwrap();
            p.insert(Slot { id: 100 + i as u64, seq, ..Slot::default() });
            slots.push(slot);
        }
        // 2 and 3 were acked and their slots reused; 4 and 7 were never orders.
        for seq in [0, 2, 3, 4, 7, 13] {
            assert!(p.unanswered_with_seq(seq).is_none(), "{seq}");
        }
        for (seq, id) in [(5, 102), (8, 103), (9, 104), (12, 105)] {
            let (slot, s) = p.unanswered_with_seq(seq).unwrap();
            assert_eq!((s.id, slot), (id, slots[(id - 100) as usize]), "{seq}");
        }
        // Answered (overdue first, then acked): no longer found.
        p.mark_overdue(u64::MAX);
        assert!(p.unanswered_with_seq(8).is_some());
        p.ack(slots[3]);
        assert!(p.unanswered_with_seq(8).is_none());
    }

    #[test]
    fn a_reply_finds_its_order_and_a_stale_id_does_not() {
        let mut p = Pending::new(4);
        let s = order(&mut p, 11, 100);
        assert!(p.get_mut(s, 11).is_some());
        assert!(p.get_mut(s, 12).is_none());
        assert!(p.get_mut(99, 11).is_none());
        p.finish(s);
        assert!(p.get_mut(s, 11).is_none());
        assert_eq!(p.awaiting(), 0);
    }

    #[test]
    fn ring_is_full_only_of_orders_awaiting_a_reply() {
        let mut p = Pending::new(4);
        let slots: Vec<u32> = (1..=4).map(|i| order(&mut p, i, i)).collect();
        assert_eq!(p.next_free(), None);
        // Acking the oldest frees its slot for reuse; a fill for it still matches until then.
        p.ack(slots[0]);
        assert_eq!(p.awaiting(), 3);
        assert!(p.get_mut(slots[0], 1).is_some());
        assert_eq!(p.next_free(), Some(slots[0]));
        order(&mut p, 5, 5);
        assert!(p.get_mut(slots[0], 1).is_none());
    }

    #[test]
    fn only_the_oldest_unanswered_orders_become_overdue() {
        let mut p = Pending::new(8);
        let a = order(&mut p, 1, 10);
        order(&mut p, 2, 20);
        order(&mut p, 3, 30);
        p.ack(a);
        assert_eq!(p.mark_overdue(25), 1);
        assert_eq!((p.awaiting(), p.overdue(), p.unanswered()), (1, 1, 2));
        assert_eq!(p.mark_overdue(25), 0, "an order becomes overdue once");
        assert_eq!(p.mark_overdue(u64::MAX), 1);
        assert_eq!((p.awaiting(), p.overdue()), (0, 2));
    }

    #[test]
    fn a_late_reply_still_finds_its_overdue_order() {
        let mut p = Pending::new(8);
        let a = order(&mut p, 1, 10);
        let b = order(&mut p, 2, 20);
        assert_eq!(p.mark_overdue(u64::MAX), 2);
        let s = p.get_mut(a, 1).expect("an overdue order keeps its slot");
        assert!(s.overdue && !s.acked);
        p.ack(a);
        assert_eq!((p.awaiting(), p.overdue()), (0, 1));
        p.finish(b);
        assert_eq!((p.awaiting(), p.overdue()), (0, 0));
        // Acked or finished twice changes nothing.
        p.ack(a);
        p.finish(b);
        assert_eq!(p.unanswered(), 0);
    }

    #[test]
    fn an_overdue_order_is_never_evicted_by_a_new_one() {
        let mut p = Pending::new(2);
        let a = order(&mut p, 1, 10);
        order(&mut p, 2, 20);
        p.mark_overdue(u64::MAX);
        assert_eq!(p.awaiting(), 0);
        assert_eq!(p.next_free(), None, "both slots still wait for their replies");
        p.ack(a);
        assert_eq!(p.next_free(), Some(a));
    }

    #[test]
    fn an_order_whose_reply_never_comes_does_not_stop_the_sending() {
        let mut p = Pending::new(4);
        let lost = p.next_free().unwrap();
        p.insert(Slot { id: 1, intended_ns: 10, seq: 1, ..Slot::default() });
        // Three rings' worth of orders, each answered at once; the first never is.
        for n in 2..14u64 {
            p.mark_overdue(15);
            let slot = p.next_free().unwrap_or_else(|| panic!("order {n}: no slot"));
            assert_ne!(slot, lost, "order {n} took the lost order's slot");
            p.insert(Slot { id: n, intended_ns: 20, seq: n as u32, ..Slot::default() });
            p.ack(slot);
        }
        // The lost order still matches a late reply, is found by its MsgSeqNum (off the
        // rising run), and times out at the end.
        assert!(p.get_mut(lost, 1).is_some());
        assert_eq!(p.unanswered_with_seq(1).map(|(slot, s)| (slot, s.id)), Some((lost, 1)));
        assert!(p.unanswered_with_seq(13).is_none(), "acked");
        assert_eq!(p.take_unanswered(|_| {}), 1);
    }

    #[test]
    fn an_awaiting_order_is_waited_for_not_passed_over() {
        let mut p = Pending::new(2);
        order(&mut p, 1, 10);
        order(&mut p, 2, 20);
        assert_eq!(p.next_free(), None);
        p.mark_overdue(15);
        assert_eq!(p.next_free(), None, "the second order is not overdue yet");
    }

    #[test]
    fn at_the_end_every_unanswered_order_is_taken_once() {
        let mut p = Pending::new(8);
        let a = order(&mut p, 1, 10);
        order(&mut p, 2, 20);
        order(&mut p, 3, 30);
        p.ack(a);
        p.mark_overdue(25);
        let mut taken = Vec::new();
        assert_eq!(p.take_unanswered(|s| taken.push((s.id, s.overdue))), 2);
        taken.sort();
        assert_eq!(taken, vec![(2, true), (3, false)]);
        assert_eq!(p.unanswered(), 0);
        assert!(p.get_mut(a, 1).is_some(), "an acked order is not taken");
        assert_eq!(p.take_unanswered(|_| {}), 0);
        // A reply still on its way to a timed-out order is recognised, not matched.
        let lost = (0..8).find(|&s| p.timed_out(s, 2)).expect("order 2's slot knows it timed out");
        assert!(p.get_mut(lost, 2).is_none());
        assert!(!p.timed_out(a, 1));
    }

    #[test]
    fn a_lost_connection_takes_the_unanswered_once_and_leaves_nothing_to_amend() {
        let mut p = Pending::new(8);
        let a = order(&mut p, packed(0, 1), 10);
        order(&mut p, packed(1, 2), 20);
        p.ack(a);
        assert!(p.is_resting(packed(0, 1)));
        let mut taken = Vec::new();
        assert_eq!(p.forget_all(|s| taken.push(s.id)), 1);
        assert_eq!(taken, vec![packed(1, 2)]);
        assert_eq!(p.unanswered(), 0);
        assert!(!p.is_resting(packed(0, 1)), "the gateway forgot it with the connection");
        assert!(p.get_mut(a, packed(0, 1)).is_none(), "a late reply to it is unmatched, not a fill");
        let mut r = Resting::new(4);
        r.push(packed(0, 1), 0);
        r.clear();
        assert_eq!(r.pop(&p), None);
        // The ring takes new orders from where it was.
        assert!(p.next_free().is_some());
    }

    fn packed(slot: u32, counter: u32) -> u64 {
        ClOrdId { session: 0, slot, counter }.pack()
    }

    #[test]
    fn resting_orders_come_back_newest_first_and_only_while_resting() {
        let mut p = Pending::new(8);
        let mut resting = Resting::new(8);
        let mut ids = Vec::new();
        for i in 0..3u32 {
            let id = packed(p.next_free().unwrap(), i + 1);
            p.insert(Slot { id, ..Slot::default() });
            p.ack(ClOrdId::unpack(id).slot);
            resting.push(id, i);
            ids.push(id);
        }
        // The newest has been filled since: skipped.
        p.finish(ClOrdId::unpack(ids[2]).slot);
        assert_eq!(resting.pop(&p), Some((ids[1], 1)));
        assert_eq!(resting.pop(&p), Some((ids[0], 0)));
        assert_eq!(resting.pop(&p), None);
    }

    #[test]
    fn a_full_resting_list_forgets_the_oldest() {
        let mut p = Pending::new(8);
        let mut resting = Resting::new(2);
        for i in 0..3u32 {
            let id = packed(p.next_free().unwrap(), i + 1);
            p.insert(Slot { id, ..Slot::default() });
            p.ack(ClOrdId::unpack(id).slot);
            resting.push(id, i);
        }
        assert_eq!(resting.pop(&p).map(|e| e.1), Some(2));
        assert_eq!(resting.pop(&p).map(|e| e.1), Some(1));
        assert_eq!(resting.pop(&p), None);
        assert_eq!(Resting::new(0).pop(&p), None);
    }

    #[test]
    fn a_reply_out_of_order_does_not_block_older_orders_becoming_overdue() {
        let mut p = Pending::new(8);
        order(&mut p, 1, 10);
        let b = order(&mut p, 2, 20);
        p.finish(b);
        assert_eq!(p.mark_overdue(30), 1);
        assert_eq!((p.awaiting(), p.overdue()), (0, 1));
    }
}
