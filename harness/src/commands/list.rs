//! `harness list`.

use super::Status;
use std::io::Write;

/// Prints the built-in presets, one line each.
pub fn list(out: &mut dyn Write) -> anyhow::Result<Status> {
    let presets = workloads::Workload::presets();
    let width = presets.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in presets {
        writeln!(out, "{:<width$}  {}", p.name, p.description)?;
    }
    Ok(Status::Passed)
}
