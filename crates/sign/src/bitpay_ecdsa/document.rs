//! JSON input documents of the `bitpay-ecdsa` family, with the conventions of
//! [`crate::evaluate`]: unknown fields are errors and every error names its field.
//!
//! - sign: `{"private_key_hex", "url", "body"}`, `body` optional (empty);
//!   `"private_key_pem"` (a SEC1 `EC PRIVATE KEY` PEM) may replace the hex key.
//! - verify: `{"url", "body", "signature"}` and either `"public_key"`
//!   (compressed or uncompressed SEC1 hex) or the private key (hex or PEM).

use serde_json::Value;

use super::{BitpayEcdsaConfig, BitpayKey, EcdsaVerifyError, SignerPublicKey};
use crate::error::{InputError, VerifyError};
use crate::evaluate::Doc;
use crate::trace::Trace;

const SIGN_FIELDS: &[&str] = &["private_key_hex", "private_key_pem", "url", "body"];
const VERIFY_FIELDS: &[&str] = &[
    "public_key",
    "private_key_hex",
    "private_key_pem",
    "url",
    "body",
    "signature",
];

/// Signs `{"private_key_hex", "url", "body"}`; stages as [`BitpayEcdsaConfig::sign`].
pub fn sign_document(cfg: &BitpayEcdsaConfig, input: &Value) -> Result<Trace, InputError> {
    let doc = Doc::new(input, SIGN_FIELDS)?;
    let key = key_from(&doc)?;
    let url = doc.required_str("url")?;
    let body = doc.optional_str("body")?.unwrap_or_default();
    Ok(cfg.sign(&key, url, body.as_bytes()))
}

/// Verifies `signature` over `url ‖ body` under `public_key` (or the public
/// key of `private_key_hex`). A well-formed signature that does not verify
/// is [`VerifyError::SignatureInvalid`]; one that is not hex or not DER is
/// [`VerifyError::BadSignatureEncoding`].
pub fn verify_document(cfg: &BitpayEcdsaConfig, input: &Value) -> Result<Trace, VerifyError> {
    let doc = Doc::new(input, VERIFY_FIELDS)?;
    let url = doc.required_str("url")?;
    let body = doc.optional_str("body")?.unwrap_or_default();
    let signature = doc.required_str("signature")?;
    let has_private = doc.has("private_key_hex") || doc.has("private_key_pem");
    let public = match (doc.has("public_key"), has_private) {
        (true, true) => {
            return Err(InputError::new(
                "public_key",
                "give either `public_key` or `private_key_hex`, not both",
            )
            .into());
        }
        (false, false) => {
            return Err(
                InputError::new("public_key", "missing (or give `private_key_hex`)").into(),
            );
        }
        (true, false) => doc
            .required_str("public_key")?
            .signer_public_key()
            .map_err(|e| InputError::new("public_key", e.to_string()))?,
        (false, true) => key_from(&doc)?.public_key(),
    };
    cfg.verify(&public, url, body.as_bytes(), signature)
        .map_err(|e| match e {
            EcdsaVerifyError::SignatureNotHex(problem) => VerifyError::BadSignatureEncoding {
                encoding: "hex",
                problem,
            },
            EcdsaVerifyError::MalformedDer { .. } => VerifyError::BadSignatureEncoding {
                encoding: "DER",
                problem: e.to_string(),
            },
            EcdsaVerifyError::Invalid { trace } => VerifyError::SignatureInvalid { trace },
            // The key was parsed above; kept total for future variants.
            other => InputError::new("public_key", other.to_string()).into(),
        })
}

