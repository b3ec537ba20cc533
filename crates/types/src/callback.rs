//! Verify-then-parse for signed JSON callbacks.
//!
//! The raw bytes are verified first; only a body whose signature holds is parsed into
//! its model. A bad signature and a body that does not fit the model are different
//! errors, so a handler can answer them differently.

use paysmith_sign::Secret;
use paysmith_sign::VerifyError;
use paysmith_sign::binding::{BindingError, flatten_body, scalar_text};
use paysmith_sign::json_fields::{self, ScalarFields};
use paysmith_sign::sorted_params::{CallbackPlan, SortedParamsConfig};
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
    // The usual body (an object of unique scalar fields) is read in place; anything
    // else is decided by the `Value` reading, which names the problem.
    match json_fields::read_scalar_object(body, Some(signature_field)) {
        Some(ScalarFields {
            params,
            set_apart: Some(signature),
        }) => match config.check(params, secret, &signature) {
            Ok(()) => Ok(()),
            Err(VerifyError::Mismatch { trace, .. }) => Err(bad_signature(&trace)),
            Err(_) => verify_value(config, secret, body, signature_field),
        },
        _ => verify_value(config, secret, body, signature_field),
    }
}

/// [`verify_sorted_params_json`] through a plan built once for the payload (see
/// [`CallbackPlan`]): the usual body is read in one pass straight into its slots. A
/// body the plan does not read, and every mismatch, go through
/// [`verify_sorted_params_json`], which decides the same and names what is wrong.
#[inline]
pub fn verify_planned_json(
    plan: &CallbackPlan,
    secret: &Secret,
    body: &[u8],
) -> Result<(), CallbackError> {
    match plan.check(body, secret) {
        Some(true) => Ok(()),
        _ => verify_sorted_params_json(plan.config(), secret, body, plan.signature_field()),
    }
}

fn bad_signature(trace: &paysmith_sign::Trace) -> CallbackError {
    CallbackError::BadSignature {
        string_to_sign: trace.get("string_to_sign").unwrap_or_default().to_owned(),
    }
}

