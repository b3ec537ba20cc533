//! Capability tokens and pairing: a client asks for a token of a facade for its SIN
//! and gets a pairing code the merchant approves within 24 hours (client-initiated);
//! the merchant makes a pairing code in the dashboard that a client claims for its SIN
//! (server-initiated); the merchant makes a token without a key in the dashboard.

use std::time::{Duration, SystemTime};

use paysmith_sign::bitpay_ecdsa::validate_sin;
use rust_decimal::Decimal;
use serde::Serialize;

use super::ids;
use super::models::{
    ApiToken, ApprovedToken, TokenFacade, TokenPolicy, TokenPolicyKind, TokenPolicyMethod,
};
use crate::clock::unix_millis;
use crate::error::ControlError;
use crate::respond::ProviderError;

/// The facades a token can grant.
pub(crate) const FACADES: &[&str] = &["pos", "merchant", "payout"];

/// Where a token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// Requested by a client; waits for the merchant to approve its pairing code.
    AwaitingApproval,
    /// Usable.
    Active,
}

/// A token as the sandbox keeps it (the test controls show it; `Debug` does not).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct TokenView {
    pub token: String,
    pub facade: String,
    pub label: Option<String>,
    /// The SIN the token is bound to: its calls must be signed by that key. `None` for
    /// a token made in the dashboard without a key.
    pub sin: Option<String>,
    pub state: TokenState,
    pub created_ms: u64,
    /// The code that approves it, while it awaits approval.
    pub pairing_code: Option<String>,
    pub pairing_expires_ms: Option<u64>,
}

/// A pairing code made in the dashboard, for a client to claim (`Debug` does not
/// show the token it was claimed as).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PairingCodeView {
    pub pairing_code: String,
    pub facade: String,
    pub label: Option<String>,
    pub expires_ms: u64,
    /// The token it was claimed as, once claimed.
    pub claimed_as: Option<String>,
}

impl std::fmt::Debug for TokenView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenView")
            .field("token", &"<redacted>")
            .field("facade", &self.facade)
            .field("label", &self.label)
            .field("sin", &self.sin)
            .field("state", &self.state)
            .field("created_ms", &self.created_ms)
            .field("pairing_code", &self.pairing_code)
            .field("pairing_expires_ms", &self.pairing_expires_ms)
            .finish()
    }
}

impl std::fmt::Debug for PairingCodeView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairingCodeView")
            .field("pairing_code", &self.pairing_code)
            .field("facade", &self.facade)
            .field("label", &self.label)
            .field("expires_ms", &self.expires_ms)
            .field("claimed", &self.claimed_as.is_some())
            .finish()
    }
}

/// Why a pairing request or claim is refused (answered as `{"error": ...}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PairingError {
    InvalidSin(String),
    InvalidFacade(String),
    UnknownCode,
    ExpiredCode,
    ClaimedCode,
}

impl std::fmt::Display for PairingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PairingError::InvalidSin(why) => write!(f, "Invalid SIN: {why}"),
            PairingError::InvalidFacade(facade) => {
                write!(f, "Invalid facade `{facade}`: one of pos, merchant, payout")
            }
            PairingError::UnknownCode => f.write_str("Invalid pairing code"),
            PairingError::ExpiredCode => f.write_str("Pairing code has expired"),
            PairingError::ClaimedCode => f.write_str("Pairing code has already been claimed"),
        }
    }
}

#[derive(Default)]
pub(crate) struct Tokens {
    tokens: Vec<TokenView>,
    codes: Vec<PairingCodeView>,
}

impl Tokens {
    /// A token known in advance (configuration), already usable.
    pub fn seed(
        &mut self,
        facade: &str,
        token: &str,
        label: Option<String>,
        sin: Option<String>,
        now: SystemTime,
    ) {
        self.tokens.push(TokenView {
            token: token.to_owned(),
            facade: facade.to_owned(),
            label,
            sin,
            state: TokenState::Active,
            created_ms: unix_millis(now),
            pairing_code: None,
            pairing_expires_ms: None,
        });
    }

    pub fn get(&self, token: &str) -> Option<&TokenView> {
        self.tokens.iter().find(|t| t.token == token)
    }

    pub fn all(&self) -> Vec<TokenView> {
        self.tokens.clone()
    }

    pub fn codes(&self) -> Vec<PairingCodeView> {
        self.codes.clone()
    }

