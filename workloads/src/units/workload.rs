//! Values of a workload definition: how many requests, and the spread of a log-normal.

use super::{Num, UnitError, err, whole};
use std::fmt;
use std::str::FromStr;

/// Upper bound of a workload's request count: a billion requests replay in minutes; more is a
/// typo (an extra `_000`) that would otherwise run for days without a word.
pub const MAX_REQUESTS: u64 = 1_000_000_000;
/// Upper bound of a log-normal `sigma`. Beyond it the mean is carried by draws too rare to ever
/// appear in a trace (the mean is e^(sigma²/2) = e^12.5 ≈ 270,000 times the median at 5), so the
/// distribution no longer has the mean it is given.
pub const MAX_LOGNORMAL_SIGMA: f64 = 5.0;

/// The number of requests of a workload: 1 to [`MAX_REQUESTS`].
///
/// ```
/// use workloads::units::Requests;
/// assert_eq!("20_000".parse::<Requests>().unwrap().get(), 20_000);
/// let e = Requests::new(1_000_000_000_000_000_000).unwrap_err().0;
/// assert!(e.contains("1000000000") && e.contains("one billion"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requests(u64);

impl Requests {
    /// `n` requests, range-checked.
    pub fn new(n: u64) -> Result<Self, UnitError> {
        if (1..=MAX_REQUESTS).contains(&n) {
            Ok(Self(n))
        } else {
            Err(err(format!(
                "the request count must be at least 1 and at most {MAX_REQUESTS} (one billion), \
                 got {n}"
            )))
        }
    }

    /// The count.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for Requests {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        Self::new(whole(text, "the request count")?)
    }
}

impl fmt::Display for Requests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The sigma of ln(x) of a log-normal size or cost: 0 to [`MAX_LOGNORMAL_SIGMA`].
///
/// ```
/// use workloads::units::Sigma;
/// assert_eq!(Sigma::new(1.5).unwrap().get(), 1.5);
/// assert!(Sigma::new(1e6).unwrap_err().0.contains("at most 5"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Sigma(f64);

impl Sigma {
    /// A sigma, range-checked.
    pub fn new(sigma: f64) -> Result<Self, UnitError> {
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(err(format!(
                "sigma must be a finite number ≥ 0, got {}",
                Num(sigma)
            )));
        }
        if sigma > MAX_LOGNORMAL_SIGMA {
            return Err(err(format!(
                "sigma must be at most {MAX_LOGNORMAL_SIGMA}, got {}: with a larger sigma the \
                 mean is carried by draws too rare to appear in any trace, and nearly every \
                 value collapses toward 0",
                Num(sigma)
            )));
        }
        Ok(Self(sigma))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The median of a log-normal of this sigma and the given mean: mean × e^(−sigma²/2).
    pub fn median_for_mean(self, mean: f64) -> f64 {
        mean * (-self.0 * self.0 / 2.0).exp()
    }
}

impl FromStr for Sigma {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let sigma = text
            .trim()
            .parse::<f64>()
            .map_err(|_| err(format!("sigma must be a number, got `{text}`")))?;
        Self::new(sigma)
    }
}

impl fmt::Display for Sigma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Num(self.0))
    }
}
