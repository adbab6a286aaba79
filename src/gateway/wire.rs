//! The gateway's own wire time (`GatewayConfig::wire`): for each request it answers, from the
//! kernel's stamp of the read that brought the request's last byte to the kernel's stamp of
//! the send that carried the last byte of its first report (the ack). Socket to socket, both
//! stamps the kernel's clock: what the gateway and its own kernel path added.
//!
//! Each thread keeps a [`WireTally`] (a histogram made up front, so recording never
//! allocates, and counters), and each connection a fixed ring of answers waiting for their
//! send's stamp ([`Waiting`]). Nothing is shared between threads and nothing is locked per
//! order; the tallies are merged when the gateway stops. A stamp not found is counted in
//! `unstamped`, never guessed or recorded as 0.
//!
//! It owns the bookkeeping only: the transport takes the stamps (`transport::wire`), the
//! worker says which bytes ended a request and which ended its answer.

use crate::metrics::histogram;
use crate::report::json::{GatewaySide, Stats};
use crate::transport::wire::Conn as Stamps;
use hdrhistogram::Histogram;

/// Answers a connection keeps waiting for their send's stamp: the kernel stamps a send as
/// it leaves, and the stamp is read at the next turn, so a few suffice; a burst answered
/// within one turn is at most an inbox of orders (64 KiB, a few hundred).
pub(super) const WAITING: usize = 1024;

/// What the gateway's threads measured, merged when it stops.
#[derive(Debug, Clone)]
pub struct WireTally {
    /// Socket to socket, in ns, one sample per answered request with both stamps.
    pub hist: Histogram<u64>,
    /// Requests (orders, cancels, replaces) answered with a report while measuring.
    pub answered: u64,
    /// Of those, without the stamp of the read that brought the request or of the send
    /// that carried its report (the kernel turns receive stamps on a moment after the first
    /// socket asks; a reply a fault held back; a connection closed before its stamp came).
    pub unstamped: u64,
    /// Of those, with a send stamp not after the receive stamp, or over 60 s: not recorded.
    pub anomalies: u64,
    /// The gateway's backend keeps no kernel stamps: nothing was measured.
    pub unsupported: bool,
}

impl Default for WireTally {
    fn default() -> Self {
        WireTally { hist: histogram(), answered: 0, unstamped: 0, anomalies: 0, unsupported: false }
    }
}

impl WireTally {
    /// Adds another thread's tally.
    pub fn merge(&mut self, other: &WireTally) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.answered += other.answered;
        self.unstamped += other.unstamped;
        self.anomalies += other.anomalies;
        self.unsupported |= other.unsupported;
    }

    /// The result's `gateway` section, for a gateway on `backend`.
    pub fn side(&self, backend: &str) -> GatewaySide {
        GatewaySide {
            wire_ns: (!self.unsupported).then(|| Stats::of(&self.hist)),
            answered: self.answered,
            wire_unstamped: self.unstamped,
            wire_anomalies: self.anomalies,
            wire_unmeasured: self.unsupported.then(|| {
                format!("the gateway's {backend} backend takes no kernel stamps yet; use --gateway-backend syscall")
            }),
        }
    }

    /// One answered request whose stamps were `rx` (received) and `tx` (sent), 0 for one
    /// not found.
    #[inline]
    fn settle(&mut self, rx: u64, tx: u64) {
        if rx == 0 || tx == 0 {
            self.unstamped += 1;
        } else if tx.checked_sub(rx).filter(|&d| d > 0).is_none_or(|d| self.hist.record(d).is_err()) {
            self.anomalies += 1;
        }
    }
}

/// One answer waiting for its stamps: the stream offsets of the request's last byte and of
/// its report's last byte, and the receive stamp once looked up (0: not found).
#[derive(Debug, Clone, Copy, Default)]
struct Answer {
    rx_off: u64,
    rx: u64,
    tx_off: u64,
}

/// A connection's answers waiting for their send's stamp, oldest first, in a fixed ring.
#[derive(Debug)]
pub(super) struct Waiting {
    ring: Box<[Answer]>,
    head: usize,
    len: usize,
    /// The newest this many have not had their receive stamp looked up yet.
    fresh: usize,
}

impl Waiting {
    pub(super) fn with_capacity(n: usize) -> Waiting {
        Waiting { ring: vec![Answer::default(); n.max(1)].into_boxed_slice(), head: 0, len: 0, fresh: 0 }
    }

    /// A request whose last byte was at `rx_off` of the received stream was answered, and
    /// its report's last byte is at `tx_off` of the sent stream (`None`: it was not queued
    /// now, so its send is unknown). A full ring gives its oldest up, counted unstamped.
    #[inline]
    pub(super) fn push(&mut self, rx_off: u64, tx_off: Option<u64>, tally: &mut WireTally) {
        tally.answered += 1;
        let Some(tx_off) = tx_off else {
            tally.unstamped += 1;
            return;
        };
        if self.len == self.ring.len() {
            self.head = (self.head + 1) % self.ring.len();
            self.len -= 1;
            self.fresh = self.fresh.min(self.len);
            tally.unstamped += 1;
        }
        self.ring[(self.head + self.len) % self.ring.len()] = Answer { rx_off, rx: 0, tx_off };
        self.len += 1;
        self.fresh += 1;
    }

    /// Looks up the receive stamps of the answers pushed since the last call: call it before
    /// the transport's next receive, which forgets the stamps of consumed bytes.
    pub(super) fn find_rx(&mut self, stamps: &Stamps) {
        for i in self.len - self.fresh..self.len {
            let a = &mut self.ring[(self.head + i) % self.ring.len()];
            a.rx = stamps.rx.find(a.rx_off).unwrap_or(0);
        }
        self.fresh = 0;
    }

