//! `harness run` and `harness replay`: replay, print the summary and verdict, write results.

use super::{Status, workload_names};
use crate::cli::{ModelArgs, ReplayArgs, RunArgs};
use crate::output;
use crate::progress::Progress;
use crate::run::{RunOptions, RunOutcome};
use crate::source::Source;
use crate::staged::StagedDir;
use crate::summary;
use anyhow::Context;
use std::path::{Path, PathBuf};
use workloads::units::{ByteBudget, EntryBound, HitCost, Ttl};

/// Where `harness run` writes when `--out` is not given: `target/harness/<workloads>`.
pub fn default_out_dir(names: &[String]) -> PathBuf {
    let label = if names.len() > 4 {
        "all".to_string()
    } else {
        names
            .iter()
            .map(|n| {
                Path::new(n)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| n.clone())
            })
            .collect::<Vec<_>>()
            .join("+")
    };
    Path::new("target")
        .join("harness")
        .join(output::slug(&label))
}

impl ModelArgs {
    /// The run options these flags ask for.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            workers: self.workers.get(),
            hit_cost_s: self.hit_cost.map(HitCost::secs),
            single_flight: !self.no_single_flight,
            clients: self.clients,
            max_entries: self.cache.max_entries.map(EntryBound::get),
            max_bytes: self.cache.max_bytes.map(ByteBudget::get),
            ttl: self.cache.ttl.map(Ttl::get),
            measure_lookups: !self.no_lookup_time,
            policy: self.policy,
            warmup: self.warmup.unwrap_or_default(),
            ..RunOptions::default()
        }
    }
}

/// What to do with the outcomes.
struct Presentation {
    json: bool,
    out: Option<PathBuf>,
    report: bool,
    quiet: bool,
    sweep: bool,
    live: Option<crate::cli::LiveArgs>,
    progress_interval: std::time::Duration,
}

/// `harness run`.
pub fn run(args: &RunArgs, quiet: bool) -> anyhow::Result<Status> {
    let names = workload_names(&args.workload);
    anyhow::ensure!(!names.is_empty(), "--workload names no workload");
    let mut sources = Vec::new();
    for name in &names {
        let w = workloads::Workload::resolve(name)?;
        sources.push(Source::Workload(w));
    }
    let mut options = args.model.options();
    options.measure_memory = !args.no_memory;
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(&names));
    let presentation = Presentation {
        json: args.json,
        out: Some(out),
        report: !args.no_report,
        quiet,
        sweep: options.measure_memory,
        live: args.live.requested().then(|| args.live.clone()),
        progress_interval: args.progress_interval,
    };
    execute(&sources, &options, &presentation)
}

/// `harness replay`.
pub fn replay(args: &ReplayArgs, quiet: bool) -> anyhow::Result<Status> {
    let mut options = args.model.options();
    options.open_loop_file = args.open_loop;
    options.measure_memory = args.memory;
    // A policy that cannot replay this input (a bound on a pipe) is refused before the trace
    // is read (the pipe would be spooled for nothing).
    if let Some(policy_error) = crate::run::preflight_path(&args.file, &options) {
        return Err(policy_error.into());
    }
    let source = trace_source(
        &args.file,
        args.format.as_deref(),
        &args.workload,
        args.open_loop,
    )?;
    let presentation = Presentation {
        json: args.json,
        out: args.out.clone(),
        report: !args.no_report,
        quiet,
        sweep: false,
        live: None,
        progress_interval: args.progress_interval,
    };
    execute(&[source], &options, &presentation)
}

/// A trace file as a source, checked up front: the format parses, the defaults workload
/// resolves, the file opens, and `--open-loop` only on a format with timestamps.
pub(crate) fn trace_source(
    file: &Path,
    format: Option<&str>,
    workload: &str,
    open_loop: bool,
) -> anyhow::Result<Source> {
    let format = format
        .map(str::parse::<workloads::tracefile::TraceFormat>)
        .transpose()
        .context("--format")?;
    let defaults = workloads::Workload::resolve(workload)?;
    // A pipe or FIFO is spooled to a temporary file here (a run reads its input once per pass).
    let source =
        crate::source::trace_file(file, format, defaults).context("cannot replay the trace")?;
    // Fail early if the trace cannot be opened at all (the error names the file).
    let reader = source.open().context("cannot replay the trace")?;
    let detected = reader.trace_format();
    drop(reader);
    if let Some(format) = detected.filter(|f| open_loop && !has_timestamps(*f)) {
        anyhow::bail!(
            "--open-loop: {} is a {format} trace, which has no timestamps (every request would \
             arrive at time 0); replay it closed loop (the default, or --clients C)",
            file.display(),
        );
    }
    Ok(source)
}

