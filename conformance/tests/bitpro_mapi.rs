//! Bitpro merchant API: the signed request of every endpoint (snapshots and the
//! server-side check), response signatures, confirming an unsigned webhook through the
//! signed API, and the payment link and widget builders.

use std::sync::LazyLock;

use paysmith_bitpro_mapi_client::models::schemes::ACQUIA_HTTP_HMAC_V2;
use paysmith_bitpro_mapi_client::models::{
    ChargeWebhook, ChargesQuery, CheckoutLang, CheckoutLink, FiatCurrency, PaymentWidget,
};
use paysmith_bitpro_mapi_client::{ErrorKind, HEADERS, SignedRequest};
use paysmith_conformance::EndpointCase;
use paysmith_conformance::bitpro_mapi::{
    MERCHANT_ID, NONCE, PRIVATE_KEY, TIMESTAMP, client_on, fixed_client,
};
use paysmith_conformance::generated::bitpro_mapi::{self, any_request};
use paysmith_conformance::loopback::{Received, Reply, serve};
use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, ReceivedRequest, RequestVerifyError, split_url,
};
use proptest::prelude::*;

fn key() -> AcquiaKey {
    AcquiaKey::from_base64(&Secret::new(PRIVATE_KEY)).unwrap()
}

static KEY: LazyLock<AcquiaKey> = LazyLock::new(key);

fn key_for(id: &str) -> Option<&'static AcquiaKey> {
    (id == MERCHANT_ID).then(|| &*KEY)
}

/// The server side, from the request as built: host, path and query of its URL.
fn verify(signed: &SignedRequest, now: u64) -> Result<(), RequestVerifyError> {
    let target = split_url(&signed.url).unwrap();
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let request = ReceivedRequest {
        method: signed.method,
        host: &target.host,
        path: target.path,
        query: target.query,
        headers: &headers,
        body: &signed.body,
    };
    ACQUIA_HTTP_HMAC_V2
        .verify_request(&request, "Bitpro", now, &key_for)
        .map(|_| ())
}

/// The server side, from what arrived on the socket (`Host` header, request target).
fn verify_received(received: &Received, now: u64) -> Result<(), RequestVerifyError> {
    let (method, _) = received.request_line.split_once(' ').unwrap();
    let (path, query) = received
        .target()
        .split_once('?')
        .unwrap_or((received.target(), ""));
    let headers: Vec<(&str, &str)> = received
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = ReceivedRequest {
        method,
        host: received.header("Host").unwrap(),
        path,
        query,
        headers: &headers,
        body: &received.body,
    };
    ACQUIA_HTTP_HMAC_V2
        .verify_request(&request, "Bitpro", now, &key_for)
        .map(|_| ())
}

const NOW: u64 = TIMESTAMP / 1000;

