//! Runs golden vectors: sign each input and compare every expected stage in the
//! order the family produces them, so a failure names the first stage that differs.

use std::path::Path;

use paysmith_sign::{SchemeFamily, VerifyError, sign_input, verify_input};
use paysmith_spec::Spec;
use paysmith_spec::model::{Vector, VectorFile, VectorMode, VectorStatus};

/// The result of one vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub scheme: String,
    pub id: String,
    pub status: VectorStatus,
    /// `None` when every expected stage matched.
    pub failure: Option<String>,
}

/// Every outcome, in spec order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.failure.is_none()).count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "passed": self.passed(),
            "failed": self.failed(),
            "vectors": self.outcomes.iter().map(|o| serde_json::json!({
                "scheme": o.scheme,
                "id": o.id,
                "status": o.status,
                "passed": o.failure.is_none(),
                "message": o.failure,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Checks one vector against a family.
pub fn check(family: &SchemeFamily, vector: &Vector) -> Result<(), String> {
    if vector.mode == VectorMode::Verify {
        let valid = vector.expect.get("valid").map(String::as_str) == Some("true");
        return match (verify_input(family, &vector.input), valid) {
            (Ok(_), true) => Ok(()),
            (Err(VerifyError::Input(e)), _) => Err(e.to_string()),
            (Err(e), true) => Err(format!("expected to verify, but: {e}")),
            (Ok(_), false) => Err("verified, but the vector says it must not".into()),
            (Err(_), false) => Ok(()),
        };
    }
    let trace = sign_input(family, &vector.input).map_err(|e| e.to_string())?;
    for expected in vector.expect.keys() {
        if trace.get(expected).is_none() {
            return Err(format!(
                "stage {expected}: no such stage in the {} family",
                family.name()
            ));
        }
    }
    for stage in trace.iter() {
        if let Some(expected) = vector.expect.get(stage.name)
            && expected != &stage.value
        {
            return Err(format!(
                "stage {}: expected {expected}, got {}",
                stage.name, stage.value
            ));
        }
    }
    Ok(())
}

fn run_file(spec: &Spec, scheme_id: &str, vectors: &[Vector], report: &mut Report) {
    let family = spec.scheme(scheme_id).map(|s| &s.signing);
    for vector in vectors {
        let failure = match family {
            Some(family) => check(family, vector).err(),
            None => Some(format!("unknown scheme `{scheme_id}`")),
        };
        report.outcomes.push(Outcome {
            scheme: scheme_id.to_owned(),
            id: vector.id.clone(),
            status: vector.status,
            failure,
        });
    }
}

/// Every vector of the spec (scheme files and the vector files they name), then
/// those of `extra` vector files.
pub fn run_all(spec: &Spec, extra: &[VectorFile]) -> Report {
    let mut report = Report::default();
    for scheme in &spec.schemes {
        run_file(spec, &scheme.value.id, &scheme.value.vectors, &mut report);
        for file in spec
            .vector_files
            .iter()
            .filter(|f| f.value.scheme == scheme.value.id)
        {
            run_file(spec, &file.value.scheme, &file.value.vectors, &mut report);
        }
    }
    for file in extra {
        run_file(spec, &file.scheme, &file.vectors, &mut report);
    }
    report
}

/// Reads a vector file, naming the file in any error.
pub fn read_file(path: &Path) -> Result<VectorFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a vector file: {e}", path.display()))
}
