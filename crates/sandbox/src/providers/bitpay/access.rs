//! Whether a request's capability grants its call: the token the spec says it carries
//! (a facade token, or a resource token returned inside an earlier object), the facade
//! that token grants, and the key that signed the call. Refusals are worded as BitPay
//! words them (`{"error": ...}`) and logged with the stage that failed.

use std::collections::HashMap;

use paysmith_spec::model::TokenPlacement;

use super::ids;
use super::tokens::{TokenState, Tokens};
use crate::capability::{Caller, Capability, PUBLIC_FACADE};
use crate::events::Stage;
use crate::providers::ApiRequest;
use crate::respond::{ProviderError, Rejection};
use crate::verify::INVALID_SIGNATURE;

/// BitPay's answer to a call signed by a key the token is not bound to, or to a
/// SIN without tokens.
pub(crate) const UNAUTHORIZED_SIN: &str = "Unauthorized sin";
/// BitPay's answer to a token it does not know.
pub(crate) const INVALID_TOKEN: &str = "Invalid token";

/// BitPay's answer to a token of a facade the endpoint does not serve.
pub(crate) fn unsupported_facade(facade: &str) -> String {
    format!("This endpoint does not support the `{facade}` facade")
}

/// Kinds of resource that hand out their own token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ResourceKind {
    Invoice,
    Refund,
    Bill,
    Settlement,
    Recipient,
    Payout,
}

impl ResourceKind {
    /// The kind of the spec's model name.
    fn of_model(model: &str) -> Option<Self> {
        Some(match model {
            "Invoice" => ResourceKind::Invoice,
            "Refund" => ResourceKind::Refund,
            "Bill" => ResourceKind::Bill,
            "Settlement" => ResourceKind::Settlement,
            "Recipient" => ResourceKind::Recipient,
            "Payout" => ResourceKind::Payout,
            _ => return None,
        })
    }
}

/// What a resource token grants: one resource, to the facade (and the signing key)
/// it was returned to; it is used as that facade's token is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Grant {
    kind: ResourceKind,
    id: String,
    facade: String,
    sin: Option<String>,
}

/// Resource tokens handed out, one per resource and caller.
#[derive(Default)]
pub(crate) struct ResourceTokens {
    by_token: HashMap<String, Grant>,
    by_grant: HashMap<Grant, String>,
}

impl ResourceTokens {
    /// The token of resource `id` for `caller` (made on first use).
    pub fn issue(&mut self, kind: ResourceKind, id: &str, caller: &Caller) -> String {
        let grant = Grant {
            kind,
            id: id.to_owned(),
            facade: caller.facade.clone(),
            sin: caller.sin.clone(),
        };
        if let Some(token) = self.by_grant.get(&grant) {
            return token.clone();
        }
        let token = ids::resource_token();
        self.by_token.insert(token.clone(), grant.clone());
        self.by_grant.insert(grant, token.clone());
        token
    }
}

/// The facade and binding of the token a request carries.
struct Presented {
    facade: String,
    /// The SIN the token is bound to.
    sin: Option<String>,
}

