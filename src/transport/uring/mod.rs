//! The io_uring backend: completion-based, one `io_uring_enter` for receiving (more only to
//! drain a backlog) and one for sending per loop, and none at all when nothing happened
//! (multishot).
//!
//! # Design (measured in bench/README.md)
//!
//! - Two ways to receive ([`UringRecv`]). **Poll** (the default): each loop, one
//!   `MSG_DONTWAIT` receive per connection straight into all the free room of its
//!   [`InBuf`], which stays put until the completion (`InBuf::begin_recv`); no copy and
//!   no provided buffer. **Multishot**: one receive armed per connection, fed from a
//!   **provided-buffer ring**: an idle connection costs nothing per loop (the syscall backend
//!   pays a `read` for each), and a completion appears only for a socket that has data; the
//!   bytes are copied into the inbox and the buffers given back.
//! - **Receives drain.** A receive that fills all its room (poll) or runs out of provided
//!   buffers (multishot) says the socket holds more: the same `recv` call receives again on
//!   that connection, a full inbox doubling up to
//!   [`recv_max`](super::TransportConfig::recv_max), for at most [`MAX_ROUNDS`] kernel
//!   entries. A backlog after a stall comes in in one call, and a message as long as
//!   `recv_max` completes.
//! - **`DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG`**: the work of completing a receive runs
//!   in this thread, only when it calls `io_uring_enter` with GETEVENTS, and the kernel raises
//!   a flag in shared memory when such work is waiting. The busy loop reads that flag and
//!   enters the kernel only when there is something to submit or to collect: an idle loop
//!   makes no syscall.
//! - **Fixed files**: sockets are registered, so no fd lookup per operation.
//! - Sends go out from the connection's [`OutBuf`] with one send per connection in flight;
//!   its bytes stay put until the completion (see [`OutBuf::begin_send`]). Sends never wait
//!   for room (`MSG_DONTWAIT`): a full socket takes what fits, or nothing, at once, and the
//!   rest stays queued for the next call, as with the syscall backend's `write`.
//! - A full submission queue is submitted and the push retried: never a growing backlog.
//! - With stamps, each send has an error-queue `recvmsg` queued behind it in the same enter,
//!   which brings the send's TX stamp: no syscall of its own.
//!
//! This is the only file with `unsafe`: pushing an entry hands the kernel a pointer, and each
//! push says which buffer it is and what keeps it alive until the completion. Its submodules
//! forbid it: [`probe`] (can io_uring run here, and what the result records of the ring),
//! `conn` (what the transport keeps per connection) and `reap` (collecting completions).
#![allow(unsafe_code)]

mod conn;
mod probe;
mod reap;

use conn::Conn;
pub use probe::{ProbeError, describe, probe, probe_with};
use probe::{buf_ring_shape, builder, setup_error};

use super::list::ConnList;
use super::token::{self, Op};
use super::wire;
use super::{Closed, ConnId, InBuf, OutBuf, Transport, TransportConfig, UringRecv, prepare};
use io_uring::types::{BufRingEntry, Fixed};
use io_uring::{EnterFlags, IoUring, opcode, squeue};
use std::alloc::Layout;
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// Provided-buffer group id (one group per ring).
const BGID: u16 = 0;
/// Size of each provided receive buffer (multishot).
const RECV_BUF: u32 = 4096;
/// The most `io_uring_enter` calls one [`recv`](Transport::recv) makes while receives keep
/// filling their room: enough for a `recv_max` backlog from a 64 KiB inbox (poll: 64 + 64 +
/// 128 + 256 + 512 KiB) or from the provided buffers (multishot: 256 KiB a round).
pub const MAX_ROUNDS: usize = 8;

/// Registers a small provided-buffer ring on `ring` and removes it again: whether this
/// kernel has provided-buffer rings (Linux 5.19+). For the probe.
fn try_buf_ring(ring: &IoUring) -> io::Result<()> {
    let bufs = BufRing::new(4, 64);
    // SAFETY: `bufs` is page-aligned, zeroed, 4 entries long and outlives the registration,
    // which is removed just below, before `bufs` is dropped.
    unsafe { ring.submitter().register_buf_ring_with_flags(bufs.ring as u64, 4, BGID, 0) }?;
    let _ = ring.submitter().unregister_buf_ring(BGID);
    Ok(())
}

