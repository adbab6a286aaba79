//! Collecting completions: what the kernel did with each receive and send, moved into the
//! connections' buffers and lists. Shared memory only, no syscall.
#![forbid(unsafe_code)]

use super::MAX_ROUNDS;
use super::UringTransport;
use super::conn::Parked;
use super::token::{self, Op};
use crate::transport::buf::{InBuf, OutBuf};
use crate::transport::list::ConnList;
use crate::transport::{Closed, ConnId, UringRecv, wire};
use io_uring::cqueue;
use io_uring::types::RecvMsgOut;
use std::collections::VecDeque;
use std::io;

impl UringTransport {
    /// Collects every completion in the queue and moves received bytes into the inboxes,
    /// calling `after(conn)` for each connection whose inbox got bytes or that closed.
    /// Returns whether any did, and whether a connection has [`more`](super::Conn::more)
    /// waiting in its socket.
    pub(super) fn reap(&mut self, after: &mut impl FnMut(ConnId)) -> (bool, bool) {
        let (mut arrived, mut more, mut returned) = (false, false, false);
        let UringTransport { ring, bufs, conns, in_flight, cfg, arm, parked, stamping, multi_hdr, .. } = self;
        for cqe in ring.completion() {
            let (i, op) = token::decode(cqe.user_data());
            let res = cqe.result();
            let flags = cqe.flags();
            let Some(c) = conns.get_mut(i as usize) else { continue };
            let was_open = c.closed.is_none();
            let mut got = false;
            // The bytes a receive brought (multishot with stamps: behind a header).
            let mut n = res;
            match op {
                Some(Op::Recv) => {
                    let last = !cqueue::more(flags);
                    if last {
                        c.recv_armed = false;
                        // A later receive (after a spill drained) may be cancelled again.
                        c.cancel_sent = false;
                        *in_flight -= 1;
                    }
                    match cfg.uring_recv {
                        UringRecv::Poll => {
                            // The bytes are already in the inbox, where the kernel wrote them.
                            c.backlog |= c.inbox.end_recv(res.max(0) as usize);
                            if let Some(w) = c.wire.as_mut() {
                                // The caller is done with the consumed bytes' stamps (as the
                                // syscall backend forgets them before its read).
                                w.rx.forget_before(c.inbox.consumed());
                                w.on_read(res.max(0) as usize, c.msg.as_ref().and_then(|m| m.stamp()));
                            }
                            c.more = c.backlog && res > 0;
                            got = res > 0;
                        }
                        UringRecv::Multishot => {
                            if let (Some(bid), Some(b)) = (cqueue::buffer_select(flags), bufs.as_mut()) {
                                // A released connection's bytes are never read: parked, they
                                // would keep their buffers from every connection on the ring,
                                // and the connection from ever being idle enough to let go of
                                // its socket (its inbox may be full, so they never unpark).
                                let (mut off, mut len) = (0, res.max(0) as u32);
                                if let (Some(h), Some(w), true) = (multi_hdr.as_deref(), c.wire.as_mut(), res > 0) {
                                    // A buffer laid out otherwise than asked loses the connection.
                                    n = -libc::EBADMSG;
                                    if let Some((at, bytes, stamp)) = stamped_piece(&b.get(bid)[..res as usize], h) {
                                        w.rx.forget_before(c.inbox.consumed());
                                        w.on_read(bytes as usize, stamp);
                                        (off, len, n) = (at, at + bytes, bytes as i32);
                                    }
                                }
                                if n > 0 && !c.released {
                                    // Keep order: behind anything already parked.
                                    c.parked.push_back(Parked { bid, off, len });
                                    parked.insert(i as usize);
                                } else {
                                    b.give(bid);
                                    returned = true;
                                }
                            }
                            // Stopped for want of buffers, or with data: re-arm in this call.
                            c.more = last && (res == -libc::ENOBUFS || n > 0);
                            if last {
                                arm.insert(i as usize);
                            }
                        }
                    }
                    more |= c.more;
                    match n {
                        0 if c.closed.is_none() => c.closed = Some(Closed::ByPeer),
                        r if r < 0
                            && ![libc::ENOBUFS, libc::ECANCELED, libc::EAGAIN].contains(&-r)
                            && c.closed.is_none() =>
                        {
                            c.closed = Some(Closed::Error(io::Error::from_raw_os_error(-r).kind()));
                        }
                        _ => {}
                    }
                }
                Some(Op::Send) => {
                    *in_flight -= 1;
                    if res >= 0 {
                        c.out.end_send(res as usize);
                        if let Some(w) = c.wire.as_mut().filter(|_| res > 0) {
                            // Its stamp is due: read by the error-queue read queued behind it,
                            // or by one armed in the next `receive`.
                            w.written += res as u64;
                            if !c.tx_armed {
                                stamping.insert(i as usize);
                            }
                        }
                    } else {
                        c.out.end_send(0);
                        if -res != libc::EAGAIN && -res != libc::EINTR && c.closed.is_none() {
                            c.closed = Some(Closed::Error(io::Error::from_raw_os_error(-res).kind()));
                            // Its receive is cancelled in the next call.
                            arm.insert(i as usize);
                        }
                    }
                }
                Some(Op::TxStamp) => {
                    *in_flight -= 1;
                    (c.tx_armed, c.tx_cancel_sent) = (false, false);
                    if let (Some(w), Some(m)) = (c.wire.as_mut(), c.errq.as_ref()) {
                        // Its send's completion came first: the kernel stamps during the send.
                        if let Some((key, ns)) = m.tx_stamp().filter(|_| res >= 0) {
                            w.on_tx(key, ns);
                        }
                        // A stamp still due (another send's, or one the kernel never gave)
                        // gets another read.
                        if w.tx_due() && c.closed.is_none() {
                            stamping.insert(i as usize);
                        }
                    }
                }
                Some(Op::Cancel) | None => *in_flight -= 1,
            }
            got |= was_open && c.closed.is_some();
            if got {
                after(i as usize);
                arrived = true;
            }
        }
        // Multishot: parked bytes go into the inboxes as room allows (`Conn::unpark`); a
        // connection unparked whole may receive again.
        if let Some(b) = bufs.as_mut() {
            let ids = parked.take();
            parked.keep(ids, |i| {
                let c = &mut conns[i];
                let (copied, gave) = c.unpark(b);
                returned |= gave;
                if copied {
                    after(i);
                    arrived = true;
                }
                // Drained: it may receive again. Spilled past the cap: its receive stops.
                if !c.holds_bytes() || c.over_spill() {
                    arm.insert(i);
                }
                c.holds_bytes()
            });
            if returned {
                b.publish();
            }
        }
        (arrived, more)
    }

