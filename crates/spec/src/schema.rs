//! JSON Schemas of the spec file kinds, generated from the model.
//!
//! The same schemas are checked in under `spec/` for editors and used by the loader.

use crate::model::{ApiFile, SchemeFile, VectorFile};

pub fn scheme_file() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(SchemeFile)).expect("schema serializes")
}

pub fn api_file() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ApiFile)).expect("schema serializes")
}

pub fn vector_file() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(VectorFile)).expect("schema serializes")
}

/// Every checked-in schema: path relative to the repository root, and its pretty JSON.
pub fn checked_in() -> Vec<(&'static str, String)> {
    let pretty = |value: serde_json::Value| {
        let mut text = serde_json::to_string_pretty(&value).expect("schema serializes");
        text.push('\n');
        text
    };
    vec![
        ("spec/scheme.schema.json", pretty(scheme_file())),
        ("spec/api.schema.json", pretty(api_file())),
        ("spec/vectors.schema.json", pretty(vector_file())),
    ]
}
