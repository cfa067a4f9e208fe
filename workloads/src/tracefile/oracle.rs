//! libCacheSim `oracleGeneral`: 24-byte little-endian records
//! `{u32 time, u64 id, u32 size, i64 next_access}`, plain or zstd-compressed (any number of
//! concatenated frames).
//!
//! `time` is kept relative to the first record; `size` 0 means "unknown" and takes the default;
//! `next_access` is ignored. Times earlier than the first record are clamped to 0.

use super::records::Records;
use super::zstd_frames::ZstdFrames;
use super::{TraceDefaults, TraceError};
use crate::model::Request;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

const RECORD: usize = 24;
const EXPECTED: &str = "24-byte oracleGeneral record";

pub(super) struct OracleReader<R> {
    records: Records<R, RECORD>,
    defaults: TraceDefaults,
    first_time: Option<u32>,
}

impl<R: Read> Iterator for OracleReader<R> {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.records.next_record()?.map(|(rec, _offset)| {
            let field = |at: usize, len: usize| &rec[at..at + len];
            let time = u32::from_le_bytes(field(0, 4).try_into().unwrap_or([0; 4]));
            let key = u64::from_le_bytes(field(4, 8).try_into().unwrap_or([0; 8]));
            let size = u32::from_le_bytes(field(12, 4).try_into().unwrap_or([0; 4]));
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

pub(super) fn plain(
    path: PathBuf,
    file: File,
    defaults: TraceDefaults,
) -> OracleReader<BufReader<File>> {
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
    file: File,
    defaults: TraceDefaults,
) -> Result<OracleReader<BufReader<ZstdFrames<BufReader<File>>>>, TraceError> {
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

/// Writes requests as plain `oracleGeneral` records atomically (a temporary file beside `path`,
/// renamed over it once complete): `time` in whole seconds (saturating at `u32::MAX`), `id` the
/// key, `size` the size (saturating at `u32::MAX`; 0 would read back as "unknown"), and
/// `next_access` -1 (not computed). Returns the number of requests written.
///
/// # Errors
///
/// [`TraceError::Io`] naming `path` when the file cannot be written.
pub fn write_oracle_general(
    path: &std::path::Path,
    requests: impl Iterator<Item = Request>,
) -> Result<u64, TraceError> {
    use std::io::Write;
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, temp);
    let mut written = 0u64;
    for r in requests {
        let mut record = [0u8; RECORD];
        let time = if r.time.is_finite() && r.time > 0.0 {
            r.time.min(f64::from(u32::MAX)) as u32
        } else {
            0
        };
        record[0..4].copy_from_slice(&time.to_le_bytes());
        record[4..12].copy_from_slice(&r.key.to_le_bytes());
        let size = u32::try_from(r.size).unwrap_or(u32::MAX);
        record[12..16].copy_from_slice(&size.to_le_bytes());
        record[16..24].copy_from_slice(&(-1i64).to_le_bytes());
        out.write_all(&record).map_err(io)?;
        written += 1;
    }
    let temp = out
        .into_inner()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(written)
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
        assert_eq!(
            write_oracle_general(&path, requests.clone().into_iter()).ok(),
            Some(2)
        );
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
