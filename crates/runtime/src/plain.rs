//! Decoding bare JSON responses, with an `{"<field>": "message"}` error body.

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, RawBody};
use crate::transport::RawResponse;

/// Decodes a 2xx body into `T`; any other status becomes [`ErrorKind::Provider`] when
/// the body carries a string in `error_field`, else [`ErrorKind::Http`]. Every error
/// keeps the raw body; a body that does not fit names the JSON path.
pub fn decode<T: DeserializeOwned>(
    operation: &'static str,
    model: &'static str,
    error_field: Option<&str>,
    response: RawResponse,
) -> Result<T, Error> {
    let RawResponse { status, body, .. } = response;
    let fail = |kind| Error::new(operation, kind);
    if !(200..300).contains(&status) {
        let message = error_field.and_then(|field| {
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()?
                .get(field)?
                .as_str()
                .map(str::to_owned)
        });
        let body = RawBody(body);
        return Err(fail(match message {
            Some(message) => ErrorKind::Provider {
                status,
                code: None,
                message,
                body,
            },
            None => ErrorKind::Http { status, body },
        }));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(&body);
    match serde_path_to_error::deserialize(deserializer) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let kind = if inner.is_syntax() || inner.is_eof() {
                ErrorKind::NotJson {
                    status,
                    problem: inner.to_string(),
                    body: RawBody(body),
                }
            } else {
                ErrorKind::Decode {
                    model,
                    path,
                    message: inner.to_string(),
                    body: RawBody(body),
                }
            };
            Err(fail(kind))
        }
    }
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

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse::new(status, body)
    }

    #[test]
    fn error_bodies_become_provider_errors() {
        let error = decode::<serde_json::Value>(
            "get_client",
            "Client",
            Some("errors"),
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
        let error = decode::<serde_json::Value>(
            "ping",
            "Ping",
            Some("errors"),
            raw(503, "<html>down</html>"),
        )
        .unwrap_err();
        assert!(matches!(error.kind, ErrorKind::Http { status: 503, .. }));
        let error = decode::<u32>("ping", "Ping", None, raw(200, "<html>")).unwrap_err();
        assert!(matches!(error.kind, ErrorKind::NotJson { .. }), "{error}");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("BT-C798980"), "BT-C798980");
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
    }
}