/// A provided-buffer ring: the ring of descriptors the kernel picks from (page-aligned) and
/// the buffers they point at.
pub(super) struct BufRing {
    ring: *mut BufRingEntry,
    layout: Layout,
    data: Box<[u8]>,
    entries: u16,
    size: u32,
    tail: u16,
}

impl BufRing {
    fn new(entries: u16, size: u32) -> BufRing {
        let layout = Layout::from_size_align(entries as usize * size_of::<BufRingEntry>(), 4096).expect("valid layout");
        // SAFETY: the layout has a non-zero size.
        let ring = unsafe { std::alloc::alloc_zeroed(layout) } as *mut BufRingEntry;
        assert!(!ring.is_null(), "out of memory for the io_uring buffer ring");
        let mut b = BufRing {
            ring,
            layout,
            data: vec![0u8; entries as usize * size as usize].into_boxed_slice(),
            entries,
            size,
            tail: 0,
        };
        for bid in 0..entries {
            b.give(bid);
        }
        b.publish();
        b
    }

    /// Returns buffer `bid` to the kernel (visible after [`publish`](BufRing::publish)).
    fn give(&mut self, bid: u16) {
        let idx = (self.tail & (self.entries - 1)) as usize;
        let addr = self.data.as_ptr() as u64 + bid as u64 * self.size as u64;
        // SAFETY: `idx < entries`, inside the allocation made in `new`.
        let e = unsafe { &mut *self.ring.add(idx) };
        e.set_addr(addr);
        e.set_len(self.size);
        e.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    fn publish(&self) {
        // SAFETY: the ring base is the first entry; its `resv` field is the shared tail, which
        // the kernel reads. Publishing with release order makes the entries visible first.
        let tail = unsafe { &*(BufRingEntry::tail(self.ring) as *const AtomicU16) };
        tail.store(self.tail, Ordering::Release);
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the ring is unregistered (or the io_uring
        // closed with no operation in flight) before this drops.
        unsafe { std::alloc::dealloc(self.ring as *mut u8, self.layout) }
    }
}

/// The io_uring transport. What each call does in the kernel:
///
/// - [`recv`](Transport::recv) first collects the completions already in the completion
///   queue (shared memory, no syscall): the last `send`'s among them. Then:
///   - `--uring-recv poll`: one `io_uring_enter` submitting a `MSG_DONTWAIT` receive into the
///     inbox's free room for every open connection that has room. The kernel performs each
///     at once, inside that call: the bytes are copied from the socket into the inbox, or the
///     answer is `EAGAIN` (no poll waiter is armed).
///   - `--uring-recv multishot`: an `io_uring_enter` only when a receive must be (re-)armed
///     or the kernel flagged deferred receive work (`IORING_SQ_TASKRUN`: data arrived).
///     Inside it (GETEVENTS) the armed receives copy the socket data into provided buffers;
///     the call then copies those into the inboxes. An idle loop makes no syscall.
///
///   Either enter carries GETEVENTS when the kernel flagged deferred work (an overflowed
///   completion queue), and never waits for anything.
///   Only when a receive filled all its room (a backlog) or ran out of provided buffers does
///   the call enter again for that connection, up to [`MAX_ROUNDS`] entries in all.
/// - [`send`](Transport::send) queues one send per open connection with queued bytes and no
///   send in flight, then makes one `io_uring_enter` that only submits (no GETEVENTS: no
///   receive work runs inside it). The kernel performs each send inside that call: all of it
///   when the socket has room, else what fits (`EAGAIN` when nothing does). It does not look at the completion queue: the next `recv` collects the
///   send completions, and until then those bytes stay in flight (new bytes append behind
///   them). No syscall when nothing is queued.
/// - With SQPOLL, the kernel thread does the submitting: neither call makes a syscall unless
///   that thread is asleep, and completions arrive whenever it gets to them.
pub struct UringTransport {
    // Field order is drop order: the ring goes first, after `Drop` has drained it.
    ring: IoUring,
    /// Multishot's provided buffers (`None` in poll mode, which receives into the inboxes).
    /// Freed by `Drop` only when no operation is in flight; leaked otherwise.
    bufs: ManuallyDrop<Option<BufRing>>,
    conns: Vec<Conn>,
    cfg: TransportConfig,
    /// Submitted operations whose final completion has not arrived.
    in_flight: u32,
    /// Connections with bytes queued (or handed out to queue some), or a send in flight.
    sends: ConnList,
    /// Multishot: connections that may need a receive armed (new, final completion, room
    /// made, bytes unparked) or a cancel (closed).
    arm: ConnList,
    /// Multishot: connections with bytes parked.
    parked: ConnList,
    /// Released connections whose socket is still open, waiting for their last completion.
    releasing: ConnList,
    /// Connections with bytes or a close that no `recv_each` has named yet (brought in by a
    /// plain `recv`, or closed by a failed send or a failed ring).
    unnamed: ConnList,
    /// With stamps: connections with a send's TX stamp due and no error-queue read in flight.
    stamping: ConnList,
    /// Multishot with stamps: the `recvmsg` header every receive is armed with (only its
    /// name and control lengths count); freed by `Drop` only with nothing in flight.
    multi_hdr: Option<Box<libc::msghdr>>,
}

impl UringTransport {
    /// Queues one entry, submitting first when the queue is full.
    ///
    /// # Safety
    /// Every buffer the entry points at must stay valid and unmoved until its final completion.
    unsafe fn push(&mut self, e: &squeue::Entry) -> io::Result<()> {
        loop {
            // SAFETY: forwarded from the caller.
            if unsafe { self.ring.submission().push(e) }.is_ok() {
                self.in_flight += 1;
                return Ok(());
            }
            self.submit_only()?;
        }
    }

    /// Queues a receive for each open connection that has none in flight and room for it,
    /// and a cancel for each closed connection whose receive is still armed. Poll: every
    /// connection when `first`, afterwards only those with [`more`](Conn::more) waiting.
    /// Multishot: the connections listed in `arm`, whatever `first`.
    fn queue_receives(&mut self, first: bool) -> io::Result<()> {
        if self.cfg.uring_recv == UringRecv::Multishot {
            return self.each_listed(|t| &mut t.arm, Self::arm_multishot);
        }
        for i in 0..self.conns.len() {
            let c = &mut self.conns[i];
            let tok = token::encode(i as u32, Op::Recv);
            if c.closed.is_some() {
                self.cancel_receive(i)?;
                continue;
            }
            if c.recv_armed || !(first || c.more) {
                continue;
            }
            c.more = false;
            c.backlog &= !first;
            let room = c.inbox.begin_recv(u32::MAX as usize);
            let (ptr, len) = (room.as_mut_ptr(), room.len() as u32);
            if len == 0 {
                continue;
            }
            c.recv_armed = true;
            // MSG_DONTWAIT: the kernel answers at once (data or EAGAIN), arms no poll. With
            // stamps, a recvmsg: its control messages bring the RX stamp.
            let e = match c.msg.as_mut() {
                Some(m) => {
                    opcode::RecvMsg::new(Fixed(i as u32), m.aim(ptr, len)).flags(libc::MSG_DONTWAIT as u32).build()
                }
                None => opcode::Recv::new(Fixed(i as u32), ptr, len).flags(libc::MSG_DONTWAIT).build(),
            }
            .user_data(tok);
            // SAFETY: `ptr..ptr + len` is the free room of this connection's InBuf, a
            // boxed slice owned by `self.conns[i]`; `begin_recv` pins it (no compaction,
            // growth, reset or clear, and no second receive) until `end_recv` on this
            // receive's completion, and Drop leaks it if that completion never comes. With
            // stamps, the msghdr, iovec and control buffer are `c.msg`, boxed, owned alike,
            // re-aimed only by the next receive (after this completion), leaked alike.
            if let Err(err) = unsafe { self.push(&e) } {
                let c = &mut self.conns[i];
                c.recv_armed = false;
                c.inbox.end_recv(0);
                return Err(err);
            }
        }
        Ok(())
    }

    /// A cancel for connection `i`'s armed receive, once, if it is closed or has spilled
    /// past the cap; and for its error-queue read, once, if it is closed.
    fn cancel_receive(&mut self, i: usize) -> io::Result<()> {
        let c = &mut self.conns[i];
        let recv = (c.closed.is_some() || c.over_spill()) && c.recv_armed && !c.cancel_sent;
        let tx = c.closed.is_some() && c.tx_armed && !c.tx_cancel_sent;
        (c.cancel_sent, c.tx_cancel_sent) = (c.cancel_sent | recv, c.tx_cancel_sent | tx);
        for op in [(Op::Recv, recv), (Op::TxStamp, tx)].into_iter().filter_map(|(op, go)| go.then_some(op)) {
            let e = opcode::AsyncCancel::new(token::encode(i as u32, op));
            let e = e.build().user_data(token::encode(i as u32, Op::Cancel));
            // SAFETY: a cancel points at no buffer.
            unsafe { self.push(&e)? };
        }
        Ok(())
    }

    /// With stamps: an error-queue `recvmsg` on open connection `i` unless one is in flight,
    /// for the next TX stamp. Queued behind a send, it runs in the same enter, right after the
    /// send stamped its bytes; else it completes when a stamp comes. No syscall of its own.
    fn arm_tx_stamp(&mut self, i: usize) -> io::Result<()> {
        let c = &mut self.conns[i];
        let Some(m) = c.errq.as_mut().filter(|_| !c.tx_armed && c.closed.is_none()) else { return Ok(()) };
        let e = opcode::RecvMsg::new(Fixed(i as u32), m.aim(std::ptr::null_mut(), 0))
            .flags(libc::MSG_ERRQUEUE as u32)
            .build()
            .user_data(token::encode(i as u32, Op::TxStamp));
        c.tx_armed = true;
        // SAFETY: the header, its iovec (of no bytes) and its control buffer are `c.errq`,
        // boxed and owned by `self.conns[i]`, re-aimed only by the next read (after this one's
        // completion, `tx_armed`), and leaked by Drop with the connection if it never comes.
        unsafe { self.push(&e) }.inspect_err(|_| self.conns[i].tx_armed = false)
    }

    /// Multishot: arms connection `i`'s receive if it is open, has none armed, nothing
    /// parked and room in its inbox (a caller that stopped consuming stops the receiving:
    /// the rest waits in the socket; making room or unparking lists it again).
    fn arm_multishot(&mut self, i: usize) -> io::Result<()> {
        let c = &mut self.conns[i];
        if c.closed.is_some() || c.over_spill() {
            return self.cancel_receive(i);
        }
        c.more = false;
        if c.recv_armed || c.holds_bytes() || c.inbox.is_full() {
            return Ok(());
        }
        c.recv_armed = true;
        // With stamps, a recvmsg: each buffer holds a header, the control messages, then the bytes.
        let e = match self.multi_hdr.as_deref() {
            Some(h) => opcode::RecvMsgMulti::new(Fixed(i as u32), h, BGID).build(),
            None => opcode::RecvMulti::new(Fixed(i as u32), BGID).build(),
        }
        .user_data(token::encode(i as u32, Op::Recv));
        // SAFETY: the receive writes into provided buffers owned by `self.bufs`, which lives
        // as long as the ring (Drop frees it only with nothing in flight); each buffer is
        // ours again at the completion that names it. The header `multi_hdr` is boxed and
        // kept as long (Drop leaks it with anything in flight).
        if let Err(err) = unsafe { self.push(&e) } {
            self.conns[i].recv_armed = false;
            return Err(err);
        }
        Ok(())
    }

    /// Queues one send per listed connection with bytes queued and no send in flight.
    /// Returns how many. A connection stays listed while bytes wait behind a send in flight.
    fn queue_sends(&mut self) -> io::Result<usize> {
        let mut queued = 0;
        let mut result = Ok(());
        let ids = self.sends.take();
        let mut list = std::mem::take(&mut self.sends);
        list.keep(ids, |i| {
            let c = &mut self.conns[i];
            if c.closed.is_some() || (c.out.is_empty() && !c.out.is_sending()) {
                return false;
            }
            if result.is_err() || c.out.is_sending() {
                return true;
            }
            let b = c.out.begin_send();
            // MSG_DONTWAIT: a full socket takes what fits or answers EAGAIN at once, and the
            // rest goes in the next call, as the syscall backend's write does. Without it the
            // kernel arms a poll and holds the whole out-buffer in flight until a third of
            // the socket's send buffer is free: seconds behind a slow reader, in which the
            // worker can queue no order however much room the socket has made.
            let e = opcode::Send::new(Fixed(i as u32), b.as_ptr(), b.len() as u32)
                .flags(libc::MSG_DONTWAIT)
                .build()
                .user_data(token::encode(i as u32, Op::Send));
            // SAFETY: `b` is the front of this connection's OutBuf, a boxed slice owned by
            // `self.conns[i]`; `begin_send` pins those bytes (no compaction, no reuse, no
            // clear) until `end_send` on this send's completion, and Drop leaks them if that
            // completion never comes.
            if let Err(err) = unsafe { self.push(&e) } {
                self.conns[i].out.end_send(0);
                result = Err(err);
            } else {
                queued += 1;
                // With stamps, its TX stamp is read right behind it, in the same enter.
                result = self.arm_tx_stamp(i);
            }
            true
        });
        self.sends = list;
        result.map(|()| queued)
    }

    /// Submits what is queued with one `io_uring_enter` and nothing else: no GETEVENTS, so
    /// no deferred receive work runs and no completion is waited for. Makes no syscall at all
    /// when nothing is queued, or when an awake SQPOLL thread will pick the entries up.
    fn submit_only(&mut self) -> io::Result<()> {
        let sq = self.ring.submission();
        let queued = sq.len() as u32;
        let mut flags = EnterFlags::empty();
        if self.cfg.uring_sqpoll.is_some() {
            if !sq.need_wakeup() {
                return Ok(());
            }
            flags.insert(EnterFlags::SQ_WAKEUP);
        } else if queued == 0 {
            return Ok(());
        }
        drop(sq);
        // SAFETY: no argument is passed; the entries it submits were pushed with their own
        // buffer guarantees (see each push).
        unsafe { self.ring.submitter().enter::<libc::sigset_t>(queued, 0, flags.bits(), None) }?;
        Ok(())
    }
}

impl Transport for UringTransport {
    const NAME: &'static str = "uring";

    fn new(cfg: TransportConfig) -> io::Result<Self> {
        let sq = (cfg.max_conns as u32 * if cfg.wire { 3 } else { 2 } + 8).next_power_of_two().min(4096);
        // Room for a completion per provided buffer (a multishot round) and then some.
        let cq = (sq * 4).max(buf_ring_shape(&cfg).0 as u32 * 2);
        let ring = builder(&cfg).setup_cqsize(cq).build(sq).map_err(|e| io::Error::other(setup_error(&e, &cfg)))?;
        ring.submitter().register_files_sparse(cfg.max_conns as u32)?;
        if let Some(us) = cfg.uring_napi_us {
            let mut napi = io_uring::types::Napi::new().set_busy_poll_timeout(us).set_prefer_busy_poll(true);
            ring.submitter().register_napi(&mut napi)?;
        }
        let bufs = match cfg.uring_recv {
            UringRecv::Poll => None,
            UringRecv::Multishot => {
                let (entries, size) = buf_ring_shape(&cfg);
                let bufs = BufRing::new(entries, size);
                // SAFETY: `bufs` is page-aligned and owned by the transport alongside the ring;
                // Drop drains every operation before either is freed.
                unsafe { ring.submitter().register_buf_ring_with_flags(bufs.ring as u64, entries, BGID, 0)? };
                Some(bufs)
            }
        };
        Ok(UringTransport {
            ring,
            bufs: ManuallyDrop::new(bufs),
            conns: Vec::new(),
            cfg,
            in_flight: 0,
            sends: ConnList::with_capacity(cfg.max_conns),
            arm: ConnList::with_capacity(cfg.max_conns),
            parked: ConnList::with_capacity(cfg.max_conns),
            releasing: ConnList::with_capacity(cfg.max_conns),
            unnamed: ConnList::with_capacity(cfg.max_conns),
            stamping: ConnList::with_capacity(cfg.max_conns),
            multi_hdr: (cfg.wire && cfg.uring_recv == UringRecv::Multishot).then(|| Box::new(probe::multi_hdr())),
        })
    }

    fn add(&mut self, stream: TcpStream) -> io::Result<ConnId> {
        prepare(&stream)?;
        // Reuse a released slot whose operations have all completed, else take a new one.
        let reuse = self.conns.iter().position(|c| c.released && c.idle());
        let i = reuse.unwrap_or(self.conns.len());
        if reuse.is_none() && i >= self.cfg.max_conns {
            return Err(io::Error::other(format!("more than {} connections on one io_uring", self.cfg.max_conns)));
        }
        if self.cfg.wire {
            // Before any byte is written: stamp keys count from here.
            wire::enable(&stream)?;
        }
        self.ring.submitter().register_files_update(i as u32, &[stream.as_raw_fd()])?;
        let c = Conn::new(stream, &self.cfg);
        match reuse {
            Some(i) => self.conns[i] = c,
            None => self.conns.push(c),
        }
        self.arm.insert(i);
        Ok(i)
    }

    #[inline]
    fn out(&mut self, conn: ConnId) -> &mut OutBuf {
        self.sends.insert(conn);
        &mut self.conns[conn].out
    }

    #[inline]
    fn inbox(&mut self, conn: ConnId) -> &mut InBuf {
        self.room_made(conn);
        &mut self.conns[conn].inbox
    }

    #[inline]
    fn bufs(&mut self, conn: ConnId) -> (&mut InBuf, &mut OutBuf) {
        self.sends.insert(conn);
        self.room_made(conn);
        let c = &mut self.conns[conn];
        (&mut c.inbox, &mut c.out)
    }

    #[inline]
    fn inbox_wire(&mut self, conn: ConnId) -> (&mut InBuf, Option<&wire::Conn>) {
        self.room_made(conn);
        // Only a look: a caller looks after consuming too (the gateway finds its requests'
        // stamps then), so the stamps of consumed bytes go at the next receive (`reap`).
        let c = &mut self.conns[conn];
        (&mut c.inbox, c.wire.as_deref())
    }

    fn recv(&mut self) -> bool {
        // What this brings is named by the next `recv_each`, so no caller misses it.
        let mut unnamed = std::mem::take(&mut self.unnamed);
        let got = self.recv_each(|i| unnamed.insert(i));
        // What the call set aside itself meanwhile (a failed ring or epoll) joins them.
        unnamed.absorb(&mut self.unnamed);
        self.unnamed = unnamed;
        got
    }

    fn recv_each(&mut self, mut after: impl FnMut(ConnId)) -> bool {
        let named = self.unnamed.drain(&mut after);
        named
            | match self.receive(&mut after) {
                Ok(arrived) => arrived,
                Err(e) => {
                    self.fail(&e);
                    true
                }
            }
    }

    fn send(&mut self) -> bool {
        match self.queue_sends().and_then(|n| self.submit_only().map(|()| n > 0)) {
            Ok(sent) => sent,
            Err(e) => {
                self.fail(&e);
                false
            }
        }
    }

    fn closed(&self, conn: ConnId) -> Option<Closed> {
        self.conns[conn].closed
    }

    fn close(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.closed.is_none() {
            // A last plain write of what is queued and not already handed to the kernel.
            if !c.out.is_sending()
                && !c.out.is_empty()
                && let Some(stream) = &c.stream
            {
                let _ = (&*stream).write(c.out.pending());
            }
            c.closed = Some(Closed::Local);
        }
        // Shutting down completes the armed receive; the cancel in the next poll covers the rest.
        if let Some(stream) = &c.stream {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.arm.insert(conn);
        self.poll();
    }

    fn release(&mut self, conn: ConnId) {
        self.close(conn);
        self.give_back(conn);
    }
}

impl Drop for UringTransport {
    /// Cancels and drains every operation, so no buffer is freed while the kernel may use it.
    fn drop(&mut self) {
        for c in &mut self.conns {
            if c.closed.is_none() {
                c.closed = Some(Closed::Local);
            }
            if let Some(stream) = &c.stream {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // Bounded and non-blocking: a completion that never comes cannot hang the thread.
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.in_flight > 0 && Instant::now() < deadline {
            for i in 0..self.conns.len() {
                self.arm.insert(i);
            }
            if self.queue_receives(true).is_err() || self.ring.submit().is_err() {
                break;
            }
            self.reap(&mut |_| {});
            std::thread::sleep(Duration::from_micros(100));
        }
        if self.in_flight > 0 {
            // The kernel may still write into these buffers or read the send buffers: leak
            // them rather than free memory it can touch.
            eprintln!("io_uring: {} operations did not complete; leaking their buffers", self.in_flight);
            std::mem::forget(std::mem::take(&mut self.conns));
            std::mem::forget(self.multi_hdr.take());
            return;
        }
        if self.bufs.is_some() {
            let _ = self.ring.submitter().unregister_buf_ring(BGID);
        }
        // SAFETY: no operation is in flight and the ring is unregistered: nothing else refers
        // to the buffers, and this is the only drop.
        unsafe { ManuallyDrop::drop(&mut self.bufs) };
    }
}
