//! Which format a trace file is in: from a `--format` value, or from extension and content.

use super::TraceError;
use std::path::Path;
use std::str::FromStr;

/// The trace file formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceFormat {
    /// The project's CSV, header `time,key,size,cost` (`.csv`).
    Csv,
    /// libCacheSim `oracleGeneral` binary, 24-byte LE records (`.oracleGeneral`, `.bin`).
    OracleGeneral,
    /// `oracleGeneral` compressed with zstd (`.zst`).
    OracleGeneralZst,
    /// cache2k trace: big-endian `i32` keys, xz-compressed (`.xz`).
    Cache2kXz,
    /// Plain text, one key per line (`.txt`, `.keys`).
    Text,
}

/// How many leading bytes content detection looks at.
pub(super) const SNIFF_BYTES: usize = 4096;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
pub(super) const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
/// Compressions recognised only to say they are not supported: (magic, name).
const UNSUPPORTED_MAGIC: [(&[u8], &str); 6] = [
    (&[0x1f, 0x8b], "gzip"),
    (b"BZh", "bzip2"),
    (&[0x04, 0x22, 0x4d, 0x18], "lz4"),
    (b"PK\x03\x04", "zip"),
    (&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c], "7z"),
    (&[0x5d, 0x00, 0x00], "lzma"),
];
const UNSUPPORTED_EXTENSIONS: [&str; 10] = [
    "gz", "gzip", "bz2", "lz4", "zip", "7z", "lzma", "br", "z", "tgz",
];

impl TraceFormat {
    /// Names accepted by [`FromStr`] (for `--format` help).
    pub const NAMES: &'static [&'static str] = &[
        "csv",
        "oracle-general",
        "oracle-general-zst",
        "cache2k-xz",
        "text",
    ];

    /// What one record looks like (for "empty trace" errors).
    pub fn record_description(self) -> &'static str {
        match self {
            TraceFormat::Csv => "CSV row after the header",
            TraceFormat::OracleGeneral | TraceFormat::OracleGeneralZst => {
                "24-byte oracleGeneral record"
            }
            TraceFormat::Cache2kXz => "4-byte big-endian key",
            TraceFormat::Text => "line with a key",
        }
    }

    /// Detects the format of a file from its name, then from its first bytes.
    ///
    /// Extensions: `.csv`, `.zst`/`.zstd`, `.xz`, `.txt`/`.keys`, `.oracleGeneral`/`.bin`. A known
    /// but unsupported compression (gzip, bzip2, lz4, zip, 7z, lzma, brotli) is an error. Otherwise
    /// the content decides: zstd or xz magic; a first line starting with a CSV header column; UTF-8
    /// text (non-ASCII keys included; no control bytes but tab, CR, LF); else binary is
    /// `oracleGeneral` if its length is a multiple of 24 — or unknown, as from a pipe (a cut last
    /// record is then reported where it is).
    pub fn detect(path: &Path) -> Result<TraceFormat, TraceError> {
        let io = |source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(format) = from_extension(path)? {
            return Ok(format);
        }
        let mut file = std::fs::File::open(path).map_err(io)?;
        let metadata = file.metadata().map_err(io)?;
        let mut head = vec![0u8; SNIFF_BYTES];
        let got = super::read_up_to(&mut file, &mut head).map_err(io)?;
        head.truncate(got);
        let total = match metadata.is_file() {
            true => Some(metadata.len()),
            false => (got < SNIFF_BYTES).then_some(got as u64),
        };
        detect(path, &head, total)
    }
}

/// The format a file name's extension says, if any.
fn from_extension(path: &Path) -> Result<Option<TraceFormat>, TraceError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(Some(match ext.as_str() {
        "csv" => TraceFormat::Csv,
        "zst" | "zstd" => TraceFormat::OracleGeneralZst,
        "xz" => TraceFormat::Cache2kXz,
        "txt" | "keys" => TraceFormat::Text,
        "oraclegeneral" | "bin" => TraceFormat::OracleGeneral,
        e if UNSUPPORTED_EXTENSIONS.contains(&e) => {
            return Err(TraceError::UnknownCompression {
                path: path.to_path_buf(),
                compression: format!("`.{e}`"),
            });
        }
        _ => return Ok(None),
    }))
}

/// Detects the format from the name, then from `head`, the input's first bytes (up to
/// [`SNIFF_BYTES`]); `total` is the input's whole length when known (a regular file, or a stream
/// that ended within `head`). Never reads, never seeks: works on pipes.
pub(super) fn detect(
    path: &Path,
    head: &[u8],
    total: Option<u64>,
) -> Result<TraceFormat, TraceError> {
    if let Some(format) = from_extension(path)? {
        return Ok(format);
    }
    if head.is_empty() {
        return Err(TraceError::Empty {
            path: path.to_path_buf(),
            expected: "request",
        });
    }
    if head.starts_with(&ZSTD_MAGIC) || starts_with_zstd_skippable_frame(head) {
        return Ok(TraceFormat::OracleGeneralZst);
    }
    if head.starts_with(&XZ_MAGIC) {
        return Ok(TraceFormat::Cache2kXz);
    }
    reject_unsupported_compression(path, head)?;
    let cut_at_sniff_boundary = total.is_none_or(|len| len > head.len() as u64);
    if looks_like_text(head, cut_at_sniff_boundary) {
        let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first_line);
        let is_header = first
            .split(',')
            .next()
            .is_some_and(|c| ["time", "key", "size", "cost"].contains(&c.trim()));
        return Ok(if is_header {
            TraceFormat::Csv
        } else {
            TraceFormat::Text
        });
    }
    match total {
        // A stream of unknown length: a cut last record is reported when it is reached.
        None => Ok(TraceFormat::OracleGeneral),
        Some(len) if len % 24 == 0 => Ok(TraceFormat::OracleGeneral),
        Some(len) => Err(TraceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!(
                "cannot tell the trace format from the name or content (binary, {len} bytes, \
                 not a multiple of 24); pass --format (one of: {})",
                TraceFormat::NAMES.join(", ")
            ),
        }),
    }
}