/// [`verify_sorted_params_json`] through a parsed `Value`: duplicate keys (the last
/// one counts), nested fields and every error.
fn verify_value(
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
        Err(VerifyError::Mismatch { trace, .. }) => Err(bad_signature(&trace)),
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use paysmith_sign::sorted_params::{KeyOrder, SecretPlacement};
    use paysmith_sign::{DigestAlgorithm, OutputEncoding};

    use super::*;

    const CONFIG: SortedParamsConfig = SortedParamsConfig {
        key_order: KeyOrder::CaseInsensitive,
        pair_separator: Cow::Borrowed("&"),
        kv_separator: Cow::Borrowed("="),
        exclude_keys: Cow::Borrowed(&[]),
        skip_empty: true,
        secret_placement: SecretPlacement::Append,
        digest: DigestAlgorithm::Md5,
        output: OutputEncoding::HexLower,
    };

    fn secret() -> Secret {
        Secret::from("merasdasd")
    }

    /// `template` with `SIG` replaced by the signature of what the `Value` reading
    /// signs (its last value of a repeated key), so both readings can be compared on
    /// bodies that verify.
    fn signed(template: &str) -> String {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(template) else {
            return template.to_owned();
        };
        if sign_sorted_params_json(&CONFIG, &secret(), &mut value, "signature").is_err() {
            return template.to_owned();
        }
        template.replace("SIG", value["signature"].as_str().unwrap_or_default())
    }

    fn outcome(result: Result<(), CallbackError>) -> String {
        format!("{result:?}")
    }

    #[test]
    fn the_in_place_reading_agrees_with_the_value_reading() {
        let templates = [
            // Numbers as written, escapes in keys and values, booleans, nulls, unicode.
            r#"{"status":1,"dealAmount":10.110,"big":123456789012345678901234567890,"neg":-0,"signature":"SIG"}"#,
            r#"{"e1":1E+05,"e2":1e5,"e3":-1.5E-3,"e4":2e-07,"e5":0E0,"signature":"SIG"}"#,
            r#"{ "name" : "J\u00f6rg \"Li\"\\n" , "a\u0062c":"x", "ok": true, "no": false, "gone": null, "signature": "SIG" }"#,
            r#"{"signature":"SIG","empty":"","é":"ü","tab":"a\tb"}"#,
            // Repeated keys: the last value counts, as the `Value` reading has it.
            r#"{"a":"1","a":"2","signature":"SIG"}"#,
            r#"{"a":"1","a":null,"signature":"SIG"}"#,
            r#"{"a":null,"a":"1","signature":"SIG"}"#,
            r#"{"n":null,"n":null,"signature":"SIG"}"#,
            r#"{"a":"1","signature":"0000","signature":"SIG"}"#,
            r#"{"a":"1","signature":"SIG","signature":null}"#,
            // Errors: each named as before.
            r#"{"a":"1","list":[1,{"b":2}],"signature":"SIG"}"#,
            r#"{"a":"1","inner":{"b":2},"signature":"SIG"}"#,
            r#"{"a":"1","signature":1}"#,
            r#"{"a":"1"}"#,
            r#"[{"a":"1","signature":"SIG"}]"#,
            r#""text""#,
            r#"{"a":"1","signature":"SIG"} trailing"#,
            r#"{"a":"1","signature":"SIG""#,
            r#"{"a":01,"signature":"SIG"}"#,
            "<html>",
            "",
        ];
        // Planned: the keys of the first template, in its order, and some of the others.
        let keys = [
            "status",
            "dealAmount",
            "big",
            "neg",
            "a",
            "name",
            "signature",
        ];
        let plan = CallbackPlan::new(&CONFIG, &keys, "signature");
        for template in templates {
            let good = signed(template);
            let bad = template.replace("SIG", "00112233445566778899aabbccddeeff");
            for body in [good, bad] {
                let body = body.as_bytes();
                let expected = outcome(verify_value(&CONFIG, &secret(), body, "signature"));
                let in_place = verify_sorted_params_json(&CONFIG, &secret(), body, "signature");
                let planned = verify_planned_json(&plan, &secret(), body);
                let text = String::from_utf8_lossy(body);
                assert_eq!(outcome(in_place), expected, "{text}");
                assert_eq!(outcome(planned), expected, "{text}");
            }
        }
    }

    #[test]
    fn a_planned_body_that_does_not_verify_names_the_string_signed() {
        let plan = CallbackPlan::new(&CONFIG, &["dealAmount", "name", "signature"], "signature");
        let body = signed(r#"{"dealAmount":10.10,"name":"Jo","signature":"SIG"}"#);
        verify_planned_json(&plan, &secret(), body.as_bytes()).unwrap();
        let changed = body.replace("10.10", "10.1");
        match verify_planned_json(&plan, &secret(), changed.as_bytes()) {
            Err(CallbackError::BadSignature { string_to_sign }) => {
                assert_eq!(string_to_sign, "dealAmount=10.1&name=Jo");
            }
            other => panic!("expected a bad signature, got {other:?}"),
        }
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        let body = signed(r#"{"dealAmount":10.10,"name":"J\u00f6rg","signature":"SIG"}"#);
        verify_sorted_params_json(&CONFIG, &secret(), body.as_bytes(), "signature").unwrap();
        // The number is signed as written: 10.1 is not 10.10.
        let changed = body.replace("10.10", "10.1");
        match verify_sorted_params_json(&CONFIG, &secret(), changed.as_bytes(), "signature") {
            Err(CallbackError::BadSignature { string_to_sign }) => {
                assert_eq!(string_to_sign, "dealAmount=10.1&name=Jörg");
            }
            other => panic!("expected a bad signature, got {other:?}"),
        }
    }
}
