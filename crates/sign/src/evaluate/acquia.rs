//! Input documents of the `acquia-http-hmac` family.
//!
//! A request: `{"method", "url", "headers": {..}, "signed_headers": [..],
//! "content_type", "body", "id", "nonce", "realm", "timestamp", "secret"}`, the secret
//! as the provider hands it out (base64). `host`, `path` and `query` may replace
//! `url` to sign exactly what a server received. `authorization_format` picks the
//! header layout (`spec_order`, the default, `sorted_omit_empty_headers`,
//! `js_library`). With `response_body`, the response signature is computed too; a
//! document with `response_body` but no `method` is a response alone (`nonce`,
//! `timestamp`, `secret`, `response_body`). Verifying adds `signature` and/or
//! `response_signature`.

use serde_json::Value;

use super::{Doc, compare, kind};
use crate::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, AuthorizationFormat, CONTENT_SHA256_HEADER, RequestParts,
    TIMESTAMP_HEADER, split_url,
};
use crate::error::{InputError, VerifyError};
use crate::secret::Secret;
use crate::trace::Trace;

const REQUEST_FIELDS: &[&str] = &[
    "method",
    "url",
    "host",
    "path",
    "query",
    "headers",
    "signed_headers",
    "content_type",
    "body",
    "id",
    "nonce",
    "realm",
    "timestamp",
    "secret",
    "authorization_format",
    "response_body",
];
const VERIFY_FIELDS: &[&str] = &["signature", "response_signature"];

pub(super) fn sign(cfg: &AcquiaHmacConfig, input: &Value) -> Result<Trace, InputError> {
    let doc = Doc::new(input, REQUEST_FIELDS)?;
    run(cfg, &doc)
}

pub(super) fn verify(cfg: &AcquiaHmacConfig, input: &Value) -> Result<Trace, VerifyError> {
    let allowed: Vec<&str> = REQUEST_FIELDS
        .iter()
        .chain(VERIFY_FIELDS)
        .copied()
        .collect();
    let doc = Doc::new(input, &allowed)?;
    let request = doc.optional_str("signature")?;
    let response = doc.optional_str("response_signature")?;
    if request.is_none() && response.is_none() {
        return Err(InputError::new(
            "signature",
            "missing (give `signature`, `response_signature` or both)",
        )
        .into());
    }
    let trace = run(cfg, &doc)?;
    for (given, stage, field) in [
        (request, "signature", "signature"),
        (response, "response_signature", "response_signature"),
    ] {
        let Some(given) = given else { continue };
        let expected = trace.get(stage).map(str::to_owned).ok_or_else(|| {
            InputError::new(
                field,
                "nothing to compare it with (is `response_body` given?)",
            )
        })?;
        compare(trace.clone(), stage, &expected, given)?;
    }
    Ok(trace)
}

/// Signs the request (when there is one) and the response (when given).
fn run(cfg: &AcquiaHmacConfig, doc: &Doc<'_>) -> Result<Trace, InputError> {
    let secret = Secret::from(doc.required_str("secret")?);
    let key =
        AcquiaKey::from_base64(&secret).map_err(|e| InputError::new("secret", e.to_string()))?;
    let nonce = doc.required_str("nonce")?;
    let timestamp = timestamp(doc)?;
    let response_body = optional_text(doc, "response_body")?;
    let mut trace = if doc.has("method") {
        request_trace(cfg, doc, &key, nonce, timestamp)?
    } else if response_body.is_some() {
        Trace::default()
    } else {
        return Err(InputError::new(
            "method",
            "missing (a response alone needs `response_body`)",
        ));
    };
    if let Some(body) = response_body {
        let response = AcquiaHmacConfig::sign_response(&key, nonce, timestamp, body.as_bytes());
        trace.stages.extend(response.stages.iter().cloned());
    }
    Ok(trace)
}