    /// Client-initiated pairing: a token awaiting approval, with its pairing code.
    pub fn request(
        &mut self,
        sin: &str,
        facade: &str,
        label: Option<String>,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<ApiToken, PairingError> {
        validate_sin(sin).map_err(|e| PairingError::InvalidSin(e.to_string()))?;
        if !FACADES.contains(&facade) {
            return Err(PairingError::InvalidFacade(facade.to_owned()));
        }
        let view = TokenView {
            token: ids::token(),
            facade: facade.to_owned(),
            label,
            sin: Some(sin.to_owned()),
            state: TokenState::AwaitingApproval,
            created_ms: unix_millis(now),
            pairing_code: Some(ids::pairing_code()),
            pairing_expires_ms: Some(unix_millis(now + lifetime)),
        };
        self.tokens.push(view.clone());
        Ok(api_token(&view))
    }

    /// The merchant approves a client-initiated pairing (opens the approval link).
    pub fn approve(&mut self, code: &str, now: SystemTime) -> Result<TokenView, ControlError> {
        let token = self
            .tokens
            .iter_mut()
            .find(|t| t.pairing_code.as_deref() == Some(code))
            .ok_or_else(|| ControlError::NotFound(format!("no pairing awaits code `{code}`")))?;
        if token
            .pairing_expires_ms
            .is_some_and(|expires| unix_millis(now) > expires)
        {
            return Err(ControlError::Conflict(format!(
                "pairing code `{code}` expired; the client must request a new token"
            )));
        }
        token.state = TokenState::Active;
        token.pairing_code = None;
        token.pairing_expires_ms = None;
        Ok(token.clone())
    }

    /// Server-initiated pairing: a code made in the dashboard.
    pub fn make_code(
        &mut self,
        facade: &str,
        label: Option<String>,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<PairingCodeView, ControlError> {
        if !FACADES.contains(&facade) {
            return Err(ControlError::Invalid(
                PairingError::InvalidFacade(facade.to_owned()).to_string(),
            ));
        }
        let view = PairingCodeView {
            pairing_code: ids::pairing_code(),
            facade: facade.to_owned(),
            label,
            expires_ms: unix_millis(now + lifetime),
            claimed_as: None,
        };
        self.codes.push(view.clone());
        Ok(view)
    }

    /// A client claims a dashboard pairing code for its SIN: the token is active and
    /// bound to the SIN.
    pub fn claim(
        &mut self,
        sin: &str,
        code: &str,
        label: Option<String>,
        now: SystemTime,
    ) -> Result<ApiToken, PairingError> {
        validate_sin(sin).map_err(|e| PairingError::InvalidSin(e.to_string()))?;
        let pairing = self
            .codes
            .iter_mut()
            .find(|c| c.pairing_code == code)
            .ok_or(PairingError::UnknownCode)?;
        if pairing.claimed_as.is_some() {
            return Err(PairingError::ClaimedCode);
        }
        if unix_millis(now) > pairing.expires_ms {
            return Err(PairingError::ExpiredCode);
        }
        let view = TokenView {
            token: ids::token(),
            facade: pairing.facade.clone(),
            label: label.or_else(|| pairing.label.clone()),
            sin: Some(sin.to_owned()),
            state: TokenState::Active,
            created_ms: unix_millis(now),
            pairing_code: None,
            pairing_expires_ms: None,
        };
        pairing.claimed_as = Some(view.token.clone());
        self.tokens.push(view.clone());
        Ok(api_token(&view))
    }

    /// A token made in the dashboard without a key (its calls need no signature).
    pub fn make_token(
        &mut self,
        facade: &str,
        label: Option<String>,
        now: SystemTime,
    ) -> Result<TokenView, ControlError> {
        if !FACADES.contains(&facade) {
            return Err(ControlError::Invalid(
                PairingError::InvalidFacade(facade.to_owned()).to_string(),
            ));
        }
        self.seed(facade, &ids::token(), label, None, now);
        Ok(self.tokens[self.tokens.len() - 1].clone())
    }

    /// The facades of the active tokens bound to `sin`.
    pub fn approved_facades(&self, sin: &str) -> Vec<String> {
        self.tokens
            .iter()
            .filter(|t| t.state == TokenState::Active && t.sin.as_deref() == Some(sin))
            .map(|t| t.facade.clone())
            .collect()
    }

    /// The active tokens bound to `sin`, one object per token keyed by its facade.
    pub fn approved_for(&self, sin: &str) -> Vec<ApprovedToken> {
        self.tokens
            .iter()
            .filter(|t| t.state == TokenState::Active && t.sin.as_deref() == Some(sin))
            .map(|t| {
                let mut approved = ApprovedToken {
                    pos: None,
                    merchant: None,
                    payout: None,
                };
                let slot = match t.facade.as_str() {
                    "pos" => &mut approved.pos,
                    "merchant" => &mut approved.merchant,
                    _ => &mut approved.payout,
                };
                *slot = Some(t.token.clone());
                approved
            })
            .collect()
    }
}

/// A token as the API returns it: its policies name the SIN, `inactive` while it
/// awaits approval, `requireSin` once usable.
fn api_token(view: &TokenView) -> ApiToken {
    let method = match view.state {
        TokenState::AwaitingApproval => TokenPolicyMethod::Inactive,
        TokenState::Active => TokenPolicyMethod::RequireSin,
    };
    let policies = view.sin.as_ref().map(|sin| {
        vec![TokenPolicy {
            policy: TokenPolicyKind::Id,
            method,
            params: Some(vec![sin.clone()]),
        }]
    });
    ApiToken {
        policies,
        resource: Some(ids::resource_id()),
        token: view.token.clone(),
        facade: TokenFacade::from_wire(&view.facade),
        label: view.label.clone(),
        date_created: Some(Decimal::from(view.created_ms)),
        pairing_expiration: view.pairing_expires_ms.map(Decimal::from),
        pairing_code: view.pairing_code.clone(),
    }
}

impl super::State {
    pub(crate) fn request_token(
        &mut self,
        ctx: &super::Ctx<'_>,
        request: super::models::RequestTokenRequest,
    ) -> Result<Vec<ApiToken>, ProviderError> {
        self.tokens
            .request(
                &request.id,
                request.facade.as_str(),
                request.label,
                ctx.now,
                ctx.config.pairing_lifetime,
            )
            .map(|token| vec![token])
            .map_err(|e| ProviderError::bad_request(e.to_string()))
    }

    pub(crate) fn claim_pairing_code(
        &mut self,
        ctx: &super::Ctx<'_>,
        request: super::models::ClaimPairingCodeRequest,
    ) -> Result<Vec<ApiToken>, ProviderError> {
        self.tokens
            .claim(&request.id, &request.pairing_code, request.label, ctx.now)
            .map(|token| vec![token])
            .map_err(|e| ProviderError::bad_request(e.to_string()))
    }

    /// The tokens approved for the SIN that signed the call.
    pub(crate) fn list_tokens(&self, caller: &crate::capability::Caller) -> Vec<ApprovedToken> {
        caller
            .sin
            .as_deref()
            .map(|sin| self.tokens.approved_for(sin))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIN: &str = "TfEdpTxBreHYjTe5ke9ENbGRWYBBcjGMZXY";
    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn a_requested_token_waits_for_its_code_until_it_expires() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut tokens = Tokens::default();
        let token = tokens
            .request(SIN, "merchant", Some("shop".into()), t0, DAY)
            .unwrap();
        let code = token.pairing_code.clone().unwrap();
        assert_eq!(code.len(), 7);
        assert_eq!(
            token.pairing_expiration,
            Some(Decimal::from(1_700_086_400_000u64))
        );
        assert_eq!(
            tokens.get(&token.token).unwrap().state,
            TokenState::AwaitingApproval
        );
        assert!(tokens.approved_for(SIN).is_empty());
        let late = tokens.approve(&code, t0 + DAY + Duration::from_secs(1));
        assert!(matches!(late, Err(ControlError::Conflict(_))), "{late:?}");
        tokens.approve(&code, t0 + DAY).unwrap();
        assert_eq!(
            tokens.approved_for(SIN)[0].merchant.as_deref(),
            Some(token.token.as_str())
        );
        assert!(tokens.request("Tnot-a-sin", "pos", None, t0, DAY).is_err());
        assert!(tokens.request(SIN, "public", None, t0, DAY).is_err());
    }

    #[test]
    fn a_dashboard_code_is_claimed_once_before_it_expires() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut tokens = Tokens::default();
        let code = tokens.make_code("pos", None, t0, DAY).unwrap().pairing_code;
        let expired = tokens.claim(SIN, &code, None, t0 + DAY * 2);
        assert_eq!(expired, Err(PairingError::ExpiredCode));
        let token = tokens.claim(SIN, &code, Some("till".into()), t0).unwrap();
        assert_eq!(token.facade, TokenFacade::Pos);
        assert_eq!(tokens.get(&token.token).unwrap().sin.as_deref(), Some(SIN));
        assert_eq!(
            tokens.claim(SIN, &code, None, t0),
            Err(PairingError::ClaimedCode)
        );
        assert_eq!(
            tokens.claim(SIN, "nope", None, t0),
            Err(PairingError::UnknownCode)
        );
    }
}
