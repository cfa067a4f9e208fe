//! reports: charts (plotters) and Markdown/HTML review reports from `harness run` results.
//!
//! This crate reads result files; it never runs replays.

pub mod results;
