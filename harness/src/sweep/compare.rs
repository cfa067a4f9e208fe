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
    lines
}

/// How far `a` stays below `b`: points of hit rate and generator hours.
fn gap(a: &SweepPoint, b: &SweepPoint) -> String {
    format!(
        "{:.2} pp of hit rate and {:.1} generator hours",
        (b.hit_rate - a.hit_rate) * 100.0,
        b.generator_hours_saved - a.generator_hours_saved
    )
}
