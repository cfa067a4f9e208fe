//! Where a replay's requests come from: a workload's synthetic trace or a real trace file,
//! re-opened for every pass (baseline, cached, memory) and streamed.

use hashbrown::HashSet;
use std::path::{Path, PathBuf};
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
            Source::TraceFile { path, .. } => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
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
            } => Inner::File(tracefile::open(path, *format, defaults)?),
        };
        Ok(RequestStream {
            inner,
            error: None,
            distinct: None,
        })
    }
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
    distinct: Option<HashSet<u64>>,
}

impl RequestStream {
    /// Also count distinct keys while streaming (one hash per request; the baseline pass does
    /// this, since it has no cache of its own to hash into).
    pub fn count_distinct(mut self) -> Self {
        self.distinct = Some(HashSet::new());
        self
    }

    /// Distinct keys seen so far (0 unless [`Self::count_distinct`] was asked for).
    pub fn distinct_keys(&self) -> u64 {
        self.distinct.as_ref().map_or(0, |d| d.len() as u64)
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
            distinct.insert(request.key);
        }
        Some(request)
    }
}
