//! `harness gen`: a workload's trace as CSV.

use super::Status;
use anyhow::Context;
use std::path::Path;

/// Writes the trace of `workload` to `out` (CSV, `time,key,size,cost`); the workloads crate's
/// writer is atomic (temporary file beside `out`, renamed into place when complete).
pub fn gen_trace(workload: &str, out: &Path, quiet: bool) -> anyhow::Result<Status> {
    let w = workloads::Workload::resolve(workload)?;
    let trace = w
        .trace()
        .with_context(|| format!("generating the trace of {}", w.name))?;
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    let n = workloads::tracefile::write_csv(out, trace)
        .with_context(|| format!("writing {}", out.display()))?;
    if !quiet {
        eprintln!("wrote {n} requests of {} to {}", w.name, out.display());
    }
    Ok(Status::Passed)
}
