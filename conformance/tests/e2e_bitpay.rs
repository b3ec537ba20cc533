//! The generated BitPay clients against the sandbox over loopback: every call of every
//! facade, pairing from a fresh key to the first invoice (token store, approval link,
//! IPN confirmed through the signed API), facades and signatures enforced with the
//! stage that failed, invoices through their life cycle with their notifications and
//! retries on the clock, refunds, settlements and ledgers, recipients and payouts, and
//! every documented error answered with its code.

use std::collections::BTreeSet;
use std::time::Duration;

use paysmith_bitpay_client::models::{
    Bill, ClaimPairingCodeRequest, CreateBillRequest, CreateInvoiceRequest, CreatePayoutRequest,
    CreateRefundRequest, Invoice, InvoiceEventName, InvoiceExceptionStatus, InvoiceIpn,
    InvoiceStatus, InvoiceWebhook, InvoicesQuery, PairingApprovalLink, PayoutStatus, PayoutWebhook,
    ProviderErrorKind, RecipientStatus, RecipientWebhook, RefundStatus, RefundWebhook,
    RequestTokenRequest, TokenFacade, TokenPolicyMethod,
};
use paysmith_bitpay_client::{
    Environment, Error, MerchantClient, PayoutClient, PosClient, PublicClient, Secret,
    SignedRequest, Transport, provider_error_kind,
};
use paysmith_conformance::bitpay::{MERCHANT_TOKEN, PAYOUT_TOKEN, POS_TOKEN, clients_on, key};
use paysmith_conformance::e2e::{self, NotificationReceiver};
use paysmith_conformance::generated::bitpay::Clients;
use paysmith_conformance::loopback::Reply;
use paysmith_runtime::key_file::{KeySource, save_key_file};
use paysmith_runtime::token_store::{PairingState, StoredToken, TokenStore};
use paysmith_sandbox::providers::bitpay::{AccountState, CONFORMANCE_SIN, NewPayment};
use paysmith_sandbox::{BitPay, DeliveryStatus, Outcome, Sandbox, Stage};
use paysmith_types::sign::bitpay_ecdsa::{BitpayKey, is_low_s, secp256k1};
use serde_json::{Value, json};

async fn start() -> (Sandbox, Clients) {
    let sandbox = e2e::start(&["bitpay"]).await;
    let clients = clients_on(&e2e::url(&sandbox, "bitpay"));
    (sandbox, clients)
}

fn bitpay(sandbox: &Sandbox) -> BitPay {
    sandbox.bitpay().expect("BitPay is served")
}

fn transport(sandbox: &Sandbox) -> Transport {
    Transport::new(e2e::url(sandbox, "bitpay"))
}

/// A request model from its JSON.
fn model<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid request")
}

/// An invoice of `price` USD with `extra` fields.
fn invoice_request(price: &str, extra: Value) -> CreateInvoiceRequest {
    let price: Value = serde_json::from_str(price).expect("a JSON number");
    let mut request = json!({"price": price, "currency": "USD"});
    if let (Some(object), Value::Object(extra)) = (request.as_object_mut(), extra) {
        object.extend(extra);
    }
    model(request)
}

fn kind<T: std::fmt::Debug>(result: Result<T, Error>) -> ProviderErrorKind {
    let error = result.expect_err("the call is refused");
    provider_error_kind(&error).unwrap_or_else(|| panic!("not a provider error: {error}"))
}

/// The refusal message of a raw answer.
fn error_of(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).expect("JSON")["error"]
        .as_str()
        .expect("an error message")
        .to_owned()
}

/// Pays invoice `id` in full.
async fn pay(sandbox: &Sandbox, id: &str) {
    bitpay(sandbox)
        .pay_invoice(id, NewPayment::default())
        .await
        .expect("the invoice takes the payment");
}

/// An invoice the buyer paid and the chain confirmed six times: `complete`.
async fn complete_invoice(sandbox: &Sandbox, merchant: &MerchantClient, extra: Value) -> Invoice {
    let invoice = merchant
        .create_invoice(&invoice_request("25", extra))
        .await
        .expect("create_invoice");
    pay(sandbox, &invoice.id).await;
    bitpay(sandbox)
        .confirm_invoice(&invoice.id, 6)
        .await
        .expect("confirmations");
    merchant
        .get_invoice(&invoice.id)
        .await
        .expect("get_invoice")
}

/// A high-S twin of a DER signature: S replaced by n − S.
fn high_s(der_hex: &str) -> String {
    const N: [u8; 32] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36,
        0x41, 0x41,
    ];
    let signature: secp256k1::ecdsa::Signature = der_hex.parse().expect("a DER signature");
    let mut compact = signature.serialize_compact();
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let difference = i16::from(N[i]) - i16::from(compact[32 + i]) - borrow;
        borrow = i16::from(difference < 0);
        compact[32 + i] = u8::try_from(difference.rem_euclid(256)).expect("a byte");
    }
    secp256k1::ecdsa::Signature::from_compact(&compact)
        .expect("a signature")
        .to_string()
}

fn set_header(request: &mut SignedRequest, name: &str, value: &str) {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    request
        .headers
        .push((name.to_owned().into(), value.to_owned().into()));
}

fn remove_header(request: &mut SignedRequest, name: &str) {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
}

#[tokio::test]
async fn pairing_from_a_new_key_to_the_first_confirmed_ipn() {
    let (sandbox, _) = start().await;
    let base_url = e2e::url(&sandbox, "bitpay");
    let environment = Environment::Custom(base_url.clone());
    let dir = std::env::temp_dir().join(format!("paysmith-e2e-bitpay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");

    // 1. A key of our own, kept owner-only next to the token store.
    let client_key = BitpayKey::generate();
    save_key_file(&dir.join("bitpay.key"), &client_key).expect("the key is saved");
    let mut store = TokenStore::create(
        dir.join("tokens.json"),
        &base_url,
        KeySource::File("bitpay.key".into()),
    )
    .expect("a token store");

    // 2. Ask for a merchant token for its SIN.
    let public = PublicClient::new(environment.clone());
    let answer = public
        .request_token(&model::<RequestTokenRequest>(json!({
            "id": client_key.sin(), "facade": "merchant", "label": "Sandbox shop"
        })))
        .await
        .expect("request_token");
    let token = answer.into_iter().next().expect("one token");
    assert_eq!(token.facade, TokenFacade::Merchant);
    let code = token.pairing_code.clone().expect("a pairing code");
    let policy = &token.policies.as_ref().expect("policies")[0];
    assert_eq!(policy.method, TokenPolicyMethod::Inactive);
    assert_eq!(
        policy.params.as_deref(),
        Some(&[client_key.sin().to_owned()][..])
    );
    let created = e2e::millis(sandbox.now());
    assert_eq!(
        token.date_created.map(|d| d.to_string()),
        Some(created.to_string())
    );
    assert_eq!(
        token.pairing_expiration.map(|d| d.to_string()),
        Some((created + 86_400_000).to_string())
    );
    let expires_at_ms = created + 86_400_000;
    store
        .save_token(
            "merchant",
            StoredToken {
                token: Secret::new(token.token.clone()),
                label: token.label.clone(),
                pairing_code: Some(code.clone()),
                pairing_expires_at_ms: Some(expires_at_ms),
                sin: Some(client_key.sin().to_owned()),
            },
        )
        .expect("the token is stored");

    // The token is useless until the merchant approves it.
    let early = MerchantClient::from_store(environment.clone(), &store).expect("a client");
    let refused = kind(
        early
            .list_invoices(&model(
                json!({"dateStart": "2024-01-01", "dateEnd": "2024-01-01"}),
            ))
            .await,
    );
    assert_eq!(
        refused,
        ProviderErrorKind::Other {
            code: None,
            message: "Invalid token".into()
        }
    );
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Token);
    assert!(reason.contains("approval"), "{reason}");

    // 3. The merchant opens the approval link, built by the models crate.
    let link = PairingApprovalLink::new(code.clone())
        .url(&base_url)
        .expect("an approval link");
    let page = reqwest::get(&link).await.expect("the approval page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Pairing approved"));
    let stored = store.token("merchant").expect("stored").approved();
    store.save_token("merchant", stored).expect("saved");
    assert_eq!(
        store
            .token("merchant")
            .unwrap()
            .pairing_state(e2e::millis(sandbox.now())),
        PairingState::Ready
    );

    // 4. From now on the store alone makes the client.
    let store = TokenStore::open(dir.join("tokens.json")).expect("the store reopens");
    let merchant =
        MerchantClient::from_store(environment.clone(), &store).expect("a merchant client");
    let approved = merchant.list_tokens().await.expect("list_tokens");
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].merchant.as_deref(), Some(token.token.as_str()));

    // 5. The first invoice, notified to our endpoint.
    let receiver = NotificationReceiver::always("200 OK", "");
    let invoice = merchant
        .create_invoice(&invoice_request(
            "10.5",
            json!({"orderId": "A-1001", "notificationURL": receiver.url, "buyer": {"email": "buyer@example.com"}}),
        ))
        .await
        .expect("create_invoice");
    assert_eq!(invoice.status, InvoiceStatus::New);
    assert_eq!(invoice.price.to_string(), "10.5");
    assert_eq!(invoice.order_id.as_deref(), Some("A-1001"));
    assert!(
        invoice.token.is_some(),
        "the invoice carries its resource token"
    );
    let checkout = reqwest::get(invoice.url.as_deref().expect("a checkout URL"))
        .await
        .expect("the checkout page");
    assert_eq!(checkout.status(), 200);
    let html = checkout.text().await.unwrap();
    assert!(html.contains("is new") && html.contains(" BTC"), "{html}");

    // 6. The buyer pays: the IPN arrives, unsigned, and is confirmed through the API.
    let paid = bitpay(&sandbox)
        .pay_invoice(&invoice.id, NewPayment::default())
        .await
        .expect("payment");
    assert_eq!(paid.notifications.len(), 1);
    let body = receiver.take(1).remove(0).body;
    // Amounts travel as JSON numbers, as BitPay sends them.
    let raw: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(raw["price"].to_string(), "10.5");
    assert!(raw["paymentTotals"]["BTC"].is_number(), "{raw}");
    let ipn = InvoiceIpn::parse_unverified(&body).expect("the models crate parses the IPN");
    assert_eq!(ipn.id, invoice.id);
    assert_eq!(ipn.status, InvoiceStatus::Paid);
    assert_eq!(ipn.order_id.as_deref(), Some("A-1001"));
    // Confirmed a while later: the invoice read back has a later `currentTime`, which
    // the spec marks volatile; every other field must still agree.
    sandbox.advance(Duration::from_secs(90)).await;
    let confirmation = merchant
        .confirm_invoice_ipn(&ipn)
        .await
        .expect("confirmation");
    assert!(confirmation.is_confirmed(), "{confirmation:?}");
    let read_back = confirmation.resource.as_ref().expect("the invoice");
    assert!(
        read_back.current_time > ipn.current_time.and_then(|t| i64::try_from(t).ok()),
        "the read is later than the notification"
    );
    // A forged IPN claiming more is refuted by the API.
    let mut forged = ipn.clone();
    forged.status = InvoiceStatus::Complete;
    let refuted = merchant
        .confirm_invoice_ipn(&forged)
        .await
        .expect("an answer");
    assert!(!refuted.is_confirmed());
    assert_eq!(refuted.differences[0].field, "/status");

    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[tokio::test]
