//! The command line (clap derive). Every value is validated here, with an error naming the flag,
//! so a bad input never reaches the engine.

pub(crate) mod parse;
pub mod serve;

pub use parse::parse_clients;
pub use serve::ServeArgs;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use workloads::units::{ByteBudget, EntryBound, HitCost, TimeScale, Ttl, Warmup, Workers};

/// Replays workloads through the gencache cache in front of a simulated slow generator (baseline
/// vs cached, on a virtual clock) and checks the seed's speedup and memory claims.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress bar and no summary (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay workloads baseline vs cached; print the summary and the verdict, write results.
    Run(RunArgs),
    /// Write a workload's trace to a CSV file (`time,key,size,cost`).
    Gen(GenArgs),
    /// Replay a real trace file (csv, oracleGeneral[.zst], cache2k .xz, text) through the cache.
    Replay(ReplayArgs),
    /// Convert a trace file (any format `replay` reads) to libCacheSim oracleGeneral, with each
    /// request's next access filled in (so libCacheSim's Belady can run on it).
    Convert(ConvertArgs),
    /// List the built-in workload presets and the cache policies, one line each.
    List,
    /// Calibrate a workload's Zipf exponent to its target hit rate and print the result.
    Calibrate(CalibrateArgs),
    /// Write the Markdown/HTML report (and charts) for one or more results directories.
    Report(ReportArgs),
    /// The CI gate: run the gate workloads and check deterministic results against limits and
    /// the committed baseline. Exit 1 on a failed check, 2 on unusable input.
    Gate(GateArgs),
    /// Sweep cache budgets, TTLs or workers: the curve of hit rate, speedup and generator hours
    /// saved, with the trace's profile and advice (how large the cache must be).
    Sweep(SweepArgs),
    /// Profile a trace or workload: requests, distinct keys, compulsory misses, one-hit
    /// wonders, fitted Zipf exponent, footprint, reuse distances and times.
    Profile(ProfileArgs),
    /// Serve the cache over HTTP in front of the simulated generator, with the management API
    /// (flags also from GENCACHE_* environment variables).
    Serve(ServeArgs),
}

/// The simulation model's flags (shared by `run` and `replay`).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Generator workers: how many generations run at once.
    #[arg(long, value_name = "K", default_value_t = Workers::DEFAULT, allow_negative_numbers = true)]
    pub workers: Workers,
    /// Virtual time to answer a hit, seconds or a duration ("50ms"); 0 to one year. Default:
    /// the workload's (0.05 s, the seed's measured cached-answer time).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub hit_cost: Option<HitCost>,
    /// Let concurrent duplicate misses each start their own generation (the seed's behaviour).
    #[arg(long)]
    pub no_single_flight: bool,
    /// Closed loop with C clients, overriding the workload's arrival process.
    #[arg(long, value_name = "C", value_parser = parse_clients, allow_negative_numbers = true)]
    pub clients: Option<u32>,
    /// Leave the measured wall-clock lookup time out of hit latencies (fully deterministic).
    #[arg(long)]
    pub no_lookup_time: bool,
    /// Cache policy of the cached side (`harness list` describes each): lru (gencache,
    /// default), s3fifo, sieve, fifo, clock, lfu, arc, gdsf (also `cost-aware`), belady,
    /// belady-size, infinite, moka, quick_cache, lru-crate.
    #[arg(long, value_name = "NAME", default_value = "lru")]
    pub policy: crate::policies::PolicyName,
    /// Warm-up: leave the first N requests, or P % of the trace's (`10%`), out of every figure
    /// (hits, rates, generations, hours saved, speedup, latencies, evictions); they still go
    /// through the cache and warm it. Default 0.
    #[arg(long, value_name = "N|P%", allow_negative_numbers = true)]
    pub warmup: Option<Warmup>,
    /// Cache bounds.
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Cache bound overrides.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Entry bound (a count, no unit; "none" for unbounded).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_entries: Option<EntryBound>,
    /// Byte budget: bytes, or with a unit (KiB, MiB, GiB; KB, MB, GB); "none" for unbounded.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true)]
    pub max_bytes: Option<ByteBudget>,
    /// Default TTL: seconds or a duration ("24h", "90min"), 1 ms to 365 days; "never" for no
    /// expiry.
    #[arg(long, value_name = "TTL", allow_hyphen_values = true)]
    pub ttl: Option<Ttl>,
}

