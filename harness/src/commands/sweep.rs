//! `harness sweep` and `harness profile`: the curve, its advice and the trace's profile,
//! printed, as JSON, and written with the charts and the report section.

use super::Status;
use super::run::trace_source;
use crate::cli::{ProfileArgs, SourceArgs, SweepArgs};
use crate::model::effective_limits;
use crate::output;
use crate::policies::PolicyName;
use crate::run::RunOptions;
use crate::source::Source;
use crate::summary::table;
use crate::sweep::advice::describe;
use crate::sweep::grid::{self, AxisFlags, AxisValue};
use crate::sweep::{SweepSpec, profile_of};
use anyhow::Context;
use reports::format::{bytes as human_bytes, duration as human_duration, thousands};
use reports::sweep::{SweepAxis, SweepResults, TraceProfile};
use std::fmt::Write as _;

/// The source of a sweep or profile: a trace file (with `--workload` giving defaults) or a
/// workload.
fn source_of(args: &SourceArgs, open_loop: bool) -> anyhow::Result<Source> {
    match (&args.file, &args.workload) {
        (Some(file), workload) => trace_source(
            file,
            args.format.as_deref(),
            workload.as_deref().unwrap_or("typical"),
            open_loop,
        ),
        (None, Some(workload)) => {
            anyhow::ensure!(
                !workload.contains(','),
                "--workload: one workload per sweep, got `{workload}`"
            );
            anyhow::ensure!(args.format.is_none(), "--format is for a trace file");
            anyhow::ensure!(!open_loop, "--open-loop is for a trace file");
            Ok(Source::Workload(workloads::Workload::resolve(workload)?))
        }
        (None, None) => anyhow::bail!("give a trace file or --workload"),
    }
}

/// `harness sweep`.
pub fn sweep(args: &SweepArgs, quiet: bool) -> anyhow::Result<Status> {
    // Everything that can be refused is refused before any replay and any output.
    let grid = grid::parse_grid(&AxisFlags {
        max_entries: args.max_entries.clone(),
        max_bytes: args.max_bytes.clone(),
        ttl: args.ttl.clone(),
        workers: args.workers.clone(),
    })
    .map_err(anyhow::Error::msg)?;
    let source = source_of(&args.source, args.open_loop)?;
    let mut base = RunOptions {
        hit_cost_s: args.hit_cost.map(|h| h.secs()),
        warmup: args.warmup.unwrap_or_default(),
        single_flight: !args.no_single_flight,
        clients: args.clients,
        open_loop_file: args.open_loop,
        measure_lookups: false,
        measure_memory: false,
        ..RunOptions::default()
    };
    for value in &grid.fixed {
        base = value.apply(base);
    }
    let values = if grid.auto {
        let ttl_s = effective_limits(&source, &base)
            .ttl
            .map(|t| t.as_secs_f64());
        let profile = profile_of(&source, ttl_s)?;
        let footprint = match grid.axis {
            SweepAxis::MaxBytes => profile.footprint_bytes,
            _ => profile.distinct_keys,
        };
        grid::auto_budgets(footprint)
            .into_iter()
            .map(|b| match grid.axis {
                SweepAxis::MaxBytes => AxisValue::MaxBytes(Some(b)),
                _ => AxisValue::MaxEntries(Some(b)),
            })
            .collect()
    } else {
        grid.values
    };
    let mut spec = SweepSpec {
        axis: grid.axis,
        values,
        target_speedup: args.target_speedup,
        cost_per_hour: args.generator_cost_per_hour,
        force_engine: false,
        policies: Vec::new(),
    };
    let (policies, notes) = sweep_policies(args, &source, &base, &spec)?;
    spec.policies = policies;
    if !quiet {
        for note in &notes {
            eprintln!("note: {note}");
        }
    }
    // Before minutes of replay, not after: fails now if nothing can be written there. Nothing
    // appears in --out until every output has been written (see crate::staged).
    let staged = args
        .out
        .as_deref()
        .map(crate::staged::StagedDir::begin)
        .transpose()?;
    let results = crate::sweep::sweep(&source, &base, &spec)?;
    let mut text = profile_text(&results.workload, &results.profile);
    text.push('\n');
    text.push_str(&sweep_text(&results));
    if let Some(staged) = staged {
        write_sweep(staged.path(), &results)?;
        let dir = staged.target().to_path_buf();
        staged.commit()?;
        let _ = writeln!(
            text,
            "\noutput written to {} ({}, sweep.csv, report.md, report.html and the charts)",
            dir.display(),
            reports::sweep::SWEEP_FILE_NAME
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        if !quiet {
            eprint!("{text}");
        }
    } else if !quiet {
        print!("{text}");
    }
    Ok(Status::Passed)
}

/// The policies to sweep, and a note for each policy of `all` skipped because it cannot run
/// with these bounds. A policy named explicitly that cannot run at some point of the grid is
/// an error (before any replay and any output).
fn sweep_policies(
    args: &SweepArgs,
    source: &Source,
    base: &RunOptions,
    spec: &SweepSpec,
) -> anyhow::Result<(Vec<PolicyName>, Vec<String>)> {
    let all = args
        .policies
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("all"));
    let asked = match (&args.policies, args.policy) {
        (Some(list), _) => PolicyName::parse_list(list).context("--policies")?,
        (None, Some(policy)) => vec![policy],
        (None, None) => vec![PolicyName::Lru],
    };
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    for policy in asked {
        let policy_base = RunOptions {
            policy,
            ..base.clone()
        };
        let refusal = crate::sweep::point_options(&policy_base, spec)
            .iter()
            .find_map(|o| crate::run::preflight(source, o).err());
        match refusal {
            None => kept.push(policy),
            Some(e) if all => notes.push(format!("skipped {policy}: {e}")),
            Some(e) => return Err(anyhow::Error::new(e).context(format!("--policy {policy}"))),
        }
    }
    anyhow::ensure!(
        !kept.is_empty(),
        "no policy can run with these bounds ({})",
        notes.join("; ")
    );
    Ok((kept, notes))
}

