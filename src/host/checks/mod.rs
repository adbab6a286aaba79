//! The doctor's checks, one function per check, grouped by what they look at: cores
//! (isolation, nohz_full, SMT), interrupts, power (governor, frequency, C-states), clocks
//! (TSC, clocksource, TSC rate), the rest of the system (io_uring, memory, network, VM) and
//! each network interface's timestamping (`nic`).
//!
//! Each check reads its facts through `host::read*` only, relative to the root in [`Ctx`],
//! and turns them into one [`Check`] (defined here, with its [`Level`]) with what it found,
//! why it matters and the exact fix. A check never panics and never guesses: a fact it cannot
//! read makes it `unknown`, naming the file and why. Checks change nothing on the host. The
//! doctor ([`super::doctor`]) runs them in order and renders them; nothing here imports it.

pub mod clock;
pub mod cores;
#[cfg(test)]
pub mod fake;
pub mod irq;
pub mod nic;
pub mod power;
pub mod system;

use super::read::{self, format_cpu_list};
use serde::Serialize;
use std::path::Path;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Tuned as fixblast wants it.
    Ok,
    /// May distort the numbers, or costs latency on some set-ups.
    Warn,
    /// Distorts the numbers: fix it before trusting a result. Makes `doctor` exit 1.
    Fail,
    /// A file was missing or unreadable: `found` says which and why.
    Unknown,
}

impl Level {
    /// The label in the text output.
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
            Level::Unknown => "unknown",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A short stable name (`isolation`, `c-states` …), for scripts.
    pub name: &'static str,
    pub level: Level,
    /// What was found, with the values read.
    pub found: String,
    /// Why it matters for latency.
    pub why: String,
    /// The exact command or `tuning/` script that fixes it, when something needs fixing.
    pub fix: Option<String>,
}

impl Check {
    pub(crate) fn new(name: &'static str, level: Level, found: impl Into<String>, why: impl Into<String>) -> Check {
        Check { name, level, found: found.into(), why: why.into(), fix: None }
    }

    /// An `unknown` check: `reason` says what could not be read.
    pub(crate) fn unknown(name: &'static str, reason: impl std::fmt::Display, why: impl Into<String>) -> Check {
        Check::new(name, Level::Unknown, format!("unknown: {reason}"), why)
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }
}

/// What every check needs: the root and the cores being judged.
pub struct Ctx<'a> {
    pub root: &'a Path,
    /// The measurement cores, or why they are not known.
    pub cores: Result<Vec<usize>, String>,
    /// True when the cores came from `--cores`, false when they are `run`'s default.
    pub chosen: bool,
}

impl<'a> Ctx<'a> {
    /// `cores: None` means what `run` picks by default: the highest-numbered online core.
    pub fn new(root: &'a Path, cores: Option<&[usize]>) -> Ctx<'a> {
        let chosen = cores.is_some();
        let cores = match cores {
            Some([]) => Err("no measurement core was given".to_string()),
            Some(c) => {
                let mut c = c.to_vec();
                c.sort_unstable();
                c.dedup();
                Ok(c)
            }
            None => match read::online_cores(root) {
                Ok(online) => online.last().map(|&c| vec![c]).ok_or_else(|| "no core is online".to_string()),
                Err(e) => Err(format!("cannot tell which core run would use ({e}); pass --cores")),
            },
        };
        Ctx { root, cores, chosen }
    }

    /// "core 3" or "cores 2-3", for found text.
    pub fn cores_text(&self) -> String {
        match &self.cores {
            Ok(c) => cores_text(c),
            Err(_) => "the measurement cores".into(),
        }
    }

    /// The cores as a kernel CPU list (`2-3`), for commands in fixes.
    pub fn cores_arg(&self) -> String {
        match &self.cores {
            Ok(c) => format_cpu_list(c),
            Err(_) => "CORES".into(),
        }
    }

    /// Appended to a check's found text when the cores were not chosen with `--cores`.
    pub fn default_note(&self) -> &'static str {
        if self.chosen { "" } else { "; that is run's default, the highest online core (--cores checks others)" }
    }
}

/// "core 3" or "cores 2-3".
pub fn cores_text(cores: &[usize]) -> String {
    let s = if cores.len() == 1 { "" } else { "s" };
    format!("core{s} {}", format_cpu_list(cores))
}
