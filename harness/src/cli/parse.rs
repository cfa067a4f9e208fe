//! Parsers of the command line's values.

use std::time::Duration;

/// A bound given on the command line: a number, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub Option<u64>);

/// A TTL given on the command line: a duration, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ttl(pub Option<Duration>);

fn parse_positive(s: &str, what: &str) -> Result<u32, String> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number of at least 1, got `{s}`"))?;
    if n < 1 {
        return Err(format!("{what} must be at least 1, got {n}"));
    }
    u32::try_from(n).map_err(|_| format!("{what} must be at most {}, got {n}", u32::MAX))
}

/// Parses `--workers`.
pub fn parse_workers(s: &str) -> Result<u32, String> {
    parse_positive(s, "the number of workers")
}

/// Parses `--clients`.
pub fn parse_clients(s: &str) -> Result<u32, String> {
    parse_positive(s, "the number of clients")
}

/// Parses a non-negative number of seconds or a humantime duration.
fn parse_seconds(s: &str, what: &str) -> Result<f64, String> {
    let t = s.trim();
    let secs = match t.parse::<f64>() {
        Ok(v) => v,
        Err(_) => humantime::parse_duration(t)
            .map_err(|e| format!("{what} must be seconds or a duration like 50ms, got `{s}`: {e}"))?
            .as_secs_f64(),
    };
    if !secs.is_finite() {
        return Err(format!("{what} must be a finite number, got `{s}`"));
    }
    if secs < 0.0 {
        return Err(format!("{what} cannot be negative, got {secs}"));
    }
    Ok(secs)
}

/// Parses `--hit-cost`: seconds (0 allowed, at most one year) or a duration.
pub fn parse_hit_cost(s: &str) -> Result<f64, String> {
    let secs = parse_seconds(s, "the hit cost")?;
    let max = crate::engine::MAX_COST_S;
    if secs > max {
        return Err(format!(
            "the hit cost must be at most one year ({max} s), got `{s}`"
        ));
    }
    Ok(secs)
}

/// Parses `--ttl`: seconds, a duration, or `never`/`none`.
pub fn parse_ttl(s: &str) -> Result<Ttl, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "never" | "none" => Ok(Ttl(None)),
        _ => {
            let secs = parse_seconds(s, "the TTL")?;
            if secs == 0.0 {
                return Err("the TTL must be positive (use `never` for no expiry)".to_string());
            }
            Duration::try_from_secs_f64(secs)
                .map(|d| Ttl(Some(d)))
                .map_err(|e| format!("the TTL `{s}` is out of range: {e}"))
        }
    }
}

/// Parses `--max-entries` / `--max-bytes`: a count with an optional unit, or `none`.
pub fn parse_limit(s: &str) -> Result<Limit, String> {
    let t = s.trim();
    if matches!(t.to_ascii_lowercase().as_str(), "none" | "unbounded") {
        return Ok(Limit(None));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .replace('_', "")
        .parse()
        .map_err(|_| format!("expected a non-negative whole number (or `none`), got `{s}`"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{s}` (use KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    n.checked_mul(factor)
        .map(|v| Limit(Some(v)))
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_must_be_positive_whole_numbers() {
        assert_eq!(parse_workers("4"), Ok(4));
        assert!(parse_workers("0").is_err());
        assert!(parse_workers("-1").unwrap_err().contains("at least 1"));
        assert!(parse_workers("two").is_err());
    }

    #[test]
    fn hit_cost_allows_zero_and_refuses_negative() {
        assert_eq!(parse_hit_cost("0"), Ok(0.0));
        assert_eq!(parse_hit_cost("0.05"), Ok(0.05));
        assert_eq!(parse_hit_cost("50ms"), Ok(0.05));
        assert!(parse_hit_cost("-0.1").unwrap_err().contains("negative"));
        assert!(parse_hit_cost("NaN").is_err());
        assert_eq!(parse_hit_cost("365days"), Ok(crate::engine::MAX_COST_S));
        assert!(parse_hit_cost("1e12").unwrap_err().contains("one year"));
        assert!(parse_hit_cost("1e300").unwrap_err().contains("one year"));
    }

    #[test]
    fn ttl_accepts_seconds_durations_and_never() {
        assert_eq!(parse_ttl("90"), Ok(Ttl(Some(Duration::from_secs(90)))));
        assert_eq!(parse_ttl("24h"), Ok(Ttl(Some(Duration::from_secs(86_400)))));
        assert_eq!(parse_ttl("never"), Ok(Ttl(None)));
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("-5").is_err());
    }

    #[test]
    fn limits_accept_units_and_none() {
        assert_eq!(parse_limit("1000"), Ok(Limit(Some(1000))));
        assert_eq!(parse_limit("1GiB"), Ok(Limit(Some(1 << 30))));
        assert_eq!(parse_limit("64 MB"), Ok(Limit(Some(64_000_000))));
        assert_eq!(parse_limit("none"), Ok(Limit(None)));
        assert!(parse_limit("-3").is_err());
        assert!(parse_limit("5 parsecs").is_err());
    }
}
