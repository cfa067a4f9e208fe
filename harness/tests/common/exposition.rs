//! A strict reader of the OpenMetrics text that `GET /metrics` serves, for tests: every line must
//! be a valid exposition line, every sample must belong to the family its `# TYPE` declared (with
//! the suffixes that type allows), histograms must be cumulative, and the text must end with
//! `# EOF`. Any violation panics naming the line.

#![allow(dead_code)]

use std::collections::BTreeMap;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One metric family: its `# TYPE`, `# HELP` and samples, in text order.
#[derive(Debug, Clone, Default)]
pub struct Family {
    pub kind: String,
    pub help: String,
    pub samples: Vec<Sample>,
}

/// A parsed exposition, families by name.
#[derive(Debug, Default)]
pub struct Exposition {
    pub families: BTreeMap<String, Family>,
}

impl Exposition {
    /// The family `name` (as named by its `# TYPE` line); panics if absent.
    pub fn family(&self, name: &str) -> &Family {
        self.families
            .get(name)
            .unwrap_or_else(|| panic!("no family {name}; have {:?}", self.families.keys()))
    }

    /// The value of the sample `sample` of family `family` with exactly `labels`.
    pub fn value(&self, family: &str, sample: &str, labels: &[(&str, &str)]) -> f64 {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.family(family)
            .samples
            .iter()
            .find(|s| s.name == sample && s.labels == want)
            .map(|s| s.value)
            .unwrap_or_else(|| panic!("no sample {sample}{labels:?} in family {family}"))
    }
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => s.parse().ok(),
        _ => None,
    }
}

/// `{k="v",...}` at the start of `s`: the labels and the rest after `}`.
fn parse_labels(s: &str) -> Option<(BTreeMap<String, String>, &str)> {
    let mut rest = s.strip_prefix('{')?;
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('}') {
        return Some((labels, after));
    }
    loop {
        let eq = rest.find('=')?;
        let key = &rest[..eq];
        if !is_label_name(key) {
            return None;
        }
        rest = rest[eq + 1..].strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    _ => return None,
                },
                (_, '\n') => return None,
                (_, c) => value.push(c),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            return None; // a label twice
        }
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        rest = rest.strip_prefix(',')?;
    }
}

fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' ']).unwrap_or(line.len());
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return None;
    }
    let (labels, rest) = match line[name_end..].starts_with('{') {
        true => parse_labels(&line[name_end..])?,
        false => (BTreeMap::new(), &line[name_end..]),
    };
    let value = parse_value(rest.strip_prefix(' ')?)?;
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// The sample-name suffixes a family of `kind` may use.
fn suffixes(kind: &str) -> &'static [&'static str] {
    match kind {
        "counter" => &["_total", "_created"],
        "gauge" | "unknown" => &[""],
        "histogram" => &["_bucket", "_count", "_sum", "_created"],
        _ => &[],
    }
}

