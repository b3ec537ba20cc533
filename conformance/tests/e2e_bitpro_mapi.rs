//! The generated Bitpro merchant API client against the sandbox over loopback: charges
//! created through a payment link built by the models crate, listed page by page with
//! signed answers, `charge:*` webhooks received, parsed and confirmed through the
//! signed API, and every kind of bad signature refused at its stage.

use std::time::Duration;

use paysmith_bitpro_mapi_client::models::{
    ChargeEventType, ChargeWebhook, ChargesQuery, CheckoutLang, CheckoutLink, PaymentState,
};
use paysmith_bitpro_mapi_client::{
    Client, ErrorKind, FixedClock, Secret, SignedRequest, Transport,
};
use paysmith_conformance::bitpro_mapi::{MERCHANT_ID, credentials};
use paysmith_conformance::e2e::{self, NotificationReceiver};
use paysmith_conformance::loopback::Reply;
use paysmith_sandbox::providers::bitpro_mapi::{NewCharge, NewPayment, Webhook};
use paysmith_sandbox::{BitproMapi, DeliveryStatus, Sandbox, Stage};
use paysmith_sign::acquia_hmac::{AcquiaHmacConfig, AcquiaKey, RESPONSE_SIGNATURE_HEADER};
use rust_decimal::Decimal;

fn client(sandbox: &Sandbox) -> Client {
    let transport = Transport::new(e2e::url(sandbox, "bitpro-mapi")).with_clock(sandbox.clock());
    Client::with_transport(transport, credentials())
}

fn mapi(sandbox: &Sandbox) -> BitproMapi {
    sandbox.bitpro_mapi().expect("the merchant API is served")
}

fn charge(cents: i64) -> NewCharge {
    NewCharge {
        fiat_price: Decimal::new(cents, 2),
        address: None,
        external_order_id: None,
    }
}

fn payment(value: &str) -> NewPayment {
    NewPayment {
        value: value.parse().expect("a decimal"),
        txid: None,
        state: None,
    }
}

