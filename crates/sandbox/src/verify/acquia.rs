//! `acquia-http-hmac` (the merchant API): the request is checked stage by stage by
//! `AcquiaHmacConfig::verify_request` against the `Host`, path and query as received;
//! the nonce is then refused if seen inside the timestamp window; and the answer is
//! signed with `X-Server-Authorization-HMAC-SHA256` so clients exercise their check.

use std::time::{Duration, SystemTime};

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, AuthorizationParams, RESPONSE_SIGNATURE_HEADER, ReceivedRequest,
    RequestVerifyError,
};
use paysmith_sign::binding::AcquiaBinding;

use super::{Check, Received, Refusal, Verified};
use crate::api_spec::ApiSpec;
use crate::clock::unix_seconds;
use crate::error::SandboxError;
use crate::events::Stage;

#[derive(Debug)]
pub(crate) struct AcquiaVerifier {
    config: AcquiaHmacConfig,
    realm: String,
    id: String,
    key: AcquiaKey,
    /// Headers the binding says every request signs.
    signed_headers: Vec<String>,
}

impl AcquiaVerifier {
    pub fn build(
        api: &ApiSpec,
        config: &AcquiaHmacConfig,
        binding: &AcquiaBinding,
        credential: &dyn Fn(&str) -> Result<String, SandboxError>,
    ) -> Result<Self, SandboxError> {
        let secret = Secret::new(credential(&binding.secret_credential)?);
        let key = AcquiaKey::from_base64(&secret).map_err(|e| SandboxError::BadCredential {
            api: api.id().to_owned(),
            name: binding.secret_credential.to_string(),
            problem: e.to_string(),
        })?;
        Ok(AcquiaVerifier {
            config: config.clone(),
            realm: binding.realm.to_string(),
            id: credential(&binding.id_credential)?,
            key,
            signed_headers: binding
                .signed_headers
                .iter()
                .map(|h| h.to_string())
                .collect(),
        })
    }

    pub fn verify(&self, request: &Received<'_>, check: Check<'_>) -> Result<Verified, Refusal> {
        let now = check.now;
        let received = ReceivedRequest {
            method: request.method,
            host: request.host,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        let key_for = |id: &str| (id == self.id).then_some(&self.key);
        let verified = self
            .config
            .verify_request(&received, &self.realm, unix_seconds(now), &key_for)
            .map_err(refusal)?;
        if !self.signed_headers.is_empty() {
            let listed = request
                .header("Authorization")
                .and_then(|a| AuthorizationParams::parse(a).ok())
                .map(|p| p.headers)
                .unwrap_or_default();
            if let Some(missing) = self
                .signed_headers
                .iter()
                .find(|name| !listed.iter().any(|l| l.eq_ignore_ascii_case(name)))
            {
                return Err(Refusal::new(
                    Stage::Headers,
                    format!("header `{missing}` must be signed"),
                ));
            }
        }
        let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(verified.timestamp);
        let until = signed_at.max(now) + Duration::from_secs(self.config.max_skew_seconds);
        if !check
            .replay
            .first_use(check.api, &verified.nonce, now, until)
        {
            return Err(Refusal::new(
                Stage::Replay,
                format!(
                    "nonce `{}` was already used inside the window",
                    verified.nonce
                ),
            ));
        }
        Ok(Verified {
            response_signer: Some(ResponseSigner {
                key: self.key.clone(),
                nonce: verified.nonce.into_owned(),
                timestamp: verified.timestamp,
            }),
            ..Verified::default()
        })
    }
}

/// Signs an answer with the request's nonce and timestamp.
#[derive(Debug)]
pub(crate) struct ResponseSigner {
    key: AcquiaKey,
    nonce: String,
    timestamp: u64,
}

impl ResponseSigner {
    pub fn header(&self, body: &[u8]) -> (&'static str, String) {
        (
            RESPONSE_SIGNATURE_HEADER,
            AcquiaHmacConfig::response_signature(&self.key, &self.nonce, self.timestamp, body),
        )
    }
}

fn refusal(error: RequestVerifyError) -> Refusal {
    let stage = match &error {
        RequestVerifyError::MissingHeader(_)
        | RequestVerifyError::AuthorizationFormat(_)
        | RequestVerifyError::Version(_)
        | RequestVerifyError::Realm(_)
        | RequestVerifyError::TimestampFormat(_)
        | RequestVerifyError::MissingSignedHeader(_) => Stage::Headers,
        RequestVerifyError::Stale { .. } => Stage::Freshness,
        RequestVerifyError::ContentSha256 { .. } => Stage::ContentDigest,
        RequestVerifyError::UnknownId(_) => Stage::Credential,
        RequestVerifyError::Signature { .. } => Stage::Signature,
    };
    Refusal::new(stage, error.to_string())
}