async fn pairing_codes_expire_and_dashboard_codes_are_claimed_once() {
    let (sandbox, clients) = start().await;
    let client_key = BitpayKey::generate();
    let requested = clients
        .public
        .request_token(&model::<RequestTokenRequest>(
            json!({"id": client_key.sin(), "facade": "pos"}),
        ))
        .await
        .expect("request_token")
        .remove(0);
    let code = requested.pairing_code.clone().unwrap();

    // A day and a second later, the code cannot be approved and the token stays unusable.
    sandbox.advance(Duration::from_secs(86_401)).await;
    let link = PairingApprovalLink::new(code.clone())
        .url(&e2e::url(&sandbox, "bitpay"))
        .unwrap();
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 410);
    let pos = PosClient::with_transport(transport(&sandbox), Secret::new(requested.token.clone()))
        .with_key(client_key.clone());
    let refused = pos.get_invoice("nope").await.unwrap_err();
    assert_eq!(
        provider_error_kind(&refused),
        Some(ProviderErrorKind::Other {
            code: None,
            message: "Invalid token".into()
        })
    );
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Token);
    assert!(reason.contains("expired"), "{reason}");
    let unknown = PairingApprovalLink::new("zzzzzzz")
        .url(&e2e::url(&sandbox, "bitpay"))
        .unwrap();
    assert_eq!(reqwest::get(&unknown).await.unwrap().status(), 404);

    // Server-initiated: a code made in the dashboard, claimed for the SIN: a pos token
    // bound to the key, whose calls must then be signed.
    let dashboard = bitpay(&sandbox)
        .create_pairing_code("pos", Some("till 1".into()))
        .expect("a pairing code");
    let claimed = clients
        .public
        .claim_pairing_code(&model::<ClaimPairingCodeRequest>(json!({
            "id": client_key.sin(), "pairingCode": dashboard.pairing_code
        })))
        .await
        .expect("claim_pairing_code")
        .remove(0);
    assert_eq!(claimed.facade, TokenFacade::Pos);
    assert_eq!(claimed.label.as_deref(), Some("till 1"));
    assert_eq!(claimed.pairing_code, None);
    let signed_pos =
        PosClient::with_transport(transport(&sandbox), Secret::new(claimed.token.clone()))
            .with_key(client_key.clone());
    let invoice = signed_pos
        .create_invoice(&invoice_request("12", json!({})))
        .await
        .expect("a signed pos call");
    let unsigned_pos =
        PosClient::with_transport(transport(&sandbox), Secret::new(claimed.token.clone()));
    let refused = unsigned_pos.get_invoice(&invoice.id).await.unwrap_err();
    assert_eq!(refused.provider_message(), Some("Invalid signature"));
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Headers);

    let again = clients
        .public
        .claim_pairing_code(&model::<ClaimPairingCodeRequest>(json!({
            "id": client_key.sin(), "pairingCode": dashboard.pairing_code
        })))
        .await
        .unwrap_err();
    assert_eq!(
        again.provider_message(),
        Some("Pairing code has already been claimed")
    );
    let late = bitpay(&sandbox).create_pairing_code("pos", None).unwrap();
    sandbox.advance(Duration::from_secs(86_401)).await;
    let expired = clients
        .public
        .claim_pairing_code(&model::<ClaimPairingCodeRequest>(json!({
            "id": client_key.sin(), "pairingCode": late.pairing_code
        })))
        .await
        .unwrap_err();
    assert_eq!(expired.provider_message(), Some("Pairing code has expired"));
    let bad_sin = clients
        .public
        .request_token(&model::<RequestTokenRequest>(
            json!({"id": "Tnot-a-sin", "facade": "merchant"}),
        ))
        .await
        .unwrap_err();
    assert!(
        bad_sin
            .provider_message()
            .unwrap()
            .starts_with("Invalid SIN"),
        "{bad_sin}"
    );
    // The two pairing calls share `POST /tokens`: each was told apart by its fields.
    let events = sandbox.events();
    assert_eq!(e2e::requests_to(&events, "request_token").len(), 2);
    assert_eq!(e2e::requests_to(&events, "claim_pairing_code").len(), 3);
}

