//! The bytes in flight on one connection: what is queued to send ([`OutBuf`]) and what has
//! been received but not yet consumed ([`InBuf`]). Both backends use them, so short writes and
//! partial reads are handled in one tested place. An `OutBuf` has a fixed capacity chosen up
//! front; an `InBuf` starts at its capacity and doubles, up to a bound chosen up front, only
//! when it is full of bytes the caller has not consumed (a message longer than the buffer, or
//! a backlog), and never shrinks: it allocates a bounded number of times over its life, never
//! per message.

/// Bytes queued for sending. The caller appends whole messages; the transport writes from the
/// front and advances by however much the kernel took.
///
/// A completion-based transport hands the front bytes to the kernel with
/// [`begin_send`](OutBuf::begin_send) and must not see them move until
/// [`end_send`](OutBuf::end_send): while a send is in flight, `push` only appends after the
/// end and never compacts.
#[derive(Debug)]
pub struct OutBuf {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Bytes from `start` handed to the kernel and not yet completed.
    in_flight: usize,
    /// Bytes ever pushed since the connection began.
    pushed: u64,
}

impl OutBuf {
    pub fn with_capacity(cap: usize) -> OutBuf {
        OutBuf { buf: vec![0u8; cap].into_boxed_slice(), start: 0, end: 0, in_flight: 0, pushed: 0 }
    }

    /// Bytes ever pushed on this connection: the stream offset of the next byte pushed, so
    /// a message's last byte is at `pushed() - 1` right after its push.
    #[inline]
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Bytes queued and not yet written.
    #[inline]
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// How many bytes [`push`](OutBuf::push) can take now, counting the room that moving the
    /// pending bytes to the front would free.
    #[inline]
    pub fn room(&self) -> usize {
        if self.in_flight > 0 { self.buf.len() - self.end } else { self.buf.len() - (self.end - self.start) }
    }

    /// Queues `bytes` whole, or returns false and queues nothing when they do not fit.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        if bytes.len() > self.buf.len() - self.end {
            if bytes.len() > self.room() || self.in_flight > 0 {
                return false;
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
        self.pushed += bytes.len() as u64;
        true
    }

    /// Marks `n` bytes as written (a readiness transport's short write). Transport-internal:
    /// never while a completion-based send is in flight.
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.start);
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// True while bytes are handed to the kernel.
    #[inline]
    pub fn is_sending(&self) -> bool {
        self.in_flight > 0
    }

    /// Hands every queued byte to the kernel: they stay where they are until
    /// [`end_send`](OutBuf::end_send). Returns them (empty when nothing is queued or a send is
    /// already in flight).
    #[inline]
    pub fn begin_send(&mut self) -> &[u8] {
        if self.in_flight > 0 {
            return &[];
        }
        self.in_flight = self.end - self.start;
        &self.buf[self.start..self.end]
    }

    /// The kernel took `n` of the bytes from [`begin_send`](OutBuf::begin_send) (a short send
    /// leaves the rest queued at the front, to go out next).
    #[inline]
    pub fn end_send(&mut self, n: usize) {
        let n = n.min(self.in_flight);
        self.in_flight = 0;
        self.advance(n);
    }

    /// Empties the buffer for a new connection. Transport-internal: the kernel must hold no
    /// reference to these bytes.
    pub(crate) fn clear(&mut self) {
        assert_eq!(self.in_flight, 0, "clearing an OutBuf with a send in flight");
        self.start = 0;
        self.end = 0;
        self.pushed = 0;
    }
}

/// Bytes received and not yet consumed. The transport reads into [`spare`](InBuf::spare);
/// the caller frames messages from [`data`](InBuf::data) and consumes whole ones, leaving a
/// partial message at the front for the next read to complete.
///
/// When it is full of unconsumed bytes, `spare` doubles it (up to the bound given to
/// [`growable`](InBuf::growable)), so a message as long as the bound always fits whole.
///
/// A completion-based transport hands the free room to the kernel with `begin_recv`
/// (transport-internal) and must not see it move until `end_recv`: while a receive is in
/// flight, the buffer neither compacts nor grows, and `consume` only moves the front.
#[derive(Debug)]
pub struct InBuf {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// The most `buf` may grow to.
    max: usize,
    /// Bytes from `end` handed to the kernel for a receive that has not completed.
    receiving: usize,
    /// Bytes ever consumed since the connection began.
    consumed: u64,
}

