//! harness: replays workloads through the real gencache cache in front of a simulated slow
//! generator and turns them into a verdict (speedup, hit rate, latency, memory overhead).
//!
//! Exit codes: 0 success; 1 a check failed (`gate`, `calibrate`) or `serve` dropped requests
//! at shutdown; 2 unusable input (bad flag,
//! unknown workload, unreadable trace, unwritable output, missing or corrupt gate baseline).

use clap::Parser;
use harness::cli::{Cli, Command};
use harness::commands::{self, Status};
use std::process::ExitCode;

/// Every allocation of the binary is counted, so the memory pass measures the cache's heap
/// rather than estimating it.
#[global_allocator]
static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.quiet);
    let quiet = cli.quiet;
    let result = match &cli.command {
        Command::Run(args) => commands::run(args, quiet),
        Command::Replay(args) => commands::replay(args, quiet),
        Command::Gen(args) => commands::gen_trace(&args.workload, &args.format, &args.out, quiet),
        Command::Convert(args) => commands::convert(args, quiet),
        Command::List => commands::list(&mut std::io::stdout()),
        Command::Calibrate(args) => commands::calibrate(
            &args.workload,
            &args.model.options(),
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        ),
        Command::Report(args) => commands::report(&args.results, &args.out, quiet),
        Command::Sweep(args) => commands::sweep(args, quiet),
        Command::Profile(args) => commands::profile(args, &mut std::io::stdout()),
        Command::Serve(args) => harness::serve::run(args),
        Command::Gate(args) => commands::gate(
            &args.baseline,
            args.update_baseline,
            args.out.as_deref(),
            quiet,
        ),
    };
    match result {
        Ok(Status::Passed) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", error_message(&e));
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr; `RUST_LOG` selects them (default: warnings, errors only with --quiet).
/// Colour only when stderr is a terminal: a log file or a CI capture gets plain text.
fn init_tracing(quiet: bool) {
    use std::io::IsTerminal;
    let default = if quiet { "error" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// contains (library errors such as `"{path}: {source}"` print their source themselves).
fn error_message(e: &anyhow::Error) -> String {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}