/// Writes `sweep.json`, `sweep.csv` and the report section with its charts into `dir` (the
/// staging directory, swapped in by the caller once everything is written).
fn write_sweep(dir: &std::path::Path, results: &SweepResults) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(results)?;
    let json_path = dir.join(reports::sweep::SWEEP_FILE_NAME);
    output::write_atomic(&json_path, &json)?;
    let csv_path = dir.join("sweep.csv");
    output::write_atomic(&csv_path, sweep_csv(results).as_bytes())?;
    reports::write_sweep_report(results, dir)
        .with_context(|| format!("writing the sweep report into {}", dir.display()))?;
    Ok(())
}

/// The points as CSV, one row per point, the unbounded bound last.
pub fn sweep_csv(results: &SweepResults) -> String {
    let mut out = String::from(
        "max_entries,max_bytes,ttl_s,workers,policy,requests,hits,misses,joined,generations,\
         hit_rate,byte_hit_rate,cost_hit_rate,generator_hours_saved,money_saved,speedup,\
         latency_mean_s,latency_p50_s,latency_p99_s,evictions,expirations,virtual_time_s,\
         baseline_time_s,wait_mean_s,generator_utilization,unbounded,warmup_requests\n",
    );
    let opt = |v: Option<String>| v.unwrap_or_default();
    let rows = results
        .points
        .iter()
        .map(|p| (p, false))
        .chain(std::iter::once((&results.unbounded, true)));
    for (p, unbounded) in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            opt(p.max_entries.map(|v| v.to_string())),
            opt(p.max_bytes.map(|v| v.to_string())),
            opt(p.ttl_s.map(|v| v.to_string())),
            p.workers,
            p.policy,
            p.requests,
            p.hits,
            p.misses,
            p.joined,
            p.generations,
            p.hit_rate,
            p.byte_hit_rate,
            p.cost_hit_rate,
            p.generator_hours_saved,
            opt(p.money_saved.map(|v| v.to_string())),
            p.speedup,
            p.latency_mean_s,
            p.latency_p50_s,
            p.latency_p99_s,
            p.evictions,
            p.expirations,
            opt(p.virtual_time_s.map(|v| v.to_string())),
            opt(p.baseline_time_s.map(|v| v.to_string())),
            opt(p.wait_mean_s.map(|v| v.to_string())),
            opt(p.generator_utilization.map(|v| v.to_string())),
            unbounded,
            results.warmup_requests
        );
    }
    out
}

/// The profile as printed.
pub fn profile_text(name: &str, p: &TraceProfile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "profile of {name}:");
    let _ = writeln!(
        s,
        "  {} requests, {} distinct keys; compulsory misses {:.2} % (the unbounded cache's miss ratio); one-hit wonders {:.1} % of keys",
        thousands(p.requests),
        thousands(p.distinct_keys),
        p.compulsory_miss_ratio * 100.0,
        p.one_hit_wonder_ratio * 100.0
    );
    let _ = writeln!(
        s,
        "  popularity: Zipf exponent {:.3} fitted (R² {:.3}); footprint {} (every key at its last size)",
        p.zipf_exponent,
        p.zipf_r2,
        human_bytes(p.footprint_bytes)
    );
    if !p.reuse_requests.is_empty() {
        let cells: Vec<String> = p
            .reuse_requests
            .iter()
            .map(|(q, v)| format!("p{q} {}", thousands(*v as u64)))
            .collect();
        let _ = writeln!(
            s,
            "  reuse distance (requests since the key's last use): {}",
            cells.join(", ")
        );
    }
    if !p.reuse_seconds.is_empty() {
        let cells: Vec<String> = p
            .reuse_seconds
            .iter()
            .map(|(q, v)| format!("p{q} {}", human_duration(*v)))
            .collect();
        let _ = writeln!(s, "  reuse time (trace timestamps): {}", cells.join(", "));
    } else {
        let _ = writeln!(
            s,
            "  reuse time: the trace has no timestamps (closed loop), so reuse is in requests only"
        );
    }
    match (p.ttl_s, p.reuses_after_ttl) {
        (Some(ttl), Some(share)) => {
            let _ = writeln!(
                s,
                "  against the TTL of {}: {:.1} % of reuses come after it (they would find the entry expired)",
                human_duration(ttl),
                share * 100.0
            );
        }
        (Some(ttl), None) => {
            let _ = writeln!(
                s,
                "  TTL {}: not comparable with reuse times (no timestamps)",
                human_duration(ttl)
            );
        }
        (None, _) => {}
    }
    s
}

