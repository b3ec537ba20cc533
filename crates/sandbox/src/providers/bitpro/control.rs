//! The Bitpro v1 test controls over HTTP, under `/_sandbox/bitpro`; each is the
//! matching method of [`Bitpro`].

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Bitpro;
use crate::error::ControlError;

pub(super) fn router(handle: Bitpro) -> Router {
    Router::new()
        .route("/rate", post(set_rate))
        .route("/clients", post(create_client))
        .route("/clients/{uid}", get(client))
        .route("/clients/{uid}/transactions", get(transactions))
        .route("/clients/{uid}/deposits", post(deposit))
        .route(
            "/clients/{uid}/deposits/{tid}/confirmations",
            post(confirmations),
        )
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
struct RateBody {
    buy_price: Decimal,
}

async fn set_rate(State(h): State<Bitpro>, Json(body): Json<RateBody>) -> Response {
    answer(h.set_buy_price(body.buy_price).map(|()| body.buy_price))
}

async fn create_client(State(h): State<Bitpro>) -> Response {
    Json(h.create_client()).into_response()
}

async fn client(State(h): State<Bitpro>, Path(uid): Path<String>) -> Response {
    answer(
        h.client(&uid)
            .ok_or_else(|| ControlError::NotFound(format!("no client `{uid}`"))),
    )
}

async fn transactions(State(h): State<Bitpro>, Path(uid): Path<String>) -> Response {
    answer(
        h.transactions(&uid)
            .ok_or_else(|| ControlError::NotFound(format!("no client `{uid}`"))),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepositBody {
    amount: Decimal,
    /// Default: enough to be confirmed.
    #[serde(default)]
    confirmations: Option<i64>,
}

async fn deposit(
    State(h): State<Bitpro>,
    Path(uid): Path<String>,
    Json(body): Json<DepositBody>,
) -> Response {
    let confirmations = body
        .confirmations
        .unwrap_or(h.0.config.confirmations_required);
    answer(h.credit_deposit(&uid, body.amount, confirmations))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmationsBody {
    confirmations: i64,
}

async fn confirmations(
    State(h): State<Bitpro>,
    Path((uid, tid)): Path<(String, String)>,
    Json(body): Json<ConfirmationsBody>,
) -> Response {
    answer(h.set_confirmations(&uid, &tid, body.confirmations))
}
