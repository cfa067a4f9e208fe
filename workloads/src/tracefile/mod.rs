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
//! let mut file = std::fs::File::create(&path).unwrap();
//! let n = tracefile::write_csv(&mut file, &path, w.trace().unwrap()).unwrap();
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
use std::io::Read;
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
    #[inline]
    pub(crate) fn request(&self, time: f64, key: u64, size: Option<u64>) -> Request {
        Request {
            time,
            key,
            size: size.unwrap_or_else(|| self.size.size_of(self.seed, key)),
            cost: self.cost.cost_of(self.seed, key),
        }
    }
}

/// One format's reader: requests one at a time, or many at once into a buffer.
trait FormatReader: Iterator<Item = Result<Request, TraceError>> + Send {
    /// Appends up to `max` requests to `out`; stops early at the end or at an error (returned,
    /// after the requests before it). Compiled per format, so `next` is a direct (inlined)
    /// call: one call through the trait object per batch instead of per request.
    fn read_into(&mut self, out: &mut Vec<Request>, max: usize) -> Result<(), TraceError> {
        out.reserve(max);
        for _ in 0..max {
            match self.next() {
                Some(Ok(request)) => out.push(request),
                Some(Err(e)) => return Err(e),
                None => break,
            }
        }
        Ok(())
    }
}

impl FormatReader for csv::CsvReader {}
impl FormatReader for text::TextReader {}
impl<R: records::Buffered + Send> FormatReader for cache2k::Cache2kReader<R> {}
impl<R: records::Buffered + Send> FormatReader for oracle::OracleReader<R> {}

/// A streaming reader of a trace file: yields requests one at a time (or a batch at a time,
/// [`TraceReader::read_into`]); stops after the first error.
pub struct TraceReader {
    inner: Box<dyn FormatReader>,
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

impl TraceReader {
    /// Appends up to `max` requests to `out`, the same ones `next` would yield, in order: fewer
    /// at the end of the trace, and at the first error the requests before it, then the error
    /// (after which the reader yields nothing more).
    ///
    /// # Errors
    ///
    /// The first read or decode error, as `next` would yield it.
    ///
    /// ```
    /// use workloads::Request;
    /// use workloads::tracefile::{open, write_oracle_general};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("t.oracleGeneral");
    /// let trace = [7u64, 8, 7].map(|key| Request { time: 0.0, key, size: 10, cost: 1.0 });
    /// let mut file = std::fs::File::create(&path)?;
    /// write_oracle_general(&mut file, &path, trace.into_iter(), false)?;
    /// let defaults = workloads::Workload::preset("typical")?;
    /// let mut reader = open(&path, None, &defaults)?;
    /// let mut batch = Vec::new();
    /// reader.read_into(&mut batch, 2)?;
    /// reader.read_into(&mut batch, 2)?;
    /// assert_eq!(batch.iter().map(|r| r.key).collect::<Vec<_>>(), [7, 8, 7]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_into(&mut self, out: &mut Vec<Request>, max: usize) -> Result<(), TraceError> {
        if self.failed {
            return Ok(());
        }
        let result = self.inner.read_into(out, max);
        self.failed = result.is_err();
        result
    }
}

impl Iterator for TraceReader {
    type Item = Result<Request, TraceError>;

    #[inline]
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
///
/// Pipes, FIFOs and character devices (`<(xzcat t.xz)`, `mkfifo`) are read as streams, once,
/// front to back: detection looks only at the first bytes, never at the file's length.
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
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    // Only a regular file's length means anything; a pipe or FIFO reports 0 while data flows.
    let regular_len = metadata.is_file().then_some(metadata.len());
    read_stream(path, Box::new(file), regular_len, format, defaults)
}

/// Reads a trace from any byte stream — a pipe, a socket, a spooled copy, bytes in memory.
/// `name` names the input in errors, and its extension helps detection as in [`open`].
///
/// ```
/// use workloads::tracefile::{self, TraceDefaults, TraceFormat};
/// let w = workloads::Workload::preset("seed-example").unwrap();
/// let bytes: &[u8] = b"time,key\n0,7\n1,8\n";
/// let reader = tracefile::from_reader(
///     std::path::Path::new("stdin"), bytes, None, TraceDefaults::from(&w),
/// ).unwrap();
/// assert_eq!(reader.format(), TraceFormat::Csv);
/// assert_eq!(reader.map(|r| r.unwrap().key).collect::<Vec<_>>(), [7, 8]);
/// ```
pub fn from_reader(
    name: &Path,
    reader: impl Read + Send + 'static,
    format: Option<TraceFormat>,
    defaults: TraceDefaults,
) -> Result<TraceReader, TraceError> {
    read_stream(name, Box::new(reader), None, format, defaults)
}

/// A trace's bytes: the first bytes (already read, for detection) followed by the rest.
type Input = std::io::Chain<std::io::Cursor<Vec<u8>>, Box<dyn Read + Send>>;

fn read_stream(
    path: &Path,
    mut stream: Box<dyn Read + Send>,
    regular_len: Option<u64>,
    format: Option<TraceFormat>,
    defaults: TraceDefaults,
) -> Result<TraceReader, TraceError> {
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut head = vec![0u8; detect::SNIFF_BYTES];
    let got = read_up_to(&mut stream, &mut head).map_err(io)?;
    head.truncate(got);
    if got == 0 {
        return Err(TraceError::Empty {
            path: path.to_path_buf(),
            expected: format.map_or("request", TraceFormat::record_description),
        });
    }
    // The total length, when known: a regular file's, or the stream's if it all fit in `head`.
    let total = regular_len.or((got < detect::SNIFF_BYTES).then_some(got as u64));
    let format = match format {
        Some(f) => f,
        None => detect::detect(path, &head, total)?,
    };
    if matches!(format, TraceFormat::Csv | TraceFormat::Text) {
        // Text formats given explicitly: still refuse a compressed file with a clear message.
        detect::reject_unsupported_compression(path, &head)?;
    }
    let magic_ok = head.starts_with(&detect::XZ_MAGIC);
    let input: Input = std::io::Cursor::new(head).chain(stream);
    let path = path.to_path_buf();
    let inner: Box<dyn FormatReader> = match format {
        TraceFormat::Csv => Box::new(csv::CsvReader::new(path, input, defaults)?),
        TraceFormat::OracleGeneral => Box::new(oracle::plain(path, input, defaults)),
        TraceFormat::OracleGeneralZst => Box::new(oracle::zstd(path, input, defaults)?),
        TraceFormat::Cache2kXz => Box::new(cache2k::xz(path, magic_ok, input, defaults)?),
        TraceFormat::Text => Box::new(text::TextReader::new(path, input, defaults)),
    };
    Ok(TraceReader {
        inner,
        format,
        failed: false,
    })
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
pub(super) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

pub use csv::write_csv;
pub use oracle::{OracleGeneralKeys, oracle_general_keys, write_oracle_general};
