//! `harness convert`: a trace file to libCacheSim `oracleGeneral` (for cross-checks).

use super::Status;
use crate::cli::ConvertArgs;
use anyhow::Context;

/// Reads `args.file` (first `args.requests` requests) and writes it as oracleGeneral.
pub fn convert(args: &ConvertArgs, quiet: bool) -> anyhow::Result<Status> {
    let format = args
        .format
        .as_deref()
        .map(str::parse::<workloads::tracefile::TraceFormat>)
        .transpose()
        .context("--format")?;
    let defaults = workloads::Workload::resolve(&args.workload)?;
    let reader = workloads::tracefile::open(&args.file, format, &defaults)
        .context("cannot convert the trace")?;
    let limit = args.requests.unwrap_or(u64::MAX);
    let mut error = None;
    let requests = reader
        .map_while(|r| match r {
            Ok(r) => Some(r),
            Err(e) => {
                error = Some(e);
                None
            }
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX));
    // Through the shared atomic writer: nothing appears at `--out` unless the whole trace was
    // read and written (a read error drops the temporary file; a FIFO is written as a stream).
    let mut file = reports::AtomicFile::create(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let n =
        workloads::tracefile::write_oracle_general(&mut file, &args.out, requests, args.unit_size);
    if let Some(e) = error {
        return Err(e).context("cannot convert the trace");
    }
    let n = n.with_context(|| format!("writing {}", args.out.display()))?;
    file.commit()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if !quiet {
        eprintln!(
            "wrote {n} requests of {} to {} (oracleGeneral{})",
            args.file.display(),
            args.out.display(),
            if args.unit_size { ", unit sizes" } else { "" }
        );
    }
    Ok(Status::Passed)
}
