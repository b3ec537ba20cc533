//! The page a payment link opens (`CheckoutLink`, the spec's link integration): it
//! checks the link's attributes with the generated builder's own rules, creates the
//! charge the buyer is asked to pay, and shows its address.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use paysmith_spec::model::IntegrationKind;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::models::{CheckoutLang, CheckoutLink, FiatCurrency};
use super::{BitproMapi, NewCharge};
use crate::api_spec::ApiSpec;

/// The link's path in axum's syntax (`/app/checkout/{merchant_id}`), from the first
/// link integration of the API.
pub(super) fn route_of(api: &ApiSpec) -> Option<String> {
    api.api
        .integrations
        .iter()
        .find_map(|integration| match &integration.kind {
            IntegrationKind::Link { path, .. } => Some(route_syntax(path)),
            IntegrationKind::Widget { .. } => None,
        })
}

/// `{merchant-id}` → `{merchant_id}`: path parameter names must be identifiers.
fn route_syntax(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => in_braces = true,
            '}' => in_braces = false,
            '-' if in_braces => {
                out.push('_');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

pub(super) fn router(path: &str, handle: BitproMapi) -> Router {
    Router::new().route(path, get(checkout)).with_state(handle)
}

/// The link's query, by its wire names.
#[derive(Deserialize)]
struct LinkQuery {
    fiat_price_cents: Option<u64>,
    buyer_email: Option<String>,
    lang: Option<String>,
    external_order_id: Option<String>,
    fiat_currency: Option<String>,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><title>Bitpro sandbox checkout</title><h1>{}</h1>{body}",
        escape(title)
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn checkout(
    State(h): State<BitproMapi>,
    Path(params): Path<Vec<(String, String)>>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let merchant_id = params
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .unwrap_or_default();
    let refuse = |why: String| {
        page(
            StatusCode::BAD_REQUEST,
            "This payment link is not valid",
            &format!("<p>{}</p>", escape(&why)),
        )
    };
    let mut link = CheckoutLink::new(merchant_id.clone());
    link.fiat_price_cents = query.fiat_price_cents;
    link.buyer_email = query.buyer_email;
    link.external_order_id = query.external_order_id;
    if let Some(lang) = query.lang.as_deref() {
        match CheckoutLang::from_wire(lang) {
            Some(lang) => link.lang = Some(lang),
            None => return refuse(format!("lang `{lang}` is not supported")),
        }
    }
    if let Some(currency) = query.fiat_currency.as_deref() {
        match FiatCurrency::from_wire(currency) {
            Some(currency) => link.fiat_currency = Some(currency),
            None => return refuse(format!("fiat_currency `{currency}` is not supported")),
        }
    }
    if let Err(error) = link.validate() {
        return refuse(error.to_string());
    }
    if merchant_id != h.0.config.merchant_id {
        return page(
            StatusCode::NOT_FOUND,
            "Unknown merchant",
            "<p>No merchant has this id in the sandbox.</p>",
        );
    }
    let Some(cents) = link.fiat_price_cents.filter(|c| *c > 0) else {
        return refuse("fiat_price_cents is required and must be positive".into());
    };
    let charge = h.create_charge(NewCharge {
        fiat_price: Decimal::from(cents) / Decimal::ONE_HUNDRED,
        address: None,
        external_order_id: link.external_order_id.clone(),
    });
    match charge {
        Ok(view) => {
            let address = view
                .charge
                .addresses
                .first()
                .map(|a| a.address.clone())
                .unwrap_or_default();
            page(
                StatusCode::OK,
                &format!("Pay {} EUR in bitcoin", view.charge.fiat_price),
                &format!(
                    "<p>Send the payment to <code id=\"address\">{}</code> before {}.</p>\
                     <p>Sandbox charge {}: fire its events with <code>POST /_sandbox/bitpro-mapi/charges/{}/events</code>.</p>",
                    escape(&address),
                    escape(&view.charge.expires_at),
                    view.id,
                    view.id
                ),
            )
        }
        Err(error) => refuse(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_become_identifiers() {
        assert_eq!(
            route_syntax("/app/checkout/{merchant-id}"),
            "/app/checkout/{merchant_id}"
        );
        assert_eq!(route_syntax("/a-b/{x-y-z}/c-d"), "/a-b/{x_y_z}/c-d");
    }
}
