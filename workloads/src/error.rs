//! Errors of workload definitions.

use std::path::PathBuf;

/// Why a workload could not be loaded, validated or generated.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The workload file could not be read.
    #[error("cannot read workload file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The TOML text is malformed, has an unknown field or a field of the wrong type.
    #[error("invalid workload {origin}: {message}")]
    Toml {
        /// File path or preset name.
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A field is out of range or fields contradict each other.
    #[error("invalid workload {origin}: field `{field}`: {message}")]
    Invalid {
        /// File path or preset name.
        origin: String,
        /// Dotted field name, e.g. `arrival.rate_per_s`.
        field: String,
        /// What was expected.
        message: String,
    },
    /// Neither a built-in preset nor an existing file.
    #[error(
        "unknown workload preset `{name}` (valid presets: {valid}; or give a path to a .toml file)"
    )]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// Comma-separated list of the built-in presets.
        valid: String,
    },
    /// The workload has a target hit rate but no stored exponent: it must be calibrated first.
    #[error(
        "workload {origin} has a target_hit_rate but no stored calibrated_exponent: run \
         `harness calibrate --workload {origin}` and store the exponent it prints in the TOML"
    )]
    Uncalibrated {
        /// File path or preset name.
        origin: String,
    },
}
