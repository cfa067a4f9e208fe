//! Counts and bytes: the byte budget, the entry bound, result sizes and generator workers.

use super::{UnitError, bytes, err, is_unbounded, whole};
use std::fmt;
use std::str::FromStr;

/// Largest byte budget (1 TiB): anything above is a typo, not a budget.
pub const MAX_BYTES_LIMIT: u64 = 1 << 40;
/// Largest entry bound.
pub const MAX_ENTRIES_LIMIT: u64 = 100_000_000;
/// Largest result size (1 TiB).
pub const MAX_SIZE: u64 = 1 << 40;
/// Most generator workers.
pub const MAX_WORKERS: u32 = 100_000;
/// `harness serve`'s byte budget when none is given (1 GiB, like the workloads'): a finite memory
/// bound out of the box; `none` asks for unlimited explicitly.
pub const DEFAULT_SERVE_MAX_BYTES: u64 = 1 << 30;

/// A cache byte budget: 1 byte to [`MAX_BYTES_LIMIT`], or unbounded (`none`). Text takes a unit
/// (`512MiB`, `1GB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteBudget(Option<u64>);

impl ByteBudget {
    /// No byte budget.
    pub const UNBOUNDED: ByteBudget = ByteBudget(None);
    /// [`DEFAULT_SERVE_MAX_BYTES`].
    pub const SERVE_DEFAULT: ByteBudget = ByteBudget(Some(DEFAULT_SERVE_MAX_BYTES));

    /// A budget of `n` bytes, range-checked.
    pub fn from_bytes(n: u64) -> Result<Self, UnitError> {
        if n == 0 {
            return Err(err(
                "the byte budget must be at least 1 byte, got 0 (a cache of 0 bytes caches \
                 nothing; use `none` for no budget)",
            ));
        }
        if n > MAX_BYTES_LIMIT {
            return Err(err(format!(
                "the byte budget must be at most {MAX_BYTES_LIMIT} bytes (1 TiB), got {n}"
            )));
        }
        Ok(Self(Some(n)))
    }

    /// `n` bytes, or unbounded for `None`.
    pub fn from_optional(n: Option<u64>) -> Result<Self, UnitError> {
        n.map_or(Ok(Self::UNBOUNDED), Self::from_bytes)
    }

    /// The budget in bytes, `None` = unbounded.
    pub fn get(self) -> Option<u64> {
        self.0
    }
}

impl FromStr for ByteBudget {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        if is_unbounded(text) {
            return Ok(Self::UNBOUNDED);
        }
        Self::from_bytes(bytes(text, "the byte budget")?)
    }
}

impl fmt::Display for ByteBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("none"),
            Some(n) => write!(f, "{n}"),
        }
    }
}

/// A cache entry bound: 1 to [`MAX_ENTRIES_LIMIT`] entries, or unbounded (`none`). A count, so a
/// byte unit is refused (`5GiB` is not a number of entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryBound(Option<u64>);

impl EntryBound {
    /// No entry bound.
    pub const UNBOUNDED: EntryBound = EntryBound(None);

    /// A bound of `n` entries, range-checked.
    pub fn from_count(n: u64) -> Result<Self, UnitError> {
        if n == 0 {
            return Err(err(
                "the entry bound must be at least 1 entry, got 0 (a cache of 0 entries caches \
                 nothing; use `none` for no bound)",
            ));
        }
        if n > MAX_ENTRIES_LIMIT {
            return Err(err(format!(
                "the entry bound must be at most {MAX_ENTRIES_LIMIT} entries, got {n}"
            )));
        }
        Ok(Self(Some(n)))
    }

    /// `n` entries, or unbounded for `None`.
    pub fn from_optional(n: Option<u64>) -> Result<Self, UnitError> {
        n.map_or(Ok(Self::UNBOUNDED), Self::from_count)
    }

    /// The bound, `None` = unbounded.
    pub fn get(self) -> Option<u64> {
        self.0
    }
}

impl FromStr for EntryBound {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        if is_unbounded(text) {
            return Ok(Self::UNBOUNDED);
        }
        let t = text.trim();
        let number_end = t
            .find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '-'))
            .unwrap_or(t.len());
        if number_end > 0 && number_end < t.len() {
            return Err(err(format!(
                "the entry bound is a number of entries and takes no unit, got `{text}`"
            )));
        }
        Self::from_count(whole(text, "the entry bound")?)
    }
}

impl fmt::Display for EntryBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("none"),
            Some(n) => write!(f, "{n}"),
        }
    }
}

/// The size of a generated result: 1 byte to [`MAX_SIZE`]. Text takes a unit (`256KiB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(u64);

/// The result size of a request that gives none (`harness serve`): 256 KiB.
pub const DEFAULT_SIZE: u64 = 256 * 1024;

impl Size {
    /// [`DEFAULT_SIZE`].
    pub const DEFAULT: Size = Size(DEFAULT_SIZE);

    /// A size of `n` bytes, range-checked.
    pub fn from_bytes(n: u64) -> Result<Self, UnitError> {
        if n == 0 {
            return Err(err("the result size must be at least 1 byte, got 0"));
        }
        if n > MAX_SIZE {
            return Err(err(format!(
                "the result size must be at most {MAX_SIZE} bytes (1 TiB), got {n}"
            )));
        }
        Ok(Self(n))
    }

    /// Bytes.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for Size {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        Self::from_bytes(bytes(text, "the result size")?)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Generator workers (how many generations run at once): 1 to [`MAX_WORKERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Workers(u32);

impl Workers {
    /// One worker, the default.
    pub const DEFAULT: Workers = Workers(1);

    /// `n` workers, range-checked.
    pub fn new(n: u64) -> Result<Self, UnitError> {
        if n == 0 {
            return Err(err("the number of workers must be at least 1, got 0"));
        }
        u32::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_WORKERS)
            .map(Self)
            .ok_or_else(|| {
                err(format!(
                    "the number of workers must be at most {MAX_WORKERS}, got {n}"
                ))
            })
    }

    /// The count.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl FromStr for Workers {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let n = whole(text, "the number of workers").map_err(|e| {
            if e.0.contains("negative") {
                err(format!(
                    "the number of workers must be at least 1, got {}",
                    text.trim()
                ))
            } else {
                e
            }
        })?;
        Self::new(n)
    }
}

impl fmt::Display for Workers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
