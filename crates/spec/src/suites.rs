//! Adapters from published test suites, kept verbatim, to paysmith vectors.
//!
//! Each entry of a suite becomes a vector whose input is what `paysmith sign` reads
//! and whose expected stages are the suite's expected values, so a suite runs through
//! the same checker as the spec's own vectors.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{SuiteFormat, Vector, VectorFile, VectorMode, VectorStatus};

/// Turns `document` (a suite in `format`) into the vectors of `scheme`.
pub fn convert(format: SuiteFormat, document: &Value, scheme: &str) -> Result<VectorFile, String> {
    match format {
        SuiteFormat::AcquiaHttpHmacFixtures => acquia(document, scheme),
        SuiteFormat::BitpayPublished => bitpay(document, scheme),
    }
}

fn field<'a>(value: &'a Value, at: &str, name: &str) -> Result<&'a Value, String> {
    value
        .get(name)
        .ok_or_else(|| format!("{at}: `{name}` is missing"))
}

fn text<'a>(value: &'a Value, at: &str, name: &str) -> Result<&'a str, String> {
    field(value, at, name)?
        .as_str()
        .ok_or_else(|| format!("{at}: `{name}` is not a string"))
}

/// Where an entry comes from: repository, path, commit and item.
fn origin(entry: &Value, at: &str) -> Result<String, String> {
    let origin = field(entry, at, "origin")?;
    Ok(format!(
        "{} {} at {}, {}",
        text(origin, at, "repository")?,
        text(origin, at, "path")?,
        text(origin, at, "commit")?,
        text(origin, at, "item")?,
    ))
}

/// Acquia HTTP HMAC 2.0 fixtures: `kind` `request`, `response` or
/// `request+response`. Requests are signed from the host, path and query the source
/// signed (which is not always what the URL gives: PHP signs an empty path).
fn acquia(document: &Value, scheme: &str) -> Result<VectorFile, String> {
    let fixtures = field(document, "suite", "fixtures")?
        .as_array()
        .ok_or("suite: `fixtures` is not an array")?;
    let mut vectors = Vec::with_capacity(fixtures.len());
    for (index, fixture) in fixtures.iter().enumerate() {
        let at = format!("fixtures[{index}]");
        let input = field(fixture, &at, "input")?;
        let expect_in = field(fixture, &at, "expect")?;
        let kind = text(fixture, &at, "kind")?;
        let mut doc = Map::new();
        let copy = |doc: &mut Map<String, Value>, from: &str, to: &str| {
            if let Some(value) = input.get(from).filter(|v| !v.is_null()) {
                doc.insert(to.to_owned(), value.clone());
            }
        };
        for name in ["nonce", "timestamp"] {
            doc.insert(name.into(), field(input, &at, name)?.clone());
        }
        doc.insert(
            "secret".into(),
            field(input, &at, "secret_key_b64")?.clone(),
        );
        copy(&mut doc, "response_body", "response_body");
        if kind.contains("request") {
            if text(input, &at, "version")? != "2.0" {
                return Err(format!("{at}: only version 2.0 fixtures are supported"));
            }
            for name in [
                "method",
                "host",
                "path",
                "query",
                "headers",
                "signed_headers",
                "body",
                "id",
                "realm",
            ] {
                doc.insert(name.into(), field(input, &at, name)?.clone());
            }
            copy(&mut doc, "content_type", "content_type");
            copy(
                &mut doc,
                "authorization_header_format",
                "authorization_format",
            );
        } else if kind != "response" {
            return Err(format!("{at}: unknown kind `{kind}`"));
        }
        let mut expect = BTreeMap::new();
        for (from, to) in [
            ("content_sha256", "content_sha256"),
            ("string_to_sign", "string_to_sign"),
            ("signature", "signature"),
            ("authorization_header", "authorization"),
            ("response_string_to_sign", "response_string_to_sign"),
            ("response_signature", "response_signature"),
        ] {
            if let Some(value) = expect_in.get(from).filter(|v| !v.is_null()) {
                let value = value
                    .as_str()
                    .ok_or_else(|| format!("{at}: expect.{from} is not a string"))?;
                expect.insert(to.to_owned(), value.to_owned());
            }
        }
        if expect.is_empty() {
            return Err(format!("{at}: expects nothing"));
        }
        vectors.push(Vector {
            id: text(fixture, &at, "name")?.to_owned(),
            status: VectorStatus::External,
            source: origin(fixture, &at)?,
            derivation: None,
            erratum: None,
            mode: VectorMode::Sign,
            input: Value::Object(doc),
            expect,
        });
    }
    Ok(VectorFile {
        scheme: scheme.to_owned(),
        generated_by: text(document, "suite", "title")?.to_owned(),
        vectors,
    })
}