#[tokio::test]
async fn a_token_serves_only_its_facade() {
    let (sandbox, clients) = start().await;
    assert_eq!(key().sin(), CONFORMANCE_SIN);
    let invoice = clients
        .pos
        .create_invoice(&invoice_request("15", json!({})))
        .await
        .expect("an unsigned call with the dashboard pos token");

    // The pos token where the merchant facade is needed.
    let pos_as_merchant =
        MerchantClient::with_transport(transport(&sandbox), key(), Secret::new(POS_TOKEN));
    let error = pos_as_merchant
        .list_invoices(&model::<InvoicesQuery>(
            json!({"dateStart": "2024-01-01", "dateEnd": "2024-01-01"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        error.provider_message(),
        Some("This endpoint does not support the `pos` facade")
    );
    assert!(error.to_string().contains("HTTP 403"), "{error}");
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Facade);
    // A payout token cannot read invoices, a merchant token cannot pay out.
    let payout_as_merchant =
        MerchantClient::with_transport(transport(&sandbox), key(), Secret::new(PAYOUT_TOKEN));
    let error = payout_as_merchant
        .get_invoice(&invoice.id)
        .await
        .unwrap_err();
    assert_eq!(
        error.provider_message(),
        Some("This endpoint does not support the `payout` facade")
    );
    let merchant_as_payout =
        PayoutClient::with_transport(transport(&sandbox), key(), Secret::new(MERCHANT_TOKEN));
    let error = merchant_as_payout
        .list_recipients(&model(json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        error.provider_message(),
        Some("This endpoint does not support the `merchant` facade")
    );
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Facade);

    // No token at all is the public facade; an unknown token is invalid.
    let mut request = clients.merchant.build_get_invoice(&invoice.id).unwrap();
    request.url = request.url.split('?').next().unwrap().to_owned();
    remove_header(&mut request, "X-Identity");
    remove_header(&mut request, "X-Signature");
    let answer = clients
        .merchant
        .transport()
        .send("raw", request)
        .await
        .unwrap();
    assert_eq!(answer.status, 401);
    assert_eq!(
        error_of(&answer.body),
        "This endpoint does not support the `public` facade"
    );
    let stranger =
        MerchantClient::with_transport(transport(&sandbox), key(), Secret::new("NotAToken"));
    let error = stranger.get_invoice(&invoice.id).await.unwrap_err();
    assert_eq!(error.provider_message(), Some("Invalid token"));
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Token);

    // A resource token opens its own resource only.
    let merchant_invoice = clients.merchant.get_invoice(&invoice.id).await.unwrap();
    let other = clients
        .merchant
        .create_invoice(&invoice_request("16", json!({})))
        .await
        .unwrap();
    let mut swapped = other.clone();
    swapped.token = merchant_invoice.token.clone();
    let error = clients
        .merchant
        .request_invoice_notification(&swapped)
        .await
        .unwrap_err();
    assert_eq!(error.provider_message(), Some("Invalid token"));
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Token);
    assert!(reason.contains(&invoice.id), "{reason}");
    // The pos client's copy carries a pos resource token: not a merchant one.
    assert_ne!(
        merchant_invoice.token,
        clients.pos.get_invoice(&invoice.id).await.unwrap().token
    );

    let events = sandbox.events();
    let refused: Vec<_> = events
        .iter()
        .filter_map(|e| e.refused_at().map(|stage| (e.endpoint(), stage)))
        .collect();
    assert!(
        refused.contains(&(Some("list_invoices"), Stage::Facade)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn signatures_are_checked_against_the_url_and_body_sent() {
    let (sandbox, clients) = start().await;
    let invoice = clients
        .merchant
        .create_invoice(&invoice_request("20", json!({})))
        .await
        .unwrap();
    let merchant = &clients.merchant;
    let send = |request: SignedRequest| async move {
        merchant.transport().send("raw", request).await.unwrap()
    };

    // Signed by another key than the one the token is bound to.
    let other = MerchantClient::with_transport(
        transport(&sandbox),
        BitpayKey::generate(),
        Secret::new(MERCHANT_TOKEN),
    );
    let error = other.get_invoice(&invoice.id).await.unwrap_err();
    assert_eq!(error.provider_message(), Some("Unauthorized sin"));
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Identity);
    assert!(reason.contains(CONFORMANCE_SIN), "{reason}");
    let error = other.list_tokens().await.unwrap_err();
    assert_eq!(error.provider_message(), Some("Unauthorized sin"));

    // Unsigned.
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    remove_header(&mut request, "X-Identity");
    remove_header(&mut request, "X-Signature");
    let answer = send(request).await;
    assert_eq!(
        (answer.status, error_of(&answer.body).as_str()),
        (401, "Invalid signature")
    );
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Headers);
    // Half signed.
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    remove_header(&mut request, "X-Identity");
    assert_eq!(send(request).await.status, 401);
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Headers);
    assert!(reason.contains("X-Identity"), "{reason}");
    // A public key that is not one.
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    set_header(&mut request, "X-Identity", "02ff");
    assert_eq!(send(request).await.status, 401);
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Headers);
    // The body changed after signing.
    let mut request = merchant
        .build_create_invoice(&invoice_request("20", json!({})))
        .unwrap();
    request.body = String::from_utf8(request.body)
        .unwrap()
        .replace("20", "2")
        .into_bytes();
    let answer = send(request).await;
    assert_eq!(error_of(&answer.body), "Invalid signature");
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Signature);
    assert!(reason.contains("/bitpay/invoices"), "{reason}");
    // A genuine signature of another request, replayed onto this one.
    let genuine = merchant.build_get_invoice("another").unwrap();
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    set_header(
        &mut request,
        "X-Signature",
        genuine.header("X-Signature").unwrap(),
    );
    assert_eq!(send(request).await.status, 401);
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Signature);
    // A signature that is not DER.
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    set_header(&mut request, "X-Signature", "3045zz");
    assert_eq!(send(request).await.status, 401);
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Headers);

    // A high-S signature, as official clients send them, is accepted.
    let mut request = merchant.build_get_invoice(&invoice.id).unwrap();
    let high = high_s(request.header("X-Signature").unwrap());
    assert!(!is_low_s(&high).unwrap());
    set_header(&mut request, "X-Signature", &high);
    let answer = send(request).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );

    // A dashboard pos token needs no signature, but a signature it carries must hold.
    let signed_pos = PosClient::with_transport(transport(&sandbox), Secret::new(POS_TOKEN))
        .with_key(BitpayKey::generate());
    signed_pos
        .get_invoice(&invoice.id)
        .await
        .expect("a signed call with an unbound token");
    let mut request = signed_pos.build_get_invoice(&invoice.id).unwrap();
    request.url.push_str("&x=1");
    assert_eq!(send(request).await.status, 401);
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Signature);
    // Public calls are never signed, and never need to be.
    clients
        .public
        .get_rates()
        .await
        .expect("an unsigned public call");
}

#[tokio::test]
async fn an_invoice_lives_through_its_statuses_on_the_clock() {
    let (sandbox, clients) = start().await;
    let receiver = NotificationReceiver::always("200 OK", "");
    let merchant = &clients.merchant;
    let create = |extra: Value| {
        let mut extra = extra;
        extra["notificationURL"] = json!(receiver.url);
        async move {
            merchant
                .create_invoice(&invoice_request("30", extra))
                .await
                .expect("create_invoice")
        }
    };
    let statuses = |count: usize| -> Vec<(InvoiceStatus, String)> {
        receiver
            .take(count)
            .into_iter()
            .map(|r| {
                let ipn = InvoiceIpn::parse_unverified(&r.body).expect("an IPN");
                (ipn.status, ipn.id)
            })
            .collect()
    };

    // new → paid → confirmed (medium: 1 block) → complete (6 blocks).
    let invoice = create(json!({})).await;
    assert_eq!(
        invoice.expiration_time,
        Some(invoice.invoice_time.unwrap() + 15 * 60 * 1000)
    );
    pay(&sandbox, &invoice.id).await;
    bitpay(&sandbox)
        .confirm_invoice(&invoice.id, 1)
        .await
        .unwrap();
    let complete = bitpay(&sandbox)
        .confirm_invoice(&invoice.id, 6)
        .await
        .unwrap();
    assert_eq!(complete.value.invoice.status, InvoiceStatus::Complete);
    assert_eq!(
        statuses(3),
        vec![
            (InvoiceStatus::Paid, invoice.id.clone()),
            (InvoiceStatus::Confirmed, invoice.id.clone()),
            (InvoiceStatus::Complete, invoice.id.clone()),
        ]
    );
    let read = merchant.get_invoice(&invoice.id).await.unwrap();
    assert_eq!(
        read.transactions.as_ref().unwrap()[0].confirmations,
        Some(6)
    );
    assert_eq!(
        read.amount_paid,
        read.payment_totals.as_ref().unwrap().get("BTC").copied()
    );
    assert_eq!(
        read.exception_status,
        Some(InvoiceExceptionStatus::NoException)
    );

    // Unpaid for 15 minutes: expired, notified when the clock gets there.
    let unpaid = create(json!({})).await;
    sandbox.advance(Duration::from_secs(15 * 60 - 1)).await;
    assert!(receiver.pending().is_empty());
    sandbox.advance(Duration::from_secs(1)).await;
    assert_eq!(
        statuses(1),
        vec![(InvoiceStatus::Expired, unpaid.id.clone())]
    );
    let error = bitpay(&sandbox)
        .pay_invoice(&unpaid.id, NewPayment::default())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("expired"), "{error}");

    // Paid but never confirmed: invalid an hour later.
    let stuck = create(json!({"transactionSpeed": "low"})).await;
    pay(&sandbox, &stuck.id).await;
    bitpay(&sandbox)
        .confirm_invoice(&stuck.id, 5)
        .await
        .unwrap();
    sandbox.advance(Duration::from_secs(3600)).await;
    assert_eq!(
        statuses(2),
        vec![
            (InvoiceStatus::Paid, stuck.id.clone()),
            (InvoiceStatus::Invalid, stuck.id.clone())
        ]
    );

    // High speed: confirmed with the payment. Too little: still new, paidPartial;
    // the rest: paid. Too much: paidOver.
    let fast = create(json!({"transactionSpeed": "high"})).await;
    pay(&sandbox, &fast.id).await;
    assert_eq!(
        statuses(2),
        vec![
            (InvoiceStatus::Paid, fast.id.clone()),
            (InvoiceStatus::Confirmed, fast.id.clone())
        ]
    );
    let partial = create(json!({"paymentCurrencies": ["BCH"]})).await;
    let due = partial.payment_totals.as_ref().unwrap()["BCH"];
    bitpay(&sandbox)
        .pay_invoice(
            &partial.id,
            NewPayment {
                amount: Some(due / rust_decimal::Decimal::from(200_000_000)),
                ..NewPayment::default()
            },
        )
        .await
        .unwrap();
    let read = merchant.get_invoice(&partial.id).await.unwrap();
    assert_eq!(
        (read.status, read.exception_status),
        (
            InvoiceStatus::New,
            Some(InvoiceExceptionStatus::PaidPartial)
        )
    );
    assert_eq!(read.transaction_currency.as_deref(), Some("BCH"));
    pay(&sandbox, &partial.id).await;
    assert_eq!(statuses(1), vec![(InvoiceStatus::Paid, partial.id.clone())]);
    let over = create(json!({})).await;
    bitpay(&sandbox)
        .pay_invoice(
            &over.id,
            NewPayment {
                amount: Some("1".parse().unwrap()),
                currency: Some("BTC".into()),
                txid: None,
            },
        )
        .await
        .unwrap();
    let read = merchant.get_invoice(&over.id).await.unwrap();
    assert_eq!(
        (read.status.clone(), read.exception_status.clone()),
        (InvoiceStatus::Paid, Some(InvoiceExceptionStatus::PaidOver))
    );
    assert!(read.overpaid_amount.unwrap() > rust_decimal::Decimal::ZERO);
    assert_eq!(statuses(1), vec![(InvoiceStatus::Paid, over.id.clone())]);

    // Cancelled through the API: expired and marked.
    let cancelled = create(json!({})).await;
    let answer = clients
        .pos
        .cancel_invoice(&cancelled.id, &model(json!({})))
        .await
        .unwrap();
    assert_eq!(
        (answer.status, answer.is_cancelled),
        (InvoiceStatus::Expired, Some(true))
    );
    sandbox.run_due().await;
    assert_eq!(
        statuses(1),
        vec![(InvoiceStatus::Expired, cancelled.id.clone())]
    );
}

