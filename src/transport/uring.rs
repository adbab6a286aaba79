//! The io_uring backend: completion-based, at most one `io_uring_enter` for receiving and one
//! for sending per loop, and none at all when nothing happened.
//!
//! # Design (measured in bench/README.md)
//!
//! - One **multishot receive** per connection, fed from a **provided-buffer ring**: an idle
//!   connection costs nothing per loop (the syscall backend pays a `read` for each), and a
//!   completion appears only for a socket that has data.
//! - **`DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG`**: the work of completing a receive runs
//!   in this thread, only when it calls `io_uring_enter` with GETEVENTS, and the kernel raises
//!   a flag in shared memory when such work is waiting. The busy loop reads that flag and
//!   enters the kernel only when there is something to submit or to collect: an idle loop
//!   makes no syscall.
//! - **Fixed files**: sockets are registered, so no fd lookup per operation.
//! - Sends go out from the connection's [`OutBuf`] with one send per connection in flight;
//!   its bytes stay put until the completion (see [`OutBuf::begin_send`]). Short sends leave
//!   the rest queued.
//! - A full submission queue is submitted and the push retried: never a growing backlog.
//!
//! This is the only file with `unsafe`: pushing an entry hands the kernel a pointer, and each
//! push says which buffer it is and what keeps it alive until the completion.
#![allow(unsafe_code)]

use super::token::{self, Op};
use super::{Closed, ConnId, InBuf, OutBuf, Transport, TransportConfig, UringRecv, prepare};
use io_uring::types::{BufRingEntry, Fixed};
use io_uring::{EnterFlags, IoUring, Probe, cqueue, opcode, squeue};
use std::alloc::Layout;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// Provided-buffer group id (one group per ring).
const BGID: u16 = 0;
/// Size of each provided receive buffer.
const RECV_BUF: u32 = 4096;

/// Why io_uring cannot be used here, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("io_uring disabled by the FIXBLAST_NO_URING environment variable")]
    ForcedOff,
    /// The ring could not be set up; the text says what the errno means here (a sysctl, a
    /// seccomp policy, an old kernel).
    #[error("{0}")]
    Setup(String),
    #[error("io_uring NAPI busy polling is unavailable (needs Linux 6.9+): {0}")]
    Napi(io::Error),
    #[error("io_uring probe failed: {0}")]
    Probe(io::Error),
    #[error("this kernel's io_uring lacks the {0} opcode")]
    Opcode(&'static str),
    #[error("io_uring cannot register files here: {0}")]
    Files(io::Error),
    #[error("this kernel's io_uring has no provided-buffer rings (needs Linux 5.19+): {0}")]
    BufRing(io::Error),
}

/// Checks the setup flags and every opcode and registration this backend uses, on a tiny ring.
pub fn probe() -> Result<(), ProbeError> {
    probe_with(&TransportConfig::for_conns(1))
}

/// [`probe`] for a configuration's ring options (SQPOLL, NAPI).
pub fn probe_with(cfg: &TransportConfig) -> Result<(), ProbeError> {
    if std::env::var_os("FIXBLAST_NO_URING").is_some() {
        return Err(ProbeError::ForcedOff);
    }
    let ring = builder(cfg).build(8).map_err(|e| ProbeError::Setup(setup_error(&e, cfg)))?;
    if let Some(us) = cfg.uring_napi_us {
        let mut napi = io_uring::types::Napi::new().set_busy_poll_timeout(us).set_prefer_busy_poll(true);
        ring.submitter().register_napi(&mut napi).map_err(ProbeError::Napi)?;
    }
    let mut p = Probe::new();
    ring.submitter().register_probe(&mut p).map_err(ProbeError::Probe)?;
    for (code, name) in
        [(opcode::RecvMulti::CODE, "RECV"), (opcode::Send::CODE, "SEND"), (opcode::AsyncCancel::CODE, "ASYNC_CANCEL")]
    {
        if !p.is_supported(code) {
            return Err(ProbeError::Opcode(name));
        }
    }
    ring.submitter().register_files_sparse(1).map_err(ProbeError::Files)?;
    let bufs = BufRing::new(4, 64);
    // SAFETY: `bufs` is page-aligned, zeroed, 4 entries long and outlives the registration,
    // which is removed just below.
    unsafe { ring.submitter().register_buf_ring_with_flags(bufs.ring as u64, 4, BGID, 0) }
        .map_err(ProbeError::BufRing)?;
    let _ = ring.submitter().unregister_buf_ring(BGID);
    Ok(())
}

