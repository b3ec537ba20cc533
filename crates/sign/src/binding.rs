//! How a scheme's signature is attached to an HTTP request, sans-IO.
//!
//! A binding takes a plain view of the request (public parameter values and the JSON
//! body) and returns the headers to attach. The transport sends them unchanged.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::SignError;
use crate::secret::Secret;
use crate::sorted_params::{KeyPlan, SortedParamsConfig};
use crate::trace::Trace;

/// Where a scheme puts its signature on an HTTP request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HttpBinding {
    /// Public parameters travel as headers; they are merged with the top-level fields of
    /// the JSON body for signing, and the signature goes into one more header.
    HeaderParams(HeaderParamsBinding),
    /// `Date`, `Content-MD5` of the url-encoded parameters, and an `Authorization`
    /// carrying the api key and the MAC (family `content-md5-hmac`).
    ContentMd5Authorization(ContentMd5Binding),
    /// Acquia HTTP HMAC 2.0 headers: `Authorization: acquia-http-hmac …`,
    /// `X-Authorization-Timestamp`, and `X-Authorization-Content-SHA256` with a body
    /// (family `acquia-http-hmac`); the response signature is checked when present.
    AcquiaAuthorization(AcquiaBinding),
    /// The family's identity and signature headers over the full URL and the body as
    /// sent (family `ecdsa-secp256k1`); the key is the client's, not a credential.
    IdentityHeaders(IdentityHeadersBinding),
}

/// Nothing to configure: the header names are the family's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityHeadersBinding {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AcquiaBinding {
    /// Credential sent as `id` (who is signing).
    pub id_credential: Cow<'static, str>,
    /// Credential holding the base64 secret; its decoded bytes key the HMAC.
    pub secret_credential: Cow<'static, str>,
    /// Realm sent in `Authorization` and signed.
    pub realm: Cow<'static, str>,
    /// Headers the API sends on every request that are also signed.
    #[serde(default)]
    pub signed_headers: Cow<'static, [Cow<'static, str>]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ContentMd5Binding {
    /// Credential sent as the api key in `Authorization`.
    pub api_key_credential: Cow<'static, str>,
    /// Credential whose text keys the MAC (never sent).
    pub secret_credential: Cow<'static, str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HeaderParamsBinding {
    /// Public parameters, sent as headers in this order.
    pub public_params: Cow<'static, [PublicParam]>,
    /// Header that carries the signature.
    pub signature_header: Cow<'static, str>,
    /// Credential whose value is the signing secret (never sent).
    pub secret_credential: Cow<'static, str>,
}

