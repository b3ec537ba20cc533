//! 1BitPay: C2C rates and orders with their callbacks, and the MPC co-signer's
//! pending-signature queue and fund collection.

mod control;
mod cosigner;
mod orders;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use paysmith_sign::Secret;
use paysmith_sign::rsa::RsaPublicKey;
use paysmith_sign::rsa::pkcs8::DecodePublicKey;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use paysmith_onebitpay_models as models;

pub use cosigner::{Collection, Decision, NewPending};
pub use orders::{Order, StatusChange};

use self::models::{OrderStatus, PendingSignature, Rate, RateRequest};
use super::{ApiRequest, Handled, Provider, ProviderCtx, ProviderInfo};
use crate::api_spec::ApiSpec;
use crate::config::SandboxConfig;
use crate::error::{ControlError, SandboxError};
use crate::outbox::{CallbackPlan, RetryPolicy};
use crate::respond::ProviderError;
use crate::verify::CredentialSource;

pub const INFO: ProviderInfo = ProviderInfo {
    name: "onebitpay",
    api: "onebitpay",
    base_path: "/onebitpay",
    build,
};

/// The key shard fixture's public key (conformance/fixtures/onebitpay-mpc-rsa).
const FIXTURE_SHARD_PUBLIC_KEY: &str = include_str!("../../../fixtures/onebitpay-shard-public.pem");

/// The merchant account and the sandbox's market.
#[derive(Clone, Debug)]
pub struct OneBitPayConfig {
    pub api_key: String,
    pub api_secret: Secret,
    pub merchant_no: String,
    /// Public key of the merchant's key shard: approve and fund collection are refused
    /// without one. Default: the conformance fixture `keytool.pfx`.
    pub shard_public_key: Option<RsaPublicKey>,
    /// Currency pairs quoted by `get_rate`; any other pair is refused.
    pub rates: Vec<RateQuote>,
}

/// One quoted currency pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateQuote {
    pub crypto_currency: String,
    pub legal_currency: String,
    pub buy_rate: Decimal,
    pub sell_rate: Decimal,
}

impl Default for OneBitPayConfig {
    /// The conformance suite's credentials (the document's examples) and the
    /// document's USDT/CNY quote.
    fn default() -> Self {
        OneBitPayConfig {
            api_key: "asdhuasdaosd".into(),
            api_secret: Secret::new("merasdasd"),
            merchant_no: "mer1c92b0319ef5b794".into(),
            shard_public_key: RsaPublicKey::from_public_key_pem(FIXTURE_SHARD_PUBLIC_KEY).ok(),
            rates: vec![RateQuote {
                crypto_currency: "USDT".into(),
                legal_currency: "CNY".into(),
                buy_rate: Decimal::new(647, 2),
                sell_rate: Decimal::new(69, 1),
            }],
        }
    }
}

impl CredentialSource for OneBitPayConfig {
    fn credential(&self, name: &str) -> Option<String> {
        match name {
            "api_key" => Some(self.api_key.clone()),
            "api_secret" => Some(self.api_secret.expose().to_owned()),
            "merchant_no" => Some(self.merchant_no.clone()),
            _ => None,
        }
    }
}

/// The running 1BitPay sandbox: its handlers and its test controls. Clones share state.
#[derive(Clone)]
pub struct OneBitPay(Arc<Inner>);

struct Inner {
    ctx: ProviderCtx,
    config: OneBitPayConfig,
    callback: Arc<CallbackPlan>,
    state: Mutex<State>,
}

struct State {
    rates: BTreeMap<(String, String), (Decimal, Decimal)>,
    orders: orders::Orders,
    cosigner: cosigner::CoSigner,
}

fn build(
    api: &ApiSpec,
    ctx: ProviderCtx,
    config: &SandboxConfig,
) -> Result<Arc<dyn Provider>, SandboxError> {
    let account = config.onebitpay.clone();
    // The spec documents the callback's schedule; no fallback is ever used.
    let no_fallback = RetryPolicy {
        offsets: Vec::new(),
        window: std::time::Duration::ZERO,
    };
    let callback = CallbackPlan::from_spec(api, "order_callback", &account, &no_fallback, None)?;
    let rates = account
        .rates
        .iter()
        .map(|q| {
            (
                (q.crypto_currency.clone(), q.legal_currency.clone()),
                (q.buy_rate, q.sell_rate),
            )
        })
        .collect();
    Ok(Arc::new(OneBitPay(Arc::new(Inner {
        ctx,
        config: account,
        callback: Arc::new(callback),
        state: Mutex::new(State {
            rates,
            orders: orders::Orders::default(),
            cosigner: cosigner::CoSigner::default(),
        }),
    }))))
}

