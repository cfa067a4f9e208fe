//! The report's content as a small document model, built once and rendered twice (Markdown and
//! HTML), so the two files always say the same thing.

use crate::charts::RenderedChart;
use crate::format;
use crate::results::{ModelParams, ResultsFile, RunResults};

/// A block of the report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A heading; level 1 is the document title.
    Heading(u8, String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// A bulleted list of plain-text items.
    Bullets(Vec<String>),
    /// A table.
    Table(Table),
    /// A chart, by file stem (`stem.png` / `stem.svg`).
    Figure { stem: String, title: String },
}

/// A table of plain-text cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns after the first `text_columns` hold numbers and are right-aligned.
    pub text_columns: usize,
}

/// One input as the document sees it.
pub(crate) struct LabelledResults<'a> {
    pub label: &'a str,
    pub results: &'a ResultsFile,
    /// Charts of this input's runs, in run order: (run index, chart).
    pub charts: Vec<(usize, &'a RenderedChart)>,
}

/// Builds the whole report.
pub(crate) fn build(inputs: &[LabelledResults<'_>], speedup_chart: &RenderedChart) -> Vec<Block> {
    let comparison = inputs.len() > 1;
    let mut blocks = vec![Block::Heading(1, "gencache replay report".into())];
    let sources: Vec<String> = inputs
        .iter()
        .map(|input| {
            format!(
                "{} (harness {}, {} run{})",
                input.label,
                input.results.tool_version,
                input.results.runs.len(),
                if input.results.runs.len() == 1 {
                    ""
                } else {
                    "s"
                }
            )
        })
        .collect();
    blocks.push(Block::Paragraph(format!(
        "Results: {}. Speedup is baseline virtual time / cached virtual time on the same trace; \
         a claim holds when the simulated speedup reaches the claimed factor.",
        sources.join("; ")
    )));

    if comparison {
        blocks.push(Block::Heading(2, "Comparison".into()));
        blocks.push(Block::Paragraph(format!(
            "Runs matched by workload name; changes are against {}.",
            inputs[0].label
        )));
        blocks.push(Block::Table(crate::comparison::comparison_table(inputs)));
    }

    for input in inputs {
        let suffix = if comparison {
            format!(": {}", input.label)
        } else {
            String::new()
        };
        blocks.push(Block::Heading(2, format!("Summary{suffix}")));
        blocks.push(Block::Table(summary_table(&input.results.runs)));
        blocks.push(Block::Heading(2, format!("Claims{suffix}")));
        blocks.push(Block::Paragraph(claims_at_model(&input.results.runs)));
        blocks.push(Block::Table(claims_table(&input.results.runs)));
        blocks.push(Block::Heading(2, format!("Cache and memory{suffix}")));
        blocks.push(Block::Table(cache_table(&input.results.runs)));
        if input.results.runs.iter().any(|run| run.live.is_some()) {
            blocks.push(Block::Heading(
                2,
                format!("Live replay vs simulation{suffix}"),
            ));
            blocks.push(Block::Table(live_table(&input.results.runs)));
        }
        blocks.push(Block::Heading(2, format!("Model{suffix}")));
        blocks.push(Block::Bullets(model_bullets(&input.results.runs)));
        blocks.push(Block::Table(model_table(&input.results.runs)));
    }

    blocks.push(Block::Heading(2, "Charts".into()));
    blocks.push(Block::Figure {
        stem: speedup_chart.stem.clone(),
        title: speedup_chart.title.clone(),
    });
    for input in inputs {
        for (run_index, run) in input.results.runs.iter().enumerate() {
            let heading = if comparison {
                format!("{}: {}", input.label, run.workload.name)
            } else {
                run.workload.name.clone()
            };
            blocks.push(Block::Heading(3, heading));
            for (_, chart) in input.charts.iter().filter(|(index, _)| *index == run_index) {
                blocks.push(Block::Figure {
                    stem: chart.stem.clone(),
                    title: chart.title.clone(),
                });
            }
        }
    }
    blocks
}

fn optional_percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), format::percent)
}

/// Short form of a claim for table cells: `3.1× @ 70 %`.
fn claim_short(claimed_speedup: f64, claimed_hit_rate: f64) -> String {
    format!(
        "{}× @ {:.0} %",
        format::plain_number(claimed_speedup),
        claimed_hit_rate * 100.0
    )
}

fn verdict_word(holds: Option<bool>) -> &'static str {
    match holds {
        Some(true) => "holds",
        Some(false) => "does not hold",
        None => "not tested",
    }
}

