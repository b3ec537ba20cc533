//! One entry point for every family, driven by JSON documents; used by the
//! CLI and the conformance-vector runner.
//!
//! Input documents (a public contract; unknown fields are errors so typos are
//! never silently ignored):
//!
//! | family | sign | verify adds |
//! | --- | --- | --- |
//! | `sorted-params-digest` | `{"params": {"k": "v", ...}, "secret": "..."}` | `"signature"` |
//! | `content-md5-hmac` | `{"method", "uri", "date", "body", "api_key", "secret"}` | `"signature"` |
//! | `acquia-http-hmac` | see [`acquia`] | `"signature"` and/or `"response_signature"` |
//! | `ecdsa-secp256k1` | `{"private_key_hex" or "private_key_pem", "url", "body"}` | `"signature"`; `"public_key"` may replace the private key |
//! | `rsa-pkcs1v15-private-encrypt` | `{"pfx_base64", "password", "plaintext"}`, optional `"alias"` | `"signature"`; `"public_key_pem"` may replace `"pfx_base64"` + `"password"` |
//!
//! Parameter values must be JSON strings: the exact text that is signed is
//! the caller's decision. Use [`stringify_json_scalar`] to turn a JSON body's
//! numbers and booleans into that text first.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::acquia_hmac::AcquiaHmacConfig;
use crate::bitpay_ecdsa::BitpayEcdsaConfig;
use crate::content_md5_hmac::{ContentMd5HmacConfig, SignedParts};
use crate::error::{InputError, SignError, VerifyError};
use crate::pkcs12::{Pkcs12Error, ShardKey, load_shard, load_shard_with_alias};
use crate::rsa_private::RsaPrivateEncryptConfig;
use crate::secret::Secret;
use crate::sorted_params::SortedParamsConfig;
use crate::trace::Trace;

mod acquia;

/// A signing family together with its configuration.
///
/// Serialised as `{"family": "<name>", "params": {...config...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    tag = "family",
    content = "params",
    rename_all = "kebab-case",
    deny_unknown_fields
)]
pub enum SchemeFamily {
    /// Sorted `key=value` pairs plus a shared secret, hashed (MD5/SHA).
    SortedParamsDigest(SortedParamsConfig),
    /// JDK `Cipher("RSA")` encryption with a PKCS#12 private key.
    RsaPkcs1v15PrivateEncrypt(RsaPrivateEncryptConfig),
    /// `Content-MD5` of the url-encoded parameters plus an HMAC `Authorization`.
    ContentMd5Hmac(ContentMd5HmacConfig),
    /// Acquia HTTP HMAC 2.0: HMAC-SHA256 over the request line by line, and the
    /// server's response signature.
    AcquiaHttpHmac(AcquiaHmacConfig),
    /// secp256k1 ECDSA (RFC 6979, low-S) over SHA-256 of the URL and body, with the
    /// public key as identity (BitPay).
    EcdsaSecp256k1(BitpayEcdsaConfig),
}

impl SchemeFamily {
    /// The family's name as written in the `family` field.
    pub fn name(&self) -> &'static str {
        match self {
            SchemeFamily::SortedParamsDigest(_) => "sorted-params-digest",
            SchemeFamily::RsaPkcs1v15PrivateEncrypt(_) => "rsa-pkcs1v15-private-encrypt",
            SchemeFamily::ContentMd5Hmac(_) => "content-md5-hmac",
            SchemeFamily::AcquiaHttpHmac(_) => "acquia-http-hmac",
            SchemeFamily::EcdsaSecp256k1(_) => "ecdsa-secp256k1",
        }
    }
}

