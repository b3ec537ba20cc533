//! Generated code may not grow past its recorded size (no timing here: the build times
//! in the record are figures, not checks).

use paysmith_bench::generated_size::{RECORD, excess, generated_lines, read_record};

#[test]
fn generated_code_stays_within_its_recorded_size() {
    let root = paysmith_bench::fixtures::root();
    let files = xtask::codegen::generate(&root).unwrap_or_else(|d| panic!("{d}"));
    let now = generated_lines(&files);
    assert!(
        now.len() >= 6,
        "every API has a models and a client crate: {now:?}"
    );
    let record = read_record(&root).unwrap_or_else(|e| panic!("{e}"));
    let problems = excess(&now, &record);
    assert!(
        problems.is_empty(),
        "generated code outgrew {RECORD}:\n{}\nIf the growth is intended, run \
         `scripts/compile-cost.sh --record` and commit the new figures with the change.",
        problems.join("\n")
    );
}
