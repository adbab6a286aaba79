//! The files a run writes (`--json`, `--hlog`, `--percentiles`, `--csv`, `--html`) and the
//! placeholders their paths may hold: `{config_hash}` names the configuration, `{run}` the
//! run's number under `--runs` (`all` for the runs combined), so the files of a sweep or of
//! repeated runs never overwrite each other.

use crate::error::{Error, usage};
use std::path::{Path, PathBuf};

/// Output paths as given, placeholders unexpanded.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub json: Option<String>,
    pub hlog: Option<String>,
    pub percentiles: Option<String>,
    pub csv: Option<String>,
    pub html: Option<String>,
    /// What `{config_hash}` becomes.
    pub config_hash: String,
}

/// Which run a path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The only run, or run k (1-based) of several.
    Run(u32),
    /// The runs combined.
    All,
}

impl Outputs {
    fn each(&self) -> [(&'static str, &Option<String>); 5] {
        [
            ("--json", &self.json),
            ("--hlog", &self.hlog),
            ("--percentiles", &self.percentiles),
            ("--csv", &self.csv),
            ("--html", &self.html),
        ]
    }

    /// Expands `{config_hash}` and `{run}` in `template`.
    pub fn expand(&self, template: &str, which: Which) -> PathBuf {
        let run = match which {
            Which::Run(k) => k.to_string(),
            Which::All => "all".into(),
        };
        PathBuf::from(template.replace("{config_hash}", &self.config_hash).replace("{run}", &run))
    }

    /// The path of `template` for `which`, if the output was asked for.
    pub fn path(&self, template: &Option<String>, which: Which) -> Option<PathBuf> {
        template.as_deref().map(|t| self.expand(t, which))
    }

    /// With several runs every path must hold `{run}`; every file is then created now (and
    /// truncated), so a run never ends unable to save what it measured.
    pub fn check(&self, runs: u32) -> Result<(), Error> {
        for (flag, t) in self.each() {
            let Some(t) = t else { continue };
            if runs > 1 && !t.contains("{run}") {
                return usage(format!(
                    "{flag} {t}: with --runs {runs} each run writes its own file; put {{run}} in the path \
                     (e.g. {})",
                    with_run_placeholder(t)
                ));
            }
            let mut which: Vec<Which> = (1..=runs).map(Which::Run).collect();
            if runs > 1 {
                which.push(Which::All);
            }
            for w in which {
                create(&self.expand(t, w))?;
            }
        }
        Ok(())
    }
}

/// `r.json` → `r-{run}.json`, for the error message.
fn with_run_placeholder(t: &str) -> String {
    let p = Path::new(t);
    match (p.file_stem(), p.extension()) {
        (Some(stem), Some(ext)) => p
            .with_file_name(format!("{}-{{run}}.{}", stem.to_string_lossy(), ext.to_string_lossy()))
            .display()
            .to_string(),
        _ => format!("{t}-{{run}}"),
    }
}

/// Opens (creating or truncating) `path` now.
pub(crate) fn create(path: &Path) -> Result<(), Error> {
    std::fs::File::create(path).map(drop).map_err(|e| Error::File { path: path.display().to_string(), source: e })
}

/// 8 hex digits of FNV-1a over `text`: stable across builds and platforms, so a file name
/// names the same configuration wherever it was written.
pub fn config_hash(text: &str) -> String {
    let h = crate::fnv::fnv1a(text.as_bytes());
    format!("{:08x}", (h >> 32) as u32 ^ h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(json: &str) -> Outputs {
        Outputs { json: Some(json.into()), config_hash: "0badf00d".into(), ..Outputs::default() }
    }

    #[test]
    fn placeholders_expand_per_run_and_for_all() {
        let o = outputs("out/{config_hash}-r{run}.json");
        assert_eq!(o.path(&o.json, Which::Run(2)).unwrap(), PathBuf::from("out/0badf00d-r2.json"));
        assert_eq!(o.path(&o.json, Which::All).unwrap(), PathBuf::from("out/0badf00d-rall.json"));
        assert_eq!(o.path(&o.html, Which::Run(1)), None);
    }

    #[test]
    fn several_runs_need_the_run_placeholder() {
        let e = outputs("r.json").check(3).unwrap_err().to_string();
        assert!(e.contains("--json r.json: with --runs 3") && e.contains("r-{run}.json"), "{e}");
    }

    #[test]
    fn every_file_is_created_up_front() {
        let tmp_dir = tempfile::tempdir().unwrap();
        let dir = tmp_dir.path();
        let o = outputs(&format!("{}/r-{{run}}.json", dir.display()));
        o.check(2).unwrap();
        for f in ["r-1.json", "r-2.json", "r-all.json"] {
            assert!(dir.join(f).exists(), "{f}");
        }
        let bad = outputs("/nonexistent-dir/r.json").check(1).unwrap_err();
        assert!(bad.chain().starts_with("/nonexistent-dir/r.json: "), "{bad}");
    }

    #[test]
    fn the_hash_is_stable_and_tells_configurations_apart() {
        assert_eq!(config_hash("a"), config_hash("a"));
        assert_ne!(config_hash("sessions=1"), config_hash("sessions=2"));
        assert_eq!(config_hash("").len(), 8);
    }
}
