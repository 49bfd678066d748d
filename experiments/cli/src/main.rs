//! `dylab`: run the dynamic-linking matrix and write the reports. One module per subcommand, each
//! with its arguments and an `execute()` (as sightglass's CLI): Ok(true) when everything was as
//! expected, Ok(false) when it ran but something was not (exit 1), Err on a usage or set-up error (exit 2).

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// `println!` that ends the program quietly when the reader has gone (`dylab run | head`) instead of
/// panicking. SIGPIPE stays ignored, as Rust sets it: a V8 worker's pipe that closes must be an
/// error, not the end of the run.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out(format_args!($($arg)*))
    };
}

pub(crate) fn out(args: std::fmt::Arguments) {
    use std::io::Write as _;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{args}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("dylab: writing to stdout: {e}");
        std::process::exit(2);
    }
}

mod bench;
mod confirm;
mod count_child;
mod counts;
mod expect;
mod list;
mod matrix;
mod printer;
mod report;
mod run;
mod select;

pub use select::{write, CorpusArg};

#[derive(Parser)]
#[command(name = "dylab", version, about = "How should WebAssembly modules link to each other at run time? Measured.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(run::Run),
    Report(report::Report),
    Bench(bench::Bench),
    CountChild(count_child::CountChild),
    List(list::List),
    Expect(expect::Expect),
}

impl Command {
    fn execute(self) -> Result<bool> {
        match self {
            Command::Run(c) => c.execute(),
            Command::Report(c) => c.execute(),
            Command::Bench(c) => c.execute(),
            Command::CountChild(c) => c.execute(),
            Command::List(c) => c.execute(),
            Command::Expect(c) => c.execute(),
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command.execute() {
        Ok(true) if !select::broken_cases() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("dylab: {e:#}");
            ExitCode::from(2)
        }
    }
}
