//! The project's own CSV: header `time,key,size,cost` (any order; only `key` is required,
//! missing columns take the defaults). Read and written with `csv` + `serde`.

use super::{Input, TraceDefaults, TraceError};
use crate::model::Request;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

const COLUMNS: [&str; 4] = ["time", "key", "size", "cost"];

pub(super) struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<BufReader<Input>>,
    headers: csv::StringRecord,
    record: csv::StringRecord,
    defaults: TraceDefaults,
    any: bool,
}

/// One row as text, deserialized by column name (serde), before each field is parsed with an
/// error naming its line and column.
#[derive(serde::Deserialize)]
struct Row<'a> {
    #[serde(default)]
    time: Option<&'a str>,
    key: &'a str,
    #[serde(default)]
    size: Option<&'a str>,
    #[serde(default)]
    cost: Option<&'a str>,
}

impl CsvReader {
    pub(super) fn new(
        path: PathBuf,
        file: Input,
        defaults: TraceDefaults,
    ) -> Result<Self, TraceError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(BufReader::with_capacity(1 << 16, file));
        let headers = reader.headers().map_err(|e| csv_error(&path, &e))?.clone();
        if let Some(unknown) = headers.iter().find(|name| !COLUMNS.contains(name)) {
            return Err(TraceError::UnknownColumn {
                path,
                column: unknown.to_string(),
            });
        }
        if !headers.iter().any(|name| name == "key") {
            return Err(TraceError::MissingColumn {
                path,
                column: "key",
            });
        }
        Ok(Self {
            path,
            reader,
            headers,
            record: csv::StringRecord::new(),
            defaults,
            any: false,
        })
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    fn bad(&self, column: &str, value: &str, expected: &'static str) -> TraceError {
        TraceError::Field {
            path: self.path.clone(),
            line: self.line(),
            column: column.to_string(),
            value: value.to_string(),
            expected,
        }
    }

    fn parse_row(&self) -> Result<Request, TraceError> {
        let row: Row = self
            .record
            .deserialize(Some(&self.headers))
            .map_err(|e| csv_error(&self.path, &e))?;
        let key = row
            .key
            .parse::<u64>()
            .map_err(|_| self.bad("key", row.key, "an unsigned 64-bit integer key"))?;
        let time = match row.time {
            Some(text) => {
                let t = text
                    .parse::<f64>()
                    .map_err(|_| self.bad("time", text, "a number of seconds"))?;
                if !(t.is_finite() && t >= 0.0) {
                    return Err(self.bad("time", text, "a finite number of seconds ≥ 0"));
                }
                t
            }
            None => 0.0,
        };
        let size = match row.size {
            Some(text) => match text.parse::<u64>() {
                Ok(s) => Some(s),
                Err(_) if text.starts_with('-') && text[1..].parse::<f64>().is_ok() => {
                    return Err(TraceError::NegativeSize {
                        path: self.path.clone(),
                        line: self.line(),
                        value: text.to_string(),
                    });
                }
                Err(_) => return Err(self.bad("size", text, "an integer number of bytes")),
            },
            None => None,
        };
        let mut request = self.defaults.request(time, key, size);
        if let Some(text) = row.cost {
            let c = text
                .parse::<f64>()
                .map_err(|_| self.bad("cost", text, "a number of seconds"))?;
            if !(c.is_finite() && c >= 0.0) {
                return Err(self.bad("cost", text, "a finite number of seconds ≥ 0"));
            }
            request.cost = c;
        }
        Ok(request)
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> TraceError {
    match e.kind() {
        csv::ErrorKind::Io(io) => TraceError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => TraceError::Csv {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        },
    }
}

impl Iterator for CsvReader {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {
                self.any = true;
                Some(self.parse_row())
            }
            Ok(false) if self.any => None,
            Ok(false) => Some(Err(TraceError::Empty {
                path: self.path.clone(),
                expected: "CSV row after the header",
            })),
            Err(e) => Some(Err(csv_error(&self.path, &e))),
        }
    }
}

/// Writes requests as CSV (header `time,key,size,cost`) to `out`, naming `path` in errors;
/// returns the number of requests written. The caller decides what `out` is: the harness gives
/// it its atomic file writer (temporary file renamed into place, or a stream for a FIFO).
pub fn write_csv(
    out: &mut impl Write,
    path: &Path,
    requests: impl Iterator<Item = Request>,
) -> Result<u64, TraceError> {
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, out));
    let mut written = 0u64;
    for request in requests {
        writer.serialize(request).map_err(|e| csv_error(path, &e))?;
        written += 1;
    }
    if written == 0 {
        // serde writes the header with the first row; an empty trace still gets one.
        writer
            .write_record(COLUMNS)
            .map_err(|e| csv_error(path, &e))?;
    }
    let mut buffered = writer
        .into_inner()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    buffered.flush().map_err(io)?;
    Ok(written)
}
