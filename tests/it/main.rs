//! Integration tests over loopback. One binary for all of them (see STYLE.md).

mod faults;
mod golden;
mod quickfix;
mod run;

use clap::Parser;
use fixblast::cli::{Cli, Command};
use fixblast::error::Error;
use fixblast::run::{Outcome, RunConfig};
use std::path::PathBuf;

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

/// A fresh temporary directory for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fixblast-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_fixblast"))
}
