//! Properties of generated traces against simple reference models (proptest; the failing case
//! and its seed are printed by proptest and reproduce).

use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use workloads::{Arrival, KeyPopularity, SizeDist, Workload};

fn base(requests: u64, seed: u64, keys: KeyPopularity, arrival: Arrival) -> Workload {
    let mut w = Workload::preset("seed-example").unwrap();
    w.requests = requests;
    w.seed = seed;
    w.keys = keys;
    w.arrival = arrival;
    w.size = SizeDist::LogNormal {
        mean_bytes: 1000.0,
        sigma: 1.0,
    };
    w.validate("test").unwrap();
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn duplicates_have_exactly_the_distinct_count(
        requests in 1u64..2000, frac in 0.0f64..=1.0, seed in any::<u64>(),
        bursts in proptest::option::of(1u32..=16),
    ) {
        // With bursts a key is drawn once per burst, so `distinct` is bounded by the bursts.
        let (arrival, draws) = match bursts {
            Some(burst_size) => (
                Arrival::Bursts { burst_size, spread_s: 1.0, mean_gap_s: 10.0 },
                requests.div_ceil(u64::from(burst_size)),
            ),
            None => (Arrival::Closed { clients: 1 }, requests),
        };
        let distinct = ((draws as f64 * frac) as u64).clamp(1, draws);
        let w = base(requests, seed, KeyPopularity::Duplicates { distinct }, arrival);
        let keys: Vec<u64> = w.trace().unwrap().map(|r| r.key).collect();
        prop_assert_eq!(keys.len() as u64, requests);
        prop_assert_eq!(keys.iter().collect::<HashSet<_>>().len() as u64, distinct);
    }

    #[test]
    fn unique_keys_are_all_distinct_and_single_is_one_key(
        requests in 1u64..3000, seed in any::<u64>()
    ) {
        let u = base(requests, seed, KeyPopularity::Unique, Arrival::Closed { clients: 1 });
        prop_assert_eq!(u.trace().unwrap().map(|r| r.key).collect::<HashSet<_>>().len() as u64, requests);
        let s = base(requests, seed, KeyPopularity::Single, Arrival::Closed { clients: 1 });
        prop_assert_eq!(s.trace().unwrap().map(|r| r.key).collect::<HashSet<_>>().len(), 1);
    }

    #[test]
    fn zipf_keys_stay_in_the_universe_and_rank_one_is_most_frequent(
        universe in 2u64..500, exponent in 0.8f64..2.0, seed in any::<u64>()
    ) {
        let w = base(5000, seed, KeyPopularity::Zipf {
            universe, exponent: Some(exponent), target_hit_rate: None, calibrated_exponent: None, max_exponent: None,
        }, Arrival::Closed { clients: 1 });
        let allowed: HashSet<u64> = (0..universe).map(|r| workloads::key_for_rank(seed, r)).collect();
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for r in w.trace().unwrap() {
            prop_assert!(allowed.contains(&r.key));
            prop_assert_eq!(r.time, 0.0);
            *counts.entry(r.key).or_default() += 1;
        }
        let top = counts.iter().max_by_key(|(_, c)| **c).map(|(k, _)| *k);
        prop_assert_eq!(top, Some(workloads::key_for_rank(seed, 0)));
    }

    #[test]
    fn poisson_times_increase_at_the_given_rate(rate in 0.01f64..100.0, seed in any::<u64>()) {
        let w = base(4000, seed, KeyPopularity::Unique, Arrival::Poisson { rate_per_s: rate });
        let times: Vec<f64> = w.trace().unwrap().map(|r| r.time).collect();
        prop_assert!(times.windows(2).all(|p| p[0] <= p[1]));
        // Mean inter-arrival 1/rate: 4000 samples put the estimate within ±10 % (≈ 6 sigma).
        let measured = times.len() as f64 / times[times.len() - 1];
        prop_assert!((measured / rate - 1.0).abs() < 0.1, "rate {} measured {}", rate, measured);
    }

    #[test]
    fn bursts_are_sorted_same_key_groups_within_their_window(
        burst in 1u32..20, spread in 0.0f64..10.0, gap in 0.1f64..100.0, seed in any::<u64>()
    ) {
        let w = base(500, seed, KeyPopularity::Zipf {
            universe: 1000, exponent: Some(0.5), target_hit_rate: None, calibrated_exponent: None, max_exponent: None,
        }, Arrival::Bursts { burst_size: burst, spread_s: spread, mean_gap_s: gap });
        let reqs: Vec<_> = w.trace().unwrap().collect();
        prop_assert_eq!(reqs.len(), 500);
        prop_assert!(reqs.windows(2).all(|p| p[0].time <= p[1].time));
        for group in reqs.chunks(burst as usize) {
            prop_assert!(group.iter().all(|r| r.key == group[0].key));
            let width = group[group.len() - 1].time - group[0].time;
            prop_assert!(width <= spread + 1e-9);
        }
    }
}