/// `harness run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Preset name(s) or workload TOML path(s), comma-separated, or "all" for every preset.
    #[arg(long, short, value_name = "NAME|PATH[,..]|all")]
    pub workload: String,
    /// Model flags.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print the results as JSON on stdout (the summary goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Output directory (default: target/harness/WORKLOAD, relative to the current directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not write the Markdown/HTML report.
    #[arg(long)]
    pub no_report: bool,
    /// Skip the memory pass (real payloads, heap measured).
    #[arg(long)]
    pub no_memory: bool,
    /// Live replay beside the simulation (`--live`, `--target URL`, `--time-scale`).
    #[command(flatten)]
    pub live: LiveArgs,
    /// With stderr not a terminal (CI, a log file): print a progress line this often once a
    /// run has lasted this long (e.g. `5s`, `1m`).
    #[arg(long, env = "GENCACHE_PROGRESS_INTERVAL", value_name = "DURATION", default_value = "5s",
          value_parser = parse::parse_timeout)]
    pub progress_interval: std::time::Duration,
}

/// `harness gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Preset name or workload TOML path.
    #[arg(long, short, value_name = "NAME|PATH")]
    pub workload: String,
    /// Format to write: `csv` (time,key,size,cost; the default) or `oracle-general`
    /// (libCacheSim's 24-byte binary records, for comparing with its tools).
    #[arg(long, value_name = "F", default_value = "csv")]
    pub format: String,
    /// File to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `harness replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The trace file.
    pub file: PathBuf,
    /// Its format (csv, oracle-general, oracle-general-zst, cache2k-xz, text); detected when
    /// absent.
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Workload giving sizes and costs for records without them.
    #[arg(long, short, value_name = "NAME|PATH", default_value = "typical")]
    pub workload: String,
    /// Model flags (default cache for a trace: unbounded, no TTL).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Use the file's timestamps (open loop) instead of one closed-loop client. Only for
    /// formats with timestamps (csv, oracle-general[-zst]); not with --clients.
    #[arg(long, conflicts_with = "clients")]
    pub open_loop: bool,
    /// Also run the memory pass.
    #[arg(long)]
    pub memory: bool,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write results.json, CSVs and the report here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: do not write the report.
    #[arg(long)]
    pub no_report: bool,
    /// With stderr not a terminal (CI, a log file): print a progress line this often once a
    /// run has lasted this long (e.g. `5s`, `1m`).
    #[arg(long, env = "GENCACHE_PROGRESS_INTERVAL", value_name = "DURATION", default_value = "5s",
          value_parser = parse::parse_timeout)]
    pub progress_interval: std::time::Duration,
}

/// `harness convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The trace file to read.
    pub file: PathBuf,
    /// Its format (csv, oracle-general, oracle-general-zst, cache2k-xz, text); detected when
    /// absent.
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Workload giving sizes for records without them.
    #[arg(long, short, value_name = "NAME|PATH", default_value = "typical")]
    pub workload: String,
    /// The oracleGeneral file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Only the first N requests.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub requests: Option<u64>,
    /// Write every size as 1 (for entry-count replays in libCacheSim).
    #[arg(long)]
    pub unit_size: bool,
}

/// Where a sweep's or profile's requests come from: a trace file or a workload.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// A trace file (csv, oracleGeneral[.zst], cache2k .xz, text), as for `replay`.
    pub file: Option<PathBuf>,
    /// The trace file's format; detected when absent.
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// The workload (preset name or TOML path); with a trace file, the one giving sizes and
    /// costs for records without them (default: typical).
    #[arg(long, short, value_name = "NAME|PATH")]
    pub workload: Option<String>,
}

