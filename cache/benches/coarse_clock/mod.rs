//! gencache variants with the crate's [`gencache::CoarseClock`] (1 ms), benchmarked beside the
//! defaults to isolate what reading the exact clock on every operation costs (the default cache
//! reads it on every hit to check the TTL). Not peers: any gencache user can configure this through
//! `CacheBuilder::clock`, accepting TTLs that expire up to a tick late.

use crate::common::gencache_variant;
use std::time::Duration;

gencache_variant!(
    GenCacheCoarseClock,
    "gencache_coarse_clock",
    "gencache with its defaults except the clock: `gencache::CoarseClock` at 1 ms.",
    |builder: gencache::CacheBuilder<u64, u64>| builder
        .clock(gencache::CoarseClock::new(Duration::from_millis(1)))
);
gencache_variant!(
    GenCacheS3FifoCoarseClock,
    "gencache_s3fifo_coarse_clock",
    "gencache with `Policy::S3Fifo` and `gencache::CoarseClock` at 1 ms: what a caller who accepts \
     millisecond TTL resolution gets from S3-FIFO, beside `gencache_s3fifo` with the exact clock.",
    |builder: gencache::CacheBuilder<u64, u64>| builder
        .policy(gencache::Policy::S3Fifo)
        .clock(gencache::CoarseClock::new(Duration::from_millis(1)))
);
