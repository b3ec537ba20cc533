//! Copies of the key-shard fixtures kept elsewhere in the repository equal their
//! source, so a regenerated key (conformance/java/regenerate.sh) cannot leave a stale
//! copy behind.

use paysmith_conformance::root;

#[test]
fn the_sandbox_holds_the_fixture_shards_public_key() {
    let read = |path: &str| {
        std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    assert_eq!(
        read("crates/sandbox/fixtures/onebitpay-shard-public.pem"),
        read("conformance/fixtures/onebitpay-mpc-rsa/public.pem"),
        "rerun conformance/java/regenerate.sh (or copy public.pem)"
    );
}
