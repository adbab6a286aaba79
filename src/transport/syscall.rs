//! The plain backend: non-blocking `read`s in [`recv`](Transport::recv), non-blocking
//! `write`s of what is queued in [`send`](Transport::send).
//!
//! Simple and portable. With a few connections ([`FEW_CONNS`] or fewer) it reads every
//! connection every loop, one `read` each. With more, an `epoll_wait` (level-triggered, no
//! timeout) names the connections with data and only those are read, so an idle connection
//! costs nothing per loop; the kernel hands ready connections out in turn, so none always
//! goes first. Sends write only the connections with bytes queued.

use super::hwstamp::{self, Source};
use super::list::ConnList;
use super::wire::{self, CMSG_SPACE};
use super::{Closed, ConnId, FEW_CONNS, InBuf, OutBuf, Transport, TransportConfig, prepare};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

/// The most ready connections one `epoll_wait` names; the rest come in the next call.
const EVENTS: usize = 256;

struct Conn {
    /// `None` once released: the slot is free for the next `add`.
    stream: Option<TcpStream>,
    out: OutBuf,
    inbox: InBuf,
    closed: Option<Closed>,
    /// With [`TransportConfig::wire`]: the kernel's stamps of this connection's bytes.
    wire: Option<Box<wire::Conn>>,
}

pub struct SyscallTransport {
    sizes: TransportConfig,
    conns: Vec<Conn>,
    /// Every open connection is registered; consulted above [`FEW_CONNS`] connections.
    epoll: Epoll,
    events: Box<[EpollEvent]>,
    /// Connections with bytes queued (or handed out to queue some).
    sends: ConnList,
    /// Connections with bytes or a close that no `recv_each` has named yet (read by a plain
    /// `recv`, or closed by a failed write or a failed `epoll_wait`).
    unnamed: ConnList,
    /// Where each `recvmsg` of a stamped connection puts its control messages.
    cmsg: Box<[u8; CMSG_SPACE]>,
}

impl SyscallTransport {
    fn flush(c: &mut Conn) -> bool {
        let mut moved = false;
        let Some(stream) = c.stream.as_mut() else { return false };
        while !c.out.is_empty() {
            match stream.write(c.out.pending()) {
                Ok(0) => {
                    c.closed = Some(Closed::ByPeer);
                    break;
                }
                Ok(n) => {
                    c.out.advance(n);
                    if let Some(w) = c.wire.as_mut() {
                        w.written += n as u64;
                    }
                    moved = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    c.closed = Some(Closed::Error(e.kind()));
                    break;
                }
            }
        }
        moved
    }

    /// Reads what has arrived into the inbox. A read that comes back short of the room it had
    /// ends it, so an active connection costs one `read` per call. A read that fills its room
    /// means a backlog (after a stall): then it reads on, a full inbox doubling up to its
    /// bound, until the socket says `EAGAIN` or the inbox is full at its bound (the rest
    /// waits in the socket), so the backlog comes in in one call. True when bytes arrived or
    /// the connection closed.
    ///
    /// A stamped connection first takes the TX stamps due off its error queue
    /// ([`wire::Conn::take_tx`]; those of the orders a reply read now answers are there: the
    /// kernel stamps a send before the peer can see it), then reads with `recvmsg`, keeping
    /// each read's RX stamp.
    ///
    /// `hw`: the stamps are the NIC's ([`TransportConfig::wire_hardware`]).
    fn fill(c: &mut Conn, cmsg: &mut [u8; CMSG_SPACE], hw: bool) -> bool {
        let Some(stream) = c.stream.as_mut() else { return false };
        if let Some(w) = c.wire.as_mut() {
            if hw {
                hwstamp::drain_tx(stream, cmsg, Source::Hardware, |key, ns| w.on_tx(key, ns));
            } else {
                w.take_tx(stream, cmsg);
            }
            // Replies before the consumed bytes are done with: their reads' stamps go.
            w.rx.forget_before(c.inbox.consumed());
        }
        let mut arrived = false;
        let mut backlog = false;
        loop {
            let spare = c.inbox.spare();
            let room = spare.len();
            if room == 0 {
                return arrived;
            }
            let read = match c.wire.as_mut() {
                Some(w) if hw => hwstamp::recv(stream, spare, cmsg, Source::Hardware).map(|(n, stamp)| {
                    w.on_read(n, stamp);
                    n
                }),
                Some(w) => wire::recv(stream, spare, cmsg).map(|(n, stamp)| {
                    w.on_read(n, stamp);
                    n
                }),
                None => stream.read(spare),
            };
            match read {
                Ok(0) => {
                    c.closed = Some(Closed::ByPeer);
                    return true;
                }
                Ok(n) => {
                    c.inbox.commit(n);
                    arrived = true;
                    backlog |= n == room;
                    if !backlog {
                        return true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return arrived,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    c.closed = Some(Closed::Error(e.kind()));
                    return true;
                }
            }
        }
    }
}

impl Transport for SyscallTransport {
    const NAME: &'static str = "syscall";

