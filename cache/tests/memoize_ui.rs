//! Misuses of `#[gencache::memoize]` fail to compile, with the messages checked in beside each
//! case in `tests/ui/*.stderr` (regenerate with `TRYBUILD=overwrite` and review the diff).

#[test]
fn misuse_fails_to_compile_with_a_helpful_message() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
