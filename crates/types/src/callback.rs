//! Verify-then-parse for signed JSON callbacks.
//!
//! The raw bytes are verified first; only a body whose signature holds is parsed into
//! its model. A bad signature and a body that does not fit the model are different
//! errors, so a handler can answer them differently.

use paysmith_sign::Secret;
use paysmith_sign::VerifyError;
use paysmith_sign::binding::{BindingError, flatten_body, scalar_text};
use paysmith_sign::sorted_params::SortedParamsConfig;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("callback body is not a JSON object: {0}")]
    NotJson(String),
    #[error("callback body has no string field `{0}` carrying the signature")]
    MissingSignature(&'static str),
    #[error("callback field `{0}` is an array or object, which the signature cannot cover")]
    Unsignable(String),
    #[error("callback signature does not match; the string signed here was `{string_to_sign}`")]
    BadSignature { string_to_sign: String },
    #[error(
        "callback signature verified, but the body does not fit the model at `{path}`: {message}"
    )]
    Parse { path: String, message: String },
}

/// Checks the signature of a JSON object whose other top-level fields are the signed
/// parameters (values as their JSON text; `null` left out).
pub fn verify_sorted_params_json(
    config: &SortedParamsConfig,
    secret: &Secret,
    body: &[u8],
    signature_field: &'static str,
) -> Result<(), CallbackError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| CallbackError::NotJson(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| CallbackError::NotJson("the top level is not an object".into()))?;
    let signature = object
        .get(signature_field)
        .and_then(|s| s.as_str())
        .ok_or(CallbackError::MissingSignature(signature_field))?;
    // Every other top-level field is signed; their text is read in place.
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(object.len());
    for (key, value) in object {
        if key == signature_field {
            continue;
        }
        match value {
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                return Err(CallbackError::Unsignable(
                    BindingError::NestedField(key.clone()).to_string(),
                ));
            }
            scalar => {
                if let Some(text) = scalar_text(scalar) {
                    pairs.push((key, text));
                }
            }
        }
    }
    match config.check(pairs, secret, signature) {
        Ok(()) => Ok(()),
        Err(VerifyError::Mismatch { trace, .. }) => Err(CallbackError::BadSignature {
            string_to_sign: trace.get("string_to_sign").unwrap_or_default().to_owned(),
        }),
        Err(other) => Err(CallbackError::NotJson(other.to_string())),
    }
}

/// Verifies, then parses into `T`.
pub fn verify_then_parse<T: DeserializeOwned>(
    config: &SortedParamsConfig,
    secret: &Secret,
    body: &[u8],
    signature_field: &'static str,
) -> Result<T, CallbackError> {
    verify_sorted_params_json(config, secret, body, signature_field)?;
    parse_unverified(body)
}

/// Parses without checking the signature: only for bodies already verified elsewhere.
pub fn parse_unverified<T: DeserializeOwned>(body: &[u8]) -> Result<T, CallbackError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| CallbackError::Parse {
        path: error.path().to_string(),
        message: error.into_inner().to_string(),
    })
}

/// Signs a payload the way the provider does, for the user's own tests: every field but
/// `signature_field` is signed and the signature is stored in that field.
pub fn sign_sorted_params_json(
    config: &SortedParamsConfig,
    secret: &Secret,
    payload: &mut serde_json::Value,
    signature_field: &str,
) -> Result<(), CallbackError> {
    let object = payload
        .as_object_mut()
        .ok_or_else(|| CallbackError::NotJson("the top level is not an object".into()))?;
    object.remove(signature_field);
    let unsigned = serde_json::Value::Object(object.clone());
    let params = flatten_body(&unsigned).map_err(|e| CallbackError::Unsignable(e.to_string()))?;
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signature = config
        .signature(pairs.iter().copied(), secret)
        .map_err(|e| CallbackError::Unsignable(e.to_string()))?;
    object.insert(
        signature_field.to_owned(),
        serde_json::Value::String(signature),
    );
    Ok(())
}
