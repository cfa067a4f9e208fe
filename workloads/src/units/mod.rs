//! One newtype, one parser and one range per value the project reads from people: the TTL, the
//! byte budget, the entry bound, the time scale, the generator workers, the hit cost, generation
//! costs, result sizes, a workload's request count, a replay's warm-up and a log-normal's sigma.
//! Numbers in their messages are printed with [`Num`] (scientific notation when huge or tiny).
//!
//! Every surface reads a value through its type here, so a bad value is refused with the same
//! message wherever it comes from: the command line and environment variables parse text with
//! [`std::str::FromStr`] (clap's `value_parser`), workload TOML and the HTTP bodies check their
//! numbers with the `from_*` constructors. Defaults are the named constants beside each type.
//!
//! A zero budget or entry bound is refused everywhere: a cache bounded to nothing caches nothing,
//! which the baseline already measures (`harness serve` turns caching off with `enabled=false`).
//! Bounds say "unbounded" with `none` (text) or by being absent / `null`.
//!
//! ```
//! use workloads::units::{ByteBudget, EntryBound, Ttl};
//!
//! assert_eq!("1GiB".parse::<ByteBudget>().unwrap().get(), Some(1 << 30));
//! assert_eq!("none".parse::<ByteBudget>().unwrap().get(), None);
//! assert!("5GiB".parse::<EntryBound>().is_err()); // an entry count takes no unit
//! assert_eq!("24h".parse::<Ttl>().unwrap().secs(), Some(86_400.0));
//! assert_eq!(
//!     "0".parse::<Ttl>().unwrap_err().to_string(),
//!     Ttl::from_secs(0.0).unwrap_err().to_string(),
//! );
//! ```

mod amount;
mod number;
mod time;
mod warmup;
mod workload;

pub use amount::{
    ByteBudget, DEFAULT_SERVE_MAX_BYTES, DEFAULT_SIZE, EntryBound, MAX_BYTES_LIMIT,
    MAX_ENTRIES_LIMIT, MAX_SIZE, MAX_WORKERS, Size, Workers,
};
pub use number::Num;
pub use time::{
    Cost, DEFAULT_COST_S, DEFAULT_HIT_COST_S, DEFAULT_TIME_SCALE, DEFAULT_TTL_S, HitCost,
    MAX_COST_S, MAX_TIME_SCALE, MAX_TTL_S, MIN_TIME_SCALE, MIN_TTL_S, TimeScale, Ttl,
};
pub use warmup::Warmup;
pub use workload::{MAX_LOGNORMAL_SIGMA, MAX_REQUESTS, Requests, Sigma};

/// A value out of its range or unreadable. The message names the value and what was given, the
/// same whichever surface the value came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

fn err(message: impl Into<String>) -> UnitError {
    UnitError(message.into())
}

/// A number of seconds, or a humantime duration (`50ms`, `24h`, `1h 30m`).
fn seconds(text: &str, what: &str) -> Result<f64, UnitError> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(v) => Ok(v),
        Err(_) => humantime::parse_duration(t)
            .map(|d| d.as_secs_f64())
            .map_err(|e| {
                err(format!(
                    "{what} must be seconds or a duration like 50ms or 24h, got `{text}` ({e})"
                ))
            }),
    }
}

/// Whether `text` is a word meaning "no bound".
fn is_unbounded(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "none" | "unbounded" | "unlimited"
    )
}

/// A whole number with optional `_` separators and no unit.
fn whole(text: &str, what: &str) -> Result<u64, UnitError> {
    let t = text.trim();
    let digits = t.replace('_', "");
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(n);
    }
    if let Ok(n) = digits.parse::<i128>() {
        return Err(err(format!("{what} cannot be negative, got {n}")));
    }
    Err(err(format!("{what} must be a whole number, got `{text}`")))
}

/// Bytes: a whole number with an optional unit (`B`, `KB`/`MB`/`GB`/`TB` powers of 1000,
/// `KiB`/`MiB`/`GiB`/`TiB` powers of 1024).
fn bytes(text: &str, what: &str) -> Result<u64, UnitError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '-'))
        .unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n = whole(digits, what).map_err(|e| {
        if digits.trim().is_empty() {
            err(format!("{what} must be a number of bytes, got `{text}`"))
        } else {
            e
        }
    })?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => {
            return Err(err(format!(
                "unknown unit `{other}` in {what} `{text}` (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)"
            )));
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| err(format!("{what} `{text}` is too large")))
}

#[cfg(test)]
mod tests;