impl OneBitPay {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Base URL of the API: use it as the client's `Environment::Custom`.
    pub fn url(&self) -> &str {
        &self.0.ctx.url
    }

    /// Quotes (or re-quotes) a currency pair.
    pub fn set_rate(&self, quote: RateQuote) {
        self.state().rates.insert(
            (quote.crypto_currency, quote.legal_currency),
            (quote.buy_rate, quote.sell_rate),
        );
    }

    pub fn order(&self, order_no: &str) -> Option<Order> {
        self.state().orders.get(order_no).cloned()
    }

    pub fn orders(&self) -> Vec<Order> {
        self.state().orders.all()
    }

    /// Moves an order to `status` (as the exchange would) and sends its callback to the
    /// order's `asyncUrl`, if any; returns once the first delivery is answered. Orders
    /// never go back to `Initialized` and never leave a final status (completed,
    /// canceled, matching failed). `deal_amount` defaults to the order's amount.
    pub async fn set_order_status(
        &self,
        order_no: &str,
        status: OrderStatus,
        deal_amount: Option<Decimal>,
    ) -> Result<StatusChange, ControlError> {
        let (order, payload) = {
            let mut state = self.state();
            let order = state.orders.transition(order_no, status, deal_amount)?;
            (order.clone(), orders::callback_payload(order))
        };
        let outbox = &self.0.ctx.shared.outbox;
        let notification = order
            .async_url
            .clone()
            .map(|url| outbox.enqueue(self.0.callback.clone(), url, payload));
        if let Some(id) = notification {
            self.state().orders.record_notification(order_no, id);
        }
        let deliveries = match notification {
            Some(id) => outbox
                .run_due()
                .await
                .into_iter()
                .filter(|d| d.notification == id)
                .collect(),
            None => Vec::new(),
        };
        Ok(StatusChange {
            order: self.order(order_no).unwrap_or(order),
            notification,
            deliveries,
        })
    }

    /// Adds a transaction to the pending-signature queue; returns it with its id.
    pub fn add_pending(&self, pending: NewPending) -> PendingSignature {
        self.state().cosigner.add(pending)
    }

    /// The queue, oldest first.
    pub fn pending(&self) -> Vec<PendingSignature> {
        self.state().cosigner.queue()
    }

    /// Every approve or reject decision, in order.
    pub fn decisions(&self) -> Vec<Decision> {
        self.state().cosigner.decisions()
    }

    /// Every fund collection, in order.
    pub fn collections(&self) -> Vec<Collection> {
        self.state().cosigner.collections()
    }

    fn get_rate(&self, request: &ApiRequest<'_>) -> Handled {
        let request: RateRequest = request.model().map_err(invalid)?;
        let state = self.state();
        let (buy_rate, sell_rate) = state
            .rates
            .get(&(
                request.crypto_currency.clone(),
                request.legal_currency.clone(),
            ))
            .ok_or_else(|| {
                ProviderError::bad_request(format!(
                    "unsupported currency pair {}/{}",
                    request.crypto_currency, request.legal_currency
                ))
            })?;
        super::data(&Rate {
            buy_rate: *buy_rate,
            sell_rate: *sell_rate,
        })
    }
}

/// A request that does not fit its model.
fn invalid(problem: String) -> ProviderError {
    ProviderError::bad_request(format!("invalid parameter {problem}"))
}

impl Provider for OneBitPay {
    fn credentials(&self) -> &dyn CredentialSource {
        &self.0.config
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[
            "get_rate",
            "create_order",
            "pending_signatures",
            "approve",
            "collect_funds",
        ]
    }

    fn handle(&self, request: ApiRequest<'_>) -> Handled {
        let now = self.0.ctx.shared.clock.now();
        match request.endpoint {
            "get_rate" => self.get_rate(&request),
            "create_order" => {
                let cash_register =
                    format!("{}/1bitpay-open-api-h5/otc.html", self.0.ctx.control_url);
                let mut state = self.state();
                let State { rates, orders, .. } = &mut *state;
                let answer =
                    orders.create(&request, &self.0.config.merchant_no, rates, &cash_register)?;
                super::data(&answer)
            }
            "pending_signatures" => super::data(&self.state().cosigner.page(&request)?),
            "approve" => self.state().cosigner.approve(&request, now).map(|()| None),
            "collect_funds" => self.state().cosigner.collect(&request, now).map(|()| None),
            other => Err(super::unhandled(other)),
        }
    }

    fn body_signature_key(&self, _scheme: &str) -> Option<RsaPublicKey> {
        self.0.config.shard_public_key.clone()
    }

    fn controls(&self) -> Router {
        control::router(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_shard_key_parses() {
        assert!(OneBitPayConfig::default().shard_public_key.is_some());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", OneBitPayConfig::default());
        assert!(!shown.contains("merasdasd"), "{shown}");
    }
}