impl InBuf {
    /// A buffer that never grows.
    pub fn with_capacity(cap: usize) -> InBuf {
        InBuf::growable(cap, cap)
    }

    /// A buffer of `cap` bytes that may double up to `max` bytes when full.
    pub fn growable(cap: usize, max: usize) -> InBuf {
        let cap = cap.max(1);
        InBuf { buf: vec![0u8; cap].into_boxed_slice(), start: 0, end: 0, max: max.max(cap), receiving: 0, consumed: 0 }
    }

    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Bytes it holds now, used or not.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Room to read into. Moves a leftover partial message to the front first when the tail
    /// is running short, and doubles the buffer (up to its bound) when it is full. Empty only
    /// when the buffer is full of unconsumed bytes at its bound, or a receive is in flight.
    #[inline]
    pub fn spare(&mut self) -> &mut [u8] {
        self.reserve(1)
    }

    /// Room to read into, at least `want` bytes when the bound allows: compacts, then grows
    /// (doubling, or straight to what `want` needs) while the room is short of `want`.
    #[inline]
    pub(crate) fn reserve(&mut self, want: usize) -> &mut [u8] {
        if self.receiving > 0 {
            return &mut [];
        }
        let cap = self.buf.len();
        let tail = cap - self.end;
        if self.start > 0 && (tail < cap / 2 || tail < want) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < want && self.buf.len() < self.max {
            self.grow(self.end + want);
        }
        &mut self.buf[self.end..]
    }

    /// Reallocates to at least `need` bytes (at least double, at most the bound), keeping the
    /// data at the front. Cold: a buffer grows at most log2(bound / start) times in its life.
    #[cold]
    fn grow(&mut self, need: usize) {
        let cap = (self.buf.len() * 2).max(need).min(self.max);
        let mut bigger = vec![0u8; cap].into_boxed_slice();
        bigger[..self.end - self.start].copy_from_slice(&self.buf[self.start..self.end]);
        self.end -= self.start;
        self.start = 0;
        self.buf = bigger;
    }

    /// Marks `n` bytes of [`spare`](InBuf::spare) as received.
    #[inline]
    pub fn commit(&mut self, n: usize) {
        debug_assert_eq!(self.receiving, 0, "commit while a receive is in flight");
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Bytes ever consumed on this connection: the stream offset of `data()[0]`.
    #[inline]
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Drops `n` bytes from the front.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.consumed += n as u64;
        self.start += n;
        if self.start == self.end && self.receiving == 0 {
            self.start = 0;
            self.end = 0;
        }
    }

    /// True when the buffer is full at its bound and nothing can be read until the caller
    /// consumes.
    pub fn is_full(&self) -> bool {
        self.start == 0 && self.end == self.buf.len() && self.buf.len() >= self.max
    }

    /// Hands the free room, at most `limit` bytes of it, to the kernel for a receive
    /// (growing or compacting first as [`spare`](InBuf::spare) does): it stays where it is
    /// until [`end_recv`](InBuf::end_recv). Empty when there is no room or a receive is
    /// already in flight.
    #[inline]
    pub(crate) fn begin_recv(&mut self, limit: usize) -> &mut [u8] {
        if self.receiving > 0 {
            return &mut [];
        }
        let n = self.reserve(1).len().min(limit);
        self.receiving = n;
        &mut self.buf[self.end..self.end + n]
    }

    /// The kernel wrote `n` bytes of the room from [`begin_recv`](InBuf::begin_recv). Returns
    /// true when they filled it: the socket may hold more.
    #[inline]
    pub(crate) fn end_recv(&mut self, n: usize) -> bool {
        let asked = self.receiving;
        let n = n.min(asked);
        self.receiving = 0;
        self.end += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        asked > 0 && n == asked
    }

