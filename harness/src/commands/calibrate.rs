//! `harness calibrate`: runs [`crate::calibrate`] (engine replays) and prints what it found.

use super::{Status, workload_names};
use std::io::Write;

/// Calibrates each named workload for the model `options` describe (those without a target hit
/// rate are reported as such).
pub fn calibrate(
    workload: &str,
    options: &crate::run::RunOptions,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let mut status = Status::Passed;
    for name in workload_names(workload) {
        let w = workloads::Workload::resolve(&name)?;
        match crate::calibrate::calibrate_with(&w, options) {
            Ok(c) => writeln!(
                out,
                "{}: exponent {:.6}; achieved hit rate {:.3} % (target {:.3} %); unbounded-cache \
                 hit rate {:.3} %; {} distinct keys; {} replays\n  store it in the preset as \
                 `calibrated_exponent = {:.6}`",
                w.name,
                c.exponent,
                c.achieved_hit_rate * 100.0,
                c.target * 100.0,
                c.unbounded_hit_rate * 100.0,
                c.distinct_keys,
                c.replays,
                c.exponent
            )?,
            Err(e) => {
                writeln!(out, "{}: cannot calibrate: {e}", w.name)?;
                status = Status::Failed;
            }
        }
    }
    Ok(status)
}
