//! The library's error type and the exit codes it maps to (DESIGN.md): 2 for bad input or
//! usage, 3 for a run that could not complete.

use crate::fix::feed::FeedError;
use crate::fix::template::TemplateError;
use std::fmt;

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
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    File { path: String, source: std::io::Error },
    /// The run could not complete (gateway down, logon refused, session lost).
    #[error("{0}")]
    Incomplete(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Template(_) | Error::Feed(_) | Error::File { .. } => 2,
            Error::Incomplete(_) => 3,
        }
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

/// A flag value in a small language (`--profile`, `--sla`, `--mix`) that does not parse:
/// where and why, shown with a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub flag: &'static str,
    pub spec: String,
    /// 0-based byte offset of the offending part.
    pub at: usize,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?}: {} (at column {})\n  {}\n  {}^",
            self.flag,
            self.spec,
            self.message,
            self.at + 1,
            self.spec,
            " ".repeat(self.at)
        )
    }
}

impl std::error::Error for SpecError {}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Error {
        Error::Usage(e.to_string())
    }
}