fn key_from(doc: &Doc<'_>) -> Result<BitpayKey, InputError> {
    match (doc.has("private_key_hex"), doc.has("private_key_pem")) {
        (true, true) => Err(InputError::new(
            "private_key_pem",
            "give either `private_key_hex` or `private_key_pem`, not both",
        )),
        (false, true) => BitpayKey::from_sec1_pem(doc.required_str("private_key_pem")?)
            .map_err(|e| InputError::new("private_key_pem", e.to_string())),
        _ => BitpayKey::from_hex(doc.required_str("private_key_hex")?)
            .map_err(|e| InputError::new("private_key_hex", e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEY: &str = "000000000000000000000000000000000000000000056916d0f9b31dc9b637f3";
    const URL: &str = "https://test.bitpay.com/invoices";
    const BODY: &str = r#"{"price":10,"currency":"USD","token":"abc"}"#;

    fn cfg() -> BitpayEcdsaConfig {
        BitpayEcdsaConfig::default()
    }

    fn signed() -> Trace {
        sign_document(
            &cfg(),
            &json!({"private_key_hex": KEY, "url": URL, "body": BODY}),
        )
        .unwrap()
    }

    #[test]
    fn sign_matches_the_typed_api() {
        let key = BitpayKey::from_hex(KEY).unwrap();
        assert_eq!(signed(), cfg().sign(&key, URL, BODY.as_bytes()));
        let no_body = sign_document(&cfg(), &json!({"private_key_hex": KEY, "url": URL}));
        assert_eq!(no_body.unwrap(), cfg().sign(&key, URL, b""));
    }

    #[test]
    fn verify_with_public_or_private_key() {
        let trace = signed();
        let public = trace.get("public_key").unwrap();
        let sig = trace.signature();
        let ok = verify_document(
            &cfg(),
            &json!({"public_key": public, "url": URL, "body": BODY, "signature": sig}),
        )
        .unwrap();
        assert_eq!(ok.get("signature_low_s"), Some(sig));
        verify_document(
            &cfg(),
            &json!({"private_key_hex": KEY, "url": URL, "body": BODY, "signature": sig}),
        )
        .unwrap();
    }

    #[test]
    fn a_wrong_signature_is_invalid_with_its_trace() {
        let trace = signed();
        let sig = trace.signature();
        let e = verify_document(
            &cfg(),
            &json!({"private_key_hex": KEY, "url": URL, "body": "{}", "signature": sig}),
        )
        .unwrap_err();
        match e {
            VerifyError::SignatureInvalid { trace } => {
                let public = BitpayKey::from_hex(KEY).unwrap();
                assert_eq!(trace.get("public_key"), Some(public.public_key_hex()));
                assert_eq!(trace.get("message"), Some(format!("{URL}{{}}").as_str()));
            }
            other => panic!("expected an invalid signature, got {other:?}"),
        }
    }

    #[test]
    fn malformed_signatures_are_encoding_errors() {
        let verify = |sig: &str| {
            verify_document(
                &cfg(),
                &json!({"private_key_hex": KEY, "url": URL, "signature": sig}),
            )
            .unwrap_err()
        };
        assert!(matches!(
            verify("nothex"),
            VerifyError::BadSignatureEncoding {
                encoding: "hex",
                ..
            }
        ));
        assert!(matches!(
            verify("3000"),
            VerifyError::BadSignatureEncoding {
                encoding: "DER",
                ..
            }
        ));
    }

    fn input_error(e: VerifyError) -> InputError {
        match e {
            VerifyError::Input(i) => i,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn input_errors_name_the_field() {
        let sign_err = |input: Value| sign_document(&cfg(), &input).unwrap_err();
        assert_eq!(
            sign_err(json!({"url": URL})),
            InputError::new("private_key_hex", "missing")
        );
        assert_eq!(sign_err(json!({"private_key_hex": KEY})).field, "url");
        let e = sign_err(json!({"private_key_hex": "abc", "url": URL}));
        assert_eq!(e.field, "private_key_hex");
        assert!(e.problem.contains("64"), "{e}");
        let e = sign_err(json!({"private_key_hex": "0".repeat(64), "url": URL}));
        assert!(e.problem.contains("group order"), "{e}");
        assert_eq!(
            sign_err(json!({"private_key_hex": KEY, "url": URL, "body": 1})).problem,
            "expected a string, found a number"
        );
        // `signature` and `public_key` belong to verification only.
        let e = sign_err(json!({"private_key_hex": KEY, "url": URL, "signature": "x"}));
        assert_eq!(e.field, "signature");
        assert!(e.problem.contains("unknown field"), "{e}");
        assert_eq!(sign_err(json!("x")).field, "$");

        let verify_err = |input: Value| input_error(verify_document(&cfg(), &input).unwrap_err());
        let e = verify_err(json!({"url": URL, "signature": "30"}));
        assert_eq!(e.field, "public_key");
        assert!(e.problem.starts_with("missing"), "{e}");
        let e = verify_err(
            json!({"public_key": "02", "private_key_hex": KEY, "url": URL, "signature": "30"}),
        );
        assert!(e.problem.contains("not both"), "{e}");
        let e = verify_err(json!({"public_key": "zz", "url": URL, "signature": "30"}));
        assert_eq!(e.field, "public_key");
        assert!(e.problem.contains("not hex"), "{e}");
        let e = verify_err(json!({"public_key": "02ab", "url": URL, "signature": "30"}));
        assert!(e.problem.contains("not a secp256k1 point"), "{e}");
        let e = verify_err(json!({"private_key_hex": "xy", "url": URL, "signature": "30"}));
        assert_eq!(e.field, "private_key_hex");
        assert_eq!(
            verify_err(json!({"private_key_hex": KEY, "url": URL})),
            InputError::new("signature", "missing")
        );
        let e = verify_err(json!({"private_key_hex": KEY, "uri": URL, "signature": "30"}));
        assert_eq!(e.field, "uri");
    }
}
