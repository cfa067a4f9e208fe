//! Where a replay's requests come from: a workload's synthetic trace or a real trace file,
//! re-opened for every pass (baseline, cached, memory) and streamed.

use crate::distinct::DistinctKeys;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::NamedTempFile;
use workloads::tracefile::{self, TraceError, TraceFormat, TraceReader};
use workloads::{Request, Trace, Workload};

/// A replayable source of requests.
#[derive(Debug, Clone)]
pub enum Source {
    /// A preset or workload file: generated deterministically from its seed.
    Workload(Workload),
    /// A trace file; missing fields (size, cost) come from `defaults`.
    TraceFile {
        /// The file.
        path: PathBuf,
        /// Its format, `None` to detect it.
        format: Option<TraceFormat>,
        /// Workload giving sizes and costs for records without them.
        defaults: Workload,
        /// For a pipe or FIFO (read once, but replayed once per pass): a copy of its bytes,
        /// read instead of `path`, which still names the input in errors.
        spool: Option<Arc<NamedTempFile>>,
    },
}

/// Why a source could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Generating the workload's trace failed.
    #[error(transparent)]
    Workload(Box<workloads::WorkloadError>),
    /// Opening or reading the trace file failed.
    #[error(transparent)]
    Trace(Box<TraceError>),
}

impl From<workloads::WorkloadError> for SourceError {
    fn from(e: workloads::WorkloadError) -> Self {
        SourceError::Workload(Box::new(e))
    }
}

impl From<TraceError> for SourceError {
    fn from(e: TraceError) -> Self {
        SourceError::Trace(Box::new(e))
    }
}

impl Source {
    /// Display name: the workload's name or the trace file's name.
    pub fn name(&self) -> String {
        match self {
            Source::Workload(w) => w.name.clone(),
            Source::TraceFile { path, .. } => trace_name(path),
        }
    }

    /// The workload (for a trace file: the one giving defaults).
    pub fn workload(&self) -> &Workload {
        match self {
            Source::Workload(w) => w,
            Source::TraceFile { defaults, .. } => defaults,
        }
    }

    /// The trace file, if this is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Workload(_) => None,
            Source::TraceFile { path, .. } => Some(path),
        }
    }

    /// The number of requests, when it is known without reading the trace: a workload's, or a
    /// plain oracleGeneral file's (its length over the 24-byte record).
    pub fn known_requests(&self) -> Option<u64> {
        match self {
            Source::Workload(w) => Some(w.requests),
            Source::TraceFile { path, format, .. } => {
                let format = match format {
                    Some(f) => *f,
                    None => TraceFormat::detect(path).ok()?,
                };
                if format != TraceFormat::OracleGeneral {
                    return None;
                }
                let len = std::fs::metadata(path).ok()?.len();
                (len > 0 && len % 24 == 0).then_some(len / 24)
            }
        }
    }

    /// Opens a fresh stream over the requests.
    pub fn open(&self) -> Result<RequestStream, SourceError> {
        let inner = match self {
            Source::Workload(w) => Inner::Synthetic(Box::new(w.trace()?)),
            Source::TraceFile {
                path,
                format,
                defaults,
                spool: None,
            } => Inner::File(tracefile::open(path, *format, defaults)?),
            Source::TraceFile {
                path,
                format,
                defaults,
                spool: Some(spool),
            } => {
                let copy = spool.reopen().map_err(|source| TraceError::Io {
                    path: path.clone(),
                    source,
                })?;
                Inner::File(tracefile::from_reader(
                    path,
                    copy,
                    *format,
                    defaults.into(),
                )?)
            }
        };
        Ok(RequestStream {
            inner,
            error: None,
            distinct: None,
        })
    }
}

/// The name a trace file's run goes by: its file name (the whole path when it has none).
pub fn trace_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A trace file as a [`Source`]: a regular file is re-opened for every pass; anything else (a
/// pipe, a FIFO, `<(xzcat t.xz)`) can be read only once, so its bytes are first copied to a
/// temporary file, removed when the last clone of the source is dropped.
pub fn trace_file(
    path: &Path,
    format: Option<TraceFormat>,
    defaults: Workload,
) -> Result<Source, SourceError> {
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    let spool = if metadata.is_file() {
        None
    } else {
        let mut input = std::fs::File::open(path).map_err(io)?;
        let mut copy = NamedTempFile::new().map_err(io)?;
        std::io::copy(&mut input, copy.as_file_mut()).map_err(io)?;
        Some(Arc::new(copy))
    };
    Ok(Source::TraceFile {
        path: path.to_path_buf(),
        format,
        defaults,
        spool,
    })
}

enum Inner {
    Synthetic(Box<Trace>),
    File(TraceReader),
}

/// An iterator of requests that stops at the first read error and keeps it for
/// [`RequestStream::finish`], so the engine sees plain requests and errors are not lost.
pub struct RequestStream {
    inner: Inner,
    error: Option<TraceError>,
    distinct: Option<DistinctKeys>,
}

impl RequestStream {
    /// Also count distinct keys while streaming (one hash per request; the baseline pass does
    /// this, since it has no cache of its own to hash into).
    pub fn count_distinct(mut self) -> Self {
        self.distinct = Some(DistinctKeys::new());
        self
    }

    /// Distinct keys seen so far (0 unless [`Self::count_distinct`] was asked for).
    pub fn distinct_keys(&mut self) -> u64 {
        self.distinct.as_mut().map_or(0, |d| d.count() as u64)
    }

    /// The format of the trace file being read (`None` for a synthetic trace).
    pub fn trace_format(&self) -> Option<TraceFormat> {
        match &self.inner {
            Inner::Synthetic(_) => None,
            Inner::File(reader) => Some(reader.format()),
        }
    }

    /// The read error that ended the stream early, if any.
    pub fn finish(self) -> Result<(), SourceError> {
        match self.error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

impl Iterator for RequestStream {
    type Item = Request;

    #[inline]
    fn next(&mut self) -> Option<Request> {
        let request = match &mut self.inner {
            Inner::Synthetic(trace) => trace.next()?,
            Inner::File(reader) => match reader.next()? {
                Ok(r) => r,
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
            },
        };
        if let Some(distinct) = &mut self.distinct {
            distinct.add(request.key);
        }
        Some(request)
    }
}
