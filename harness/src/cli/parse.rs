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
}
