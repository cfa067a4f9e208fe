//! The sweep's grid: which flag carries the list, its values (each parsed by the flag's own
//! parser), `auto` budgets, and the refusals (empty list, lists on two axes, an unparsable or
//! duplicated value, more than [`MAX_POINTS`] points).

use crate::run::RunOptions;
use reports::sweep::SweepAxis;
use std::time::Duration;
use workloads::units::{ByteBudget, EntryBound, Ttl, Workers};

/// The most points one sweep may have.
pub const MAX_POINTS: usize = 256;
/// Points of an `auto` budget grid.
pub const AUTO_POINTS: usize = 16;
/// The smallest `auto` budget is the footprint divided by this.
pub const AUTO_SPAN: f64 = 1024.0;

/// One value of the swept axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AxisValue {
    /// `--max-entries` (`None`: unbounded).
    MaxEntries(Option<u64>),
    /// `--max-bytes` (`None`: unbounded).
    MaxBytes(Option<u64>),
    /// `--ttl` (`None`: never).
    Ttl(Option<Duration>),
    /// `--workers`.
    Workers(u32),
}

impl AxisValue {
    /// `options` with this value set.
    pub fn apply(self, options: RunOptions) -> RunOptions {
        match self {
            AxisValue::MaxEntries(v) => RunOptions {
                max_entries: Some(v),
                ..options
            },
            AxisValue::MaxBytes(v) => RunOptions {
                max_bytes: Some(v),
                ..options
            },
            AxisValue::Ttl(v) => RunOptions {
                ttl: Some(v),
                ..options
            },
            AxisValue::Workers(w) => RunOptions {
                workers: w,
                ..options
            },
        }
    }

    /// Ordering key: ascending, unbounded/never last.
    fn order(&self) -> (bool, f64) {
        match *self {
            AxisValue::MaxEntries(v) | AxisValue::MaxBytes(v) => {
                (v.is_none(), v.unwrap_or(0) as f64)
            }
            AxisValue::Ttl(v) => (v.is_none(), v.map_or(0.0, |d| d.as_secs_f64())),
            AxisValue::Workers(w) => (false, f64::from(w)),
        }
    }
}

/// The four axis flags as given (each a single value or a comma-separated list).
#[derive(Debug, Clone, Default)]
pub struct AxisFlags {
    /// `--max-entries`.
    pub max_entries: Option<String>,
    /// `--max-bytes`.
    pub max_bytes: Option<String>,
    /// `--ttl`.
    pub ttl: Option<String>,
    /// `--workers`.
    pub workers: Option<String>,
}

/// The grid a command line asks for, before `auto` is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The swept axis.
    pub axis: SweepAxis,
    /// Its values (empty with `auto`), ascending.
    pub values: Vec<AxisValue>,
    /// `auto`: 16 log-spaced budgets up to the trace's footprint.
    pub auto: bool,
    /// The single values of the other axes, applied to every point.
    pub fixed: Vec<AxisValue>,
}

fn items(s: &str) -> Vec<&str> {
    s.split(',').map(str::trim).collect()
}

fn parse_value(axis: SweepAxis, s: &str) -> Result<AxisValue, String> {
    let flag = axis.flag();
    let wrap = |e: workloads::units::UnitError| format!("{flag}: `{s}`: {e}");
    Ok(match axis {
        SweepAxis::MaxEntries => {
            AxisValue::MaxEntries(s.parse::<EntryBound>().map_err(wrap)?.get())
        }
        SweepAxis::MaxBytes => AxisValue::MaxBytes(s.parse::<ByteBudget>().map_err(wrap)?.get()),
        SweepAxis::Ttl => AxisValue::Ttl(s.parse::<Ttl>().map_err(wrap)?.get()),
        SweepAxis::Workers => AxisValue::Workers(s.parse::<Workers>().map_err(wrap)?.get()),
    })
}

