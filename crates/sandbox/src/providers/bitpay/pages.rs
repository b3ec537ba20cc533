//! The pages next to the API: the one the pairing approval link opens (the spec's
//! `PairingApprovalLink`; the sandbox has no dashboard login, so opening it is the
//! merchant approving the code), and the checkout page an invoice's `url` opens.

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

/// Where an invoice's `url` points, below the base path.
pub(super) const INVOICE_PAGE: &str = "/invoice";

pub(super) fn router(approval_path: Option<&str>, handle: BitPay) -> Router {
    let router = Router::new().route(INVOICE_PAGE, get(invoice));
    match approval_path {
        Some(path) => router.route(path, get(approve)),
        None => router,
    }
    .with_state(handle)
}

#[derive(Deserialize)]
struct InvoiceQuery {
    id: Option<String>,
}

/// The buyer's view of an invoice: what to pay, in each currency, and its status.
async fn invoice(State(h): State<BitPay>, Query(query): Query<InvoiceQuery>) -> Response {
    let Some(view) = query.id.as_deref().and_then(|id| h.invoice(id)) else {
        return page(
            StatusCode::NOT_FOUND,
            "Unknown invoice",
            "No invoice has this id.",
        );
    };
    let invoice = view.invoice;
    let totals = invoice
        .payment_display_totals
        .iter()
        .flatten()
        .map(|(currency, total)| format!("{total} {currency}"))
        .collect::<Vec<_>>()
        .join(" or ");
    page(
        StatusCode::OK,
        &format!(
            "{} {} to {}",
            invoice.price,
            invoice.currency,
            invoice.merchant_name.as_deref().unwrap_or("the merchant")
        ),
        &format!(
            "Invoice {} is {}. Pay {totals}.",
            invoice.id,
            invoice.status.as_str()
        ),
    )
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
