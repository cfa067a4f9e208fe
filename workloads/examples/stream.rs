//! Streams a workload's trace (or a trace file) and reports the request rate — a timed check
//! that generation and reading run at millions of requests per second in constant memory.
//!
//! ```sh
//! cargo run --release -p workloads --example stream -- typical 100000000
//! cargo run --release -p workloads --example stream -- --file ../shared/traces/orm-busy.trace.xz
//! ```

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Instant;
use workloads::{Request, Workload, tracefile};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: stream WORKLOAD [REQUESTS] | stream --file PATH [WORKLOAD]";
    let started = Instant::now();
    let (label, stats) = match args.first().map(String::as_str) {
        Some("--file") => {
            let path = args.get(1).ok_or(usage)?;
            let defaults = Workload::resolve(args.get(2).map_or("typical", String::as_str))
                .map_err(|e| e.to_string())?;
            let reader = tracefile::open(std::path::Path::new(path), None, &defaults)
                .map_err(|e| e.to_string())?;
            let format = reader.format();
            let mut stats = Stats::default();
            for r in reader {
                stats.add(r.map_err(|e| e.to_string())?);
            }
            (format!("read {path} ({format})"), stats)
        }
        Some(name) => {
            let mut w = Workload::resolve(name).map_err(|e| e.to_string())?;
            if let Some(n) = args.get(1) {
                w.requests = n
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("REQUESTS: expected a positive integer, found `{n}`"))?;
                w.validate("command line").map_err(|e| e.to_string())?;
            }
            let mut stats = Stats::default();
            for r in w.trace().map_err(|e| e.to_string())? {
                stats.add(r);
            }
            (format!("generated `{}`", w.name), stats)
        }
        None => return Err(usage.to_string()),
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: {} requests in {secs:.2} s = {:.2} M requests/s; {} distinct keys in the first \
         {} requests; checksum {:016x}",
        stats.requests,
        stats.requests as f64 / secs / 1e6,
        stats.distinct.len(),
        stats.requests.min(DISTINCT_SAMPLE),
        stats.checksum
    );
    Ok(())
}

/// Distinct keys are counted over a prefix only, so that memory stays constant however long the
/// trace is.
const DISTINCT_SAMPLE: u64 = 1_000_000;

#[derive(Default)]
struct Stats {
    requests: u64,
    checksum: u64,
    distinct: HashSet<u64>,
}

impl Stats {
    fn add(&mut self, r: Request) {
        if self.requests < DISTINCT_SAMPLE {
            self.distinct.insert(r.key);
        }
        self.requests += 1;
        self.checksum = self.checksum.rotate_left(5) ^ r.key ^ r.size;
    }
}