fn documented_case(endpoint: &'static str) -> EndpointCase {
    match endpoint {
        "list_charges" => EndpointCase {
            endpoint,
            path: vec![],
            request: serde_json::json!({"page": 1}),
        },
        other => panic!("no documented case for `{other}`"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_endpoint_has_a_verified_signed_request_snapshot() {
    let client = fixed_client();
    for endpoint in bitpro_mapi::ENDPOINTS {
        let signed = bitpro_mapi::build(&client, &documented_case(endpoint)).unwrap();
        verify(&signed, NOW).unwrap_or_else(|e| panic!("{endpoint}: {e}"));
        insta::assert_snapshot!(format!("bitpro_mapi__{endpoint}"), signed.to_string());
    }
}

#[test]
fn the_documented_request_reproduces_the_derived_vector() {
    let signed = fixed_client()
        .build_list_charges(&ChargesQuery { page: Some(1) })
        .unwrap();
    assert_eq!(signed.url, "https://sandbox.bitit.pro/mapi/charges?page=1");
    assert_eq!(
        signed.header("Accept"),
        Some("application/vnd.bitpro-mapi-20180503+json")
    );
    assert_eq!(
        signed.header("X-Authorization-Timestamp"),
        Some("1525954955")
    );
    assert_eq!(
        signed.header("Authorization"),
        Some(
            "acquia-http-hmac realm=\"Bitpro\",id=\"0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40\",nonce=\"6c6f1d3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f\",version=\"2.0\",headers=\"\",signature=\"dOTad7h6tz4HG64tQT63sXcyRn/TZtpnerz2rn46p2Y=\""
        )
    );
    assert!(signed.body.is_empty());
    assert_eq!(signed.header("X-Authorization-Content-SHA256"), None);
}

#[test]
fn the_window_is_enforced_in_both_directions() {
    let signed = fixed_client()
        .build_list_charges(&ChargesQuery { page: None })
        .unwrap();
    assert!(verify(&signed, NOW + 900).is_ok());
    assert!(matches!(
        verify(&signed, NOW + 901),
        Err(RequestVerifyError::Stale { skew: 901, .. })
    ));
    assert!(matches!(
        verify(&signed, NOW - 901),
        Err(RequestVerifyError::Stale { skew: 901, .. })
    ));
}

/// Answers with the charges, signing the response with the request's nonce and time
/// when `sign` says so (and signing something else when `tamper`).
fn charges_reply(body: &'static str, sign: bool, tamper: bool) -> impl Fn(&Received) -> Reply {
    move |received| {
        let mut reply = Reply::json("200 OK", body);
        if sign {
            let timestamp: u64 = received
                .header("X-Authorization-Timestamp")
                .unwrap()
                .parse()
                .unwrap();
            let signed_body: &[u8] = if tamper { b"[]" } else { body.as_bytes() };
            let signature =
                AcquiaHmacConfig::response_signature(&key(), NONCE, timestamp, signed_body);
            reply
                .headers
                .push(("X-Server-Authorization-HMAC-SHA256".into(), signature));
        }
        reply
    }
}

const CHARGE: &str = r#"[{"fiat_price":42.0,"expires_at":"2018-05-10T12:32:35Z","created_at":"2018-05-10T12:12:35Z","addresses":[{"address":"1BTCADDR58375dace00e01c55b5d5a29c2"}],"payments":[{"txid":"5ec68db848026b167ceb584f8e0b466601663a9de739951f79cb964aea06fe3e","value":"0.494093233","state":"confirmed"}]}]"#;

#[test]
fn what_is_sent_is_what_was_signed_and_signed_responses_are_checked() {
    let (url, received) = serve(1, charges_reply(CHARGE, true, false));
    let client = client_on(&url);
    let charges = runtime()
        .block_on(client.list_charges(&ChargesQuery { page: Some(2) }))
        .unwrap();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].payments[0].value.to_string(), "0.494093233");
    let received = received.recv().unwrap();
    assert_eq!(received.target(), "/mapi/charges?page=2");
    verify_received(&received, NOW).expect("the server check accepts what arrived");

    let (url, _) = serve(1, charges_reply(CHARGE, false, false));
    let unsigned = runtime().block_on(client_on(&url).list_charges(&ChargesQuery { page: None }));
    assert!(
        unsigned.is_ok(),
        "a response without a signature is accepted"
    );

    let (url, _) = serve(1, charges_reply(CHARGE, true, true));
    let error = runtime()
        .block_on(client_on(&url).list_charges(&ChargesQuery { page: None }))
        .unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::ResponseSignature { status: 200, .. }),
        "{error}"
    );
    assert_eq!(error.raw_body(), Some(CHARGE.as_bytes()));
}

fn webhook() -> ChargeWebhook {
    let example = paysmith_conformance::spec()
        .api("bitpro_mapi")
        .unwrap()
        .value
        .examples
        .iter()
        .find(|e| e.id == "charge-seen-webhook")
        .unwrap()
        .json
        .clone();
    ChargeWebhook::parse_unverified(example.as_bytes()).unwrap()
}

