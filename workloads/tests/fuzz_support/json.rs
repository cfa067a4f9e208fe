//! Structure-aware mutation of JSON documents for the fuzz tests of `reports` and `harness`
//! (included with `#[path]`): the document stays valid JSON, one value at a time is replaced by
//! an extreme or mistyped one, or a member is removed or added — what byte mutations rarely
//! reach, since they break the syntax first.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// Replacement values: extremes, wrong types, empties.
fn interesting(i: &Index) -> Value {
    let all = [
        json!(0),
        json!(-1),
        json!(1),
        json!(1e308),
        json!(-1e308),
        json!(5e-324),
        json!(0.5),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(u32::MAX as u64 + 1),
        json!(""),
        json!("x"),
        json!("1e308"),
        json!("x".repeat(5000)),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!([1, 2]),
        json!({"unknown": 1}),
    ];
    all[i.index(all.len())].clone()
}

/// Every value slot of `v`, as paths of object keys / array indices.
fn slots(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(path.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                path.push(Step::Key(k.clone()));
                slots(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Step::At(i));
                slots(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::At(i) => v.get_mut(*i),
    })
}

/// One edit: (which slot, what to do, which value).
fn edit(doc: &mut Value, slot: &Index, action: u8, value: &Index) {
    let mut all = Vec::new();
    slots(doc, &mut Vec::new(), &mut all);
    let path = all[slot.index(all.len())].clone();
    match action % 4 {
        // Replace the value.
        0 | 1 => {
            if let Some(v) = at(doc, &path) {
                *v = interesting(value);
            }
        }
        // Remove the member (or array element).
        2 => {
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            match (at(doc, parent), last) {
                (Some(Value::Object(map)), Step::Key(k)) => {
                    map.remove(k);
                }
                (Some(Value::Array(items)), Step::At(i)) if *i < items.len() => {
                    items.remove(*i);
                }
                _ => {}
            }
        }
        // Add a member with an unknown name, or an array element.
        _ => match at(doc, &path) {
            Some(Value::Object(map)) => {
                map.insert("unexpected_field".into(), interesting(value));
            }
            Some(Value::Array(items)) => items.push(interesting(value)),
            _ => {}
        },
    }
}

/// A valid JSON document from `seeds` with 1 to 3 structural edits, serialized compactly.
pub fn json_mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let docs: Vec<Value> = seeds
        .iter()
        .map(|s| serde_json::from_slice(s).expect("JSON seeds are valid JSON"))
        .collect();
    (
        any::<Index>(),
        proptest::collection::vec((any::<Index>(), any::<u8>(), any::<Index>()), 1..4),
    )
        .prop_map(move |(seed, edits)| {
            let mut doc = docs[seed.index(docs.len())].clone();
            for (slot, action, value) in &edits {
                edit(&mut doc, slot, *action, value);
            }
            serde_json::to_vec(&doc).unwrap_or_default()
        })
}