fn builder(cfg: &TransportConfig) -> io_uring::Builder {
    let mut b = IoUring::builder();
    b.setup_single_issuer();
    match cfg.uring_sqpoll {
        // The SQ thread is the issuer: deferred task work (ours to run) does not apply.
        Some(cpu) => {
            b.setup_sqpoll(1000).setup_sqpoll_cpu(cpu);
        }
        None => {
            b.setup_defer_taskrun().setup_taskrun_flag().setup_coop_taskrun();
        }
    }
    b
}

fn setup_error(e: &io::Error, cfg: &TransportConfig) -> String {
    if cfg.uring_sqpoll.is_some() && e.raw_os_error() == Some(libc::EINVAL) {
        return format!("io_uring SQPOLL on core {} was refused: {e}", cfg.uring_sqpoll.unwrap_or(0));
    }
    let sysctl = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled").ok();
    match (e.raw_os_error(), sysctl.as_deref().map(str::trim)) {
        (Some(libc::EPERM), Some("2")) => "io_uring is disabled by sysctl kernel.io_uring_disabled=2".into(),
        (Some(libc::EPERM), Some("1")) => {
            "io_uring is restricted by sysctl kernel.io_uring_disabled=1 to members of kernel.io_uring_group".into()
        }
        (Some(libc::EPERM), _) => "io_uring is not permitted here (a seccomp filter or container policy)".into(),
        (Some(libc::ENOSYS), _) => "this kernel has no io_uring".into(),
        (Some(libc::EINVAL), _) => "this kernel lacks io_uring DEFER_TASKRUN (needs Linux 6.1+)".into(),
        _ => format!("io_uring_setup failed: {e}"),
    }
}

/// What the result file records about the ring.
pub fn describe(cfg: &TransportConfig) -> String {
    let (entries, _) = buf_ring_shape(cfg);
    let recv = match cfg.uring_recv {
        UringRecv::Multishot => "multishot recv",
        UringRecv::Poll => "MSG_DONTWAIT recv per loop",
    };
    let setup = match cfg.uring_sqpoll {
        Some(cpu) => format!("SQPOLL on core {cpu}|SINGLE_ISSUER"),
        None => "DEFER_TASKRUN|SINGLE_ISSUER|TASKRUN_FLAG".into(),
    };
    let napi = cfg.uring_napi_us.map_or(String::new(), |us| format!(", NAPI busy poll {us}us"));
    format!("{recv}, {entries}x{}KiB provided buffers, fixed files, {setup}{napi}", RECV_BUF / 1024)
}

fn buf_ring_shape(cfg: &TransportConfig) -> (u16, u32) {
    let entries = (cfg.max_conns * 4).clamp(16, 1024).next_power_of_two() as u16;
    (entries, RECV_BUF)
}

/// A provided-buffer ring: the ring of descriptors the kernel picks from (page-aligned) and
/// the buffers they point at.
struct BufRing {
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