fn request_trace(
    cfg: &AcquiaHmacConfig,
    doc: &Doc<'_>,
    key: &AcquiaKey,
    nonce: &str,
    timestamp: u64,
) -> Result<Trace, InputError> {
    let method = doc.required_str("method")?;
    let (host, path, query) = match (doc.has("url"), doc.has("host")) {
        (true, false) => {
            for part in ["path", "query"] {
                if doc.has(part) {
                    return Err(InputError::new(
                        part,
                        "give either `url` or `host`/`path`/`query`",
                    ));
                }
            }
            let target = split_url(doc.required_str("url")?)
                .map_err(|e| InputError::new("url", e.to_string()))?;
            (target.host, target.path, target.query)
        }
        (false, true) => (
            doc.required_str("host")?.into(),
            doc.required_str("path")?,
            doc.optional_str("query")?.unwrap_or_default(),
        ),
        (true, true) => {
            return Err(InputError::new(
                "host",
                "give either `url` or `host`/`path`/`query`",
            ));
        }
        (false, false) => return Err(InputError::new("url", "missing")),
    };
    let headers = string_map(doc, "headers")?;
    let signed_names = string_list(doc, "signed_headers")?;
    let mut signed_headers = Vec::with_capacity(signed_names.len());
    for (index, name) in signed_names.iter().enumerate() {
        let value = headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                InputError::new(
                    format!("signed_headers[{index}]"),
                    format!("`{name}` is not in `headers`"),
                )
            })?;
        signed_headers.push((*name, value));
    }
    let body = optional_text(doc, "body")?.unwrap_or_default();
    let content_type = optional_text(doc, "content_type")?;
    let cfg = match doc.optional_str("authorization_format")? {
        None => cfg.clone(),
        Some(text) => AcquiaHmacConfig {
            authorization_format: serde_json::from_value::<AuthorizationFormat>(Value::String(
                text.to_owned(),
            ))
            .map_err(|_| {
                InputError::new(
                    "authorization_format",
                    "expected `spec_order`, `sorted_omit_empty_headers` or `js_library`",
                )
            })?,
            ..cfg.clone()
        },
    };
    let parts = RequestParts {
        method,
        host: &host,
        path,
        query,
        signed_headers: &signed_headers,
        content_type,
        body: body.as_bytes(),
        id: doc.required_str("id")?,
        nonce,
        realm: doc.required_str("realm")?,
        timestamp,
    };
    let mut trace = cfg.sign(&parts, key);
    let mut sent = serde_json::Map::new();
    sent.insert(
        "Authorization".into(),
        trace.get("authorization").unwrap_or_default().into(),
    );
    sent.insert(TIMESTAMP_HEADER.into(), timestamp.to_string().into());
    if let Some(hash) = trace.get("content_sha256") {
        sent.insert(CONTENT_SHA256_HEADER.into(), hash.into());
        if let Some(content_type) = content_type {
            sent.insert("Content-Type".into(), content_type.into());
        }
    }
    trace.push("headers", Value::Object(sent).to_string());
    Ok(trace)
}

/// Unix seconds, as a JSON integer or a string of digits.
fn timestamp(doc: &Doc<'_>) -> Result<u64, InputError> {
    let value = doc.required("timestamp")?;
    let parsed = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        InputError::new(
            "timestamp",
            format!("expected Unix seconds (an integer), found {}", kind(value)),
        )
    })
}

