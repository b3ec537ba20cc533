//! A bigger spec made from the real one: every API's endpoints and models copied
//! `factor - 1` more times under new names, so code generation can be timed against
//! spec size. Everything stays in memory.

use paysmith_spec::Spec;
use serde_json::Value;

/// Spec sizes the code generation benchmark times, as multiples of the real spec.
pub const FACTORS: [usize; 3] = [1, 10, 100];

/// First line of every API file (the loader insists on it).
const API_MODELINE: &str = "# yaml-language-server: $schema=../api.schema.json";

/// Every file of `spec` as (path, contents), API files grown `factor` times.
pub fn grown_files(spec: &Spec, factor: usize) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = spec
        .schemes
        .iter()
        .map(|l| (path_of(&l.path), l.text.clone()))
        .chain(
            spec.vector_files
                .iter()
                .map(|l| (path_of(&l.path), l.text.clone())),
        )
        .collect();
    for api in &spec.apis {
        let text = if factor <= 1 {
            api.text.clone()
        } else {
            grow_api(&api.text, factor)
        };
        files.push((path_of(&api.path), text));
    }
    files
}

fn path_of(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Endpoints over every API of a loaded spec.
pub fn endpoint_count(spec: &Spec) -> usize {
    spec.apis.iter().map(|l| l.value.endpoints.len()).sum()
}

/// One API file with its endpoints and models copied `factor - 1` times. Copies are
/// renamed (`ModelCopy3`, `endpoint_copy3`, `/copy3/...`) and refer to each other,
/// never to the originals.
pub fn grow_api(text: &str, factor: usize) -> String {
    let mut api: Value = serde_norway::from_str(text).expect("a loaded API file parses");
    let models: Vec<Value> = api["models"].as_array().cloned().unwrap_or_default();
    let endpoints: Vec<Value> = api["endpoints"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = models
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_owned))
        .collect();
    for copy in 1..factor {
        let rename = |ty: &str| rename_models(ty, &names, copy);
        for model in &models {
            let mut model = model.clone();
            model["name"] = Value::String(format!(
                "{}Copy{copy}",
                model["name"].as_str().unwrap_or_default()
            ));
            if let Some(fields) = model["fields"].as_array_mut() {
                for field in fields {
                    if let Some(ty) = field["type"].as_str() {
                        field["type"] = Value::String(rename(ty));
                    }
                }
            }
            push(&mut api, "models", model);
        }
        for endpoint in &endpoints {
            let mut endpoint = endpoint.clone();
            let id = endpoint["id"].as_str().unwrap_or_default();
            endpoint["id"] = Value::String(format!("{id}_copy{copy}"));
            let path = endpoint["path"].as_str().unwrap_or_default();
            endpoint["path"] = Value::String(format!("/copy{copy}{path}"));
            for key in ["request", "response"] {
                if let Some(ty) = endpoint[key].as_str() {
                    endpoint[key] = Value::String(rename(ty));
                }
            }
            push(&mut api, "endpoints", endpoint);
        }
    }
    let yaml = serde_norway::to_string(&api).expect("a JSON value serialises as YAML");
    format!("{API_MODELINE}\n{yaml}")
}

fn push(api: &mut Value, key: &str, item: Value) {
    if let Some(list) = api[key].as_array_mut() {
        list.push(item);
    }
}

/// `ty` with every model name in it (whole identifiers only) given the copy's suffix:
/// `list<PendingSignature>` becomes `list<PendingSignatureCopy2>`.
fn rename_models(ty: &str, names: &[String], copy: usize) -> String {
    let mut out = String::with_capacity(ty.len() + 8);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(word);
        if names.iter().any(|n| n == word) {
            out.push_str(&format!("Copy{copy}"));
        }
        word.clear();
    };
    for c in ty.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_renamed_as_whole_words() {
        let names = ["Rate".to_owned(), "PendingSignature".to_owned()];
        assert_eq!(
            rename_models("list<PendingSignature>", &names, 2),
            "list<PendingSignatureCopy2>"
        );
        assert_eq!(rename_models("RateRequest", &names, 2), "RateRequest");
        assert_eq!(rename_models("Rate", &names, 3), "RateCopy3");
        assert_eq!(rename_models("string", &names, 3), "string");
    }

    #[test]
    fn a_grown_spec_loads_with_every_copy() {
        let spec = paysmith_spec::load(&crate::fixtures::root()).expect("the spec loads");
        let files = grown_files(&spec, 3);
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let grown = paysmith_spec::load_embedded(&borrowed).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(endpoint_count(&grown), 3 * endpoint_count(&spec));
        let models = |s: &Spec| s.apis.iter().map(|l| l.value.models.len()).sum::<usize>();
        assert_eq!(models(&grown), 3 * models(&spec));
        let generated = xtask::codegen::generate_from(&grown);
        assert_eq!(generated.len(), xtask::codegen::generate_from(&spec).len());
    }
}
