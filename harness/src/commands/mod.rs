//! The subcommands, callable from the binary and from tests.
//!
//! Each returns `Ok(Status::Passed)` on success, `Ok(Status::Failed)` when it ran but a check
//! failed (the gate), and `Err` when the input was unusable; the binary maps these to exit codes
//! 0, 1 and 2.

mod calibrate;
mod convert;
pub mod gate;
mod gen_trace;
mod list;
mod report;
mod run;
mod sweep;

pub use calibrate::calibrate;
pub use convert::convert;
pub use gate::{GATE_WORKLOADS, GateCheck, GateReport, gate};
pub use gen_trace::gen_trace;
pub use list::list;
pub use report::report;
pub use run::{replay, run};
pub use sweep::{profile, sweep};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything ran and every check passed.
    Passed,
    /// It ran, but a check failed (exit code 1).
    Failed,
}

/// Expands `--workload` values: comma-separated names/paths, or `all` for every preset.
pub fn workload_names(arg: &str) -> Vec<String> {
    if arg.trim() == "all" {
        return workloads::Workload::presets()
            .into_iter()
            .map(|p| p.name.to_string())
            .collect();
    }
    arg.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