#[tokio::test]
async fn notifications_follow_the_invoice_options_and_are_retried_on_schedule() {
    let (sandbox, clients) = start().await;
    let merchant = &clients.merchant;

    // Extended notifications: the event and the invoice, confirmed through the API.
    let receiver = NotificationReceiver::always("200 OK", "");
    let extended = merchant
        .create_invoice(&invoice_request(
            "40",
            json!({"extendedNotifications": true, "notificationURL": receiver.url}),
        ))
        .await
        .unwrap();
    pay(&sandbox, &extended.id).await;
    let webhook =
        InvoiceWebhook::parse_unverified(&receiver.take(1).remove(0).body).expect("a webhook");
    assert_eq!(
        (webhook.event.code, webhook.event.name.clone()),
        (1003, InvoiceEventName::PaidInFull)
    );
    assert_eq!(webhook.data.status, InvoiceStatus::Paid);
    sandbox.advance(Duration::from_secs(30)).await;
    let confirmation = merchant.confirm_invoice_webhook(&webhook).await.unwrap();
    assert!(confirmation.is_confirmed(), "{confirmation:?}");
    assert!(
        confirmation.resource.unwrap().current_time > webhook.data.current_time,
        "`currentTime` differs and is left out"
    );
    assert!(
        clients
            .pos
            .confirm_invoice_webhook(&webhook)
            .await
            .unwrap()
            .is_confirmed()
    );
    let read = merchant.get_invoice(&extended.id).await.unwrap();
    merchant
        .request_invoice_notification(&read)
        .await
        .expect("resend");
    sandbox.run_due().await;
    let resent = InvoiceWebhook::parse_unverified(&receiver.take(1).remove(0).body).unwrap();
    assert_eq!(
        (resent.event.code, resent.event.name),
        (1012, InvoiceEventName::ManuallyNotified)
    );

    // Without full notifications only `confirmed` and `complete` are sent.
    let quiet = merchant
        .create_invoice(&invoice_request(
            "40",
            json!({"fullNotifications": false, "notificationURL": receiver.url}),
        ))
        .await
        .unwrap();
    pay(&sandbox, &quiet.id).await;
    assert!(receiver.pending().is_empty(), "no `paid` notification");
    bitpay(&sandbox)
        .confirm_invoice(&quiet.id, 6)
        .await
        .unwrap();
    let sent: Vec<InvoiceStatus> = receiver
        .take(2)
        .into_iter()
        .map(|r| InvoiceIpn::parse_unverified(&r.body).unwrap().status)
        .collect();
    assert_eq!(
        sent,
        vec![InvoiceStatus::Confirmed, InvoiceStatus::Complete]
    );

    // A receiver that fails twice: retried 60 s and 300 s after the first failure.
    let flaky = NotificationReceiver::new(|n| {
        if n <= 2 {
            Reply::json("500 Internal Server Error", "{}")
        } else {
            Reply::json("200 OK", "")
        }
    });
    let invoice = merchant
        .create_invoice(&invoice_request(
            "40",
            json!({"notificationURL": flaky.url}),
        ))
        .await
        .unwrap();
    let started = sandbox.now();
    let paid = bitpay(&sandbox)
        .pay_invoice(&invoice.id, NewPayment::default())
        .await
        .unwrap();
    let id = paid.notifications[0];
    sandbox.advance(Duration::from_secs(3600)).await;
    let notification = sandbox.notification(id).expect("the notification");
    assert_eq!(notification.status, DeliveryStatus::Acknowledged);
    let offsets: Vec<u64> = notification
        .deliveries
        .iter()
        .map(|d| (d.sent_at_millis - e2e::millis(started)) / 1000)
        .collect();
    assert_eq!(offsets, vec![0, 60, 300]);
    assert_eq!(flaky.take(3).len(), 3);

    // An endpoint that never answers: five retries, the last 55 minutes after the first.
    let dead = NotificationReceiver::always("503 Service Unavailable", "");
    let invoice = merchant
        .create_invoice(&invoice_request("40", json!({"notificationURL": dead.url})))
        .await
        .unwrap();
    let started = sandbox.now();
    let id = bitpay(&sandbox)
        .pay_invoice(&invoice.id, NewPayment::default())
        .await
        .unwrap()
        .notifications[0];
    sandbox.advance(Duration::from_secs(2 * 3600)).await;
    let notification = sandbox.notification(id).unwrap();
    assert_eq!(notification.status, DeliveryStatus::GaveUp);
    let offsets: Vec<u64> = notification
        .deliveries
        .iter()
        .map(|d| (d.sent_at_millis - e2e::millis(started)) / 1000)
        .collect();
    assert_eq!(offsets, vec![0, 60, 300, 840, 1800, 3300]);
}