    /// The ring itself failed: every connection is lost, and says why.
    pub(super) fn fail(&mut self, e: &io::Error) {
        for (i, c) in self.conns.iter_mut().enumerate().filter(|(_, c)| c.closed.is_none()) {
            c.closed = Some(Closed::Error(e.kind()));
            self.unnamed.insert(i);
        }
    }

    /// [`recv`](Transport::recv) with its errors: collect what is already posted, then
    /// rounds of queue receives, enter the kernel only if there is something to submit or
    /// collect, collect; again while a receive filled its room.
    pub(super) fn receive(&mut self, after: &mut impl FnMut(ConnId)) -> io::Result<bool> {
        // Completions already posted (the last call's sends) cost nothing to collect.
        let (mut arrived, _) = self.reap(after);
        self.let_go();
        self.arm_tx_stamps()?;
        for round in 0..MAX_ROUNDS {
            self.queue_receives(round == 0)?;
            let sq = self.ring.submission();
            let need_enter = !sq.is_empty() || sq.taskrun() || sq.cq_overflow();
            drop(sq);
            if !need_enter {
                break;
            }
            // Adds GETEVENTS (running the deferred receive work) when the kernel flagged some.
            self.ring.submit()?;
            let (got, more) = self.reap(after);
            arrived |= got;
            // Multishot: the kernel requeues a receive that looped long; its data is waiting.
            let sq = self.ring.submission();
            let requeued = got && self.cfg.uring_recv == UringRecv::Multishot && sq.taskrun();
            // Completions the queue had no room for wait in the kernel until the next enter.
            let overflow = sq.cq_overflow();
            drop(sq);
            if !more && !requeued && !overflow {
                break;
            }
        }
        Ok(arrived)
    }

    /// With stamps: an error-queue read for each connection whose TX stamp is still due with
    /// none in flight (a send whose read was not queued behind it, or a read that brought no
    /// stamp or an older one), submitted with this call's receives.
    fn arm_tx_stamps(&mut self) -> io::Result<()> {
        self.each_listed(|t| &mut t.stamping, Self::arm_tx_stamp)
    }

    /// Takes each connection off the list `pick` names and calls `f` for it; after one
    /// fails, that one and the rest stay listed for the next call.
    pub(super) fn each_listed(
        &mut self,
        pick: fn(&mut Self) -> &mut ConnList,
        mut f: impl FnMut(&mut Self, usize) -> io::Result<()>,
    ) -> io::Result<()> {
        let ids = pick(self).take();
        let mut list = std::mem::take(pick(self));
        let mut result = Ok(());
        list.keep(ids, |i| {
            if result.is_err() {
                return true;
            }
            result = f(self, i);
            result.is_err()
        });
        *pick(self) = list;
        result
    }

    /// [`release`](crate::transport::Transport::release) after the close: the slot is
    /// marked released, its parked bytes' buffers go back to the kernel, and its socket
    /// closes once nothing is in flight on it (now, or as the last completion comes in).
    pub(super) fn give_back(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        c.released = true;
        // Data nobody will read: give its buffers back to the kernel.
        if let Some(b) = self.bufs.as_mut() {
            c.spill = Vec::new();
            while let Some(p) = c.parked.pop_front() {
                b.give(p.bid);
            }
            b.publish();
        }
        self.releasing.insert(conn);
        self.let_go();
    }

