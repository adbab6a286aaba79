//! A fake host for unit tests: a temporary directory holding just the `/proc` and `/sys`
//! files a test writes, removed when the value is dropped. Test-only; it never touches the
//! real `/proc` or `/sys`.

use std::path::Path;

/// A temporary root directory that tests fill with files.
pub struct FakeHost {
    root: tempfile::TempDir,
}

impl FakeHost {
    /// An empty tree: every file is missing.
    pub fn new() -> FakeHost {
        let root = tempfile::Builder::new().prefix("fixblast-fakehost-").tempdir().expect("create a fake host root");
        FakeHost { root }
    }

    /// Writes `text` at `rel` (e.g. `proc/cmdline`), creating directories.
    pub fn file(self, rel: &str, text: &str) -> FakeHost {
        self.bytes(rel, text.as_bytes())
    }

    /// Writes raw bytes at `rel`.
    pub fn bytes(self, rel: &str, bytes: &[u8]) -> FakeHost {
        let p = self.root.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("a relative path with a parent")).expect("create fake dirs");
        std::fs::write(&p, bytes).expect("write a fake file");
        self
    }

    /// Makes `rel` a symbolic link to `target`.
    pub fn symlink(self, rel: &str, target: &str) -> FakeHost {
        let p = self.root.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("a relative path with a parent")).expect("create fake dirs");
        std::os::unix::fs::symlink(target, &p).expect("create a fake symlink");
        self
    }

    /// Online cores `0..n`, each with its own SMT-free topology.
    pub fn cpus(self, n: usize) -> FakeHost {
        let mut h = self.file("sys/devices/system/cpu/online", &format!("0-{}\n", n - 1));
        for c in 0..n {
            h = h.file(&format!("sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list"), &format!("{c}\n"));
        }
        h
    }

    /// The root to pass to the readers and checks.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}