/// Whether `head` starts with a zstd skippable frame (magic `0x184D2A50..=0x184D2A5F`, little
/// endian): metadata that may come before the first data frame.
fn starts_with_zstd_skippable_frame(head: &[u8]) -> bool {
    matches!(head, [first, 0x2a, 0x4d, 0x18, ..] if first & 0xf0 == 0x50)
}

/// Whether `head` (a file's first bytes) reads as text: valid UTF-8 — keys may be `café` or
/// `日本` — with no control character other than tab, CR and LF (binary records are full of
/// them). `cut` says `head` stops at the sniff buffer's end rather than the file's, where a
/// multi-byte character may be split: an incomplete character there is accepted.
fn looks_like_text(head: &[u8], cut: bool) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if cut && e.error_len().is_none() => {
            // Cannot fail: `valid_up_to` is where the (incomplete) last character starts.
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| matches!(c, '\t' | '\r' | '\n') || !c.is_control())
}

/// An error if `head` (a file's first bytes) starts like a compressed stream this crate cannot
/// read — so that `--format csv` on a `.gz` file says "gzip" rather than "invalid UTF-8".
pub(super) fn reject_unsupported_compression(path: &Path, head: &[u8]) -> Result<(), TraceError> {
    match UNSUPPORTED_MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        Some((_, name)) => Err(TraceError::UnknownCompression {
            path: path.to_path_buf(),
            compression: format!("{name} (from its magic bytes)"),
        }),
        None => Ok(()),
    }
}

impl FromStr for TraceFormat {
    type Err = TraceError;

    /// Parses a `--format` value (case-insensitive): `csv`, `oracle-general` (or `oracle`),
    /// `oracle-general-zst` (or `oracle-zst`), `cache2k-xz` (or `cache2k`), `text` (or `txt`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s.trim().to_ascii_lowercase().replace(['_', '.'], "-");
        Ok(match normalized.as_str() {
            "csv" => TraceFormat::Csv,
            "oracle-general" | "oraclegeneral" | "oracle" => TraceFormat::OracleGeneral,
            "oracle-general-zst" | "oraclegeneral-zst" | "oracle-zst" | "zst" => {
                TraceFormat::OracleGeneralZst
            }
            "cache2k-xz" | "cache2k" | "xz" => TraceFormat::Cache2kXz,
            "text" | "txt" | "keys" => TraceFormat::Text,
            _ => {
                return Err(TraceError::UnknownFormatName {
                    name: s.to_string(),
                    expected: Self::NAMES.join(", "),
                });
            }
        })
    }
}

impl std::fmt::Display for TraceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TraceFormat::Csv => "csv",
            TraceFormat::OracleGeneral => "oracle-general",
            TraceFormat::OracleGeneralZst => "oracle-general-zst",
            TraceFormat::Cache2kXz => "cache2k-xz",
            TraceFormat::Text => "text",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_utf8_without_control_bytes() {
        assert!(looks_like_text(
            "café\nnaïve\r\n日本\tx\n".as_bytes(),
            false
        ));
        assert!(!looks_like_text(b"key\0with nul\n", false));
        assert!(!looks_like_text(b"\x1b[31m\n", false));
        // C1 controls are valid UTF-8 but not text.
        assert!(!looks_like_text("a\u{85}b".as_bytes(), false));
        // Not UTF-8 at all (Latin-1 `é`).
        assert!(!looks_like_text(b"caf\xe9\n", false));
    }

    #[test]
    fn zstd_starting_with_a_skippable_frame_is_zstd() {
        let mut head = 0x184D_2A5Fu32.to_le_bytes().to_vec();
        head.extend_from_slice(&[0, 0, 0, 0]);
        head.extend_from_slice(&ZSTD_MAGIC);
        let format = detect(Path::new("no-extension"), &head, Some(head.len() as u64));
        assert_eq!(format.unwrap(), TraceFormat::OracleGeneralZst);
        assert!(!starts_with_zstd_skippable_frame(&[0x60, 0x2a, 0x4d, 0x18]));
    }

    #[test]
    fn a_character_split_by_the_sniff_boundary_is_accepted_only_there() {
        let split = &"abcé".as_bytes()[..4]; // `é` is 2 bytes: keep its first one
        assert!(looks_like_text(split, true));
        assert!(!looks_like_text(split, false));
        // An invalid byte is not an incomplete character, even at the boundary.
        assert!(!looks_like_text(b"abc\xff", true));
    }
}
