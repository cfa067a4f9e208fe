//! `harness gen`: a workload's trace as CSV or libCacheSim `oracleGeneral`.

use super::Status;
use anyhow::Context;
use std::path::Path;

/// Writes the trace of `workload` to `out` (`format`: CSV, `time,key,size,cost`, or
/// libCacheSim's oracleGeneral) through the shared atomic writer ([`reports::AtomicFile`]): a
/// regular file appears complete or not at all, a FIFO or character device (`/dev/stdout`) is
/// written as a stream and never replaced, a symlink is followed.
pub fn gen_trace(workload: &str, format: &str, out: &Path, quiet: bool) -> anyhow::Result<Status> {
    use workloads::tracefile::TraceFormat;
    let format: TraceFormat = format.parse().context("--format")?;
    anyhow::ensure!(
        matches!(format, TraceFormat::Csv | TraceFormat::OracleGeneral),
        "--format: `gen` writes csv or oracle-general, not {format:?}"
    );
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
    let n = match format {
        TraceFormat::OracleGeneral => {
            workloads::tracefile::write_oracle_general(&mut file, out, trace, false)
        }
        _ => workloads::tracefile::write_csv(&mut file, out, trace),
    }
    .with_context(|| format!("writing {}", out.display()))?;
    file.commit()
        .with_context(|| format!("cannot write {}", out.display()))?;
    if !quiet {
        eprintln!("wrote {n} requests of {} to {}", w.name, out.display());
    }
    Ok(Status::Passed)
}
