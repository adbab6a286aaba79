//! The bytes in flight on one connection: what is queued to send ([`OutBuf`]) and what has
//! been received but not yet consumed ([`InBuf`]). Both have a fixed capacity chosen up front
//! and never grow, and both backends use them, so short writes and partial reads are handled
//! in one tested place.

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
}

impl OutBuf {
    pub fn with_capacity(cap: usize) -> OutBuf {
        OutBuf { buf: vec![0u8; cap].into_boxed_slice(), start: 0, end: 0, in_flight: 0 }
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
    }
}

/// Bytes received and not yet consumed. The transport reads into [`spare`](InBuf::spare);
/// the caller frames messages from [`data`](InBuf::data) and consumes whole ones, leaving a
/// partial message at the front for the next read to complete.
#[derive(Debug)]
pub struct InBuf {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl InBuf {
    pub fn with_capacity(cap: usize) -> InBuf {
        InBuf { buf: vec![0u8; cap].into_boxed_slice(), start: 0, end: 0 }
    }

    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Room to read into. Moves a leftover partial message to the front first when the tail
    /// is running short. Empty only when the buffer is full of unconsumed bytes.
    #[inline]
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 && self.buf.len() - self.end < self.buf.len() / 2 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of [`spare`](InBuf::spare) as received.
    #[inline]
    pub fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Drops `n` bytes from the front.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// True when the buffer is full and nothing can be read until the caller consumes.
    pub fn is_full(&self) -> bool {
        self.start == 0 && self.end == self.buf.len()
    }

    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
