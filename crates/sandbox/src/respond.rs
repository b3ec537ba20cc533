//! The shape of an API's answers, from the spec: `{code, message, data}` when the API
//! has an envelope, the bare model otherwise; errors in the envelope or in the API's
//! error body.

use axum::http::StatusCode;
use paysmith_spec::model::ApiFile;
use serde_json::{Map, Value};

/// Why a provider refuses a request it could read; the number is both the HTTP status
/// of bare APIs and the envelope `code` of enveloped ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    BadRequest,
    Unauthorized,
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
}

impl ProviderError {
    pub fn new(rejection: Rejection, message: impl Into<String>) -> Self {
        ProviderError {
            rejection,
            message: message.into(),
        }
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

/// How an API answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResponseShape {
    Envelope {
        code_field: String,
        message_field: String,
        data_field: String,
        success_code: i64,
    },
    Bare {
        error_field: String,
    },
}

impl ResponseShape {
    pub fn of(api: &ApiFile) -> Self {
        match (&api.envelope, &api.error_body) {
            (Some(envelope), _) => ResponseShape::Envelope {
                code_field: envelope.code_field.clone(),
                message_field: envelope.message_field.clone(),
                data_field: envelope.data_field.clone(),
                success_code: envelope.success_code,
            },
            (None, Some(body)) => ResponseShape::Bare {
                error_field: body.field.clone(),
            },
            (None, None) => ResponseShape::Bare {
                error_field: FALLBACK_ERROR_FIELD.to_owned(),
            },
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
            ResponseShape::Bare { .. } => (
                StatusCode::OK,
                data.unwrap_or_else(|| Value::Object(Map::new())),
            ),
        }
    }

    /// An error answer. Enveloped APIs answer HTTP 200 with the code in the envelope,
    /// as their documents describe (`code` is the status); bare APIs use the HTTP status.
    pub fn error(&self, error: &ProviderError) -> (StatusCode, Value) {
        let code = error.rejection.status();
        match self {
            ResponseShape::Envelope {
                code_field,
                message_field,
                ..
            } => {
                let mut object = Map::new();
                object.insert(code_field.clone(), Value::from(code.as_u16()));
                object.insert(message_field.clone(), Value::from(error.message.clone()));
                (StatusCode::OK, Value::Object(object))
            }
            ResponseShape::Bare { error_field } => {
                let mut object = Map::new();
                object.insert(error_field.clone(), Value::from(error.message.clone()));
                (code, Value::Object(object))
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
            error_field: "errors".into(),
        };
        let (status, body) = bare.error(&error);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body.to_string(), r#"{"errors":"Not found"}"#);
    }
}