    /// Closes the socket of each released connection that has nothing in flight any more:
    /// its fixed-file slot is emptied and the descriptor dropped, so a long-running gateway
    /// holds only the sockets it still serves. Until a later `add` reuses the slot.
    pub(super) fn let_go(&mut self) {
        if self.releasing.is_empty() {
            return;
        }
        let ids = self.releasing.take();
        let (conns, ring) = (&mut self.conns, &self.ring);
        self.releasing.keep(ids, |i| {
            let c = &mut conns[i];
            if !c.released || c.stream.is_none() {
                return false;
            }
            if !c.idle() {
                return true;
            }
            let _ = ring.submitter().register_files_update(i as u32, &[-1]);
            c.stream = None;
            // Nothing refers to its buffers any more: give the memory back now rather than
            // when the slot is taken again, so a gateway or a harness that reconnects keeps
            // one set of buffers per live connection, not two.
            c.out = OutBuf::with_capacity(0);
            c.inbox = InBuf::with_capacity(0);
            c.parked = VecDeque::new();
            false
        });
    }

    /// Multishot: the caller may have made room in `conn`'s inbox, so a connection with no
    /// receive armed is looked at again.
    #[inline]
    pub(super) fn room_made(&mut self, conn: ConnId) {
        let c = &self.conns[conn];
        if self.cfg.uring_recv == UringRecv::Multishot && !c.recv_armed && c.closed.is_none() {
            self.arm.insert(conn);
        }
    }
}

/// Multishot with stamps: where a provided buffer's bytes start, how many there are, and
/// the RX stamp among its control messages. `buf` is the part the completion filled, laid
/// out as `hdr` asked (`io_uring_recvmsg_out`, no name, the control messages, the bytes);
/// `None` for one too short for that.
fn stamped_piece(buf: &[u8], hdr: &libc::msghdr) -> Option<(u32, u32, Option<u64>)> {
    let out = RecvMsgOut::parse(buf, hdr).ok()?;
    let at = out.payload_data().as_ptr() as usize - buf.as_ptr() as usize;
    let stamp = if out.is_control_data_truncated() { None } else { wire::rx_stamp(out.control_data()) };
    Some((at as u32, out.payload_data().len() as u32, stamp))
}

#[cfg(test)]
mod tests {
    use crate::transport::uring::{UringTransport, probe};
    use crate::transport::{Transport, TransportConfig, UringRecv};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    /// What descriptor `fd` of this process is, e.g. `socket:[123]`; `None` once closed.
    fn what(fd: i32) -> Option<std::path::PathBuf> {
        std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
    }

    /// Releases a connection (after `fill` has had its way with it) and checks that the
    /// transport lets go of its socket, in both receive modes, with and without stamps.
    fn lets_go(wire: bool, fill: impl Fn(&mut UringTransport, usize)) {
        if probe().is_err() {
            return;
        }
        for mode in [UringRecv::Poll, UringRecv::Multishot] {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let cfg = TransportConfig { uring_recv: mode, wire, ..TransportConfig::for_conns(2) };
            let mut t = UringTransport::new(cfg).unwrap();
            let ours = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            let _peer = l.accept().unwrap();
            let fd = ours.as_raw_fd();
            let socket = what(fd).expect("open");
            let c = t.add(ours).unwrap();
            fill(&mut t, c);
            t.release(c);
            for _ in 0..1000 {
                if t.conns[c].stream.is_none() {
                    break;
                }
                t.poll();
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            assert!(t.conns[c].stream.is_none(), "{mode:?}: still holds its stream");
            assert!(!t.conns[c].tx_armed, "{mode:?}: its stamp read is still in flight");
            // Closed: the descriptor is gone, or now names another file.
            assert_ne!(what(fd), Some(socket), "{mode:?}: the socket is still open");
        }
    }

    #[test]
    fn a_released_connection_lets_go_of_its_socket() {
        lets_go(false, |t, _| {
            t.poll();
        });
    }

    #[test]
    fn a_released_connection_with_a_stamp_read_in_flight_lets_go_of_its_socket() {
        // The peer never reads: once its window is full, what we send waits in our socket,
        // unsent and so unstamped, and the error-queue read behind it stays in flight.
        lets_go(true, |t, c| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            let waiting = |t: &UringTransport| t.conns[c].tx_armed && t.conns[c].wire.as_ref().unwrap().tx_due();
            while !waiting(t) && std::time::Instant::now() < deadline {
                while t.out(c).push(&[b'x'; 1024]) {}
                t.send();
                t.poll();
            }
            assert!(waiting(t), "no stamp read left waiting behind a full window");
        });
    }
}
