//! The built-in presets, shipped as TOML files in `workloads/presets/` and embedded at build time.

/// (name, TOML text) of every built-in preset, in listing order.
pub(crate) const PRESETS: &[(&str, &str)] = &[
    ("typical", include_str!("../presets/typical.toml")),
    ("busy", include_str!("../presets/busy.toml")),
    ("duplicate", include_str!("../presets/duplicate.toml")),
    ("cold", include_str!("../presets/cold.toml")),
    ("seed-example", include_str!("../presets/seed-example.toml")),
    ("burst", include_str!("../presets/burst.toml")),
    ("churn", include_str!("../presets/churn.toml")),
    ("ttl", include_str!("../presets/ttl.toml")),
    ("mixed-cost", include_str!("../presets/mixed-cost.toml")),
];

/// The directory holding the preset files in the source tree (for tooling that rewrites them).
pub const PRESETS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
