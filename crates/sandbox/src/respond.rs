//! The shape of an API's answers, from the spec: `{code, message, data}` when the API
//! has an envelope, the bare model otherwise; errors in the envelope or in the API's
//! error body.

use axum::http::StatusCode;
use paysmith_spec::model::ApiFile;
use serde_json::{Map, Value};

use crate::events::Stage;

/// Why a provider refuses a request it could read; the number is both the HTTP status
/// of bare APIs and the envelope `code` of enveloped ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Unprocessable,
    NotImplemented,
    /// The sandbox itself failed (a model that would not serialise).
    Internal,
}

impl Rejection {
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::BadRequest => StatusCode::BAD_REQUEST,
            Rejection::Unauthorized => StatusCode::UNAUTHORIZED,
            Rejection::Forbidden => StatusCode::FORBIDDEN,
            Rejection::NotFound => StatusCode::NOT_FOUND,
            Rejection::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Rejection::Conflict => StatusCode::CONFLICT,
            Rejection::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Rejection::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal in the provider's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    pub rejection: Rejection,
    pub message: String,
    /// The provider's own error code (its JSON text), for APIs whose error body has a
    /// code field.
    pub code: Option<String>,
    /// For a request the provider refuses before acting on it (a capability token that
    /// does not grant the call): the stage and the reason the log gives.
    pub refusal: Option<(Stage, String)>,
}

impl ProviderError {
    pub fn new(rejection: Rejection, message: impl Into<String>) -> Self {
        ProviderError {
            rejection,
            message: message.into(),
            code: None,
            refusal: None,
        }
    }

    /// A refusal at `stage`: `message` is the answer, `reason` what the log says.
    pub fn refused(
        stage: Stage,
        rejection: Rejection,
        message: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ProviderError {
            refusal: Some((stage, reason.into())),
            ..Self::new(rejection, message)
        }
    }

    /// The same refusal with the provider's code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Rejection::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Rejection::NotFound, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(Rejection::Unprocessable, message)
    }
}

/// Field of the error body for APIs that document neither an envelope nor an error
/// body (the merchant API): Bitpro v1's `{"errors": "..."}`, the only error shape the
/// same provider documents.
pub const FALLBACK_ERROR_FIELD: &str = "errors";

/// How an API answers, from its spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResponseShape {
    /// `{code, message, data}` on HTTP 200, success or not (1BitPay).
    Envelope {
        code_field: String,
        message_field: String,
        data_field: String,
        success_code: i64,
    },
    /// The model itself, or wrapped in `data_field` (`{"data": …}`); errors are an
    /// object with the message in `error_field` under the HTTP status; a coded error
    /// adds the code in `code_field`, the `error_status` marker and a null data field.
    Bare {
        data_field: Option<String>,
        error_field: String,
        code_field: Option<String>,
        error_status: Option<(String, String)>,
    },
}

impl ResponseShape {
    pub fn of(api: &ApiFile) -> Self {
        if let Some(envelope) = &api.envelope {
            return ResponseShape::Envelope {
                code_field: envelope.code_field.clone(),
                message_field: envelope.message_field.clone(),
                data_field: envelope.data_field.clone(),
                success_code: envelope.success_code,
            };
        }
        ResponseShape::Bare {
            data_field: api.data_envelope.as_ref().map(|d| d.data_field.clone()),
            error_field: api
                .error_body
                .as_ref()
                .map_or_else(|| FALLBACK_ERROR_FIELD.to_owned(), |b| b.field.clone()),
            code_field: api.error_body.as_ref().and_then(|b| b.code_field.clone()),
            error_status: api
                .error_body
                .as_ref()
                .and_then(|b| b.error_status.as_ref())
                .map(|marker| (marker.field.clone(), marker.value.clone())),
        }
    }

    /// A success answer; an envelope without data when there is none.
    pub fn success(&self, data: Option<Value>) -> (StatusCode, Value) {
        match self {
            ResponseShape::Envelope {
                code_field,
                message_field,
                data_field,
                success_code,
            } => {
                let mut object = Map::new();
                object.insert(code_field.clone(), Value::from(*success_code));
                object.insert(message_field.clone(), Value::from("Success"));
                if let Some(data) = data {
                    object.insert(data_field.clone(), data);
                }
                (StatusCode::OK, Value::Object(object))
            }
            ResponseShape::Bare { data_field, .. } => {
                let data = data.unwrap_or_else(|| Value::Object(Map::new()));
                let body = match data_field {
                    Some(field) => Value::Object(Map::from_iter([(field.clone(), data)])),
                    None => data,
                };
                (StatusCode::OK, body)
            }
        }
    }