/// Signs according to `family` with the inputs in `input`.
pub fn sign_input(family: &SchemeFamily, input: &Value) -> Result<Trace, InputError> {
    match family {
        SchemeFamily::SortedParamsDigest(cfg) => {
            let doc = Doc::new(input, &["params", "secret"])?;
            let params = string_params(&doc)?;
            let secret = Secret::from(doc.required_str("secret")?);
            cfg.sign(&params, &secret).map_err(params_error)
        }
        SchemeFamily::RsaPkcs1v15PrivateEncrypt(cfg) => {
            let doc = Doc::new(input, &["pfx_base64", "password", "plaintext", "alias"])?;
            let plaintext = doc.required_str("plaintext")?;
            let key = shard_from(&doc)?;
            cfg.sign(&key, plaintext).map_err(|e| match e {
                SignError::MessageTooLong { .. } => InputError::new("plaintext", e.to_string()),
                other => InputError::new("pfx_base64", other.to_string()),
            })
        }
        SchemeFamily::ContentMd5Hmac(cfg) => {
            let doc = Doc::new(
                input,
                &["method", "uri", "date", "body", "api_key", "secret"],
            )?;
            Ok(content_md5_trace(cfg, &doc)?.0)
        }
        SchemeFamily::AcquiaHttpHmac(cfg) => acquia::sign(cfg, input),
        SchemeFamily::EcdsaSecp256k1(cfg) => crate::bitpay_ecdsa::sign_document(cfg, input),
    }
}

/// Signs a `content-md5-hmac` input and adds the `headers` stage.
fn content_md5_trace(
    cfg: &ContentMd5HmacConfig,
    doc: &Doc<'_>,
) -> Result<(Trace, String), InputError> {
    let body = doc.optional_str("body")?.unwrap_or_default();
    let parts = SignedParts {
        method: doc.required_str("method")?,
        uri: doc.required_str("uri")?,
        date: rfc1123_date(doc.required_str("date")?)?,
        content: body.as_bytes(),
        api_key: doc.required_str("api_key")?,
    };
    let mut trace = cfg.sign(&parts, &Secret::from(doc.required_str("secret")?));
    let headers = serde_json::json!({
        "Authorization": trace.get("authorization"),
        "Content-MD5": trace.get("content_md5"),
        "Date": parts.date,
    });
    let signature = trace.signature().to_owned();
    trace.push("headers", headers.to_string());
    Ok((trace, signature))
}

/// `date` if it is an RFC 1123 date in GMT written exactly as the `Date` header
/// carries it (`Mon, 10 Apr 2017 04:43:12 GMT`): a server parses the header, so any
/// other spelling would sign a string it never rebuilds.
fn rfc1123_date(date: &str) -> Result<&str, InputError> {
    let canonical = httpdate::parse_http_date(date)
        .ok()
        .map(httpdate::fmt_http_date);
    if canonical.as_deref() == Some(date) {
        Ok(date)
    } else {
        Err(InputError::new(
            "date",
            format!(
                "`{date}` is not an RFC 1123 date in GMT (write it like \
                 `Mon, 10 Apr 2017 04:43:12 GMT`{})",
                canonical
                    .map(|c| format!("; this one is `{c}`"))
                    .unwrap_or_default()
            ),
        ))
    }
}

/// Verifies the `signature` in `input` according to `family`.
pub fn verify_input(family: &SchemeFamily, input: &Value) -> Result<Trace, VerifyError> {
    match family {
        SchemeFamily::SortedParamsDigest(cfg) => {
            let doc = Doc::new(input, &["params", "secret", "signature"])?;
            let params = string_params(&doc)?;
            let secret = Secret::from(doc.required_str("secret")?);
            let signature = doc.required_str("signature")?;
            match cfg.verify(&params, &secret, signature) {
                Err(VerifyError::Sign(e)) => Err(params_error(e).into()),
                other => other,
            }
        }
        SchemeFamily::RsaPkcs1v15PrivateEncrypt(cfg) => {
            let doc = Doc::new(
                input,
                &[
                    "pfx_base64",
                    "public_key_pem",
                    "password",
                    "plaintext",
                    "signature",
                    "alias",
                ],
            )?;
            let plaintext = doc.required_str("plaintext")?;
            let signature = doc.required_str("signature")?;
            let public = match (doc.has("pfx_base64"), doc.has("public_key_pem")) {
                (true, true) => {
                    return Err(InputError::new(
                        "public_key_pem",
                        "give either `pfx_base64` or `public_key_pem`, not both",
                    )
                    .into());
                }
                (false, false) => {
                    return Err(InputError::new(
                        "pfx_base64",
                        "missing (or give `public_key_pem` instead)",
                    )
                    .into());
                }
                (true, false) => shard_from(&doc)?.public_key(),
                (false, true) => {
                    for unused in ["password", "alias"] {
                        if doc.has(unused) {
                            return Err(InputError::new(
                                unused,
                                "only used with `pfx_base64`, not with `public_key_pem`",
                            )
                            .into());
                        }
                    }
                    public_key_from_pem(doc.required_str("public_key_pem")?)?
                }
            };
            cfg.verify(&public, plaintext, signature)
        }
        SchemeFamily::ContentMd5Hmac(cfg) => {
            let doc = Doc::new(
                input,
                &[
                    "method",
                    "uri",
                    "date",
                    "body",
                    "api_key",
                    "secret",
                    "signature",
                ],
            )?;
            let given = doc.required_str("signature")?;
            let (trace, expected) = content_md5_trace(cfg, &doc)?;
            compare(trace, "signature", &expected, given)
        }
        SchemeFamily::AcquiaHttpHmac(cfg) => acquia::verify(cfg, input),
        SchemeFamily::EcdsaSecp256k1(cfg) => crate::bitpay_ecdsa::verify_document(cfg, input),
    }
}

