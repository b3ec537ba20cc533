//! Generated files on disk are exactly what the generator writes from the spec now.

#[test]
fn generated_files_match_the_spec() {
    let root = paysmith_conformance::root();
    let files = xtask::codegen::generate(&root).unwrap_or_else(|d| panic!("{d}"));
    let problems = files.check(&root);
    assert!(
        problems.is_empty(),
        "{}\nrun `{}` and commit the result",
        problems.join("\n"),
        xtask::codegen::COMMAND
    );
}

#[test]
fn generation_is_deterministic() {
    let root = paysmith_conformance::root();
    let first = xtask::codegen::generate(&root).unwrap();
    let second = xtask::codegen::generate(&root).unwrap();
    let a: Vec<_> = first.iter().collect();
    let b: Vec<_> = second.iter().collect();
    assert_eq!(a, b);
}
