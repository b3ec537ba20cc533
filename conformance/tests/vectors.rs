//! Every vector of every scheme (documented, derived, external), checked stage by stage
//! by the same runner as `paysmith vectors check`.

use paysmith_cli::vectors::{check, run_all};
use paysmith_spec::model::VectorStatus;

#[test]
fn every_vector_of_the_spec_holds() {
    let spec = paysmith_conformance::spec();
    let report = run_all(&spec, &[]);
    let failures: Vec<String> = report
        .outcomes
        .iter()
        .filter_map(|o| {
            o.failure
                .as_ref()
                .map(|f| format!("{}/{}: {f}", o.scheme, o.id))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for status in [
        VectorStatus::Documented,
        VectorStatus::Derived,
        VectorStatus::External,
    ] {
        assert!(
            report.outcomes.iter().any(|o| o.status == status),
            "no {status:?} vector at all"
        );
    }
}

#[test]
fn a_changed_expected_value_fails_at_its_stage() {
    let spec = paysmith_conformance::spec();
    let scheme = spec.scheme("onebitpay-md5").unwrap();
    let mut vector = scheme.vectors[0].clone();
    let stage = vector.expect.keys().next().unwrap().clone();
    vector.expect.insert(stage.clone(), "something else".into());
    let failure = check(&scheme.signing, &vector).unwrap_err();
    assert!(failure.starts_with(&format!("stage {stage}:")), "{failure}");
}