    fn new(sizes: TransportConfig) -> io::Result<Self> {
        Ok(SyscallTransport {
            sizes,
            conns: Vec::new(),
            epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?,
            events: vec![EpollEvent::empty(); EVENTS].into_boxed_slice(),
            sends: ConnList::with_capacity(sizes.max_conns),
            unnamed: ConnList::with_capacity(sizes.max_conns),
            cmsg: Box::new([0; CMSG_SPACE]),
        })
    }

    fn add(&mut self, stream: TcpStream) -> io::Result<ConnId> {
        prepare(&stream)?;
        if self.sizes.wire {
            // Before any byte is written: stamp keys count from here.
            if self.sizes.wire_hardware { hwstamp::enable(&stream)? } else { wire::enable(&stream)? }
        }
        let i = self.conns.iter().position(|c| c.stream.is_none()).unwrap_or(self.conns.len());
        let ready = EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP, i as u64);
        self.epoll.add(&stream, ready)?;
        if let Some(c) = self.conns.get_mut(i) {
            c.stream = Some(stream);
            c.out.clear();
            c.inbox.clear();
            c.closed = None;
            if let Some(w) = c.wire.as_mut() {
                w.clear();
            }
            return Ok(i);
        }
        self.conns.push(Conn {
            stream: Some(stream),
            out: OutBuf::with_capacity(self.sizes.send),
            inbox: InBuf::growable(self.sizes.recv, self.sizes.recv_max),
            closed: None,
            wire: self.sizes.wire.then(Box::default),
        });
        Ok(i)
    }

    #[inline]
    fn out(&mut self, conn: ConnId) -> &mut OutBuf {
        self.sends.insert(conn);
        &mut self.conns[conn].out
    }

    #[inline]
    fn inbox(&mut self, conn: ConnId) -> &mut InBuf {
        &mut self.conns[conn].inbox
    }

    #[inline]
    fn bufs(&mut self, conn: ConnId) -> (&mut InBuf, &mut OutBuf) {
        self.sends.insert(conn);
        let c = &mut self.conns[conn];
        (&mut c.inbox, &mut c.out)
    }

    #[inline]
    fn inbox_wire(&mut self, conn: ConnId) -> (&mut InBuf, Option<&wire::Conn>) {
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

    fn send(&mut self) -> bool {
        self.send_each(|_| {})
    }

    fn recv_each(&mut self, mut after: impl FnMut(ConnId)) -> bool {
        let mut arrived = self.unnamed.drain(&mut after);
        if self.conns.len() <= FEW_CONNS {
            for (i, c) in self.conns.iter_mut().enumerate().filter(|(_, c)| c.closed.is_none()) {
                if Self::fill(c, &mut self.cmsg, self.sizes.wire_hardware) {
                    after(i);
                    arrived = true;
                }
            }
            return arrived;
        }
        let ready = match self.epoll.wait(&mut self.events, EpollTimeout::ZERO) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => return false,
            Err(e) => {
                // The readiness set itself failed: every connection is lost, and says why.
                let kind = io::Error::from(e).kind();
                for (i, c) in self.conns.iter_mut().enumerate().filter(|(_, c)| c.closed.is_none()) {
                    c.closed = Some(Closed::Error(kind));
                    after(i);
                }
                return true;
            }
        };
        for e in &self.events[..ready] {
            let i = e.data() as usize;
            let Some(c) = self.conns.get_mut(i) else { continue };
            if c.closed.is_some() {
                // Level-triggered: a closed socket stays readable; stop hearing about it.
                if let Some(s) = &c.stream {
                    let _ = self.epoll.delete(s);
                }
                continue;
            }
            if Self::fill(c, &mut self.cmsg, self.sizes.wire_hardware) {
                after(i);
                arrived = true;
            }
        }
        arrived
    }

    fn send_each(&mut self, mut before: impl FnMut(ConnId)) -> bool {
        let mut wrote = false;
        let ids = self.sends.take();
        let (conns, unnamed) = (&mut self.conns, &mut self.unnamed);
        self.sends.keep(ids, |i| {
            let c = &mut conns[i];
            if c.closed.is_some() || c.out.is_empty() {
                return false;
            }
            before(i);
            wrote |= Self::flush(c);
            if c.closed.is_some() {
                // The next receive names it.
                unnamed.insert(i);
            }
            // What the socket refused (EAGAIN) is written in a later call.
            c.closed.is_none() && !c.out.is_empty()
        });
        wrote
    }

    fn closed(&self, conn: ConnId) -> Option<Closed> {
        self.conns[conn].closed
    }

    fn close(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.closed.is_none() {
            Self::flush(c);
            if let Some(s) = &c.stream {
                let _ = s.shutdown(Shutdown::Both);
            }
            c.closed = Some(Closed::Local);
        }
    }

    fn release(&mut self, conn: ConnId) {
        self.close(conn);
        if let Some(s) = self.conns[conn].stream.take() {
            let _ = self.epoll.delete(&s);
        }
    }
}
