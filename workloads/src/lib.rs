//! workloads: the trace model, calibrated synthetic generation traces, scenario presets and
//! readers for real trace files. Knows nothing of the harness.
