//! Structural problems of a document: its JSON Schema violations, worded the way serde
//! words the same mistakes, so every message of the loader reads alike.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::path::{FieldPath, Segment};
use crate::prune;

/// One structural problem: the node it concerns (also the node to cut) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: FieldPath,
    pub message: String,
    /// The schema could only say that none of several forms fit; serde may say which
    /// field is wrong.
    coarse: bool,
}

impl Problem {
    pub fn new(path: FieldPath, message: String) -> Self {
        Problem {
            path,
            message,
            coarse: false,
        }
    }
}

/// Every JSON Schema violation of `document`, refined by what serde says about it.
pub(crate) fn problems<T: DeserializeOwned>(schema: &Value, document: &Value) -> Vec<Problem> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(validator) => validator,
        Err(error) => {
            return vec![Problem {
                path: FieldPath::root(),
                message: format!("internal schema error: {error}"),
                coarse: false,
            }];
        }
    };
    let mut found = Vec::new();
    for error in validator.iter_errors(document) {
        let at = FieldPath::from_pointer(error.instance_path().as_str());
        let instance = error.instance();
        let mut push = |path: FieldPath, message: String, coarse: bool| {
            found.push(Problem {
                path,
                message,
                coarse,
            })
        };
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(schema, error.evaluation_path().as_str());
                for key in unexpected {
                    push(at.key(key), unknown_field(key, allowed.as_deref()), false);
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or(property.to_string(), str::to_owned);
                push(at, format!("missing field `{name}`"), false);
            }
            ValidationErrorKind::Enum { options } => {
                let expected = options
                    .as_array()
                    .map(|values| one_of(values.iter().map(scalar_text)))
                    .unwrap_or_default();
                push(
                    at,
                    format!(
                        "unknown variant `{}`, expected {expected}",
                        scalar_text(instance)
                    ),
                    false,
                );
            }
            ValidationErrorKind::Constant { expected_value } => push(
                at,
                format!(
                    "invalid value: {}, expected `{}`",
                    found_text(instance),
                    scalar_text(expected_value)
                ),
                false,
            ),
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(one) => article(one.as_str()),
                    TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| article(t.as_str()))
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                push(
                    at,
                    format!(
                        "invalid type: {}, expected {expected}",
                        found_text(instance)
                    ),
                    false,
                );
            }
            ValidationErrorKind::OneOfNotValid { .. }
            | ValidationErrorKind::OneOfMultipleValid { .. }
            | ValidationErrorKind::AnyOf { .. } => push(
                at,
                format!(
                    "{} does not fit any of the allowed forms",
                    found_text(instance)
                ),
                true,
            ),
            _ => push(at, lowercase_first(&error.to_string()), false),
        }
    }
    refine_with_serde::<T>(document, &mut found);
    found.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    found.dedup();
    found
}

/// A coarse problem is replaced by the error serde gives inside it: serde knows the
/// exact field and the allowed values. The other problems are cut first, so serde gets
/// as far as every coarse one.
fn refine_with_serde<T: DeserializeOwned>(document: &Value, problems: &mut [Problem]) {
    if !problems.iter().any(|p| p.coarse) {
        return;
    }
    let settled: Vec<FieldPath> = problems
        .iter()
        .filter(|p| !p.coarse)
        .map(|p| p.path.clone())
        .collect();
    let _ = prune::recover_with::<T>(document.clone(), &settled, |path, message| {
        if let Some(coarse) = problems
            .iter_mut()
            .filter(|p| p.coarse && path.0.starts_with(&p.path.0))
            .max_by_key(|p| p.path.0.len())
        {
            *coarse = Problem::new(path.clone(), message);
        }
    });
}

/// serde's wording for a key the model does not have.
fn unknown_field(key: &str, allowed: Option<&[String]>) -> String {
    match allowed {
        Some([]) => format!("unknown field `{key}`, there are no fields"),
        Some(names) => format!(
            "unknown field `{key}`, expected {}",
            one_of(names.iter().cloned())
        ),
        None => format!("unknown field `{key}`"),
    }
}

/// serde's list of what was expected: `a`, `a` or `b`, one of `a`, `b`, `c`.
fn one_of(names: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [only] => only.clone(),
        [first, second] => format!("{first} or {second}"),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

/// The property names of the schema object whose `additionalProperties` refused a key,
/// found by walking the evaluation path (which passes through `$ref`s) from the root.
fn allowed_keys(schema: &Value, evaluation_path: &str) -> Option<Vec<String>> {
    let mut node = schema;
    let path = FieldPath::from_pointer(evaluation_path);
    let (last, steps) = path.0.split_last()?;
    if *last != Segment::Key("additionalProperties".into()) {
        return None;
    }
    for step in steps {
        node = match step {
            Segment::Key(key) if key == "$ref" => resolve(schema, node.get("$ref")?.as_str()?)?,
            Segment::Key(key) => node.get(key)?,
            Segment::Index(index) => node.get(index).or_else(|| node.get(index.to_string()))?,
        };
    }
    let properties = node.get("properties")?.as_object()?;
    Some(properties.keys().cloned().collect())
}

/// A local `#/…` reference inside `schema`.
fn resolve<'a>(schema: &'a Value, reference: &str) -> Option<&'a Value> {
    schema.pointer(reference.strip_prefix('#')?)
}

/// A scalar as serde quotes it: a string's text, any other value as JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What was found, in serde's words (`integer `3``, `string "x"`, `a map`).
fn found_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("integer `{n}`"),
        Value::Number(n) => format!("floating point `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "a sequence".into(),
        Value::Object(_) => "a map".into(),
    }
}

fn article(kind: &str) -> String {
    match kind {
        "array" => "a sequence".into(),
        "object" => "a map".into(),
        "null" => "null".into(),
        "integer" => "an integer".into(),
        other => format!("a {other}"),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct File {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        colour: Colour,
        size: u32,
    }

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    enum Colour {
        Red,
        Blue,
    }

    fn messages(document: Value) -> Vec<(String, String)> {
        let schema = serde_json::to_value(schemars::schema_for!(File)).unwrap();
        problems::<File>(&schema, &document)
            .into_iter()
            .map(|p| (p.path.to_string(), p.message))
            .collect()
    }

    #[test]
    fn schema_violations_read_like_serde_errors() {
        let found = messages(json!({
            "name": 3,
            "items": [{"colour": "green", "size": 1, "shade": "dark"}, {"colour": "red"}],
            "verb": "x"
        }));
        assert_eq!(
            found,
            [
                (
                    "items[0].colour".into(),
                    "unknown variant `green`, expected `red` or `blue`".into()
                ),
                (
                    "items[0].shade".into(),
                    "unknown field `shade`, expected `colour` or `size`".into()
                ),
                ("items[1]".into(), "missing field `size`".into()),
                (
                    "name".into(),
                    "invalid type: integer `3`, expected a string".into()
                ),
                (
                    "verb".into(),
                    "unknown field `verb`, expected `name` or `items`".into()
                ),
            ]
        );
    }

    #[test]
    fn serde_names_the_unknown_field_in_the_same_words() {
        let error = serde_json::from_value::<Item>(json!({"colour": "red", "size": 1, "shade": 2}))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("unknown field `shade`, expected `colour` or `size`"),
            "{error}"
        );
    }
}
