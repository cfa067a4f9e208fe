//! The human-readable summary of a run: a side-by-side table, the verdict on the seed's claims,
//! memory overhead, and the memory sweep.

use crate::memory::SweepPoint;
use crate::run::RunOutcome;
use reports::results::{LatencySummary, RunResults};
use std::fmt::Write as _;

use reports::format::{bytes as human_bytes, duration as human_duration, thousands};

fn pct(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

fn latency(l: &LatencySummary) -> String {
    format!(
        "{} / {} / {} / {}",
        human_duration(l.p50),
        human_duration(l.p90),
        human_duration(l.p99),
        human_duration(l.max)
    )
}

/// Renders rows as an aligned text table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths.get(i).copied().unwrap_or(0);
            let _ = write!(l, "{cell:<pad$}  ");
        }
        let _ = writeln!(out, "  {}", l.trim_end());
    };
    line(&mut out, header.iter().map(|h| h.to_string()).collect());
    line(
        &mut out,
        widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    );
    for row in rows {
        line(&mut out, row.clone());
    }
    out
}

/// The summary of one run.
pub fn run_summary(outcome: &RunOutcome) -> String {
    let r: &RunResults = &outcome.results;
    let mut s = String::new();
    let limits = describe_limits(r);
    let _ = writeln!(
        s,
        "== {} — {}; {} worker(s); hit cost {}; single-flight {}; cache: {}",
        r.workload.name,
        r.workload.arrival,
        r.model.workers,
        human_duration(r.model.hit_cost_s),
        if r.model.single_flight { "on" } else { "off" },
        limits
    );
    let _ = writeln!(
        s,
        "  model: virtual clock; baseline = no cache, every request generates (so no single-flight \
         either); a miss holds a worker for its cost; a hit costs the hit cost{}",
        if outcome.lookup_s > 0.0 {
            " plus the measured lookup time"
        } else {
            " (lookup time not added: deterministic)"
        }
    );
    if let Some(warmup) = reports::format::warmup(r.warmup_requests, r.workload.requests) {
        let _ = writeln!(
            s,
            "  warm-up: {warmup} (they went through the cache; every figure below is of the {} \
             measured requests)",
            thousands(r.measured_requests())
        );
    }
    let target = r
        .workload
        .target_hit_rate
        .map(pct)
        .unwrap_or_else(|| "-".to_string());
    let measured = r.measured_requests();
    let rows = vec![
        vec![
            if r.warmup_requests > 0 {
                "requests (measured)".into()
            } else {
                "requests".into()
            },
            thousands(measured),
            thousands(measured),
        ],
        vec![
            "distinct keys".into(),
            thousands(r.workload.distinct_keys),
            String::new(),
        ],
        vec![
            format!("hit rate (target {target})"),
            "-".into(),
            pct(r.cache.hit_rate),
        ],
        vec![
            "hits / misses / joined".into(),
            format!("0 / {} / 0", thousands(measured)),
            format!(
                "{} / {} / {}",
                thousands(r.cache.hits),
                thousands(r.cache.misses),
                thousands(r.cache.joined)
            ),
        ],
        vec![
            "generations".into(),
            thousands(r.baseline.generations),
            thousands(r.cached.generations),
        ],
        vec![
            "virtual time (makespan)".into(),
            human_duration(r.baseline.virtual_time_s),
            human_duration(r.cached.virtual_time_s),
        ],
        vec![
            "  generating (worker time)".into(),
            human_duration(r.baseline.generation_time_s),
            human_duration(r.cached.generation_time_s),
        ],
        vec![
            "  waiting (request time)".into(),
            human_duration(r.baseline.wait_time_s),
            human_duration(r.cached.wait_time_s),
        ],
        vec![
            "  answering hits".into(),
            "-".into(),
            format!(
                "{} (of which measured lookups {})",
                human_duration(r.cached.hit_time_s),
                human_duration(outcome.lookup_s)
            ),
        ],
        vec![
            "throughput".into(),
            format!("{:.5} req/s", r.baseline.throughput_rps),
            format!("{:.5} req/s", r.cached.throughput_rps),
        ],
        vec![
            "latency mean".into(),
            human_duration(r.baseline.latency.mean),
            human_duration(r.cached.latency.mean),
        ],
        vec![
            "latency p50 / p90 / p99 / max".into(),
            latency(&r.baseline.latency),
            latency(&r.cached.latency),
        ],
    ];
    s.push_str(&table(&["", "baseline (no cache)", "cached"], &rows));
    let analytic = crate::verdict::analytic_speedup(
        r.cache.hit_rate,
        r.model.mean_miss_cost_s,
        r.model.hit_cost_s,
    );
    let _ = writeln!(
        s,
        "  speedup: {:.3}x   (formula S(h) at the achieved hit rate: {analytic:.3}x)",
        r.speedup
    );
    let _ = writeln!(
        s,
        "  evictions: {} by byte budget, {} by entry bound; {} expired (TTL); {} refused as too large",
        thousands(r.cache.evicted_bytes),
        thousands(r.cache.evicted_entries),
        thousands(r.cache.expired),
        thousands(r.cache.refused_too_large)
    );
    let _ = writeln!(
        s,
        "  peak: {} entries, {} of payload",
        thousands(r.cache.peak_entries),
        human_bytes(r.cache.peak_bytes)
    );
    match r.memory {
        None => {
            let _ = writeln!(s, "  memory: not measured");
        }
        Some(m) => match m.overhead_pct {
            Some(pct) => {
                let verdict = if pct < 10.0 {
                    "under 10 %: the seed's claim holds here"
                } else {
                    "NOT under 10 %: the seed's claim does not hold here"
                };
                let _ = writeln!(
                    s,
                    "  memory (measured): {} payload, {} heap held by the cache in {} entries -> overhead {pct:.3} % ({:.0} B/entry), {verdict}",
                    human_bytes(m.payload_bytes),
                    human_bytes(m.heap_bytes),
                    thousands(m.entries),
                    m.overhead_per_entry.unwrap_or(0.0)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  memory (measured): no payload held ({} heap in {} entries) -> overhead undefined (a percentage of 0 bytes of payload); the claim cannot be checked here",
                    human_bytes(m.heap_bytes),
                    thousands(m.entries),
                );
            }
        },
    }
    if let Some(p) = &r.policy {
        let kind = if p.bound {
            " — a bound, not a deployable cache"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  policy: {} ({}){kind}; its structure held {} for {} entries at the end ({:.0} B/entry)",
            p.name,
            p.description,
            human_bytes(p.heap_bytes),
            thousands(p.entries),
            p.heap_per_entry
        );
    }
    let rss = outcome
        .peak_rss
        .map(|b| format!("; peak RSS of the process {}", human_bytes(b)))
        .unwrap_or_default();
    let cpu = outcome
        .cached_cpu_s
        .filter(|&c| c >= 0.1)
        .map(|c| {
            format!(
                "; {:.2} M requests/s of CPU time ({c:.2} s)",
                r.workload.requests as f64 / c / 1e6
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "  replay speed: {:.2} M requests/s wall ({:.3} s for the cached pass){cpu}{rss}",
        r.replay.requests_per_s / 1e6,
        r.replay.wall_s
    );
    if outcome.reordered_arrivals > 0 {
        let _ = writeln!(
            s,
            "  note: {} arrivals had timestamps earlier than the previous one and were replayed at the previous one's time",
            thousands(outcome.reordered_arrivals)
        );
    }
    s.push_str("  verdict on the seed's claims:\n");
    let rows: Vec<Vec<String>> = r
        .claims
        .iter()
        .map(|c| {
            vec![
                c.claim.clone(),
                format!("{:.2}x", c.analytic_at_claimed),
                format!("{:.2}x", c.analytic_at_achieved),
                c.simulated
                    .map(|v| format!("{v:.2}x"))
                    .unwrap_or_else(|| "-".into()),
                match c.holds {
                    Some(true) => "holds".into(),
                    Some(false) => "DOES NOT HOLD".into(),
                    None => "not tested".into(),
                },
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "claim",
            "formula at claim",
            "formula at achieved",
            "simulated",
            "verdict",
        ],
        &rows,
    ));
    for c in r.claims.iter().filter(|c| c.holds.is_some()) {
        let _ = writeln!(s, "  - {}: {}", c.claim, c.note);
    }
    s
}

fn describe_limits(r: &RunResults) -> String {
    let mut parts = Vec::new();
    if let Some(n) = r.model.max_entries {
        parts.push(format!("max {} entries", thousands(n)));
    }
    if let Some(b) = r.model.max_bytes {
        parts.push(format!("max {}", human_bytes(b)));
    }
    if parts.is_empty() {
        parts.push("unbounded".into());
    }
    parts.push(match r.model.ttl_s {
        Some(t) => format!("TTL {}", human_duration(t)),
        None => "no TTL".into(),
    });
    parts.join(", ")
}

/// The memory sweep as a table.
pub fn sweep_summary(points: &[SweepPoint]) -> String {
    let mut s = String::from(
        "== memory overhead by result size (real thread-safe cache, real zeroed payloads, measured heap)\n",
    );
    let rows: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            vec![
                human_bytes(p.result_size),
                thousands(p.memory.entries),
                human_bytes(p.memory.payload_bytes),
                human_bytes(p.memory.heap_bytes),
                p.memory
                    .overhead_per_entry
                    .map_or_else(|| "n/a".into(), |o| format!("{o:.0} B")),
                p.memory
                    .overhead_pct
                    .map_or_else(|| "n/a".into(), |o| format!("{o:.2} %")),
                match p.memory.overhead_pct {
                    Some(o) if o < 10.0 => "< 10 %".into(),
                    Some(_) => "NOT < 10 %".into(),
                    None => "undefined".into(),
                },
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "result size",
            "entries",
            "payload",
            "heap",
            "overhead/entry",
            "overhead",
            "seed's claim",
        ],
        &rows,
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_duration(0.0), "0.0 µs");
        assert_eq!(human_duration(0.0112), "11.2 ms");
        assert_eq!(human_duration(124.6), "2.1 min");
        assert_eq!(human_duration(3.0 * 3600.0), "3.00 h");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1 << 30), "1.0 GiB");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn tables_align_columns() {
        let t = table(&["a", "bb"], &[vec!["xxx".into(), "y".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "  a    bb");
        assert_eq!(lines[2], "  xxx  y");
    }
}