/// Decides whether `request` may make its call.
pub(crate) fn authorize(
    request: &ApiRequest<'_>,
    tokens: &Tokens,
    resources: &ResourceTokens,
    now_ms: u64,
) -> Result<Option<Caller>, ProviderError> {
    let Some(capability) = request.capability else {
        return Ok(None);
    };
    let identity = request.identity.map(str::to_owned);
    if capability.is_public() {
        return Ok(Some(Caller {
            facade: PUBLIC_FACADE.to_owned(),
            token: None,
            sin: identity,
        }));
    }
    if matches!(capability.token, Some(TokenPlacement::None) | None) {
        return by_signature(capability, tokens, identity);
    }
    let Some(token) = request.token.clone() else {
        return Err(ProviderError::refused(
            Stage::Facade,
            Rejection::Unauthorized,
            unsupported_facade(PUBLIC_FACADE),
            "the call carries no token where the spec puts it",
        ));
    };
    let presented = match &capability.token {
        Some(TokenPlacement::Resource {
            model, path_params, ..
        }) => resource(request, resources, &token, model, path_params)?,
        _ => facade_token(tokens, &token, now_ms)?,
    };
    if !capability.grants(&presented.facade) {
        return Err(ProviderError::refused(
            Stage::Facade,
            Rejection::Forbidden,
            unsupported_facade(&presented.facade),
            format!(
                "a `{}` token; the endpoint serves {}",
                presented.facade,
                capability.facades.join(", ")
            ),
        ));
    }
    let must_sign = capability.signs(&presented.facade)
        || (presented.sin.is_some() && capability.signs_when_bound(&presented.facade));
    match (&identity, &presented.sin) {
        (None, _) if must_sign => {
            return Err(ProviderError::refused(
                Stage::Headers,
                Rejection::Unauthorized,
                INVALID_SIGNATURE,
                format!(
                    "a `{}` call with a token bound to a key must be signed: `X-Identity` and `X-Signature` are missing",
                    presented.facade
                ),
            ));
        }
        (Some(signer), Some(bound)) if signer != bound => {
            return Err(ProviderError::refused(
                Stage::Identity,
                Rejection::Unauthorized,
                UNAUTHORIZED_SIN,
                format!("signed by {signer}; the token is bound to {bound}"),
            ));
        }
        _ => {}
    }
    Ok(Some(Caller {
        facade: presented.facade,
        token: Some(token),
        sin: identity,
    }))
}

/// A call without a token (`GET /tokens`): the signature names the SIN, which must
/// hold an active token of one of the endpoint's facades.
fn by_signature(
    capability: &Capability,
    tokens: &Tokens,
    identity: Option<String>,
) -> Result<Option<Caller>, ProviderError> {
    let Some(sin) = identity else {
        return Err(ProviderError::refused(
            Stage::Headers,
            Rejection::Unauthorized,
            INVALID_SIGNATURE,
            "the call names its client only by its signature: `X-Identity` and `X-Signature` are missing",
        ));
    };
    let facade = tokens
        .approved_facades(&sin)
        .into_iter()
        .find(|facade| capability.grants(facade))
        .ok_or_else(|| {
            ProviderError::refused(
                Stage::Identity,
                Rejection::Unauthorized,
                UNAUTHORIZED_SIN,
                format!(
                    "{sin} holds no approved {} token",
                    capability.facades.join(" or ")
                ),
            )
        })?;
    Ok(Some(Caller {
        facade,
        token: None,
        sin: Some(sin),
    }))
}

fn facade_token(tokens: &Tokens, token: &str, now_ms: u64) -> Result<Presented, ProviderError> {
    let invalid = |reason: String| {
        ProviderError::refused(Stage::Token, Rejection::Unauthorized, INVALID_TOKEN, reason)
    };
    let found = tokens
        .get(token)
        .ok_or_else(|| invalid("no such token".into()))?;
    if found.state == TokenState::AwaitingApproval {
        let expired = found.pairing_expires_ms.is_some_and(|e| now_ms > e);
        return Err(invalid(if expired {
            "the token's pairing code expired before the merchant approved it".into()
        } else {
            "the token awaits the merchant's approval of its pairing code".into()
        }));
    }
    Ok(Presented {
        facade: found.facade.clone(),
        sin: found.sin.clone(),
    })
}

fn resource(
    request: &ApiRequest<'_>,
    resources: &ResourceTokens,
    token: &str,
    model: &str,
    path_params: &std::collections::BTreeMap<String, String>,
) -> Result<Presented, ProviderError> {
    let invalid = |reason: String| {
        ProviderError::refused(Stage::Token, Rejection::Unauthorized, INVALID_TOKEN, reason)
    };
    let grant = resources
        .by_token
        .get(token)
        .ok_or_else(|| invalid("no such resource token".into()))?;
    if Some(grant.kind) != ResourceKind::of_model(model) {
        return Err(invalid(format!(
            "the token is a {:?}'s, not a {model}'s",
            grant.kind
        )));
    }
    // The path names the resource through the fields the spec maps (`id`).
    for (param, field) in path_params {
        if field == "id" && request.path_params.get(param) != Some(&grant.id) {
            return Err(invalid(format!(
                "the token is {model} {}'s, not {}'s",
                grant.id,
                request.path_params.get(param).map_or("?", String::as_str)
            )));
        }
    }
    Ok(Presented {
        facade: grant.facade.clone(),
        sin: grant.sin.clone(),
    })
}
