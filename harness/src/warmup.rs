//! The warm-up (`--warmup N|P%`): how many requests it leaves out of a source's figures, the
//! refusal of one that leaves nothing to measure, and the cache counters of the measured part.
//! The engine leaves those requests out ([`crate::engine::EngineConfig::warmup`]); the one-pass
//! curve does the same ([`crate::sweep::stack`]).

use crate::engine::SideOutcome;
use crate::run::{RunError, RunOptions};
use crate::source::Source;
use workloads::units::Warmup;

/// The number of requests `warmup` leaves out of `source`'s figures. A percentage needs the
/// trace's length: known for a workload and a plain oracleGeneral file, otherwise counted in a
/// pass over the trace. Wherever the length is known here, a warm-up that would leave no
/// request to measure is refused before any replay (with an unknown length, the replay refuses
/// it once it has seen the whole trace: [`RunError::WarmupTooLong`]).
///
/// # Errors
///
/// [`RunError::WarmupTooLong`]; [`RunError::Source`] when counting the trace fails.
pub fn warmup_requests(source: &Source, warmup: Warmup) -> Result<u64, RunError> {
    if warmup.is_none() {
        return Ok(0);
    }
    let total = match (source.known_requests(), warmup) {
        (Some(n), _) => Some(n),
        (None, Warmup::Percent(_)) => Some(count_requests(source)?),
        (None, Warmup::Requests(_)) => None,
    };
    let n = warmup.requests_of(total.unwrap_or(u64::MAX));
    if let Some(total) = total {
        check_warmup(source, warmup, n, total)?;
    }
    Ok(n)
}

/// Refuses a warm-up of `n` requests that leaves none of `total` to measure.
pub fn check_warmup(source: &Source, warmup: Warmup, n: u64, total: u64) -> Result<(), RunError> {
    if n >= total && n > 0 {
        return Err(RunError::WarmupTooLong {
            name: source.name(),
            warmup: warmup.to_string(),
            warmup_requests: n,
            requests: total,
        });
    }
    Ok(())
}

fn count_requests(source: &Source) -> Result<u64, RunError> {
    let fail = |e| RunError::Source {
        name: source.name(),
        source: e,
    };
    let mut stream = source.open().map_err(fail)?;
    let n = stream.by_ref().count() as u64;
    stream.finish().map_err(fail)?;
    Ok(n)
}

/// Why a replay measured no request: an empty trace, or a warm-up as long as the trace.
pub(crate) fn nothing_measured(
    source: &Source,
    options: &RunOptions,
    base: &SideOutcome,
) -> RunError {
    let n = base.warmup_requests;
    match check_warmup(source, options.warmup, n, n) {
        Err(e) => e,
        Ok(()) => RunError::Empty {
            name: source.name(),
        },
    }
}

/// The cache's counters over the measured requests: `end` less `at_warmup` (the counters when
/// the first measured request arrived) for what counts events; peaks stay the whole run's.
pub(crate) fn measured_stats(
    end: gencache::CacheStats,
    at_warmup: Option<&gencache::CacheStats>,
) -> gencache::CacheStats {
    let Some(w) = at_warmup else {
        return end;
    };
    let mut s = end;
    s.evictions.capacity_entries -= w
        .evictions
        .capacity_entries
        .min(s.evictions.capacity_entries);
    s.evictions.capacity_bytes -= w.evictions.capacity_bytes.min(s.evictions.capacity_bytes);
    s.evictions.expired -= w.evictions.expired.min(s.evictions.expired);
    s.refused_too_large -= w.refused_too_large.min(s.refused_too_large);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_counters_subtract_the_warm_up_and_keep_the_peaks() {
        let mut at = gencache::CacheStats::default();
        at.evictions.capacity_bytes = 3;
        at.evictions.expired = 1;
        at.refused_too_large = 2;
        at.peak_entries = 10;
        let mut end = at;
        end.evictions.capacity_bytes = 10;
        end.evictions.expired = 4;
        end.refused_too_large = 2;
        end.peak_entries = 12;
        let m = measured_stats(end, Some(&at));
        assert_eq!(
            (
                m.evictions.capacity_bytes,
                m.evictions.expired,
                m.refused_too_large
            ),
            (7, 3, 0)
        );
        assert_eq!(m.peak_entries, 12, "peaks are the whole run's");
        assert_eq!(measured_stats(end, None), end);
    }

    #[test]
    fn a_percentage_resolves_against_the_workload_and_a_whole_trace_is_refused() {
        let w = match workloads::Workload::preset("seed-example") {
            Ok(w) => Source::Workload(w),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            warmup_requests(&w, Warmup::Percent(25_000_000)).ok(),
            Some(25)
        );
        assert_eq!(warmup_requests(&w, Warmup::NONE).ok(), Some(0));
        let err = warmup_requests(&w, Warmup::Requests(100))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("--warmup 100") && e.contains("none to measure")));
    }
}
