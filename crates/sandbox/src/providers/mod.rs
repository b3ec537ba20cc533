//! The hand-written behaviour of each provider: what a verified request does to the
//! in-memory state and what it answers, plus the test controls that move that state.
//!
//! Routing, decoding and signature checks are derived from the spec before a request
//! reaches a provider. Adding a provider is adding a module here with a
//! [`ProviderInfo`] (name, API id, base path, builder), listing it in [`PROVIDERS`],
//! giving [`crate::SandboxConfig`] a field for its account and [`crate::Sandbox`] an
//! accessor for its handle. The module implements `Provider`: the endpoints it
//! handles (the spec's others answer 501), their behaviour, its controls, and the
//! outbound notifications it queues on the shared outbox with a
//! `CallbackPlan` built from the spec's callback. A new HTTP binding
//! is one more verifier in `crate::verify`; the answer shape (envelope, data envelope,
//! error body with code) already comes from the spec.

pub mod bitpay;
pub mod bitpro;
pub mod bitpro_mapi;
pub mod onebitpay;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use paysmith_sign::rsa::RsaPublicKey;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api_spec::ApiSpec;
use crate::capability::{Caller, Capability};
use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::respond::{ProviderError, Rejection};
use crate::shared::Shared;
use crate::verify::CredentialSource;

/// A provider the sandbox can serve.
pub struct ProviderInfo {
    /// Name used to select it (`--provider`) and in its base path.
    pub name: &'static str,
    /// API id in the spec.
    pub api: &'static str,
    /// Where its API is mounted; its test controls are under `/_sandbox` + this.
    pub base_path: &'static str,
    pub(crate) build: Builder,
}

pub(crate) type Builder =
    fn(&ApiSpec, ProviderCtx, &SandboxConfig) -> Result<Arc<dyn Provider>, SandboxError>;

/// Every provider, in the order they are listed.
pub const PROVIDERS: &[ProviderInfo] = &[
    onebitpay::INFO,
    bitpro::INFO,
    bitpro_mapi::INFO,
    bitpay::INFO,
];

/// The providers named (by name or API id), or all of them.
pub(crate) fn select(names: Option<&[String]>) -> Result<Vec<&'static ProviderInfo>, SandboxError> {
    let Some(names) = names.filter(|n| !n.is_empty()) else {
        return Ok(PROVIDERS.iter().collect());
    };
    let mut selected: Vec<&'static ProviderInfo> = Vec::new();
    for name in names {
        let info = PROVIDERS
            .iter()
            .find(|p| p.name == name || p.api == name)
            .ok_or_else(|| SandboxError::UnknownProvider {
                name: name.clone(),
                known: PROVIDERS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if !selected.iter().any(|s| std::ptr::eq(*s, info)) {
            selected.push(info);
        }
    }
    Ok(selected)
}

/// What a provider is built with.
#[derive(Clone)]
pub(crate) struct ProviderCtx {
    pub shared: Arc<Shared>,
    /// The provider's base URL (`http://127.0.0.1:PORT/onebitpay`).
    pub url: String,
    /// Its test controls' base URL (`http://127.0.0.1:PORT/_sandbox/onebitpay`).
    pub control_url: String,
}

/// A verified, decoded request.
pub(crate) struct ApiRequest<'a> {
    /// Endpoint id in the spec.
    pub endpoint: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// Path parameters, decoded, by the names of the spec's path template.
    pub path_params: &'a BTreeMap<String, String>,
    /// The request model's fields as JSON (`null` when the endpoint has none), without
    /// the capability token.
    pub body: Value,
    pub headers: &'a [(&'a str, &'a str)],
    /// What the spec says about the endpoint's capability token (APIs with facades).
    pub capability: Option<&'a Capability>,
    /// The capability token, taken from where the spec puts it.
    pub token: Option<String>,
    /// Who signed the request, for schemes whose signature names its signer.
    pub identity: Option<&'a str>,
    /// Who made the call, once [`Provider::authorize`] accepted it.
    pub caller: Option<Caller>,
}