    /// Settles the answers whose send stamp has come (or is known never to come), oldest
    /// first. True while some still wait.
    pub(super) fn settle(&mut self, stamps: &Stamps, tally: &mut WireTally) -> bool {
        while self.len > self.fresh {
            let a = self.ring[self.head];
            let tx = match stamps.tx.find(a.tx_off) {
                Some(tx) => tx,
                // A later send was stamped: this one's stamp was lost or overwritten.
                None if stamps.tx.last().is_some_and(|l| l >= a.tx_off) => 0,
                None => break,
            };
            tally.settle(a.rx, tx);
            self.head = (self.head + 1) % self.ring.len();
            self.len -= 1;
        }
        self.len > 0
    }

    /// Whether answers wait for their stamps.
    pub(super) fn waits(&self) -> bool {
        self.len > 0
    }

    /// The connection is gone: what still waits is counted unstamped.
    pub(super) fn abandon(&mut self, tally: &mut WireTally) {
        tally.unstamped += self.len as u64;
        (self.head, self.len, self.fresh) = (0, 0, 0);
    }
}

/// With `wire`: where the requests of one turn's input sit in the received stream, and
/// where their answers wait for their stamps.
pub(super) struct Marks<'c, 's> {
    /// The input's address and length: each request is a range of it.
    pub(super) base: usize,
    pub(super) len: usize,
    /// Bytes of the stream consumed before the input.
    pub(super) consumed: u64,
    pub(super) waiting: &'c mut Waiting,
    pub(super) tally: &'s mut WireTally,
}

impl Marks<'_, '_> {
    /// The request `raw` was answered, and the first report's bytes (if queued now) end
    /// the out-buffer's `pushed` bytes.
    #[inline]
    pub(super) fn answered(&mut self, raw: &[u8], pushed: Option<u64>) {
        let end = (raw.as_ptr() as usize).checked_sub(self.base).map(|at| at + raw.len()).filter(|&e| e <= self.len);
        // A request from elsewhere than the input (none is) has no stamp to find.
        let rx_off = end.map_or(u64::MAX, |e| self.consumed + e.saturating_sub(1) as u64);
        self.waiting.push(rx_off, pushed.and_then(|p| p.checked_sub(1)), self.tally);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection that received 3 requests of 100 bytes in reads of 100, 200 bytes.
    fn stamps() -> Stamps {
        let mut s = Stamps::default();
        s.on_read(100, Some(1_000));
        s.on_read(200, Some(2_000));
        s
    }

    #[test]
    fn an_answer_runs_from_its_requests_read_to_its_reports_send() {
        let (mut s, mut t) = (stamps(), WireTally::default());
        let mut w = Waiting::with_capacity(8);
        w.push(99, Some(249), &mut t);
        w.push(199, Some(499), &mut t);
        w.find_rx(&s);
        assert!(w.settle(&s, &mut t), "nothing sent yet: both wait");
        s.written = 250;
        s.on_tx(249, 1_500);
        assert!(w.settle(&s, &mut t), "the second still waits for its send");
        assert_eq!((t.hist.len(), t.hist.max()), (1, 500));
        s.written = 500;
        s.on_tx(499, 2_700);
        assert!(!w.settle(&s, &mut t));
        assert_eq!((t.answered, t.hist.len(), t.unstamped, t.anomalies), (2, 2, 0, 0));
        assert!(t.hist.equivalent(t.hist.max(), 700));
    }

    #[test]
    fn a_missing_stamp_is_counted_never_recorded() {
        let mut s = Stamps::default();
        s.on_read(100, None);
        s.on_read(100, Some(2_000));
        // Keeps one send stamp: the first is overwritten by the second.
        s.tx = crate::transport::wire::Stamps::with_capacity(1);
        let mut t = WireTally::default();
        let mut w = Waiting::with_capacity(8);
        w.push(199, Some(299), &mut t); // stamped as sent before it was received: out of order
        w.push(199, Some(99), &mut t); // its send's stamp was overwritten before it was read
        w.push(99, Some(399), &mut t); // its read came without a stamp
        w.push(199, None, &mut t); // a fault held its report back
        w.find_rx(&s);
        s.written = 400;
        s.on_tx(99, 1_500);
        s.on_tx(299, 1_900);
        assert!(w.settle(&s, &mut t), "the third waits for its send");
        s.on_tx(399, 3_000);
        assert!(!w.settle(&s, &mut t));
        assert_eq!((t.answered, t.hist.len(), t.unstamped, t.anomalies), (4, 0, 3, 1));
    }

    #[test]
    fn a_full_ring_and_a_closed_connection_count_what_waited() {
        let (s, mut t) = (stamps(), WireTally::default());
        let mut w = Waiting::with_capacity(2);
        for i in 0..3 {
            w.push(99, Some(i), &mut t);
        }
        assert_eq!((t.answered, t.unstamped), (3, 1), "the oldest was given up");
        w.find_rx(&s);
        w.abandon(&mut t);
        assert!(!w.settle(&s, &mut t));
        assert_eq!((t.answered, t.unstamped, t.hist.len()), (3, 3, 0));
        let mut all = WireTally::default();
        all.merge(&t);
        all.merge(&WireTally { unsupported: true, ..WireTally::default() });
        assert_eq!((all.answered, all.unstamped, all.unsupported), (3, 3, true));
    }
}
