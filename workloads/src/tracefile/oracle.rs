//! libCacheSim `oracleGeneral`: 24-byte little-endian records
//! `{u32 time, u64 id, u32 size, i64 next_access}`, plain or zstd-compressed (any number of
//! concatenated frames).
//!
//! `time` is kept relative to the first record; `size` 0 means "unknown" and takes the default;
//! `next_access` is ignored. Times earlier than the first record are clamped to 0.

use super::records::{Buffered, Records};
use super::zstd_frames::ZstdFrames;
use super::{Input, TraceDefaults, TraceError};
use crate::model::Request;
use std::io::BufReader;
use std::path::PathBuf;

const RECORD: usize = 24;
const EXPECTED: &str = "24-byte oracleGeneral record";

pub(super) struct OracleReader<R> {
    records: Records<R, RECORD>,
    defaults: TraceDefaults,
    first_time: Option<u32>,
}

impl<R: Buffered> Iterator for OracleReader<R> {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let fields = self.records.next_record_with(|rec, _offset| {
            let field = |at: usize, len: usize| &rec[at..at + len];
            let time = u32::from_le_bytes(field(0, 4).try_into().unwrap_or([0; 4]));
            let size = u32::from_le_bytes(field(12, 4).try_into().unwrap_or([0; 4]));
            (time, record_key(rec), size)
        });
        Some(fields?.map(|(time, key, size)| {
            let t0 = *self.first_time.get_or_insert(time);
            let relative = f64::from(time) - f64::from(t0);
            self.defaults.request(
                relative.max(0.0),
                key,
                (size > 0).then_some(u64::from(size)),
            )
        }))
    }
}

/// The key (object id) of one record.
#[inline]
fn record_key(rec: &[u8; RECORD]) -> u64 {
    let mut id = [0; 8];
    id.copy_from_slice(&rec[4..12]);
    u64::from_le_bytes(id)
}

/// The keys of a plain `oracleGeneral` file, in trace order, with nothing else of a record
/// decoded: what an offline bound's first pass needs (the replay then reads the requests with
/// [`super::open`]). Stops after the first error (the same errors as the full reader's).
pub struct OracleGeneralKeys {
    records: Records<BufReader<std::fs::File>, RECORD>,
    failed: bool,
}

impl std::fmt::Debug for OracleGeneralKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OracleGeneralKeys")
            .field("path", &self.records.path)
            .finish_non_exhaustive()
    }
}

impl Iterator for OracleGeneralKeys {
    type Item = Result<u64, TraceError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.records.next_record_with(|rec, _| record_key(rec))?;
        self.failed = item.is_err();
        Some(item)
    }
}

/// Opens a plain `oracleGeneral` file for its keys only (see [`OracleGeneralKeys`]).
///
/// # Errors
///
/// [`TraceError::Io`] when the file cannot be opened.
///
/// ```
/// use workloads::Request;
/// use workloads::tracefile::{oracle_general_keys, write_oracle_general};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("t.oracleGeneral");
/// let trace = [7u64, 8, 7].map(|key| Request { time: 0.0, key, size: 10, cost: 1.0 });
/// let mut file = std::fs::File::create(&path)?;
/// write_oracle_general(&mut file, &path, trace.into_iter(), false)?;
/// let keys: Vec<u64> = oracle_general_keys(&path)?.collect::<Result<_, _>>()?;
/// assert_eq!(keys, [7, 8, 7]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn oracle_general_keys(path: &std::path::Path) -> Result<OracleGeneralKeys, TraceError> {
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(OracleGeneralKeys {
        records: Records::new(
            path.to_path_buf(),
            BufReader::with_capacity(1 << 16, file),
            None,
            EXPECTED,
        ),
        failed: false,
    })
}

pub(super) fn plain(
    path: PathBuf,
    file: Input,
    defaults: TraceDefaults,
) -> OracleReader<BufReader<Input>> {
    OracleReader {
        records: Records::new(
            path,
            BufReader::with_capacity(1 << 16, file),
            None,
            EXPECTED,
        ),
        defaults,
        first_time: None,
    }
}

pub(super) fn zstd(
    path: PathBuf,
    file: Input,
    defaults: TraceDefaults,
) -> Result<OracleReader<BufReader<ZstdFrames<BufReader<Input>>>>, TraceError> {
    // Every frame, not just the first: `pzstd` and `cat a.zst b.zst` write several.
    let frames = ZstdFrames::new(BufReader::with_capacity(1 << 16, file)).map_err(|e| {
        TraceError::Decompress {
            path: path.clone(),
            codec: "zstd",
            offset: 0,
            message: e.to_string(),
        }
    })?;
    Ok(OracleReader {
        records: Records::new(
            path,
            BufReader::with_capacity(1 << 16, frames),
            Some("zstd"),
            EXPECTED,
        ),
        defaults,
        first_time: None,
    })
}

