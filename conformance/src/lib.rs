//! Shared helpers of the conformance suite. The tests live in `tests/`; the per-API
//! glue in `generated/` is written by `cargo xtask codegen`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod generated;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the conformance crate lives in the repository root")
        .to_path_buf()
}

/// Loads the spec, failing with every diagnostic.
pub fn spec() -> paysmith_spec::Spec {
    paysmith_spec::load(&root()).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// Parses `json` into `T` (naming the JSON path of a mismatch) and serialises it back.
pub fn roundtrip_as<T: DeserializeOwned + Serialize>(
    json: &str,
) -> Result<serde_json::Value, String> {
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    let value: T = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))?;
    serde_json::to_value(&value).map_err(|e| e.to_string())
}

pub use generated::roundtrip;
