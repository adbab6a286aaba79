//! The library's error type and the exit codes it maps to (DESIGN.md): 2 for bad input or
//! usage, 3 for a run that could not complete.
//!
//! Typed inside, context at the edge: each module has its own error type, and [`Error`]
//! keeps it, either whole (`transparent`, its own message) or as the `source` under a
//! context that says what was being done. `main` prints the message and every cause after
//! it, on one line, joined by `: ` (see [`Error::chain`]).

use crate::fix::feed::FeedError;
use crate::fix::template::TemplateError;
use crate::host::CpuDmaLatencyError;
use crate::report::compare::OptionsError;
use crate::report::files::WriteError;
use crate::report::load::LoadError;
use crate::report::merge::MergeError;
use crate::report::paths::PathError;
use crate::transport::uring::ProbeError;
pub use crate::units::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag value or combination: names the flag, the value and what is allowed.
    #[error("{0}")]
    Usage(String),
    /// Not `#[from]`: that would make the error its own cause, printed twice.
    #[error("template {0}")]
    Template(TemplateError),
    #[error("order feed {0}")]
    Feed(FeedError),
    /// A file that cannot be read or written: the path, then the cause.
    #[error("{path}")]
    File { path: String, source: std::io::Error },
    /// A rendered file that could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An output that cannot be written where asked, or that names another output or an input.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A `--profile`, `--sla` or `--mix` value that does not parse.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A result file that cannot be used (`report`, `compare`, `merge`).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `merge` refused its inputs.
    #[error("fixblast merge")]
    Merge(#[source] MergeError),
    /// `compare` options out of range.
    #[error("fixblast compare")]
    Compare(#[source] OptionsError),
    /// `--backend uring` where io_uring cannot run; the probe says why.
    #[error("--backend uring: {0}; use --backend syscall")]
    Uring(ProbeError),
    /// `--cpu-dma-latency` could not be held.
    #[error(transparent)]
    CpuDmaLatency(#[from] CpuDmaLatencyError),
    /// The run could not complete (gateway down, logon refused, session lost).
    #[error("{0}")]
    Incomplete(String),
    /// `--runs`: the runs measured could not be combined.
    #[error("the runs could not be combined")]
    Combine(#[source] MergeError),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Template(_)
            | Error::Feed(_)
            | Error::File { .. }
            | Error::Spec(_)
            | Error::Write(_)
            | Error::Path(_)
            | Error::Load(_)
            | Error::Merge(_)
            | Error::Compare(_)
            | Error::Uring(_)
            | Error::CpuDmaLatency(_) => 2,
            Error::Incomplete(_) | Error::Combine(_) => 3,
        }
    }

    /// The message and each cause after it, joined by `: `: what `main` prints.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }
}

impl From<TemplateError> for Error {
    fn from(e: TemplateError) -> Error {
        Error::Template(e)
    }
}

impl From<FeedError> for Error {
    fn from(e: FeedError) -> Error {
        Error::Feed(e)
    }
}

pub(crate) fn usage<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::Usage(msg.into()))
}
