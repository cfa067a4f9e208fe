//! How numbers from user input are printed in messages: exactly as Rust reads them back, but in
//! scientific notation when very large or very small, so that `1e308` is not 309 digits.

use std::fmt;

/// An `f64` for messages: `124.6`, `0.05`, `20000`, but `1e308`, `-1e300`, `1.5e-7`.
///
/// ```
/// use workloads::units::Num;
/// assert_eq!(Num(124.6).to_string(), "124.6");
/// assert_eq!(Num(20_000.0).to_string(), "20000");
/// assert_eq!(Num(1e308).to_string(), "1e308");
/// assert_eq!(Num(-2.5e-9).to_string(), "-2.5e-9");
/// assert_eq!(Num(f64::NAN).to_string(), "NaN");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

/// Beyond these magnitudes a number is printed in scientific notation.
const PLAIN_BELOW: f64 = 1e15;
const PLAIN_FROM: f64 = 1e-4;

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let magnitude = v.abs();
        if !v.is_finite() || v == 0.0 || (PLAIN_FROM..PLAIN_BELOW).contains(&magnitude) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    #[test]
    fn every_finite_number_is_short_and_reads_back_exactly() {
        for v in [
            0.0,
            -0.0,
            1.0,
            0.05,
            124.6,
            9.999e14,
            1e15,
            1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -1e-5,
        ] {
            let text = Num(v).to_string();
            assert!(text.len() <= 24, "{v}: {text}");
            assert_eq!(text.parse::<f64>().unwrap(), v, "{text}");
        }
        assert_eq!(Num(f64::INFINITY).to_string(), "inf");
    }
}