/// Constant-time comparison of a recomputed signature with the one given.
pub(crate) fn compare(
    trace: Trace,
    stage: &'static str,
    expected: &str,
    given: &str,
) -> Result<Trace, VerifyError> {
    if bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        given.as_bytes(),
    )) {
        Ok(trace)
    } else {
        Err(VerifyError::Mismatch {
            stage,
            expected: expected.to_owned(),
            got: given.to_owned(),
            trace,
        })
    }
}

/// Text of a JSON scalar as a gateway would receive it in a form field:
/// strings as-is, numbers as their exact JSON text (`1.50` stays `1.50`),
/// booleans as `true`/`false`. `null`, arrays and objects give `None`; the
/// caller decides whether to drop them or serialise them.
pub fn stringify_json_scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn params_error(e: SignError) -> InputError {
    match e {
        SignError::DuplicateKey(key) => {
            InputError::new(format!("params.{key}"), "appears more than once")
        }
        other => InputError::new("params", other.to_string()),
    }
}

fn string_params<'a>(doc: &Doc<'a>) -> Result<Vec<(&'a str, &'a str)>, InputError> {
    let params = doc.required("params")?;
    let Value::Object(map) = params else {
        return Err(InputError::new(
            "params",
            format!("expected an object, found {}", kind(params)),
        ));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.as_str(), s.as_str())),
            other => Err(InputError::new(
                format!("params.{k}"),
                format!(
                    "expected a string, found {}; stringify values first \
                     (numbers keep their exact JSON text)",
                    kind(other)
                ),
            )),
        })
        .collect()
}

fn shard_from(doc: &Doc<'_>) -> Result<ShardKey, InputError> {
    let encoded = doc.required_str("pfx_base64")?;
    let der = Zeroizing::new(
        STANDARD
            .decode(encoded.trim())
            .map_err(|e| InputError::new("pfx_base64", format!("not valid base64: {e}")))?,
    );
    let password = Secret::from(doc.required_str("password")?);
    let loaded = match doc.optional_str("alias")? {
        Some(alias) => load_shard_with_alias(&der, &password, alias),
        None => load_shard(&der, &password),
    };
    loaded.map_err(|e| {
        let field = match e {
            Pkcs12Error::WrongPassword { .. } => "password",
            _ => "pfx_base64",
        };
        InputError::new(field, e.to_string())
    })
}

fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, InputError> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|_| {
            InputError::new(
                "public_key_pem",
                "not an RSA public key in PEM (expected `-----BEGIN PUBLIC KEY-----` \
                 or `-----BEGIN RSA PUBLIC KEY-----`)",
            )
        })
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A top-level input object whose field names have been checked.
pub(crate) struct Doc<'a> {
    pub(crate) map: &'a Map<String, Value>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(input: &'a Value, allowed: &[&str]) -> Result<Self, InputError> {
        let Value::Object(map) = input else {
            return Err(InputError::new(
                "$",
                format!("expected an object, found {}", kind(input)),
            ));
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(InputError::new(
                unknown.as_str(),
                format!("unknown field (expected: {})", allowed.join(", ")),
            ));
        }
        Ok(Doc { map })
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub(crate) fn required(&self, name: &str) -> Result<&'a Value, InputError> {
        self.map
            .get(name)
            .ok_or_else(|| InputError::new(name, "missing"))
    }

    pub(crate) fn required_str(&self, name: &str) -> Result<&'a str, InputError> {
        match self.required(name)? {
            Value::String(s) => Ok(s),
            other => Err(InputError::new(
                name,
                format!("expected a string, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn optional_str(&self, name: &str) -> Result<Option<&'a str>, InputError> {
        if self.has(name) {
            self.required_str(name).map(Some)
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sorted_family() -> SchemeFamily {
        serde_json::from_value(json!({
            "family": "sorted-params-digest",
            "params": {
                "key_order": "case_insensitive",
                "pair_separator": "&",
                "kv_separator": "=",
                "exclude_keys": ["Sign"],
                "skip_empty": true,
                "secret_placement": "append",
                "digest": "md5",
                "output": "hex_lower"
            }
        }))
        .unwrap()
    }

    fn doc_input() -> Value {
        json!({
            "params": {
                "orderNo": "Or12898771811", "name": "John Li", "TimeStamp": "1566781991111",
                "Nonce": "dnasja1N", "MerchantNo": "meraojiasdoa123", "Lang": "en",
                "SignType": "1", "ApiKey": "asdhuasdaosd"
            },
            "secret": "merasdasd"
        })
    }

    #[test]
    fn family_json_shape() {
        let rsa: SchemeFamily = serde_json::from_value(json!({
            "family": "rsa-pkcs1v15-private-encrypt",
            "params": {"output": "base64", "password_template": "1bitpay{merchant_no}"}
        }))
        .unwrap();
        assert_eq!(rsa.name(), "rsa-pkcs1v15-private-encrypt");
        assert_eq!(
            serde_json::to_value(&rsa).unwrap()["family"],
            "rsa-pkcs1v15-private-encrypt"
        );
        assert_eq!(sorted_family().name(), "sorted-params-digest");
        let extra = json!({"family": "sorted-params-digest", "params": {}, "x": 1});
        assert!(serde_json::from_value::<SchemeFamily>(extra).is_err());
    }

    #[test]
    fn sorted_sign_and_verify_from_json() {
        let trace = sign_input(&sorted_family(), &doc_input()).unwrap();
        // Same value as the golden test in `sorted_params`.
        assert_eq!(trace.signature(), "d826a31317bb52a1832cf023bc7b3a07");
        let mut input = doc_input();
        input["signature"] = json!("D826A31317BB52A1832CF023BC7B3A07");
        verify_input(&sorted_family(), &input).unwrap();
        input["signature"] = json!("00");
        assert!(matches!(
            verify_input(&sorted_family(), &input),
            Err(VerifyError::Mismatch { .. })
        ));
    }

    #[test]
    fn input_errors_name_the_field() {
        let family = sorted_family();
        let err = |input: Value| sign_input(&family, &input).unwrap_err();

        let mut input = doc_input();
        input["params"]["orderNo"] = json!(12898771811u64);
        let e = err(input);
        assert_eq!(e.field, "params.orderNo");
        assert!(
            e.to_string()
                .starts_with("input field `params.orderNo`: expected a string, found a number"),
            "{e}"
        );

        let mut input = doc_input();
        input.as_object_mut().unwrap().remove("secret");
        assert_eq!(err(input), InputError::new("secret", "missing"));

        let mut input = doc_input();
        input["secrte"] = json!("typo");
        let e = err(input);
        assert_eq!(e.field, "secrte");
        assert!(e.problem.contains("unknown field"), "{e}");

        let mut input = doc_input();
        input["secret"] = json!(true);
        assert_eq!(err(input).problem, "expected a string, found a boolean");

        assert_eq!(err(json!([1])).field, "$");
        assert_eq!(err(json!({"params": [], "secret": "s"})).field, "params");

        // `signature` is only allowed when verifying.
        let mut input = doc_input();
        input["signature"] = json!("x");
        assert_eq!(err(input).field, "signature");
    }

    #[test]
    fn rsa_input_errors_name_the_field() {
        let family = SchemeFamily::RsaPkcs1v15PrivateEncrypt(RsaPrivateEncryptConfig {
            output: crate::OutputEncoding::Base64,
            password_template: "1bitpay{merchant_no}".into(),
        });
        let e = sign_input(
            &family,
            &json!({"pfx_base64": "%%%", "password": "p", "plaintext": "x"}),
        )
        .unwrap_err();
        assert_eq!(e.field, "pfx_base64");
        assert!(e.problem.contains("base64"), "{e}");

        let e = verify_input(
            &family,
            &json!({"public_key_pem": "nope", "plaintext": "x", "signature": "AA=="}),
        )
        .unwrap_err();
        assert!(
            matches!(&e, VerifyError::Input(i) if i.field == "public_key_pem"),
            "{e:?}"
        );

        let e = verify_input(
            &family,
            &json!({"public_key_pem": "k", "password": "p", "plaintext": "x", "signature": "s"}),
        )
        .unwrap_err();
        assert!(
            matches!(&e, VerifyError::Input(i) if i.field == "password"),
            "{e:?}"
        );

        let e = verify_input(&family, &json!({"plaintext": "x", "signature": "s"})).unwrap_err();
        assert!(
            matches!(&e, VerifyError::Input(i) if i.field == "pfx_base64"),
            "{e:?}"
        );
    }

    #[test]
    fn content_md5_dates_must_be_rfc_1123_gmt() {
        let family: SchemeFamily = serde_json::from_value(json!({
            "family": "content-md5-hmac",
            "params": {
                "separator": ",", "content_digest": "md5", "mac": "hmac_sha1",
                "output": "base64", "authorization_prefix": "Bitpro", "max_skew_seconds": 900
            }
        }))
        .unwrap();
        let input = |date: &str| json!({"method": "POST", "uri": "/u", "date": date, "body": "", "api_key": "k", "secret": "s"});
        sign_input(&family, &input("Mon, 10 Apr 2017 04:43:12 GMT")).unwrap();
        for bad in [
            "10 Apr 2017",
            "Monday, 10-Apr-17 04:43:12 GMT",
            "Mon Apr 10 04:43:12 2017",
            "Mon, 10 Apr 2017 04:43:12 +0000",
            "Tue, 10 Apr 2017 04:43:12 GMT",
            "mon, 10 apr 2017 04:43:12 gmt",
        ] {
            let e = sign_input(&family, &input(bad)).unwrap_err();
            assert_eq!(e.field, "date", "{bad}");
            assert!(e.problem.contains("RFC 1123"), "{bad}: {e}");
        }
        // Another RFC 7231 form is named together with its RFC 1123 spelling.
        let e = sign_input(&family, &input("Monday, 10-Apr-17 04:43:12 GMT")).unwrap_err();
        assert!(e.problem.contains("`Mon, 10 Apr 2017 04:43:12 GMT`"), "{e}");
        let mut verify = input("10 Apr 2017");
        verify["signature"] = json!("x");
        assert!(matches!(
            verify_input(&family, &verify),
            Err(VerifyError::Input(i)) if i.field == "date"
        ));
    }

    #[test]
    fn stringify_scalars_keeps_exact_number_text() {
        let v: Value =
            serde_json::from_str(r#"[ "a", 1.50, 12345678901234567890123, true, null, [], {} ]"#)
                .unwrap();
        let got: Vec<_> = v
            .as_array()
            .unwrap()
            .iter()
            .map(stringify_json_scalar)
            .collect();
        assert_eq!(
            got,
            [
                Some("a".to_owned()),
                Some("1.50".to_owned()),
                Some("12345678901234567890123".to_owned()),
                Some("true".to_owned()),
                None,
                None,
                None
            ]
        );
    }
}

#[cfg(all(test, feature = "schema"))]
mod schema_tests {
    use super::*;

    #[test]
    fn schema_carries_field_docs_and_rejects_unknown_fields() {
        let schema = serde_json::to_value(schemars::schema_for!(SchemeFamily)).unwrap();
        let text = schema.to_string();
        assert!(text.contains("sorted-params-digest"));
        assert!(text.contains("rsa-pkcs1v15-private-encrypt"));
        assert!(text.contains("Keys dropped before signing"));
        assert!(text.contains("1bitpay{merchant_no}"));
        assert!(text.contains(r#""additionalProperties":false"#));
    }
}
