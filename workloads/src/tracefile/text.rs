//! Plain text: one key per line. A key is a decimal `u64`, a `0x`-prefixed hex `u64`, or any other
//! token (e.g. a URL), which is hashed (xxh3-64) to a fingerprint. Blank lines are skipped.
//! No times, sizes or costs: they come from the defaults.

use super::{Input, TraceDefaults, TraceError};
use crate::model::Request;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

pub(super) struct TextReader {
    path: PathBuf,
    reader: BufReader<Input>,
    line: u64,
    buf: Vec<u8>,
    defaults: TraceDefaults,
    any: bool,
}

impl TextReader {
    pub(super) fn new(path: PathBuf, file: Input, defaults: TraceDefaults) -> Self {
        Self {
            path,
            reader: BufReader::with_capacity(1 << 16, file),
            line: 0,
            buf: Vec::new(),
            defaults,
            any: false,
        }
    }
}

/// The key a text token stands for.
pub(super) fn key_of_token(token: &str) -> u64 {
    if let Ok(k) = token.parse::<u64>() {
        return k;
    }
    if let Some(hex) = token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
    {
        if let Ok(k) = u64::from_str_radix(hex, 16) {
            return k;
        }
    }
    xxhash_rust::xxh3::xxh3_64(token.as_bytes())
}

impl Iterator for TextReader {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) if self.any => return None,
                Ok(0) => {
                    return Some(Err(TraceError::Empty {
                        path: self.path.clone(),
                        expected: "line with a key",
                    }));
                }
                Ok(_) => self.line += 1,
                Err(source) => {
                    return Some(Err(TraceError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            }
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return Some(Err(TraceError::Field {
                    path: self.path.clone(),
                    line: self.line,
                    column: "key".into(),
                    value: String::from_utf8_lossy(&self.buf).trim().to_string(),
                    expected: "UTF-8 text (is this a binary trace? pass --format)",
                }));
            };
            let token = text.trim();
            if token.is_empty() {
                continue;
            }
            self.any = true;
            return Some(Ok(self.defaults.request(0.0, key_of_token(token), None)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_of_token;

    #[test]
    fn tokens_map_to_keys() {
        assert_eq!(key_of_token("42"), 42);
        assert_eq!(key_of_token("0xff"), 255);
        assert_eq!(key_of_token("0XFF"), 255);
        // Not a number: a stable hash, different for different tokens.
        assert_eq!(key_of_token("/a"), key_of_token("/a"));
        assert_ne!(key_of_token("/a"), key_of_token("/b"));
        assert_ne!(key_of_token("0xzz"), 0);
    }
}
