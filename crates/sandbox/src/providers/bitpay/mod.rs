//! BitPay: pairing and capability tokens (facades enforced, calls signed by the key a
//! token is bound to), invoices through their status life cycle with their
//! notifications, refunds, bills, ledgers and settlements, payout recipients and
//! payouts, and the fixed market (rates, currencies, wallets).

mod access;
mod api;
mod bills;
mod catalog;
mod control;
mod errors;
mod figures;
mod ids;
mod invoices;
mod ledger;
mod notify;
mod pages;
mod payouts;
mod refunds;
mod tokens;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::Router;
use paysmith_spec::types::TypeRef;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use paysmith_bitpay_models as models;

pub use invoices::{InvoiceView, NewPayment};
pub use tokens::{PairingCodeView, TokenState, TokenView};

use self::errors::Errors;
use self::notify::{Notifications, Outgoing};
use super::{ApiRequest, Handled, Provider, ProviderCtx, ProviderInfo};
use crate::api_spec::ApiSpec;
use crate::capability::Caller;
use crate::clock::unix_millis;
use crate::config::SandboxConfig;
use crate::error::{ControlError, SandboxError};
use crate::outbox::RetryPolicy;
use crate::respond::ProviderError;
use crate::schedule::Timed;
use crate::verify::CredentialSource;
use crate::wire::DecimalNumbers;

pub const INFO: ProviderInfo = ProviderInfo {
    name: "bitpay",
    api: "bitpay",
    base_path: "/bitpay",
    build,
};

/// The conformance suite's client key's SIN (`bitpay-ecdsa` vector
/// `create-invoice-post`): the default merchant and payout tokens are bound to it.
pub const CONFORMANCE_SIN: &str = "TfEdpTxBreHYjTe5ke9ENbGRWYBBcjGMZXY";

/// A token the merchant already has (made in the dashboard, or paired earlier).
/// `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeededToken {
    /// `pos`, `merchant` or `payout`.
    pub facade: String,
    pub token: String,
    #[serde(default)]
    pub label: Option<String>,
    /// The SIN it is bound to (its calls must be signed by that key); `None` for a
    /// dashboard token made without a key.
    #[serde(default)]
    pub sin: Option<String>,
}

impl std::fmt::Debug for SeededToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededToken")
            .field("facade", &self.facade)
            .field("token", &"<redacted>")
            .field("label", &self.label)
            .field("sin", &self.sin)
            .finish()
    }
}

/// Whether the merchant account can invoice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    #[default]
    Ready,
    /// Invoices are refused with `MisconfiguredAccount` (xx0118).
    Misconfigured,
    /// Invoices are refused with "Account not setup completely yet." (HTTP 500).
    NotSetUp,
}

/// The merchant account and the sandbox's policies where BitPay documents none.
#[derive(Clone, Debug)]
pub struct BitPayConfig {
    /// Tokens known at start. Default: the conformance suite's pos token (made without
    /// a key) and its merchant and payout tokens bound to [`CONFORMANCE_SIN`].
    pub tokens: Vec<SeededToken>,
    pub merchant_name: String,
    pub account: AccountState,
    /// How long a pairing code waits for approval or a claim (24 hours).
    pub pairing_lifetime: Duration,
    /// How long a new invoice accepts payment (15 minutes).
    pub invoice_lifetime: Duration,
    /// How long a paid invoice may wait for its confirmation before it is invalid
    /// (1 hour).
    pub confirmation_deadline: Duration,
    /// Invoice prices outside this range, in US dollars, are refused (policy:
    /// 1 to 1 000 000 USD).
    pub invoice_price_usd: (Decimal, Decimal),
    /// Invoices worth at least this many US dollars keep their buyer contact once set
    /// (policy: 3 000 USD).
    pub high_value_usd: Decimal,
    /// The code the buyer's SMS "receives" (policy).
    pub sms_code: String,
    /// Payouts below this many US dollars are refused (5, as documented).
    pub payout_minimum_usd: Decimal,
    /// The ledger invoices are credited to.
    pub ledger_currency: String,
    /// The account's recipient and payout notification URLs, for recipients and payouts
    /// created without one.
    pub recipient_notification_url: Option<String>,
    pub payout_notification_url: Option<String>,
    /// Retries of notifications whose schedule BitPay does not publish; `None` retries
    /// them on the invoice IPN's published schedule.
    pub notification_retry: Option<RetryPolicy>,
}

