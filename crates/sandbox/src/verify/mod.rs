//! Server-side checking of a request's signature, built from the scheme the spec
//! names for the endpoint: its family, its parameters and its HTTP binding. The
//! checking itself is the hand-written verifiers of `paysmith-sign`.

mod acquia;
mod body_signature;
mod content_md5;
mod header_params;
mod identity;
mod replay;

use std::time::{Duration, SystemTime};

use paysmith_sign::binding::HttpBinding;
use paysmith_sign::evaluate::SchemeFamily;
use serde_json::Value;

pub(crate) use acquia::ResponseSigner;
pub(crate) use body_signature::BodySignatureVerifier;
pub(crate) use identity::INVALID_SIGNATURE;
pub(crate) use replay::ReplayGuard;

use crate::api_spec::ApiSpec;
use crate::error::SandboxError;
use crate::events::Stage;

/// A request as it arrived, in the parts signatures cover.
#[derive(Debug)]
pub(crate) struct Received<'a> {
    pub method: &'a str,
    /// The `Host` header.
    pub host: &'a str,
    /// The path as sent, base path included, not decoded.
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// The decoded request fields (the JSON body for JSON APIs).
    pub json: &'a Value,
}

impl Received<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

/// Why a request was refused, and at which stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub stage: Stage,
    pub reason: String,
    /// What the client is told, when the provider words refusals its own way; the
    /// reason otherwise.
    pub answer: Option<String>,
}

impl Refusal {
    pub fn new(stage: Stage, reason: impl Into<String>) -> Self {
        Refusal {
            stage,
            reason: reason.into(),
            answer: None,
        }
    }

    /// The same refusal, answered with the provider's own words.
    pub fn answered(mut self, answer: impl Into<String>) -> Self {
        self.answer = Some(answer.into());
        self
    }
}

/// What a request is checked against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Check<'a> {
    /// API id: nonces are remembered per API.
    pub api: &'a str,
    /// The sandbox time.
    pub now: SystemTime,
    pub replay: &'a ReplayGuard,
    /// The endpoint moves money (spec `money_moving`): where the scheme has no nonce,
    /// its signature may be used once inside the window.
    pub money_moving: bool,
}

/// A verified request; some schemes sign the answer too.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    pub response_signer: Option<ResponseSigner>,
    /// A replay mark (scope, key) that only holds if the request is carried out: a
    /// signature without a nonce is spent by a request that moved money, not by one
    /// the provider refused.
    pub spent_if_carried_out: Option<(String, String)>,
    /// Who signed, for schemes whose signature names its signer (BitPay's SIN).
    pub identity: Option<String>,
}

/// What is needed to verify: the credential values, by the names the spec gives them.
pub(crate) trait CredentialSource {
    fn credential(&self, name: &str) -> Option<String>;
}

/// The verifier of one scheme, holding the merchant's credentials.
#[derive(Debug)]
pub(crate) enum Verifier {
    HeaderParams(header_params::HeaderParamsVerifier),
    ContentMd5(content_md5::ContentMd5Verifier),
    Acquia(acquia::AcquiaVerifier),
    Identity(identity::IdentityVerifier),
}

impl Verifier {
    /// Builds the verifier of scheme `scheme_id`. Credentials the binding names must be
    /// configured: a missing one is an error at start, not a refusal at every request.
    pub fn build(
        api: &ApiSpec,
        scheme_id: &str,
        credentials: &dyn CredentialSource,
        default_window: Duration,
    ) -> Result<Self, SandboxError> {
        let scheme = api.scheme(scheme_id)?;
        let credential = |name: &str| {
            credentials
                .credential(name)
                .ok_or_else(|| SandboxError::MissingCredential {
                    api: api.id().to_owned(),
                    name: name.to_owned(),
                })
        };
        let mismatch = || {
            api.problem(format!(
                "scheme `{scheme_id}`: family `{}` with binding {:?} is not a request scheme the sandbox verifies",
                scheme.signing.name(),
                scheme.http.as_ref().map(binding_name)
            ))
        };
        match (&scheme.signing, &scheme.http) {
            (
                SchemeFamily::SortedParamsDigest(config),
                Some(HttpBinding::HeaderParams(binding)),
            ) => header_params::HeaderParamsVerifier::build(
                api,
                config,
                binding,
                &credential,
                default_window,
            )
            .map(Verifier::HeaderParams),
            (
                SchemeFamily::ContentMd5Hmac(config),
                Some(HttpBinding::ContentMd5Authorization(binding)),
            ) => Ok(Verifier::ContentMd5(content_md5::ContentMd5Verifier {
                config: config.clone(),
                api_key: credential(&binding.api_key_credential)?,
                secret: credential(&binding.secret_credential)?.into(),
            })),
            (
                SchemeFamily::AcquiaHttpHmac(config),
                Some(HttpBinding::AcquiaAuthorization(binding)),
            ) => acquia::AcquiaVerifier::build(api, config, binding, &credential)
                .map(Verifier::Acquia),
            (SchemeFamily::EcdsaSecp256k1(config), Some(HttpBinding::IdentityHeaders(_))) => {
                Ok(Verifier::Identity(identity::IdentityVerifier {
                    config: config.clone(),
                }))
            }
            _ => Err(mismatch()),
        }
    }

    /// Checks `request` against the sandbox clock; a verified nonce is recorded in
    /// the replay guard (scoped by API) so the same request is refused a second time.
    pub fn verify(&self, request: &Received<'_>, check: Check<'_>) -> Result<Verified, Refusal> {
        match self {
            Verifier::HeaderParams(verifier) => verifier.verify(request, check),
            Verifier::ContentMd5(verifier) => verifier.verify(request, check),
            Verifier::Acquia(verifier) => verifier.verify(request, check),
            Verifier::Identity(verifier) => verifier.verify(request),
        }
    }
}

fn binding_name(binding: &HttpBinding) -> &'static str {
    match binding {
        HttpBinding::HeaderParams(_) => "header_params",
        HttpBinding::ContentMd5Authorization(_) => "content_md5_authorization",
        HttpBinding::AcquiaAuthorization(_) => "acquia_authorization",
        HttpBinding::IdentityHeaders(_) => "identity_headers",
    }
}