/// Where a BitPay vector comes from: one source or several.
fn bitpay_source(vector: &Value, at: &str) -> Result<String, String> {
    let one = |source: &Value| -> Result<String, String> {
        Ok(format!(
            "{} {} at {}",
            text(source, at, "repo")?,
            text(source, at, "path")?,
            text(source, at, "commit")?
        ))
    };
    match field(vector, at, "source")? {
        Value::Array(sources) => Ok(sources
            .iter()
            .map(one)
            .collect::<Result<Vec<_>, _>>()?
            .join("; ")),
        source => one(source),
    }
}

/// BitPay's published vectors: key derivations (public key and SIN from a hex or PEM
/// private key), deterministic signatures, and verify-only signatures.
fn bitpay(document: &Value, scheme: &str) -> Result<VectorFile, String> {
    let entries = field(document, "suite", "vectors")?
        .as_array()
        .ok_or("suite: `vectors` is not an array")?;
    let mut vectors = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let at = format!("vectors[{index}]");
        let kind = text(entry, &at, "kind")?;
        let mut input = Map::new();
        let mut expect = BTreeMap::new();
        let mut mode = VectorMode::Sign;
        let key = |input: &mut Map<String, Value>| {
            if let Some(hex) = entry.get("private_key_hex") {
                input.insert("private_key_hex".into(), hex.clone());
            } else if let Some(pem) = entry.get("pem") {
                input.insert("private_key_pem".into(), pem.clone());
            }
            input.contains_key("private_key_hex") || input.contains_key("private_key_pem")
        };
        match kind {
            "key_derivation" => {
                if !key(&mut input) {
                    continue;
                }
                input.insert("url".into(), Value::String(String::new()));
                for (from, to) in [("public_key_compressed_hex", "public_key"), ("sin", "sin")] {
                    if let Some(value) = entry.get(from).and_then(Value::as_str) {
                        expect.insert(to.to_owned(), value.to_owned());
                    }
                }
                if expect.is_empty() {
                    continue;
                }
            }
            "sign_deterministic" => {
                if !key(&mut input) {
                    return Err(format!("{at}: a signature vector without a private key"));
                }
                input.insert("url".into(), field(entry, &at, "message")?.clone());
                expect.insert(
                    "signature".into(),
                    text(entry, &at, "signature_der_hex")?.to_owned(),
                );
            }
            "verify_signature" => {
                if !key(&mut input) {
                    return Err(format!("{at}: a verify vector without a key"));
                }
                mode = VectorMode::Verify;
                input.insert("url".into(), field(entry, &at, "message")?.clone());
                input.insert(
                    "signature".into(),
                    field(entry, &at, "signature_der_hex")?.clone(),
                );
                let valid = field(entry, &at, "valid")?
                    .as_bool()
                    .ok_or_else(|| format!("{at}: `valid` is not a boolean"))?;
                expect.insert("valid".into(), valid.to_string());
            }
            _ => continue,
        }
        vectors.push(Vector {
            id: text(entry, &at, "id")?.to_owned(),
            status: VectorStatus::External,
            source: bitpay_source(entry, &at)?,
            derivation: None,
            erratum: None,
            mode,
            input: Value::Object(input),
            expect,
        });
    }
    Ok(VectorFile {
        scheme: scheme.to_owned(),
        generated_by: text(document, "suite", "description")?.to_owned(),
        vectors,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_fixture_becomes_a_vector_with_every_expected_stage() {
        let suite = json!({
            "title": "t",
            "fixtures": [{
                "name": "GET 1", "kind": "request+response",
                "origin": {"repository": "r", "path": "p", "commit": "c", "item": "i"},
                "input": {
                    "method": "GET", "url": "https://h/x", "host": "h", "path": "/x", "query": "",
                    "headers": {}, "signed_headers": [], "content_type": null, "body": "",
                    "id": "a", "nonce": "n", "realm": "r", "version": "2.0", "timestamp": 1,
                    "secret_key_b64": "AA==", "response_body": "ok",
                    "authorization_header_format": "spec_order"
                },
                "expect": {"string_to_sign": "s", "signature": "sig", "authorization_header": "h",
                           "string_to_sign_source": "ignored"}
            }]
        });
        let file = convert(SuiteFormat::AcquiaHttpHmacFixtures, &suite, "x").unwrap();
        let vector = &file.vectors[0];
        assert_eq!(vector.source, "r p at c, i");
        assert_eq!(vector.input["secret"], "AA==");
        assert_eq!(vector.input["authorization_format"], "spec_order");
        assert!(vector.input.get("content_type").is_none());
        assert!(
            vector.input.get("url").is_none(),
            "the signed parts are used"
        );
        assert_eq!(
            vector.expect.keys().collect::<Vec<_>>(),
            ["authorization", "signature", "string_to_sign"]
        );
    }

    #[test]
    fn malformed_suites_name_the_entry() {
        let suite = json!({"title": "t", "fixtures": [{"name": "x", "kind": "odd",
            "origin": {}, "input": {"nonce": "n", "timestamp": 1, "secret_key_b64": "AA=="},
            "expect": {}}]});
        let error = convert(SuiteFormat::AcquiaHttpHmacFixtures, &suite, "x").unwrap_err();
        assert_eq!(error, "fixtures[0]: unknown kind `odd`");
    }
}
