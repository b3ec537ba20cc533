//! BitPay's notifications: unsigned JSON POSTed to a URL, acknowledged by any 2xx
//! answer (the spec gives no acknowledgement body), retried on the invoice IPN's
//! published schedule, or on the configured policy for the notifications whose
//! schedule BitPay leaves undefined.

use std::sync::Arc;

use paysmith_spec::types::TypeRef;
use serde::Serialize;
use serde_json::Value;

use super::BitPayConfig;
use crate::api_spec::ApiSpec;
use crate::error::SandboxError;
use crate::outbox::{CallbackPlan, RetryPolicy};

/// The spec's callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Callback {
    InvoiceIpn,
    InvoiceWebhook,
    RefundWebhook,
    RecipientWebhook,
    PayoutWebhook,
}

impl Callback {
    const ALL: [Callback; 5] = [
        Callback::InvoiceIpn,
        Callback::InvoiceWebhook,
        Callback::RefundWebhook,
        Callback::RecipientWebhook,
        Callback::PayoutWebhook,
    ];

    fn id(self) -> &'static str {
        match self {
            Callback::InvoiceIpn => "invoice_ipn",
            Callback::InvoiceWebhook => "invoice_webhook",
            Callback::RefundWebhook => "refund_webhook",
            Callback::RecipientWebhook => "recipient_webhook",
            Callback::PayoutWebhook => "payout_webhook",
        }
    }
}

/// A notification to send once the state is released.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub callback: Callback,
    pub url: String,
    pub payload: Value,
}

impl Outgoing {
    pub fn new<T: Serialize>(callback: Callback, url: &str, payload: &T) -> Self {
        Outgoing {
            callback,
            url: url.to_owned(),
            payload: serde_json::to_value(payload).unwrap_or(Value::Null),
        }
    }
}

/// How each callback is sent, and its payload's type.
pub(crate) struct Notifications(Vec<(Callback, Arc<CallbackPlan>, TypeRef)>);

impl Notifications {
    pub fn from_spec(api: &ApiSpec, config: &BitPayConfig) -> Result<Self, SandboxError> {
        let ipn = api.callback(Callback::InvoiceIpn.id())?;
        let published = ipn.retry.as_ref().map(|retry| RetryPolicy {
            offsets: retry
                .offsets_seconds
                .iter()
                .map(|s| std::time::Duration::from_secs(*s))
                .collect(),
            window: std::time::Duration::from_secs(retry.window_seconds),
        });
        let fallback = config
            .notification_retry
            .clone()
            .or(published)
            .ok_or_else(|| {
                api.problem("the invoice IPN has no retry schedule and none is configured")
            })?;
        let plans = Callback::ALL
            .into_iter()
            .map(|callback| {
                let payload = &api.callback(callback.id())?.payload;
                let payload = TypeRef::parse(payload).map_err(|e| api.problem(e))?;
                CallbackPlan::from_spec(api, callback.id(), config, &fallback, None)
                    .map(|plan| (callback, Arc::new(plan), payload))
            })
            .collect::<Result<_, SandboxError>>()?;
        Ok(Notifications(plans))
    }

    /// The plan of `callback` and the type of its payload.
    pub fn plan(&self, callback: Callback) -> (Arc<CallbackPlan>, &TypeRef) {
        self.0
            .iter()
            .find(|(c, _, _)| *c == callback)
            .map(|(_, plan, payload)| (plan.clone(), payload))
            .expect("every callback has a plan")
    }
}
