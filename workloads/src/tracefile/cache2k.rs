//! cache2k traces: a flat sequence of big-endian `i32` keys, xz-compressed. No times, no sizes.
//!
//! A key `k` becomes `k as i64 as u64` (sign-extended: distinct keys stay distinct).

use super::records::{Buffered, Records};
use super::{Input, TraceDefaults, TraceError};
use crate::model::Request;
use lzma_rust2::{Action, Status, XzStream};
use std::io::{self, BufReader, ErrorKind, Read};
use std::path::PathBuf;

const EXPECTED: &str = "4-byte big-endian key";

pub(super) struct Cache2kReader<R> {
    records: Records<R, 4>,
    defaults: TraceDefaults,
}

impl<R: Buffered> Iterator for Cache2kReader<R> {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let key = self
            .records
            .next_record_with(|rec, _offset| i64::from(i32::from_be_bytes(*rec)) as u64)?;
        Some(key.map(|key| self.defaults.request(0.0, key, None)))
    }
}

/// `magic_ok`: whether the input starts with the xz magic bytes (checked by the caller, which
/// has already read the first bytes).
pub(super) fn xz(
    path: PathBuf,
    magic_ok: bool,
    input: Input,
    defaults: TraceDefaults,
) -> Result<Cache2kReader<BufReader<XzDecoder<Input>>>, TraceError> {
    if !magic_ok {
        return Err(TraceError::Decompress {
            path,
            codec: "xz",
            offset: 0,
            message: "not an xz stream (expected the magic bytes FD 37 7A 58 5A 00)".into(),
        });
    }
    Ok(Cache2kReader {
        records: Records::new(
            path,
            BufReader::with_capacity(1 << 16, XzDecoder::new(input)),
            Some("xz"),
            EXPECTED,
        ),
        defaults,
    })
}

/// xz decompression as a byte stream that hands out every byte as soon as it is decoded.
///
/// `lzma_rust2::XzReader` reads each compressed LZMA2 chunk whole before producing any of its
/// output, so a cut file fails with "failed to fill whole buffer" and nothing decoded. The
/// sans-I/O [`XzStream`] decodes as input arrives: a truncated file yields everything up to the
/// cut, and the error comes at the real decompressed offset.
pub(super) struct XzDecoder<R> {
    source: R,
    stream: XzStream,
    input: Box<[u8]>,
    /// `input[start..end]` is not consumed yet.
    start: usize,
    end: usize,
    source_done: bool,
    finished: bool,
}

impl<R: Read> XzDecoder<R> {
    fn new(source: R) -> Self {
        Self {
            source,
            // Concatenated streams (`cat a.xz b.xz`) are read as one, like `xz -d`.
            stream: XzStream::new(true),
            input: vec![0u8; 1 << 16].into_boxed_slice(),
            start: 0,
            end: 0,
            source_done: false,
            finished: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        loop {
            match self.source.read(&mut self.input) {
                Ok(0) => self.source_done = true,
                Ok(n) => {
                    self.start = 0;
                    self.end = n;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }
}

impl<R: Read> Read for XzDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.finished {
            return Ok(0);
        }
        loop {
            if self.start == self.end && !self.source_done {
                self.refill()?;
            }
            let pending = &self.input[self.start..self.end];
            let mut result = self
                .stream
                .process(pending, buf, Action::Run)
                .map_err(|e| io::Error::new(ErrorKind::InvalidData, e.to_string()))?;
            if self.source_done && result.bytes_produced == 0 && result.status != Status::StreamEnd
            {
                // Only once `Run` yields nothing more: `Finish` on a cut stream fails, and the
                // bytes it decoded in that same call would be lost with the error.
                let total_in = self.stream.total_in();
                result = self
                    .stream
                    .process(&[], buf, Action::Finish)
                    .map_err(|e| cut_after(total_in, &e.to_string()))?;
            }
            self.start += result.bytes_consumed;
            if result.status == Status::StreamEnd {
                self.finished = true;
            }
            if result.bytes_produced > 0 || self.finished {
                return Ok(result.bytes_produced);
            }
            if self.source_done && result.bytes_consumed == 0 {
                // No input left and nothing more comes out: the file was cut.
                return Err(cut_after(self.stream.total_in(), "no end of stream"));
            }
            if result.bytes_consumed == 0 && self.start < self.end {
                // Input and output space both available, yet nothing moved: never spin.
                return Err(io::Error::new(
                    ErrorKind::InvalidData,
                    "the xz decoder stopped making progress",
                ));
            }
        }
    }
}

fn cut_after(compressed: u64, detail: &str) -> io::Error {
    io::Error::new(
        ErrorKind::UnexpectedEof,
        format!(
            "the input ends after {compressed} compressed bytes, in the middle of the xz stream \
             ({detail}; a truncated download or copy?)"
        ),
    )
}
