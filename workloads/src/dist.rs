//! Per-key output sizes and generation costs: a pure function of (seed, key), so that the same key
//! always has the same size and cost within a trace — also for keys read from trace files.

use crate::keys::mix64;
use crate::spec::{CostDist, SizeDist};

const SIZE_SALT: u64 = 0x5153_495a_4553_0001;
const COST_SALT: u64 = 0x434f_5354_0000_0002;

/// A standard normal variate derived from a 64-bit hash (Box–Muller on two 32-bit halves).
fn normal_from_hash(h: u64) -> f64 {
    // Map each half to (0, 1]: never 0, so ln() is finite.
    let u1 = ((h >> 32) as f64 + 1.0) / 4_294_967_296.0;
    let u2 = ((h & 0xffff_ffff) as f64) / 4_294_967_296.0;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A lognormal variate with the given *mean* (not median) and sigma of ln(x).
fn lognormal_from_hash(h: u64, mean: f64, sigma: f64) -> f64 {
    // E[X] = exp(mu + sigma²/2)  ⇒  mu = ln(mean) − sigma²/2.
    let mu = mean.ln() - sigma * sigma / 2.0;
    (mu + sigma * normal_from_hash(h)).exp()
}

fn key_hash(seed: u64, key: u64, salt: u64) -> u64 {
    mix64(mix64(key ^ salt).wrapping_add(seed))
}

impl SizeDist {
    /// The output size in bytes of `key` under `seed` (at least 1).
    ///
    /// ```
    /// use workloads::SizeDist;
    /// let d = SizeDist::LogNormal { mean_bytes: 1e6, sigma: 1.0 };
    /// assert_eq!(d.size_of(7, 99), d.size_of(7, 99));
    /// assert_eq!(SizeDist::Fixed { bytes: 10 }.size_of(7, 99), 10);
    /// ```
    #[inline]
    pub fn size_of(&self, seed: u64, key: u64) -> u64 {
        match *self {
            SizeDist::Fixed { bytes } => bytes,
            SizeDist::LogNormal { mean_bytes, sigma } => {
                let x = lognormal_from_hash(key_hash(seed, key, SIZE_SALT), mean_bytes, sigma);
                // `as` saturates for huge values; keep at least one byte.
                (x.round() as u64).max(1)
            }
        }
    }

    /// The mean size in bytes.
    pub fn mean_bytes(&self) -> f64 {
        match *self {
            SizeDist::Fixed { bytes } => bytes as f64,
            SizeDist::LogNormal { mean_bytes, .. } => mean_bytes,
        }
    }
}

impl CostDist {
    /// The generation time in seconds of `key` under `seed`.
    ///
    /// ```
    /// use workloads::CostDist;
    /// assert_eq!(CostDist::default().cost_of(1, 2), 124.6);
    /// ```
    #[inline]
    pub fn cost_of(&self, seed: u64, key: u64) -> f64 {
        match *self {
            CostDist::Fixed { seconds } => seconds,
            CostDist::LogNormal { mean_s, sigma } => {
                lognormal_from_hash(key_hash(seed, key, COST_SALT), mean_s, sigma)
            }
            CostDist::UniformWithTail {
                min_s,
                max_s,
                tail_s,
                tail_fraction,
            } => {
                // Two independent uniforms from the two halves of the key's cost hash (the size
                // hash has another salt, so cost and size are independent).
                let h = key_hash(seed, key, COST_SALT);
                let in_tail = ((h >> 32) as f64) / 4_294_967_296.0 < tail_fraction;
                if in_tail {
                    tail_s
                } else {
                    min_s + (max_s - min_s) * ((h & 0xffff_ffff) as f64 / 4_294_967_295.0)
                }
            }
        }
    }

    /// The mean generation time in seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            CostDist::Fixed { seconds } => seconds,
            CostDist::LogNormal { mean_s, .. } => mean_s,
            CostDist::UniformWithTail {
                min_s,
                max_s,
                tail_s,
                tail_fraction,
            } => (1.0 - tail_fraction) * (min_s + max_s) / 2.0 + tail_fraction * tail_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_with_tail_costs_stay_in_range_and_have_the_stated_mean() {
        let d = CostDist::UniformWithTail {
            min_s: 5.0,
            max_s: 30.0,
            tail_s: 600.0,
            tail_fraction: 0.05,
        };
        let n = 200_000u64;
        let costs: Vec<f64> = (0..n).map(|k| d.cost_of(11, k)).collect();
        assert!(
            costs
                .iter()
                .all(|&c| (5.0..=30.0).contains(&c) || c == 600.0)
        );
        let tail = costs.iter().filter(|&&c| c == 600.0).count() as f64 / n as f64;
        assert!((tail - 0.05).abs() < 0.005, "tail fraction {tail}");
        let mean = costs.iter().sum::<f64>() / n as f64;
        assert!(
            (mean / d.mean_s() - 1.0).abs() < 0.02,
            "mean {mean} vs {}",
            d.mean_s()
        );
    }

    #[test]
    fn lognormal_sizes_have_the_requested_mean() {
        let d = SizeDist::LogNormal {
            mean_bytes: 100_000.0,
            sigma: 0.8,
        };
        let n = 200_000u64;
        let mean = (0..n).map(|k| d.size_of(3, k) as f64).sum::<f64>() / n as f64;
        assert!((mean / 100_000.0 - 1.0).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn normal_from_hash_is_standard() {
        let n = 200_000u64;
        let xs: Vec<f64> = (0..n).map(|i| normal_from_hash(mix64(i))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }
}