/// `harness sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The trace file or workload.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Entry bounds: a list ("100,1000,none"), one value, or `auto`.
    #[arg(long, value_name = "N[,N..]|auto", allow_hyphen_values = true)]
    pub max_entries: Option<String>,
    /// Byte budgets: a list ("64MiB,1GiB"), one value, or `auto` (16 log-spaced budgets up to
    /// the trace's footprint).
    #[arg(long, value_name = "BYTES[,..]|auto", allow_hyphen_values = true)]
    pub max_bytes: Option<String>,
    /// TTLs: a list ("1h,6h,24h,never") or one value.
    #[arg(long, value_name = "TTL[,..]", allow_hyphen_values = true)]
    pub ttl: Option<String>,
    /// Generator workers: a list ("1,2,4,8") or one value.
    #[arg(long, value_name = "K[,..]", allow_hyphen_values = true)]
    pub workers: Option<String>,
    /// Cache policy of every point (as for `run`; default lru).
    #[arg(long, value_name = "NAME", conflicts_with = "policies")]
    pub policy: Option<crate::policies::PolicyName>,
    /// Several policies, one curve each: a list ("lru,s3fifo,belady") or `all` (every policy
    /// that can run with these bounds; the others are skipped with a note).
    #[arg(long, value_name = "LIST|all")]
    pub policies: Option<String>,
    /// Virtual time to answer a hit (as for `run`).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub hit_cost: Option<HitCost>,
    /// Warm-up: leave the first N requests, or P % of the trace's (`10%`), out of every point's
    /// figures (as for `run`); they still warm the cache.
    #[arg(long, value_name = "N|P%", allow_negative_numbers = true)]
    pub warmup: Option<Warmup>,
    /// Let concurrent duplicate misses each start their own generation.
    #[arg(long)]
    pub no_single_flight: bool,
    /// Closed loop with C clients.
    #[arg(long, value_name = "C", value_parser = parse_clients, allow_negative_numbers = true)]
    pub clients: Option<u32>,
    /// Use the trace file's timestamps (open loop).
    #[arg(long, conflicts_with = "clients")]
    pub open_loop: bool,
    /// The speedup the advice looks for.
    #[arg(long, value_name = "X", default_value = "3", value_parser = parse_target_speedup,
          allow_negative_numbers = true)]
    pub target_speedup: f64,
    /// Price of one generator hour (e.g. a GPU hour): money saved per point.
    #[arg(long, value_name = "PRICE", value_parser = parse_price, allow_negative_numbers = true)]
    pub generator_cost_per_hour: Option<f64>,
    /// Print the sweep as one JSON object on stdout (the summary goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Write sweep.json, sweep.csv, the charts and the report here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `harness profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The trace file or workload.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Compare reuse times with this TTL (default: the workload's).
    #[arg(long, value_name = "TTL", allow_hyphen_values = true)]
    pub ttl: Option<Ttl>,
    /// Print the profile as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parses `--target-speedup`: a finite number above 0.
pub fn parse_target_speedup(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "the target speedup must be a number above 0, got `{s}`"
        )),
    }
}

/// Parses `--generator-cost-per-hour`: a finite non-negative price.
pub fn parse_price(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "the price per generator hour must be a number of at least 0, got `{s}`"
        )),
    }
}

/// `harness calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Preset name(s) or workload TOML path(s), comma-separated, or "all".
    #[arg(long, short, value_name = "NAME|PATH[,..]|all")]
    pub workload: String,
    /// The model to calibrate for, as `harness run` takes it (workers, clients, cache bounds...):
    /// the exponent is found for the run these flags make. Lookup time is always left out.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `harness report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results directories (or results.json files); two or more are compared.
    #[arg(required = true, value_name = "RESULTS_DIR")]
    pub results: Vec<PathBuf>,
    /// Where to write the report.
    #[arg(long, value_name = "DIR", default_value = "target/harness/report")]
    pub out: PathBuf,
}

/// `harness gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The committed baseline.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "scripts/gate-baseline.json"
    )]
    pub baseline: PathBuf,
    /// Rewrite the baseline from this run (deliberately; review the diff).
    #[arg(long)]
    pub update_baseline: bool,
    /// Also write the gate runs' results.json here (no report: `harness report DIR` makes one).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The live-replay flags of `harness run`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct LiveArgs {
    /// Also replay the trace for real in this process (tokio tasks, the real cache, scaled
    /// sleeps) and print it beside the simulation.
    #[arg(long, conflicts_with = "target")]
    pub live: bool,
    /// Replay the trace for real over HTTP against a running `harness serve` at this URL
    /// (`http://127.0.0.1:PORT`) and print it beside the simulation. Several URLs
    /// (`URL,URL,...`): requests spread round-robin over the servers, and the summary compares
    /// their generations with one cache's (what a shared `--l2` buys).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Real seconds per virtual second of the live replay (1e-6 to 1000): at 0.001 a 124.6 s
    /// generation sleeps 124.6 ms.
    #[arg(
        long,
        value_name = "SCALE",
        default_value_t = TimeScale::DEFAULT,
        allow_negative_numbers = true
    )]
    pub time_scale: TimeScale,
    /// Admin token of the target server, to align its cache bounds with the simulation's and
    /// clear it before the replay.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "GENCACHE_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub target_token: Option<String>,
    /// Longest wait for a TCP connection to the target (e.g. `5s`).
    #[arg(long, value_name = "DURATION", default_value = "5s",
          value_parser = parse::parse_timeout)]
    pub target_connect_timeout: std::time::Duration,
    /// Longest wait for one request's whole answer from the target (e.g. `60s`); raise it for
    /// generations that take longer at the server's time scale.
    #[arg(long, value_name = "DURATION", default_value = "60s",
          value_parser = parse::parse_timeout)]
    pub target_timeout: std::time::Duration,
}

impl LiveArgs {
    /// Whether a live replay was asked for.
    pub fn requested(&self) -> bool {
        self.live || self.target.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
