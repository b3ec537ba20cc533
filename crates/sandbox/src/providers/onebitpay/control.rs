//! The 1BitPay test controls over HTTP, under `/_sandbox/onebitpay`; each is the
//! matching method of [`OneBitPay`].

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::models::OrderStatus;
use super::{NewPending, OneBitPay, RateQuote};
use crate::error::ControlError;

pub(super) fn router(handle: OneBitPay) -> Router {
    Router::new()
        .route("/rates", post(set_rate))
        .route("/orders", get(orders))
        .route("/orders/{order_no}", get(order))
        .route("/orders/{order_no}/status", post(set_status))
        .route("/pending", get(pending).post(add_pending))
        .route("/decisions", get(decisions))
        .route("/collections", get(collections))
        .route("/1bitpay-open-api-h5/otc.html", get(cash_register))
        .with_state(handle)
}

async fn set_rate(State(h): State<OneBitPay>, Json(quote): Json<RateQuote>) -> Response {
    h.set_rate(quote.clone());
    Json(quote).into_response()
}

async fn orders(State(h): State<OneBitPay>) -> Response {
    Json(h.orders()).into_response()
}

async fn order(State(h): State<OneBitPay>, Path(order_no): Path<String>) -> Response {
    match h.order(&order_no) {
        Some(order) => Json(order).into_response(),
        None => ControlError::NotFound(format!("no order `{order_no}`")).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusBody {
    status: OrderStatus,
    #[serde(default)]
    deal_amount: Option<Decimal>,
}

async fn set_status(
    State(h): State<OneBitPay>,
    Path(order_no): Path<String>,
    Json(body): Json<StatusBody>,
) -> Response {
    match h
        .set_order_status(&order_no, body.status, body.deal_amount)
        .await
    {
        Ok(change) => Json(change).into_response(),
        Err(error) => error.into_response(),
    }
}

/// One transaction or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(NewPending),
    Many(Vec<NewPending>),
}

async fn add_pending(State(h): State<OneBitPay>, Json(body): Json<OneOrMany>) -> Response {
    let seeds = match body {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    };
    let added: Vec<_> = seeds.into_iter().map(|p| h.add_pending(p)).collect();
    Json(added).into_response()
}

async fn pending(State(h): State<OneBitPay>) -> Response {
    Json(h.pending()).into_response()
}

async fn decisions(State(h): State<OneBitPay>) -> Response {
    Json(h.decisions()).into_response()
}

async fn collections(State(h): State<OneBitPay>) -> Response {
    Json(h.collections()).into_response()
}

#[derive(Deserialize)]
struct CashRegisterQuery {
    o: Option<String>,
}

/// The cash register URL `create_order` hands out: a plain page with the order.
async fn cash_register(
    State(h): State<OneBitPay>,
    Query(query): Query<CashRegisterQuery>,
) -> Response {
    let Some(order) = query.o.as_deref().and_then(|o| h.order(o)) else {
        return ControlError::NotFound("no such order".into()).into_response();
    };
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    Html(format!(
        "<!doctype html><title>1BitPay sandbox cash register</title>\
         <h1>Order {}</h1><p>Merchant order {}: {} {} for {}, status {}.</p>\
         <p>Move it with <code>POST /_sandbox/onebitpay/orders/{}/status</code>.</p>",
        escape(&order.order_no),
        escape(&order.merchant_order_no),
        order.crypto_amount,
        escape(&order.crypto_currency),
        escape(&order.legal_currency),
        order.status,
        escape(&order.order_no),
    ))
    .into_response()
}