#[tokio::test]
async fn refunds_move_through_their_statuses_with_notifications() {
    let (sandbox, clients) = start().await;
    let receiver = NotificationReceiver::always("200 OK", "");
    let merchant = &clients.merchant;
    let invoice = complete_invoice(
        &sandbox,
        merchant,
        json!({"notificationURL": receiver.url, "extendedNotifications": true, "buyer": {"email": "buyer@example.com"}}),
    )
    .await;
    receiver.take(3);

    // A preview, confirmed by an update: `refund_created`.
    let preview = merchant
        .create_refund(&model::<CreateRefundRequest>(json!({
            "invoiceId": invoice.id, "amount": 10, "currency": "USD", "preview": true, "guid": "refund-guid-1"
        })))
        .await
        .expect("create_refund");
    assert_eq!(preview.status, RefundStatus::Preview);
    assert_eq!(
        preview.refund_fee.map(|f| f.to_string()),
        Some("0.10".into())
    );
    sandbox.run_due().await;
    assert!(receiver.pending().is_empty(), "a preview is not notified");
    let created = merchant
        .update_refund_by_guid("refund-guid-1", &model(json!({"status": "created"})))
        .await
        .expect("update_refund_by_guid");
    assert_eq!(created.status, RefundStatus::Created);
    sandbox.run_due().await;
    let webhook = RefundWebhook::parse_unverified(&receiver.take(1).remove(0).body)
        .expect("a refund webhook");
    assert_eq!(
        (webhook.event.code, webhook.data.status.clone()),
        (7001, RefundStatus::Created)
    );
    assert!(
        merchant
            .confirm_refund_webhook(&webhook)
            .await
            .unwrap()
            .is_confirmed()
    );

    // The buyer gives an address, the refund is paid: the ledger is debited and the
    // invoice's extended notifications say so.
    bitpay(&sandbox)
        .set_refund_status(&created.id, RefundStatus::Pending)
        .await
        .unwrap();
    let done = bitpay(&sandbox)
        .set_refund_status(&created.id, RefundStatus::Success)
        .await
        .unwrap();
    assert!(done.value.txid.is_some());
    let bodies = receiver.take(3);
    let pending = RefundWebhook::parse_unverified(&bodies[0].body).unwrap();
    assert_eq!(
        (pending.event.code, pending.data.refund_address.is_some()),
        (7002, true)
    );
    let invoice_event = InvoiceWebhook::parse_unverified(&bodies[1].body).unwrap();
    assert_eq!(invoice_event.event.name, InvoiceEventName::RefundComplete);
    let success = RefundWebhook::parse_unverified(&bodies[2].body).unwrap();
    assert_eq!(success.event.code, 7003);
    assert!(
        merchant
            .confirm_refund_webhook(&success)
            .await
            .unwrap()
            .is_confirmed()
    );
    assert!(
        !merchant
            .confirm_refund_webhook(&webhook)
            .await
            .unwrap()
            .is_confirmed(),
        "the old state is refuted"
    );
    let debit = bitpay(&sandbox)
        .ledger_entries()
        .into_iter()
        .find(|e| e.code == 1020)
        .expect("a refund entry");
    assert_eq!(debit.amount.to_string(), "-1000000000");

    // A second refund for the rest; cancelled before it proceeds.
    let second = merchant
        .create_refund(&model::<CreateRefundRequest>(
            json!({"invoiceId": invoice.id, "amount": 5}),
        ))
        .await
        .unwrap();
    assert_eq!(
        merchant.get_refund(&second.id).await.unwrap().status,
        RefundStatus::Created
    );
    let cancelled = merchant.cancel_refund(&second.id).await.unwrap();
    assert_eq!(cancelled.status, RefundStatus::Canceled);
    let listed = merchant
        .list_refunds(&model(json!({"invoiceId": invoice.id})))
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|r| r.status.clone()).collect::<Vec<_>>(),
        vec![RefundStatus::Success, RefundStatus::Canceled]
    );
    let refund = merchant.get_refund_by_guid("refund-guid-1").await.unwrap();
    merchant
        .request_refund_notification(&refund)
        .await
        .expect("resend");
    sandbox.run_due().await;
    let resent: Vec<_> = receiver
        .take(2)
        .into_iter()
        .map(|r| RefundWebhook::parse_unverified(&r.body).unwrap().event.code)
        .collect();
    assert_eq!(resent, vec![7001, 7003]);

    // A refund before the invoice completes declines it, in full only.
    let paid = merchant
        .create_invoice(&invoice_request(
            "8",
            json!({"notificationURL": receiver.url, "buyer": {"email": "b@example.com"}}),
        ))
        .await
        .unwrap();
    pay(&sandbox, &paid.id).await;
    receiver.take(1);
    let partial = merchant
        .create_refund(&model::<CreateRefundRequest>(
            json!({"invoiceId": paid.id, "amount": 4}),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        provider_error_kind(&partial),
        Some(ProviderErrorKind::InvalidRefundParameters)
    );
    let declining = merchant
        .create_refund(&model::<CreateRefundRequest>(
            json!({"invoiceId": paid.id, "amount": 8, "guid": "decline"}),
        ))
        .await
        .unwrap();
    sandbox.run_due().await;
    assert_eq!(
        merchant.get_invoice(&paid.id).await.unwrap().status,
        InvoiceStatus::Declined
    );
    let declined = InvoiceIpn::parse_unverified(&receiver.take(1).remove(0).body).unwrap();
    assert_eq!(declined.status, InvoiceStatus::Declined);
    let error = merchant.cancel_refund_by_guid("decline").await.unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::InvalidRefundParameters)
    );
    assert!(
        error.provider_message().unwrap().contains("declined"),
        "{error}"
    );
    assert_eq!(
        merchant.get_refund(&declining.id).await.unwrap().status,
        RefundStatus::Created
    );
}

#[tokio::test]
async fn settlements_and_ledgers_account_for_confirmed_invoices() {
    let (sandbox, clients) = start().await;
    let merchant = &clients.merchant;
    let ledgers = merchant.list_ledgers().await.unwrap();
    assert_eq!(
        (ledgers[0].currency.as_str(), ledgers[0].balance.is_zero()),
        ("USD", true)
    );
    let invoice = complete_invoice(&sandbox, merchant, json!({"orderId": "L-1"})).await;
    let ledgers = merchant.list_ledgers().await.unwrap();
    assert_eq!(
        ledgers[0].balance.to_string(),
        "24.75",
        "25 USD less the 1% fee"
    );
    let entries = merchant
        .list_ledger_entries(
            "USD",
            &model(json!({"startDate": "2024-01-01", "endDate": "2024-01-01"})),
        )
        .await
        .unwrap();
    assert_eq!(
        entries.iter().map(|e| e.code).collect::<Vec<_>>(),
        vec![1000, 1023]
    );
    assert_eq!(entries[0].amount.to_string(), "2500000000");
    assert_eq!(entries[0].invoice_id.as_deref(), Some(invoice.id.as_str()));
    let none = merchant
        .list_ledger_entries(
            "USD",
            &model(json!({"startDate": "2024-01-02", "endDate": "2024-01-31"})),
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    let error = merchant
        .list_ledger_entries(
            "USD",
            &model(json!({"startDate": "yesterday", "endDate": "2024-01-31"})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::InvalidParameters)
    );
    assert_eq!(error.provider_code(), Some("020002"));

    let settlement = bitpay(&sandbox).settle(None, None).expect("a settlement");
    assert_eq!(
        settlement.total_amount.map(|a| a.to_string()),
        Some("24.75".into())
    );
    assert!(
        bitpay(&sandbox).settle(None, None).is_err(),
        "nothing left to settle"
    );
    let listed = merchant
        .list_settlements(&model(json!({"currency": "USD", "status": "new"})))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let read = merchant.get_settlement(&settlement.id).await.unwrap();
    assert!(read.ledger_entries.is_none());
    let report = merchant
        .get_reconciliation_report(&read)
        .await
        .expect("the report");
    let lines = report.ledger_entries.expect("entries");
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0].invoice_data.as_ref().unwrap().order_id.as_deref(),
        Some("L-1")
    );
    let missing = merchant.get_settlement("nope").await.unwrap_err();
    assert_eq!(
        provider_error_kind(&missing),
        Some(ProviderErrorKind::ResourceNotFound)
    );
}

#[tokio::test]
async fn recipients_are_invited_and_paid_out_with_notifications() {
    let (sandbox, clients) = start().await;
    let receiver = NotificationReceiver::always("200 OK", "");
    let payout = &clients.payout;
    let invited = payout
        .invite_recipients(&model(json!({"recipients": [
            {"email": "alice@example.com", "label": "Alice", "notificationURL": receiver.url},
            {"email": "bob@example.com", "notificationURL": receiver.url}
        ]})))
        .await
        .expect("invite_recipients");
    assert_eq!(invited.len(), 2);
    sandbox.run_due().await;
    let invitations = receiver.take(2);
    let first = RecipientWebhook::parse_unverified(&invitations[0].body).unwrap();
    assert_eq!(
        (first.event.code, first.data.status.clone()),
        (4001, RecipientStatus::Invited)
    );
    assert!(
        payout
            .confirm_recipient_webhook(&first)
            .await
            .unwrap()
            .is_confirmed()
    );

    // Only an active recipient is paid.
    let alice = &invited[0];
    let request = |extra: Value| {
        let mut body =
            json!({"amount": 10, "currency": "USD", "ledgerCurrency": "USD", "reference": "R-1"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        model::<CreatePayoutRequest>(body)
    };
    let error = payout
        .create_payout(&request(json!({"recipientId": alice.id})))
        .await
        .unwrap_err();
    assert!(
        error.provider_message().unwrap().contains("not active"),
        "{error}"
    );
    for status in [RecipientStatus::Verified, RecipientStatus::Active] {
        bitpay(&sandbox)
            .set_recipient_status(&alice.id, status)
            .await
            .unwrap();
    }
    let codes: Vec<i64> = receiver
        .take(2)
        .iter()
        .map(|r| {
            RecipientWebhook::parse_unverified(&r.body)
                .unwrap()
                .event
                .code
        })
        .collect();
    assert_eq!(codes, vec![4003, 4004]);
    let too_small = payout
        .create_payout(&request(json!({"recipientId": alice.id, "amount": 4})))
        .await
        .unwrap_err();
    assert!(
        too_small.provider_message().unwrap().contains("minimum"),
        "{too_small}"
    );
    let paid = payout
        .create_payout(&request(
            json!({"email": "alice@example.com", "notificationURL": receiver.url}),
        ))
        .await
        .expect("create_payout");
    assert_eq!(paid.status, PayoutStatus::New);
    for status in [
        PayoutStatus::Funded,
        PayoutStatus::Processing,
        PayoutStatus::Complete,
    ] {
        bitpay(&sandbox)
            .set_payout_status(&paid.id, status)
            .await
            .unwrap();
    }
    let events = receiver.take(3);
    let completed = PayoutWebhook::parse_unverified(&events[2].body).unwrap();
    assert_eq!(
        (completed.event.code, completed.data.status.clone()),
        (5003, PayoutStatus::Complete)
    );
    assert!(
        payout
            .confirm_payout_webhook(&completed)
            .await
            .unwrap()
            .is_confirmed()
    );
    assert!(
        completed.data.transactions.as_ref().unwrap()[0]
            .txid
            .is_some()
    );
    let error = payout.cancel_payout(&paid.id).await.unwrap_err();
    assert!(
        error
            .provider_message()
            .unwrap()
            .contains("only a new payout"),
        "{error}"
    );

    // A group: Bob is not active, so his payout fails on its own.
    let group = payout
        .create_payout_group(&model(json!({"instructions": [
            {"amount": 20, "currency": "USD", "ledgerCurrency": "USD", "recipientId": alice.id, "reference": "G"},
            {"amount": 20, "currency": "USD", "ledgerCurrency": "USD", "recipientId": invited[1].id}
        ]})))
        .await
        .expect("create_payout_group");
    let created = group.created.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(
        group.failed.unwrap()[0].payee.as_deref(),
        Some(invited[1].id.as_str())
    );
    let group_id = created[0].group_id.clone().unwrap();
    let listed = payout
        .list_payouts(&model(json!({"groupId": group_id})))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let cancelled = payout.cancel_payout_group(&group_id).await.unwrap();
    assert_eq!(
        cancelled.cancelled.unwrap()[0].status,
        PayoutStatus::Cancelled
    );
    assert_eq!(
        payout.get_payout(&created[0].id).await.unwrap().status,
        PayoutStatus::Cancelled
    );

    let removed = payout
        .delete_recipient(&invited[1].id)
        .await
        .expect("delete_recipient");
    assert_eq!(removed, json!("Success"));
    let error = payout.get_recipient(&invited[1].id).await.unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::ResourceNotFound)
    );
    let active = payout
        .list_recipients(&model(json!({"status": "active"})))
        .await
        .unwrap();
    assert_eq!(
        active.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![alice.id.clone()]
    );
}