pub(crate) fn summary_table(runs: &[RunResults]) -> Table {
    let rows = runs
        .iter()
        .map(|run| {
            let verdicts: Vec<String> = run
                .claims
                .iter()
                .filter(|claim| claim.holds.is_some())
                .map(|claim| {
                    format!(
                        "{}: {}",
                        claim_short(claim.claimed_speedup, claim.claimed_hit_rate),
                        verdict_word(claim.holds)
                    )
                })
                .collect();
            vec![
                run.workload.name.clone(),
                if verdicts.is_empty() {
                    "none tested".into()
                } else {
                    verdicts.join("; ")
                },
                // The requests the figures are of (the trace's, less any warm-up).
                format::thousands(run.measured_requests()),
                optional_percent(run.workload.target_hit_rate),
                format::percent(run.cache.hit_rate),
                format::speedup(run.speedup),
                run.memory
                    .and_then(|m| m.overhead_pct)
                    .map_or_else(|| "n/a".to_string(), |o| format!("{o:.1} %")),
                format::seconds(run.baseline.latency.p50),
                format::seconds(run.cached.latency.p50),
                format::seconds(run.baseline.latency.p99),
                format::seconds(run.cached.latency.p99),
            ]
        })
        .collect();
    Table {
        header: [
            "workload",
            "claim verdicts",
            "requests",
            "target hit rate",
            "achieved hit rate",
            "speedup",
            "memory overhead",
            "p50 baseline",
            "p50 cached",
            "p99 baseline",
            "p99 cached",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text_columns: 2,
    }
}

/// What the model itself says at each claim's hit rate, once per distinct claim: the claims
/// can be wrong before any replay (3.1× at 70 % is below the model's 3.33×).
fn claims_at_model(runs: &[RunResults]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut parts = Vec::new();
    for claim in runs.iter().flat_map(|run| run.claims.iter()) {
        if seen.contains(&claim.claim.as_str()) {
            continue;
        }
        seen.push(&claim.claim);
        parts.push(format!(
            "{} claimed, model {}",
            claim_short(claim.claimed_speedup, claim.claimed_hit_rate),
            format::speedup(claim.analytic_at_claimed)
        ));
    }
    if parts.is_empty() {
        return "These results carry no claim verdicts.".to_string();
    }
    format!(
        "The model S(h) = t_miss / (h·t_hit + (1−h)·t_miss) with each run's costs at the claims' own hit rates: {}. \
         Below, the claims each run tests (the others are left out).",
        parts.join("; ")
    )
}

pub(crate) fn claims_table(runs: &[RunResults]) -> Table {
    let mut rows = Vec::new();
    for run in runs {
        for claim in run
            .claims
            .iter()
            .filter(|claim| claim.holds.is_some() || claim.simulated.is_some())
        {
            rows.push(vec![
                run.workload.name.clone(),
                claim.claim.clone(),
                verdict_word(claim.holds).to_string(),
                claim.note.clone(),
                format::speedup(claim.analytic_at_claimed),
                format::speedup(claim.analytic_at_achieved),
                claim
                    .simulated
                    .map_or_else(|| "—".to_string(), format::speedup),
            ]);
        }
    }
    Table {
        header: [
            "workload",
            "claim",
            "verdict",
            "why",
            "model at claimed hit rate",
            "model at achieved hit rate",
            "simulated",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text_columns: 4,
    }
}

pub(crate) fn cache_table(runs: &[RunResults]) -> Table {
    let rows = runs
        .iter()
        .map(|run| {
            let cache = &run.cache;
            vec![
                run.workload.name.clone(),
                format::thousands(cache.hits),
                format::thousands(cache.misses),
                format::thousands(cache.joined),
                format::thousands(run.baseline.generations),
                format::thousands(run.cached.generations),
                format::thousands(cache.evicted_entries + cache.evicted_bytes),
                format::thousands(cache.expired),
                format::bytes(cache.peak_bytes),
                format::thousands(cache.peak_entries),
                run.memory
                    .map_or_else(not_measured, |m| format::bytes(m.payload_bytes)),
                run.memory
                    .map_or_else(not_measured, |m| format::bytes(m.heap_bytes)),
                run.memory
                    .and_then(|m| m.overhead_per_entry)
                    .map_or_else(not_measured, |o| format!("{o:.0} B")),
            ]
        })
        .collect();
    Table {
        header: [
            "workload",
            "hits",
            "misses",
            "joined",
            "generations baseline",
            "generations cached",
            "evictions",
            "expired",
            "peak bytes",
            "peak entries",
            "payload held",
            "heap held",
            "overhead per entry",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text_columns: 1,
    }
}

fn live_table(runs: &[RunResults]) -> Table {
    let rows = runs
        .iter()
        .filter_map(|run| run.live.as_ref().map(|live| (run, live)))
        .map(|(run, live)| {
            vec![
                run.workload.name.clone(),
                live.mode.clone(),
                format!("{}", live.time_scale),
                format::speedup(live.speedup),
                format::speedup(run.speedup),
                format!("{:+.1} %", live.speedup_diff_pct),
                format::percent(live.hit_rate),
                format!("{:+}", live.hit_diff),
            ]
        })
        .collect();
    Table {
        header: [
            "workload",
            "mode",
            "time scale",
            "live speedup",
            "simulated speedup",
            "difference",
            "live hit rate",
            "hit difference",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text_columns: 2,
    }
}

fn ttl_text(ttl_s: Option<f64>) -> String {
    ttl_s.map_or_else(|| "none".to_string(), format::seconds)
}

fn model_bullets(runs: &[RunResults]) -> Vec<String> {
    let mut bullets = vec![
        "Each workload is replayed twice on a virtual clock (a discrete-event simulation): baseline \
         sends every request to the generator; cached puts the real gencache cache in front of it."
            .to_string(),
    ];
    let first = runs.first().map(|run| &run.model);
    let shared = first.filter(|model| runs.iter().all(|run| run.model == **model));
    match shared {
        Some(model) => bullets.extend(describe_model(model)),
        None => bullets.push(
            "The runs use different model parameters; the table below gives them per workload."
                .to_string(),
        ),
    }
    bullets.push(
        "TTL and byte/entry budgets act in virtual time through the cache's injectable clock; \
         memory is measured by a counting allocator, not estimated."
            .to_string(),
    );
    for run in runs {
        if let Some(warmup) = format::warmup(run.warmup_requests, run.workload.requests) {
            bullets.push(format!(
                "{}: {warmup}: those requests went through the cache (they warm it) and are in \
                 no figure of this report; every count, rate, time and latency is of the {} \
                 measured requests.",
                run.workload.name,
                format::thousands(run.measured_requests())
            ));
        }
    }
    bullets
}

fn describe_model(model: &ModelParams) -> Vec<String> {
    vec![
        format!(
            "Generator: K = {} worker{}; a miss queues for a free worker and holds it for the \
             request's generation cost (mean {:.1} s over the trace).",
            model.workers,
            if model.workers == 1 { "" } else { "s" },
            model.mean_miss_cost_s
        ),
        format!(
            "A hit is answered after {} s plus the measured cache lookup time.",
            model.hit_cost_s
        ),
        if model.single_flight {
            "Single-flight on: a request whose key is already being generated waits for that \
             generation (counted as joined)."
                .to_string()
        } else {
            "Single-flight off: concurrent duplicate misses each start their own generation \
             (the thundering herd)."
                .to_string()
        },
        format!(
            "Cache bounds: max entries {}, max bytes {}, default TTL {}.",
            model
                .max_entries
                .map_or_else(|| "none".to_string(), format::thousands),
            model
                .max_bytes
                .map_or_else(|| "none".to_string(), format::bytes),
            ttl_text(model.ttl_s),
        ),
    ]
}

fn model_table(runs: &[RunResults]) -> Table {
    let rows = runs
        .iter()
        .map(|run| {
            let model = &run.model;
            vec![
                run.workload.name.clone(),
                run.workload.arrival.clone(),
                model.workers.to_string(),
                format!("{} s", model.hit_cost_s),
                if model.single_flight {
                    "on".into()
                } else {
                    "off".into()
                },
                format!("{:.1} s", model.mean_miss_cost_s),
                model
                    .max_entries
                    .map_or_else(|| "—".to_string(), format::thousands),
                model
                    .max_bytes
                    .map_or_else(|| "—".to_string(), format::bytes),
                ttl_text(model.ttl_s),
                run.workload.seed.to_string(),
            ]
        })
        .collect();
    Table {
        header: [
            "workload",
            "arrivals",
            "workers K",
            "hit cost",
            "single-flight",
            "mean miss cost",
            "max entries",
            "max bytes",
            "TTL",
            "seed",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text_columns: 2,
    }
}

/// A memory figure of a run that did not measure memory (or where it is undefined).
fn not_measured() -> String {
    "n/a".to_string()
}