    /// An error answer. Enveloped APIs answer HTTP 200 with the code in the envelope,
    /// as their documents describe (`code` is the status); bare APIs use the HTTP status.
    pub fn error(&self, error: &ProviderError) -> (StatusCode, Value) {
        let status = error.rejection.status();
        match self {
            ResponseShape::Envelope {
                code_field,
                message_field,
                ..
            } => {
                let mut object = Map::new();
                object.insert(code_field.clone(), Value::from(status.as_u16()));
                object.insert(message_field.clone(), Value::from(error.message.clone()));
                (StatusCode::OK, Value::Object(object))
            }
            ResponseShape::Bare {
                data_field,
                error_field,
                code_field,
                error_status,
            } => {
                let mut object = Map::new();
                if let (Some(field), Some(code)) = (code_field, &error.code) {
                    if let Some((status_field, value)) = error_status {
                        object.insert(status_field.clone(), Value::from(value.clone()));
                    }
                    let code =
                        serde_json::from_str(code).unwrap_or_else(|_| Value::String(code.clone()));
                    object.insert(field.clone(), code);
                    if let Some(data_field) = data_field {
                        object.insert(data_field.clone(), Value::Null);
                    }
                }
                object.insert(error_field.clone(), Value::from(error.message.clone()));
                (status, Value::Object(object))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> ResponseShape {
        ResponseShape::Envelope {
            code_field: "code".into(),
            message_field: "message".into(),
            data_field: "data".into(),
            success_code: 200,
        }
    }

    #[test]
    fn envelopes_carry_the_code_and_bare_errors_the_status() {
        let (status, body) = envelope().success(Some(serde_json::json!({"a": 1})));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body.to_string(),
            r#"{"code":200,"message":"Success","data":{"a":1}}"#
        );
        let (_, body) = envelope().success(None);
        assert_eq!(body.to_string(), r#"{"code":200,"message":"Success"}"#);

        let error = ProviderError::not_found("Not found");
        let (status, body) = envelope().error(&error);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.to_string(), r#"{"code":404,"message":"Not found"}"#);

        let bare = ResponseShape::Bare {
            data_field: None,
            error_field: "errors".into(),
            code_field: None,
            error_status: None,
        };
        let (status, body) = bare.error(&error);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body.to_string(), r#"{"errors":"Not found"}"#);
        let (status, body) = bare.success(Some(serde_json::json!([1])));
        assert_eq!(
            (status, body.to_string()),
            (StatusCode::OK, "[1]".to_owned())
        );
    }

    #[test]
    fn data_envelopes_wrap_success_and_codes_travel_with_errors() {
        let wrapped = ResponseShape::Bare {
            data_field: Some("data".into()),
            error_field: "error".into(),
            code_field: Some("code".into()),
            error_status: None,
        };
        let (_, body) = wrapped.success(Some(serde_json::json!({"id": "x"})));
        assert_eq!(body.to_string(), r#"{"data":{"id":"x"}}"#);
        let error = ProviderError::new(Rejection::Unauthorized, "Invalid token").with_code("10");
        let (status, body) = wrapped.error(&error);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body.to_string(),
            r#"{"code":10,"data":null,"error":"Invalid token"}"#
        );
    }

    #[test]
    fn coded_errors_carry_the_status_marker_and_plain_ones_only_the_message() {
        let shape = ResponseShape::Bare {
            data_field: Some("data".into()),
            error_field: "error".into(),
            code_field: Some("code".into()),
            error_status: Some(("status".into(), "error".into())),
        };
        let coded = ProviderError::not_found("Invoice not found").with_code("\"020101\"");
        let (status, body) = shape.error(&coded);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body.to_string(),
            r#"{"status":"error","code":"020101","data":null,"error":"Invoice not found"}"#
        );
        let plain = ProviderError::new(Rejection::Unauthorized, "Invalid signature");
        let (status, body) = shape.error(&plain);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body.to_string(), r#"{"error":"Invalid signature"}"#);
    }
}
