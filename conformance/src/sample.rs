//! A plain instance of any spec model, built from the spec alone: every field present,
//! each with a readable value of its type. Snapshots of signed requests use these, so a
//! model that gains a field shows up in review.

use paysmith_spec::model::{ApiFile, EnumRepr};
use paysmith_spec::types::TypeRef;
use serde_json::{Map, Value, json};

/// The JSON of `model` with every field set.
pub fn model(api: &ApiFile, model: &str) -> Value {
    of_model(api, model, 0)
}

fn of_model(api: &ApiFile, name: &str, depth: usize) -> Value {
    let def = api
        .models
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{}: no model `{name}`", api.id));
    let mut object = Map::new();
    for field in &def.fields {
        let ty = TypeRef::parse(&field.ty).expect("validated type");
        // Optional fields of nested models stop the recursion of self-similar models.
        if depth > 2 && !field.required {
            continue;
        }
        object.insert(field.name.clone(), of_type(api, &field.name, &ty, depth));
    }
    Value::Object(object)
}

fn of_type(api: &ApiFile, field: &str, ty: &TypeRef, depth: usize) -> Value {
    match ty {
        TypeRef::String => Value::String(text_for(field)),
        TypeRef::Integer => json!(1),
        TypeRef::Decimal => json!("10.50"),
        TypeRef::Boolean => json!(true),
        TypeRef::Json => Value::Null,
        TypeRef::List(inner) => json!([of_type(api, field, inner, depth + 1)]),
        TypeRef::Map(inner) => json!({ "USD": of_type(api, field, inner, depth + 1) }),
        TypeRef::Named(name) => match api.enums.iter().find(|e| &e.name == name) {
            Some(def) => {
                let first = def
                    .values
                    .iter()
                    .find(|v| def.repr == EnumRepr::Integer || v.value.is_string())
                    .unwrap_or(&def.values[0]);
                first.value.clone()
            }
            None => of_model(api, name, depth + 1),
        },
    }
}

/// A value that reads as what the field holds.
fn text_for(field: &str) -> String {
    let lower = field.to_ascii_lowercase();
    if lower.contains("email") {
        "buyer@example.com".into()
    } else if lower.contains("url") {
        "https://shop.example/bitpay".into()
    } else if lower.contains("currency") || lower == "code" {
        "USD".into()
    } else if lower.contains("date") || lower.ends_with("time") {
        "2026-11-30T12:00:00.000Z".into()
    } else {
        format!("{field}-1")
    }
}
