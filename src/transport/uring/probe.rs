//! Can io_uring run here, with the options asked for, and what a result records of the ring:
//! the probe (setup flags, every opcode and registration the backend uses, on a tiny ring)
//! and its error, in words that say what to do. No `unsafe`: the one registration that needs
//! it is `try_buf_ring` in the parent.
#![forbid(unsafe_code)]

use super::{RECV_BUF, try_buf_ring};
use crate::transport::{TransportConfig, UringRecv};
use io_uring::{IoUring, Probe, opcode};
use std::io;

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
    for (code, name) in [
        (opcode::RecvMulti::CODE, "RECV"),
        (opcode::RecvMsg::CODE, "RECVMSG"),
        (opcode::Send::CODE, "SEND"),
        (opcode::AsyncCancel::CODE, "ASYNC_CANCEL"),
    ] {
        if !p.is_supported(code) {
            return Err(ProbeError::Opcode(name));
        }
    }
    ring.submitter().register_files_sparse(1).map_err(ProbeError::Files)?;
    try_buf_ring(&ring).map_err(ProbeError::BufRing)
}

/// The ring's setup flags for a configuration (the transport's and the probe's alike).
pub(super) fn builder(cfg: &TransportConfig) -> io_uring::Builder {
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

/// Multishot with stamps: the `recvmsg` header the receives are armed with. Only its
/// lengths count: no name, and [`MULTI_CONTROL`] bytes of control messages ahead of the
/// bytes in each provided buffer.
pub(super) fn multi_hdr() -> libc::msghdr {
    libc::msghdr {
        msg_name: std::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: std::ptr::null_mut(),
        msg_iovlen: 0,
        msg_control: std::ptr::null_mut(),
        msg_controllen: MULTI_CONTROL,
        msg_flags: 0,
    }
}

/// Room for a multishot `recvmsg`'s control messages in each provided buffer: one
/// `SCM_TIMESTAMPING` (a header and three timespecs, 64 bytes) with room to spare.
pub(super) const MULTI_CONTROL: usize = 128;

pub(super) fn setup_error(e: &io::Error, cfg: &TransportConfig) -> String {
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
    let (entries, size) = buf_ring_shape(cfg);
    let recv = match cfg.uring_recv {
        UringRecv::Multishot => format!("multishot recv, {entries}x{}KiB provided buffers", size / 1024),
        UringRecv::Poll => "MSG_DONTWAIT recv into the inbox per loop".into(),
    };
    let setup = match cfg.uring_sqpoll {
        Some(cpu) => format!("SQPOLL on core {cpu}|SINGLE_ISSUER"),
        None => "DEFER_TASKRUN|SINGLE_ISSUER|TASKRUN_FLAG".into(),
    };
    let napi = cfg.uring_napi_us.map_or(String::new(), |us| format!(", NAPI busy poll {us}us"));
    format!("{recv}, fixed files, {setup}{napi}")
}

/// Provided buffers for multishot: 256 KiB for one connection (a backlog drains in few
/// rounds), 8 KiB a connection for many, 8 MiB at most.
pub(super) fn buf_ring_shape(cfg: &TransportConfig) -> (u16, u32) {
    let entries = (cfg.max_conns * 2).clamp(64, 2048).next_power_of_two() as u16;
    (entries, RECV_BUF)
}