    fn get(&self, bid: u16, len: usize) -> &[u8] {
        let start = bid as usize * self.size as usize;
        &self.data[start..start + len.min(self.size as usize)]
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the ring is unregistered (or the io_uring
        // closed with no operation in flight) before this drops.
        unsafe { std::alloc::dealloc(self.ring as *mut u8, self.layout) }
    }
}

struct Conn {
    stream: TcpStream,
    out: OutBuf,
    inbox: InBuf,
    closed: Option<Closed>,
    /// A multishot receive is armed (its final completion has not arrived).
    recv_armed: bool,
    cancel_sent: bool,
    /// The caller gave the slot back: reusable once no operation on it is in flight.
    released: bool,
    /// Received buffers that did not fit in `inbox` yet: (buffer id, length), kept from the
    /// kernel until the caller consumes (backpressure, as the syscall backend's unread socket).
    parked: VecDeque<(u16, usize)>,
}

impl Conn {
    fn idle(&self) -> bool {
        !self.recv_armed && !self.out.is_sending() && self.parked.is_empty()
    }
}

/// The io_uring transport. What each call does in the kernel:
///
/// - [`recv`](Transport::recv) first collects the completions already in the completion
///   queue (shared memory, no syscall). Then, with `--uring-recv poll`, it makes one
///   `io_uring_enter` that submits a `MSG_DONTWAIT` receive for every open connection with
///   room; the kernel performs each at once, inside that call (data or `EAGAIN`, no poll
///   waiter). With `--uring-recv multishot`, it enters the kernel only when a receive must be
///   (re-)armed or the kernel flagged deferred receive work (`IORING_SQ_TASKRUN`, meaning
///   data arrived): that `io_uring_enter` carries GETEVENTS, and the receives run inside it.
///   An idle loop makes no syscall. Either way it then collects the completions and copies
///   the bytes into the inboxes. It never waits for a completion.
/// - [`send`](Transport::send) queues one send per open connection with queued bytes and no
///   send in flight, then makes one `io_uring_enter` that only submits (no GETEVENTS: no
///   receive work runs inside it). The kernel performs each send inside that call when the
///   socket has room. It does not look at the completion queue: the next `recv` collects the
///   send completions, and until then those bytes stay in flight (new bytes append behind
///   them). No syscall when nothing is queued.
/// - With SQPOLL, the kernel thread does the submitting: neither call makes a syscall unless
///   that thread is asleep, and completions arrive whenever it gets to them.
pub struct UringTransport {
    // Field order is drop order: the ring goes first, after `Drop` has drained it.
    ring: IoUring,
    /// Freed by `Drop` only when no operation is in flight; leaked otherwise.
    bufs: ManuallyDrop<BufRing>,
    conns: Vec<Conn>,
    cfg: TransportConfig,
    /// Submitted operations whose final completion has not arrived.
    in_flight: u32,
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

