//! The generator's output for a small fixture spec that exercises what the real APIs
//! do not (open string enums, decimals written as numbers, optional lists, another
//! sorted-params variant): reviewed as snapshots.

use std::path::Path;

fn generate() -> xtask::files::FileSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    xtask::codegen::generate(&root).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn models_crate_snapshot() {
    let files = generate();
    insta::assert_snapshot!(files.get("crates/mini-models/src/lib.rs").unwrap());
}

#[test]
fn client_crate_snapshot() {
    let files = generate();
    insta::assert_snapshot!(files.get("crates/mini-client/src/lib.rs").unwrap());
    insta::assert_snapshot!(files.get("crates/mini-client/Cargo.toml").unwrap());
}

#[test]
fn output_is_deterministic() {
    let first: Vec<(String, String)> = generate()
        .iter()
        .map(|(p, c)| (p.display().to_string(), c.to_owned()))
        .collect();
    let second: Vec<(String, String)> = generate()
        .iter()
        .map(|(p, c)| (p.display().to_string(), c.to_owned()))
        .collect();
    assert_eq!(first, second);
}

fn generate_facades() -> xtask::files::FileSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facades");
    xtask::codegen::generate(&root).unwrap_or_else(|d| panic!("{d}"))
}

/// One client type per facade; tokens in the body, the query and a resource; a data
/// envelope with coded errors.
#[test]
fn facade_client_snapshot() {
    let files = generate_facades();
    insta::assert_snapshot!(files.get("crates/shop-client/src/lib.rs").unwrap());
}

/// A string enum with a `false` value; error kinds by code, end of code and message.
#[test]
fn facade_models_snapshot() {
    let files = generate_facades();
    insta::assert_snapshot!(files.get("crates/shop-models/src/lib.rs").unwrap());
}
