//! Real (scaled) time, shared by the live replay and `harness serve`: the scaled clock and
//! sleeps, the simulated generator of K workers, and the one function that answers a request
//! through the real cache.

pub mod answer;
pub mod generator;
pub mod timing;

pub use answer::{Answering, answer};
pub use generator::{GeneratorError, Payload, SimGenerator};