/// Parses `text`, panicking on the first invalid line.
pub fn parse(text: &str) -> Exposition {
    let body = text
        .strip_suffix("# EOF\n")
        .unwrap_or_else(|| panic!("the exposition does not end with \"# EOF\\n\":\n{text}"));
    let mut exposition = Exposition::default();
    let mut current: Option<String> = None;
    // A `# HELP` is held until its family's `# TYPE`, which must come next.
    let mut pending_help: Option<(String, String)> = None;
    for (n, line) in body.lines().enumerate() {
        let bad = |why: &str| -> ! { panic!("line {}: {why}: {line:?}\n{text}", n + 1) };
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (keyword, name, rest) = match (parts.next(), parts.next(), parts.next()) {
                (Some(k), Some(name), Some(rest)) => (k, name, rest),
                _ => bad("a comment that is not # HELP/# TYPE/# UNIT name text"),
            };
            if !is_metric_name(name) {
                bad("invalid metric name");
            }
            if exposition.families.contains_key(name) && keyword != "UNIT" {
                bad("a family declared twice (or families interleaved)");
            }
            match keyword {
                "HELP" => {
                    if pending_help
                        .replace((name.to_owned(), rest.to_owned()))
                        .is_some()
                    {
                        bad("a # HELP after a # HELP without # TYPE");
                    }
                }
                "TYPE" => {
                    if suffixes(rest).is_empty() {
                        bad("unknown metric type");
                    }
                    let help = match pending_help.take() {
                        Some((of, help)) if of == name => help,
                        Some(_) => bad("a # TYPE after another family's # HELP"),
                        None => String::new(),
                    };
                    exposition.families.insert(
                        name.to_owned(),
                        Family {
                            kind: rest.to_owned(),
                            help,
                            samples: Vec::new(),
                        },
                    );
                    current = Some(name.to_owned());
                }
                "UNIT" => {
                    if current.as_deref() != Some(name) {
                        bad("# UNIT of a family other than the current one");
                    }
                }
                _ => bad("unknown comment keyword"),
            }
            continue;
        }
        if pending_help.is_some() {
            bad("a sample after # HELP without # TYPE");
        }
        if line.starts_with('#') || line.is_empty() {
            bad("neither a comment nor a sample");
        }
        let sample = parse_sample(line).unwrap_or_else(|| bad("not name{labels} value"));
        let family_name = current
            .clone()
            .unwrap_or_else(|| bad("a sample before any # TYPE"));
        let family = exposition
            .families
            .get_mut(&family_name)
            .unwrap_or_else(|| bad("a sample of an undeclared family"));
        let allowed = suffixes(&family.kind)
            .iter()
            .any(|suffix| sample.name == format!("{family_name}{suffix}"));
        if !allowed {
            bad(&format!(
                "a sample name not allowed in the {} family {family_name}",
                family.kind
            ));
        }
        if family.kind == "counter" && (sample.value.is_nan() || sample.value < 0.0) {
            bad("a negative or NaN counter");
        }
        if sample.name.ends_with("_bucket") != sample.labels.contains_key("le") {
            bad("le on a non-bucket sample or a bucket without le");
        }
        family.samples.push(sample);
    }
    assert!(
        pending_help.is_none(),
        "a # HELP without its # TYPE:\n{text}"
    );
    for (name, family) in &exposition.families {
        if family.kind == "histogram" {
            check_histogram(name, family);
        }
    }
    exposition
}

/// Buckets ascend and are cumulative, and `+Inf` equals `_count`, for every label set.
fn check_histogram(name: &str, family: &Family) {
    let without_le = |s: &Sample| {
        let mut labels = s.labels.clone();
        labels.remove("le");
        labels
    };
    let mut series: BTreeMap<_, Vec<&Sample>> = BTreeMap::new();
    for s in family
        .samples
        .iter()
        .filter(|s| s.name.ends_with("_bucket"))
    {
        series.entry(without_le(s)).or_default().push(s);
    }
    assert!(!series.is_empty(), "histogram {name} without buckets");
    for (labels, buckets) in series {
        let bounds: Vec<f64> = buckets
            .iter()
            .map(|b| parse_value(&b.labels["le"]).expect("le is a number"))
            .collect();
        assert!(
            bounds.windows(2).all(|w| w[0] < w[1]) && bounds.last() == Some(&f64::INFINITY),
            "{name}{labels:?}: bounds {bounds:?} not ascending to +Inf"
        );
        assert!(
            buckets.windows(2).all(|w| w[0].value <= w[1].value),
            "{name}{labels:?}: buckets not cumulative"
        );
        let count = family
            .samples
            .iter()
            .find(|s| s.name == format!("{name}_count") && s.labels == labels)
            .unwrap_or_else(|| panic!("{name}{labels:?}: no _count"));
        assert_eq!(
            buckets.last().map(|b| b.value),
            Some(count.value),
            "{name}{labels:?}: +Inf bucket != _count"
        );
        assert!(
            family
                .samples
                .iter()
                .any(|s| s.name == format!("{name}_sum") && s.labels == labels),
            "{name}{labels:?}: no _sum"
        );
    }
}
