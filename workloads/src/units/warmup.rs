//! The warm-up of a replay: how many requests at the start of the trace warm the cache without
//! being counted (`--warmup N` or `--warmup P%`).

use super::{Num, UnitError, err, whole};
use std::fmt;
use std::str::FromStr;

/// Requests at the start of a trace left out of every statistic (they still go through the
/// cache and warm it): a count, or a percentage of the trace's requests from 0 to 100 %.
///
/// A percentage is resolved against the trace's length with [`Warmup::requests_of`], rounding
/// down (to a millionth of a percent: `12.5%` of 20,000 requests is 2,500).
///
/// ```
/// use workloads::units::Warmup;
/// assert_eq!("2000".parse::<Warmup>().unwrap().requests_of(20_000), 2_000);
/// assert_eq!("12.5%".parse::<Warmup>().unwrap().requests_of(20_000), 2_500);
/// assert_eq!("10 %".parse::<Warmup>().unwrap().to_string(), "10%");
/// assert!("120%".parse::<Warmup>().unwrap_err().0.contains("0 to 100"));
/// assert!("-3".parse::<Warmup>().unwrap_err().0.contains("negative"));
/// assert!("abc".parse::<Warmup>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Warmup {
    /// The first `n` requests.
    Requests(u64),
    /// This share of the trace's requests, in millionths of a percent (`10%` is 10,000,000).
    Percent(u64),
}

/// Millionths of a percent in one percent (the percentage's resolution).
const PER_PERCENT: u64 = 1_000_000;

impl Warmup {
    /// No warm-up: every request is counted (the default).
    pub const NONE: Warmup = Warmup::Requests(0);

    /// A warm-up of `percent` % of the trace, range-checked (0 to 100, finite).
    pub fn from_percent(percent: f64) -> Result<Self, UnitError> {
        if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
            return Err(err(format!(
                "the warm-up percentage must be from 0 to 100 %, got {} %",
                Num(percent)
            )));
        }
        Ok(Warmup::Percent(
            (percent * PER_PERCENT as f64).round() as u64
        ))
    }

    /// The number of requests left out of a trace of `total` requests.
    pub fn requests_of(self, total: u64) -> u64 {
        match self {
            Warmup::Requests(n) => n,
            Warmup::Percent(millionths) => {
                let n = u128::from(total) * u128::from(millionths) / u128::from(100 * PER_PERCENT);
                u64::try_from(n).unwrap_or(u64::MAX)
            }
        }
    }

    /// Whether this leaves nothing out whatever the trace.
    pub fn is_none(self) -> bool {
        matches!(self, Warmup::Requests(0) | Warmup::Percent(0))
    }

    /// The percentage, when given as one.
    pub fn percent(self) -> Option<f64> {
        match self {
            Warmup::Requests(_) => None,
            Warmup::Percent(m) => Some(m as f64 / PER_PERCENT as f64),
        }
    }
}

impl Default for Warmup {
    fn default() -> Self {
        Self::NONE
    }
}

impl FromStr for Warmup {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let t = text.trim();
        match t.strip_suffix('%') {
            Some(number) => {
                let p = number.trim().parse::<f64>().map_err(|_| {
                    err(format!(
                        "the warm-up must be a number of requests or a percentage from 0 to 100 %, got `{text}`"
                    ))
                })?;
                if p < 0.0 {
                    return Err(err(format!(
                        "the warm-up percentage cannot be negative, got `{text}` (0 to 100 %)"
                    )));
                }
                Self::from_percent(p).map_err(|_| {
                    err(format!(
                        "the warm-up percentage must be from 0 to 100 %, got `{text}`"
                    ))
                })
            }
            None => whole(
                t,
                "the warm-up (a number of requests, or a percentage like 10%)",
            )
            .map(Warmup::Requests),
        }
    }
}

impl fmt::Display for Warmup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warmup::Requests(n) => write!(f, "{n}"),
            Warmup::Percent(_) => write!(f, "{}%", Num(self.percent().unwrap_or(0.0))),
        }
    }
}
