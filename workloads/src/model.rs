//! The trace model: one request of a trace.

use serde::{Deserialize, Serialize};

/// One request of a trace.
///
/// * `time`: arrival in virtual seconds (open loop). `0.0` for closed-loop workloads, where the
///   harness ignores it and each client sends its next request when the previous one is answered.
/// * `key`: the fingerprint of the request (prompt + parameters).
/// * `size`: output size in bytes.
/// * `cost`: generation time in seconds (what the slow generator takes for this request).
///
/// Within one trace the same key always has the same `size` and `cost`.
///
/// ```
/// use workloads::Request;
/// let r = Request { time: 0.0, key: 42, size: 1024, cost: 124.6 };
/// assert_eq!(r.size, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Arrival time in virtual seconds (`0.0` for closed-loop workloads).
    pub time: f64,
    /// Request fingerprint.
    pub key: u64,
    /// Output size in bytes.
    pub size: u64,
    /// Generation time in seconds.
    pub cost: f64,
}
