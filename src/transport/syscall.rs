//! The plain backend: a non-blocking `read` on every connection in
//! [`recv`](Transport::recv), a non-blocking `write` of what is queued in
//! [`send`](Transport::send).
//!
//! Simple and portable. It pays one `read` per connection per loop even when the connection
//! is idle, which is what io_uring avoids with many sessions per worker.

use super::{Closed, ConnId, InBuf, OutBuf, Transport, TransportConfig, prepare};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

struct Conn {
    /// `None` once released: the slot is free for the next `add`.
    stream: Option<TcpStream>,
    out: OutBuf,
    inbox: InBuf,
    closed: Option<Closed>,
}

pub struct SyscallTransport {
    sizes: TransportConfig,
    conns: Vec<Conn>,
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
    fn fill(c: &mut Conn) -> bool {
        let Some(stream) = c.stream.as_mut() else { return false };
        let mut arrived = false;
        let mut backlog = false;
        loop {
            let spare = c.inbox.spare();
            let room = spare.len();
            if room == 0 {
                return arrived;
            }
            match stream.read(spare) {
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
        Ok(SyscallTransport { sizes, conns: Vec::new() })
    }

    fn add(&mut self, stream: TcpStream) -> io::Result<ConnId> {
        prepare(&stream)?;
        if let Some(i) = self.conns.iter().position(|c| c.stream.is_none()) {
            let c = &mut self.conns[i];
            c.stream = Some(stream);
            c.out.clear();
            c.inbox.clear();
            c.closed = None;
            return Ok(i);
        }
        self.conns.push(Conn {
            stream: Some(stream),
            out: OutBuf::with_capacity(self.sizes.send),
            inbox: InBuf::growable(self.sizes.recv, self.sizes.recv_max),
            closed: None,
        });
        Ok(self.conns.len() - 1)
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
        self.recv_each(|_| {})
    }

    fn send(&mut self) -> bool {
        self.send_each(|_| {})
    }

    fn recv_each(&mut self, mut after: impl FnMut(ConnId)) -> bool {
        let mut arrived = false;
        for (i, c) in self.conns.iter_mut().enumerate().filter(|(_, c)| c.closed.is_none()) {
            if Self::fill(c) {
                after(i);
                arrived = true;
            }
        }
        arrived
    }

    fn send_each(&mut self, mut before: impl FnMut(ConnId)) -> bool {
        let mut wrote = false;
        for (i, c) in self.conns.iter_mut().enumerate().filter(|(_, c)| c.closed.is_none() && !c.out.is_empty()) {
            before(i);
            wrote |= Self::flush(c);
        }
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
        self.conns[conn].stream = None;
    }
}
