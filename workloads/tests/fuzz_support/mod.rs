//! Property-based fuzzing support shared by the parser fuzz tests of every crate (included with
//! `#[path]` by `reports` and `harness`): how many cases to run, structure-aware mutations of
//! valid inputs, and the regression corpus of inputs that once found a bug.
//!
//! No coverage-guided fuzzer runs on the stable toolchain (`cargo fuzz` needs nightly's
//! `-Zsanitizer`), so these are proptest properties over arbitrary bytes and over valid inputs
//! with byte- and token-level mutations. `GENCACHE_FUZZ_CASES` sets the case count (default 256,
//! for `cargo test`; `.ci/run` runs 100,000 per parser in release).

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use std::path::{Path, PathBuf};

/// Cases per property: `GENCACHE_FUZZ_CASES`, default 256.
pub fn cases() -> u32 {
    std::env::var("GENCACHE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(256)
}

/// The proptest configuration of every fuzz property: [`cases`] cases, no failure-persistence
/// files (inputs that find bugs go to the corpus directory instead, as plain files).
pub fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: None,
        // Shrinking a failing input of a few KiB can take long; a failure is reported anyway.
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// Tokens that often break parsers: extreme numbers, separators, quotes, control bytes,
/// magic numbers, invalid UTF-8.
pub const INTERESTING: &[&[u8]] = &[
    b"0",
    b"-1",
    b"-0",
    b"1e308",
    b"-1e308",
    b"1e-320",
    b"1e400",
    b"nan",
    b"inf",
    b"-inf",
    b"18446744073709551615",
    b"18446744073709551616",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"4294967296",
    b"1_000_000_000_000_000_000",
    b"0x10",
    b"\"\"",
    b"\"",
    b"'",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b" ",
    b"\0",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[[",
    b"=",
    b":",
    b"null",
    b"true",
    b"#",
    b"\\",
    b"\\u0000",
    b"\xff\xfe",
    b"\xc3",
    b"\xe6\x97\xa5",
    b"\x80",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"\x50\x2a\x4d\x18",
    b"\x1f\x8b",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x80",
    b"\x7f\xff\xff\xff",
];

/// One edit of an input. Positions are indices into the input as it is when applied.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip one bit.
    FlipBit(Index, u8),
    /// Overwrite one byte.
    SetByte(Index, u8),
    /// Insert bytes.
    Insert(Index, Vec<u8>),
    /// Insert an [`INTERESTING`] token.
    InsertToken(Index, Index),
    /// Replace a run of bytes with an [`INTERESTING`] token.
    ReplaceWithToken(Index, u8, Index),
    /// Delete up to `n` bytes.
    Delete(Index, u16),
    /// Cut the input.
    Truncate(Index),
    /// Copy a range elsewhere (duplicated records, lines, fields).
    Duplicate(Index, u16, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        (
            any::<Index>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        (any::<Index>(), 1u8..12, any::<Index>())
            .prop_map(|(i, n, t)| Mutation::ReplaceWithToken(i, n, t)),
        (any::<Index>(), 1u16..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1u16..256, any::<Index>())
            .prop_map(|(i, n, to)| Mutation::Duplicate(i, n, to)),
    ]
}

/// Applies `m` to `bytes` (positions wrap around the current length).
pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
    let token = |t: &Index| INTERESTING[t.index(INTERESTING.len())];
    match m {
        Mutation::FlipBit(i, b) if len > 0 => bytes[at(i)] ^= 1 << b,
        Mutation::SetByte(i, v) if len > 0 => bytes[at(i)] = *v,
        Mutation::FlipBit(..) | Mutation::SetByte(..) => {}
        Mutation::Insert(i, v) => {
            let p = at(i);
            bytes.splice(p..p, v.iter().copied());
        }
        Mutation::InsertToken(i, t) => {
            let p = at(i);
            bytes.splice(p..p, token(t).iter().copied());
        }
        Mutation::ReplaceWithToken(i, n, t) => {
            let p = at(i);
            let end = (p + usize::from(*n)).min(len);
            bytes.splice(p..end, token(t).iter().copied());
        }
        Mutation::Delete(i, n) => {
            let p = at(i);
            let end = (p + usize::from(*n)).min(len);
            bytes.drain(p..end);
        }
        Mutation::Truncate(i) => bytes.truncate(at(i)),
        Mutation::Duplicate(i, n, to) => {
            let p = at(i);
            let end = (p + usize::from(*n)).min(len);
            let copy = bytes[p..end].to_vec();
            let dest = at(to);
            bytes.splice(dest..dest, copy);
        }
    }
}

/// A valid input from `seeds` with 1 to 4 mutations applied (few, so that many inputs stay
/// nearly valid and reach deep into the parser).
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty());
    (any::<Index>(), proptest::collection::vec(mutation(), 1..5)).prop_map(move |(seed, edits)| {
        let mut bytes = seeds[seed.index(seeds.len())].clone();
        for m in &edits {
            apply(&mut bytes, m);
        }
        bytes
    })
}

