//! Parsers of the command line's values that are not [`workloads::units`] (those parse
//! themselves, the same way on every surface).

/// Parses `--clients`: a whole number of at least 1.
pub fn parse_clients(s: &str) -> Result<u32, String> {
    let what = "the number of clients";
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number of at least 1, got `{s}`"))?;
    if n < 1 {
        return Err(format!("{what} must be at least 1, got {n}"));
    }
    u32::try_from(n).map_err(|_| format!("{what} must be at most {}, got {n}", u32::MAX))
}

/// Whether a wall-time duration may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    /// Zero means "do not wait" (`serve --shutdown-grace 0s`: drop in-flight requests at once).
    Allowed,
    /// A zero timeout would give up at once: refused.
    Refused,
}

/// The one parser of wall-time durations (`5s`, `500ms`, `2m`; `0s` only where `zero` allows it):
/// `run --target-timeout`, `serve --idle-timeout`, `--shutdown-grace` and friends.
pub fn parse_wall_duration(text: &str, zero: Zero) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?}: {e} (e.g. 5s, 500ms, 2m)"))?;
    if duration.is_zero() && zero == Zero::Refused {
        return Err(format!("{text:?} must be longer than zero"));
    }
    Ok(duration)
}

/// A positive wall-time duration: the clap value parser of the timeout flags.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    parse_wall_duration(text, Zero::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_must_be_positive_whole_numbers() {
        assert_eq!(parse_clients("4"), Ok(4));
        assert!(parse_clients("0").unwrap_err().contains("at least 1"));
        assert!(parse_clients("-1").unwrap_err().contains("at least 1"));
        assert!(parse_clients("two").is_err());
    }

    #[test]
    fn wall_durations_refuse_zero_only_where_asked() {
        use std::time::Duration;
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert!(
            parse_timeout("0s")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert_eq!(parse_wall_duration("0s", Zero::Allowed), Ok(Duration::ZERO));
        assert!(
            parse_wall_duration("soon", Zero::Allowed)
                .unwrap_err()
                .contains("soon")
        );
    }
}
