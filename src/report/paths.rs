//! Where files may go, checked before anything is measured or written. Every output's
//! directory must exist and take new files, and no output may be another output or an input
//! of the same command, so a run never ends unable to save what it measured and never
//! overwrites what it read or wrote. Nothing is created or truncated here: the files
//! themselves are written whole at the end ([`write_whole`](super::files::write_whole)).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A path that cannot take an output, or two paths naming one file. Each names the flag and
/// the path (the `label`: `--json r.json`, or `input a.json` for a positional file).
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("{label}: directory {dir} does not exist")]
    NoDir { label: String, dir: String },
    #[error("{label}: {dir} is not a directory")]
    NotDir { label: String, dir: String },
    #[error("{label}: is a directory; give a file name")]
    IsDir { label: String },
    #[error("{label}: the file is read-only")]
    ReadOnly { label: String },
    #[error("{label}: cannot create files in {dir}")]
    NotWritable { label: String, dir: String, source: std::io::Error },
    #[error("{first} and {second} name the same file; {why}")]
    Same { first: String, second: String, why: &'static str },
}

/// A file a command reads or writes, and the flag that named it (`input` for a positional).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub flag: &'a str,
    pub path: &'a Path,
}

impl<'a> Named<'a> {
    /// The files of `flags` that were given, with their flags.
    pub fn given(flags: &[(&'a str, &'a Option<PathBuf>)]) -> Vec<Named<'a>> {
        flags.iter().filter_map(|&(flag, p)| p.as_deref().map(|path| Named { flag, path })).collect()
    }

    fn label(&self) -> String {
        format!("{} {}", self.flag, self.path.display())
    }
}

/// Checks that every one of `outputs` can be written and that none is another output or one
/// of `inputs`; the first problem found is the error.
pub fn check_files(outputs: &[Named], inputs: &[Named]) -> Result<(), PathError> {
    let mut probed = HashSet::new();
    for o in outputs {
        check_writable(o, &mut probed)?;
    }
    let ids: Vec<Option<PathBuf>> = outputs.iter().map(|o| identity(o.path)).collect();
    if let Some((i, j)) = same_pair(&ids) {
        let why = "give each output a file of its own";
        return Err(PathError::Same { first: outputs[i].label(), second: outputs[j].label(), why });
    }
    for input in inputs {
        let id = identity(input.path);
        if let Some(o) = outputs.iter().zip(&ids).find(|(_, o)| id.is_some() && **o == id).map(|(o, _)| o) {
            let why = "writing the output would destroy the input";
            return Err(PathError::Same { first: o.label(), second: input.label(), why });
        }
    }
    Ok(())
}

/// Refuses a file given twice among `inputs`, naming both mentions.
pub fn refuse_repeats(inputs: &[Named], why: &'static str) -> Result<(), PathError> {
    let ids: Vec<Option<PathBuf>> = inputs.iter().map(|i| identity(i.path)).collect();
    match same_pair(&ids) {
        Some((i, j)) => Err(PathError::Same { first: inputs[i].label(), second: inputs[j].label(), why }),
        None => Ok(()),
    }
}

/// Whether `a` and `b` name the same file (both must exist or have a directory that does).
pub fn same_file(a: &Path, b: &Path) -> bool {
    identity(a).is_some_and(|a| Some(a) == identity(b))
}

/// What makes two paths the same file: the canonical path where the file exists (links
/// followed), else the canonical directory and the file name. `None` when the directory does
/// not exist either.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    Some(std::fs::canonicalize(parent_dir(path)).ok()?.join(path.file_name()?))
}

/// The first two indices whose identities are known and equal.
fn same_pair(ids: &[Option<PathBuf>]) -> Option<(usize, usize)> {
    (0..ids.len()).find_map(|j| (0..j).find(|&i| ids[i].is_some() && ids[i] == ids[j]).map(|i| (i, j)))
}

/// The directory `path` is in: `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The directory exists, is one and takes new files (probed once per directory, in
/// `probed`); the path is not a directory or a read-only file.
fn check_writable(o: &Named, probed: &mut HashSet<PathBuf>) -> Result<(), PathError> {
    // Through a symbolic link, the directory written is the one of the file it names.
    let dest = super::files::destination(o.path);
    let (label, dir) = (o.label(), parent_dir(&dest));
    let dir_text = dir.display().to_string();
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(PathError::NotDir { label, dir: dir_text }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(PathError::NoDir { label, dir: dir_text }),
        Err(source) => return Err(PathError::NotWritable { label, dir: dir_text, source }),
    }
    match std::fs::metadata(o.path) {
        Ok(m) if m.is_dir() => return Err(PathError::IsDir { label }),
        Ok(m) if m.permissions().readonly() => return Err(PathError::ReadOnly { label }),
        _ => {}
    }
    if probed.insert(dir.to_path_buf()) {
        probe(dir).map_err(|source| PathError::NotWritable { label, dir: dir_text, source })?;
    }
    Ok(())
}

/// Creates and removes a file in `dir`: the one sure test that the directory takes new files
/// (permissions, a read-only mount, ACLs). Named for this process and probe, so no existing
/// file is ever touched.
fn probe(dir: &Path) -> std::io::Result<()> {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(".fixblast-probe-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let p = dir.join(name);
    std::fs::OpenOptions::new().write(true).create_new(true).open(&p)?;
    std::fs::remove_file(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(flag: &'a str, path: &'a Path) -> Named<'a> {
        Named { flag, path }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        v.sort();
        v
    }

    #[test]
    fn checking_creates_nothing_and_touches_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep.json");
        std::fs::write(&keep, "kept").unwrap();
        let new = dir.path().join("new.html");
        check_files(&[named("--json", &keep), named("--html", &new)], &[]).unwrap();
        assert_eq!(listing(dir.path()), ["keep.json"]);
        assert_eq!(std::fs::read(&keep).unwrap(), b"kept");
    }

    #[test]
    fn unusable_places_are_refused_naming_the_flag_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        let cases = [
            (
                PathBuf::from("/nonexistent-dir/r.json"),
                "--html /nonexistent-dir/r.json: directory /nonexistent-dir does not exist",
            ),
            (file.join("r.json"), "is not a directory"),
            (dir.path().to_path_buf(), "is a directory"),
        ];
        for (p, want) in cases {
            let e = check_files(&[named("--html", &p)], &[]).unwrap_err().to_string();
            assert!(e.starts_with("--html ") && e.contains(want), "{e}");
        }
    }

    #[test]
    fn two_outputs_or_an_output_and_an_input_naming_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path().join("r.json");
        let same = dir.path().join("sub/../r.json");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let e = check_files(&[named("--json", &r), named("--html", &same)], &[]).unwrap_err().to_string();
        assert!(e.starts_with("--json ") && e.contains(" and --html ") && e.contains("name the same file"), "{e}");
        std::fs::write(&r, "input").unwrap();
        let e = check_files(&[named("--html", &same)], &[named("input", &r)]).unwrap_err().to_string();
        assert!(e.contains("--html ") && e.contains(" and input ") && e.contains("destroy the input"), "{e}");
        assert!(check_files(&[named("--html", &dir.path().join("r.html"))], &[named("input", &r)]).is_ok());
        assert!(same_file(&r, &same));
    }

    #[test]
    fn a_file_given_twice_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, "{}").unwrap();
        let link = dir.path().join("b.json");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        let e = refuse_repeats(&[named("input", &a), named("input", &link)], "once").unwrap_err().to_string();
        assert!(e.contains("a.json and input ") && e.ends_with("b.json name the same file; once"), "{e}");
    }
}