/// Arbitrary bytes, up to `max` long, biased toward [`INTERESTING`] tokens half the time.
pub fn arbitrary_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let tokens = proptest::collection::vec(any::<Index>(), 0..64).prop_map(|picks| {
        picks
            .iter()
            .flat_map(|t| INTERESTING[t.index(INTERESTING.len())].iter().copied())
            .collect::<Vec<u8>>()
    });
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..max), tokens]
}

/// One regression input: the file, its bytes, and what its outcome must (and must not) say.
pub struct CorpusEntry {
    /// The input file.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// From `<file>.expect`: one substring per line that the outcome must contain, or, with a
    /// leading `!`, must not; `#` lines are comments. Empty: the property alone.
    pub expect: Vec<String>,
}

impl CorpusEntry {
    /// Checks `outcome` (a summary of what parsing the input gave) against the expectations.
    pub fn check(&self, outcome: &str) {
        for line in &self.expect {
            match line.strip_prefix('!') {
                Some(banned) => assert!(
                    !outcome.contains(banned),
                    "{}: outcome contains `{banned}`: {outcome}",
                    self.path.display()
                ),
                None => assert!(
                    outcome.contains(line.as_str()),
                    "{}: outcome lacks `{line}`: {outcome}",
                    self.path.display()
                ),
            }
        }
    }
}

/// The corpus directory `tests/fuzz-corpus/<kind>` of the crate at `manifest_dir`: every input
/// file in it (sorted), with its `.expect` sidecar if any. Missing directory = no entries.
pub fn corpus(manifest_dir: &str, kind: &str) -> Vec<CorpusEntry> {
    let dir = Path::new(manifest_dir).join("tests/fuzz-corpus").join(kind);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "expect"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut sidecar = path.clone().into_os_string();
            sidecar.push(".expect");
            let expect = std::fs::read_to_string(&sidecar)
                .map(|text| {
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            CorpusEntry {
                path,
                bytes,
                expect,
            }
        })
        .collect()
}

thread_local! {
    /// Cases of this thread's property (tests run on parallel threads) whose input was accepted
    /// (parsed without error) since the last [`report`].
    static ACCEPTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts a case whose input parsed (for the figures: how deep the fuzzing got).
pub fn accepted() {
    ACCEPTED.with(|n| n.set(n.get() + 1));
}

/// Prints how many cases a property ran, how many inputs parsed, and how long it took (shown
/// with `--nocapture`); resets the accepted count.
pub fn report(parser: &str, strategy: &str, started: std::time::Instant) {
    report_cases(parser, strategy, cases(), started);
}

/// [`report`] for a property run with `cases` cases.
pub fn report_cases(parser: &str, strategy: &str, cases: u32, started: std::time::Instant) {
    let ok = ACCEPTED.with(|n| n.replace(0));
    println!(
        "fuzz {parser:<22} {strategy:<10} {cases:>7} cases ({ok:>6} parsed) in {:>6.2} s",
        started.elapsed().as_secs_f64()
    );
}
