//! A signature carried inside the body (1BitPay's RSA `data`): the covered fields'
//! compact JSON must be what the signature opens to under the key shard's public key.

use paysmith_sign::binding::covered_json;
use paysmith_sign::evaluate::SchemeFamily;
use paysmith_sign::rsa::RsaPublicKey;
use paysmith_sign::rsa_private::RsaPrivateEncryptConfig;
use paysmith_spec::model::BodySignature;
use serde_json::Value;

use super::Refusal;
use crate::api_spec::ApiSpec;
use crate::error::SandboxError;
use crate::events::Stage;

#[derive(Debug)]
pub(crate) struct BodySignatureVerifier {
    config: RsaPrivateEncryptConfig,
    field: String,
    covers: Vec<String>,
    /// `None` when no public key is configured: every such request is refused.
    key: Option<RsaPublicKey>,
}

impl BodySignatureVerifier {
    pub fn build(
        api: &ApiSpec,
        signature: &BodySignature,
        key: Option<RsaPublicKey>,
    ) -> Result<Self, SandboxError> {
        let scheme = api.scheme(&signature.scheme)?;
        let SchemeFamily::RsaPkcs1v15PrivateEncrypt(config) = &scheme.signing else {
            return Err(api.problem(format!(
                "body signature scheme `{}` has family `{}`; the sandbox verifies rsa-pkcs1v15-private-encrypt",
                signature.scheme,
                scheme.signing.name()
            )));
        };
        Ok(BodySignatureVerifier {
            config: config.clone(),
            field: signature.field.clone(),
            covers: signature.covers.clone(),
            key,
        })
    }

    pub fn verify(&self, body: &Value) -> Result<(), Refusal> {
        let refuse = |reason: String| Refusal::new(Stage::BodySignature, reason);
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| refuse("no key shard public key is configured".into()))?;
        let signature = body
            .get(&self.field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                refuse(format!(
                    "field `{}` with the signature is missing",
                    self.field
                ))
            })?;
        let covers: Vec<&str> = self.covers.iter().map(String::as_str).collect();
        let plaintext = covered_json(body, &covers);
        self.config
            .verify(key, &plaintext, signature)
            .map(|_| ())
            .map_err(|e| refuse(format!("`{}`: {e}", self.field)))
    }
}