#[test]
fn a_webhook_is_confirmed_by_finding_its_charge_page_by_page() {
    const OTHER: &str = r#"[{"fiat_price":"10","expires_at":"x","created_at":"x","addresses":[{"address":"elsewhere"}],"payments":[]}]"#;
    let (url, received) = serve(2, move |r: &Received| {
        if r.target().ends_with("page=1") {
            Reply::json("200 OK", OTHER)
        } else {
            Reply::json("200 OK", CHARGE)
        }
    });
    let confirmation = runtime()
        .block_on(client_on(&url).confirm_charge_webhook(&webhook()))
        .unwrap();
    assert!(confirmation.is_confirmed(), "{confirmation:?}");
    assert_eq!(received.recv().unwrap().target(), "/mapi/charges?page=1");
    assert_eq!(received.recv().unwrap().target(), "/mapi/charges?page=2");

    const CHANGED: &str = r#"[{"fiat_price":41.5,"expires_at":"2018-05-10T12:32:35Z","created_at":"2018-05-10T12:12:35Z","addresses":[{"address":"1BTCADDR58375dace00e01c55b5d5a29c2"}],"payments":[]}]"#;
    let (url, _) = serve(1, |_: &Received| Reply::json("200 OK", CHANGED));
    let confirmation = runtime()
        .block_on(client_on(&url).confirm_charge_webhook(&webhook()))
        .unwrap();
    assert!(!confirmation.is_confirmed());
    let fields: Vec<&str> = confirmation
        .differences
        .iter()
        .map(|d| d.field.as_str())
        .collect();
    assert_eq!(fields, ["/fiat_price", "/payments"]);

    let (url, _) = serve(1, |_: &Received| Reply::json("200 OK", "[]"));
    let confirmation = runtime()
        .block_on(client_on(&url).confirm_charge_webhook(&webhook()))
        .unwrap();
    assert!(confirmation.resource.is_none());
    assert!(!confirmation.is_confirmed());
}

#[test]
fn the_webhook_keeps_the_documents_spelling_on_the_wire() {
    let webhook = webhook();
    assert_eq!(webhook.event.occurred_at, "2018-05-10T12:22:35.550Z");
    let json = serde_json::to_value(&webhook).unwrap();
    assert!(json["event"].get("occured_at").is_some());
    assert_eq!(webhook.event.data.fiat_price.to_string(), "42.0");
}

#[test]
fn api_headers_are_the_documented_ones() {
    assert_eq!(
        HEADERS,
        &[("Accept", "application/vnd.bitpro-mapi-20180503+json")]
    );
}

const MERCHANT: &str = "0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40";

#[test]
fn the_checkout_link_carries_every_attribute_encoded() {
    let link = CheckoutLink::new(MERCHANT)
        .with_fiat_price_cents(4200)
        .with_buyer_email("buyer+1@example.com")
        .with_lang(CheckoutLang::Fr)
        .with_external_order_id("A-1001 & co")
        .with_fiat_currency(FiatCurrency::Eur);
    assert_eq!(
        link.url(CheckoutLink::PRODUCTION_BASE_URL).unwrap(),
        "https://bitit.pro/app/checkout/0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40?fiat_price_cents=4200&buyer_email=buyer%2B1%40example.com&lang=fr&external_order_id=A-1001%20%26%20co&fiat_currency=eur"
    );
    assert_eq!(
        CheckoutLink::new(MERCHANT)
            .url(CheckoutLink::SANDBOX_BASE_URL)
            .unwrap(),
        "https://sandbox.bitit.pro/app/checkout/0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40"
    );
}

#[test]
fn attribute_rules_are_enforced_with_the_attribute_named() {
    let short = CheckoutLink::new("too-short").url(CheckoutLink::PRODUCTION_BASE_URL);
    let error = short.unwrap_err();
    assert_eq!(error.attribute, "merchant-id");
    assert_eq!(
        error.to_string(),
        "attribute `merchant-id`: must be 36 characters long, found 9"
    );
    let long = PaymentWidget::new(MERCHANT)
        .with_external_order_id("x".repeat(201))
        .html(PaymentWidget::PRODUCTION_SCRIPT_URL)
        .unwrap_err();
    assert_eq!(long.attribute, "external-order-id");
    assert!(
        PaymentWidget::new(MERCHANT)
            .with_external_order_id("x".repeat(200))
            .html(PaymentWidget::PRODUCTION_SCRIPT_URL)
            .is_ok()
    );
}

