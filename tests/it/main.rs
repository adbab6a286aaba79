//! Integration tests over loopback. One binary for all of them (see STYLE.md).

mod backpressure;
mod bounds;
mod clordid;
mod compat;
mod doctor;
mod fake;
mod faults;
mod files;
mod fix_version;
mod flow;
mod gateway_faults;
mod gateway_wire;
mod golden;
mod html;
mod intervals;
mod multi;
mod quickfix;
mod quickfix_gaps;
mod quickfix_versions;
mod reconnect;
mod results;
mod run;
mod stall;
mod survive;
mod wire;
mod wire_capture;

use clap::Parser;
use fixblast::cli::{Cli, Command};
use fixblast::error::Error;
use fixblast::run::{Outcome, RunConfig};

/// Parses `fixblast run ARGS` and runs it in-process.
pub fn run(args: &[&str]) -> Result<Outcome, Error> {
    let mut argv = vec!["fixblast", "run"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| Error::Usage(e.to_string()))?;
    let Command::Run(a) = cli.command else { unreachable!() };
    let cfg = RunConfig::from_args(&a)?;
    fixblast::run::run(&cfg)
}

/// Fast, shared-core-friendly options for a short run.
pub const QUICK: &[&str] = &["--duration", "1s", "--warmup", "200ms", "--poll", "yield", "--quiet"];

/// Backend flags for each copy of a test that `on_every_backend!` expands.
pub const SYSCALL: &[&str] = &["--backend", "syscall"];
pub const URING_POLL: &[&str] = &["--backend", "uring", "--uring-recv", "poll", "--gateway-backend", "uring"];
pub const URING_MULTISHOT: &[&str] = &["--backend", "uring", "--uring-recv", "multishot", "--gateway-backend", "uring"];

/// Expands each named `fn(backend: &[&str])` into a test per backend. The io_uring copies
/// skip, saying why, where the kernel probe fails (and fail when FIXBLAST_REQUIRE_URING is set).
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod syscall {
            $(#[test] fn $name() { super::$name($crate::SYSCALL) })*
        }
        mod uring_poll {
            $(#[test] fn $name() { if $crate::uring_ok() { super::$name($crate::URING_POLL) } })*
        }
        mod uring_multishot {
            $(#[test] fn $name() { if $crate::uring_ok() { super::$name($crate::URING_MULTISHOT) } })*
        }
    };
}

/// True when io_uring works here; otherwise says why the test is skipped.
pub fn uring_ok() -> bool {
    match fixblast::transport::uring::probe() {
        Ok(()) => true,
        Err(why) => {
            assert!(std::env::var_os("FIXBLAST_REQUIRE_URING").is_none(), "io_uring required but unavailable: {why}");
            eprintln!("skipping the io_uring copy: {why}");
            false
        }
    }
}

/// Starts the reference gateway with the backend named in `backend` flags.
pub fn gateway(backend: &[&str], cfg: fixblast::gateway::GatewayConfig) -> fixblast::gateway::Gateway {
    use fixblast::transport::{UringRecv, syscall::SyscallTransport, uring::UringTransport};
    match backend {
        b if b == SYSCALL => fixblast::gateway::Gateway::start::<SyscallTransport>(cfg).unwrap(),
        b => {
            let uring_recv = if b == URING_MULTISHOT { UringRecv::Multishot } else { UringRecv::Poll };
            fixblast::gateway::Gateway::start::<UringTransport>(fixblast::gateway::GatewayConfig { uring_recv, ..cfg })
                .unwrap()
        }
    }
}

/// A fresh temporary directory for one test, removed (with what the test wrote in it) when
/// the value is dropped, also when the test fails.
/// A FIX message from a plain test client (CLIENT to GATEWAY) with MsgSeqNum `seq`.
pub fn client_message(seq: u64, msg_type: &[u8], body: &[(u32, &[u8])]) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut e = fixblast::fix::encode::Encoder::new(&mut buf);
    e.field(35, msg_type);
    e.field(49, b"CLIENT");
    e.field(56, b"GATEWAY");
    e.field_u64(34, seq);
    e.field(52, b"20240102-03:04:05.678");
    for (t, v) in body {
        e.field(*t, v);
    }
    let n = e.finish().unwrap();
    buf.truncate(n);
    buf
}

pub fn tmp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("fixblast-it-{name}-")).tempdir().unwrap()
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_fixblast"))
}
