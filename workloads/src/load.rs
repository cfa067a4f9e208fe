//! Finding workloads: built-in presets by name, user files by path.

use crate::error::WorkloadError;
use crate::presets::PRESETS;
use crate::spec::Workload;
use std::io::Read;
use std::path::Path;

/// Largest workload file read: 4 MiB. Real workload files are a few hundred bytes.
pub const MAX_WORKLOAD_FILE_BYTES: u64 = 4 << 20;

/// A built-in preset, for listings (`harness list`, the README).
#[derive(Debug, Clone, PartialEq)]
pub struct PresetInfo {
    /// The name `harness run --workload NAME` accepts.
    pub name: &'static str,
    /// One line saying what it shows.
    pub description: String,
}

impl Workload {
    /// A built-in preset by name, or else a TOML file by path.
    ///
    /// ```
    /// let w = workloads::Workload::resolve("typical").unwrap();
    /// assert_eq!(w.target_hit_rate(), Some(0.70));
    /// assert!(workloads::Workload::resolve("no-such-thing").is_err());
    /// ```
    pub fn resolve(name_or_path: &str) -> Result<Workload, WorkloadError> {
        if PRESETS.iter().any(|(name, _)| *name == name_or_path) {
            return Self::preset(name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            return Self::from_path(path);
        }
        Err(unknown(name_or_path))
    }

    /// A built-in preset; an unknown name gives an error listing the valid ones.
    pub fn preset(name: &str) -> Result<Workload, WorkloadError> {
        let (_, text) = PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| unknown(name))?;
        Self::from_toml_str(text, &format!("preset `{name}`"))
    }

    /// A workload from a TOML file (at most [`MAX_WORKLOAD_FILE_BYTES`]; a pipe or FIFO is read
    /// as a stream up to that bound).
    pub fn from_path(path: &Path) -> Result<Workload, WorkloadError> {
        let io = |source| WorkloadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // One byte past the bound tells "too large" from "exactly at the bound"; `/dev/zero`
        // or a runaway FIFO stops there instead of filling memory.
        let mut bytes = Vec::new();
        file.take(MAX_WORKLOAD_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_WORKLOAD_FILE_BYTES {
            return Err(WorkloadError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_WORKLOAD_FILE_BYTES,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| WorkloadError::Toml {
            origin: path.display().to_string(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {}): a workload is a TOML file",
                e.utf8_error().valid_up_to()
            ),
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// A workload from TOML text; `origin` (file or preset name) is used in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Workload, WorkloadError> {
        let workload: Workload = toml::from_str(text).map_err(|e| WorkloadError::Toml {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        workload.validate(origin)?;
        Ok(workload)
    }

    /// The built-in presets with their descriptions, in a stable order.
    pub fn presets() -> Vec<PresetInfo> {
        PRESETS
            .iter()
            .map(|(name, text)| PresetInfo {
                name,
                description: Self::from_toml_str(text, name)
                    .map(|w| w.description)
                    .unwrap_or_else(|e| format!("(invalid preset: {e})")),
            })
            .collect()
    }

    /// The TOML text of this workload (e.g. to save a calibrated exponent).
    pub fn to_toml_string(&self) -> Result<String, WorkloadError> {
        toml::to_string_pretty(self).map_err(|e| WorkloadError::Toml {
            origin: self.name.clone(),
            message: e.to_string(),
        })
    }
}

fn unknown(name: &str) -> WorkloadError {
    WorkloadError::UnknownPreset {
        name: name.to_string(),
        valid: PRESETS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", "),
    }
}
