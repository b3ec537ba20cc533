//! Turns a request's body or query into the JSON value of its request model, the way
//! the spec says the fields travel.
//!
//! Form and query values are text on the wire; the model's field types say which of
//! them are integers or booleans, so a handler can parse the value into the generated
//! model as if it had arrived as JSON. Values that do not parse stay text, and the
//! handler's own parsing names them.

use std::collections::BTreeMap;

use paysmith_spec::model::{EnumRepr, Method, RequestEncoding};
use paysmith_spec::types::TypeRef;
use serde_json::{Map, Value};

use crate::api_spec::ApiSpec;

/// Where an endpoint's request fields are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestSource {
    /// A JSON object body.
    JsonBody,
    /// An `application/x-www-form-urlencoded` body.
    FormBody,
    /// The query string, form-encoded.
    Query,
}

impl RequestSource {
    /// GET and DELETE carry their fields in the query whatever the encoding (the
    /// merchant API's `GET /mapi/charges?page=1`, Bitpro v1's GET parameters); other
    /// methods in the body, in the API's encoding.
    pub fn of(method: Method, encoding: RequestEncoding) -> Self {
        match (method, encoding) {
            (Method::Get | Method::Delete, _) => RequestSource::Query,
            (_, RequestEncoding::Json) => RequestSource::JsonBody,
            (_, RequestEncoding::Form) => RequestSource::FormBody,
        }
    }
}

/// How a text field becomes JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextAs {
    Integer,
    Boolean,
    Text,
}

/// The wire types of a request model's fields, for reading form values.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldTypes(BTreeMap<String, TextAs>);

impl FieldTypes {
    pub fn of_model(api: &ApiSpec, model: Option<&str>) -> Self {
        let Some(model) = model.and_then(|name| api.model(name)) else {
            return FieldTypes::default();
        };
        let fields = model
            .fields
            .iter()
            .map(|field| {
                let text_as = match TypeRef::parse(&field.ty) {
                    Ok(TypeRef::Integer) => TextAs::Integer,
                    Ok(TypeRef::Boolean) => TextAs::Boolean,
                    Ok(TypeRef::Named(name)) => match api.enum_def(&name).map(|e| e.repr) {
                        Some(EnumRepr::Integer) => TextAs::Integer,
                        _ => TextAs::Text,
                    },
                    _ => TextAs::Text,
                };
                (field.name.clone(), text_as)
            })
            .collect();
        FieldTypes(fields)
    }

    fn typed(&self, key: &str, text: String) -> Value {
        match self.0.get(key) {
            Some(TextAs::Integer) => match text.parse::<i64>() {
                Ok(number) => Value::from(number),
                Err(_) => Value::String(text),
            },
            Some(TextAs::Boolean) => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text),
            },
            Some(TextAs::Text) | None => Value::String(text),
        }
    }
}

/// The request's fields as JSON: the parsed body for a JSON body (`null` when empty),
/// an object of the form fields otherwise.
pub(crate) fn decode(
    source: RequestSource,
    fields: &FieldTypes,
    body: &[u8],
    query: &str,
) -> Result<Value, String> {
    match source {
        RequestSource::JsonBody if body.iter().all(u8::is_ascii_whitespace) => Ok(Value::Null),
        RequestSource::JsonBody => {
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
        }
        RequestSource::FormBody => form(fields, body).map_err(|e| format!("the form body {e}")),
        RequestSource::Query => {
            form(fields, query.as_bytes()).map_err(|e| format!("the query {e}"))
        }
    }
}

fn form(fields: &FieldTypes, encoded: &[u8]) -> Result<Value, String> {
    let mut object = Map::new();
    for (key, value) in form_urlencoded::parse(encoded) {
        let key = key.into_owned();
        if object.contains_key(&key) {
            return Err(format!("has `{key}` more than once"));
        }
        let value = fields.typed(&key, value.into_owned());
        object.insert(key, value);
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> FieldTypes {
        FieldTypes(BTreeMap::from([
            ("page".to_owned(), TextAs::Integer),
            ("h5".to_owned(), TextAs::Boolean),
            ("amount".to_owned(), TextAs::Text),
        ]))
    }

    #[test]
    fn form_values_take_the_model_types() {
        let value = decode(
            RequestSource::Query,
            &types(),
            b"",
            "page=2&h5=true&amount=0.12&address=2Mz%2Bx+y",
        )
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"page": 2, "h5": true, "amount": "0.12", "address": "2Mz+x y"})
        );
        let unparsable = decode(RequestSource::FormBody, &types(), b"page=two", "").unwrap();
        assert_eq!(unparsable, serde_json::json!({"page": "two"}));
    }

    #[test]
    fn duplicates_and_bad_json_are_refused_and_empty_json_is_null() {
        let duplicate = decode(RequestSource::Query, &types(), b"", "page=1&page=2").unwrap_err();
        assert!(duplicate.contains("`page` more than once"), "{duplicate}");
        assert!(decode(RequestSource::JsonBody, &types(), b"{", "").is_err());
        assert_eq!(
            decode(RequestSource::JsonBody, &types(), b" ", "").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn get_reads_the_query_whatever_the_encoding() {
        assert_eq!(
            RequestSource::of(Method::Get, RequestEncoding::Json),
            RequestSource::Query
        );
        assert_eq!(
            RequestSource::of(Method::Post, RequestEncoding::Form),
            RequestSource::FormBody
        );
        assert_eq!(
            RequestSource::of(Method::Post, RequestEncoding::Json),
            RequestSource::JsonBody
        );
    }
}
