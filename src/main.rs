//! The `fixblast` binary: parse the command line, call the library, map errors to the exit
//! codes in DESIGN.md (0 ok, 1 SLA failed, 2 bad input, 3 run incomplete).

use clap::Parser;
use fixblast::cli::{Cli, Command, OrdersCommand, TemplateCommand};
use fixblast::error::Error;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Why a run could not complete, said again on stderr beside the exit code.
    let mut run_failure = None;
    let result: Result<u8, Error> = match &cli.command {
        Command::Run(args) => {
            fixblast::run::RunConfig::from_args(args).and_then(|cfg| fixblast::run::run(&cfg)).map(|o| {
                run_failure = o.result.status.failure.clone();
                o.exit_code()
            })
        }
        Command::Gateway(args) => fixblast::commands::gateway(args).map(|()| 0),
        Command::Template { command: TemplateCommand::Check { file, fix } } => {
            fixblast::commands::template_check(file, fix.fix_version.version()).map(|s| {
                print!("{s}");
                0
            })
        }
        Command::Report(args) => fixblast::commands::report(args).map(|()| 0),
        Command::Compare(args) => fixblast::commands::compare(args),
        Command::Merge(args) => fixblast::commands::merge(args).map(|()| 0),
        Command::Doctor(args) => fixblast::commands::doctor(args),
        Command::Orders { command: OrdersCommand::Check { file } } => fixblast::commands::orders_check(file).map(|s| {
            print!("{s}");
            0
        }),
    };
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(3) => {
            let cause = run_failure.map(|f| format!(": {f}")).unwrap_or_default();
            let files = match &cli.command {
                Command::Run(a) if [&a.json, &a.hlog, &a.percentiles, &a.csv, &a.html].iter().any(|p| p.is_some()) => {
                    ". The summary and the result files hold what was measured"
                }
                _ => ". The summary holds what was measured",
            };
            eprintln!("fixblast: the run could not complete (exit 3){cause}{files}");
            ExitCode::from(3)
        }
        Ok(1) => {
            match cli.command {
                Command::Compare(_) => {
                    eprintln!("fixblast: the new results are worse than --fail-if-worse allows (exit 1)")
                }
                Command::Doctor(_) => {
                    eprintln!("fixblast doctor: a check failed (exit 1); each FAIL line says the fix")
                }
                _ => eprintln!("fixblast: an --sla threshold failed (exit 1)"),
            }
            ExitCode::from(1)
        }
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("fixblast: {}", e.chain());
            ExitCode::from(e.exit_code())
        }
    }
}