/// One public parameter: its header name and where its value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicParam {
    /// Header and parameter name, exactly as sent.
    pub name: Cow<'static, str>,
    pub value: ParamValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ParamValue {
    /// A fresh random alphanumeric string of this length per request.
    Nonce { length: u8 },
    /// The current time in milliseconds since the Unix epoch, in decimal.
    TimestampMillis,
    /// A credential the user supplies, by name.
    Credential { name: Cow<'static, str> },
    /// A client setting with a default, by name.
    Setting { name: Cow<'static, str> },
    /// A fixed value.
    Constant { value: Cow<'static, str> },
}

/// What a binding needs from its caller: credentials, settings, a clock and a nonce.
pub trait ParamSource {
    fn credential(&self, name: &str) -> Option<&str>;
    fn setting(&self, name: &str) -> Option<&str>;
    fn nonce(&self, length: usize) -> String;
    fn now_millis(&self) -> u64;
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BindingError {
    #[error("no value for credential `{0}`")]
    MissingCredential(String),
    #[error("no value for setting `{0}`")]
    MissingSetting(String),
    #[error("the request body must be a JSON object to be signed, found {0}")]
    BodyNotObject(&'static str),
    #[error("body field `{0}` is an array or object; this scheme signs only scalar fields")]
    NestedField(String),
    #[error("body field `{0}` has the name of a public parameter")]
    ClashesWithPublicParam(String),
    #[error("{0}")]
    Sign(String),
}

/// Headers to attach: the public parameters, then the signature.
#[derive(Debug)]
pub struct SignedHeaders {
    pub headers: Vec<(Cow<'static, str>, String)>,
}

impl HeaderParamsBinding {
    /// Resolves every public parameter except the signature, in declaration order. The
    /// vector has room for the signature header that [`HeaderParamsBinding::sign`] adds.
    pub fn public_values(
        &self,
        source: &dyn ParamSource,
    ) -> Result<Vec<(Cow<'static, str>, String)>, BindingError> {
        let mut values = Vec::with_capacity(self.public_params.len() + 1);
        for param in self.public_params.iter() {
            let value = match &param.value {
                ParamValue::Nonce { length } => source.nonce(usize::from(*length)),
                ParamValue::TimestampMillis => decimal(source.now_millis()),
                ParamValue::Credential { name } => source
                    .credential(name)
                    .ok_or_else(|| BindingError::MissingCredential(name.to_string()))?
                    .to_owned(),
                ParamValue::Setting { name } => source
                    .setting(name)
                    .ok_or_else(|| BindingError::MissingSetting(name.to_string()))?
                    .to_owned(),
                ParamValue::Constant { value } => value.to_string(),
            };
            values.push((param.name.clone(), value));
        }
        Ok(values)
    }

    /// Signs public values plus the body's top-level scalar fields; returns every header.
    pub fn sign(
        &self,
        config: &SortedParamsConfig,
        secret: &Secret,
        public: Vec<(Cow<'static, str>, String)>,
        body: &serde_json::Value,
    ) -> Result<SignedHeaders, BindingError> {
        let signature = self.signature(config, secret, &public, body)?;
        Ok(self.headers(public, signature))
    }

    /// The public values, then the signature header.
    fn headers(
        &self,
        public: Vec<(Cow<'static, str>, String)>,
        signature: String,
    ) -> SignedHeaders {
        let mut headers = public;
        headers.push((self.signature_header.clone(), signature));
        SignedHeaders { headers }
    }

    /// Just the signature of public values plus the body's top-level scalar fields: the
    /// canonicalisation and signing [`HeaderParamsBinding::sign`] does, reading the
    /// body's text in place (no per-field copies, no trace).
    pub fn signature(
        &self,
        config: &SortedParamsConfig,
        secret: &Secret,
        public: &[(Cow<'static, str>, String)],
        body: &serde_json::Value,
    ) -> Result<String, BindingError> {
        let fields = body_fields(body)?;
        let params = public
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .chain(scalar_fields(fields));
        config.signature(params, secret).map_err(|e| match e {
            // Body keys are unique, so a repeated key is a body field named like a
            // public parameter.
            SignError::DuplicateKey(key) if fields.is_some_and(|f| f.contains_key(&key)) => {
                BindingError::ClashesWithPublicParam(key)
            }
            other => BindingError::Sign(other.to_string()),
        })
    }
}

impl HeaderParamsBinding {
    /// [`HeaderParamsBinding::sign`] for a body already read into its fields' text (see
    /// [`crate::json_fields`]): the same parameters, without a `serde_json::Value`.
    /// `plan` (see [`HeaderParamsBinding::key_plan`]) holds the scheme and lists the
    /// public parameters and then the body's fields in the order they are written, so
    /// they are placed in signing order rather than sorted.
    pub fn sign_fields<'f, F>(
        &self,
        plan: &KeyPlan,
        secret: &Secret,
        public: Vec<(Cow<'static, str>, String)>,
        fields: F,
    ) -> Result<SignedHeaders, BindingError>
    where
        F: IntoIterator<Item = (&'f str, &'f str)>,
        F::IntoIter: Clone,
    {
        let signature = self.fields_signature(plan, secret, &public, fields)?;
        Ok(self.headers(public, signature))
    }

    /// Just the signature [`HeaderParamsBinding::sign_fields`] attaches.
    pub fn fields_signature<'f, F>(
        &self,
        plan: &KeyPlan,
        secret: &Secret,
        public: &[(Cow<'static, str>, String)],
        fields: F,
    ) -> Result<String, BindingError>
    where
        F: IntoIterator<Item = (&'f str, &'f str)>,
        F::IntoIter: Clone,
    {
        // Fields borrowed for `'f` and public values borrowed here, as one item type.
        let fields = fields.into_iter().map(|(k, v)| -> (&str, &str) { (k, v) });
        let params = public
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .chain(fields);
        plan.signature(params, secret)
            .map_err(|e| BindingError::Sign(e.to_string()))
    }

    /// The plan of a request whose body is a model with these fields (wire names, in
    /// the order it writes them): the public parameters come first.
    pub fn key_plan(&self, config: &SortedParamsConfig, fields: &[&str]) -> KeyPlan {
        let public = self.public_params.iter().map(|p| p.name.as_ref());
        let keys: Vec<&str> = public.chain(fields.iter().copied()).collect();
        KeyPlan::new(config, &keys)
    }
}

/// Decimal text of `n` without going through the formatting machinery.
fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    String::from_utf8_lossy(&digits[start..]).into_owned()
}

/// The body's fields, after checking that it is an object (or `null`: no fields) whose
/// fields are all scalars.
fn body_fields(
    body: &serde_json::Value,
) -> Result<Option<&serde_json::Map<String, serde_json::Value>>, BindingError> {
    let object = match body {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => return Ok(None),
        other => return Err(BindingError::BodyNotObject(json_kind(other))),
    };
    if let Some((key, _)) = object.iter().find(|(_, v)| {
        matches!(
            v,
            serde_json::Value::Array(_) | serde_json::Value::Object(_)
        )
    }) {
        return Err(BindingError::NestedField(key.clone()));
    }
    Ok(Some(object))
}

/// The checked fields as signing parameters, their text borrowed from the body. The
/// iterator knows its length bound, so the signer allocates once.
fn scalar_fields(
    fields: Option<&serde_json::Map<String, serde_json::Value>>,
) -> impl Iterator<Item = (&str, &str)> {
    static NO_FIELDS: std::sync::LazyLock<serde_json::Map<String, serde_json::Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    fields
        .unwrap_or(&NO_FIELDS)
        .iter()
        .filter_map(|(key, value)| Some((key.as_str(), scalar_text(value)?)))
}

/// Text of a JSON scalar as [`crate::stringify_json_scalar`] gives it, borrowed: strings as-is,
/// numbers as their exact JSON text, booleans as `true`/`false`.
pub fn scalar_text(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::String(s) => Some(s),
        // `arbitrary_precision` keeps a number's JSON text as it was written.
        serde_json::Value::Number(n) => Some(n.as_str()),
        serde_json::Value::Bool(true) => Some("true"),
        serde_json::Value::Bool(false) => Some("false"),
        serde_json::Value::Null | serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            None
        }
    }
}

/// Top-level scalar fields of a JSON object as signing parameters; `null` is left out.
pub fn flatten_body(body: &serde_json::Value) -> Result<Vec<(&str, String)>, BindingError> {
    Ok(scalar_fields(body_fields(body)?)
        .map(|(key, text)| (key, text.to_owned()))
        .collect())
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The JSON object a body signature covers: the `covers` fields of `body`, in that
/// order, compact, absent and `null` fields left out.
pub fn covered_json(body: &serde_json::Value, covers: &[&str]) -> String {
    let mut covered = serde_json::Map::with_capacity(covers.len());
    for key in covers {
        if let Some(value) = body.get(*key).filter(|v| !v.is_null()) {
            covered.insert((*key).to_owned(), value.clone());
        }
    }
    serde_json::Value::Object(covered).to_string()
}

/// Signs the covered fields with the RSA family and stores the signature in `field`.
/// Returns the trace (its `plaintext` stage is the JSON string that was signed).
pub fn apply_body_signature(
    body: &mut serde_json::Value,
    config: &crate::rsa_private::RsaPrivateEncryptConfig,
    key: &crate::pkcs12::ShardKey,
    field: &str,
    covers: &[&str],
) -> Result<Trace, crate::SignError> {
    let plaintext = covered_json(body, covers);
    let trace = config.sign(key, &plaintext)?;
    if let serde_json::Value::Object(object) = body {
        object.insert(
            field.to_owned(),
            serde_json::Value::String(trace.signature().to_owned()),
        );
    }
    Ok(trace)
}

impl HeaderParamsBinding {
    /// Server side of [`HeaderParamsBinding::sign`]: reads the public parameters and the
    /// signature from `headers` (names compared case-insensitively), merges the body's
    /// top-level scalar fields and verifies in constant time.
    pub fn verify(
        &self,
        config: &SortedParamsConfig,
        secret: &Secret,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Result<Trace, HeaderVerifyError> {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| *value)
        };
        let signature = header(&self.signature_header)
            .ok_or_else(|| HeaderVerifyError::MissingHeader(self.signature_header.to_string()))?;
        let mut params: Vec<(&str, String)> = Vec::with_capacity(self.public_params.len() + 8);
        for param in self.public_params.iter() {
            let value = header(&param.name)
                .ok_or_else(|| HeaderVerifyError::MissingHeader(param.name.to_string()))?;
            params.push((param.name.as_ref(), value.to_owned()));
        }
        let body_params = flatten_body(body).map_err(HeaderVerifyError::Body)?;
        params.extend(body_params);
        config
            .verify(
                params.iter().map(|(k, v)| (*k, v.as_str())),
                secret,
                signature,
            )
            .map_err(HeaderVerifyError::Signature)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HeaderVerifyError {
    #[error("header `{0}` is missing")]
    MissingHeader(String),
    #[error(transparent)]
    Body(BindingError),
    #[error(transparent)]
    Signature(crate::VerifyError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{DigestAlgorithm, OutputEncoding};
    use crate::sorted_params::{KeyOrder, SecretPlacement};

    const CONFIG: SortedParamsConfig = SortedParamsConfig {
        key_order: KeyOrder::CaseInsensitive,
        pair_separator: Cow::Borrowed("&"),
        kv_separator: Cow::Borrowed("="),
        exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
        skip_empty: true,
        secret_placement: SecretPlacement::Append,
        digest: DigestAlgorithm::Md5,
        output: OutputEncoding::HexLower,
    };

    fn binding() -> HeaderParamsBinding {
        HeaderParamsBinding {
            public_params: Cow::Owned(vec![PublicParam {
                name: "ApiKey".into(),
                value: ParamValue::Constant { value: "k1".into() },
            }]),
            signature_header: "Sign".into(),
            secret_credential: "secret".into(),
        }
    }

    fn public() -> Vec<(Cow<'static, str>, String)> {
        vec![(Cow::Borrowed("ApiKey"), "k1".to_owned())]
    }

    #[test]
    fn signature_is_what_sign_attaches_and_reads_numbers_as_written() {
        let body: serde_json::Value =
            serde_json::from_str(r#"{"b": "x y", "a": 1.50, "c": true, "d": null}"#).unwrap();
        let secret = Secret::from("s");
        let signature = binding()
            .signature(&CONFIG, &secret, &public(), &body)
            .unwrap();
        let headers = binding()
            .sign(&CONFIG, &secret, public(), &body)
            .unwrap()
            .headers;
        assert_eq!(
            headers.last().unwrap(),
            &(Cow::Borrowed("Sign"), signature.clone())
        );
        let trace = CONFIG
            .sign(
                [("ApiKey", "k1"), ("b", "x y"), ("a", "1.50"), ("c", "true")],
                &secret,
            )
            .unwrap();
        assert_eq!(
            trace.get("string_to_sign"),
            Some("a=1.50&ApiKey=k1&b=x y&c=true")
        );
        assert_eq!(signature, trace.signature());
        let flat = flatten_body(&body).unwrap();
        assert_eq!(
            flat,
            [
                ("b", "x y".to_owned()),
                ("a", "1.50".to_owned()),
                ("c", "true".to_owned())
            ]
        );
    }

    #[test]
    fn body_errors_name_the_field() {
        let secret = Secret::from("s");
        let sign =
            |body: serde_json::Value| binding().signature(&CONFIG, &secret, &public(), &body);
        assert_eq!(
            sign(serde_json::json!({"ApiKey": "again"})),
            Err(BindingError::ClashesWithPublicParam("ApiKey".into()))
        );
        assert_eq!(
            sign(serde_json::json!({"a": 1, "list": [1]})),
            Err(BindingError::NestedField("list".into()))
        );
        assert_eq!(
            sign(serde_json::json!([1])),
            Err(BindingError::BodyNotObject("an array"))
        );
        // A null body signs the public values alone.
        assert!(sign(serde_json::Value::Null).is_ok());
    }
}
