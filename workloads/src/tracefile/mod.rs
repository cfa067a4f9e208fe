//! Trace files: the project's CSV (read and write) and real traces (libCacheSim `oracleGeneral`,
//! plain or zstd; cache2k, xz; plain text, one key per line), all streamed.
//!
//! ## Defaults for missing fields
//! Formats that lack a field get it from [`TraceDefaults`] (usually the workload's):
//! * `size`: `defaults.size.size_of(seed, key)` — the workload's size distribution, keyed by the
//!   key, so a key always has the same size (also for oracleGeneral records with size 0);
//! * `cost`: `defaults.cost.cost_of(seed, key)` (default: fixed 124.6 s);
//! * `time`: `0.0` — closed-loop arrivals. oracleGeneral times are kept, relative to the first
//!   record; CSV times are kept as written.
//!
//! ```
//! use workloads::{Request, Workload, tracefile};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("t.csv");
//! let w = Workload::preset("seed-example").unwrap();
//! let n = tracefile::write_csv(&path, w.trace().unwrap()).unwrap();
//! let back: Vec<Request> = tracefile::open(&path, None, &w).unwrap()
//!     .collect::<Result<_, _>>().unwrap();
//! assert_eq!(back.len() as u64, n);
//! assert_eq!(back, w.trace().unwrap().collect::<Vec<_>>());
//! ```

mod cache2k;
mod csv;
mod detect;
mod error;
mod oracle;
mod records;
mod text;
mod zstd_frames;

pub use detect::TraceFormat;
pub use error::TraceError;

use crate::model::Request;
use crate::spec::{CostDist, SizeDist, Workload};
use std::path::Path;

/// Where missing fields come from (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceDefaults {
    /// Seed keying the size and cost of each key.
    pub seed: u64,
    /// Size distribution for records without a size.
    pub size: SizeDist,
    /// Cost distribution for records without a cost.
    pub cost: CostDist,
}

impl From<&Workload> for TraceDefaults {
    fn from(w: &Workload) -> Self {
        Self {
            seed: w.seed,
            size: w.size.clone(),
            cost: w.cost.clone(),
        }
    }
}

impl TraceDefaults {
    pub(crate) fn request(&self, time: f64, key: u64, size: Option<u64>) -> Request {
        Request {
            time,
            key,
            size: size.unwrap_or_else(|| self.size.size_of(self.seed, key)),
            cost: self.cost.cost_of(self.seed, key),
        }
    }
}

/// A streaming reader of a trace file: yields requests one at a time; stops after the first
/// error.
pub struct TraceReader {
    inner: Box<dyn Iterator<Item = Result<Request, TraceError>> + Send>,
    format: TraceFormat,
    failed: bool,
}

impl TraceReader {
    /// The format being read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }
}

impl std::fmt::Debug for TraceReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceReader")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Iterator for TraceReader {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.inner.next();
        if matches!(item, Some(Err(_))) {
            self.failed = true;
        }
        item
    }
}

/// Opens a trace file; `format` `None` detects it from the extension and content. Missing fields
/// come from `defaults` (the workload's size and cost distributions and seed).
pub fn open(
    path: &Path,
    format: Option<TraceFormat>,
    defaults: &Workload,
) -> Result<TraceReader, TraceError> {
    open_with_defaults(path, format, TraceDefaults::from(defaults))
}

/// [`open`] with explicit defaults.
pub fn open_with_defaults(
    path: &Path,
    format: Option<TraceFormat>,
    defaults: TraceDefaults,
) -> Result<TraceReader, TraceError> {
    let format = match format {
        Some(f) => f,
        None => TraceFormat::detect(path)?,
    };
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len == 0 {
        return Err(TraceError::Empty {
            path: path.to_path_buf(),
            expected: format.record_description(),
        });
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    if matches!(format, TraceFormat::Csv | TraceFormat::Text) {
        // Text formats given explicitly: still refuse a compressed file with a clear message.
        let mut head = [0u8; 8];
        let got = cache2k::read_up_to(&mut file, &mut head).map_err(io)?;
        detect::reject_unsupported_compression(path, &head[..got])?;
        std::io::Seek::rewind(&mut file).map_err(io)?;
    }
    let path = path.to_path_buf();
    let inner: Box<dyn Iterator<Item = Result<Request, TraceError>> + Send> = match format {
        TraceFormat::Csv => Box::new(csv::CsvReader::new(path, file, defaults)?),
        TraceFormat::OracleGeneral => Box::new(oracle::plain(path, file, defaults)),
        TraceFormat::OracleGeneralZst => Box::new(oracle::zstd(path, file, defaults)?),
        TraceFormat::Cache2kXz => Box::new(cache2k::xz(path, file, defaults)?),
        TraceFormat::Text => Box::new(text::TextReader::new(path, file, defaults)),
    };
    Ok(TraceReader {
        inner,
        format,
        failed: false,
    })
}

pub use csv::write_csv;
pub use oracle::write_oracle_general;
