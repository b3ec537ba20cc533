//! The merchant API test controls over HTTP, under `/_sandbox/bitpro-mapi`; each is
//! the matching method of [`BitproMapi`].

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::models::ChargeEventType;
use super::{BitproMapi, NewCharge, NewPayment, Webhook};
use crate::error::ControlError;

pub(super) fn router(handle: BitproMapi) -> Router {
    Router::new()
        .route("/charges", get(charges).post(create_charge))
        .route("/charges/{id}", get(charge))
        .route("/charges/{id}/events", post(fire_event))
        .route("/webhooks", get(webhooks).post(add_webhook))
        .with_state(handle)
}

fn answer<T: serde::Serialize>(result: Result<T, ControlError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn create_charge(State(h): State<BitproMapi>, Json(body): Json<NewCharge>) -> Response {
    answer(h.create_charge(body))
}

async fn charges(State(h): State<BitproMapi>) -> Response {
    Json(h.charges()).into_response()
}

async fn charge(State(h): State<BitproMapi>, Path(id): Path<u64>) -> Response {
    answer(
        h.charge(id)
            .ok_or_else(|| ControlError::NotFound(format!("no charge {id}"))),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(rename = "type")]
    kind: ChargeEventType,
    #[serde(default)]
    payment: Option<NewPayment>,
}

async fn fire_event(
    State(h): State<BitproMapi>,
    Path(id): Path<u64>,
    Json(body): Json<EventBody>,
) -> Response {
    answer(h.fire_event(id, body.kind, body.payment).await)
}

async fn webhooks(State(h): State<BitproMapi>) -> Response {
    Json(h.webhooks()).into_response()
}

async fn add_webhook(State(h): State<BitproMapi>, Json(webhook): Json<Webhook>) -> Response {
    answer(h.add_webhook(webhook.clone()).map(|()| webhook))
}