#[tokio::test]
async fn the_market_is_a_fixed_table() {
    let (_sandbox, clients) = start().await;
    let public = &clients.public;
    let rates = public.get_rates().await.unwrap();
    let usd = rates.iter().find(|r| r.code == "USD").unwrap();
    assert_eq!(usd.rate.to_string(), "41248.11");
    let bch = public.get_rates_for_base("BCH").await.unwrap();
    assert_eq!(
        bch.iter()
            .find(|r| r.code == "USD")
            .unwrap()
            .rate
            .to_string(),
        "812.45046287"
    );
    assert_eq!(
        public
            .get_rate("BTC", "EUR")
            .await
            .unwrap()
            .rate
            .to_string(),
        "33823.04"
    );
    let answer = public
        .transport()
        .send("raw", public.build_get_rate("BTC", "USD").unwrap())
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"data":{"code":"USD","name":"US Dollar","rate":41248.11}}"#,
        "the data envelope, the rate a number"
    );
    let error = public.get_rate("BTC", "XYZ").await.unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::ResourceNotFound)
    );
    assert_eq!(error.provider_code(), Some("020001"));
    let currencies = public.list_currencies().await.unwrap();
    assert!(
        currencies
            .iter()
            .any(|c| c.code == "BTC" && c.decimals == Some(8))
    );
    let wallets = public.list_supported_wallets().await.unwrap();
    assert!(wallets.iter().any(|w| w.key == "bitpay"));
}

/// Every call of every facade the spec defines, answered with success on one sandbox.
#[tokio::test]
async fn every_call_of_every_facade_is_answered() {
    let (sandbox, clients) = start().await;
    let receiver = NotificationReceiver::always("200 OK", "");
    let Clients {
        public,
        pos,
        merchant,
        payout,
    } = &clients;

    // Public.
    public.get_rates().await.unwrap();
    public.get_rates_for_base("BTC").await.unwrap();
    public.get_rate("BTC", "USD").await.unwrap();
    public.list_currencies().await.unwrap();
    public.list_supported_wallets().await.unwrap();
    let client_key = BitpayKey::generate();
    public
        .request_token(&model(json!({"id": client_key.sin(), "facade": "pos"})))
        .await
        .unwrap();
    let code = bitpay(&sandbox)
        .create_pairing_code("pos", None)
        .unwrap()
        .pairing_code;
    public
        .claim_pairing_code(&model(json!({"id": client_key.sin(), "pairingCode": code})))
        .await
        .unwrap();

    // Pos (the dashboard token, unsigned).
    let invoice = pos
        .create_invoice(&invoice_request("11", json!({"guid": "pos-1"})))
        .await
        .unwrap();
    pos.get_invoice(&invoice.id).await.unwrap();
    pos.get_invoice_by_guid("pos-1").await.unwrap();
    pos.update_invoice(
        &invoice.id,
        &model(json!({"buyerEmail": "pos@example.com"})),
    )
    .await
    .unwrap();
    pos.cancel_invoice(&invoice.id, &model(json!({})))
        .await
        .unwrap();
    let second = pos
        .create_invoice(&invoice_request("11", json!({"guid": "pos-2"})))
        .await
        .unwrap();
    pos.cancel_invoice_by_guid(
        &second.guid.clone().unwrap(),
        &model(json!({"forceCancel": true})),
    )
    .await
    .unwrap();
    let bill_request = model::<CreateBillRequest>(json!({
        "currency": "USD", "email": "client@example.com", "number": "B-1",
        "items": [{"description": "Consulting", "price": 100, "quantity": 2}]
    }));
    let bill: Bill = pos.create_bill(&bill_request).await.unwrap();
    let bill = pos.get_bill(&bill.id).await.unwrap();
    pos.deliver_bill(&bill).await.unwrap();

    // Merchant.
    merchant.list_tokens().await.unwrap();
    let invoice = complete_invoice(
        &sandbox,
        merchant,
        json!({"guid": "m-1", "orderId": "M-1", "notificationURL": receiver.url, "buyer": {"email": "m@example.com"}}),
    )
    .await;
    merchant.get_invoice_by_guid("m-1").await.unwrap();
    let window = json!({"dateStart": "2024-01-01", "dateEnd": "2024-01-01"});
    let mut filtered = window.clone();
    filtered["status"] = json!("complete");
    filtered["orderId"] = json!("M-1");
    assert_eq!(
        merchant
            .list_invoices(&model(filtered))
            .await
            .unwrap()
            .len(),
        1
    );
    merchant.get_invoice_event_token(&invoice.id).await.unwrap();
    merchant
        .request_invoice_notification(&invoice)
        .await
        .unwrap();
    let open = merchant
        .create_invoice(&invoice_request("12", json!({"guid": "m-2"})))
        .await
        .unwrap();
    merchant
        .update_invoice(
            &open.id,
            &model(json!({"buyerSms": "+13415556589", "smsCode": "123456"})),
        )
        .await
        .unwrap();
    merchant
        .cancel_invoice(&open.id, &model(json!({})))
        .await
        .unwrap();
    let other = merchant
        .create_invoice(&invoice_request("12", json!({"guid": "m-3"})))
        .await
        .unwrap();
    merchant
        .cancel_invoice_by_guid(other.guid.as_deref().unwrap(), &model(json!({})))
        .await
        .unwrap();
    let refund = merchant
        .create_refund(&model(
            json!({"invoiceId": invoice.id, "amount": 5, "preview": true, "guid": "r-1"}),
        ))
        .await
        .unwrap();
    merchant
        .update_refund(&refund.id, &model(json!({"status": "created"})))
        .await
        .unwrap();
    merchant.get_refund(&refund.id).await.unwrap();
    merchant.get_refund_by_guid("r-1").await.unwrap();
    merchant
        .list_refunds(&model(json!({"invoiceId": invoice.id})))
        .await
        .unwrap();
    let refund = merchant.get_refund(&refund.id).await.unwrap();
    merchant.request_refund_notification(&refund).await.unwrap();
    merchant.cancel_refund(&refund.id).await.unwrap();
    let preview = merchant
        .create_refund(&model(
            json!({"invoiceId": invoice.id, "amount": 5, "preview": true, "guid": "r-2"}),
        ))
        .await
        .unwrap();
    merchant
        .update_refund_by_guid("r-2", &model(json!({"status": "created"})))
        .await
        .unwrap();
    merchant.cancel_refund_by_guid("r-2").await.unwrap();
    assert_eq!(
        merchant.get_refund(&preview.id).await.unwrap().status,
        RefundStatus::Canceled
    );
    merchant.list_ledgers().await.unwrap();
    merchant
        .list_ledger_entries(
            "USD",
            &model(json!({"startDate": "2024-01-01", "endDate": "2024-01-01"})),
        )
        .await
        .unwrap();
    let settlement = bitpay(&sandbox).settle(None, None).unwrap();
    merchant
        .list_settlements(&model(
            json!({"startDate": "2024-01-01", "endDate": "2024-01-01", "limit": 10, "offset": 0}),
        ))
        .await
        .unwrap();
    let settlement = merchant.get_settlement(&settlement.id).await.unwrap();
    merchant
        .get_reconciliation_report(&settlement)
        .await
        .unwrap();
    let bill = merchant.create_bill(&bill_request).await.unwrap();
    let bill = merchant.get_bill(&bill.id).await.unwrap();
    let updated = merchant
        .update_bill(
            &bill,
            &model(json!({"items": [{"description": "Support", "price": 50, "quantity": 1}]})),
        )
        .await
        .unwrap();
    assert_eq!(updated.items.as_ref().unwrap().len(), 1);
    assert_eq!(
        merchant
            .list_bills(&model(json!({"status": "draft"})))
            .await
            .unwrap()
            .len(),
        1
    );
    merchant.deliver_bill(&bill).await.unwrap();
    assert_eq!(
        merchant
            .get_bill(&bill.id)
            .await
            .unwrap()
            .status
            .unwrap()
            .as_str(),
        "sent"
    );

    // Payout.
    let invited = payout
        .invite_recipients(&model(
            json!({"recipients": [{"email": "carol@example.com"}]}),
        ))
        .await
        .unwrap();
    let carol = &invited[0];
    payout.get_recipient(&carol.id).await.unwrap();
    payout
        .update_recipient(
            &carol.id,
            &model(json!({"label": "Carol", "notificationURL": receiver.url})),
        )
        .await
        .unwrap();
    payout
        .list_recipients(&model(json!({"limit": 5})))
        .await
        .unwrap();
    payout
        .request_recipient_notification(&carol.id)
        .await
        .unwrap();
    bitpay(&sandbox)
        .set_recipient_status(&carol.id, RecipientStatus::Active)
        .await
        .unwrap();
    let single = payout
        .create_payout(&model(json!({"amount": 10, "currency": "USD", "ledgerCurrency": "USD", "recipientId": carol.id, "notificationURL": receiver.url})))
        .await
        .unwrap();
    payout.get_payout(&single.id).await.unwrap();
    payout
        .list_payouts(&model(
            json!({"status": "new", "startDate": "2024-01-01", "endDate": "2024-01-01"}),
        ))
        .await
        .unwrap();
    payout
        .request_payout_notification(&single.id)
        .await
        .unwrap();
    payout.cancel_payout(&single.id).await.unwrap();
    let group = payout
        .create_payout_group(&model(json!({"instructions": [{"amount": 10, "currency": "USD", "ledgerCurrency": "USD", "recipientId": carol.id}]})))
        .await
        .unwrap();
    payout
        .cancel_payout_group(group.created.unwrap()[0].group_id.as_deref().unwrap())
        .await
        .unwrap();
    payout.delete_recipient(&carol.id).await.unwrap();

    let never = e2e::facade_calls_never_answered(&sandbox, "bitpay");
    assert!(never.is_empty(), "calls never answered: {never:?}");
    assert_eq!(
        paysmith_conformance::generated::bitpay::CALLS.len(),
        sandbox
            .events()
            .iter()
            .filter(|e| e.outcome() == Some(&Outcome::Answered))
            .filter_map(|e| Some((e.facade()?.to_owned(), e.endpoint()?.to_owned())))
            .collect::<BTreeSet<_>>()
            .len()
    );
    let (_, unanswered) = e2e::coverage(&sandbox, "bitpay");
    assert!(unanswered.is_empty(), "{unanswered:?}");
}