/// Writes requests as plain `oracleGeneral` (what libCacheSim and its Python package read) to
/// `out`, naming `path` in errors; returns the number of requests written. The caller decides
/// what `out` is: the harness gives it its atomic file writer (a temporary file renamed into
/// place, or a stream for a FIFO), so this crate needs no file writer of its own.
///
/// Each record's `next_access` is the position (from 0) of the next request of the same key,
/// or `i64::MAX` when there is none (libCacheSim's "never"), so its `Belady` can run on the
/// file. `time` is the request's time in whole seconds; `size` its size, or 1 with
/// `unit_size` (an entry-count replay). The requests are held in memory to compute next uses
/// (32 bytes each).
///
/// # Errors
///
/// [`TraceError::Unrepresentable`] for a size of 0 (libCacheSim skips such requests) or above
/// `u32::MAX`, or a time beyond `u32::MAX` seconds; [`TraceError::Io`] when writing fails.
///
/// ```
/// use workloads::Request;
/// use workloads::tracefile::write_oracle_general;
/// let trace = [7u64, 8, 7].map(|key| Request { time: 0.0, key, size: 10, cost: 1.0 });
/// let mut bytes = Vec::new();
/// let path = std::path::Path::new("t.oracleGeneral");
/// assert_eq!(write_oracle_general(&mut bytes, path, trace.into_iter(), false)?, 3);
/// assert_eq!(bytes.len(), 3 * 24);
/// // The first request of key 7 is next used at position 2.
/// assert_eq!(i64::from_le_bytes(bytes[16..24].try_into()?), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_oracle_general(
    out: &mut impl std::io::Write,
    path: &std::path::Path,
    requests: impl Iterator<Item = Request>,
    unit_size: bool,
) -> Result<u64, TraceError> {
    use std::io::Write;
    let unrepresentable = |request: usize, message: String| TraceError::Unrepresentable {
        path: path.to_path_buf(),
        request: request as u64 + 1,
        message,
    };
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let requests: Vec<Request> = requests.collect();
    let mut next = vec![i64::MAX; requests.len()];
    let mut last: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (i, r) in requests.iter().enumerate() {
        if let Some(prev) = last.insert(r.key, i) {
            next[prev] = i64::try_from(i).unwrap_or(i64::MAX);
        }
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    for (i, r) in requests.iter().enumerate() {
        let size = if unit_size {
            1
        } else {
            match u32::try_from(r.size) {
                Ok(0) => {
                    return Err(unrepresentable(
                        i,
                        "size 0 (libCacheSim skips zero-size requests; give sizes ≥ 1)".into(),
                    ));
                }
                Ok(s) => s,
                Err(_) => {
                    return Err(unrepresentable(
                        i,
                        format!("size {} does not fit oracleGeneral's u32", r.size),
                    ));
                }
            }
        };
        let time = r.time.floor();
        if !(0.0..=f64::from(u32::MAX)).contains(&time) {
            return Err(unrepresentable(
                i,
                format!("time {} s does not fit oracleGeneral's u32 seconds", r.time),
            ));
        }
        let mut record = [0u8; RECORD];
        record[0..4].copy_from_slice(&(time as u32).to_le_bytes());
        record[4..12].copy_from_slice(&r.key.to_le_bytes());
        record[12..16].copy_from_slice(&size.to_le_bytes());
        record[16..24].copy_from_slice(&next[i].to_le_bytes());
        out.write_all(&record).map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(requests.len() as u64)
}

#[cfg(test)]
mod writer_tests {
    use super::*;
    use crate::tracefile::{TraceDefaults, TraceFormat, open_with_defaults};

    #[test]
    fn written_records_read_back() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("{dir:?}") };
        let path = dir.path().join("t.oracleGeneral");
        let requests = vec![
            Request {
                time: 5.0,
                key: 7,
                size: 100,
                cost: 1.0,
            },
            Request {
                time: 9.0,
                key: u64::MAX,
                size: 3,
                cost: 1.0,
            },
        ];
        let mut bytes = Vec::new();
        assert_eq!(
            write_oracle_general(&mut bytes, &path, requests.clone().into_iter(), false).ok(),
            Some(2)
        );
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let defaults = TraceDefaults::from(
            &crate::Workload::preset("typical").unwrap_or_else(|e| panic!("{e}")),
        );
        let reader = open_with_defaults(&path, Some(TraceFormat::OracleGeneral), defaults)
            .unwrap_or_else(|e| panic!("{e}"));
        let back: Vec<(f64, u64, u64)> = reader
            .map(|r| {
                r.map(|r| (r.time, r.key, r.size))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        assert_eq!(back, vec![(0.0, 7, 100), (4.0, u64::MAX, 3)]);
    }
}