#[test]
fn the_widget_snippet_is_the_documented_markup() {
    let html = PaymentWidget::new(MERCHANT)
        .with_external_order_id("A-1001")
        .with_fiat_price_cents(4200)
        .with_buyer_email("buyer@example.com")
        .with_lang(CheckoutLang::En)
        .html(PaymentWidget::PRODUCTION_SCRIPT_URL)
        .unwrap();
    insta::assert_snapshot!("bitpro_mapi__widget", html);
    let hostile = PaymentWidget::new(MERCHANT)
        .with_buyer_email("\"><script>alert(1)</script>")
        .html(PaymentWidget::PRODUCTION_SCRIPT_URL)
        .unwrap();
    assert!(!hostile.contains("<script>alert"), "{hostile}");
    assert!(hostile.contains("&quot;&gt;&lt;script&gt;"));
}

/// Decodes a percent-encoded query component.
fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every endpoint, any request: the server check accepts it.
    #[test]
    fn signed_requests_verify(case in any_request()) {
        let signed = bitpro_mapi::build(&fixed_client(), &case).unwrap();
        prop_assert!(verify(&signed, NOW).is_ok(), "{}: {:?}", case.endpoint, verify(&signed, NOW));
    }

    /// Changing the query, the path, a header or the timestamp breaks it.
    #[test]
    fn tampering_breaks_verification(case in any_request(), which in 0u8..4) {
        let mut signed = bitpro_mapi::build(&fixed_client(), &case).unwrap();
        match which {
            0 => signed.url.push_str(if signed.url.contains('?') { "&x=1" } else { "?x=1" }),
            1 => signed.url = signed.url.replacen("/mapi/", "/mapi2/", 1),
            2 => signed.url = signed.url.replacen("sandbox.bitit.pro", "bitit.pro", 1),
            _ => {
                let time = signed.headers.iter_mut().find(|(n, _)| n == "X-Authorization-Timestamp").unwrap();
                time.1 = (NOW + 1).to_string().into();
            }
        }
        prop_assert!(verify(&signed, NOW).is_err(), "{}", case.endpoint);
    }

    /// Any attribute values: the link's query decodes back to exactly those values.
    #[test]
    fn link_values_survive_encoding(email in "\\PC{0,24}", order in "\\PC{0,40}", cents in any::<u64>()) {
        let url = CheckoutLink::new(MERCHANT)
            .with_buyer_email(email.clone())
            .with_external_order_id(order.clone())
            .with_fiat_price_cents(cents)
            .url(CheckoutLink::PRODUCTION_BASE_URL)
            .unwrap();
        let (_, query) = url.split_once('?').unwrap();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (decode(k), decode(v))
            })
            .collect();
        prop_assert_eq!(pairs, vec![
            ("fiat_price_cents".to_owned(), cents.to_string()),
            ("buyer_email".to_owned(), email),
            ("external_order_id".to_owned(), order),
        ]);
    }

    /// Any attribute values: the markup keeps its shape (no tag or quote gets in).
    #[test]
    fn widget_values_cannot_change_the_markup(email in "\\PC{0,24}", order in "\\PC{0,40}") {
        let html = PaymentWidget::new(MERCHANT)
            .with_buyer_email(email)
            .with_external_order_id(order)
            .html(PaymentWidget::PRODUCTION_SCRIPT_URL)
            .unwrap();
        prop_assert_eq!(html.matches('<').count(), 6, "{}", html);
        prop_assert_eq!(html.matches('>').count(), 6, "{}", html);
        // id, src and three data attributes, each opened and closed.
        prop_assert_eq!(html.matches('"').count(), 10, "{}", html);
    }
}
