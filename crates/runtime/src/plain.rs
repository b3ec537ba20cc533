//! Decoding JSON responses of APIs without a `{code, message, data}` envelope: the
//! payload is the body itself or sits in a data field, and errors come as an error body.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind, RawBody};
use crate::transport::RawResponse;

mod fast;

/// Where a successful payload sits and what an error body looks like.
#[derive(Clone, Copy, Debug)]
pub struct BodyShape {
    /// Successful payloads are wrapped in this field (`{"data": …}`) when the body has
    /// it; a body without it is the payload itself.
    pub data_field: Option<&'static str>,
    pub error: Option<ErrorShape>,
}

/// An error body: `{"errors": "Not found"}`, `{"error": "…"}` or
/// `{"status": "error", "code": "…", "message": "…"}`.
#[derive(Clone, Copy, Debug)]
pub struct ErrorShape {
    /// Fields that may hold the message, in order of preference. A string in the first
    /// one marks an error body whatever the HTTP status.
    pub message_fields: &'static [&'static str],
    /// Field holding the provider's code, kept as its JSON text.
    pub code_field: Option<&'static str>,
    /// `(field, value)`: a body where `field` is the string `value` is an error body
    /// whatever the HTTP status.
    pub error_status: Option<(&'static str, &'static str)>,
}

impl BodyShape {
    /// A bare body and no documented error body.
    pub const BARE: BodyShape = BodyShape {
        data_field: None,
        error: None,
    };
}

impl ErrorShape {
    /// The message and code of `value` when it is an error body; `status_failed` says
    /// whether the HTTP status already marks a failure.
    pub(crate) fn read(
        &self,
        value: &Value,
        status_failed: bool,
    ) -> Option<(Option<String>, String)> {
        let object = value.as_object()?;
        let marked = self.error_status.is_some_and(|(field, marker)| {
            object.get(field).and_then(Value::as_str) == Some(marker)
        });
        let primary = self
            .message_fields
            .first()
            .and_then(|field| message_in(object.get(*field)?));
        let message = primary.clone().or_else(|| {
            self.message_fields
                .iter()
                .skip(1)
                .find_map(|field| message_in(object.get(*field)?))
        });
        if !(marked || primary.is_some() || (status_failed && message.is_some())) {
            return None;
        }
        let code = self
            .code_field
            .and_then(|field| object.get(field))
            .and_then(|code| match code {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            });
        Some((code, message.unwrap_or_default()))
    }
}

