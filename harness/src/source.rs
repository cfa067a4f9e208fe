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

/// Requests per batch handed from the reader thread to the replay (1 MiB of requests). Each
/// hand-over that finds the other thread asleep costs a wake-up, which in a virtual machine is
/// tens of microseconds: with 4,096-request batches the wake-ups were 2 % of the replay thread's
/// time and the 20 M-request benchmark replay (`scripts/bench-vs-libcachesim.sh`) ran about a
/// tenth slower than with these (8 pairs of runs, alternating: median 1.13× for 32,768 × 8,
/// 1.10× for 16,384 × 16, against 4,096 × 4).
const READ_AHEAD_BATCH: usize = 32_768;

/// Batches decoded ahead of the replay, at most (bounds the reader's lead and its memory: 8 MiB
/// of requests, and enough lead to ride out a short stall of the reader's core).
const READ_AHEAD_BATCHES: usize = 8;

impl RequestStream {
    /// Runs `replay` over this stream's requests while another thread reads them: decoding the
    /// trace (and counting distinct keys, when asked) overlaps the replay, on a machine with a
    /// second core. The reader hands over batches of 32,768 requests through a bounded channel
    /// of 8 batches, so it runs at most that far ahead (and a loaded machine pays one hand-over
    /// per batch, not per request). A trace file is decoded a batch at a time too
    /// (`TraceReader::read_into`), one call into the format's reader per batch.
    ///
    /// The replay sees exactly the requests the stream yields, in order, and the stream comes
    /// back with its state at the end (its read error, if any, for [`Self::finish`]; its
    /// distinct keys). When `replay` stops early (an engine error), the reader stops at its
    /// next hand-over, and whatever it read beyond is dropped: a read error past the point
    /// where the replay stopped may be in the stream, and the caller reports the replay's
    /// error first (the one the trace reaches first). Without a second core, or when the OS
    /// refuses a thread, the requests are read on this thread.
    ///
    /// `observe` sees every request on the reader's thread before it is handed over (what
    /// depends on the trace alone: the derived baseline); when it returns false, the stream
    /// ends before that request (the reader may have read, and counted, the rest of that
    /// request's batch: the caller reports the refusal as an error, not those counts).
    pub fn read_ahead<T>(
        self,
        mut observe: impl FnMut(&Request) -> bool + Send,
        replay: impl FnOnce(&mut dyn Iterator<Item = Request>) -> T,
    ) -> (T, Self) {
        // One core: a second thread could only take turns with the replay.
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            let mut stream = self;
            let out = replay(&mut stream.by_ref().take_while(|r| observe(r)));
            return (out, stream);
        }
        // The stream moves to the reader and back: handed over in a slot it is taken from, so
        // that it is still here if the reader thread cannot be spawned.
        let slot = std::sync::Mutex::new(Some((self, observe)));
        std::thread::scope(|scope| {
            let (full_tx, full_rx) =
                std::sync::mpsc::sync_channel::<Vec<Request>>(READ_AHEAD_BATCHES);
            let (empty_tx, empty_rx) =
                std::sync::mpsc::sync_channel::<Vec<Request>>(READ_AHEAD_BATCHES + 2);
            let taken = &slot;
            let reader = std::thread::Builder::new()
                .name("trace-reader".into())
                .spawn_scoped(scope, move || {
                    let (mut stream, mut observe) = taken.lock().ok().and_then(|mut s| s.take())?;
                    let mut ended = false;
                    while !ended {
                        let mut batch = empty_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(READ_AHEAD_BATCH));
                        batch.clear();
                        stream.fill(&mut batch, READ_AHEAD_BATCH);
                        // A short batch is the end of the stream (or a read error, kept).
                        ended = batch.len() < READ_AHEAD_BATCH;
                        if let Some(refused) = batch.iter().position(|r| !observe(r)) {
                            batch.truncate(refused);
                            ended = true;
                        }
                        if batch.is_empty() || full_tx.send(batch).is_err() {
                            break;
                        }
                    }
                    Some(stream)
                });
            let reader = match reader {
                Ok(reader) => reader,
                Err(_) => {
                    let (mut stream, mut observe) = slot
                        .lock()
                        .ok()
                        .and_then(|mut s| s.take())
                        .unwrap_or_else(|| unreachable!("no reader thread took the stream"));
                    let out = replay(&mut stream.by_ref().take_while(|r| observe(r)));
                    return (out, stream);
                }
            };
            let mut batches = Batches {
                full: full_rx,
                empty: empty_tx,
                batch: Vec::new(),
                at: 0,
            };
            let out = replay(&mut batches);
            // Closing the channel stops a reader still ahead of a replay that ended early.
            drop(batches);
            match reader.join() {
                Ok(Some(stream)) => (out, stream),
                Ok(None) => unreachable!("the reader thread always takes the stream"),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

/// The replay's side of [`RequestStream::read_ahead`]: the batches in order, request by
/// request; emptied batches go back to the reader for reuse.
struct Batches {
    full: std::sync::mpsc::Receiver<Vec<Request>>,
    empty: std::sync::mpsc::SyncSender<Vec<Request>>,
    batch: Vec<Request>,
    at: usize,
}

impl Iterator for Batches {
    type Item = Request;

    #[inline]
    fn next(&mut self) -> Option<Request> {
        if let Some(&request) = self.batch.get(self.at) {
            self.at += 1;
            return Some(request);
        }
        self.refill()
    }
}

impl Batches {
    #[cold]
    fn refill(&mut self) -> Option<Request> {
        let next = self.full.recv().ok()?;
        let done = std::mem::replace(&mut self.batch, next);
        // The reader allocates a new batch if this one does not fit: never blocks.
        let _ = self.empty.try_send(done);
        self.at = 1;
        self.batch.first().copied()
    }
}

impl RequestStream {
    /// Appends up to `max` requests to `out`: the ones `next` would yield, in order (fewer at
    /// the end of the stream or before a read error, which is kept as `next` keeps it), with
    /// their keys counted when distinct keys are. A trace file is read a batch at a time.
    fn fill(&mut self, out: &mut Vec<Request>, max: usize) {
        let start = out.len();
        match &mut self.inner {
            Inner::Synthetic(trace) => out.extend(trace.by_ref().take(max)),
            // After its first error the reader appends nothing more, so the kept error stays the
            // first one.
            Inner::File(reader) => {
                if let Err(e) = reader.read_into(out, max) {
                    self.error = Some(e);
                }
            }
        }
        if let Some(distinct) = &mut self.distinct {
            for request in &out[start..] {
                distinct.add(request.key);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn source(requests: u64) -> Source {
        let mut w = match Workload::preset("typical") {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        w.requests = requests;
        Source::Workload(w)
    }

    fn open(source: &Source) -> RequestStream {
        match source.open() {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn read_ahead_hands_over_every_request_in_order() {
        let source = source(3 * READ_AHEAD_BATCH as u64 + 17);
        let direct: Vec<Request> = open(&source).collect();
        let (seen, mut stream) = open(&source)
            .count_distinct()
            .read_ahead(|_| true, |requests| requests.collect::<Vec<_>>());
        assert_eq!(seen, direct);
        let keys: std::collections::HashSet<u64> = direct.iter().map(|r| r.key).collect();
        assert_eq!(stream.distinct_keys(), keys.len() as u64);
        assert!(stream.finish().is_ok());
    }

    #[test]
    fn the_stream_ends_before_a_request_the_observer_refuses() {
        let source = source(20_000);
        let mut observed = 0u64;
        let (seen, _) = open(&source).read_ahead(
            |_| {
                observed += 1;
                observed < 5_000
            },
            |requests| requests.count(),
        );
        assert_eq!((seen, observed), (4_999, 5_000));
    }

    #[test]
    fn a_replay_that_stops_early_stops_the_reader() {
        // Far more requests than the reader may run ahead: it must stop, not read them all.
        let source = source(2_000_000);
        let mut observed = 0u64;
        let (seen, _) = open(&source).read_ahead(
            |_| {
                observed += 1;
                true
            },
            |requests| requests.take(10).count(),
        );
        assert_eq!(seen, 10);
        assert!(
            observed <= ((READ_AHEAD_BATCHES + 3) * READ_AHEAD_BATCH) as u64,
            "{observed}"
        );
    }
}