#[tokio::test]
async fn a_payment_link_opens_a_charge_that_the_signed_api_lists() {
    let sandbox = e2e::start(&["bitpro-mapi"]).await;
    let link = CheckoutLink::new(MERCHANT_ID)
        .with_fiat_price_cents(4200)
        .with_external_order_id("A-1001 & co")
        .with_lang(CheckoutLang::En)
        .url(&e2e::url(&sandbox, "bitpro-mapi"))
        .expect("a valid link");
    let page = reqwest::get(&link).await.expect("the checkout page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("HTML");

    let created = &mapi(&sandbox).charges()[0];
    assert_eq!(created.external_order_id.as_deref(), Some("A-1001 & co"));
    assert_eq!(created.charge.fiat_price.to_string(), "42.0");
    let address = &created.charge.addresses[0].address;
    assert!(html.contains(address.as_str()), "{html}");
    assert_eq!(created.charge.created_at, "2024-01-01T00:00:00Z");
    assert_eq!(created.charge.expires_at, "2024-01-01T00:20:00Z");

    let listed = client(&sandbox)
        .list_charges(&ChargesQuery { page: Some(1) })
        .await
        .expect("list_charges");
    assert_eq!(listed, vec![created.charge.clone()]);

    let other_merchant = CheckoutLink::new("00000000-0000-0000-0000-000000000000")
        .with_fiat_price_cents(100)
        .url(&e2e::url(&sandbox, "bitpro-mapi"))
        .expect("a valid link");
    assert_eq!(reqwest::get(&other_merchant).await.unwrap().status(), 404);
    let short_id = format!(
        "{}/app/checkout/short?fiat_price_cents=1",
        e2e::url(&sandbox, "bitpro-mapi")
    );
    assert_eq!(reqwest::get(&short_id).await.unwrap().status(), 400);
    assert_eq!(mapi(&sandbox).charges().len(), 1);

    let (_, never) = e2e::coverage(&sandbox, "bitpro_mapi");
    assert!(never.is_empty(), "endpoints never answered: {never:?}");
}

#[tokio::test]
async fn charges_are_paged_newest_first_and_every_answer_is_signed() {
    let sandbox = e2e::start(&["bitpro-mapi"]).await;
    let client = client(&sandbox);
    assert!(
        client
            .list_charges(&ChargesQuery { page: None })
            .await
            .expect("empty")
            .is_empty()
    );
    let created: Vec<_> = (1..=30)
        .map(|n| {
            mapi(&sandbox)
                .create_charge(charge(n * 100))
                .expect("a charge")
                .charge
        })
        .collect();
    let newest_first: Vec<_> = created.iter().rev().cloned().collect();
    let page = |page| {
        let client = client.clone();
        async move {
            client
                .list_charges(&ChargesQuery { page })
                .await
                .expect("list_charges")
        }
    };
    assert_eq!(page(None).await, newest_first[..25]);
    assert_eq!(page(Some(2)).await, newest_first[25..]);
    assert!(page(Some(3)).await.is_empty());

    // The answer carries the server's signature over the request's nonce and timestamp.
    let request = client
        .build_list_charges(&ChargesQuery { page: Some(2) })
        .unwrap();
    let (nonce, timestamp) =
        paysmith_runtime::acquia::request_nonce_and_timestamp(&request).unwrap();
    let response = client.transport().send("raw", request).await.unwrap();
    let signature = response
        .header(RESPONSE_SIGNATURE_HEADER)
        .expect("a signed answer");
    let key = AcquiaKey::from_base64(&Secret::new(paysmith_conformance::bitpro_mapi::PRIVATE_KEY))
        .unwrap();
    AcquiaHmacConfig::verify_response(&key, &nonce, timestamp, &response.body, signature)
        .expect("the signature covers the body");

    // A verified request refused by the rules is answered signed; one refused before
    // it verified is not.
    let error = client
        .list_charges(&ChargesQuery { page: Some(0) })
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::Http { status: 400, .. }),
        "{error}"
    );
    let request = client
        .build_list_charges(&ChargesQuery { page: Some(0) })
        .unwrap();
    let response = client.transport().send("raw", request).await.unwrap();
    assert_eq!(response.status, 400);
    assert!(response.header(RESPONSE_SIGNATURE_HEADER).is_some());
    let mut request = client
        .build_list_charges(&ChargesQuery { page: Some(1) })
        .unwrap();
    request.url = request.url.replace("page=1", "page=0");
    let response = client.transport().send("raw", request).await.unwrap();
    assert_eq!(response.status, 401);
    assert!(response.header(RESPONSE_SIGNATURE_HEADER).is_none());
}

