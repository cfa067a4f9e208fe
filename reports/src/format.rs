//! Number, byte and duration formatting, and file-name slugs: the one copy, shared by the tables
//! and the charts here and by the harness's printed summary, so all of them say the same thing.

/// A fraction 0..=1 as a percentage with one decimal: `0.7` → `70.0 %`.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

/// A speedup factor: `3.30×`, `9.6×`, `2,492×`.
pub(crate) fn speedup(factor: f64) -> String {
    if !factor.is_finite() {
        return "n/a".to_string();
    }
    if factor >= 100.0 {
        format!("{}×", thousands(factor.round() as u64))
    } else if factor >= 10.0 {
        format!("{factor:.1}×")
    } else {
        format!("{factor:.2}×")
    }
}

/// A factor as plainly as it was stated, without padding decimals: `3.1`, `3`, `2,492`, `0.5`.
pub(crate) fn plain_number(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    if value >= 1000.0 {
        thousands(value.round() as u64)
    } else if (value - value.round()).abs() < 1e-6 {
        format!("{}", value.round() as i64)
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// An integer with thousands separators: `100000` → `100,000`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A duration in seconds, in the unit a reader grasps: `0.050 s`, `124.6 s`, `41.5 min`, `3.5 h`, `144.2 d`.
pub(crate) fn seconds(value: f64) -> String {
    if value == 0.0 {
        return "0 s".to_string();
    }
    let unit = TimeUnit::for_max(value);
    let scaled = value / unit.seconds;
    if unit.seconds == 1.0 && value < 1.0 {
        format!("{scaled:.3} s")
    } else if scaled >= 1000.0 {
        format!("{} {}", thousands(scaled.round() as u64), unit.symbol)
    } else {
        format!("{scaled:.1} {}", unit.symbol)
    }
}

/// A byte count in binary units: `512 B`, `1.5 KiB`, `12.0 MiB`.
pub fn bytes(value: u64) -> String {
    let unit = ByteUnit::for_max(value as f64);
    if unit.bytes == 1.0 {
        format!("{value} B")
    } else {
        format!("{:.1} {}", value as f64 / unit.bytes, unit.symbol)
    }
}

/// A single duration in the largest sensible unit, for prose: "42.0 µs", "50.0 ms", "12.34 s",
/// "4.2 min", "3.50 h", "8.60 days" (charts and tables, whose values share one unit, use the
/// column's unit instead).
///
/// ```
/// assert_eq!(reports::format::duration(0.05), "50.0 ms");
/// assert_eq!(reports::format::duration(2_492.0 * 124.6), "3.59 days");
/// ```
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.2} s")
    } else if s < 2.0 * 3600.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 48.0 * 3600.0 {
        format!("{:.2} h", s / 3600.0)
    } else {
        format!("{:.2} days", s / 86_400.0)
    }
}

/// A signed relative change `(new - old) / old` as a percentage: `+4.2 %`, `-10.0 %`.
pub(crate) fn relative_change(old: f64, new: f64) -> String {
    if old == 0.0 {
        return if new == 0.0 {
            "0.0 %".into()
        } else {
            "n/a".into()
        };
    }
    signed((new - old) / old * 100.0, "%")
}

/// `+1.2 unit`, `-0.4 unit`, and a plain `0.0 unit` when the change rounds to nothing (never `-0.0`).
fn signed(value: f64, unit: &str) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        format!("0.0 {unit}")
    } else {
        format!("{rounded:+.1} {unit}")
    }
}

/// A signed difference in percentage points between two fractions: `+1.5 pp`.
pub(crate) fn point_change(old_fraction: f64, new_fraction: f64) -> String {
    signed((new_fraction - old_fraction) * 100.0, "pp")
}

/// A time unit chosen so the largest value of a chart reads as a small number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeUnit {
    pub seconds: f64,
    /// Smallest value (in seconds) shown in this unit.
    pub from: f64,
    pub symbol: &'static str,
    pub name: &'static str,
}

