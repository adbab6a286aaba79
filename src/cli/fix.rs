//! The FIX-level part of the command line: `--fix-version` (on `run`, `gateway` and
//! `template check`), `--logon-field` (on `run`), and the `template` and `orders`
//! subcommands, which check FIX input files. Apart from `cli.rs` so that the version list
//! can grow without crowding it.

use crate::fix::FixVersion;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The FIX versions `--fix-version` takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum FixVersionArg {
    /// FIX 4.2 (8=FIX.4.2): fills are ExecType 1/2.
    #[default]
    #[value(name = "4.2")]
    Fix42,
    /// FIX 4.4 (8=FIX.4.4): fills are ExecType F (Trade) with OrdStatus 1/2.
    #[value(name = "4.4")]
    Fix44,
    /// FIX 5.0 over FIXT.1.1 (8=FIXT.1.1, DefaultApplVerID 1137=7 on the Logon); fills as in 4.4.
    #[value(name = "5.0")]
    Fix50,
    /// FIX 5.0 SP1 over FIXT.1.1 (1137=8 on the Logon).
    #[value(name = "5.0sp1")]
    Fix50Sp1,
    /// FIX 5.0 SP2 over FIXT.1.1 (1137=9 on the Logon).
    #[value(name = "5.0sp2")]
    Fix50Sp2,
}

impl FixVersionArg {
    pub fn version(self) -> FixVersion {
        match self {
            FixVersionArg::Fix42 => FixVersion::Fix42,
            FixVersionArg::Fix44 => FixVersion::Fix44,
            FixVersionArg::Fix50 => FixVersion::Fix50,
            FixVersionArg::Fix50Sp1 => FixVersion::Fix50Sp1,
            FixVersionArg::Fix50Sp2 => FixVersion::Fix50Sp2,
        }
    }
}

/// The FIX version flag, the same for `run`, `gateway` and `template check`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FixArgs {
    /// FIX version spoken (BeginString, Logon, templates, how ExecutionReports are read):
    /// 4.2, 4.4, or 5.0, 5.0sp1, 5.0sp2 over FIXT.1.1. The built-in gateway speaks it too; a
    /// gateway answers a Logon in another version (or, over FIXT.1.1, with another
    /// DefaultApplVerID) with a Logout naming both.
    #[arg(long, value_enum, default_value = "4.2", value_name = "VERSION")]
    pub fix_version: FixVersionArg,
}

/// `run`'s Logon options.
#[derive(Debug, Args)]
pub struct LogonArgs {
    /// Extra field on the Logon (35=A), for venue-specific ones: `--logon-field 1408=1.0`.
    /// Repeatable; sent in the order given, after fixblast's own. TAG is a number that is
    /// not a header or trailer tag nor one fixblast sets itself (98, 108, 141, 553, 554, 789,
    /// 1137);
    /// VALUE is not empty and has no SOH.
    #[arg(long, value_name = "TAG=VALUE")]
    pub logon_field: Vec<String>,
    /// Put NextExpectedMsgSeqNum (789) on the Logon: the MsgSeqNum fixblast expects next
    /// from the gateway (FIX 4.4 and later). A gateway that uses it answers with its own; one
    /// that expects more of fixblast than it has sent remembers an earlier session, and the
    /// run stops there with a Logout saying so (--reset-seq starts both sides at 1).
    #[arg(long)]
    pub next_expected_seq: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Check a feed file: every row, then what it holds and how long it took to load.
    Check {
        /// CSV rows `symbol,side,qty,price,ord_type,tif` (see `run --help`, --orders).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Check a template file against the FIX version's required fields and print the
    /// order it encodes.
    Check {
        /// The template file (see fix-templates/README.md).
        file: PathBuf,
        #[command(flatten)]
        fix: FixArgs,
    },
}
