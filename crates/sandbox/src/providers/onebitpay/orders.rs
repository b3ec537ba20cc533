//! C2C orders: creation (idempotent per merchant order number, as `isNew` implies),
//! the status life cycle the test controls drive, and the callback payload.

use std::collections::{BTreeMap, HashMap};

use rand::RngCore;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::invalid;
use super::models::{
    CreateOrderRequest, CreateOrderResponse, OrderCallback, OrderStatus, OrderType, PayWay,
};
use crate::error::ControlError;
use crate::outbox::Delivery;
use crate::providers::ApiRequest;
use crate::respond::ProviderError;

/// The document's example order number; the sandbox numbers orders from it.
const FIRST_ORDER_NO: u64 = 335_793_449_653_514_240;

/// The KYC level the document says passes.
const KYC_LEVEL: i64 = 2;

/// An order as the sandbox holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_no: String,
    pub merchant_order_no: String,
    pub order_type: OrderType,
    pub pay_way: PayWay,
    pub crypto_amount: Decimal,
    pub crypto_currency: String,
    pub legal_currency: String,
    pub status: OrderStatus,
    /// The amount dealt, once the exchange reports one.
    pub deal_amount: Option<Decimal>,
    pub async_url: Option<String>,
    pub sync_url: Option<String>,
    /// The cash register URL returned at creation.
    pub url: String,
    /// Callback notifications sent for this order, oldest first.
    pub notifications: Vec<u64>,
}

/// The result of a status change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub order: Order,
    /// The callback notification, when the order has an `asyncUrl`.
    pub notification: Option<u64>,
    /// Its first delivery (and any other delivery that was due at the same time).
    pub deliveries: Vec<Delivery>,
}

#[derive(Default)]
pub(crate) struct Orders {
    by_no: BTreeMap<String, Order>,
    by_merchant_order: HashMap<String, String>,
}

impl Orders {
    pub fn get(&self, order_no: &str) -> Option<&Order> {
        self.by_no.get(order_no)
    }

    pub fn all(&self) -> Vec<Order> {
        self.by_no.values().cloned().collect()
    }

    /// Creates an order, or answers the existing one (`isNew: false`) for a merchant
    /// order number already used.
    pub fn create(
        &mut self,
        request: &ApiRequest<'_>,
        merchant_no: &str,
        rates: &BTreeMap<(String, String), (Decimal, Decimal)>,
        cash_register: &str,
    ) -> Result<CreateOrderResponse, ProviderError> {
        let order: CreateOrderRequest = request.model().map_err(invalid)?;
        if let Some(existing) = self.by_merchant_order.get(&order.merchant_order_no) {
            let existing = &self.by_no[existing];
            return Ok(CreateOrderResponse {
                url: existing.url.clone(),
                is_new: false,
                order_no: existing.order_no.clone(),
            });
        }
        validate(&order, merchant_no, rates)?;
        let order_no = (FIRST_ORDER_NO + self.by_no.len() as u64).to_string();
        let lang = request.header("Lang").unwrap_or("en");
        let mut token = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let url = format!(
            "{cash_register}?t={}&o={order_no}&l={lang}",
            hex::encode(token)
        );
        self.by_merchant_order
            .insert(order.merchant_order_no.clone(), order_no.clone());
        self.by_no.insert(
            order_no.clone(),
            Order {
                order_no: order_no.clone(),
                merchant_order_no: order.merchant_order_no,
                order_type: order.order_type,
                pay_way: order.pay_way,
                crypto_amount: order.crypto_amount,
                crypto_currency: order.crypto_currency,
                legal_currency: order.legal_currency,
                status: OrderStatus::Initialized,
                deal_amount: None,
                async_url: order.async_url,
                sync_url: order.sync_url,
                url: url.clone(),
                notifications: Vec::new(),
            },
        );
        Ok(CreateOrderResponse {
            url,
            is_new: true,
            order_no,
        })
    }

    /// Moves an order along its life cycle.
    pub fn transition(
        &mut self,
        order_no: &str,
        status: OrderStatus,
        deal_amount: Option<Decimal>,
    ) -> Result<&Order, ControlError> {
        let order = self
            .by_no
            .get_mut(order_no)
            .ok_or_else(|| ControlError::NotFound(format!("no order `{order_no}`")))?;
        if matches!(status, OrderStatus::Unknown(_)) {
            return Err(ControlError::Invalid(format!(
                "status {status} is not a documented order status"
            )));
        }
        if is_final(order.status) {
            return Err(ControlError::Conflict(format!(
                "order `{order_no}` is final (status {}); it cannot move to {status}",
                order.status
            )));
        }
        if status == OrderStatus::Initialized || status == order.status {
            return Err(ControlError::Conflict(format!(
                "order `{order_no}` is in status {}; it cannot move to {status}",
                order.status
            )));
        }
        order.status = status;
        if deal_amount.is_some() {
            order.deal_amount = deal_amount;
        }
        Ok(order)
    }

    pub fn record_notification(&mut self, order_no: &str, id: u64) {
        if let Some(order) = self.by_no.get_mut(order_no) {
            order.notifications.push(id);
        }
    }
}

/// Completed (1 and 9), canceled and matching failed end an order.
fn is_final(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Completed
            | OrderStatus::Completed9
            | OrderStatus::Canceled
            | OrderStatus::MatchingFailed
    )
}

fn validate(
    order: &CreateOrderRequest,
    merchant_no: &str,
    rates: &BTreeMap<(String, String), (Decimal, Decimal)>,
) -> Result<(), ProviderError> {
    let refuse = |message: String| Err(ProviderError::bad_request(message));
    if let Some(body_merchant) = &order.merchant_no
        && body_merchant != merchant_no
    {
        return refuse(format!(
            "merchantNo `{body_merchant}` is not the merchant of the MerchantNo header"
        ));
    }
    if order.kyc < KYC_LEVEL {
        return refuse(format!("kyc level {KYC_LEVEL} is required"));
    }
    if order.crypto_amount <= Decimal::ZERO {
        return refuse("cryptoAmount must be greater than 0".into());
    }
    let pair = (order.crypto_currency.clone(), order.legal_currency.clone());
    if !rates.contains_key(&pair) {
        return refuse(format!("unsupported currency pair {}/{}", pair.0, pair.1));
    }
    match order.order_type {
        OrderType::Buy => Ok(()),
        OrderType::Sell => {
            if order.pay_way != PayWay::BankCard {
                return refuse("sell orders support only payWay 1 (bank card)".into());
            }
            let blank =
                |field: &Option<String>| field.as_deref().is_none_or(|v| v.trim().is_empty());
            if blank(&order.bank) || blank(&order.bank_account) {
                return refuse("bank and bankAccount are required for sell orders".into());
            }
            Ok(())
        }
        OrderType::Unknown(code) => refuse(format!("orderType {code} is not 1 (buy) or 2 (sell)")),
    }
}

/// The callback body before signing: every field, `signature` left empty for the
/// signer to fill.
pub(crate) fn callback_payload(order: &Order) -> Value {
    let callback = OrderCallback {
        status: order.status,
        deal_amount: order.deal_amount.unwrap_or(order.crypto_amount),
        merchant_order_no: order.merchant_order_no.clone(),
        order_no: order.order_no.clone(),
        order_type: order.order_type,
        signature: String::new(),
    };
    serde_json::to_value(callback).unwrap_or(Value::Null)
}