impl TimeUnit {
    pub(crate) fn for_max(max_seconds: f64) -> Self {
        const UNITS: [TimeUnit; 4] = [
            TimeUnit {
                seconds: 86_400.0,
                from: 2.0 * 86_400.0,
                symbol: "d",
                name: "days",
            },
            TimeUnit {
                seconds: 3_600.0,
                from: 2.0 * 3_600.0,
                symbol: "h",
                name: "hours",
            },
            // Generation costs (~2 min) stay in seconds so they read like the claim's 124.6 s.
            TimeUnit {
                seconds: 60.0,
                from: 600.0,
                symbol: "min",
                name: "minutes",
            },
            TimeUnit {
                seconds: 1.0,
                from: 0.0,
                symbol: "s",
                name: "seconds",
            },
        ];
        UNITS
            .into_iter()
            .find(|unit| max_seconds >= unit.from)
            .unwrap_or(UNITS[3])
    }
}

/// A byte unit chosen so the largest value of a chart reads as a small number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ByteUnit {
    pub bytes: f64,
    pub symbol: &'static str,
}

impl ByteUnit {
    pub(crate) fn for_max(max_bytes: f64) -> Self {
        const UNITS: [ByteUnit; 4] = [
            ByteUnit {
                bytes: 1_073_741_824.0,
                symbol: "GiB",
            },
            ByteUnit {
                bytes: 1_048_576.0,
                symbol: "MiB",
            },
            ByteUnit {
                bytes: 1_024.0,
                symbol: "KiB",
            },
            ByteUnit {
                bytes: 1.0,
                symbol: "B",
            },
        ];
        UNITS
            .into_iter()
            .find(|unit| max_bytes >= unit.bytes)
            .unwrap_or(UNITS[3])
    }
}

/// The warm-up in words, as the summary and the reports state it: `first 2,000 requests
/// (10.00 %) left out as warm-up`; `None` without a warm-up.
///
/// ```
/// use reports::format::warmup;
/// assert_eq!(
///     warmup(2_000, 20_000).as_deref(),
///     Some("first 2,000 requests (10.00 %) left out as warm-up")
/// );
/// assert_eq!(warmup(0, 20_000), None);
/// ```
pub fn warmup(warmup_requests: u64, total_requests: u64) -> Option<String> {
    (warmup_requests > 0).then(|| {
        let share = if total_requests > 0 {
            warmup_requests as f64 * 100.0 / total_requests as f64
        } else {
            0.0
        };
        format!(
            "first {} request{} ({share:.2} %) left out as warm-up",
            thousands(warmup_requests),
            if warmup_requests == 1 { "" } else { "s" }
        )
    })
}

/// A file-name-safe form of a workload or input label: lowercase ASCII, digits and `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "run".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedups_read_like_the_claims() {
        assert_eq!(speedup(2492.0), "2,492×");
        assert_eq!(speedup(9.6), "9.60×");
        assert_eq!(speedup(12.5), "12.5×");
        assert_eq!(speedup(3.3), "3.30×");
        assert_eq!(speedup(f64::NAN), "n/a");
    }

    #[test]
    fn stated_numbers_keep_their_precision() {
        assert_eq!(plain_number(3.1), "3.1");
        assert_eq!(plain_number(3.0), "3");
        assert_eq!(plain_number(0.5), "0.5");
        assert_eq!(plain_number(2492.0), "2,492");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(seconds(0.05), "0.050 s");
        assert_eq!(seconds(0.0), "0 s");
        assert_eq!(seconds(124.6), "124.6 s");
        assert_eq!(seconds(1_800.0), "30.0 min");
        assert_eq!(seconds(12_460_000.0), "144.2 d");
        assert_eq!(seconds(7_200.0), "2.0 h");
        assert_eq!(seconds(2806.1 * 86_400.0), "2,806 d");
    }

    #[test]
    fn bytes_and_changes() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1_048_576), "3.0 MiB");
        assert_eq!(relative_change(2.0, 3.0), "+50.0 %");
        assert_eq!(relative_change(0.0, 3.0), "n/a");
        assert_eq!(point_change(0.70, 0.715), "+1.5 pp");
        assert_eq!(relative_change(153.0, 152.95), "0.0 %");
        assert_eq!(point_change(0.5, 0.4), "-10.0 pp");
        assert_eq!(bytes(1_474_560), "1.4 MiB");
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("typical"), "typical");
        assert_eq!(slug("web07.trace.xz"), "web07-trace-xz");
        assert_eq!(slug("  "), "run");
        assert_eq!(slug("Seed Example"), "seed-example");
    }
}
