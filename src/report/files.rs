//! Writing what was rendered from a result to the files the user asked for: the result JSON,
//! `.hgrm` percentiles (microseconds), the interval CSV and the HTML report. Shared by `run`,
//! `report`, `compare` and `merge`; the interval log (`--hlog`) is written as a run goes, by
//! [`hlog`](super::hlog).

use super::json::RunResult;
use crate::metrics::LatencyKind;
use std::path::{Path, PathBuf};

/// A file that could not be written, or a result that cannot be rendered into it.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The path, then the cause.
    #[error("{path}")]
    Io { path: String, source: std::io::Error },
    /// The result's ack histogram does not decode, so there are no percentiles to write.
    #[error("the result's ack histogram: {0}")]
    AckHistogram(String),
}

/// The files to write; `None` for those not asked for.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub json: Option<PathBuf>,
    pub percentiles: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

fn file_err(p: &Path, e: std::io::Error) -> WriteError {
    WriteError::Io { path: p.display().to_string(), source: e }
}

/// The result as its file holds it: pretty JSON and a final newline.
pub fn result_json(r: &RunResult) -> String {
    serde_json::to_string_pretty(r).expect("a result serializes") + "\n"
}

/// Writes every file of `files` rendered from `r`.
pub fn write(r: &RunResult, files: &Files) -> Result<(), WriteError> {
    if let Some(p) = &files.json {
        std::fs::write(p, result_json(r)).map_err(|e| file_err(p, e))?;
    }
    if let Some(p) = &files.percentiles {
        let h = super::json::decode_histogram(&r.histograms[LatencyKind::Ack]).map_err(WriteError::AckHistogram)?;
        let mut out = Vec::new();
        super::hgrm::write_percentiles(&mut out, &h, 1000.0).map_err(|e| file_err(p, e))?;
        std::fs::write(p, out).map_err(|e| file_err(p, e))?;
    }
    if let Some(p) = &files.csv {
        let mut out = Vec::new();
        super::csv::write_intervals(&mut out, r).map_err(|e| file_err(p, e))?;
        std::fs::write(p, out).map_err(|e| file_err(p, e))?;
    }
    if let Some(p) = &files.html {
        std::fs::write(p, super::html::render_html(r)).map_err(|e| file_err(p, e))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, then a rename.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let file_err = |e| file_err(path, e);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).map_err(file_err)?;
    std::fs::rename(&tmp, path).map_err(file_err)
}
