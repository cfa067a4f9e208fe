//! Scaled time: the service and the live replay run the model's virtual seconds at
//! `time_scale` real seconds each, so a 124.6 s generation at `--time-scale 0.001` takes 124.6 ms.

use gencache::Clock;
use std::time::{Duration, Instant};

/// A cache clock that reports virtual time: wall time elapsed since construction divided by the
/// time scale. With it a 24 h TTL means 24 *virtual* hours, as in the simulation.
///
/// ```
/// use gencache::Clock;
/// use harness::realtime::timing::ScaledClock;
///
/// let clock = ScaledClock::new(0.001);
/// // Virtual time runs 1000x faster than wall time and never goes back.
/// let a = clock.now();
/// assert!(clock.now() >= a);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    origin: Instant,
    time_scale: f64,
}

impl ScaledClock {
    /// A clock at virtual zero now; `time_scale` is real seconds per virtual second (> 0, finite;
    /// callers validate it, a non-positive scale is treated as 1).
    pub fn new(time_scale: f64) -> Self {
        let time_scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        Self {
            origin: Instant::now(),
            time_scale,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Duration {
        let virtual_s = self.origin.elapsed().as_secs_f64() / self.time_scale;
        // Saturates instead of panicking on absurd values (try_from_secs_f64 refuses overflow).
        Duration::try_from_secs_f64(virtual_s).unwrap_or(Duration::MAX)
    }
}

/// Converts virtual seconds to a real duration at `time_scale` (negative or NaN -> zero).
pub fn scaled(virtual_s: f64, time_scale: f64) -> Duration {
    Duration::try_from_secs_f64(virtual_s * time_scale).unwrap_or(Duration::ZERO)
}

/// How long before the deadline the tokio timer hands over. Tokio's timer has millisecond
/// granularity and rounds up, so `sleep(d)` may last up to about `d + 1 ms`; at a time scale of
/// 0.001 that would add a virtual second to every generation, and a scaled hit of 50 µs would
/// last 20x too long.
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// Below this, the rest of a wait is spun (cooperatively); above, an OS thread sleeps it, since
/// `nanosleep` is precise to tens of microseconds where the timer wheel is not.
const SPIN_BELOW: Duration = Duration::from_micros(300);

/// Sleeps until `deadline` with sub-millisecond precision: the tokio timer until 2 ms before,
/// then a blocking-pool thread's precise sleep, then cooperative yielding (other tasks keep
/// running) for the last ~150 µs.
pub async fn sleep_until_precise(deadline: Instant) {
    let now = Instant::now();
    if deadline > now + TIMER_SLACK {
        tokio::time::sleep_until((deadline - TIMER_SLACK).into()).await;
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining > SPIN_BELOW {
        let nap = remaining - SPIN_BELOW / 2;
        // If the blocking pool is gone (runtime shutting down), fall through to spinning.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(nap)).await;
    }
    while Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
}

/// [`sleep_until_precise`] for a duration from now.
pub async fn sleep_precise(duration: Duration) {
    if duration.is_zero() {
        return;
    }
    sleep_until_precise(Instant::now() + duration).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_converts_and_clamps() {
        assert_eq!(scaled(124.6, 0.001), Duration::from_secs_f64(0.1246));
        assert_eq!(scaled(-1.0, 0.001), Duration::ZERO);
        assert_eq!(scaled(f64::NAN, 0.001), Duration::ZERO);
    }

    #[test]
    fn bad_scale_falls_back_to_real_time() {
        let c = ScaledClock::new(-3.0);
        assert_eq!(c.time_scale, 1.0);
        let c = ScaledClock::new(f64::NAN);
        assert_eq!(c.time_scale, 1.0);
    }

    #[tokio::test]
    async fn precise_sleep_waits_at_least_the_duration() {
        let start = Instant::now();
        sleep_precise(Duration::from_micros(300)).await;
        // A lower bound only: "at least" is the contract; upper bounds would be timing-flaky.
        assert!(start.elapsed() >= Duration::from_micros(300));
    }
}
