//! The library's error type and the exit codes it maps to (DESIGN.md): 2 for bad input or
//! usage, 3 for a run that could not complete.

use crate::fix::template::TemplateError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag value or combination: names the flag, the value and what is allowed.
    #[error("{0}")]
    Usage(String),
    #[error("template {0}")]
    Template(#[from] TemplateError),
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
            Error::Usage(_) | Error::Template(_) | Error::File { .. } => 2,
            Error::Incomplete(_) => 3,
        }
    }
}

pub(crate) fn usage<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::Usage(msg.into()))
}