/// The curve and the advice as printed.
pub fn sweep_text(r: &SweepResults) -> String {
    let mut s = String::new();
    let how = match r.method.as_str() {
        "stack" => "one pass over the trace (LRU stack distances)",
        "engine" => "one full replay per point, in parallel",
        _ => "one pass for lru (LRU stack distances), one full replay per point for the others",
    };
    let names = r.policy_names();
    let several = names.len() > 1;
    let _ = writeln!(
        s,
        "sweep of {} over {} points on {} ({}; {}; {} {}; lookup time left out: deterministic)",
        r.axis.flag(),
        r.points.len(),
        r.workload,
        r.arrival,
        how,
        if names.len() > 1 {
            "policies"
        } else {
            "policy"
        },
        names.join(", ")
    );
    if let Some(warmup) = reports::format::warmup(r.warmup_requests, r.profile.requests) {
        let _ = writeln!(
            s,
            "  warm-up: {warmup} (they warm the cache; every figure is of the {} measured requests)",
            thousands(r.profile.requests.saturating_sub(r.warmup_requests))
        );
    }
    let money = r.generator_cost_per_hour.is_some();
    let mut header = vec![
        "point",
        "hit rate",
        "byte hits",
        "cost hits",
        "generations",
        "gen. hours saved",
    ];
    if money {
        header.push("money saved");
    }
    header.extend(["speedup", "mean", "p50", "p99", "evictions", "expirations"]);
    let row = |label: String, p: &reports::sweep::SweepPoint| {
        let mut cells = vec![
            label,
            format!("{:.2} %", p.hit_rate * 100.0),
            format!("{:.2} %", p.byte_hit_rate * 100.0),
            format!("{:.2} %", p.cost_hit_rate * 100.0),
            thousands(p.generations),
            format!("{:.1}", p.generator_hours_saved),
        ];
        if let Some(m) = p.money_saved {
            cells.push(format!("{m:.2}"));
        }
        cells.extend([
            format!("{:.2}x", p.speedup),
            human_duration(p.latency_mean_s),
            human_duration(p.latency_p50_s),
            human_duration(p.latency_p99_s),
            thousands(p.evictions),
            thousands(p.expirations),
        ]);
        cells
    };
    let mut rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let label = describe(r.axis, p);
            row(
                if several {
                    format!("{} · {label}", p.policy)
                } else {
                    label
                },
                p,
            )
        })
        .collect();
    rows.push(row(
        format!("({})", reports::sweep::unbounded_label(r)),
        &r.unbounded,
    ));
    s.push_str(&table(&header, &rows));
    let _ = writeln!(s, "advice (target {}x):", r.target_speedup);
    let lines: Vec<&String> = if r.policy_advice.is_empty() {
        r.advice.lines.iter().collect()
    } else {
        r.policy_advice
            .iter()
            .flat_map(|a| &a.advice.lines)
            .collect()
    };
    for line in lines {
        let _ = writeln!(s, "  - {line}");
    }
    if let Some(line) = reports::sweep::workers_saved(r) {
        let _ = writeln!(s, "  - {line}");
    }
    if !r.comparison.is_empty() {
        let _ = writeln!(s, "which policy, per value:");
        for line in &r.comparison {
            let _ = writeln!(s, "  - {line}");
        }
    }
    s
}

/// `harness profile`.
pub fn profile(args: &ProfileArgs, out: &mut dyn std::io::Write) -> anyhow::Result<Status> {
    let source = source_of(&args.source, false)?;
    let ttl_s = match args.ttl {
        Some(t) => t.get(),
        None => effective_limits(&source, &RunOptions::default()).ttl,
    }
    .map(|t| t.as_secs_f64());
    let profile = profile_of(&source, ttl_s)?;
    anyhow::ensure!(
        profile.requests > 0,
        "{}: the trace has no requests",
        source.name()
    );
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&profile)?)?;
    } else {
        write!(out, "{}", profile_text(&source.name(), &profile))?;
    }
    Ok(Status::Passed)
}
