//! Why a replay stops, and the conversions between seconds and the engine's integer
//! nanoseconds whose ranges those errors guard.

/// Converts non-negative seconds to integer nanoseconds (rounded; negative or NaN give 0).
pub fn secs_to_ns(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        let ns = (s * 1e9).round();
        if ns >= u64::MAX as f64 {
            u64::MAX
        } else {
            ns as u64
        }
    } else {
        0
    }
}

/// Longest generation (or hit) cost accepted: one year (owned by [`workloads::units`]).
pub use workloads::units::MAX_COST_S;

/// Converts seconds to integer nanoseconds, or `None` when negative, NaN or beyond `u64` ns.
pub fn checked_secs_to_ns(s: f64) -> Option<u64> {
    if !(s.is_finite() && s >= 0.0) {
        return None;
    }
    let ns = (s * 1e9).round();
    // `u64::MAX as f64` rounds up to 2^64, which is itself out of range.
    (ns < u64::MAX as f64).then_some(ns as u64)
}

/// Why a replay stopped. `request` is the 1-based position of the request in the trace.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// A request's generation cost is negative, not a number, or above [`MAX_COST_S`].
    #[error(
        "request {request} (key {key}): generation cost {cost_s:?} s is out of range (0 ..= {MAX_COST_S} s, one year)"
    )]
    CostOutOfRange {
        /// Position of the request in the trace, from 1.
        request: u64,
        /// Its key.
        key: u64,
        /// The cost given, seconds.
        cost_s: f64,
    },
    /// An open-loop timestamp does not fit the virtual clock (`u64` nanoseconds, ~584 years).
    #[error(
        "request {request} (key {key}): timestamp {time_s:?} s is out of range (0 ..= ~584 years)"
    )]
    TimeOutOfRange {
        /// Position of the request in the trace, from 1.
        request: u64,
        /// Its key.
        key: u64,
        /// The timestamp given, seconds.
        time_s: f64,
    },
    /// Virtual time would pass `u64::MAX` nanoseconds (~584 years) while serving this request.
    #[error(
        "request {request} (key {key}): the virtual clock would overflow (more than ~584 years of simulated time)"
    )]
    ClockOverflow {
        /// Position of the request in the trace, from 1.
        request: u64,
        /// Its key.
        key: u64,
    },
    /// The memory pass could not allocate a request's result.
    #[error(
        "request {request} (key {key}): cannot allocate its result of {size} bytes for the memory pass (use --max-bytes to bound the cache, or check the trace's sizes)"
    )]
    PayloadAllocation {
        /// Position of the request in the trace, from 1.
        request: u64,
        /// Its key.
        key: u64,
        /// The result size, bytes.
        size: u64,
    },
}

/// Converts nanoseconds to seconds.
pub fn ns_to_secs(ns: impl Into<u128>) -> f64 {
    ns.into() as f64 / 1e9
}
