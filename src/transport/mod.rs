//! Transports move bytes between [`OutBuf`]/[`InBuf`] pairs and TCP sockets, busy-polling,
//! never blocking. They know nothing of FIX.
//!
//! The [`Transport`] trait is shaped for both a readiness backend (plain non-blocking
//! `read`/`write`, [`syscall`]) and a completion backend (io_uring, [`uring`]): the transport
//! owns each connection's buffers, the caller appends to the out-buffer and consumes from the
//! in-buffer, and two calls per loop move the bytes: [`recv`](Transport::recv) brings in what
//! has arrived and [`send`](Transport::send) hands over what is queued. They are separate so
//! that a caller can stamp each at the edge of its I/O (the clock read right before `send()`,
//! and right after `recv()` returns), and so that a waiting reply is never read behind a
//! write. Workers are generic over it (`Worker<T: Transport>`), chosen once at start-up: no
//! dynamic dispatch per message.
//!
//! Each backend keeps its connections' bytes in the shared, tested [`OutBuf`] and [`InBuf`]
//! types, so short writes and partial reads are handled the same way by both.

pub mod buf;
pub mod hwstamp;
pub mod list;
#[cfg(test)]
mod suite;
pub mod syscall;
pub mod token;
pub mod uring;
pub mod wire;

pub use buf::{InBuf, OutBuf};
use std::io;
use std::net::TcpStream;

/// Index of a connection inside its transport.
pub type ConnId = usize;

/// Sizes chosen up front: per-connection buffers and the most connections one transport
/// takes (io_uring sizes its rings and provided buffers from it).
#[derive(Debug, Clone, Copy)]
pub struct TransportConfig {
    /// Each connection's out-buffer, fixed.
    pub send: usize,
    /// Each connection's inbox to start with.
    pub recv: usize,
    /// The most an inbox grows to when it is full of unconsumed bytes: the longest message a
    /// caller can wait for whole, and the most a backlog brings in per connection per
    /// [`recv`](Transport::recv).
    pub recv_max: usize,
    pub max_conns: usize,
    /// How the io_uring backend receives (ignored by the syscall backend).
    pub uring_recv: UringRecv,
    /// io_uring SQPOLL: a kernel thread on this core submits for us (needs a spare core).
    pub uring_sqpoll: Option<u32>,
    /// io_uring NAPI busy polling for this many microseconds (real NICs; Linux 6.9+).
    pub uring_napi_us: Option<u32>,
    /// Kernel software timestamps of each connection's sends and receives
    /// (`--wire-timestamps software`; both backends), kept in a [`wire::Conn`] each.
    pub wire: bool,
    /// With [`wire`](Self::wire): the NIC's raw hardware stamps instead of the kernel's
    /// software ones (`--wire-timestamps hardware`; the NIC put in timestamping mode first,
    /// [`hwstamp::enable_nic`]).
    pub wire_hardware: bool,
}

/// Up to this many connections on one thread, a transport looks at every connection every
/// loop (syscall: a `read` each; `--uring-recv auto`: a poll-mode receive each). Above it,
/// only the connections with data are touched (syscall: `epoll`; io_uring: multishot
/// receives), since a receive per idle connection per loop costs more than the readiness
/// machinery does.
pub const FEW_CONNS: usize = 4;

/// How the io_uring backend receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UringRecv {
    /// One multishot receive armed per connection: completions only for sockets with data,
    /// nothing at all per idle loop. Arming registers a poll waiter on the socket, so the
    /// sender pays a wake-up and the data is received in deferred task work.
    Multishot,
    /// Each loop, one non-blocking (MSG_DONTWAIT) receive per connection, all in one
    /// `io_uring_enter`: no poll waiter, no wake-up, one syscall per loop for every connection.
    Poll,
}

/// Each connection's out-buffer: it takes a message whole or not at all, so it is also the
/// longest message a connection can ever send. Order templates are held to it, in `run` and
/// in `template check` alike.
pub const SEND_BUF: usize = 64 * 1024;

impl TransportConfig {
    pub fn for_conns(max_conns: usize) -> Self {
        TransportConfig {
            send: SEND_BUF,
            recv: 64 * 1024,
            recv_max: 1 << 20,
            max_conns: max_conns.max(1),
            uring_recv: UringRecv::Poll,
            uring_sqpoll: None,
            uring_napi_us: None,
            wire: false,
            wire_hardware: false,
        }
    }
}

/// Why a connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The peer closed it (read returned 0).
    ByPeer,
    /// A socket error.
    Error(io::ErrorKind),
    /// We closed it.
    Local,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closed::ByPeer => f.write_str("the gateway closed it"),
            Closed::Error(kind) => write!(f, "socket error: {kind}"),
            Closed::Local => f.write_str("fixblast closed it"),
        }
    }
}

pub trait Transport: Sized {
    /// `"syscall"` or `"uring"`: recorded in results.
    const NAME: &'static str;

    fn new(cfg: TransportConfig) -> io::Result<Self>;

    /// Takes over a connected stream: makes it non-blocking, turns TCP_NODELAY on.
    fn add(&mut self, stream: TcpStream) -> io::Result<ConnId>;

