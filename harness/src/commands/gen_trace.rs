//! `harness gen`: a workload's trace as CSV.

use super::Status;
use anyhow::Context;
use std::path::Path;

/// Writes the trace of `workload` to `out` (CSV, `time,key,size,cost`) through the shared
/// atomic writer ([`reports::AtomicFile`]): a regular file appears complete or not at all, a
/// FIFO or character device (`/dev/stdout`) is written as a stream and never replaced, a
/// symlink is followed.
pub fn gen_trace(workload: &str, out: &Path, quiet: bool) -> anyhow::Result<Status> {
    let w = workloads::Workload::resolve(workload)?;
    let trace = w
        .trace()
        .with_context(|| format!("generating the trace of {}", w.name))?;
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    let mut file = reports::AtomicFile::create(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let n = workloads::tracefile::write_csv(&mut file, out, trace)
        .with_context(|| format!("writing {}", out.display()))?;
    file.commit()
        .with_context(|| format!("cannot write {}", out.display()))?;
    if !quiet {
        eprintln!("wrote {n} requests of {} to {}", w.name, out.display());
    }
    Ok(Status::Passed)
}