/// A string field that may be absent or `null`.
fn optional_text<'a>(doc: &Doc<'a>, name: &str) -> Result<Option<&'a str>, InputError> {
    match doc.map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(InputError::new(
            name,
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn string_map<'a>(doc: &Doc<'a>, name: &str) -> Result<Vec<(&'a str, &'a str)>, InputError> {
    match doc.map.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(s) => Ok((key.as_str(), s.as_str())),
                other => Err(InputError::new(
                    format!("{name}.{key}"),
                    format!("expected a string, found {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(InputError::new(
            name,
            format!("expected an object, found {}", kind(other)),
        )),
    }
}

fn string_list<'a>(doc: &Doc<'a>, name: &str) -> Result<Vec<&'a str>, InputError> {
    match doc.map.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(s) => Ok(s.as_str()),
                other => Err(InputError::new(
                    format!("{name}[{index}]"),
                    format!("expected a string, found {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(InputError::new(
            name,
            format!("expected an array, found {}", kind(other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cfg() -> AcquiaHmacConfig {
        AcquiaHmacConfig {
            version: "2.0".into(),
            max_skew_seconds: 900,
            authorization_format: AuthorizationFormat::SpecOrder,
        }
    }

    fn input() -> Value {
        json!({
            "method": "GET",
            "url": "https://example.acquiapipet.net/v1.0/task-status/133?limit=10",
            "headers": {},
            "signed_headers": [],
            "content_type": "application/json",
            "body": "",
            "id": "efdde334-fe7b-11e4-a322-1697f925ec7b",
            "nonce": "d1954337-5319-4821-8427-115542e08d10",
            "realm": "Pipet service",
            "timestamp": 1432075982,
            "secret": "W5PeGMxSItNerkNFqQMfYiJvH14WzVJMy54CPoTAYoI=",
            "response_body": "{\"id\": 133, \"status\": \"done\"}"
        })
    }

    #[test]
    fn a_document_signs_the_request_and_the_response() {
        let trace = sign(&cfg(), &input()).unwrap();
        assert_eq!(
            trace.signature(),
            "MRlPr/Z1WQY2sMthcaEqETRMw4gPYXlPcTpaLWS2gcc="
        );
        assert_eq!(
            trace.get("response_signature"),
            Some("M4wYp1MKvDpQtVOnN7LVt9L8or4pKyVLhfUFVJxHemU=")
        );
        let headers: Value = serde_json::from_str(trace.get("headers").unwrap()).unwrap();
        assert_eq!(headers["X-Authorization-Timestamp"], "1432075982");
        assert!(headers.get("X-Authorization-Content-SHA256").is_none());

        let mut signed = input();
        signed["signature"] = json!("MRlPr/Z1WQY2sMthcaEqETRMw4gPYXlPcTpaLWS2gcc=");
        signed["response_signature"] = json!("M4wYp1MKvDpQtVOnN7LVt9L8or4pKyVLhfUFVJxHemU=");
        verify(&cfg(), &signed).unwrap();
        signed["response_signature"] = json!("AAAA");
        assert!(matches!(
            verify(&cfg(), &signed),
            Err(VerifyError::Mismatch { .. })
        ));
    }

    #[test]
    fn a_response_alone_needs_no_request_fields() {
        let doc = json!({
            "nonce": "d1954337-5319-4821-8427-115542e08d10",
            "timestamp": "1432075982",
            "secret": "W5PeGMxSItNerkNFqQMfYiJvH14WzVJMy54CPoTAYoI=",
            "response_body": "Test body string"
        });
        let trace = sign(&cfg(), &doc).unwrap();
        assert_eq!(
            trace.get("response_signature"),
            Some("dAE9Kizn1PCOrc45H/X41RdFMCwpED18k9iJjrHFqUU=")
        );
        assert_eq!(trace.get("signature"), None);
    }

    #[test]
    fn input_errors_name_the_field() {
        let field = |doc: Value| sign(&cfg(), &doc).unwrap_err().field;
        let mut doc = input();
        doc["secret"] = json!("%%%");
        assert_eq!(field(doc), "secret");
        let mut doc = input();
        doc["timestamp"] = json!(true);
        assert_eq!(field(doc), "timestamp");
        let mut doc = input();
        doc["signed_headers"] = json!(["X-Missing"]);
        assert_eq!(field(doc), "signed_headers[0]");
        let mut doc = input();
        doc["headers"] = json!({"X-A": 1});
        assert_eq!(field(doc), "headers.X-A");
        let mut doc = input();
        doc["url"] = json!("example.com/x");
        assert_eq!(field(doc), "url");
        let mut doc = input();
        doc["host"] = json!("example.com");
        assert_eq!(field(doc), "host");
        let mut doc = input();
        doc["authorization_format"] = json!("fancy");
        assert_eq!(field(doc), "authorization_format");
        let mut doc = input();
        doc.as_object_mut().unwrap().remove("method");
        doc.as_object_mut().unwrap().remove("response_body");
        assert_eq!(field(doc), "method");
        let e = verify(&cfg(), &input()).unwrap_err();
        assert!(matches!(e, VerifyError::Input(i) if i.field == "signature"));
    }
}