impl Default for BitPayConfig {
    fn default() -> Self {
        let seeded = |facade: &str, token: &str, sin: Option<&str>| SeededToken {
            facade: facade.into(),
            token: token.into(),
            label: Some("conformance".into()),
            sin: sin.map(str::to_owned),
        };
        BitPayConfig {
            tokens: vec![
                seeded("pos", "4h2h7kee5eh2hh4kaa8n0h8b4gqb6nh8ca5s8c6cn9n", None),
                seeded(
                    "merchant",
                    "G7XM9fcM1gtCN7DUr8ZWtPGVFLTKiYWanHR4kvqsnjP3",
                    Some(CONFORMANCE_SIN),
                ),
                seeded(
                    "payout",
                    "DsyNv4xXMXguMyQAfPtkznyZ7T5SxnAyaZEwc8nGJuL5",
                    Some(CONFORMANCE_SIN),
                ),
            ],
            merchant_name: "Sandbox Shop".into(),
            account: AccountState::Ready,
            pairing_lifetime: Duration::from_secs(24 * 3600),
            invoice_lifetime: Duration::from_secs(15 * 60),
            confirmation_deadline: Duration::from_secs(3600),
            invoice_price_usd: (Decimal::ONE, Decimal::from(1_000_000)),
            high_value_usd: Decimal::from(3_000),
            sms_code: "123456".into(),
            payout_minimum_usd: Decimal::from(5),
            ledger_currency: "USD".into(),
            recipient_notification_url: None,
            payout_notification_url: None,
            notification_retry: None,
        }
    }
}

/// BitPay signs with the client's key; the merchant account has no shared secret.
impl CredentialSource for BitPayConfig {
    fn credential(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The running BitPay sandbox: its handlers and its test controls. Clones share state.
#[derive(Clone)]
pub struct BitPay(Arc<Inner>);

struct Inner {
    ctx: ProviderCtx,
    config: BitPayConfig,
    errors: Errors,
    notifications: Notifications,
    /// BitPay writes amounts as JSON numbers: the answer type of each endpoint, and
    /// what the spec's models say is a decimal.
    responses: BTreeMap<String, TypeRef>,
    numbers: DecimalNumbers,
    /// Route of the pairing approval page (the spec's link integration).
    approval_path: Option<String>,
    state: Mutex<State>,
}

/// Everything the merchant account holds.
#[derive(Default)]
pub(crate) struct State {
    tokens: tokens::Tokens,
    resources: access::ResourceTokens,
    invoices: Vec<invoices::InvoiceRecord>,
    refunds: Vec<refunds::RefundRecord>,
    bills: Vec<models::Bill>,
    ledger: Vec<ledger::Entry>,
    settlements: Vec<models::Settlement>,
    recipients: Vec<models::Recipient>,
    payouts: Vec<models::Payout>,
    account: AccountState,
    /// Notifications made by the change being applied, sent once the state is released.
    outgoing: Vec<Outgoing>,
}

/// What a handler needs besides the state.
pub(crate) struct Ctx<'a> {
    pub now: SystemTime,
    /// The API's base URL.
    pub url: &'a str,
    pub config: &'a BitPayConfig,
    pub errors: &'a Errors,
    /// The request's method (the first digits of error codes); `POST` for controls.
    pub method: &'a str,
}

impl Ctx<'_> {
    pub fn now_ms(&self) -> i64 {
        i64::try_from(unix_millis(self.now)).unwrap_or(i64::MAX)
    }

    pub fn iso(&self) -> String {
        crate::clock::iso8601_millis(self.now)
    }
}

