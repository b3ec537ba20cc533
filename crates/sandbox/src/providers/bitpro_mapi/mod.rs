//! Bitpro merchant API: charges (created through the test controls, as a checkout
//! would create them), listed page by page, and the `charge:*` webhooks sent to the
//! URLs configured per event kind.

mod charges;
mod checkout;
mod control;

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use paysmith_sign::Secret;
use serde::{Deserialize, Serialize};

pub use paysmith_bitpro_mapi_models as models;

pub use charges::{ChargeView, FiredEvent, NewCharge, NewPayment};

use self::models::ChargeEventType;
use super::{ApiRequest, Handled, Provider, ProviderCtx, ProviderInfo};
use crate::api_spec::ApiSpec;
use crate::config::SandboxConfig;
use crate::error::{ControlError, SandboxError};
use crate::outbox::{CallbackPlan, RetryPolicy};
use crate::verify::CredentialSource;

pub const INFO: ProviderInfo = ProviderInfo {
    name: "bitpro-mapi",
    api: "bitpro_mapi",
    base_path: "/bitpro-mapi",
    build,
};

/// Payload field counting deliveries ("1 for the first").
const ATTEMPT_FIELD: &str = "/delivery_attempt";

/// The merchant account, its dashboard webhook settings and the sandbox's policies for
/// what the document leaves open.
#[derive(Clone, Debug)]
pub struct BitproMapiConfig {
    pub merchant_id: String,
    pub private_key: Secret,
    /// Charges per page of `list_charges` (undocumented; sandbox policy).
    pub page_size: usize,
    /// How long a new charge can be paid (the document's example: 20 minutes).
    pub charge_lifetime: Duration,
    /// Webhook URLs per event kind, as set in the dashboard.
    pub webhooks: Vec<Webhook>,
    /// When an unacknowledged webhook is retried (undocumented; sandbox policy).
    pub webhook_retry: RetryPolicy,
}

/// One dashboard webhook: an event kind and the URL it is posted to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub event: ChargeEventType,
    pub url: String,
}

/// Sandbox policy for webhook retries: the document describes none, so the sandbox
/// retries after 1, 5 and 15 minutes, then 1, 3, 6 and 12 hours, until a 2xx answer.
pub fn default_webhook_retry() -> RetryPolicy {
    RetryPolicy {
        offsets: [60, 300, 900, 3_600, 10_800, 21_600, 43_200]
            .into_iter()
            .map(Duration::from_secs)
            .collect(),
        window: Duration::from_secs(43_200),
    }
}

impl Default for BitproMapiConfig {
    /// The conformance suite's merchant; no webhook configured.
    fn default() -> Self {
        BitproMapiConfig {
            merchant_id: "0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40".into(),
            private_key: Secret::new("Yml0cHJvLW1lcmNoYW50LXNlY3JldC1rZXktMDAwMSE="),
            page_size: 25,
            charge_lifetime: Duration::from_secs(20 * 60),
            webhooks: Vec::new(),
            webhook_retry: default_webhook_retry(),
        }
    }
}

impl CredentialSource for BitproMapiConfig {
    fn credential(&self, name: &str) -> Option<String> {
        match name {
            "merchant_id" => Some(self.merchant_id.clone()),
            "private_key" => Some(self.private_key.expose().to_owned()),
            _ => None,
        }
    }
}

/// The running merchant API sandbox: its handler and its test controls. Clones share
/// state.
#[derive(Clone)]
pub struct BitproMapi(Arc<Inner>);

struct Inner {
    ctx: ProviderCtx,
    config: BitproMapiConfig,
    webhook: Arc<CallbackPlan>,
    /// Route of the payment link's page (the spec's link integration), if any.
    checkout_path: Option<String>,
    state: Mutex<State>,
}

struct State {
    charges: charges::Charges,
    webhooks: Vec<Webhook>,
}

