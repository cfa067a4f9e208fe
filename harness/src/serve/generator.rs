//! The simulated slow generator behind the cache: K workers, each generation holds one for its
//! cost (scaled) and produces a payload of the requested size.

use super::error::ApiError;
use super::timing::{scaled, sleep_precise};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;

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
    pub async fn work(&self, cost_s: f64) -> Result<(), ApiError> {
        let _permit = self
            .workers
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the generator is shutting down"))?;
        self.generations.fetch_add(1, Ordering::Relaxed);
        sleep_precise(scaled(cost_s, self.time_scale)).await;
        Ok(())
    }

    /// [`Self::work`], then `size` bytes derived from the key (so a client can tell results
    /// apart).
    pub async fn generate(&self, key: u128, size: u64, cost_s: f64) -> Result<Payload, ApiError> {
        let len = usize::try_from(size)
            .map_err(|_| ApiError::invalid_field("size", "does not fit this machine's memory"))?;
        self.work(cost_s).await?;
        Ok(Arc::from(vec![key.to_le_bytes()[0]; len]))
    }
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
}
