//! Charges, their payments and events, and the webhook payload of an event.

use std::time::{Duration, SystemTime};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::models::{
    Charge, ChargeAddress, ChargeEvent, ChargeEventType, ChargePayment, ChargeWebhook, PaymentState,
};
use crate::bitcoin::{new_testnet_address, new_txid};
use crate::clock::{iso8601_millis, iso8601_seconds};
use crate::error::ControlError;
use crate::outbox::Delivery;
use crate::respond::ProviderError;

/// A charge to create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCharge {
    /// Price in fiat units (`42.0`).
    pub fiat_price: Decimal,
    /// The address to pay; a fresh TestNet address when absent.
    #[serde(default)]
    pub address: Option<String>,
    /// The merchant's order id (the payment link's `external_order_id`).
    #[serde(default)]
    pub external_order_id: Option<String>,
}

/// A payment to record with an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    pub value: Decimal,
    /// A fresh transaction id when absent.
    #[serde(default)]
    pub txid: Option<String>,
    /// `confirmed` when absent (the only state the document shows).
    #[serde(default)]
    pub state: Option<PaymentState>,
}

/// A charge with the sandbox id the test controls use (the API shows no id) and the
/// merchant's order id it was created with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChargeView {
    pub id: u64,
    pub external_order_id: Option<String>,
    pub charge: Charge,
}

/// An event and its webhook deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FiredEvent {
    pub event: ChargeEvent,
    /// One notification per webhook configured for the event's kind.
    pub notifications: Vec<u64>,
    /// Their first deliveries.
    pub deliveries: Vec<Delivery>,
}

struct Stored {
    charge: Charge,
    external_order_id: Option<String>,
}

impl Stored {
    fn view(&self, id: u64) -> ChargeView {
        ChargeView {
            id,
            external_order_id: self.external_order_id.clone(),
            charge: self.charge.clone(),
        }
    }
}

/// Oldest first; ids are positions from 1.
#[derive(Default)]
pub(crate) struct Charges(Vec<Stored>);

impl Charges {
    pub fn create(
        &mut self,
        new: NewCharge,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<ChargeView, ControlError> {
        if new.fiat_price <= Decimal::ZERO {
            return Err(ControlError::Invalid("fiat_price must be positive".into()));
        }
        let mut fiat_price = new.fiat_price.normalize();
        if fiat_price.scale() == 0 {
            // Written as the example writes it: `42.0`.
            fiat_price.rescale(1);
        }
        let charge = Charge {
            fiat_price,
            expires_at: iso8601_seconds(now + lifetime),
            created_at: iso8601_seconds(now),
            addresses: vec![ChargeAddress {
                address: new.address.unwrap_or_else(new_testnet_address),
            }],
            payments: Vec::new(),
        };
        self.0.push(Stored {
            charge,
            external_order_id: new.external_order_id,
        });
        let id = self.0.len() as u64;
        Ok(self.0[self.0.len() - 1].view(id))
    }

    pub fn get(&self, id: u64) -> Option<ChargeView> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.0.get(index).map(|stored| stored.view(id))
    }

    pub fn all(&self) -> Vec<ChargeView> {
        (1..=self.0.len() as u64)
            .rev()
            .filter_map(|id| self.get(id))
            .collect()
    }

    /// Page `page` (from 1, default 1), newest first.
    pub fn page(&self, query: &Value, size: usize) -> Result<Vec<Charge>, ProviderError> {
        let page = match query.get("page") {
            None | Some(Value::Null) => 1,
            Some(value) => value
                .as_i64()
                .filter(|p| *p >= 1)
                .ok_or_else(|| ProviderError::bad_request("page must be an integer from 1"))?,
        };
        let skip = usize::try_from(page - 1)
            .ok()
            .and_then(|p| p.checked_mul(size))
            .unwrap_or(usize::MAX);
        Ok(self
            .0
            .iter()
            .rev()
            .skip(skip)
            .take(size)
            .map(|stored| stored.charge.clone())
            .collect())
    }

    /// Records what happened to charge `id` and returns the event.
    pub fn event(
        &mut self,
        id: u64,
        kind: ChargeEventType,
        payment: Option<NewPayment>,
        now: SystemTime,
    ) -> Result<ChargeEvent, ControlError> {
        if let ChargeEventType::Unknown(kind) = &kind {
            return Err(ControlError::Invalid(format!(
                "`{kind}` is not a charge event"
            )));
        }
        let charge = usize::try_from(id)
            .ok()
            .and_then(|id| id.checked_sub(1))
            .and_then(|index| self.0.get_mut(index))
            .map(|stored| &mut stored.charge)
            .ok_or_else(|| ControlError::NotFound(format!("no charge {id}")))?;
        match payment {
            Some(payment) => charge.payments.push(ChargePayment {
                txid: payment.txid.unwrap_or_else(new_txid),
                value: payment.value,
                state: payment.state.unwrap_or(PaymentState::Confirmed),
            }),
            None if kind == ChargeEventType::Confirmed => {
                for payment in &mut charge.payments {
                    payment.state = PaymentState::Confirmed;
                }
            }
            None => {}
        }
        Ok(ChargeEvent {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            occurred_at: iso8601_millis(now),
            data: charge.clone(),
        })
    }
}

/// The webhook body of an event; the attempt number is set at each delivery.
pub(crate) fn webhook_payload(event: &ChargeEvent) -> Value {
    let webhook = ChargeWebhook {
        delivery_attempt: 1,
        event: event.clone(),
    };
    serde_json::to_value(webhook).unwrap_or(Value::Null)
}