#[tokio::test]
async fn charge_webhooks_are_delivered_and_confirmed_through_the_signed_api() {
    let sandbox = e2e::start(&["bitpro-mapi"]).await;
    let receiver = NotificationReceiver::always("200 OK", "");
    for kind in [
        ChargeEventType::Seen,
        ChargeEventType::Confirmed,
        ChargeEventType::TimedOut,
        ChargeEventType::Failed,
    ] {
        mapi(&sandbox)
            .add_webhook(Webhook {
                event: kind,
                url: receiver.url.clone(),
            })
            .expect("a webhook");
    }
    let client = client(&sandbox);
    let paid = mapi(&sandbox)
        .create_charge(charge(4200))
        .expect("a charge");
    let late = mapi(&sandbox)
        .create_charge(charge(1000))
        .expect("a charge");

    let seen = mapi(&sandbox)
        .fire_event(
            paid.id,
            ChargeEventType::Seen,
            Some(NewPayment {
                state: Some(PaymentState::Unknown("unconfirmed".into())),
                ..payment("0.0343")
            }),
        )
        .await
        .expect("charge:seen");
    assert!(seen.deliveries[0].result.is_acknowledged());
    let body = receiver.take(1).remove(0).body;
    let webhook = ChargeWebhook::parse_unverified(&body).expect("the models crate parses it");
    assert_eq!(webhook.delivery_attempt, 1);
    assert_eq!(webhook.event.kind, ChargeEventType::Seen);
    assert_eq!(webhook.event.id, seen.event.id);
    assert_eq!(webhook.event.data.payments[0].value.to_string(), "0.0343");
    let confirmation = client
        .confirm_charge_webhook(&webhook)
        .await
        .expect("confirm");
    assert!(confirmation.is_confirmed(), "{confirmation:?}");

    sandbox.advance(Duration::from_secs(600)).await;
    mapi(&sandbox)
        .fire_event(paid.id, ChargeEventType::Confirmed, None)
        .await
        .expect("charge:confirmed");
    let confirmed = ChargeWebhook::parse_unverified(&receiver.take(1).remove(0).body).unwrap();
    assert_eq!(
        confirmed.event.data.payments[0].state,
        PaymentState::Confirmed
    );
    assert_eq!(confirmed.event.occurred_at, "2024-01-01T00:10:00.000Z");
    assert!(
        client
            .confirm_charge_webhook(&confirmed)
            .await
            .unwrap()
            .is_confirmed()
    );
    // The earlier notification no longer matches the charge: the payment has moved on.
    let stale = client.confirm_charge_webhook(&webhook).await.unwrap();
    assert!(!stale.is_confirmed());
    assert_eq!(stale.differences[0].field, "/payments");

    // A forged notification: an amount nobody paid.
    let mut forged = confirmed.clone();
    forged.event.data.payments[0].value = "1".parse().unwrap();
    let verdict = client.confirm_charge_webhook(&forged).await.unwrap();
    assert!(!verdict.is_confirmed());
    // And one for a charge that does not exist.
    let mut invented = confirmed.clone();
    invented.event.data.addresses[0].address = "2NCJCpBM7ET6oExzzKfWBnFPq8h2Ni2k7Hk".into();
    assert!(
        client
            .confirm_charge_webhook(&invented)
            .await
            .unwrap()
            .resource
            .is_none()
    );

    for kind in [ChargeEventType::TimedOut, ChargeEventType::Failed] {
        mapi(&sandbox)
            .fire_event(late.id, kind.clone(), None)
            .await
            .expect("an event");
        let webhook = ChargeWebhook::parse_unverified(&receiver.take(1).remove(0).body).unwrap();
        assert_eq!(webhook.event.kind, kind);
        assert!(
            client
                .confirm_charge_webhook(&webhook)
                .await
                .unwrap()
                .is_confirmed()
        );
    }
}

#[tokio::test]
async fn an_unacknowledged_webhook_is_retried_with_its_attempt_number() {
    let sandbox = e2e::start(&["bitpro-mapi"]).await;
    let receiver = NotificationReceiver::new(|attempt| match attempt {
        1 | 2 => Reply::json("500 Internal Server Error", "{}"),
        _ => Reply::json("204 No Content", ""),
    });
    mapi(&sandbox)
        .add_webhook(Webhook {
            event: ChargeEventType::Confirmed,
            url: receiver.url.clone(),
        })
        .unwrap();
    let id = mapi(&sandbox).create_charge(charge(4200)).unwrap().id;
    let fired = mapi(&sandbox)
        .fire_event(id, ChargeEventType::Confirmed, Some(payment("0.5")))
        .await
        .unwrap();
    assert!(!fired.deliveries[0].result.is_acknowledged());
    assert!(sandbox.advance(Duration::from_secs(59)).await.is_empty());
    let retries = sandbox.advance(Duration::from_secs(3600)).await;
    assert_eq!(
        retries
            .iter()
            .map(|d| (
                d.attempt,
                d.due_at_millis - fired.deliveries[0].sent_at_millis
            ))
            .collect::<Vec<_>>(),
        vec![(2, 60_000), (3, 300_000)]
    );
    let attempts: Vec<i64> = receiver
        .take(3)
        .iter()
        .map(|r| {
            ChargeWebhook::parse_unverified(&r.body)
                .unwrap()
                .delivery_attempt
        })
        .collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert_eq!(
        sandbox.notifications()[0].status,
        DeliveryStatus::Acknowledged
    );
}