/// A message: a string, or an object's `message` string (`{"type": …, "message": …}`).
fn message_in(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Object(object) => object.get("message")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// Decodes a response into `T`. An error body (see [`ErrorShape`]) becomes
/// [`ErrorKind::Provider`]; any other non-2xx status [`ErrorKind::Http`]; a 2xx body
/// that is not JSON [`ErrorKind::NotJson`]; one that does not fit `T`
/// [`ErrorKind::Decode`] naming the JSON path. Every error keeps the raw body.
pub fn decode<T: DeserializeOwned>(
    operation: &'static str,
    model: &'static str,
    shape: &BodyShape,
    response: RawResponse,
) -> Result<T, Error> {
    if let Some(decoded) = fast::decode(shape, &response) {
        return Ok(decoded);
    }
    decode_via_value(operation, model, shape, response)
}

/// [`decode`] through a `serde_json::Value`: every answer the fast path does not
/// take, so errors are classified and worded the same either way.
fn decode_via_value<T: DeserializeOwned>(
    operation: &'static str,
    model: &'static str,
    shape: &BodyShape,
    response: RawResponse,
) -> Result<T, Error> {
    let RawResponse { status, body, .. } = response;
    let fail = |kind| Error::new(operation, kind);
    let failed = !(200..300).contains(&status);
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            let body = RawBody(body);
            return Err(fail(if failed {
                ErrorKind::Http { status, body }
            } else {
                ErrorKind::NotJson {
                    status,
                    problem: error.to_string(),
                    body,
                }
            }));
        }
    };
    if let Some((code, message)) = shape.error.as_ref().and_then(|e| e.read(&value, failed)) {
        return Err(fail(ErrorKind::Provider {
            status,
            code,
            message,
            body: RawBody(body),
        }));
    }
    if failed {
        return Err(fail(ErrorKind::Http {
            status,
            body: RawBody(body),
        }));
    }
    let (payload, prefix) = match shape.data_field {
        Some(field) if value.get(field).is_some() => (&value[field], Some(field)),
        _ => (&value, None),
    };
    serde_path_to_error::deserialize(payload).map_err(|error| {
        let inner = error.path().to_string();
        let path = match (prefix, inner.as_str()) {
            (Some(prefix), ".") => prefix.to_owned(),
            (Some(prefix), inner) => format!("{prefix}.{inner}"),
            (None, inner) => inner.to_owned(),
        };
        fail(ErrorKind::Decode {
            model,
            path,
            message: error.into_inner().to_string(),
            body: RawBody(body.clone()),
        })
    })
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The top-level fields of a request model as (name, text) pairs, in field order;
/// absent (`null`) fields are left out. Nested values are refused.
pub fn form_pairs<T: serde::Serialize>(
    operation: &'static str,
    request: &T,
) -> Result<Vec<(String, String)>, Error> {
    let fail = |message: String| Error::new(operation, ErrorKind::Build(message));
    let value = serde_json::to_value(request).map_err(|e| fail(e.to_string()))?;
    let serde_json::Value::Object(object) = value else {
        return Err(fail("a form request must be a struct".into()));
    };
    let mut pairs = Vec::with_capacity(object.len());
    for (key, value) in object {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(text) => pairs.push((key, text)),
            serde_json::Value::Number(number) => pairs.push((key, number.to_string())),
            serde_json::Value::Bool(flag) => pairs.push((key, flag.to_string())),
            _ => return Err(fail(format!("field `{key}` cannot be form-encoded"))),
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BITPRO: BodyShape = BodyShape {
        data_field: None,
        error: Some(ErrorShape {
            message_fields: &["errors"],
            code_field: None,
            error_status: None,
        }),
    };

    const BITPAY: BodyShape = BodyShape {
        data_field: Some("data"),
        error: Some(ErrorShape {
            message_fields: &["error", "message"],
            code_field: Some("code"),
            error_status: Some(("status", "error")),
        }),
    };

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Rate {
        code: String,
        rate: rust_decimal::Decimal,
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse::new(status, body)
    }

    #[test]
    fn error_bodies_become_provider_errors() {
        let error = decode::<serde_json::Value>(
            "get_client",
            "Client",
            &BITPRO,
            raw(404, r#"{"errors": "Not found"}"#),
        )
        .unwrap_err();
        assert_eq!(error.provider_message(), Some("Not found"));
        assert_eq!(error.provider_code(), None);
        assert_eq!(
            error.to_string(),
            "get_client: provider error (HTTP 404): Not found"
        );
    }

    #[test]
    fn other_failures_keep_the_body() {
        let error =
            decode::<serde_json::Value>("ping", "Ping", &BITPRO, raw(503, "<html>down</html>"))
                .unwrap_err();
        assert!(matches!(error.kind, ErrorKind::Http { status: 503, .. }));
        assert_eq!(error.raw_body(), Some("<html>down</html>".as_bytes()));
        let error =
            decode::<u32>("ping", "Ping", &BodyShape::BARE, raw(200, "<html>")).unwrap_err();
        assert!(matches!(error.kind, ErrorKind::NotJson { .. }), "{error}");
    }

    #[test]
    fn data_field_is_unwrapped_and_exact() {
        let rate: Rate = decode(
            "get_rate",
            "Rate",
            &BITPAY,
            raw(
                200,
                r#"{"data":{"code":"USD","rate":41248.11000000000001}}"#,
            ),
        )
        .unwrap();
        assert_eq!(rate.rate.to_string(), "41248.11000000000001");
        let bare: Rate = decode(
            "get_rate",
            "Rate",
            &BITPAY,
            raw(200, r#"{"code":"EUR","rate":1}"#),
        )
        .unwrap();
        assert_eq!(bare.code, "EUR");
    }

    #[test]
    fn decode_errors_name_the_path_inside_the_data_field() {
        let error = decode::<Rate>(
            "get_rate",
            "Rate",
            &BITPAY,
            raw(
                200,
                r#"{"facade":"merchant","data":{"code":"USD","rate":"x"}}"#,
            ),
        )
        .unwrap_err();
        match error.kind {
            ErrorKind::Decode { path, model, .. } => {
                assert_eq!((model, path.as_str()), ("Rate", "data.rate"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn both_bitpay_error_shapes_are_provider_errors_with_any_status() {
        let coded =
            r#"{"status":"error","code":"010207","data":null,"message":"Invoice not found"}"#;
        let error = decode::<Rate>("get_invoice", "Invoice", &BITPAY, raw(200, coded)).unwrap_err();
        assert_eq!(error.provider_code(), Some("010207"));
        assert_eq!(error.provider_message(), Some("Invoice not found"));
        let plain = r#"{"error":"Unauthorized sin"}"#;
        let error = decode::<Rate>("get_invoice", "Invoice", &BITPAY, raw(401, plain)).unwrap_err();
        assert_eq!(error.provider_code(), None);
        assert_eq!(error.provider_message(), Some("Unauthorized sin"));
        let typed = r#"{"error":{"type":"validationError","message":"Price must be positive"}}"#;
        let error =
            decode::<Rate>("create_invoice", "Invoice", &BITPAY, raw(400, typed)).unwrap_err();
        assert_eq!(error.provider_message(), Some("Price must be positive"));
    }

    #[test]
    fn a_message_field_alone_marks_an_error_only_with_a_failed_status() {
        #[derive(serde::Deserialize, Debug)]
        struct Note {
            message: String,
        }
        let note: Note =
            decode("note", "Note", &BITPAY, raw(200, r#"{"message":"hello"}"#)).unwrap();
        assert_eq!(note.message, "hello");
        let error =
            decode::<Note>("note", "Note", &BITPAY, raw(500, r#"{"message":"down"}"#)).unwrap_err();
        assert_eq!(error.provider_message(), Some("down"));
    }

    #[test]
    fn the_fast_path_reads_what_the_value_path_reads() {
        let bodies = [
            r#"{"facade":"merchant","data":{"code":"USD","rate":41248.11000000000001}}"#,
            r#"{"data":{"code":"USD","rate":1},"data":{"code":"EUR","rate":2}}"#,
            r#"{"code":"EUR","rate":1.50}"#,
            r#"{"status":"ok","data":{"code":"USD","rate":3}}"#,
        ];
        for body in bodies {
            let response = raw(200, body);
            let fast: Rate = fast::decode(&BITPAY, &response).expect("taken by the fast path");
            let via_value: Rate = decode_via_value("get_rate", "Rate", &BITPAY, response).unwrap();
            assert_eq!(fast, via_value, "{body}");
        }
        let list: Vec<Rate> = fast::decode(
            &BITPRO,
            &raw(200, r#"[{"code":"USD","rate":1},{"code":"EUR","rate":2}]"#),
        )
        .expect("a bare list");
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn the_fast_path_leaves_errors_and_misfits_to_the_value_path() {
        for (status, body) in [
            (
                200,
                r#"{"status":"error","code":"010207","message":"Invoice not found"}"#,
            ),
            (200, r#"{"error":"Unauthorized sin"}"#),
            (404, r#"{"data":{"code":"USD","rate":1}}"#),
            (200, r#"{"data":{"code":"USD","rate":"x"}}"#),
            (200, r#"{"data":{"code":"USD","rate":1}} trailing"#),
        ] {
            assert_eq!(
                fast::decode::<Rate>(&BITPAY, &raw(status, body)),
                None,
                "{body}"
            );
        }
        assert_eq!(
            fast::decode::<Rate>(
                &BITPRO,
                &raw(200, r#"{"errors":"Not found","code":"x","rate":1}"#)
            ),
            None
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("BT-C798980"), "BT-C798980");
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
    }
}
