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
                line.push_str(&format!("; {}", gap(lru, best_point, "it")));
            }
            if let Some(belady) = of(PolicyName::Belady, i) {
                line.push_str(&format!(
                    "; {}",
                    gap(lru, belady, "belady (the offline optimum)")
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
         trace, these budgets and this cost model only; the ranking changes between workloads and \
         budgets, so sweep your own trace before switching"
    ))
}

/// How far lru (`a`) stays below `b` (named `than`): points of hit rate and generator hours.
/// Both usually point the same way; with varied costs they need not (a policy keeping the
/// expensive results saves more hours with fewer hits, and belady maximizes hits, not hours), and
/// then the sentence says which way each goes.
fn gap(a: &SweepPoint, b: &SweepPoint, than: &str) -> String {
    let pp = (b.hit_rate - a.hit_rate) * 100.0;
    let hours = b.generator_hours_saved - a.generator_hours_saved;
    // What the figures print as 0.00 / 0.0 is no lead either way.
    let behind = |v: f64, half_unit: f64| v > -half_unit;
    match (behind(pp, 0.005), behind(hours, 0.05)) {
        // A lead too small to print is printed as 0, not as -0.
        (true, true) => format!(
            "lru is {:.2} pp of hit rate and {:.1} generator hours behind {than}",
            pp.max(0.0),
            hours.max(0.0)
        ),
        (false, true) => format!(
            "lru is {:.1} generator hours behind {than}, though {:.2} pp of hit rate \
             ahead (the generations it avoids are the cheaper ones)",
            hours.max(0.0),
            -pp
        ),
        (true, false) => format!(
            "lru is {:.2} pp of hit rate behind {than}, though {:.1} generator hours ahead \
             (the generations it avoids are the dearer ones)",
            pp.max(0.0),
            -hours
        ),
        (false, false) => format!(
            "lru is {:.2} pp of hit rate and {:.1} generator hours ahead of {than}",
            -pp, -hours
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunOptions;
    use crate::sweep::empty_point;

    fn point(hit_rate: f64, hours: f64) -> SweepPoint {
        SweepPoint {
            hit_rate,
            generator_hours_saved: hours,
            ..empty_point(&RunOptions::default())
        }
    }

    #[test]
    fn the_gap_says_which_way_hit_rate_and_hours_go() {
        let lru = point(0.50, 100.0);
        assert_eq!(
            gap(&lru, &point(0.52, 110.0), "it"),
            "lru is 2.00 pp of hit rate and 10.0 generator hours behind it"
        );
        // More hits but cheaper ones (the mixed-cost preset's smallest budget).
        assert!(gap(&lru, &point(0.49, 112.1), "it").starts_with(
            "lru is 12.1 generator hours behind it, though 1.00 pp of hit rate ahead"
        ));
        // belady maximizes hits, not hours.
        assert!(gap(&lru, &point(0.55, 95.0), "belady").starts_with(
            "lru is 5.00 pp of hit rate behind belady, though 5.0 generator hours ahead"
        ));
        assert_eq!(
            gap(&lru, &point(0.45, 90.0), "x"),
            "lru is 5.00 pp of hit rate and 10.0 generator hours ahead of x"
        );
        // A tie (printed as zeros) is "behind by 0", not "ahead", and never "-0.00".
        assert_eq!(
            gap(&lru, &point(0.50, 100.0), "it"),
            "lru is 0.00 pp of hit rate and 0.0 generator hours behind it"
        );
        assert_eq!(
            gap(&lru, &point(0.499_99, 99.99), "it"),
            "lru is 0.00 pp of hit rate and 0.0 generator hours behind it"
        );
    }
}