    /// Queues a receive for each open connection that has none armed and room for it, and a
    /// cancel for each closed connection whose receive is still armed.
    fn queue_receives(&mut self) -> io::Result<()> {
        for i in 0..self.conns.len() {
            let c = &mut self.conns[i];
            let fd = Fixed(i as u32);
            if c.closed.is_some() {
                if c.recv_armed && !c.cancel_sent {
                    c.cancel_sent = true;
                    let e = opcode::AsyncCancel::new(token::encode(i as u32, Op::Recv))
                        .build()
                        .user_data(token::encode(i as u32, Op::Cancel));
                    // SAFETY: a cancel points at no buffer.
                    unsafe { self.push(&e)? };
                }
                continue;
            }
            // Receive only with room for what may arrive: the rest waits in the socket.
            let room = c.parked.is_empty() && c.inbox.spare().len() >= RECV_BUF as usize;
            if !c.recv_armed && room {
                c.recv_armed = true;
                let e = match self.cfg.uring_recv {
                    UringRecv::Multishot => opcode::RecvMulti::new(fd, BGID).build(),
                    // MSG_DONTWAIT: the kernel answers at once (data or EAGAIN) and arms no poll.
                    UringRecv::Poll => opcode::Recv::new(fd, std::ptr::null_mut(), RECV_BUF)
                        .buf_group(BGID)
                        .flags(libc::MSG_DONTWAIT)
                        .build()
                        .flags(squeue::Flags::BUFFER_SELECT),
                }
                .user_data(token::encode(i as u32, Op::Recv));
                // SAFETY: the receive writes into provided buffers owned by `self.bufs`, which
                // lives as long as the ring (Drop frees it only with nothing in flight).
                if let Err(err) = unsafe { self.push(&e) } {
                    self.conns[i].recv_armed = false;
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// Queues one send per open connection with bytes queued and no send in flight. Returns
    /// how many.
    fn queue_sends(&mut self) -> io::Result<usize> {
        let mut queued = 0;
        for i in 0..self.conns.len() {
            let c = &mut self.conns[i];
            if c.closed.is_some() || c.out.is_sending() || c.out.is_empty() {
                continue;
            }
            let b = c.out.begin_send();
            let e = opcode::Send::new(Fixed(i as u32), b.as_ptr(), b.len() as u32)
                .build()
                .user_data(token::encode(i as u32, Op::Send));
            // SAFETY: `b` is the front of this connection's OutBuf, a boxed slice owned by
            // `self.conns[i]`; `begin_send` pins those bytes (no compaction, no reuse, no
            // clear) until `end_send` on this send's completion, and Drop leaks them if that
            // completion never comes.
            if let Err(err) = unsafe { self.push(&e) } {
                self.conns[i].out.end_send(0);
                return Err(err);
            }
            queued += 1;
        }
        Ok(queued)
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

    /// The ring itself failed: every connection is lost, and says why.
    fn fail(&mut self, e: &io::Error) {
        for c in self.conns.iter_mut().filter(|c| c.closed.is_none()) {
            c.closed = Some(Closed::Error(e.kind()));
        }
    }

    /// Handles every completion waiting. Returns true when bytes moved.
    fn reap(&mut self) -> bool {
        let mut moved = false;
        let mut returned = false;
        let UringTransport { ring, bufs, conns, in_flight, .. } = self;
        for cqe in ring.completion() {
            let (i, op) = token::decode(cqe.user_data());
            let res = cqe.result();
            let flags = cqe.flags();
            let Some(c) = conns.get_mut(i as usize) else { continue };
            match op {
                Some(Op::Recv) => {
                    if !cqueue::more(flags) {
                        c.recv_armed = false;
                        *in_flight -= 1;
                    }
                    if let Some(bid) = cqueue::buffer_select(flags) {
                        if res > 0 {
                            // Keep order: behind anything already parked.
                            c.parked.push_back((bid, res as usize));
                        } else {
                            bufs.give(bid);
                            returned = true;
                        }
                    }
                    match res {
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
                        moved |= res > 0;
                    } else {
                        c.out.end_send(0);
                        if -res != libc::EAGAIN && -res != libc::EINTR && c.closed.is_none() {
                            c.closed = Some(Closed::Error(io::Error::from_raw_os_error(-res).kind()));
                        }
                    }
                }
                Some(Op::Cancel) | None => *in_flight -= 1,
            }
        }
        // Move parked data into the inboxes as room allows, returning each buffer after.
        for c in conns.iter_mut() {
            while let Some(&(bid, len)) = c.parked.front() {
                let spare = c.inbox.spare();
                if spare.len() < len {
                    break;
                }
                spare[..len].copy_from_slice(bufs.get(bid, len));
                c.inbox.commit(len);
                c.parked.pop_front();
                bufs.give(bid);
                returned = true;
                moved = true;
            }
        }
        if returned {
            bufs.publish();
        }
        moved
    }

    /// [`recv`](Transport::recv) with its errors: collect, queue receives, enter the kernel
    /// only if there is something to submit or collect, collect again.
    fn receive(&mut self) -> io::Result<bool> {
        // Completions already posted (last call's sends) cost nothing to collect.
        let mut arrived = self.reap();
        self.queue_receives()?;
        let sq = self.ring.submission();
        let need_enter = !sq.is_empty() || sq.taskrun() || sq.cq_overflow();
        drop(sq);
        if need_enter {
            // Adds GETEVENTS (running the deferred work) when the kernel flagged some.
            self.ring.submit()?;
        }
        arrived |= self.reap();
        Ok(arrived)
    }
}

impl Transport for UringTransport {
    const NAME: &'static str = "uring";

    fn new(cfg: TransportConfig) -> io::Result<Self> {
        let (entries, size) = buf_ring_shape(&cfg);
        let sq = (cfg.max_conns as u32 * 2 + 8).next_power_of_two().min(4096);
        let ring = builder(&cfg).setup_cqsize(sq * 4).build(sq).map_err(|e| io::Error::other(setup_error(&e, &cfg)))?;
        ring.submitter().register_files_sparse(cfg.max_conns as u32)?;
        if let Some(us) = cfg.uring_napi_us {
            let mut napi = io_uring::types::Napi::new().set_busy_poll_timeout(us).set_prefer_busy_poll(true);
            ring.submitter().register_napi(&mut napi)?;
        }
        let bufs = BufRing::new(entries, size);
        // SAFETY: `bufs` is page-aligned and owned by the transport alongside the ring; Drop
        // drains every operation before either is freed.
        unsafe { ring.submitter().register_buf_ring_with_flags(bufs.ring as u64, entries, BGID, 0)? };
        Ok(UringTransport { ring, bufs: ManuallyDrop::new(bufs), conns: Vec::new(), cfg, in_flight: 0 })
    }

    fn add(&mut self, stream: TcpStream) -> io::Result<ConnId> {
        prepare(&stream)?;
        // Reuse a released slot whose operations have all completed, else take a new one.
        let reuse = self.conns.iter().position(|c| c.released && c.idle());
        let i = reuse.unwrap_or(self.conns.len());
        if reuse.is_none() && i >= self.cfg.max_conns {
            return Err(io::Error::other(format!("more than {} connections on one io_uring", self.cfg.max_conns)));
        }
        self.ring.submitter().register_files_update(i as u32, &[stream.as_raw_fd()])?;
        let c = Conn {
            stream,
            out: OutBuf::with_capacity(self.cfg.send),
            inbox: InBuf::with_capacity(self.cfg.recv),
            closed: None,
            recv_armed: false,
            cancel_sent: false,
            released: false,
            parked: VecDeque::with_capacity(64),
        };
        match reuse {
            Some(i) => self.conns[i] = c,
            None => self.conns.push(c),
        }
        Ok(i)
    }

    #[inline]
    fn out(&mut self, conn: ConnId) -> &mut OutBuf {
        &mut self.conns[conn].out
    }

    #[inline]
    fn inbox(&mut self, conn: ConnId) -> &mut InBuf {
        &mut self.conns[conn].inbox
    }

    #[inline]
    fn bufs(&mut self, conn: ConnId) -> (&mut InBuf, &mut OutBuf) {
        let c = &mut self.conns[conn];
        (&mut c.inbox, &mut c.out)
    }

    fn recv(&mut self) -> bool {
        match self.receive() {
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
            if !c.out.is_sending() && !c.out.is_empty() {
                let _ = (&c.stream).write(c.out.pending());
            }
            c.closed = Some(Closed::Local);
        }
        // Shutting down completes the armed receive; the cancel in the next poll covers the rest.
        let _ = c.stream.shutdown(Shutdown::Both);
        self.poll();
    }

    fn release(&mut self, conn: ConnId) {
        self.close(conn);
        let c = &mut self.conns[conn];
        c.released = true;
        // Data nobody will read: give its buffers back to the kernel.
        while let Some((bid, _)) = c.parked.pop_front() {
            self.bufs.give(bid);
        }
        self.bufs.publish();
    }
}

impl Drop for UringTransport {
    /// Cancels and drains every operation, so no buffer is freed while the kernel may use it.
    fn drop(&mut self) {
        for c in &mut self.conns {
            if c.closed.is_none() {
                c.closed = Some(Closed::Local);
            }
            let _ = c.stream.shutdown(Shutdown::Both);
        }
        // Bounded and non-blocking: a completion that never comes cannot hang the thread.
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.in_flight > 0 && Instant::now() < deadline {
            if self.queue_receives().is_err() || self.ring.submit().is_err() {
                break;
            }
            self.reap();
            std::thread::sleep(Duration::from_micros(100));
        }
        if self.in_flight > 0 {
            // The kernel may still write into these buffers or read the send buffers: leak
            // them rather than free memory it can touch.
            eprintln!("io_uring: {} operations did not complete; leaking their buffers", self.in_flight);
            std::mem::forget(std::mem::take(&mut self.conns));
            return;
        }
        let _ = self.ring.submitter().unregister_buf_ring(BGID);
        // SAFETY: no operation is in flight and the ring is unregistered: nothing else refers
        // to the buffers, and this is the only drop.
        unsafe { ManuallyDrop::drop(&mut self.bufs) };
    }
}
