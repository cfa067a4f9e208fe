//! harness: replays workloads through the real `gencache` cache in front of a simulated slow
//! generator, baseline and cached side by side on a virtual clock, and turns the replay into a
//! verdict on the seed's claims (speedup, hit rate, latency, memory overhead) and a CI gate.
//!
//! - [`engine`]: the discrete-event simulation (integer nanoseconds, streaming).
//! - [`policies`]: every cache policy by name (`--policy`): gencache's LRU, the reference
//!   policies (libCacheSim semantics), the offline bounds and the peer crates.
//! - [`run`]: baseline, cached and memory passes of one source, assembled into the results schema.
//! - [`verdict`]: the seed's claims against a run.
//! - [`sweep`]: curves over budgets, TTLs and workers (one-pass LRU stack distances or one
//!   replay per point), the trace profile and the advice.
//! - [`warmup`]: `--warmup N|P%`, the requests left out of every figure while they warm the
//!   cache.
//! - [`commands`]: `run`, `replay`, `gen`, `list`, `calibrate`, `report`, `gate`.
//!
//! The binary (`src/main.rs`) is a thin clap front end over [`cli`] and [`commands`].
#![warn(missing_docs)]

pub mod alloc;
pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod distinct;
pub mod engine;
mod free_slots;
pub mod huge_pages;
pub mod l2;
pub mod live;
pub mod memory;
pub mod model;
pub mod output;
pub mod policies;
pub mod progress;
pub mod realtime;
pub mod run;
pub mod serve;
pub mod sized_cache;
pub mod source;
pub mod staged;
pub mod summary;
pub mod sweep;
pub mod verdict;
pub mod warmup;

/// The library's own unit tests measure heap, so their test binary counts allocations (the
/// `harness` binary and the tests and benches that need it declare it themselves).
#[cfg(test)]
#[global_allocator]
static GLOBAL: alloc::CountingAlloc = alloc::CountingAlloc;