    /// Empties the buffer for a new connection (keeping its size). Transport-internal use
    /// must make sure the kernel holds no reference to it.
    pub fn clear(&mut self) {
        assert_eq!(self.receiving, 0, "clearing an InBuf with a receive in flight");
        self.start = 0;
        self.end = 0;
        self.consumed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_stream_offsets_count_what_was_pushed_and_consumed_not_refused_or_compacted() {
        let mut o = OutBuf::with_capacity(8);
        assert!(o.push(b"abcde"));
        o.advance(4);
        assert!(o.push(b"fgh"), "compacts");
        assert!(!o.push(b"ijklmnop"), "refused");
        assert_eq!(o.pushed(), 8, "the offset after the last byte pushed");
        o.advance(4);
        o.clear();
        assert_eq!(o.pushed(), 0, "a new connection's stream starts at 0");
        let mut i = InBuf::with_capacity(8);
        i.spare()[..6].copy_from_slice(b"abcdef");
        i.commit(6);
        i.consume(4);
        i.consume(9);
        assert_eq!(i.consumed(), 6, "no more than what was there");
        i.clear();
        assert_eq!(i.consumed(), 0);
    }

    #[test]
    fn push_refuses_what_does_not_fit_and_keeps_what_is_queued() {
        let mut o = OutBuf::with_capacity(8);
        assert!(o.push(b"abcde"));
        assert!(!o.push(b"fghi"));
        assert_eq!(o.pending(), b"abcde");
        o.advance(3);
        // 3 bytes freed at the front: the push compacts and fits.
        assert!(o.push(b"fghij"));
        assert_eq!(o.pending(), b"defghij");
    }

    #[test]
    fn bytes_in_flight_never_move() {
        let mut o = OutBuf::with_capacity(8);
        assert!(o.push(b"abcd"));
        let sent = o.begin_send().as_ptr();
        assert_eq!(o.begin_send(), b"", "one send at a time");
        assert!(o.push(b"ef"));
        // Appending past the end is fine; compacting would move the bytes the kernel reads.
        assert_eq!(o.room(), 2);
        assert!(!o.push(b"ghi"));
        o.end_send(3);
        assert_eq!(o.pending(), b"def");
        assert!(o.push(b"ghijk"));
        assert_eq!(o.pending(), b"defghijk");
        let _ = sent;
    }

    #[test]
    fn a_full_inbox_doubles_up_to_its_bound_and_no_further() {
        let mut i = InBuf::growable(4, 16);
        i.spare().copy_from_slice(b"abcd");
        i.commit(4);
        assert!(!i.is_full(), "full below its bound is room to grow");
        assert_eq!(i.spare().len(), 4, "doubled to 8");
        assert_eq!(i.capacity(), 8);
        i.commit(4);
        assert_eq!(i.spare().len(), 8);
        i.commit(8);
        assert!(i.is_full());
        assert!(i.spare().is_empty());
        assert_eq!(i.capacity(), 16);
        assert_eq!(&i.data()[..4], b"abcd");
        // Consuming makes room again without growing.
        i.consume(5);
        assert_eq!(i.spare().len(), 5);
        assert_eq!(i.capacity(), 16);
    }

    #[test]
    fn a_fixed_inbox_never_grows() {
        let mut i = InBuf::with_capacity(4);
        let n = i.spare().len();
        i.commit(n);
        assert!(i.is_full());
        assert!(i.spare().is_empty());
        assert_eq!(i.capacity(), 4);
    }

    #[test]
    fn room_handed_to_the_kernel_never_moves() {
        let mut i = InBuf::growable(8, 64);
        i.spare()[..3].copy_from_slice(b"abc");
        i.commit(3);
        let room = i.begin_recv(usize::MAX);
        assert_eq!(room.len(), 5);
        room[..2].copy_from_slice(b"de");
        let at = room.as_ptr();
        assert!(i.begin_recv(usize::MAX).is_empty(), "one receive at a time");
        assert!(i.spare().is_empty(), "no compaction or growth while the kernel writes");
        // The caller consumes everything it has: the front moves, the room does not.
        i.consume(3);
        assert!(i.is_empty());
        assert!(!i.end_recv(2), "2 of 5 bytes did not fill the room");
        assert_eq!(i.data(), b"de");
        assert_eq!(i.data().as_ptr(), at, "the received bytes are where the kernel wrote them");
        let room = i.begin_recv(usize::MAX);
        let n = room.len();
        assert!(i.end_recv(n), "a receive that fills its room says so");
    }

    proptest! {
        /// Completion-style sends of any size deliver every byte in order, with pushes landing
        /// while a send is in flight.
        #[test]
        fn completion_sends_deliver_every_byte_in_order(
            msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..50), 1..40),
            takes in proptest::collection::vec(1usize..64, 1..200),
        ) {
            let mut o = OutBuf::with_capacity(128);
            let mut sent = Vec::new();
            let mut queued = Vec::new();
            let mut t = takes.iter().cycle();
            let mut pending_msgs = msgs.iter();
            let mut next = pending_msgs.next();
            while next.is_some() || !o.is_empty() {
                let flight = o.begin_send().to_vec();
                if let Some(m) = next
                    && o.push(m)
                {
                    queued.extend_from_slice(m);
                    next = pending_msgs.next();
                }
                let n = (*t.next().unwrap()).min(flight.len());
                sent.extend_from_slice(&flight[..n]);
                o.end_send(n);
            }
            prop_assert_eq!(sent, queued);
        }