fn build(
    api: &ApiSpec,
    ctx: ProviderCtx,
    config: &SandboxConfig,
) -> Result<Arc<dyn Provider>, SandboxError> {
    let account = config.bitpay.clone();
    let errors = Errors::from_spec(api)?;
    let notifications = Notifications::from_spec(api, &account)?;
    let now = ctx.shared.clock.now();
    let mut state = State {
        account: account.account,
        ..State::default()
    };
    for seeded in &account.tokens {
        if !tokens::FACADES.contains(&seeded.facade.as_str()) {
            return Err(api.problem(format!(
                "seeded token facade `{}` is not one of pos, merchant, payout",
                seeded.facade
            )));
        }
        state.tokens.seed(
            &seeded.facade,
            &seeded.token,
            seeded.label.clone(),
            seeded.sin.clone(),
            now,
        );
    }
    let responses = api
        .api
        .endpoints
        .iter()
        .filter_map(|e| Some((e.id.clone(), TypeRef::parse(e.response.as_deref()?).ok()?)))
        .collect();
    let inner = Arc::new(Inner {
        approval_path: pages::route_of(api),
        responses,
        numbers: DecimalNumbers::of(api),
        ctx,
        config: account,
        errors,
        notifications,
        state: Mutex::new(state),
    });
    let timed: Arc<dyn Timed> = inner.clone();
    inner.ctx.shared.timers.register(&timed);
    Ok(Arc::new(BitPay(inner)))
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ctx<'a>(&'a self, method: &'a str) -> Ctx<'a> {
        Ctx {
            now: self.ctx.shared.clock.now(),
            url: &self.ctx.url,
            config: &self.config,
            errors: &self.errors,
            method,
        }
    }

    /// Queues the notifications the last change made, amounts as numbers; returns
    /// their ids.
    fn queue(&self, outgoing: Vec<Outgoing>) -> Vec<u64> {
        outgoing
            .into_iter()
            .map(|mut o| {
                let (plan, payload) = self.notifications.plan(o.callback);
                self.numbers.apply(payload, &mut o.payload);
                self.ctx.shared.outbox.enqueue(plan, o.url, o.payload)
            })
            .collect()
    }
}

impl Timed for Inner {
    fn next_due(&self) -> Option<SystemTime> {
        self.state().next_due(&self.config)
    }

    fn run_due(&self, now: SystemTime) {
        let outgoing = {
            let mut state = self.state();
            let ctx = Ctx {
                now,
                ..self.ctx("POST")
            };
            state.run_due(&ctx);
            std::mem::take(&mut state.outgoing)
        };
        self.queue(outgoing);
    }
}

/// What a control changed, and the notifications it sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changed<T> {
    pub value: T,
    /// The notifications the change made; their first deliveries are answered.
    pub notifications: Vec<u64>,
}

impl BitPay {
    /// Base URL of the API: use it as the client's `Environment::Custom`.
    pub fn url(&self) -> &str {
        &self.0.ctx.url
    }

    /// Applies a control's change, then sends the notifications it made and waits for
    /// their first deliveries.
    async fn apply<T>(
        &self,
        change: impl FnOnce(&mut State, &Ctx<'_>) -> Result<T, ControlError>,
    ) -> Result<Changed<T>, ControlError> {
        let (value, outgoing) = {
            let mut state = self.0.state();
            let ctx = self.0.ctx("POST");
            let value = change(&mut state, &ctx);
            let outgoing = std::mem::take(&mut state.outgoing);
            (value?, outgoing)
        };
        let notifications = self.0.queue(outgoing);
        if !notifications.is_empty() {
            self.0.ctx.shared.outbox.run_due().await;
        }
        Ok(Changed {
            value,
            notifications,
        })
    }

    /// Every token, pending or active.
    pub fn tokens(&self) -> Vec<TokenView> {
        self.0.state().tokens.all()
    }

    /// The merchant opens the approval link of a client-initiated pairing.
    pub fn approve_pairing(&self, pairing_code: &str) -> Result<TokenView, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        self.0.state().tokens.approve(pairing_code, now)
    }

