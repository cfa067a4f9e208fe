//! Durations: the TTL, the hit cost, generation costs and the live time scale.

use super::{UnitError, err, seconds};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Shortest TTL: 1 ms of virtual time. Anything shorter would round to (almost) nothing and
/// silently turn caching off.
pub const MIN_TTL_S: f64 = 0.001;
/// Longest TTL: one virtual year.
pub const MAX_TTL_S: f64 = 365.0 * 24.0 * 3600.0;
/// The default TTL: 24 h (the seed cache's, and `gencache::DEFAULT_TTL`).
pub const DEFAULT_TTL_S: f64 = 24.0 * 3600.0;
/// Longest generation or hit cost: one year, so virtual nanoseconds stay far from overflow.
pub const MAX_COST_S: f64 = 365.0 * 24.0 * 3600.0;
/// Smallest time scale: below it, virtual durations shrink to nanoseconds of wall time.
pub const MIN_TIME_SCALE: f64 = 1e-6;
/// Largest time scale (real seconds per virtual second).
pub const MAX_TIME_SCALE: f64 = 1000.0;
/// The default time scale: a 124.6 s generation sleeps 124.6 ms.
pub const DEFAULT_TIME_SCALE: f64 = 0.001;

/// A default time-to-live: between [`MIN_TTL_S`] and [`MAX_TTL_S`], or never (`never`/`none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ttl(Option<Duration>);

impl Ttl {
    /// Entries never expire.
    pub const NEVER: Ttl = Ttl(None);
    /// [`DEFAULT_TTL_S`].
    pub const DEFAULT: Ttl = Ttl(Some(Duration::from_secs(DEFAULT_TTL_S as u64)));

    /// A TTL of `secs` seconds, range-checked.
    pub fn from_secs(secs: f64) -> Result<Self, UnitError> {
        if secs.is_nan() {
            return Err(err("the TTL must be a number of seconds, got NaN"));
        }
        if secs < 0.0 {
            return Err(err(format!(
                "the TTL cannot be negative, got {secs} s (use `never` for no expiry)"
            )));
        }
        if !(MIN_TTL_S..=MAX_TTL_S).contains(&secs) {
            return Err(err(format!(
                "the TTL must be between 1 ms and 365 days ({MAX_TTL_S} s), got {secs} s \
                 (use `never` for no expiry)"
            )));
        }
        Ok(Self(Some(Duration::from_secs_f64(secs))))
    }

    /// `secs`, or never for `None`.
    pub fn from_optional_secs(secs: Option<f64>) -> Result<Self, UnitError> {
        secs.map_or(Ok(Self::NEVER), Self::from_secs)
    }

    /// The duration, `None` = never expires.
    pub fn get(self) -> Option<Duration> {
        self.0
    }

    /// The duration in seconds, `None` = never expires.
    pub fn secs(self) -> Option<f64> {
        self.0.map(|d| d.as_secs_f64())
    }
}

impl FromStr for Ttl {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let word = text.trim().to_ascii_lowercase();
        if word == "never" || word == "none" {
            return Ok(Self::NEVER);
        }
        let secs = seconds(text, "the TTL").map_err(|_| {
            err(format!(
                "the TTL must be seconds, a duration like 24h, or `never`, got `{text}`"
            ))
        })?;
        Self::from_secs(secs)
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.secs() {
            None => f.write_str("never"),
            Some(s) => write!(f, "{s}"),
        }
    }
}

/// Checks a cost-like number of seconds: finite, not negative, at most [`MAX_COST_S`].
fn cost_secs(secs: f64, what: &str) -> Result<f64, UnitError> {
    if !secs.is_finite() {
        return Err(err(format!(
            "{what} must be a finite number of seconds, got {secs}"
        )));
    }
    if secs < 0.0 {
        return Err(err(format!("{what} cannot be negative, got {secs} s")));
    }
    if secs > MAX_COST_S {
        return Err(err(format!(
            "{what} must be at most one year ({MAX_COST_S} s), got {secs} s"
        )));
    }
    Ok(secs)
}

macro_rules! seconds_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $default:ident = $value:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name(f64);

        #[doc = concat!("The default ", $what, ", seconds.")]
        pub const $default: f64 = $value;

        impl $name {
            #[doc = concat!("The default ", $what, ".")]
            pub const DEFAULT: $name = $name($default);

            #[doc = concat!("The ", $what, " of `secs` seconds (0 to one year).")]
            pub fn from_secs(secs: f64) -> Result<Self, UnitError> {
                cost_secs(secs, concat!("the ", $what)).map(Self)
            }

            /// Seconds.
            pub fn secs(self) -> f64 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = UnitError;
            fn from_str(text: &str) -> Result<Self, UnitError> {
                Self::from_secs(seconds(text, concat!("the ", $what))?)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

seconds_type!(
    /// Virtual seconds to answer a hit: 0 to one year (the seed's measured 0.05 s by default).
    HitCost, "hit cost", DEFAULT_HIT_COST_S = 0.05
);
seconds_type!(
    /// Virtual seconds one generation takes: 0 to one year (the seed's 124.6 s by default).
    Cost, "generation cost", DEFAULT_COST_S = 124.6
);

/// Real seconds per virtual second of the live replay and `harness serve`:
/// [`MIN_TIME_SCALE`] to [`MAX_TIME_SCALE`].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct TimeScale(f64);

impl TimeScale {
    /// [`DEFAULT_TIME_SCALE`].
    pub const DEFAULT: TimeScale = TimeScale(DEFAULT_TIME_SCALE);

    /// A time scale, range-checked.
    pub fn new(scale: f64) -> Result<Self, UnitError> {
        if (MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&scale) {
            Ok(Self(scale))
        } else {
            Err(err(format!(
                "the time scale must be between {MIN_TIME_SCALE} and {MAX_TIME_SCALE} real \
                 seconds per virtual second, got {scale}"
            )))
        }
    }

    /// Real seconds per virtual second.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl FromStr for TimeScale {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let scale = text.trim().parse::<f64>().map_err(|_| {
            err(format!(
                "the time scale must be a number (real seconds per virtual second), got `{text}`"
            ))
        })?;
        Self::new(scale)
    }
}

impl fmt::Display for TimeScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
