//! Key popularity: which key each request asks for, as a stream of ranks mapped to fingerprints.

use crate::spec::KeyPopularity;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Zipf};

/// The murmur3 64-bit finalizer: a bijection on `u64` that scatters bits well.
///
/// Used so that keys look like fingerprints rather than `0..n`, while distinct ranks are
/// guaranteed to stay distinct keys (a hash could collide; a bijection cannot).
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// The key (fingerprint) of popularity rank `rank` (0 = most popular) under `seed`.
///
/// ```
/// use workloads::key_for_rank;
/// assert_ne!(key_for_rank(1, 0), key_for_rank(1, 1));
/// assert_eq!(key_for_rank(1, 0), key_for_rank(1, 0));
/// ```
pub fn key_for_rank(seed: u64, rank: u64) -> u64 {
    // rank + salt is a bijection of rank, and so is mix64: distinct ranks give distinct keys.
    mix64(rank.wrapping_add(mix64(seed ^ 0x9e37_79b9_7f4a_7c15)))
}

/// Draws popularity ranks, one per request.
#[derive(Debug, Clone)]
pub(crate) enum RankSampler {
    Zipf(Zipf<f64>),
    Single,
    Unique {
        next: u64,
    },
    /// Selection sampling (Knuth's Algorithm S): each request is a first occurrence with
    /// probability `new_left / positions_left`, which places exactly `distinct` first occurrences
    /// uniformly without storing anything.
    Duplicates {
        seen: u64,
        new_left: u64,
        positions_left: u64,
    },
}

impl RankSampler {
    /// `draws` is how many ranks will be drawn (one per request, or one per burst): `Duplicates`
    /// spreads its first occurrences over exactly that many draws. `exponent` is the Zipf
    /// exponent to use (explicit or calibrated); ignored by other kinds.
    pub(crate) fn new(keys: &KeyPopularity, draws: u64, exponent: f64) -> Result<Self, String> {
        Ok(match keys {
            KeyPopularity::Zipf { universe, .. } => RankSampler::Zipf(
                Zipf::new(*universe as f64, exponent)
                    .map_err(|e| format!("zipf(universe={universe}, exponent={exponent}): {e}"))?,
            ),
            KeyPopularity::Single => RankSampler::Single,
            KeyPopularity::Unique => RankSampler::Unique { next: 0 },
            KeyPopularity::Duplicates { distinct } => RankSampler::Duplicates {
                seen: 0,
                new_left: *distinct,
                positions_left: draws,
            },
        })
    }

    pub(crate) fn next_rank(&mut self, rng: &mut ChaCha8Rng) -> u64 {
        match self {
            // Zipf samples are integers in 1..=universe stored in an f64.
            RankSampler::Zipf(z) => (z.sample(rng) as u64).saturating_sub(1),
            RankSampler::Single => 0,
            RankSampler::Unique { next } => {
                let rank = *next;
                *next += 1;
                rank
            }
            RankSampler::Duplicates {
                seen,
                new_left,
                positions_left,
            } => {
                let is_new = *seen == 0
                    || (*new_left > 0 && rng.random_range(0..*positions_left) < *new_left);
                *positions_left = positions_left.saturating_sub(1);
                if is_new {
                    *new_left -= 1;
                    *seen += 1;
                    *seen - 1
                } else {
                    rng.random_range(0..*seen)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn duplicates_gives_exactly_the_distinct_count() {
        for (requests, distinct, seed) in [(100, 30, 1), (100, 100, 2), (100, 1, 3), (7, 3, 4)] {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut s =
                RankSampler::new(&KeyPopularity::Duplicates { distinct }, requests, 0.0).unwrap();
            let ranks: Vec<u64> = (0..requests).map(|_| s.next_rank(&mut rng)).collect();
            let set: HashSet<u64> = ranks.iter().copied().collect();
            assert_eq!(set.len() as u64, distinct, "seed {seed}");
            assert_eq!(ranks[0], 0);
        }
    }

    #[test]
    fn keys_of_distinct_ranks_are_distinct_and_not_small() {
        let keys: HashSet<u64> = (0..10_000).map(|r| key_for_rank(42, r)).collect();
        assert_eq!(keys.len(), 10_000);
        assert!(keys.iter().filter(|k| **k < 1_000_000).count() < 5);
    }
}
