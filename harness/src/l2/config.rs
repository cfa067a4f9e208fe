//! The `--l2*` flags of `harness serve`, their validation, and a URL type whose password never
//! reaches a log line, a config answer or an error message.

use std::fmt;
use std::time::Duration;

/// The L2 flags, flattened into `harness serve`'s arguments.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct L2Args {
    /// Shared second tier: `redis://[:password@]host:port/db`. Every `harness serve` pointing at
    /// the same Redis (and prefix) shares its cached results and its single-flight.
    #[arg(long = "l2", env = "GENCACHE_L2", hide_env_values = true, value_name = "URL",
          value_parser = L2Url::from_flag)]
    pub url: Option<L2Url>,
    /// Prefix of every key this server writes in Redis (values, leases); `POST /api/cache/clear`
    /// with `{"l2": true}` deletes exactly the keys under it.
    #[arg(long = "l2-prefix", env = "GENCACHE_L2_PREFIX", default_value = DEFAULT_PREFIX)]
    pub prefix: String,
    /// Refuse to start when Redis cannot be reached, authenticated or spoken to (default: start
    /// L1-only with a warning, and use Redis once it answers).
    #[arg(long = "l2-required", env = "GENCACHE_L2_REQUIRED")]
    pub required: bool,
    /// Time limit of each Redis call (wall time, e.g. `50ms`): past it the call counts as a
    /// timeout and the request goes on without the L2.
    #[arg(
        long = "l2-timeout",
        env = "GENCACHE_L2_TIMEOUT",
        default_value = "50ms"
    )]
    pub timeout: String,
    /// Lifetime of a generation lease (wall time); the holder renews it every third of it while
    /// it generates, so only a dead holder's lease runs out.
    #[arg(long = "l2-lease", env = "GENCACHE_L2_LEASE", default_value = "10s")]
    pub lease: String,
}

/// Default `--l2-prefix`.
pub const DEFAULT_PREFIX: &str = "gencache:";

impl Default for L2Args {
    fn default() -> Self {
        Self {
            url: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            required: false,
            timeout: "50ms".to_owned(),
            lease: "10s".to_owned(),
        }
    }
}

/// A Redis URL as given. `Debug` and `Display` show it with the password replaced by `***`.
///
/// ```
/// use harness::l2::L2Url;
///
/// let url = L2Url::new("redis://:s3cret@127.0.0.1:6379/0");
/// assert_eq!(url.redacted(), "redis://:***@127.0.0.1:6379/0");
/// assert!(!format!("{url:?} {url}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct L2Url(String);

impl L2Url {
    /// Wraps a URL (checked later, by [`L2Args::validate`]).
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The clap value parser: never fails, so clap never echoes the value (and its password)
    /// in an error; the URL is checked by [`L2Args::validate`] with a redacted message.
    pub fn from_flag(text: &str) -> Result<Self, std::convert::Infallible> {
        Ok(Self::new(text.trim()))
    }

    /// The URL with its password (and a user name's password) replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The password in the URL, if any (to scrub it from foreign error messages).
    fn password(&self) -> Option<&str> {
        let rest = self.0.split_once("://")?.1;
        let userinfo = rest.rsplit_once('@')?.0;
        let password = userinfo.split_once(':')?.1;
        (!password.is_empty()).then_some(password)
    }

    /// Replaces the password wherever it appears in `text` (an error of the Redis client).
    pub fn scrub(&self, text: &str) -> String {
        match self.password() {
            Some(password) => text.replace(password, "***"),
            None => text.to_owned(),
        }
    }

    pub(crate) fn as_secret_str(&self) -> &str {
        &self.0
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable URL>".to_owned();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

impl fmt::Debug for L2Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L2Url({:?})", self.redacted())
    }
}

impl fmt::Display for L2Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The validated L2 settings.
#[derive(Debug, Clone, PartialEq)]
pub struct L2Config {
    /// Where Redis is.
    pub url: L2Url,
    /// Key prefix (values at `PREFIX<hex key>`, leases at `PREFIXlock:<hex key>`).
    pub prefix: String,
    /// Refuse to start without a working Redis.
    pub required: bool,
    /// Limit of each Redis call.
    pub timeout: Duration,
    /// Lease lifetime.
    pub lease: Duration,
}

/// Why the L2 flags were refused. Never contains the password.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid --{flag}: {reason}")]
pub struct L2ConfigError {
    /// The flag (without dashes).
    pub flag: &'static str,
    /// What is wrong, with the URL redacted.
    pub reason: String,
}