impl ApiRequest<'_> {
    pub fn path_param(&self, name: &str) -> Result<&str, ProviderError> {
        self.path_params
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| {
                ProviderError::bad_request(format!("path parameter `{name}` is missing"))
            })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    /// The body parsed into a generated request model; the error names the field.
    pub fn model<T: DeserializeOwned>(&self) -> Result<T, String> {
        let body = if self.body.is_null() {
            Value::Object(Default::default())
        } else {
            self.body.clone()
        };
        serde_path_to_error::deserialize(body).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                e.into_inner().to_string()
            } else {
                format!("`{path}`: {}", e.into_inner())
            }
        })
    }
}

/// What a handler answers: the response data (`None` for endpoints without data).
pub(crate) type Handled = Result<Option<Value>, ProviderError>;

/// One provider's behaviour.
pub(crate) trait Provider: Send + Sync + 'static {
    /// The merchant account's credentials, by the names the spec gives them.
    fn credentials(&self) -> &dyn CredentialSource;

    /// Endpoint ids this provider handles; the spec's other endpoints answer 501.
    fn endpoints(&self) -> &'static [&'static str];

    /// Decides whether the request's capability (its token, its signer) grants the
    /// call, before it is handled; refusals carry their stage. Providers without
    /// capability tokens accept every verified request.
    fn authorize(&self, _request: &ApiRequest<'_>) -> Result<Option<Caller>, ProviderError> {
        Ok(None)
    }

    fn handle(&self, request: ApiRequest<'_>) -> Handled;

    /// Public key for a body signature scheme, when the provider has one.
    fn body_signature_key(&self, _scheme: &str) -> Option<RsaPublicKey> {
        None
    }

    /// Its test-control routes, mounted under `/_sandbox` + its base path.
    fn controls(&self) -> Router;

    /// Pages the provider hosts next to its API, under its base path (a checkout
    /// page a payment link opens); none by default.
    fn pages(&self) -> Router {
        Router::new()
    }

    fn as_any(&self) -> &dyn Any;
}

/// The answer for an endpoint a provider does not handle.
pub(crate) fn unhandled(endpoint: &str) -> ProviderError {
    ProviderError::new(
        Rejection::NotImplemented,
        format!("the sandbox does not implement `{endpoint}`"),
    )
}

/// The messages an API documents for its errors (`error_body.kinds` in the spec), by
/// kind name, so every refusal a provider makes is worded exactly as the document
/// words it.
#[derive(Clone, Debug, Default)]
pub(crate) struct DocumentedErrors(BTreeMap<String, String>);

impl DocumentedErrors {
    /// The API's documented messages; each of `used` must be among them, so a kind
    /// renamed in the spec fails at start rather than at the first refusal.
    pub fn from_spec(api: &ApiSpec, used: &[&str]) -> Result<Self, SandboxError> {
        let messages: BTreeMap<String, String> = api
            .api
            .error_body
            .iter()
            .flat_map(|body| &body.kinds)
            .filter_map(|kind| Some((kind.name.clone(), kind.message.clone()?)))
            .collect();
        if let Some(missing) = used.iter().find(|name| !messages.contains_key(**name)) {
            return Err(api.problem(format!(
                "the sandbox refuses with error kind `{missing}`, which the spec does not document"
            )));
        }
        Ok(DocumentedErrors(messages))
    }

    /// The documented refusal `kind`, with `rejection`'s status.
    pub fn error(&self, rejection: Rejection, kind: &str) -> ProviderError {
        let message = self.0.get(kind).cloned().unwrap_or_else(|| kind.to_owned());
        ProviderError::new(rejection, message)
    }
}

/// Serialises a generated response model into the answer's data.
pub(crate) fn data<T: serde::Serialize>(model: &T) -> Handled {
    serde_json::to_value(model)
        .map(Some)
        .map_err(|e| ProviderError::new(Rejection::Internal, e.to_string()))
}
