//! The comparison across policies: per value of the axis, the policy that saves the most
//! generator time (bounds left out: they are not caches one could run), and how far LRU is
//! from it and from the `belady` bound, in points of hit rate and in generator hours.

use super::advice::describe;
use crate::policies::PolicyName;
use reports::sweep::{SweepAxis, SweepPoint};

/// One sentence per value of the axis (the curves are all on the same grid, in the same order).
pub fn compare(axis: SweepAxis, curves: &[(PolicyName, Vec<SweepPoint>)]) -> Vec<String> {
    let len = curves.iter().map(|(_, p)| p.len()).min().unwrap_or(0);
    let of = |name: PolicyName, i: usize| {
        curves
            .iter()
            .find(|(p, _)| *p == name)
            .and_then(|(_, points)| points.get(i))
    };
    let mut lines = Vec::new();
    let mut wins: Vec<(PolicyName, usize)> = Vec::new();
    for i in 0..len {
        let best = curves
            .iter()
            .filter(|(p, _)| !p.is_bound())
            .filter_map(|(p, points)| points.get(i).map(|point| (*p, point)))
            .max_by(|a, b| {
                a.1.generator_hours_saved
                    .total_cmp(&b.1.generator_hours_saved)
            });
        let Some((best, best_point)) = best else {
            continue;
        };
        match wins.iter_mut().find(|(p, _)| *p == best) {
            Some((_, n)) => *n += 1,
            None => wins.push((best, 1)),
        }
        let mut line = format!(
            "{}: {best} saves the most generator time ({:.1} h, {:.2} % hits)",
            describe(axis, best_point),
            best_point.generator_hours_saved,
            best_point.hit_rate * 100.0
        );
        if let Some(lru) = of(PolicyName::Lru, i) {
            if best != PolicyName::Lru {
                line.push_str(&format!("; lru is {} behind it", gap(lru, best_point)));
            }
            if let Some(belady) = of(PolicyName::Belady, i) {
                line.push_str(&format!(
                    "; lru is {} behind belady (the offline optimum)",
                    gap(lru, belady)
                ));
            }
        }
        lines.push(line);
    }
    if let Some(line) = recommendation(&wins, len) {
        lines.push(line);
    }
    lines
}

/// The recommendation: the runnable policy that saves the most generator time at the most
/// values of the axis (the first such in registry order on a tie), with its caveat.
fn recommendation(wins: &[(PolicyName, usize)], values: usize) -> Option<String> {
    let (policy, n) = wins
        .iter()
        .copied()
        .fold(None, |best: Option<(PolicyName, usize)>, w| match best {
            Some(b) if b.1 >= w.1 => Some(b),
            _ => Some(w),
        })?;
    let in_gencache = matches!(
        policy,
        PolicyName::Lru | PolicyName::S3Fifo | PolicyName::Sieve | PolicyName::Gdsf
    );
    let how = if in_gencache {
        "gencache implements it (`CacheBuilder::policy`, `GENCACHE_POLICY`)".to_string()
    } else {
        "gencache does not implement it: use the peer crate, or gencache's best at these values"
            .to_string()
    };
    Some(format!(
        "recommendation: {policy} (best at {n} of {values} values; {how}). Caveat: measured on this \
         trace, these budgets and this cost model only; the ranking changes between workloads (on \
         web07 moka is below lru), so sweep your own trace before switching"
    ))
}

/// How far `a` stays below `b`: points of hit rate and generator hours.
fn gap(a: &SweepPoint, b: &SweepPoint) -> String {
    format!(
        "{:.2} pp of hit rate and {:.1} generator hours",
        (b.hit_rate - a.hit_rate) * 100.0,
        b.generator_hours_saved - a.generator_hours_saved
    )
}
