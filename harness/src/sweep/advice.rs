//! The recommendation drawn from a curve: the smallest value reaching the target speedup, the
//! smallest reaching 95 % of the unbounded cache's speedup, the point of diminishing returns
//! and where the curve goes flat — or, when nothing reaches the target, by how much it falls
//! short.
//!
//! A workers curve gets only the first: its unbounded bound runs at the grid's most workers, so
//! comparing it with a point at fewer workers would mix two generators. What that axis answers
//! is how many workers the cache saves (`reports::sweep::workers_saved`, printed after the
//! advice).

use reports::format::{bytes as human_bytes, thousands};
use reports::sweep::{Advice, Shortfall, SweepAxis, SweepPoint};

/// Share of the unbounded speedup that counts as "as good as unbounded".
pub const NEAR_UNBOUNDED: f64 = 0.95;
/// Hit-rate gain (fraction) below which doubling the budget is not worth it.
pub const DIMINISHING_GAIN: f64 = 0.01;

/// How one point's axis value reads in a sentence.
pub fn describe(axis: SweepAxis, point: &SweepPoint) -> String {
    match axis {
        SweepAxis::MaxEntries => point
            .max_entries
            .map_or("unbounded".to_string(), |n| format!("{n} entries")),
        SweepAxis::MaxBytes => point.max_bytes.map_or("unbounded".to_string(), human_bytes),
        SweepAxis::Ttl => point.ttl_s.map_or("no TTL".to_string(), |s| {
            format!("TTL {}", human_seconds(s))
        }),
        SweepAxis::Workers => match point.workers {
            1 => "1 worker".to_string(),
            n => format!("{n} workers"),
        },
    }
}

fn human_seconds(s: f64) -> String {
    humantime::format_duration(std::time::Duration::from_secs_f64(s.max(0.0))).to_string()
}

/// The advice for `points` (ascending along `axis`) against the `unbounded` bound.
pub fn advise(
    axis: SweepAxis,
    points: &[SweepPoint],
    unbounded: &SweepPoint,
    target_speedup: f64,
) -> Advice {
    // "{smallest} {what} reaching …" / "no {one} in the grid reaches …".
    let (smallest, what, one) = match axis {
        SweepAxis::MaxEntries | SweepAxis::MaxBytes => ("smallest", "budget", "budget"),
        SweepAxis::Ttl => ("shortest", "TTL", "TTL"),
        SweepAxis::Workers => ("fewest", "workers", "worker count"),
    };
    let reaches_target = points.iter().position(|p| p.speedup >= target_speedup);
    let best_short_of_target = match reaches_target {
        Some(_) => None,
        None => points
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.speedup.total_cmp(&b.1.speedup))
            .map(|(i, p)| Shortfall {
                best: i,
                speedup: p.speedup,
                short_by: target_speedup - p.speedup,
            }),
    };
    // The unbounded bound shares a point's generator on every axis but workers.
    let comparable = axis != SweepAxis::Workers;
    let near_unbounded = points
        .iter()
        .position(|p| p.speedup >= NEAR_UNBOUNDED * unbounded.speedup)
        .filter(|_| comparable);
    let diminishing_returns = if axis.is_budget() {
        diminishing(axis, points, unbounded)
    } else {
        None
    };
    let saturation = points
        .iter()
        .position(|p| p.hits >= unbounded.hits)
        .filter(|_| comparable);
    let ttl_bound = ttl_limited(axis, points);

    let mut lines = Vec::new();
    match (reaches_target, &best_short_of_target) {
        (Some(i), _) => lines.push(format!(
            "{smallest} {what} reaching {target_speedup}x: {} ({:.2}x at {:.1} % hits)",
            describe(axis, &points[i]),
            points[i].speedup,
            points[i].hit_rate * 100.0
        )),
        (None, Some(s)) => lines.push(format!(
            "no {one} in the grid reaches {target_speedup}x: the best is {:.2}x at {} ({:.2}x short){}",
            s.speedup,
            describe(axis, &points[s.best]),
            s.short_by,
            if comparable {
                beyond_the_grid(axis, points, unbounded, target_speedup, ttl_bound.is_some())
            } else {
                String::new()
            }
        )),
        (None, None) => lines.push("no points".to_string()),
    }
    match near_unbounded {
        None if !comparable => {}
        Some(i) => lines.push(format!(
            "{smallest} {what} reaching 95 % of the unbounded cache's {:.2}x: {} ({:.2}x)",
            unbounded.speedup,
            describe(axis, &points[i]),
            points[i].speedup
        )),
        None => lines.push(format!(
            "no {what} in the grid reaches 95 % of the unbounded cache's {:.2}x",
            unbounded.speedup
        )),
    }
    if axis.is_budget() {
        match diminishing_returns {
            Some(i) => lines.push(format!(
                "diminishing returns from {}: doubling it adds less than 1 pp of hit rate",
                describe(axis, &points[i])
            )),
            None => lines.push(
                "no diminishing returns inside the grid: doubling still adds 1 pp or more"
                    .to_string(),
            ),
        }
    }
    if let Some(i) = saturation {
        lines.push(format!(
            "the hit rate stops growing at {} ({:.1} %, the unbounded cache's)",
            describe(axis, &points[i]),
            points[i].hit_rate * 100.0
        ));
    }
    if let Some(largest) = ttl_bound {
        lines.push(format!(
            "the TTL limits the curve: at {} {} of the {} misses are expirations, which no \
             budget avoids (the unbounded bound has no TTL; `--ttl` sweeps it)",
            describe(axis, largest),
            thousands(largest.expirations),
            thousands(largest.misses)
        ));
    }
    Advice {
        target_speedup,
        reaches_target,
        best_short_of_target,
        near_unbounded,
        diminishing_returns,
        saturation,
        lines,
    }
}

