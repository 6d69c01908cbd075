//! The derive's error messages: every `tests/ui/*.rs` must fail to compile with exactly the
//! checked-in `.stderr`. Re-bless with `TRYBUILD=overwrite cargo test --test compiletest` after a
//! toolchain upgrade, then read the diff.

#[cfg_attr(miri, ignore)]
#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