/// Whether a trace format records when each request arrived (what `--open-loop` replays).
fn has_timestamps(format: workloads::tracefile::TraceFormat) -> bool {
    use workloads::tracefile::TraceFormat;
    match format {
        TraceFormat::Csv | TraceFormat::OracleGeneral | TraceFormat::OracleGeneralZst => true,
        TraceFormat::Cache2kXz | TraceFormat::Text => false,
    }
}

fn execute(
    sources: &[Source],
    options: &RunOptions,
    presentation: &Presentation,
) -> anyhow::Result<Status> {
    // A policy that cannot replay this input is refused before anything is written.
    for source in sources {
        crate::run::preflight(source, options)?;
    }
    if presentation.live.is_some() && options.policy != crate::policies::PolicyName::Lru {
        anyhow::bail!(
            "--live/--target replay gencache over HTTP, which is the lru policy; drop --policy {} or the live replay",
            options.policy
        );
    }
    if presentation.live.is_some() && !options.warmup.is_none() {
        anyhow::bail!(
            "--warmup {} with --live/--target: the live replay counts every request, so its \
             figures would not compare with the simulation's; drop one of them",
            options.warmup
        );
    }
    // Before minutes of replay, not after: fails now if nothing can be written there. Nothing
    // appears in --out until every output has been written (see crate::staged).
    let staged = presentation
        .out
        .as_deref()
        .map(StagedDir::begin)
        .transpose()?;
    let passes = if options.measure_memory { 3 } else { 2 };
    let mut outcomes: Vec<RunOutcome> = Vec::new();
    let mut live_texts: Vec<String> = Vec::new();
    for source in sources {
        let requests = match source {
            Source::Workload(w) => w.requests,
            Source::TraceFile { .. } => 0,
        };
        let total = match source {
            Source::Workload(w) => Some(w.requests.saturating_mul(passes)),
            Source::TraceFile { .. } => None,
        };
        let mut progress = Progress::new(
            &source.name(),
            total,
            presentation.quiet,
            presentation.progress_interval,
        );
        let mut done_before = 0u64;
        let mut last_pass = "";
        let outcome = crate::run::run(source, options, &mut |pass, n| {
            if pass != last_pass {
                if !last_pass.is_empty() {
                    done_before += requests;
                }
                last_pass = pass;
            }
            progress.update(pass, done_before + n);
        });
        progress.finish();
        let mut outcome = outcome?;
        if let Some(live) = &presentation.live {
            let (comparison, text) =
                crate::live::run_for(source, &outcome.model, &outcome.results, live)?;
            outcome.results.live = Some(comparison);
            live_texts.push(text);
        }
        tracing::info!(
            workload = %outcome.results.workload.name,
            speedup = outcome.results.speedup,
            hit_rate = outcome.results.cache.hit_rate,
            "replayed"
        );
        outcomes.push(outcome);
    }

    let file = crate::run::results_file(&outcomes);

    let mut text = String::new();
    for o in &outcomes {
        text.push_str(&summary::run_summary(o));
        text.push('\n');
    }
    for live in &live_texts {
        text.push_str(live);
        text.push_str("\n\n");
    }
    if presentation.sweep {
        text.push_str(&summary::sweep_summary(&crate::memory::sweep()));
    }

    if let Some(staged) = staged {
        let target = staged.target().to_path_buf();
        let dir = staged.path();
        let shown = |path: &Path| target.join(path.strip_prefix(dir).unwrap_or(path));
        let results = reports::write_results(dir, &file)
            .with_context(|| format!("writing results into {}", target.display()))?;
        output::write_run_csvs(dir, &file.runs)?;
        let mut written = format!("results: {}", shown(&results).display());
        if presentation.report {
            let label = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".to_string());
            let files = reports::write_report(
                &[reports::ReportInput {
                    label,
                    results: file.clone(),
                }],
                dir,
            )
            .with_context(|| format!("writing the report into {}", target.display()))?;
            written.push_str(&format!(
                "; report: {} and {}",
                shown(&files.markdown).display(),
                shown(&files.html).display()
            ));
        }
        staged.commit()?;
        text.push_str(&format!(
            "\noutput written to {} ({written})\n",
            target.display()
        ));
    }

    if presentation.json {
        println!("{}", serde_json::to_string_pretty(&file)?);
        if !presentation.quiet {
            eprint!("{text}");
        }
    } else if !presentation.quiet {
        print!("{text}");
    }
    Ok(Status::Passed)
}