    /// The merchant makes a pairing code in the dashboard, for a client to claim.
    pub fn create_pairing_code(
        &self,
        facade: &str,
        label: Option<String>,
    ) -> Result<PairingCodeView, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        self.0
            .state()
            .tokens
            .make_code(facade, label, now, self.0.config.pairing_lifetime)
    }

    /// The dashboard's pairing codes.
    pub fn pairing_codes(&self) -> Vec<PairingCodeView> {
        self.0.state().tokens.codes()
    }

    /// The merchant makes a token in the dashboard without a key.
    pub fn create_token(
        &self,
        facade: &str,
        label: Option<String>,
    ) -> Result<TokenView, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        self.0.state().tokens.make_token(facade, label, now)
    }

    /// Sets whether the account can invoice.
    pub fn set_account(&self, account: AccountState) {
        self.0.state().account = account;
    }

    /// Every invoice, newest first.
    pub fn invoices(&self) -> Vec<InvoiceView> {
        self.0.state().invoice_views()
    }

    pub fn invoice(&self, id: &str) -> Option<InvoiceView> {
        self.0
            .state()
            .invoice_views()
            .into_iter()
            .find(|v| v.invoice.id == id)
    }

    /// A buyer pays invoice `id` (all of it unless `amount` says otherwise).
    pub async fn pay_invoice(
        &self,
        id: &str,
        payment: NewPayment,
    ) -> Result<Changed<InvoiceView>, ControlError> {
        self.apply(|state, ctx| state.pay(ctx, id, payment)).await
    }

    /// The invoice's payment reaches `confirmations` blocks.
    pub async fn confirm_invoice(
        &self,
        id: &str,
        confirmations: i64,
    ) -> Result<Changed<InvoiceView>, ControlError> {
        self.apply(|state, ctx| state.confirm(ctx, id, confirmations))
            .await
    }

    /// Every refund, newest first.
    pub fn refunds(&self) -> Vec<models::Refund> {
        self.0
            .state()
            .refunds
            .iter()
            .rev()
            .map(|r| r.refund.clone())
            .collect()
    }

    /// The refund moves on (`pending`, `success`, `failure`).
    pub async fn set_refund_status(
        &self,
        id: &str,
        status: models::RefundStatus,
    ) -> Result<Changed<models::Refund>, ControlError> {
        self.apply(|state, ctx| state.set_refund_status(ctx, id, status))
            .await
    }

    /// Every recipient, newest first.
    pub fn recipients(&self) -> Vec<models::Recipient> {
        self.0.state().recipients.iter().rev().cloned().collect()
    }

    /// The recipient moves on (signs up, is verified, …).
    pub async fn set_recipient_status(
        &self,
        id: &str,
        status: models::RecipientStatus,
    ) -> Result<Changed<models::Recipient>, ControlError> {
        self.apply(|state, ctx| state.set_recipient_status(ctx, id, status))
            .await
    }

    /// Every payout, newest first.
    pub fn payouts(&self) -> Vec<models::Payout> {
        self.0.state().payouts.iter().rev().cloned().collect()
    }

    /// The payout moves on (`funded`, `processing`, `complete`, `failed`).
    pub async fn set_payout_status(
        &self,
        id: &str,
        status: models::PayoutStatus,
    ) -> Result<Changed<models::Payout>, ControlError> {
        self.apply(|state, ctx| state.set_payout_status(ctx, id, status))
            .await
    }

    /// BitPay settles the ledger's entries since the last settlement.
    pub fn settle(
        &self,
        currency: Option<String>,
        status: Option<models::SettlementStatus>,
    ) -> Result<models::Settlement, ControlError> {
        let mut state = self.0.state();
        let ctx = self.0.ctx("POST");
        state.settle(&ctx, currency, status)
    }

    /// The ledger entries, oldest first.
    pub fn ledger_entries(&self) -> Vec<models::LedgerEntry> {
        let state = self.0.state();
        state.ledger.iter().map(ledger::Entry::model).collect()
    }
}

impl Provider for BitPay {
    fn credentials(&self) -> &dyn CredentialSource {
        &self.0.config
    }

    fn endpoints(&self) -> &'static [&'static str] {
        api::ENDPOINTS
    }

    fn authorize(&self, request: &ApiRequest<'_>) -> Result<Option<Caller>, ProviderError> {
        let state = self.0.state();
        let now = unix_millis(self.0.ctx.shared.clock.now());
        access::authorize(request, &state.tokens, &state.resources, now)
    }

    fn handle(&self, request: ApiRequest<'_>) -> Handled {
        let (answer, outgoing) = {
            let mut state = self.0.state();
            let ctx = self.0.ctx(request.method);
            let mut answer = state.handle(&ctx, &request);
            if let (Ok(Some(data)), Some(ty)) =
                (&mut answer, self.0.responses.get(request.endpoint))
            {
                self.0.numbers.apply(ty, data);
            }
            (answer, std::mem::take(&mut state.outgoing))
        };
        if !self.0.queue(outgoing).is_empty() {
            self.0.ctx.shared.deliver_soon();
        }
        answer
    }

    fn controls(&self) -> Router {
        control::router(self.clone())
    }

    fn pages(&self) -> Router {
        pages::router(self.0.approval_path.as_deref(), self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What the sandbox answers to calls that return nothing else (resending a
/// notification, delivering a bill, removing a recipient or a payout).
pub(crate) fn success() -> Value {
    Value::from("Success")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_token() {
        let config = BitPayConfig::default();
        let debug = format!("{config:?}");
        for seeded in &config.tokens {
            assert!(!debug.contains(&seeded.token), "{debug}");
        }
        assert!(debug.contains(CONFORMANCE_SIN));
    }
}