        /// Whatever sizes the kernel accepts, the bytes written are the bytes queued, in order.
        #[test]
        fn short_writes_deliver_every_byte_in_order(
            msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..50), 1..40),
            writes in proptest::collection::vec(1usize..64, 1..200),
        ) {
            let mut o = OutBuf::with_capacity(128);
            let mut sent = Vec::new();
            let mut queued = Vec::new();
            let mut w = writes.iter().cycle();
            let mut pending_msgs = msgs.iter();
            let mut next = pending_msgs.next();
            while next.is_some() || !o.is_empty() {
                if let Some(m) = next
                    && o.push(m)
                {
                    queued.extend_from_slice(m);
                    next = pending_msgs.next();
                }
                let n = (*w.next().unwrap()).min(o.pending().len());
                sent.extend_from_slice(&o.pending()[..n]);
                o.advance(n);
            }
            prop_assert_eq!(sent, queued);
        }

        /// A caller that consumes only whole messages gets every message whole, up to the
        /// bound, however the reads split them.
        #[test]
        fn messages_up_to_the_bound_arrive_whole(
            lens in proptest::collection::vec(1usize..=256, 1..30),
            reads in proptest::collection::vec(1usize..300, 1..100),
        ) {
            let stream: Vec<u8> = lens.iter().enumerate().flat_map(|(k, &n)| std::iter::repeat_n(k as u8, n)).collect();
            let mut i = InBuf::growable(16, 256);
            let (mut fed, mut msg) = (0, 0);
            let mut r = reads.iter().cycle();
            while msg < lens.len() {
                let spare = i.spare();
                prop_assert!(!spare.is_empty() || fed == stream.len(), "stuck with a partial message");
                let n = (*r.next().unwrap()).min(spare.len()).min(stream.len() - fed);
                spare[..n].copy_from_slice(&stream[fed..fed + n]);
                i.commit(n);
                fed += n;
                while msg < lens.len() && i.data().len() >= lens[msg] {
                    prop_assert!(i.data()[..lens[msg]].iter().all(|&b| b == msg as u8));
                    i.consume(lens[msg]);
                    msg += 1;
                }
                prop_assert!(i.capacity() <= 256);
            }
        }

        /// Reads of any size, one byte included, deliver the stream unchanged.
        #[test]
        fn partial_reads_deliver_every_byte_in_order(
            stream in proptest::collection::vec(any::<u8>(), 0..2000),
            reads in proptest::collection::vec(1usize..100, 1..100),
            consume in proptest::collection::vec(0usize..120, 1..100),
        ) {
            let mut i = InBuf::with_capacity(256);
            let mut fed = 0;
            let mut out = Vec::new();
            let mut r = reads.iter().cycle();
            let mut c = consume.iter().cycle();
            while out.len() < stream.len() {
                let spare = i.spare();
                let n = (*r.next().unwrap()).min(spare.len()).min(stream.len() - fed);
                spare[..n].copy_from_slice(&stream[fed..fed + n]);
                i.commit(n);
                fed += n;
                let take = if i.is_full() || fed == stream.len() { i.data().len() } else { (*c.next().unwrap()).min(i.data().len()) };
                out.extend_from_slice(&i.data()[..take]);
                i.consume(take);
            }
            prop_assert_eq!(out, stream);
        }
    }
}
