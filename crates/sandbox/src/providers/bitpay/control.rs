//! The BitPay test controls over HTTP, under `/_sandbox/bitpay`; each is the matching
//! method of [`BitPay`]: what the merchant does in the dashboard and what buyers,
//! recipients and the blockchain do.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::models::{PayoutStatus, RecipientStatus, RefundStatus, SettlementStatus};
use super::{AccountState, BitPay, NewPayment};
use crate::error::ControlError;

pub(super) fn router(handle: BitPay) -> Router {
    Router::new()
        .route("/tokens", get(tokens).post(create_token))
        .route(
            "/pairing-codes",
            get(pairing_codes).post(create_pairing_code),
        )
        .route("/pairings/{code}/approve", post(approve))
        .route("/account", post(set_account))
        .route("/invoices", get(invoices))
        .route("/invoices/{id}", get(invoice))
        .route("/invoices/{id}/payments", post(pay))
        .route("/invoices/{id}/confirmations", post(confirm))
        .route("/refunds", get(refunds))
        .route("/refunds/{id}/status", post(refund_status))
        .route("/recipients", get(recipients))
        .route("/recipients/{id}/status", post(recipient_status))
        .route("/payouts", get(payouts))
        .route("/payouts/{id}/status", post(payout_status))
        .route("/settlements", post(settle))
        .route("/ledger", get(ledger))
        .with_state(handle)
}

fn answer<T: serde::Serialize>(result: Result<T, ControlError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FacadeBody {
    facade: String,
    #[serde(default)]
    label: Option<String>,
}

async fn tokens(State(h): State<BitPay>) -> Response {
    Json(h.tokens()).into_response()
}

async fn create_token(State(h): State<BitPay>, Json(body): Json<FacadeBody>) -> Response {
    answer(h.create_token(&body.facade, body.label))
}

async fn pairing_codes(State(h): State<BitPay>) -> Response {
    Json(h.pairing_codes()).into_response()
}

async fn create_pairing_code(State(h): State<BitPay>, Json(body): Json<FacadeBody>) -> Response {
    answer(h.create_pairing_code(&body.facade, body.label))
}

async fn approve(State(h): State<BitPay>, Path(code): Path<String>) -> Response {
    answer(h.approve_pairing(&code))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountBody {
    state: AccountState,
}

async fn set_account(State(h): State<BitPay>, Json(body): Json<AccountBody>) -> Response {
    h.set_account(body.state);
    Json(body.state).into_response()
}

async fn invoices(State(h): State<BitPay>) -> Response {
    Json(h.invoices()).into_response()
}

async fn invoice(State(h): State<BitPay>, Path(id): Path<String>) -> Response {
    answer(
        h.invoice(&id)
            .ok_or_else(|| ControlError::NotFound(format!("no invoice {id}"))),
    )
}

async fn pay(
    State(h): State<BitPay>,
    Path(id): Path<String>,
    Json(payment): Json<NewPayment>,
) -> Response {
    answer(h.pay_invoice(&id, payment).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmationsBody {
    confirmations: i64,
}

async fn confirm(
    State(h): State<BitPay>,
    Path(id): Path<String>,
    Json(body): Json<ConfirmationsBody>,
) -> Response {
    answer(h.confirm_invoice(&id, body.confirmations).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody<S> {
    status: S,
}

async fn refunds(State(h): State<BitPay>) -> Response {
    Json(h.refunds()).into_response()
}

async fn refund_status(
    State(h): State<BitPay>,
    Path(id): Path<String>,
    Json(body): Json<StatusBody<RefundStatus>>,
) -> Response {
    answer(h.set_refund_status(&id, body.status).await)
}

async fn recipients(State(h): State<BitPay>) -> Response {
    Json(h.recipients()).into_response()
}

async fn recipient_status(
    State(h): State<BitPay>,
    Path(id): Path<String>,
    Json(body): Json<StatusBody<RecipientStatus>>,
) -> Response {
    answer(h.set_recipient_status(&id, body.status).await)
}

async fn payouts(State(h): State<BitPay>) -> Response {
    Json(h.payouts()).into_response()
}

async fn payout_status(
    State(h): State<BitPay>,
    Path(id): Path<String>,
    Json(body): Json<StatusBody<PayoutStatus>>,
) -> Response {
    answer(h.set_payout_status(&id, body.status).await)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SettleBody {
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    status: Option<SettlementStatus>,
}

async fn settle(State(h): State<BitPay>, Json(body): Json<SettleBody>) -> Response {
    answer(h.settle(body.currency, body.status))
}

async fn ledger(State(h): State<BitPay>) -> Response {
    Json(h.ledger_entries()).into_response()
}
