//! Decoding `{code, message, data}` style envelopes.

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, RawBody};
use crate::transport::RawResponse;

/// Field names and the success code of an API's response envelope.
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeShape {
    pub code_field: &'static str,
    pub message_field: &'static str,
    pub data_field: &'static str,
    pub success_code: i64,
}

/// Decodes an enveloped response; `Ok(None)` when the envelope carries no data.
///
/// A provider error code becomes [`ErrorKind::Provider`], a non-JSON body
/// [`ErrorKind::NotJson`], and data that does not fit `T` [`ErrorKind::Decode`] with
/// the JSON path of the first mismatch. Every error keeps the raw body.
pub fn decode<T: DeserializeOwned>(
    operation: &'static str,
    model: &'static str,
    shape: &EnvelopeShape,
    response: RawResponse,
) -> Result<Option<T>, Error> {
    let fail = |kind| Error::new(operation, kind);
    let RawResponse { status, body, .. } = response;
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            let kind = if (200..300).contains(&status) {
                ErrorKind::NotJson {
                    status,
                    problem: error.to_string(),
                    body: RawBody(body),
                }
            } else {
                ErrorKind::Http {
                    status,
                    body: RawBody(body),
                }
            };
            return Err(fail(kind));
        }
    };
    let code = value.get(shape.code_field).and_then(code_of);
    let Some(code) = code else {
        let kind = if (200..300).contains(&status) {
            ErrorKind::Decode {
                model,
                path: shape.code_field.to_owned(),
                message: "missing or not an integer".into(),
                body: RawBody(body),
            }
        } else {
            ErrorKind::Http {
                status,
                body: RawBody(body),
            }
        };
        return Err(fail(kind));
    };
    if code != shape.success_code {
        let message = value
            .get(shape.message_field)
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_owned();
        return Err(fail(ErrorKind::Provider {
            status,
            code: Some(code.to_string()),
            message,
            body: RawBody(body),
        }));
    }
    match value.get(shape.data_field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(data) => match serde_path_to_error::deserialize(data) {
            Ok(decoded) => Ok(Some(decoded)),
            Err(error) => {
                let inner = error.path().to_string();
                let path = if inner == "." {
                    shape.data_field.to_owned()
                } else {
                    format!("{}.{inner}", shape.data_field)
                };
                Err(fail(ErrorKind::Decode {
                    model,
                    path,
                    message: error.into_inner().to_string(),
                    body: RawBody(body),
                }))
            }
        },
    }
}

/// Like [`decode`], for endpoints that must answer data.
pub fn decode_required<T: DeserializeOwned>(
    operation: &'static str,
    model: &'static str,
    shape: &EnvelopeShape,
    response: RawResponse,
) -> Result<T, Error> {
    let body = response.body.clone();
    decode(operation, model, shape, response)?.ok_or_else(|| {
        Error::new(
            operation,
            ErrorKind::Decode {
                model,
                path: shape.data_field.to_owned(),
                message: "missing".into(),
                body: RawBody(body),
            },
        )
    })
}

fn code_of(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: EnvelopeShape = EnvelopeShape {
        code_field: "code",
        message_field: "message",
        data_field: "data",
        success_code: 200,
    };

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Rate {
        #[serde(rename = "buyRate")]
        buy_rate: String,
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse::new(status, body)
    }

    #[test]
    fn success_returns_data() {
        let rate: Rate = decode_required(
            "get_rate",
            "Rate",
            &SHAPE,
            raw(
                200,
                r#"{"code":200,"message":"Success","data":{"buyRate":"6.47"}}"#,
            ),
        )
        .unwrap();
        assert_eq!(rate.buy_rate, "6.47");
    }

    #[test]
    fn provider_code_is_a_provider_error_with_the_body() {
        let body = r#"{"code":1001,"message":"sign error"}"#;
        let error = decode::<Rate>("get_rate", "Rate", &SHAPE, raw(200, body)).unwrap_err();
        assert_eq!(error.provider_code(), Some("1001"));
        assert_eq!(error.provider_message(), Some("sign error"));
        assert_eq!(error.raw_body(), Some(body.as_bytes()));
        assert_eq!(
            error.to_string(),
            "get_rate: provider error 1001 (HTTP 200): sign error"
        );
    }

    #[test]
    fn html_error_page_is_kept() {
        let error = decode::<Rate>(
            "get_rate",
            "Rate",
            &SHAPE,
            raw(502, "<html>bad gateway</html>"),
        )
        .unwrap_err();
        assert!(matches!(error.kind, ErrorKind::Http { status: 502, .. }));
        assert_eq!(
            error.raw_body(),
            Some("<html>bad gateway</html>".as_bytes())
        );
    }

    #[test]
    fn decode_error_names_the_path() {
        let error = decode::<Rate>(
            "get_rate",
            "Rate",
            &SHAPE,
            raw(200, r#"{"code":200,"message":"ok","data":{"buyRate":6}}"#),
        )
        .unwrap_err();
        match error.kind {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "data.buyRate"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
