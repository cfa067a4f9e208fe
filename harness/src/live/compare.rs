//! The live replay beside the simulation: the comparison written to the results, the agreement
//! check and the printed side-by-side table.

use super::{LiveRun, SPEEDUP_TOLERANCE_PCT};
use reports::results::{LiveComparison, RunResults};
use std::fmt;

/// The live run beside the simulation's results for the same trace.
pub fn compare(simulated: &RunResults, live: &LiveRun) -> LiveComparison {
    let speedup = live.speedup();
    let requests = live.cached.requests.max(1) as f64;
    LiveComparison {
        mode: live.mode.clone(),
        time_scale: live.config.time_scale,
        baseline_s: live.baseline.virtual_s,
        cached_s: live.cached.virtual_s,
        speedup,
        hits: live.cached.hits,
        hit_rate: live.cached.hits as f64 / requests,
        generations: live.cached.generations,
        speedup_diff_pct: diff_pct(speedup, simulated.speedup),
        hit_diff: live.cached.hits as i64 - simulated.cache.hits as i64,
    }
}

fn diff_pct(live: f64, simulated: f64) -> f64 {
    if simulated > 0.0 {
        (live - simulated) / simulated * 100.0
    } else {
        0.0
    }
}

/// Whether live and simulated agree within the stated tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Hit counts must be exactly equal (closed loop with one client: the order is fixed).
    pub hits_must_match: bool,
    /// Hit counts equal (or not required to be).
    pub hits_ok: bool,
    /// Speedup within [`SPEEDUP_TOLERANCE_PCT`].
    pub speedup_ok: bool,
}

impl Agreement {
    /// Both checks passed.
    pub fn holds(&self) -> bool {
        self.hits_ok && self.speedup_ok
    }
}

/// Checks a comparison against the tolerance. With more than one client (or open loop) the
/// interleaving of real tasks may differ from the simulation's tie-breaking, so only the speedup
/// is required to agree.
pub fn agreement(comparison: &LiveComparison, clients: Option<u32>) -> Agreement {
    let hits_must_match = clients == Some(1);
    Agreement {
        hits_must_match,
        hits_ok: !hits_must_match || comparison.hit_diff == 0,
        speedup_ok: comparison.speedup_diff_pct.abs() <= SPEEDUP_TOLERANCE_PCT,
    }
}

/// A printable side-by-side table of the simulation and the live replay.
pub struct LiveSummary<'a> {
    /// The simulation.
    pub simulated: &'a RunResults,
    /// The live replay.
    pub live: &'a LiveRun,
}

impl fmt::Display for LiveSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sim, live) = (self.simulated, self.live);
        let cmp = compare(sim, live);
        let agree = agreement(&cmp, live.config.clients);
        writeln!(
            f,
            "live replay ({}, time scale {}, {} worker(s), {}):",
            live.mode,
            live.config.time_scale,
            live.config.workers,
            live.config.arrival_text()
        )?;
        writeln!(
            f,
            "  {:<18} {:>14} {:>14} {:>10}",
            "", "simulation", "live", "diff"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: f64, l: f64| {
            writeln!(
                f,
                "  {name:<18} {s:>14.2} {l:>14.2} {:>+9.2}%",
                diff_pct(l, s)
            )
        };
        row(
            f,
            "baseline time (s)",
            sim.baseline.virtual_time_s,
            live.baseline.virtual_s,
        )?;
        row(
            f,
            "cached time (s)",
            sim.cached.virtual_time_s,
            live.cached.virtual_s,
        )?;
        row(f, "speedup (x)", sim.speedup, cmp.speedup)?;
        let count = |f: &mut fmt::Formatter<'_>, name: &str, s: u64, l: u64| {
            writeln!(
                f,
                "  {name:<18} {s:>14} {l:>14} {:>+10}",
                l as i64 - s as i64
            )
        };
        count(f, "hits", sim.cache.hits, live.cached.hits)?;
        writeln!(
            f,
            "  {:<18} {:>13.2}% {:>13.2}% {:>+8.2}pp",
            "hit rate",
            sim.cache.hit_rate * 100.0,
            cmp.hit_rate * 100.0,
            (cmp.hit_rate - sim.cache.hit_rate) * 100.0
        )?;
        count(f, "joined", sim.cache.joined, live.cached.joined)?;
        count(
            f,
            "generations",
            sim.cached.generations,
            live.cached.generations,
        )?;
        writeln!(
            f,
            "  wall clock: baseline {:.3} s, cached {:.3} s",
            live.baseline.wall_s, live.cached.wall_s
        )?;
        if let Some((before, after)) = &live.server_stats {
            writeln!(
                f,
                "  server stats over the cached side: hits +{}, misses +{}, joined +{}, generations +{}, entries {} -> {}",
                after.cache.hits.saturating_sub(before.cache.hits),
                after.cache.misses.saturating_sub(before.cache.misses),
                after
                    .cache
                    .loads_joined
                    .saturating_sub(before.cache.loads_joined),
                after.generations.saturating_sub(before.generations),
                before.cache.entries,
                after.cache.entries
            )?;
        }
        for note in &live.notes {
            writeln!(f, "  note: {note}")?;
        }
        let yes = |b: bool| if b { "yes" } else { "NO" };
        write!(
            f,
            "  agreement: hit counts {} ({}); speedup within ±{SPEEDUP_TOLERANCE_PCT} %: {} ({:+.2} %)",
            if agree.hits_must_match {
                "must match exactly (closed loop, 1 client)"
            } else {
                "may differ (concurrent clients)"
            },
            if agree.hits_ok {
                format!("yes, diff {}", cmp.hit_diff)
            } else {
                format!("NO, diff {}", cmp.hit_diff)
            },
            yes(agree.speedup_ok),
            cmp.speedup_diff_pct
        )
    }
}
