//! The simulated slow generator behind the cache: K workers, each generation holds one for its
//! cost (scaled) and produces a payload of the requested size.

use super::timing::{scaled, sleep_precise};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;

/// Why a generation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeneratorError {
    /// The worker pool was closed.
    #[error("the generator is shutting down")]
    ShuttingDown,
    /// The requested result does not fit this machine's address space.
    #[error("a result of {size} bytes does not fit this machine's memory")]
    TooLarge {
        /// The size asked for, bytes.
        size: u64,
    },
}

/// A generated result. Shared, so a cache hit hands out the same bytes without copying.
pub type Payload = Arc<[u8]>;

/// K workers sleeping `cost × time_scale` per generation.
#[derive(Debug)]
pub struct SimGenerator {
    workers: Semaphore,
    worker_count: u32,
    time_scale: f64,
    generations: AtomicU64,
}

impl SimGenerator {
    /// A generator with `workers` workers (at least 1) at `time_scale` real seconds per virtual one.
    pub fn new(workers: u32, time_scale: f64) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Semaphore::new(workers as usize),
            worker_count: workers,
            time_scale,
            generations: AtomicU64::new(0),
        }
    }

    /// Number of workers.
    pub fn workers(&self) -> u32 {
        self.worker_count
    }

    /// Generations run so far (each one a call that got a worker).
    pub fn generations(&self) -> u64 {
        self.generations.load(Ordering::Relaxed)
    }

    /// Queues for a worker and holds it for `cost_s` virtual seconds: one generation without a
    /// payload (the live replay weighs results by their size and needs no bytes).
    pub async fn work(&self, cost_s: f64) -> Result<(), GeneratorError> {
        self.with_worker(cost_s, || ()).await
    }

    /// [`Self::work`], then `size` bytes derived from the key (so a client can tell results
    /// apart). The bytes are produced while the worker is still held, so at most K payloads are
    /// being built at once, whatever the number of queued requests.
    pub async fn generate(
        &self,
        key: u128,
        size: u64,
        cost_s: f64,
    ) -> Result<Payload, GeneratorError> {
        let len = payload_len(size)?;
        self.with_worker(cost_s, || payload(key, len)).await
    }

    /// A generation whose result nobody keeps (`bypass_cache`): the payload is built and dropped
    /// before the worker is released, so uncached traffic holds at most K payloads in memory.
    /// Returns the payload's length.
    pub async fn generate_discarded(
        &self,
        key: u128,
        size: u64,
        cost_s: f64,
    ) -> Result<u64, GeneratorError> {
        let len = payload_len(size)?;
        self.with_worker(cost_s, || payload(key, len).len() as u64)
            .await
    }

    /// Waits for a worker, sleeps the scaled cost, and runs `produce` before letting go of it.
    async fn with_worker<R>(
        &self,
        cost_s: f64,
        produce: impl FnOnce() -> R,
    ) -> Result<R, GeneratorError> {
        let _permit = self
            .workers
            .acquire()
            .await
            .map_err(|_| GeneratorError::ShuttingDown)?;
        self.generations.fetch_add(1, Ordering::Relaxed);
        sleep_precise(scaled(cost_s, self.time_scale)).await;
        Ok(produce())
    }

    /// Workers free right now (K minus the generations under way).
    pub fn idle_workers(&self) -> usize {
        self.workers.available_permits()
    }
}

fn payload_len(size: u64) -> Result<usize, GeneratorError> {
    usize::try_from(size).map_err(|_| GeneratorError::TooLarge { size })
}

fn payload(key: u128, len: usize) -> Payload {
    Arc::from(vec![key.to_le_bytes()[0]; len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn generates_the_requested_size_and_counts() {
        let generator = SimGenerator::new(2, 0.0001);
        let payload = generator.generate(0xab, 1000, 0.5).await.unwrap();
        assert_eq!(payload.len(), 1000);
        assert!(payload.iter().all(|&b| b == 0xab));
        assert_eq!(generator.generations(), 1);
        assert_eq!(generator.workers(), 2);
    }

    #[tokio::test]
    async fn payloads_are_built_while_the_worker_is_held() {
        let generator = SimGenerator::new(1, 0.0001);
        // Observe the worker pool from inside the production step: it must still be taken.
        let busy = generator
            .with_worker(0.1, || generator.idle_workers())
            .await
            .unwrap();
        assert_eq!(
            busy, 0,
            "the payload was produced after the worker was released"
        );
        assert_eq!(generator.idle_workers(), 1);
        assert_eq!(
            generator.generate_discarded(7, 4096, 0.1).await.unwrap(),
            4096
        );
        assert_eq!(generator.generations(), 2);
    }
}
