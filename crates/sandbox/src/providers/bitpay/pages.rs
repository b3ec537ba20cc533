//! The page the pairing approval link opens (the spec's `PairingApprovalLink`): the
//! sandbox has no dashboard login, so opening it is the merchant approving the code.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use paysmith_spec::model::IntegrationKind;
use serde::Deserialize;

use super::BitPay;
use crate::api_spec::ApiSpec;
use crate::error::ControlError;

/// The approval link's path, from the API's first link integration.
pub(super) fn route_of(api: &ApiSpec) -> Option<String> {
    api.api
        .integrations
        .iter()
        .find_map(|integration| match &integration.kind {
            IntegrationKind::Link { path, .. } => Some(path.clone()),
            IntegrationKind::Widget { .. } => None,
        })
}

pub(super) fn router(path: &str, handle: BitPay) -> Router {
    Router::new().route(path, get(approve)).with_state(handle)
}

#[derive(Deserialize)]
struct ApprovalQuery {
    #[serde(rename = "pairingCode")]
    pairing_code: Option<String>,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><title>BitPay sandbox</title><h1>{}</h1><p>{}</p>",
        escape(title),
        escape(body)
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn approve(State(h): State<BitPay>, Query(query): Query<ApprovalQuery>) -> Response {
    let Some(code) = query.pairing_code.filter(|c| !c.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "No pairing code",
            "The link has no pairingCode.",
        );
    };
    match h.approve_pairing(&code) {
        Ok(token) => page(
            StatusCode::OK,
            "Pairing approved",
            &format!(
                "The {} token{} of {} can now be used.",
                token.facade,
                token
                    .label
                    .as_deref()
                    .map(|l| format!(" labelled {l}"))
                    .unwrap_or_default(),
                token.sin.as_deref().unwrap_or("the client"),
            ),
        ),
        Err(ControlError::Conflict(why)) => page(StatusCode::GONE, "Pairing code expired", &why),
        Err(error) => page(error.status(), "Unknown pairing code", &error.to_string()),
    }
}