/// Reads the axis flags into a grid.
///
/// # Errors
///
/// A message naming the flag: no axis given, lists on two axes, an empty list or item, an
/// unparsable or duplicated value, `auto` outside a budget or inside a list, more than
/// [`MAX_POINTS`] points.
pub fn parse_grid(flags: &AxisFlags) -> Result<Grid, String> {
    let given: Vec<(SweepAxis, &str)> = [
        (SweepAxis::MaxEntries, &flags.max_entries),
        (SweepAxis::MaxBytes, &flags.max_bytes),
        (SweepAxis::Ttl, &flags.ttl),
        (SweepAxis::Workers, &flags.workers),
    ]
    .into_iter()
    .filter_map(|(axis, v)| v.as_deref().map(|v| (axis, v)))
    .collect();
    let is_list = |v: &str| v.contains(',') || v.trim().eq_ignore_ascii_case("auto");
    let lists: Vec<SweepAxis> = given
        .iter()
        .filter(|(_, v)| is_list(v))
        .map(|(a, _)| *a)
        .collect();
    let axis = match (lists.as_slice(), given.as_slice()) {
        ([axis], _) => *axis,
        ([], [(axis, _)]) => *axis,
        ([], []) => {
            return Err(
                "give the values to sweep: --max-entries, --max-bytes, --ttl or --workers \
                 with a comma-separated list (or `auto` for a budget)"
                    .to_string(),
            );
        }
        ([], _) => {
            return Err(
                "several axes have a single value: give one of them a comma-separated list \
                 to sweep"
                    .to_string(),
            );
        }
        (many, _) => {
            let flags: Vec<&str> = many.iter().map(|a| a.flag()).collect();
            return Err(format!(
                "lists on {} at once: sweep one axis per call, with fixed values for the others",
                flags.join(" and ")
            ));
        }
    };
    let mut fixed = Vec::new();
    let mut values = Vec::new();
    let mut auto = false;
    for (a, v) in &given {
        if *a != axis {
            if v.trim().eq_ignore_ascii_case("auto") {
                return Err(format!("{}: `auto` only for the swept budget", a.flag()));
            }
            fixed.push(parse_value(*a, v)?);
            continue;
        }
        let list = items(v);
        if list.len() == 1 && list[0].eq_ignore_ascii_case("auto") {
            if !axis.is_budget() {
                return Err(format!(
                    "{}: `auto` is for --max-entries and --max-bytes only; give the values",
                    axis.flag()
                ));
            }
            auto = true;
            continue;
        }
        if list.iter().all(|s| s.is_empty()) {
            return Err(format!("{}: the list is empty", axis.flag()));
        }
        if list.len() > MAX_POINTS {
            return Err(format!(
                "{}: {} points, at most {MAX_POINTS} per sweep",
                axis.flag(),
                list.len()
            ));
        }
        for item in list {
            if item.is_empty() {
                return Err(format!(
                    "{}: an empty item in `{v}` (two commas, or a trailing comma)",
                    axis.flag()
                ));
            }
            if item.eq_ignore_ascii_case("auto") {
                return Err(format!("{}: `auto` cannot be part of a list", axis.flag()));
            }
            let value = parse_value(axis, item)?;
            if values.contains(&value) {
                return Err(format!(
                    "{}: `{item}` is in the list twice (as the same value)",
                    axis.flag()
                ));
            }
            values.push(value);
        }
    }
    values.sort_by(|a, b| {
        let (ua, va) = a.order();
        let (ub, vb) = b.order();
        ua.cmp(&ub).then(va.total_cmp(&vb))
    });
    Ok(Grid {
        axis,
        values,
        auto,
        fixed,
    })
}

/// `AUTO_POINTS` log-spaced budgets from `footprint / AUTO_SPAN` to `footprint` (at least 1,
/// duplicates from rounding removed).
pub fn auto_budgets(footprint: u64) -> Vec<u64> {
    let top = footprint.max(1) as f64;
    let bottom = (top / AUTO_SPAN).max(1.0);
    let mut out: Vec<u64> = (0..AUTO_POINTS)
        .map(|i| {
            let t = i as f64 / (AUTO_POINTS - 1) as f64;
            (bottom * (top / bottom).powf(t)).round().max(1.0) as u64
        })
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(entries: Option<&str>, bytes: Option<&str>) -> AxisFlags {
        AxisFlags {
            max_entries: entries.map(str::to_string),
            max_bytes: bytes.map(str::to_string),
            ..AxisFlags::default()
        }
    }

    #[test]
    fn a_list_is_sorted_with_unbounded_last() {
        let g = parse_grid(&flags(Some("1000,none,100"), Some("1GiB"))).map_err(|e| e.to_string());
        let Ok(g) = g else { panic!("{g:?}") };
        assert_eq!(g.axis, SweepAxis::MaxEntries);
        assert_eq!(
            g.values,
            vec![
                AxisValue::MaxEntries(Some(100)),
                AxisValue::MaxEntries(Some(1000)),
                AxisValue::MaxEntries(None)
            ]
        );
        assert_eq!(g.fixed, vec![AxisValue::MaxBytes(Some(1 << 30))]);
    }

    #[test]
    fn bad_grids_are_refused_with_the_flag_named() {
        let err = |f: AxisFlags| parse_grid(&f).err().unwrap_or_default();
        assert!(err(flags(Some(""), None)).contains("empty"));
        assert!(
            err(flags(Some("1,2"), Some("3,4"))).contains("two")
                || err(flags(Some("1,2"), Some("3,4"))).contains("at once")
        );
        assert!(err(flags(Some("10,ten"), None)).contains("--max-entries: `ten`"));
        assert!(err(flags(None, Some("1KiB,1024"))).contains("twice"));
        let many = (1..=257)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(err(flags(Some(&many), None)).contains("at most 256"));
        assert!(err(flags(None, None)).contains("give the values"));
        assert!(
            err(AxisFlags {
                ttl: Some("auto".into()),
                ..AxisFlags::default()
            })
            .contains("auto")
        );
    }

    #[test]
    fn auto_is_sixteen_log_spaced_budgets_up_to_the_footprint() {
        let b = auto_budgets(1 << 30);
        assert_eq!(b.len(), 16);
        assert_eq!(b.last(), Some(&(1 << 30)));
        assert_eq!(b.first(), Some(&(1 << 20)));
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }
}