    /// The bytes queued for `conn`; append whole messages.
    fn out(&mut self, conn: ConnId) -> &mut OutBuf;

    /// The bytes received on `conn`; consume whole messages.
    fn inbox(&mut self, conn: ConnId) -> &mut InBuf;

    /// Both buffers at once, for code that reads one while writing the other.
    fn bufs(&mut self, conn: ConnId) -> (&mut InBuf, &mut OutBuf);

    /// The inbox of `conn` with the kernel's stamps of its bytes, when the transport keeps
    /// them ([`TransportConfig::wire`]); `None` from a backend that does not. Only a look:
    /// the stamps of consumed bytes stay until the next [`recv`](Transport::recv), so a
    /// caller may find them after consuming (the gateway does, for the requests it answered).
    #[inline]
    fn inbox_wire(&mut self, conn: ConnId) -> (&mut InBuf, Option<&wire::Conn>) {
        (self.inbox(conn), None)
    }

    /// Reads everything that has arrived, on every open connection, into the inboxes, without
    /// blocking. Returns true when any byte arrived or a connection closed.
    ///
    /// The bytes it returns with came back from the kernel during this call: read the clock
    /// right after it returns to stamp them. It does no framing, no locking and no
    /// formatting, and allocates only to grow a full inbox (a bounded number of times over
    /// a connection's life, never per message). A backlog comes in in one call, up to
    /// [`recv_max`](TransportConfig::recv_max) per connection; beyond that, and while the
    /// caller leaves an inbox full at that bound, the rest waits in the kernel. What it costs
    /// in the kernel, per backend:
    ///
    /// - syscall: up to [`FEW_CONNS`] connections, one `read` per open connection (`EAGAIN`
    ///   when idle); above, one `epoll_wait` (no timeout) and a `read` per connection with
    ///   data only. Each read takes all the inbox's free room. Only when a read fills that
    ///   room (a backlog) does it read on, growing a full inbox, until `EAGAIN` or the bound.
    /// - io_uring: see [`UringTransport`](uring::UringTransport). It collects completions
    ///   from shared memory, and makes one `io_uring_enter` to submit receives (poll mode, or
    ///   re-arming multishot) or to run the receive work the kernel flagged (multishot); more
    ///   only while a backlog drains.
    fn recv(&mut self) -> bool;

    /// Hands what is queued in the out-buffers to the kernel, on every open connection,
    /// without blocking. Returns true when any byte was written (syscall) or any send was
    /// submitted (io_uring).
    ///
    /// Read the clock right before it to stamp what it sends. It does no allocation, locking
    /// or formatting. What it costs in the kernel, per backend:
    ///
    /// - syscall: one `write` per connection with queued bytes, repeated after a short write
    ///   until the socket refuses (`EAGAIN`). Only the connections handed out by
    ///   [`out`](Transport::out) or [`bufs`](Transport::bufs) since are looked at.
    /// - io_uring: at most one `io_uring_enter` submitting one send per connection with
    ///   queued bytes; none when nothing is queued.
    fn send(&mut self) -> bool;

    /// [`recv`](Transport::recv), calling `after(conn)` right after the call that brought
    /// `conn`'s bytes returns, where a backend reads connection by connection (syscall): the
    /// caller stamps each connection's bytes there, not after every other connection's read.
    /// A backend that brings every connection's bytes in one kernel entry (io_uring) calls it
    /// as it collects each connection's completions, right after that entry: either way each
    /// connection with bytes (or closed) is named, at least once, so a caller looks only at
    /// those. Every backend must name them: callers skip the connections not named.
    fn recv_each(&mut self, after: impl FnMut(ConnId)) -> bool;

    /// [`send`](Transport::send), calling `before(conn)` right before the write of `conn`'s
    /// bytes, where a backend writes connection by connection (syscall), so each
    /// connection's orders are stamped at their own write. A backend that submits every send
    /// in one kernel entry (io_uring) calls nothing: the caller's reading before the whole
    /// call is the edge.
    #[inline]
    fn send_each(&mut self, before: impl FnMut(ConnId)) -> bool {
        let _ = before;
        self.send()
    }

    /// One turn of both: [`recv`](Transport::recv), then [`send`](Transport::send). Read
    /// before write, so a reply already waiting is never delayed behind a write. Returns true
    /// when either did something.
    #[inline]
    fn poll(&mut self) -> bool {
        let received = self.recv();
        let sent = self.send();
        received | sent
    }

    /// `Some` once `conn` is closed; its buffers keep what was received before.
    fn closed(&self, conn: ConnId) -> Option<Closed>;

    /// Closes `conn` (after a final attempt to write what is queued).
    fn close(&mut self, conn: ConnId);

    /// Gives a closed connection's slot back: a later [`add`](Transport::add) may reuse its
    /// id, so the caller must drop every copy of it. Lets a long-running gateway serve any
    /// number of connections over its life.
    fn release(&mut self, conn: ConnId);
}

/// The common socket set-up: non-blocking, no Nagle.
pub(crate) fn prepare(stream: &TcpStream) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    stream.set_nodelay(true)
}