/// What the unbounded bound says about a curve that falls short of the target: whether a larger
/// budget would reach it, or what stands in the way (the other budget held fixed, the TTL).
fn beyond_the_grid(
    axis: SweepAxis,
    points: &[SweepPoint],
    unbounded: &SweepPoint,
    target_speedup: f64,
    ttl_bound: bool,
) -> String {
    let speedup = unbounded.speedup;
    if speedup < target_speedup {
        return format!("; even an unbounded cache gives only {speedup:.2}x");
    }
    match fixed_other_bound(axis, points) {
        Some(fixed) => format!(
            "; an unbounded cache gives {speedup:.2}x, but every point also has the fixed bound \
             of {fixed}, which a larger budget on this axis does not lift"
        ),
        None if ttl_bound => format!("; an unbounded cache without TTL gives {speedup:.2}x"),
        None => {
            format!("; an unbounded cache gives {speedup:.2}x, so a larger budget would reach it")
        }
    }
}

/// On a budget axis, the other budget when the grid holds it fixed (`--max-bytes` swept with
/// `--max-entries 10`), as a sentence's noun: the unbounded bound lifts it, this curve never does.
fn fixed_other_bound(axis: SweepAxis, points: &[SweepPoint]) -> Option<String> {
    let largest = points.last()?;
    match axis {
        SweepAxis::MaxBytes => largest.max_entries.map(|n| format!("{n} entries")),
        SweepAxis::MaxEntries => largest.max_bytes.map(human_bytes),
        SweepAxis::Ttl | SweepAxis::Workers => None,
    }
}

/// On a budget axis, the largest budget when expirations are among its misses: beyond the
/// grid a larger budget would not remove them, so the unbounded bound (compulsory misses only,
/// no TTL) is out of the curve's reach.
fn ttl_limited(axis: SweepAxis, points: &[SweepPoint]) -> Option<&SweepPoint> {
    points
        .last()
        .filter(|largest| axis.is_budget() && largest.expirations > 0)
}

