//! How a scheme's signature is attached to an HTTP request, sans-IO.
//!
//! A binding takes a plain view of the request (public parameter values and the JSON
//! body) and returns the headers to attach. The transport sends them unchanged.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::evaluate::stringify_json_scalar;
use crate::secret::Secret;
use crate::sorted_params::SortedParamsConfig;
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
    /// Resolves every public parameter except the signature, in declaration order.
    pub fn public_values(
        &self,
        source: &dyn ParamSource,
    ) -> Result<Vec<(Cow<'static, str>, String)>, BindingError> {
        self.public_params
            .iter()
            .map(|param| {
                let value = match &param.value {
                    ParamValue::Nonce { length } => source.nonce(usize::from(*length)),
                    ParamValue::TimestampMillis => source.now_millis().to_string(),
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
                Ok((param.name.clone(), value))
            })
            .collect()
    }

    /// Signs public values plus the body's top-level scalar fields; returns every header.
    pub fn sign(
        &self,
        config: &SortedParamsConfig,
        secret: &Secret,
        public: Vec<(Cow<'static, str>, String)>,
        body: &serde_json::Value,
    ) -> Result<SignedHeaders, BindingError> {
        let body_params = flatten_body(body)?;
        if let Some((clash, _)) = body_params
            .iter()
            .find(|(key, _)| public.iter().any(|(name, _)| name == key))
        {
            return Err(BindingError::ClashesWithPublicParam(clash.to_string()));
        }
        let params: Vec<(&str, &str)> = public
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .chain(body_params.iter().map(|(k, v)| (*k, v.as_str())))
            .collect();
        // The lean path: no trace is built per request.
        let signature = config
            .signature(&params, secret)
            .map_err(|e| BindingError::Sign(e.to_string()))?;
        let mut headers = public;
        headers.push((self.signature_header.clone(), signature));
        Ok(SignedHeaders { headers })
    }
}

/// Top-level scalar fields of a JSON object as signing parameters; `null` is left out.
pub fn flatten_body(body: &serde_json::Value) -> Result<Vec<(&str, String)>, BindingError> {
    let object = match body {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => return Ok(Vec::new()),
        other => return Err(BindingError::BodyNotObject(json_kind(other))),
    };
    let mut params = Vec::with_capacity(object.len());
    for (key, value) in object {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                return Err(BindingError::NestedField(key.clone()));
            }
            scalar => {
                if let Some(text) = stringify_json_scalar(scalar) {
                    params.push((key.as_str(), text));
                }
            }
        }
    }
    Ok(params)
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