/// Every error the spec documents for an endpoint, answered with its code (the method's
/// two digits and the kind's four) and read back as its kind by the generated client.
#[tokio::test]
async fn every_documented_error_is_answered_with_its_code() {
    let (sandbox, clients) = start().await;
    let merchant = &clients.merchant;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut expect = |endpoint: &str, error: Error, wanted: ProviderErrorKind, digits: &str| {
        let got = provider_error_kind(&error).unwrap_or_else(|| panic!("{endpoint}: {error}"));
        assert_eq!(got, wanted, "{endpoint}: {error}");
        if let Some(code) = error.provider_code() {
            assert!(
                code.starts_with(digits),
                "{endpoint}: code {code}, method digits {digits}"
            );
        }
        seen.insert(format!("{endpoint}: {wanted:?}"));
    };

    // create_invoice
    let e = merchant
        .create_invoice(&invoice_request("0.5", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_invoice",
        e,
        ProviderErrorKind::InvoicePriceBelowMinimum,
        "01",
    );
    let e = merchant
        .create_invoice(&invoice_request("2000000", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_invoice",
        e,
        ProviderErrorKind::InvoicePriceAboveMaximum,
        "01",
    );
    bitpay(&sandbox).set_account(AccountState::Misconfigured);
    let e = merchant
        .create_invoice(&invoice_request("10", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_invoice",
        e,
        ProviderErrorKind::MisconfiguredAccount,
        "01",
    );
    bitpay(&sandbox).set_account(AccountState::NotSetUp);
    let e = merchant
        .create_invoice(&invoice_request("10", json!({})))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("HTTP 500"), "{e}");
    expect("create_invoice", e, ProviderErrorKind::AccountNotSetUp, "");
    bitpay(&sandbox).set_account(AccountState::Ready);

    // update_invoice
    let invoice = merchant
        .create_invoice(&invoice_request("10", json!({})))
        .await
        .unwrap();
    let update = |body: Value| {
        let id = invoice.id.clone();
        async move {
            merchant
                .update_invoice(&id, &model(body))
                .await
                .unwrap_err()
        }
    };
    expect(
        "update_invoice",
        update(json!({"buyerSms": "+13415556589"})).await,
        ProviderErrorKind::SmsNotVerified,
        "03",
    );
    expect(
        "update_invoice",
        update(json!({"buyerSms": "555", "smsCode": "123456"})).await,
        ProviderErrorKind::InvalidSmsNumber,
        "03",
    );
    expect(
        "update_invoice",
        update(json!({"buyerSms": "+13415556589", "smsCode": "000000"})).await,
        ProviderErrorKind::SmsVerificationFailed,
        "03",
    );
    merchant
        .update_invoice(&invoice.id, &model(json!({"buyerEmail": "a@example.com"})))
        .await
        .unwrap();
    expect(
        "update_invoice",
        update(json!({"buyerEmail": "b@example.com"})).await,
        ProviderErrorKind::EmailAlreadySet,
        "03",
    );
    let big = merchant
        .create_invoice(&invoice_request("5000", json!({})))
        .await
        .unwrap();
    merchant
        .update_invoice(&big.id, &model(json!({"buyerEmail": "a@example.com"})))
        .await
        .unwrap();
    let e = merchant
        .update_invoice(
            &big.id,
            &model(json!({"buyerSms": "+13415556589", "autoVerify": true})),
        )
        .await
        .unwrap_err();
    expect(
        "update_invoice",
        e,
        ProviderErrorKind::HighValueContactLocked,
        "03",
    );

    // get_invoice, get_invoice_by_guid
    expect(
        "get_invoice",
        merchant.get_invoice("nope").await.unwrap_err(),
        ProviderErrorKind::InvoiceNotFound,
        "02",
    );
    expect(
        "get_invoice_by_guid",
        merchant.get_invoice_by_guid("nope").await.unwrap_err(),
        ProviderErrorKind::InvoiceNotFound,
        "02",
    );

    // cancel_invoice, cancel_invoice_by_guid
    let partly = merchant
        .create_invoice(&invoice_request("10", json!({"guid": "partly"})))
        .await
        .unwrap();
    bitpay(&sandbox)
        .pay_invoice(
            &partly.id,
            NewPayment {
                amount: Some("0.00001".parse().unwrap()),
                ..NewPayment::default()
            },
        )
        .await
        .unwrap();
    let none: paysmith_bitpay_client::models::CancelInvoiceQuery = model(json!({}));
    expect(
        "cancel_invoice",
        merchant
            .cancel_invoice(&partly.id, &none)
            .await
            .unwrap_err(),
        ProviderErrorKind::InvoiceMissingEmailOrSms,
        "04",
    );
    expect(
        "cancel_invoice_by_guid",
        merchant
            .cancel_invoice_by_guid("partly", &none)
            .await
            .unwrap_err(),
        ProviderErrorKind::InvoiceMissingEmailOrSms,
        "04",
    );
    let paid = merchant
        .create_invoice(&invoice_request(
            "10",
            json!({"guid": "paid", "buyer": {"email": "p@example.com"}}),
        ))
        .await
        .unwrap();
    pay(&sandbox, &paid.id).await;
    expect(
        "cancel_invoice",
        merchant.cancel_invoice(&paid.id, &none).await.unwrap_err(),
        ProviderErrorKind::InvalidInvoiceStateForCancel,
        "04",
    );
    expect(
        "cancel_invoice_by_guid",
        merchant
            .cancel_invoice_by_guid("paid", &none)
            .await
            .unwrap_err(),
        ProviderErrorKind::InvalidInvoiceStateForCancel,
        "04",
    );

    // create_refund
    let refund = |invoice: &str, amount: &str, extra: Value| {
        let mut body =
            json!({"invoiceId": invoice, "amount": serde_json::from_str::<Value>(amount).unwrap()});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        model::<CreateRefundRequest>(body)
    };
    let e = merchant
        .create_refund(&refund(&invoice.id, "10", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_refund",
        e,
        ProviderErrorKind::InvalidInvoiceStateForRefund,
        "01",
    );
    let anonymous = complete_invoice(&sandbox, merchant, json!({})).await;
    let e = merchant
        .create_refund(&refund(&anonymous.id, "10", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_refund",
        e,
        ProviderErrorKind::InvoiceMissingEmailOrSms,
        "01",
    );
    let known = complete_invoice(
        &sandbox,
        merchant,
        json!({"buyer": {"email": "k@example.com"}}),
    )
    .await;
    let e = merchant
        .create_refund(&refund(
            &known.id,
            "0.01",
            json!({"buyerPaysRefundFee": true}),
        ))
        .await
        .unwrap_err();
    expect(
        "create_refund",
        e,
        ProviderErrorKind::RefundFeesExceedAmount,
        "01",
    );
    merchant
        .create_refund(&refund(&known.id, "5", json!({})))
        .await
        .unwrap();
    let e = merchant
        .create_refund(&refund(&known.id, "5", json!({})))
        .await
        .unwrap_err();
    expect(
        "create_refund",
        e,
        ProviderErrorKind::ActiveRefundExists,
        "01",
    );

    // Refunds that do not exist.
    let status =
        model::<paysmith_bitpay_client::models::UpdateRefundRequest>(json!({"status": "created"}));
    expect(
        "update_refund",
        merchant.update_refund("nope", &status).await.unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "03",
    );
    expect(
        "update_refund_by_guid",
        merchant
            .update_refund_by_guid("nope", &status)
            .await
            .unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "03",
    );
    expect(
        "get_refund",
        merchant.get_refund("nope").await.unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "02",
    );
    expect(
        "get_refund_by_guid",
        merchant.get_refund_by_guid("nope").await.unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "02",
    );
    expect(
        "cancel_refund",
        merchant.cancel_refund("nope").await.unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "04",
    );
    expect(
        "cancel_refund_by_guid",
        merchant.cancel_refund_by_guid("nope").await.unwrap_err(),
        ProviderErrorKind::RefundNotFound,
        "04",
    );

    // get_settlement
    expect(
        "get_settlement",
        merchant.get_settlement("nope").await.unwrap_err(),
        ProviderErrorKind::ResourceNotFound,
        "02",
    );

    let documented: BTreeSet<String> = e2e::documented_error_kinds("bitpay").into_iter().collect();
    let missing: Vec<_> = documented.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "documented errors never answered: {missing:?}"
    );

    // Bad input is refused in the coded shape; the log keeps the provider's words.
    let answer = merchant
        .transport()
        .send("raw", merchant.build_get_invoice("nope").unwrap())
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        body,
        json!({"status": "error", "code": "020101", "data": null, "error": "Invoice not found"})
    );
    assert_eq!(answer.status, 404);
    let last = sandbox
        .events()
        .into_iter()
        .rev()
        .find(|e| e.endpoint() == Some("get_invoice"))
        .unwrap();
    assert_eq!(
        last.outcome(),
        Some(&Outcome::Rejected {
            message: "Invoice not found".into()
        })
    );
    assert_eq!(last.facade(), Some("merchant"));
}

/// A control over HTTP, as a project in another language drives the sandbox.
async fn control(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn post(url: String, body: Value) -> Value {
    let (status, answer) = control(reqwest::Method::POST, url, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

#[tokio::test]
async fn the_http_controls_drive_what_the_clients_read() {
    let (sandbox, clients) = start().await;
    let controls = format!("{}/_sandbox/bitpay", sandbox.base_url());

    // The dashboard: a token made without a key, a pairing code, an approval.
    let made = post(
        format!("{controls}/tokens"),
        json!({"facade": "pos", "label": "till"}),
    )
    .await;
    assert_eq!(made["sin"], Value::Null);
    let till = PosClient::with_transport(
        transport(&sandbox),
        Secret::new(made["token"].as_str().unwrap()),
    );
    let invoice = till
        .create_invoice(&invoice_request("14", json!({})))
        .await
        .expect("an unsigned pos call");
    let code = post(
        format!("{controls}/pairing-codes"),
        json!({"facade": "pos"}),
    )
    .await;
    let client_key = BitpayKey::generate();
    clients
        .public
        .claim_pairing_code(&model(
            json!({"id": client_key.sin(), "pairingCode": code["pairing_code"]}),
        ))
        .await
        .expect("the dashboard code is claimed");
    let requested = clients
        .public
        .request_token(&model(
            json!({"id": client_key.sin(), "facade": "merchant"}),
        ))
        .await
        .unwrap()
        .remove(0);
    let approve = format!(
        "{controls}/pairings/{}/approve",
        requested.pairing_code.unwrap()
    );
    let approved = post(approve.clone(), json!(null)).await;
    assert_eq!(
        (approved["state"].as_str(), approved["sin"].as_str()),
        (Some("active"), Some(client_key.sin()))
    );
    assert_eq!(control(reqwest::Method::POST, approve, None).await.0, 404);
    let tokens = control(reqwest::Method::GET, format!("{controls}/tokens"), None)
        .await
        .1;
    assert_eq!(
        tokens.as_array().unwrap().len(),
        6,
        "three seeded, three made"
    );

    // A buyer pays and the blocks confirm.
    let paid = post(
        format!("{controls}/invoices/{}/payments", invoice.id),
        json!({}),
    )
    .await;
    assert_eq!(paid["value"]["invoice"]["status"], "paid");
    post(
        format!("{controls}/invoices/{}/confirmations", invoice.id),
        json!({"confirmations": 6}),
    )
    .await;
    assert_eq!(
        clients.pos.get_invoice(&invoice.id).await.unwrap().status,
        InvoiceStatus::Complete
    );
    let (status, _) = control(
        reqwest::Method::POST,
        format!("{controls}/invoices/{}/payments", invoice.id),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 409, "a complete invoice takes no payment");

    // The account.
    post(
        format!("{controls}/account"),
        json!({"state": "not_set_up"}),
    )
    .await;
    let error = clients
        .merchant
        .create_invoice(&invoice_request("14", json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::AccountNotSetUp)
    );
    post(format!("{controls}/account"), json!({"state": "ready"})).await;

    // Refunds, recipients and payouts move on.
    clients
        .merchant
        .update_invoice(&invoice.id, &model(json!({"buyerEmail": "h@example.com"})))
        .await
        .unwrap();
    let refund = clients
        .merchant
        .create_refund(&model(json!({"invoiceId": invoice.id, "amount": 14})))
        .await
        .unwrap();
    post(
        format!("{controls}/refunds/{}/status", refund.id),
        json!({"status": "pending"}),
    )
    .await;
    let (status, _) = control(
        reqwest::Method::POST,
        format!("{controls}/refunds/{}/status", refund.id),
        Some(json!({"status": "created"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        clients
            .merchant
            .get_refund(&refund.id)
            .await
            .unwrap()
            .status,
        RefundStatus::Pending
    );
    let recipient = clients
        .payout
        .invite_recipients(&model(
            json!({"recipients": [{"email": "dan@example.com"}]}),
        ))
        .await
        .unwrap()
        .remove(0);
    post(
        format!("{controls}/recipients/{}/status", recipient.id),
        json!({"status": "active"}),
    )
    .await;
    let payout = clients
        .payout
        .create_payout(&model(json!({"amount": 10, "currency": "USD", "ledgerCurrency": "USD", "recipientId": recipient.id})))
        .await
        .expect("an active recipient is paid");
    post(
        format!("{controls}/payouts/{}/status", payout.id),
        json!({"status": "funded"}),
    )
    .await;
    assert_eq!(
        clients.payout.get_payout(&payout.id).await.unwrap().status,
        PayoutStatus::Funded
    );

    // The ledger, and a settlement of it.
    let ledger = control(reqwest::Method::GET, format!("{controls}/ledger"), None)
        .await
        .1;
    assert_eq!(ledger.as_array().unwrap().len(), 2);
    let settlement = post(
        format!("{controls}/settlements"),
        json!({"status": "completed"}),
    )
    .await;
    let read = clients
        .merchant
        .get_settlement(settlement["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(read.status.as_str(), "completed");
    assert!(read.date_completed.is_some());
}