/// The smallest budget `b` of the grid whose hit rate at `2b` (interpolated linearly in
/// log budget between grid points; the unbounded cache's beyond a budget the curve has
/// already reached) exceeds its own by less than [`DIMINISHING_GAIN`].
fn diminishing(axis: SweepAxis, points: &[SweepPoint], unbounded: &SweepPoint) -> Option<usize> {
    let curve: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.axis_value(axis).map(|v| (v, p.hit_rate)))
        .collect();
    let last = curve.last().copied()?;
    let saturated = last.1 >= unbounded.hit_rate;
    for (i, p) in points.iter().enumerate() {
        let Some(b) = p.axis_value(axis) else {
            continue;
        };
        let doubled = 2.0 * b;
        let at_double = if doubled <= last.0 {
            interpolate(&curve, doubled)
        } else if saturated {
            Some(unbounded.hit_rate)
        } else {
            None
        };
        if let Some(h) = at_double
            && h - p.hit_rate < DIMINISHING_GAIN
        {
            return Some(i);
        }
    }
    None
}

fn interpolate(curve: &[(f64, f64)], x: f64) -> Option<f64> {
    let upper = curve.iter().position(|&(v, _)| v >= x)?;
    let (x1, y1) = curve[upper];
    if upper == 0 || x1 == x {
        return Some(y1);
    }
    let (x0, y0) = curve[upper - 1];
    if x0 <= 0.0 {
        return Some(y1);
    }
    let t = (x.ln() - x0.ln()) / (x1.ln() - x0.ln());
    Some(y0 + t * (y1 - y0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(entries: u64, hit_rate: f64, speedup: f64) -> SweepPoint {
        SweepPoint {
            max_entries: Some(entries),
            max_bytes: None,
            ttl_s: None,
            workers: 1,
            policy: "lru".to_string(),
            requests: 1000,
            hits: (hit_rate * 1000.0).round() as u64,
            misses: 1000 - (hit_rate * 1000.0).round() as u64,
            joined: 0,
            generations: 0,
            hit_rate,
            byte_hit_rate: hit_rate,
            cost_hit_rate: hit_rate,
            generator_hours_saved: 0.0,
            money_saved: None,
            speedup,
            latency_mean_s: 0.0,
            latency_p50_s: 0.0,
            latency_p99_s: 0.0,
            evictions: 0,
            expirations: 0,
            virtual_time_s: None,
            baseline_time_s: None,
            wait_mean_s: None,
            generator_utilization: None,
        }
    }

    #[test]
    fn reaches_the_target_at_a_known_budget() {
        // 1 / (1 - h) speedup with free hits: 3x exactly at h = 2/3.
        let points = vec![
            point(100, 0.5, 2.0),
            point(200, 2.0 / 3.0, 3.0),
            point(400, 0.75, 4.0),
            point(800, 0.755, 4.08),
        ];
        let unbounded = point(0, 0.76, 4.17);
        let a = advise(SweepAxis::MaxEntries, &points, &unbounded, 3.0);
        assert_eq!(a.reaches_target, Some(1));
        assert!(a.best_short_of_target.is_none());
        // 95 % of 4.17 = 3.96: 400 entries.
        assert_eq!(a.near_unbounded, Some(2));
        // 400 -> 800 adds 0.5 pp.
        assert_eq!(a.diminishing_returns, Some(2));
        assert_eq!(a.saturation, None);
        assert!(a.lines[0].contains("200 entries"), "{:?}", a.lines);
    }

    #[test]
    fn says_by_how_much_it_falls_short() {
        let points = vec![point(10, 0.2, 1.25), point(20, 0.4, 1.66)];
        let unbounded = point(0, 0.4, 1.66);
        let a = advise(SweepAxis::MaxEntries, &points, &unbounded, 3.0);
        assert_eq!(a.reaches_target, None);
        let s = a
            .best_short_of_target
            .as_ref()
            .map(|s| (s.best, s.short_by));
        assert_eq!(s.map(|s| s.0), Some(1));
        assert!((s.map_or(0.0, |s| s.1) - 1.34).abs() < 1e-9);
        assert!(a.lines[0].contains("1.34x short"), "{:?}", a.lines);
        assert!(a.lines[0].contains("even an unbounded"), "{:?}", a.lines);
        assert_eq!(a.saturation, Some(1));
        // 20 is saturated: doubling it gains nothing.
        assert_eq!(a.diminishing_returns, Some(1));
        assert!(!a.lines.iter().any(|l| l.contains("TTL")), "{:?}", a.lines);
    }

    /// A byte curve held to a fixed entry bound: a larger byte budget would not reach the
    /// unbounded cache's speedup, and the shortfall says which bound is in the way.
    #[test]
    fn a_shortfall_names_the_fixed_bound_of_the_other_axis() {
        let mut points = vec![point(10, 0.2, 1.25), point(10, 0.25, 1.33)];
        points[0].max_bytes = Some(1 << 20);
        points[1].max_bytes = Some(1 << 30);
        let unbounded = point(0, 0.8, 5.0);
        let a = advise(SweepAxis::MaxBytes, &points, &unbounded, 3.0);
        assert!(
            a.lines[0].ends_with(
                "; an unbounded cache gives 5.00x, but every point also has the fixed bound of \
                 10 entries, which a larger budget on this axis does not lift"
            ),
            "{:?}",
            a.lines
        );
        // Without the fixed bound, the larger budget is the way.
        for p in &mut points {
            p.max_entries = None;
        }
        let a = advise(SweepAxis::MaxBytes, &points, &unbounded, 3.0);
        assert!(
            a.lines[0].ends_with("so a larger budget would reach it"),
            "{:?}",
            a.lines
        );
    }

    /// A workers curve: its unbounded bound runs at the grid's most workers, so neither "95 %
    /// of unbounded" nor "stops growing" is drawn from it, and a shortfall does not point at it.
    #[test]
    fn a_workers_curve_is_not_compared_with_the_bound_at_other_worker_counts() {
        let mut points = vec![point(0, 0.15, 11.8), point(0, 0.3, 4.5)];
        points[0].workers = 1;
        points[1].workers = 8;
        let mut unbounded = point(0, 0.3, 4.5);
        unbounded.workers = 8;
        let a = advise(SweepAxis::Workers, &points, &unbounded, 3.0);
        assert_eq!(a.reaches_target, Some(0));
        assert_eq!((a.near_unbounded, a.saturation), (None, None));
        assert_eq!(
            a.lines,
            vec!["fewest workers reaching 3x: 1 worker (11.80x at 15.0 % hits)".to_string()]
        );
        let a = advise(SweepAxis::Workers, &points, &unbounded, 20.0);
        assert_eq!(
            a.lines,
            vec![
                "no worker count in the grid reaches 20x: the best is 11.80x at 1 worker \
                 (8.20x short)"
                    .to_string()
            ]
        );
    }

    /// Expirations at the largest budget: the advice says the TTL, not the budget, keeps the
    /// curve from the unbounded bound, and no longer promises that a larger budget would reach
    /// the target.
    #[test]
    fn names_the_ttl_when_expirations_bound_the_curve() {
        let mut points = vec![point(10, 0.2, 1.25), point(20, 0.4, 1.66)];
        points[1].expirations = 150;
        let unbounded = point(0, 0.8, 5.0);
        let a = advise(SweepAxis::MaxEntries, &points, &unbounded, 3.0);
        assert!(
            a.lines[0].ends_with("an unbounded cache without TTL gives 5.00x"),
            "{:?}",
            a.lines
        );
        let ttl = a.lines.iter().find(|l| l.starts_with("the TTL limits"));
        assert_eq!(
            ttl.map(String::as_str),
            Some(
                "the TTL limits the curve: at 20 entries 150 of the 600 misses are expirations, \
                 which no budget avoids (the unbounded bound has no TTL; `--ttl` sweeps it)"
            )
        );
        // On the TTL axis itself the line would say nothing new.
        let a = advise(SweepAxis::Ttl, &points, &unbounded, 3.0);
        assert!(!a.lines.iter().any(|l| l.starts_with("the TTL limits")));
    }
}