fn invalid(flag: &'static str, reason: impl Into<String>) -> L2ConfigError {
    L2ConfigError {
        flag,
        reason: reason.into(),
    }
}

fn duration(
    flag: &'static str,
    text: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, L2ConfigError> {
    let parsed = humantime::parse_duration(text.trim())
        .map_err(|e| invalid(flag, format!("{text:?}: {e} (e.g. 50ms, 2s)")))?;
    if parsed < min || parsed > max {
        return Err(invalid(
            flag,
            format!(
                "{text:?} must be between {} and {}",
                humantime::format_duration(min),
                humantime::format_duration(max)
            ),
        ));
    }
    Ok(parsed)
}

impl L2Args {
    /// `None` without `--l2`; otherwise the checked settings.
    ///
    /// ```
    /// use harness::l2::{L2Args, L2Url};
    ///
    /// let args = L2Args { url: Some(L2Url::new("redis://127.0.0.1:6379")), ..L2Args::default() };
    /// let config = args.validate().unwrap().unwrap();
    /// assert_eq!(config.timeout.as_millis(), 50);
    ///
    /// let bad = L2Args { url: Some(L2Url::new("http://:pw@host")), ..L2Args::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert!(err.contains("redis://") && !err.contains("pw"));
    /// ```
    pub fn validate(&self) -> Result<Option<L2Config>, L2ConfigError> {
        let timeout = duration(
            "l2-timeout",
            &self.timeout,
            Duration::from_millis(1),
            Duration::from_secs(60),
        )?;
        let lease = duration(
            "l2-lease",
            &self.lease,
            Duration::from_millis(100),
            Duration::from_secs(24 * 3600),
        )?;
        if lease < timeout * 3 {
            return Err(invalid(
                "l2-lease",
                "must be at least three times --l2-timeout (it is renewed every third of itself)",
            ));
        }
        let prefix = self.prefix.trim();
        if prefix.is_empty()
            || prefix.contains(['*', '?', '[', ']', '\\'])
            || prefix.contains(char::is_whitespace)
        {
            return Err(invalid(
                "l2-prefix",
                format!(
                    "{prefix:?} must be non-empty, without spaces or glob characters (* ? [ ] \\)"
                ),
            ));
        }
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let text = url.as_secret_str();
        if !text.starts_with("redis://") {
            return Err(invalid(
                "l2",
                format!(
                    "{} must be redis://[:password@]host:port/db (TLS and unix sockets are not supported)",
                    url.redacted()
                ),
            ));
        }
        if let Err(e) = redis::Client::open(text) {
            return Err(invalid(
                "l2",
                format!("{}: {}", url.redacted(), url.scrub(&e.to_string())),
            ));
        }
        Ok(Some(L2Config {
            url: url.clone(),
            prefix: prefix.to_owned(),
            required: self.required,
            timeout,
            lease,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_covers_user_and_password_forms() {
        assert_eq!(
            redact("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://:pw@h:1/0"), "redis://:***@h:1/0");
        assert_eq!(redact("redis://alice:pw@h:1"), "redis://alice:***@h:1");
        assert_eq!(redact("redis://alice@h:1"), "redis://alice@h:1");
        // An '@' inside the password: the host is after the last one.
        assert_eq!(redact("redis://:p@ss@h:1"), "redis://:***@h:1");
        assert_eq!(redact("nonsense"), "<unparsable URL>");
        let url = L2Url::new("redis://:p@ss@h:1");
        assert_eq!(url.scrub("error near p@ss"), "error near ***");
    }

    #[test]
    fn bad_flags_are_named_and_never_echo_the_password() {
        let with = |f: fn(&mut L2Args)| {
            let mut args = L2Args {
                url: Some(L2Url::new("redis://:topsecret@127.0.0.1:1")),
                ..L2Args::default()
            };
            f(&mut args);
            args.validate().unwrap_err()
        };
        assert_eq!(with(|a| a.timeout = "soon".into()).flag, "l2-timeout");
        assert_eq!(with(|a| a.lease = "1ms".into()).flag, "l2-lease");
        assert_eq!(with(|a| a.prefix = "a*".into()).flag, "l2-prefix");
        let scheme = with(|a| a.url = Some(L2Url::new("rediss://:topsecret@h:1")));
        assert_eq!(scheme.flag, "l2");
        assert!(!scheme.to_string().contains("topsecret"), "{scheme}");
        let unparsable = with(|a| a.url = Some(L2Url::new("redis://:topsecret@h:notaport")));
        assert!(
            !unparsable.to_string().contains("topsecret"),
            "{unparsable}"
        );
        assert_eq!(L2Args::default().validate(), Ok(None));
    }
}
