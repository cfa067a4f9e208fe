//! Fixed-size binary records from a byte stream, with byte offsets for errors.

use super::TraceError;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::PathBuf;

/// A buffered byte stream whose buffered bytes can be seen without reading more.
pub(super) trait Buffered: BufRead {
    /// The bytes already buffered (no I/O).
    fn buffered(&self) -> &[u8];
}

impl<R: Read> Buffered for BufReader<R> {
    #[inline]
    fn buffered(&self) -> &[u8] {
        self.buffer()
    }
}

/// Reads `N`-byte records; reports a truncated last record with its offset.
pub(super) struct Records<R, const N: usize> {
    pub(super) path: PathBuf,
    reader: R,
    offset: u64,
    /// Whether `reader` yields decompressed bytes (and which codec, for errors).
    codec: Option<&'static str>,
    expected: &'static str,
    any: bool,
}

impl<R: Buffered, const N: usize> Records<R, N> {
    pub(super) fn new(
        path: PathBuf,
        reader: R,
        codec: Option<&'static str>,
        expected: &'static str,
    ) -> Self {
        Self {
            path,
            reader,
            offset: 0,
            codec,
            expected,
            any: false,
        }
    }

    /// `decode` applied to the next record and its byte offset; `None` at a clean end of stream.
    ///
    /// A whole record already buffered (nearly always) is decoded where it lies in the buffer,
    /// without a read call and without copying it out first: a copy to the stack read back at
    /// another width stalls on store forwarding, which was most of a decoded record's time.
    #[inline]
    pub(super) fn next_record_with<T>(
        &mut self,
        decode: impl FnOnce(&[u8; N], u64) -> T,
    ) -> Option<Result<T, TraceError>> {
        let offset = self.offset;
        if let Some(record) = self.reader.buffered().first_chunk::<N>() {
            let out = decode(record, offset);
            self.reader.consume(N);
            self.offset += N as u64;
            self.any = true;
            return Some(Ok(out));
        }
        Some(
            self.read_record()?
                .map(|(record, offset)| decode(&record, offset)),
        )
    }

    /// The next record, copied out, across a buffer boundary, at the end, or on an error
    /// (the slow path of [`Self::next_record_with`]).
    fn read_record(&mut self) -> Option<Result<([u8; N], u64), TraceError>> {
        let mut buf = [0u8; N];
        let mut got = 0;
        while got < N {
            match self.reader.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Some(Err(self.read_error(e, got))),
            }
        }
        let offset = self.offset;
        self.offset += got as u64;
        match got {
            0 if self.any => None,
            0 => Some(Err(TraceError::Empty {
                path: self.path.clone(),
                expected: self.expected,
            })),
            n if n < N => Some(Err(TraceError::Truncated {
                path: self.path.clone(),
                offset,
                decompressed: self.codec.is_some(),
                expected: N,
                got: n,
            })),
            _ => {
                self.any = true;
                Some(Ok((buf, offset)))
            }
        }
    }

    fn read_error(&self, e: std::io::Error, got: usize) -> TraceError {
        match self.codec {
            Some(codec) => TraceError::Decompress {
                path: self.path.clone(),
                codec,
                offset: self.offset + got as u64,
                message: e.to_string(),
            },
            None => TraceError::Io {
                path: self.path.clone(),
                source: e,
            },
        }
    }
}
