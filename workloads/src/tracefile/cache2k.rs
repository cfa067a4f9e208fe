//! cache2k traces: a flat sequence of big-endian `i32` keys, xz-compressed. No times, no sizes.
//!
//! A key `k` becomes `k as i64 as u64` (sign-extended: distinct keys stay distinct).

use super::records::Records;
use super::{TraceDefaults, TraceError};
use crate::model::Request;
use lzma_rust2::XzReader;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

const EXPECTED: &str = "4-byte big-endian key";
const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];

pub(super) struct Cache2kReader<R> {
    records: Records<R, 4>,
    defaults: TraceDefaults,
}

impl<R: Read> Iterator for Cache2kReader<R> {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.records.next_record()?.map(|(rec, _offset)| {
            let key = i64::from(i32::from_be_bytes(rec)) as u64;
            self.defaults.request(0.0, key, None)
        }))
    }
}

pub(super) fn xz(
    path: PathBuf,
    mut file: File,
    defaults: TraceDefaults,
) -> Result<Cache2kReader<BufReader<XzReader<BufReader<File>>>>, TraceError> {
    let mut magic = [0u8; 6];
    let got = read_up_to(&mut file, &mut magic).map_err(|source| TraceError::Io {
        path: path.clone(),
        source,
    })?;
    if got < magic.len() || magic != XZ_MAGIC {
        return Err(TraceError::Decompress {
            path,
            codec: "xz",
            offset: 0,
            message: "not an xz stream (expected the magic bytes FD 37 7A 58 5A 00)".into(),
        });
    }
    // Start again from the beginning, now that the magic is known to be right.
    let file = reopen(&path)?;
    let reader = XzReader::new(BufReader::with_capacity(1 << 16, file), true);
    Ok(Cache2kReader {
        records: Records::new(
            path,
            BufReader::with_capacity(1 << 16, reader),
            Some("xz"),
            EXPECTED,
        ),
        defaults,
    })
}

fn reopen(path: &PathBuf) -> Result<File, TraceError> {
    File::open(path).map_err(|source| TraceError::Io {
        path: path.clone(),
        source,
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
