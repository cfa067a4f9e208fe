//! Errors of trace files: each names the file and the line or byte offset.

use std::path::PathBuf;

/// Why a trace file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file (after decompression) holds no request.
    #[error("{}: empty trace: expected at least one {expected}", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What a record looks like in this format.
        expected: &'static str,
    },
    /// A binary file ends in the middle of a record.
    #[error(
        "{}: truncated record at {}byte offset {offset}: expected {expected} bytes, found {got}",
        path.display(),
        if *decompressed { "decompressed " } else { "" }
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Byte offset of the record's start.
        offset: u64,
        /// Whether the offset counts decompressed bytes.
        decompressed: bool,
        /// Record size of the format.
        expected: usize,
        /// Bytes present.
        got: usize,
    },
    /// A request cannot be written in the output format (a field out of its range).
    #[error("{}: request {request}: {message}", path.display())]
    Unrepresentable {
        /// The file being written.
        path: PathBuf,
        /// 1-based position of the request.
        request: u64,
        /// What does not fit.
        message: String,
    },
    /// A text field does not parse.
    #[error("{}: line {line}, column `{column}`: expected {expected}, found `{value}`", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// The offending text.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A negative output size.
    #[error("{}: line {line}, column `size`: expected a size in bytes ≥ 0, found negative `{value}`", path.display())]
    NegativeSize {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The offending text.
        value: String,
    },
    /// A CSV header names a column this format does not have.
    #[error("{}: line 1: unknown column `{column}` (expected columns: time, key, size, cost)", path.display())]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The unknown column's name.
        column: String,
    },
    /// A CSV header lacks a required column.
    #[error("{}: line 1: missing column `{column}` (the header must name it)", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column's name.
        column: &'static str,
    },
    /// The CSV structure is broken (e.g. a row with a different number of fields).
    #[error("{}: line {line}: malformed CSV: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 if unknown).
        line: u64,
        /// The CSV parser's message.
        message: String,
    },
    /// Compressed with a compression this crate does not read.
    #[error(
        "{}: unknown compression {compression}: only zstd (.zst, oracleGeneral) and xz (.xz, cache2k) are supported; \
         decompress it first",
        path.display()
    )]
    UnknownCompression {
        /// The file.
        path: PathBuf,
        /// What was recognised (extension or magic bytes).
        compression: String,
    },
    /// A `--format` value names no format.
    #[error("unknown trace format `{name}` (expected one of: {expected})")]
    UnknownFormatName {
        /// The value given.
        name: String,
        /// The accepted names, comma-separated.
        expected: String,
    },
    /// The format could not be determined from the name or content.
    #[error("{}: {message}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// The compressed stream is corrupt.
    #[error("{}: corrupt {codec} stream near decompressed byte offset {offset}: {message}", path.display())]
    Decompress {
        /// The file.
        path: PathBuf,
        /// "zstd" or "xz".
        codec: &'static str,
        /// Decompressed bytes read before the failure.
        offset: u64,
        /// The decoder's message.
        message: String,
    },
}
