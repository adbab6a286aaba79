//! The files a run writes (`--json`, `--hlog`, `--percentiles`, `--csv`, `--html`) and the
//! placeholders their paths may hold: `{config_hash}` names the configuration, `{run}` the
//! run's number under `--runs` (`all` for the runs combined), so the files of a sweep or of
//! repeated runs never overwrite each other. They are checked before the run and written whole
//! after it.

use crate::error::{Error, usage};
use crate::report::paths::{Named, check_files};
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

    /// With several runs every path must hold `{run}`. Every path, for every run, must be
    /// writable and a file of its own: no two outputs and no output and one of `inputs` (the
    /// files the run reads) may be the same file. Nothing is created or truncated: each file
    /// is written whole when its run ends, so a run that stops early, or a command that fails,
    /// leaves every earlier file as it was.
    pub fn check(&self, runs: u32, inputs: &[Named]) -> Result<(), Error> {
        let mut files: Vec<(&str, PathBuf)> = Vec::new();
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
            files.extend(which.into_iter().map(|w| (flag, self.expand(t, w))));
        }
        let outputs: Vec<Named> = files.iter().map(|(flag, path)| Named { flag, path }).collect();
        Ok(check_files(&outputs, inputs)?)
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
        let e = outputs("r.json").check(3, &[]).unwrap_err().to_string();
        assert!(e.contains("--json r.json: with --runs 3") && e.contains("r-{run}.json"), "{e}");
    }

    #[test]
    fn checking_creates_nothing_and_a_missing_directory_is_still_refused() {
        let tmp_dir = tempfile::tempdir().unwrap();
        let dir = tmp_dir.path();
        let o = outputs(&format!("{}/r-{{run}}.json", dir.display()));
        o.check(2, &[]).unwrap();
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0, "check created a file");
        let bad = outputs("/nonexistent-dir/r.json").check(1, &[]).unwrap_err();
        assert_eq!(bad.exit_code(), 2);
        assert_eq!(bad.chain(), "--json /nonexistent-dir/r.json: directory /nonexistent-dir does not exist");
    }

    #[test]
    fn two_outputs_naming_one_file_after_expansion_are_refused_naming_both_flags() {
        let tmp_dir = tempfile::tempdir().unwrap();
        let dir = tmp_dir.path().display().to_string();
        let json = format!("{dir}/r-{{run}}.json");
        for (flag, other) in [
            ("--html", format!("{dir}/r-{{run}}.json")),
            ("--csv", format!("{dir}/./r-{{run}}.json")),
            ("--percentiles", format!("{dir}/r-{{run}}.json")),
            ("--hlog", format!("{dir}/r-{{run}}.json")),
        ] {
            let mut o = outputs(&json);
            *match flag {
                "--html" => &mut o.html,
                "--csv" => &mut o.csv,
                "--percentiles" => &mut o.percentiles,
                _ => &mut o.hlog,
            } = Some(other);
            let e = o.check(2, &[]).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("--json ") && msg.contains(&format!(" and {flag} ")), "{msg}");
            assert!(msg.contains("name the same file"), "{msg}");
            assert_eq!(e.exit_code(), 2);
        }
        // {config_hash} expands before paths are compared.
        let mut o = outputs(&format!("{dir}/{{config_hash}}.json"));
        o.html = Some(format!("{dir}/0badf00d.json"));
        assert!(o.check(1, &[]).unwrap_err().to_string().contains(" and --html "));
    }

    #[test]
    fn an_output_naming_an_input_is_refused_naming_both_flags() {
        let tmp_dir = tempfile::tempdir().unwrap();
        let feed = tmp_dir.path().join("orders.csv");
        std::fs::write(&feed, "symbol,side,qty,price,ord_type,tif\n").unwrap();
        let o = outputs(&feed.display().to_string());
        let e = o.check(1, &[Named { flag: "--orders", path: &feed }]).unwrap_err().to_string();
        assert!(e.starts_with("--json ") && e.contains(" and --orders ") && e.contains("destroy the input"), "{e}");
        assert_eq!(std::fs::read_to_string(&feed).unwrap(), "symbol,side,qty,price,ord_type,tif\n");
    }

    #[test]
    fn the_hash_is_stable_and_tells_configurations_apart() {
        assert_eq!(config_hash("a"), config_hash("a"));
        assert_ne!(config_hash("sessions=1"), config_hash("sessions=2"));
        assert_eq!(config_hash("").len(), 8);
    }
}
