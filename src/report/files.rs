//! Writing what was rendered from a result to the files the user asked for: the result JSON,
//! `.hgrm` percentiles (microseconds), the interval CSV and the HTML report. Shared by `run`,
//! `report`, `compare` and `merge`; the interval log (`--hlog`) is written as a run goes, by
//! [`hlog`](super::hlog). Every file is written whole or not at all ([`write_whole`]): a result
//! that was there before is never left empty or half written.

use super::json::RunResult;
use crate::metrics::LatencyKind;
use std::io::Write;
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

/// Writes every file of `files` rendered from `r`, each whole or not at all.
pub fn write(r: &RunResult, files: &Files) -> Result<(), WriteError> {
    if let Some(p) = &files.json {
        write_whole(p, result_json(r).as_bytes())?;
    }
    if let Some(p) = &files.percentiles {
        let h = super::json::decode_histogram(&r.histograms[LatencyKind::Ack]).map_err(WriteError::AckHistogram)?;
        let mut out = Vec::new();
        super::hgrm::write_percentiles(&mut out, &h, 1000.0).map_err(|e| file_err(p, e))?;
        write_whole(p, &out)?;
    }
    if let Some(p) = &files.csv {
        let mut out = Vec::new();
        super::csv::write_intervals(&mut out, r).map_err(|e| file_err(p, e))?;
        write_whole(p, &out)?;
    }
    if let Some(p) = &files.html {
        write_whole(p, super::html::render_html(r).as_bytes())?;
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: the one way every file but the interval log
/// is written. The bytes go to a temporary file beside `path` ([`temp_path`]), which is then
/// renamed over it, so an earlier file at `path` is either replaced whole or left as it was,
/// whatever stops the process. The temporary file is removed when writing fails.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = temp_path(path);
    let written = write_synced(&tmp, bytes).and_then(|()| commit(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| file_err(path, e))
}

/// `dir/.{file_name}.{pid}.tmp` for `dir/file_name`: in the same directory, so the rename is
/// atomic (one filesystem); hidden and named for this process, so two processes writing the
/// same file never share one.
pub fn temp_path(path: &Path) -> PathBuf {
    let dest = destination(path);
    let name = dest.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy());
    dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Where writing `path` lands: the file a symbolic link at `path` names (the link is kept;
/// the temporary file goes beside that file, so the rename stays in one directory and one
/// filesystem), else `path` itself.
pub fn destination(path: &Path) -> PathBuf {
    let Ok(target) = std::fs::read_link(path) else { return path.to_path_buf() };
    std::fs::canonicalize(path).unwrap_or_else(|_| match path.parent() {
        // A link to a file not there yet: the name it gives, relative to the link.
        Some(dir) if target.is_relative() => dir.join(target),
        _ => target,
    })
}

/// Writes and syncs `bytes` to `tmp`, so the rename never exposes a file the disk does not
/// hold yet.
fn write_synced(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Renames the written `tmp` over `path`. A symbolic link at `path` is written through (the
/// file it names is replaced, the link kept), and an earlier file's permissions carry over.
pub(crate) fn commit(tmp: &Path, path: &Path) -> std::io::Result<()> {
    let target = destination(path);
    if let Ok(m) = std::fs::metadata(&target) {
        std::fs::set_permissions(tmp, m.permissions())?;
    }
    std::fs::rename(tmp, &target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_to_a_file_elsewhere_is_written_through_beside_that_file() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (link, target) = (a.path().join("latest.json"), b.path().join("r.json"));
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // The temporary file goes beside the target: the rename stays in its directory.
        assert_eq!(temp_path(&link).parent(), Some(std::fs::canonicalize(b.path()).unwrap().as_path()));
        write_whole(&link, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        // A link to a file not there yet creates it, and stays a link.
        let dangling = a.path().join("next.json");
        std::os::unix::fs::symlink(b.path().join("next.json"), &dangling).unwrap();
        write_whole(&dangling, b"first").unwrap();
        assert_eq!(std::fs::read(b.path().join("next.json")).unwrap(), b"first");
        assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
        for dir in [a.path(), b.path()] {
            let tmp = std::fs::read_dir(dir)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"));
            assert_eq!(tmp.count(), 0, "a temporary file was left in {}", dir.display());
        }
    }

    #[test]
    fn an_earlier_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        write_whole(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["r.json"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_as_it_was_and_removes_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be renamed over: the write fails after the temporary file.
        let p = dir.path().join("r.json");
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("inside"), "kept").unwrap();
        let e = write_whole(&p, b"new").unwrap_err();
        assert!(e.to_string().ends_with("r.json"), "{e}");
        assert_eq!(std::fs::read(p.join("inside")).unwrap(), b"kept");
        assert!(!temp_path(&p).exists());
    }

    #[test]
    fn a_link_is_written_through_and_permissions_carry_over() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (real, link) = (dir.path().join("real.json"), dir.path().join("latest.json"));
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_whole(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
    }

    #[test]
    fn the_temporary_file_is_hidden_beside_the_target_and_names_the_process() {
        let t = temp_path(Path::new("out/r.json"));
        assert_eq!(t, PathBuf::from(format!("out/.r.json.{}.tmp", std::process::id())));
    }
}
