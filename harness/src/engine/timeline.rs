//! Per-window samples of a replay: hit rate and occupancy across the trace.

use super::Occupancy;

/// The state at the end of one window of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSample {
    /// Requests issued up to the end of this window.
    pub requests: u64,
    /// Virtual time of the window's last arrival, ns.
    pub time_ns: u64,
    /// Requests in this window.
    pub window_requests: u64,
    /// Hits in this window.
    pub window_hits: u64,
    /// Hits from the start.
    pub cumulative_hits: u64,
    /// Cache occupancy at the end of the window.
    pub occupancy: Occupancy,
}

impl WindowSample {
    /// Hit rate within the window.
    pub fn window_hit_rate(&self) -> f64 {
        ratio(self.window_hits, self.window_requests)
    }

    /// Hit rate from the start to the end of the window.
    pub fn cumulative_hit_rate(&self) -> f64 {
        ratio(self.cumulative_hits, self.requests)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Request counts at which windows end: `windows` windows of (nearly) equal size over
/// `requests` requests (fewer windows when there are fewer requests), strictly increasing,
/// the last one equal to `requests`.
///
/// ```
/// assert_eq!(harness::engine::window_bounds(10, 4), vec![3, 5, 8, 10]);
/// assert_eq!(harness::engine::window_bounds(2, 100), vec![1, 2]);
/// ```
pub fn window_bounds(requests: u64, windows: u32) -> Vec<u64> {
    let windows = u64::from(windows.max(1)).min(requests);
    (1..=windows)
        .map(|w| (u128::from(w) * u128::from(requests)).div_ceil(u128::from(windows)) as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_cover_every_request_once() {
        for (n, w) in [(100, 100), (101, 100), (7, 3), (1_000_003, 100), (0, 10)] {
            let b = window_bounds(n, w);
            assert!(b.windows(2).all(|p| p[0] < p[1]), "{n} {w}: {b:?}");
            assert_eq!(b.last().copied().unwrap_or(0), n);
        }
    }
}
