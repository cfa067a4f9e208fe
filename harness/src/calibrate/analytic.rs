//! Analytic hit-rate estimates for a Zipf workload, used as the starting point of calibration.
//!
//! * Unbounded cache: E[distinct] = Σᵢ 1 − (1 − pᵢ)ᴺ, hit rate = 1 − E[distinct]/N.
//! * LRU of C entries (Che's approximation): the characteristic time T solves
//!   Σᵢ 1 − e^(−pᵢT) = C, and the hit rate is Σᵢ pᵢ(1 − e^(−pᵢT)).
//!
//! Both ignore TTL and the order of requests; exact replays correct them.

/// Beyond this universe size the per-key sums get slow; calibration then starts from a fixed guess.
pub(super) const MAX_ANALYTIC_UNIVERSE: u64 = 4_000_000;

/// Zipf probabilities pᵢ ∝ 1/iˢ for i = 1..=universe.
fn zipf_probabilities(universe: u64, exponent: f64) -> Vec<f64> {
    let weights: Vec<f64> = (1..=universe).map(|i| (i as f64).powf(-exponent)).collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

/// Expected hit rate of an unbounded cache over `requests` requests.
pub(super) fn unbounded_hit_rate(p: &[f64], requests: u64) -> f64 {
    let n = requests as f64;
    let distinct: f64 = p.iter().map(|&pi| 1.0 - (n * (-pi).ln_1p()).exp()).sum();
    1.0 - distinct / n
}

/// Che's approximation of the steady-state hit rate of an LRU holding `capacity` entries.
pub(super) fn che_hit_rate(p: &[f64], capacity: f64) -> f64 {
    if capacity >= p.len() as f64 {
        return 1.0;
    }
    let occupancy = |t: f64| p.iter().map(|&pi| -(-pi * t).exp_m1()).sum::<f64>();
    // Bracket T: occupancy grows from 0 to len() as T grows, and occupancy(T) ≤ T (because
    // 1 − e^(−x) ≤ x), so T ≥ capacity.
    let (mut lo, mut hi) = (capacity, 2.0 * capacity);
    while occupancy(hi) < capacity && hi < 1e300 {
        lo = hi;
        hi *= 2.0;
    }
    // Geometric bisection: 30 halvings of a factor-2 bracket pin T to ~1e-9 relative, far
    // finer than the estimate needs (exact replays finish the job).
    for _ in 0..30 {
        let mid = (lo * hi).sqrt();
        if occupancy(mid) < capacity {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = (lo * hi).sqrt();
    p.iter().map(|&pi| pi * -(-pi * t).exp_m1()).sum()
}

/// Estimated hit rate for a Zipf(`exponent`) workload over `universe` keys and `requests`
/// requests in a cache of `capacity` entries (`None` = unbounded): the smaller of the
/// steady-state LRU estimate and the cold-miss bound.
pub(super) fn estimate_hit_rate(
    universe: u64,
    exponent: f64,
    requests: u64,
    capacity: Option<f64>,
) -> f64 {
    let p = zipf_probabilities(universe, exponent);
    let cold_bound = unbounded_hit_rate(&p, requests);
    match capacity {
        Some(c) => che_hit_rate(&p, c).min(cold_bound),
        None => cold_bound,
    }
}

/// The exponent in `[0, max_exponent]` whose estimate is closest to `target` (bisection; the
/// estimate grows with the exponent).
pub(super) fn estimate_exponent(
    universe: u64,
    requests: u64,
    capacity: Option<f64>,
    target: f64,
    max_exponent: f64,
) -> f64 {
    let (mut lo, mut hi) = (0.0, max_exponent);
    // 20 halvings of [0, 6]: ~6e-6, well below what a replay can resolve.
    for _ in 0..20 {
        let mid = 0.5 * (lo + hi);
        if estimate_hit_rate(universe, mid, requests, capacity) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_unbounded_matches_closed_form() {
        // Uniform over U keys: E[distinct] = U (1 − (1 − 1/U)^N).
        let (u, n) = (1000u64, 3000u64);
        let p = zipf_probabilities(u, 0.0);
        let expected_distinct = u as f64 * (1.0 - (1.0 - 1.0 / u as f64).powf(n as f64));
        let expected = 1.0 - expected_distinct / n as f64;
        assert!((unbounded_hit_rate(&p, n) - expected).abs() < 1e-9);
    }

    #[test]
    fn che_for_uniform_is_capacity_over_universe() {
        // With uniform popularity an LRU of C entries out of U hits C/U of the time.
        let p = zipf_probabilities(1000, 0.0);
        assert!((che_hit_rate(&p, 250.0) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn estimate_grows_with_exponent() {
        let a = estimate_hit_rate(10_000, 0.5, 20_000, Some(500.0));
        let b = estimate_hit_rate(10_000, 1.0, 20_000, Some(500.0));
        assert!(a < b, "{a} !< {b}");
        let s = estimate_exponent(10_000, 20_000, Some(500.0), b, 4.0);
        assert!((s - 1.0).abs() < 1e-3, "{s}");
    }
}
