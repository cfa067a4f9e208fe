//! libCacheSim `oracleGeneral`: 24-byte little-endian records
//! `{u32 time, u64 id, u32 size, i64 next_access}`, plain or zstd-compressed (any number of
//! concatenated frames).
//!
//! `time` is kept relative to the first record; `size` 0 means "unknown" and takes the default;
//! `next_access` is ignored. Times earlier than the first record are clamped to 0.

use super::records::Records;
use super::zstd_frames::ZstdFrames;
use super::{Input, TraceDefaults, TraceError};
use crate::model::Request;
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