/// Sends `request` as it is; returns the status and the `errors` message.
async fn send_raw(client: &Client, request: SignedRequest) -> (u16, String) {
    let response = client
        .transport()
        .send("raw", request)
        .await
        .expect("the sandbox answers");
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    (
        response.status,
        body["errors"].as_str().unwrap_or_default().to_owned(),
    )
}

fn assert_refused(sandbox: &Sandbox, answer: &(u16, String), stage: Stage, reason_part: &str) {
    assert_eq!(answer.0, 401, "{answer:?}");
    assert!(answer.1.contains(reason_part), "{answer:?}");
    let (logged, reason) = e2e::last_refusal(sandbox);
    assert_eq!(logged, stage, "{reason}");
    assert!(reason.contains(reason_part), "{reason}");
}

#[tokio::test]
async fn every_bad_signature_is_refused_at_its_stage() {
    let sandbox = e2e::start(&["bitpro-mapi"]).await;
    let client = client(&sandbox);
    let query = ChargesQuery { page: Some(1) };

    let mut request = client.build_list_charges(&query).unwrap();
    request.headers.retain(|(name, _)| name != "Authorization");
    assert_refused(
        &sandbox,
        &send_raw(&client, request).await,
        Stage::Headers,
        "Authorization",
    );

    let mut request = client.build_list_charges(&query).unwrap();
    request.headers.retain(|(name, _)| name != "Accept");
    let answer = send_raw(&client, request).await;
    assert_eq!(answer.0, 400, "{answer:?}");
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Headers);

    let mut wrong = credentials();
    wrong.private_key = Secret::new("c29tZW9uZSBlbHNlJ3Mga2V5");
    let impostor = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro-mapi")).with_clock(sandbox.clock()),
        wrong,
    );
    let error = impostor.list_charges(&query).await.unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::Http { status: 401, .. }),
        "{error}"
    );
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Signature);

    let mut stranger = credentials();
    stranger.merchant_id = "00000000-0000-0000-0000-000000000000".into();
    let stranger = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro-mapi")).with_clock(sandbox.clock()),
        stranger,
    );
    assert_refused(
        &sandbox,
        &send_raw(&client, stranger.build_list_charges(&query).unwrap()).await,
        Stage::Credential,
        "is not known",
    );

    let mut request = client.build_list_charges(&query).unwrap();
    request.url = request.url.replace("page=1", "page=2");
    assert_refused(
        &sandbox,
        &send_raw(&client, request).await,
        Stage::Signature,
        "page=2",
    );

    let mut request = client.build_list_charges(&query).unwrap();
    request.body = b"{}".to_vec();
    request.headers.push((
        "X-Authorization-Content-SHA256".into(),
        "bm90IHRoZSBib2R5".into(),
    ));
    request
        .headers
        .push(("Content-Type".into(), "application/json".into()));
    assert_refused(
        &sandbox,
        &send_raw(&client, request).await,
        Stage::ContentDigest,
        "does not match the body",
    );

    let sixteen_minutes_ago = e2e::millis(sandbox.now()) - 16 * 60 * 1000;
    let late = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "bitpro-mapi"))
            .with_clock(FixedClock(sixteen_minutes_ago)),
        credentials(),
    );
    assert_refused(
        &sandbox,
        &send_raw(&client, late.build_list_charges(&query).unwrap()).await,
        Stage::Freshness,
        "960 s away",
    );

    let request = client.build_list_charges(&query).unwrap();
    assert_eq!(send_raw(&client, request.clone()).await.0, 200);
    assert_refused(
        &sandbox,
        &send_raw(&client, request).await,
        Stage::Replay,
        "already used",
    );
}
