//! `harness list`.

use super::Status;
use std::io::Write;

/// Prints the built-in presets, then the policies `--policy` takes, one line each.
pub fn list(out: &mut dyn Write) -> anyhow::Result<Status> {
    let presets = workloads::Workload::presets();
    let policies = crate::policies::PolicyName::ALL;
    let width = presets
        .iter()
        .map(|p| p.name.len())
        .chain(policies.iter().map(|p| p.as_str().len()))
        .max()
        .unwrap_or(0);
    writeln!(out, "workloads (--workload NAME):")?;
    for p in presets {
        writeln!(out, "  {:<width$}  {}", p.name, p.description)?;
    }
    writeln!(out, "policies (--policy NAME):")?;
    for p in policies {
        writeln!(out, "  {:<width$}  {}", p.as_str(), p.description())?;
    }
    Ok(Status::Passed)
}
