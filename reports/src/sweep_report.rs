//! The sweep section: `report.md` / `report.html` with the sweep chart and the hours-saved
//! chart, from a saved [`SweepResults`] (what `harness sweep --out` and `harness report` on a
//! sweep directory both write).

use std::path::Path;

use crate::charts::{self, RenderedChart, SavedChart, SweepChart, TtlChart, WorkersChart};
use crate::document::{Block, Table};
use crate::error::ReportError;
use crate::format;
use crate::io::{create_dir, write_atomic};
use crate::report::{HTML_FILE_NAME, MARKDOWN_FILE_NAME, ReportFiles};
use crate::sweep::{SweepAxis, SweepPoint, SweepResults};
use crate::{html, markdown};

fn label(axis: SweepAxis, p: &SweepPoint) -> String {
    match axis {
        SweepAxis::MaxEntries => p.max_entries.map_or("unbounded".into(), format::thousands),
        SweepAxis::MaxBytes => p.max_bytes.map_or("unbounded".into(), format::bytes),
        SweepAxis::Ttl => p.ttl_s.map_or("never".into(), format::seconds),
        SweepAxis::Workers => p.workers.to_string(),
    }
}

/// The section's blocks.
fn blocks(r: &SweepResults, charts: &[&RenderedChart]) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading(1, format!("gencache sweep report: {}", r.workload)),
        Block::Heading(2, format!("Sweep over {}", r.axis.flag())),
        Block::Paragraph(format!(
            "{} points; {}; computed by {} ({}; harness {}); {}.",
            r.points.len(),
            r.arrival,
            match r.method.as_str() {
                "stack" => "one pass over the trace (LRU stack distances)",
                "engine" => "one full replay per point",
                _ =>
                    "one pass for lru (LRU stack distances), one full replay per point for the others",
            },
            crate::charts::policy_caption(r),
            r.tool_version,
            format::warmup(r.warmup_requests, r.profile.requests)
                .map(|w| format!("{w}: they warm the cache and are in no figure below"))
                .unwrap_or_else(|| "no warm-up: every request is counted".to_string())
        )),
    ];
    let p = &r.profile;
    blocks.push(Block::Heading(3, "Trace profile".into()));
    let mut profile = vec![
        format!(
            "{} requests, {} distinct keys",
            format::thousands(p.requests),
            format::thousands(p.distinct_keys)
        ),
        format!(
            "compulsory misses {}, one-hit wonders {} of keys",
            format::percent(p.compulsory_miss_ratio),
            format::percent(p.one_hit_wonder_ratio)
        ),
        format!(
            "fitted Zipf exponent {:.3} (R² {:.3}); footprint {}",
            p.zipf_exponent,
            p.zipf_r2,
            format::bytes(p.footprint_bytes)
        ),
    ];
    if let Some(share) = p.reuses_after_ttl {
        profile.push(format!(
            "{} of reuses come after the TTL",
            format::percent(share)
        ));
    }
    blocks.push(Block::Bullets(profile));
    blocks.push(Block::Heading(3, "Advice".into()));
    if r.policy_advice.is_empty() {
        blocks.push(Block::Bullets(r.advice.lines.clone()));
    } else {
        blocks.push(Block::Bullets(
            r.policy_advice
                .iter()
                .flat_map(|a| a.advice.lines.iter().cloned())
                .collect(),
        ));
    }
    if let Some(line) = crate::sweep::workers_saved(r) {
        blocks.push(Block::Heading(3, "Workers".into()));
        blocks.push(Block::Paragraph(format!("{line}.")));
    }
    if !r.comparison.is_empty() {
        blocks.push(Block::Heading(3, "Which policy".into()));
        blocks.push(Block::Bullets(r.comparison.clone()));
    }
    let money = r.generator_cost_per_hour.is_some();
    let mut header: Vec<String> = [
        "point",
        "hit rate",
        "byte hit rate",
        "cost hit rate",
        "generations",
        "generator hours saved",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if money {
        header.push("money saved".into());
    }
    header.extend(
        ["speedup", "mean", "p50", "p99", "evictions", "expirations"]
            .iter()
            .map(|s| s.to_string()),
    );
    let row = |name: String, p: &SweepPoint| {
        let mut cells = vec![
            name,
            format::percent(p.hit_rate),
            format::percent(p.byte_hit_rate),
            format::percent(p.cost_hit_rate),
            format::thousands(p.generations),
            format::plain_number(p.generator_hours_saved),
        ];
        if let Some(m) = p.money_saved {
            cells.push(format::plain_number(m));
        }
        cells.extend([
            format::speedup(p.speedup),
            format::seconds(p.latency_mean_s),
            format::seconds(p.latency_p50_s),
            format::seconds(p.latency_p99_s),
            format::thousands(p.evictions),
            format::thousands(p.expirations),
        ]);
        cells
    };
    let several = r.policy_names().len() > 1;
    let mut rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let name = label(r.axis, p);
            row(
                if several {
                    format!("{} · {name}", p.policy)
                } else {
                    name
                },
                p,
            )
        })
        .collect();
    rows.push(row(crate::sweep::unbounded_label(r), &r.unbounded));
    blocks.push(Block::Table(Table {
        header,
        rows,
        text_columns: 1,
    }));
    for chart in charts {
        blocks.push(Block::Figure {
            stem: chart.stem.clone(),
            title: chart.title.clone(),
        });
    }
    blocks
}

/// Writes `sweep-curve` and `sweep-saved` charts (SVG and PNG) — and on a TTL sweep
/// `ttl-curve`, on a workers sweep `workers-curve` — `report.md` and `report.html` for a sweep
/// into `out_dir`, each file atomically.
///
/// # Errors
///
/// [`ReportError`] when a chart cannot be drawn or a file cannot be written.
pub fn write_sweep_report(r: &SweepResults, out_dir: &Path) -> Result<ReportFiles, ReportError> {
    let curve = charts::render("sweep-curve", &SweepChart { results: r })?;
    let saved = charts::render("sweep-saved", &SavedChart { results: r })?;
    let dedicated = match r.axis {
        SweepAxis::Ttl => Some(charts::render("ttl-curve", &TtlChart { results: r })?),
        SweepAxis::Workers => Some(charts::render(
            "workers-curve",
            &WorkersChart { results: r },
        )?),
        SweepAxis::MaxEntries | SweepAxis::MaxBytes => None,
    };
    let mut all = vec![&curve, &saved];
    all.extend(dedicated.as_ref());
    let blocks = blocks(r, &all);
    let all = all.as_slice();
    create_dir(out_dir)?;
    let mut files = Vec::new();
    for chart in all {
        let svg = out_dir.join(format!("{}.svg", chart.stem));
        write_atomic(&svg, chart.svg.as_bytes())?;
        let png = out_dir.join(format!("{}.png", chart.stem));
        write_atomic(&png, &chart.png)?;
        files.push(svg);
        files.push(png);
    }
    let markdown_path = out_dir.join(MARKDOWN_FILE_NAME);
    write_atomic(&markdown_path, markdown::render(&blocks).as_bytes())?;
    let html_path = out_dir.join(HTML_FILE_NAME);
    write_atomic(
        &html_path,
        html::render(
            &format!("gencache sweep report: {}", r.workload),
            &blocks,
            all,
        )
        .as_bytes(),
    )?;
    Ok(ReportFiles {
        markdown: markdown_path,
        html: html_path,
        charts: files,
    })
}