fn build(
    api: &ApiSpec,
    ctx: ProviderCtx,
    config: &SandboxConfig,
) -> Result<Arc<dyn Provider>, SandboxError> {
    let account = config.bitpro_mapi.clone();
    if account.page_size == 0 {
        return Err(api.problem("the charges page size must be at least 1"));
    }
    let webhook = CallbackPlan::from_spec(
        api,
        "charge_webhook",
        &account,
        &account.webhook_retry,
        Some(ATTEMPT_FIELD),
    )?;
    Ok(Arc::new(BitproMapi(Arc::new(Inner {
        ctx,
        webhook: Arc::new(webhook),
        checkout_path: checkout::route_of(api),
        state: Mutex::new(State {
            charges: charges::Charges::default(),
            webhooks: account.webhooks.clone(),
        }),
        config: account,
    }))))
}

impl BitproMapi {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Base URL of the API: use it as the client's `Environment::Custom`.
    pub fn url(&self) -> &str {
        &self.0.ctx.url
    }

    /// Creates a charge, as a buyer opening the checkout would; the answer carries the
    /// sandbox id the other controls take.
    pub fn create_charge(&self, charge: NewCharge) -> Result<ChargeView, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        self.state()
            .charges
            .create(charge, now, self.0.config.charge_lifetime)
    }

    /// Every charge, newest first.
    pub fn charges(&self) -> Vec<ChargeView> {
        self.state().charges.all()
    }

    pub fn charge(&self, id: u64) -> Option<ChargeView> {
        self.state().charges.get(id)
    }

    /// Adds a dashboard webhook.
    pub fn add_webhook(&self, webhook: Webhook) -> Result<(), ControlError> {
        if let ChargeEventType::Unknown(kind) = &webhook.event {
            return Err(ControlError::Invalid(format!(
                "`{kind}` is not a charge event"
            )));
        }
        self.state().webhooks.push(webhook);
        Ok(())
    }

    pub fn webhooks(&self) -> Vec<Webhook> {
        self.state().webhooks.clone()
    }

    /// Something happens to charge `id`: the payment (if any) is recorded, then the
    /// event is posted to every webhook configured for `kind`; returns once the first
    /// deliveries are answered.
    pub async fn fire_event(
        &self,
        id: u64,
        kind: ChargeEventType,
        payment: Option<NewPayment>,
    ) -> Result<FiredEvent, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        let (event, urls) = {
            let mut state = self.state();
            let event = state.charges.event(id, kind.clone(), payment, now)?;
            let urls: Vec<String> = state
                .webhooks
                .iter()
                .filter(|w| w.event == kind)
                .map(|w| w.url.clone())
                .collect();
            (event, urls)
        };
        let payload = charges::webhook_payload(&event);
        let outbox = &self.0.ctx.shared.outbox;
        let notifications: Vec<u64> = urls
            .into_iter()
            .map(|url| outbox.enqueue(self.0.webhook.clone(), url, payload.clone()))
            .collect();
        let deliveries = if notifications.is_empty() {
            Vec::new()
        } else {
            outbox
                .run_due()
                .await
                .into_iter()
                .filter(|d| notifications.contains(&d.notification))
                .collect()
        };
        Ok(FiredEvent {
            event,
            notifications,
            deliveries,
        })
    }
}

impl Provider for BitproMapi {
    fn credentials(&self) -> &dyn CredentialSource {
        &self.0.config
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["list_charges"]
    }

    fn handle(&self, request: ApiRequest<'_>) -> Handled {
        match request.endpoint {
            "list_charges" => {
                let page = self
                    .state()
                    .charges
                    .page(&request.body, self.0.config.page_size)?;
                super::data(&page)
            }
            other => Err(super::unhandled(other)),
        }
    }

    fn controls(&self) -> Router {
        control::router(self.clone())
    }

    fn pages(&self) -> Router {
        match &self.0.checkout_path {
            Some(path) => checkout::router(path, self.clone()),
            None => Router::new(),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
