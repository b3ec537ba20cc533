//! The generated 1BitPay client against the sandbox over loopback: every endpoint, the
//! sandbox's refusals in the API's envelope, every kind of bad signature (each refused
//! at its stage), and order callbacks signed, verified by the models crate and retried
//! on the documented schedule on the sandbox clock.

use std::time::Duration;

use paysmith_conformance::e2e::{self, NotificationReceiver};
use paysmith_conformance::loopback::Reply;
use paysmith_conformance::onebitpay::{credentials, shard_pfx};
use paysmith_onebitpay_client::models::{
    ApproveRequest, CollectRequest, CreateOrderRequest, Decimal, IdCardType, IsMain,
    ORDER_CALLBACK_ACKNOWLEDGEMENT, ORDER_CALLBACK_RETRY_OFFSETS, OrderCallback, OrderStatus,
    OrderType, PayWay, PendingListRequest, RateRequest, SignStatus, schemes,
};
use paysmith_onebitpay_client::{Client, Error, FixedClock, Secret, Transport};
use paysmith_sandbox::{ControlError, DeliveryStatus, OneBitPay, Sandbox, Stage};
use serde_json::{Value, json};

fn client(sandbox: &Sandbox) -> Client {
    let transport = Transport::new(e2e::url(sandbox, "onebitpay")).with_clock(sandbox.clock());
    Client::with_transport(transport, credentials())
}

/// The client with the fixture key shard, for approve and fund collection.
fn cosigner(sandbox: &Sandbox) -> Client {
    client(sandbox)
        .load_key_shard(&shard_pfx())
        .expect("the fixture shard loads")
}

fn onebitpay(sandbox: &Sandbox) -> OneBitPay {
    sandbox.onebitpay().expect("1BitPay is served")
}

fn usdt_cny() -> RateRequest {
    RateRequest {
        crypto_currency: "USDT".into(),
        legal_currency: "CNY".into(),
    }
}

fn order(merchant_order_no: &str, async_url: Option<String>) -> CreateOrderRequest {
    CreateOrderRequest {
        user_name: "Chen".into(),
        area_code: "+86".into(),
        phone: "18848820305".into(),
        sync_url: None,
        async_url,
        crypto_amount: Decimal::new(10, 0),
        crypto_currency: "USDT".into(),
        legal_currency: "CNY".into(),
        id_card_type: IdCardType::IdCard,
        id_card: "412627288918989891".into(),
        kyc: 2,
        merchant_no: None,
        merchant_order_no: merchant_order_no.into(),
        order_type: OrderType::Buy,
        pay_way: PayWay::BankCard,
        bank: None,
        bank_account: None,
        bank_branch: None,
        h5: false,
    }
}

fn pending(from: &str, amount: &str) -> paysmith_sandbox::providers::onebitpay::NewPending {
    paysmith_sandbox::providers::onebitpay::NewPending {
        from_address: from.into(),
        to_address: "TFMQrPdFWuPzFRXb42sxB22ABCVL6xSopV".into(),
        amount: amount.parse().expect("a decimal"),
        chain_id: "56".into(),
    }
}

fn approve_request(
    entry: &paysmith_onebitpay_client::models::PendingSignature,
    status: SignStatus,
) -> ApproveRequest {
    ApproveRequest {
        id: entry.id,
        from_address: Some(entry.from_address.clone()),
        to_address: Some(entry.to_address.clone()),
        value: Some(entry.amount),
        chain_id: Some(entry.chain_id.clone()),
        status,
        data: String::new(),
    }
}

/// The envelope's `code` and `message` of an error.
fn code_and_message(error: &Error) -> (Option<&str>, Option<&str>) {
    (error.provider_code(), error.provider_message())
}

#[tokio::test]
async fn every_endpoint_answers_over_loopback() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    let client = client(&sandbox);

    let rate = client.get_rate(&usdt_cny()).await.expect("get_rate");
    assert_eq!(
        (rate.buy_rate.to_string(), rate.sell_rate.to_string()),
        ("6.47".into(), "6.9".into())
    );

    let created = client
        .create_order(&order("A-1001", None))
        .await
        .expect("create_order");
    assert!(created.is_new);
    assert!(
        created.url.contains(&format!("o={}", created.order_no)) && created.url.contains("l=en"),
        "{}",
        created.url
    );
    let again = client
        .create_order(&order("A-1001", None))
        .await
        .expect("create_order again");
    assert!(
        !again.is_new,
        "the same merchant order number is the same order"
    );
    assert_eq!(again.order_no, created.order_no);
    assert_eq!(onebitpay(&sandbox).orders().len(), 1);

    let sandbox_side = onebitpay(&sandbox);
    let queued: Vec<_> = ["TGGh3cGp9P21Ebvg9JitjHoeJaKqrg3bRg", "TA", "TB"]
        .into_iter()
        .map(|from| sandbox_side.add_pending(pending(from, "4.1")))
        .collect();
    let cosigner = cosigner(&sandbox);
    let first_page = cosigner
        .pending_signatures(&PendingListRequest {
            page_num: 1,
            page_size: 2,
        })
        .await
        .expect("pending_signatures");
    assert_eq!(first_page.total, 3);
    assert_eq!(first_page.list, queued[..2].to_vec());
    let second_page = cosigner
        .pending_signatures(&PendingListRequest {
            page_num: 2,
            page_size: 2,
        })
        .await
        .expect("pending_signatures page 2");
    assert_eq!(second_page.list, queued[2..].to_vec());

    cosigner
        .approve(&approve_request(&queued[0], SignStatus::Approved))
        .await
        .expect("approve");
    cosigner
        .approve(&approve_request(&queued[1], SignStatus::Rejected))
        .await
        .expect("reject");
    let left = cosigner
        .pending_signatures(&PendingListRequest {
            page_num: 1,
            page_size: 20,
        })
        .await
        .expect("pending_signatures after the decisions");
    assert_eq!(left.total, 1, "approve and reject drain the queue");
    assert_eq!(left.list, queued[2..].to_vec());
    let decisions = sandbox_side.decisions();
    assert_eq!(
        decisions
            .iter()
            .map(|d| (d.pending.id, d.status))
            .collect::<Vec<_>>(),
        vec![
            (queued[0].id, SignStatus::Approved),
            (queued[1].id, SignStatus::Rejected)
        ]
    );

    cosigner
        .collect_funds(&CollectRequest {
            is_main: IsMain::Main,
            data: String::new(),
        })
        .await
        .expect("collect_funds");
    assert_eq!(sandbox_side.collections().len(), 1);
    assert_eq!(sandbox_side.collections()[0].is_main, IsMain::Main);

    let (answered, never) = e2e::coverage(&sandbox, "onebitpay");
    assert!(never.is_empty(), "endpoints never answered: {never:?}");
    assert_eq!(answered.len(), 5);
}

#[tokio::test]
async fn the_rules_refuse_in_the_envelope() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    let client = client(&sandbox);

    let error = client
        .get_rate(&RateRequest {
            crypto_currency: "USDT".into(),
            legal_currency: "EUR".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (Some("400"), Some("unsupported currency pair USDT/EUR"))
    );

    let mut low_kyc = order("A-2", None);
    low_kyc.kyc = 1;
    let error = client.create_order(&low_kyc).await.unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (Some("400"), Some("kyc level 2 is required"))
    );

    let mut sell = order("A-3", None);
    sell.order_type = OrderType::Sell;
    let error = client.create_order(&sell).await.unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (
            Some("400"),
            Some("bank and bankAccount are required for sell orders")
        )
    );
    sell.pay_way = PayWay::Alipay;
    let error = client.create_order(&sell).await.unwrap_err();
    assert_eq!(
        error.provider_message(),
        Some("sell orders support only payWay 1 (bank card)")
    );

    let cosigner = cosigner(&sandbox);
    let error = cosigner
        .pending_signatures(&PendingListRequest {
            page_num: 1,
            page_size: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (Some("400"), Some("pageSize must be between 1 and 100"))
    );

    let queued = onebitpay(&sandbox).add_pending(pending("TA", "4.1"));
    let mut unknown = approve_request(&queued, SignStatus::Approved);
    unknown.id += 1;
    let error = cosigner.approve(&unknown).await.unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (
            Some("404"),
            Some(format!("pending signature {} not found", unknown.id).as_str())
        )
    );
    // Signed correctly, but not the transaction that waits: refused, still queued.
    let mut other_amount = approve_request(&queued, SignStatus::Approved);
    other_amount.value = Some(Decimal::new(42, 1));
    let error = cosigner.approve(&other_amount).await.unwrap_err();
    assert_eq!(
        code_and_message(&error),
        (
            Some("400"),
            Some(format!("`value` does not match pending signature {}", queued.id).as_str())
        )
    );
    assert_eq!(onebitpay(&sandbox).pending(), vec![queued]);
}

/// Sends `request` as it is and returns the envelope the sandbox answered with.
async fn send_raw(client: &Client, request: paysmith_onebitpay_client::SignedRequest) -> Value {
    let response = client
        .transport()
        .send("raw", request)
        .await
        .expect("the sandbox answers");
    assert_eq!(response.status, 200, "1BitPay answers errors with HTTP 200");
    serde_json::from_slice(&response.body).expect("a JSON envelope")
}

/// Asserts the envelope is a 401 naming `reason_part`, and the log names `stage`.
fn assert_refused(sandbox: &Sandbox, envelope: &Value, stage: Stage, reason_part: &str) {
    assert_eq!(envelope["code"], json!(401), "{envelope}");
    let message = envelope["message"].as_str().expect("a message");
    assert!(message.contains(reason_part), "{message}");
    let (logged, reason) = e2e::last_refusal(sandbox);
    assert_eq!(logged, stage, "{reason}");
    assert!(reason.contains(reason_part), "{reason}");
}

#[tokio::test]
async fn every_bad_signature_is_refused_at_its_stage() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    let client = client(&sandbox);

    // Missing: no signature header, or no nonce.
    let mut request = client.build_get_rate(&usdt_cny()).unwrap();
    request.headers.retain(|(name, _)| name != "Sign");
    let envelope = send_raw(&client, request).await;
    assert_refused(
        &sandbox,
        &envelope,
        Stage::Headers,
        "header `Sign` is missing",
    );
    let mut request = client.build_get_rate(&usdt_cny()).unwrap();
    request.headers.retain(|(name, _)| name != "Nonce");
    let envelope = send_raw(&client, request).await;
    assert_refused(
        &sandbox,
        &envelope,
        Stage::Headers,
        "header `Nonce` is missing",
    );

    // Wrong: another secret, a body changed after signing, another merchant's key.
    let mut wrong_secret = credentials();
    wrong_secret.api_secret = Secret::new("not-the-secret");
    let impostor = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "onebitpay")).with_clock(sandbox.clock()),
        wrong_secret,
    );
    let error = impostor.get_rate(&usdt_cny()).await.unwrap_err();
    assert_eq!(error.provider_code(), Some("401"));
    let (stage, reason) = e2e::last_refusal(&sandbox);
    assert_eq!(stage, Stage::Signature);
    assert!(reason.contains("cryptoCurrency=USDT"), "{reason}");
    assert!(
        !reason.contains("merasdasd"),
        "the secret is never shown: {reason}"
    );

    let mut request = client.build_get_rate(&usdt_cny()).unwrap();
    request.body = br#"{"cryptoCurrency":"BTC","legalCurrency":"CNY"}"#.to_vec();
    let envelope = send_raw(&client, request).await;
    assert_refused(&sandbox, &envelope, Stage::Signature, "does not match");

    let mut other_key = credentials();
    other_key.api_key = "someone-else".into();
    let stranger = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "onebitpay")).with_clock(sandbox.clock()),
        other_key,
    );
    stranger.get_rate(&usdt_cny()).await.unwrap_err();
    assert_eq!(e2e::last_refusal(&sandbox).0, Stage::Credential);

    // Stale: signed six minutes before the sandbox clock (five are accepted).
    let six_minutes_ago = e2e::millis(sandbox.now()) - 6 * 60 * 1000;
    let late = Client::with_transport(
        Transport::new(e2e::url(&sandbox, "onebitpay")).with_clock(FixedClock(six_minutes_ago)),
        credentials(),
    );
    let request = late.build_get_rate(&usdt_cny()).unwrap();
    let envelope = send_raw(&client, request).await;
    assert_refused(&sandbox, &envelope, Stage::Freshness, "360 s away");

    // Replayed: the same signed request twice; the first is answered.
    let request = client.build_get_rate(&usdt_cny()).unwrap();
    let first = send_raw(&client, request.clone()).await;
    assert_eq!(first["code"], json!(200), "{first}");
    let envelope = send_raw(&client, request).await;
    assert_refused(&sandbox, &envelope, Stage::Replay, "already used");

    // A wrong co-signer signature in `data`, under a valid request signature.
    let queued = onebitpay(&sandbox).add_pending(pending("TA", "4.1"));
    let mut body =
        serde_json::to_value(approve_request(&queued, SignStatus::Approved)).expect("JSON");
    body["data"] = json!("bm90IGEgc2lnbmF0dXJl");
    let signer = paysmith_runtime::header_params::HeaderParamsSigner {
        binding: &schemes::ONEBITPAY_MD5_HTTP,
        config: &schemes::ONEBITPAY_MD5,
        secret: &credentials().api_secret,
        source: &client,
    };
    let request = signer
        .build_json_request(
            "approve",
            "POST",
            format!(
                "{}/api/transaction/approve",
                e2e::url(&sandbox, "onebitpay")
            ),
            &body,
        )
        .unwrap();
    let envelope = send_raw(&client, request).await;
    assert_refused(&sandbox, &envelope, Stage::BodySignature, "`data`");
    assert_eq!(
        onebitpay(&sandbox).pending(),
        vec![queued],
        "nothing was decided"
    );
}

#[tokio::test]
async fn paths_and_methods_outside_the_spec_answer_in_the_envelope() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    let http = reqwest::Client::new();
    let base = e2e::url(&sandbox, "onebitpay");
    let response = http
        .get(format!("{base}/api/otc/rate"))
        .send()
        .await
        .unwrap();
    let envelope: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        envelope,
        json!({"code": 405, "message": "Method not allowed"})
    );
    let response = http
        .post(format!("{base}/api/otc/nothing"))
        .send()
        .await
        .unwrap();
    let envelope: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(envelope, json!({"code": 404, "message": "Not found"}));
}

/// Creates an order whose callbacks go to `receiver`; returns its number.
async fn order_with_callbacks(
    sandbox: &Sandbox,
    receiver: &NotificationReceiver,
    merchant_order_no: &str,
) -> String {
    client(sandbox)
        .create_order(&order(merchant_order_no, Some(receiver.url.clone())))
        .await
        .expect("create_order")
        .order_no
}

fn verified(body: &[u8]) -> OrderCallback {
    OrderCallback::verify_and_parse(body, &credentials().api_secret)
        .expect("the callback verifies with the merchant's secret")
}

#[tokio::test]
async fn orders_follow_their_life_cycle_and_every_change_is_called_back() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    let receiver = NotificationReceiver::always("200 OK", ORDER_CALLBACK_ACKNOWLEDGEMENT);
    let order_no = order_with_callbacks(&sandbox, &receiver, "A-7").await;
    let sandbox_side = onebitpay(&sandbox);

    for status in [
        OrderStatus::InProgress,
        OrderStatus::Processing3,
        OrderStatus::Completed,
    ] {
        let change = sandbox_side
            .set_order_status(&order_no, status, Some(Decimal::new(1011, 2)))
            .await
            .expect("the order moves");
        assert_eq!(change.order.status, status);
        assert_eq!(change.deliveries.len(), 1);
        assert!(change.deliveries[0].result.is_acknowledged());
        let received = receiver.take(1).remove(0);
        assert_eq!(received.request_line, "POST / HTTP/1.1");
        assert_eq!(received.header("content-type"), Some("application/json"));
        let callback = verified(&received.body);
        assert_eq!(callback.status, status);
        assert_eq!(callback.order_no, order_no);
        assert_eq!(callback.merchant_order_no, "A-7");
        assert_eq!(callback.order_type, OrderType::Buy);
        assert_eq!(callback.deal_amount.to_string(), "10.11");
    }

    let refused = sandbox_side
        .set_order_status(&order_no, OrderStatus::Canceled, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ControlError::Conflict(message) if message.contains("is final")),
        "{refused:?}"
    );
    let notifications = sandbox.notifications();
    assert_eq!(notifications.len(), 3);
    assert!(
        notifications
            .iter()
            .all(|n| n.status == DeliveryStatus::Acknowledged)
    );
}

#[tokio::test]
async fn an_unacknowledged_callback_is_retried_on_the_documented_schedule_then_dropped() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    // "Success" is not the documented acknowledgement: every delivery fails.
    let receiver = NotificationReceiver::always("200 OK", r#"{"code":200,"message":"OK"}"#);
    let order_no = order_with_callbacks(&sandbox, &receiver, "A-8").await;
    let change = onebitpay(&sandbox)
        .set_order_status(&order_no, OrderStatus::InProgress, None)
        .await
        .expect("the order moves");
    let first = &change.deliveries[0];
    assert!(!first.result.is_acknowledged());

    let retries = sandbox.advance(Duration::from_secs(13 * 3600)).await;
    assert_eq!(retries.len(), ORDER_CALLBACK_RETRY_OFFSETS.len());
    for (retry, offset) in retries.iter().zip(ORDER_CALLBACK_RETRY_OFFSETS) {
        let expected = first.sent_at_millis + u64::try_from(offset.as_millis()).unwrap();
        assert_eq!(retry.due_at_millis, expected, "retry {}", retry.attempt);
        assert_eq!(retry.sent_at_millis, expected, "sent when due");
        assert!(!retry.result.is_acknowledged());
    }
    let bodies = receiver.take(1 + ORDER_CALLBACK_RETRY_OFFSETS.len());
    for received in &bodies {
        assert_eq!(verified(&received.body).status, OrderStatus::InProgress);
    }
    let notification = sandbox
        .notification(change.notification.expect("the order has an asyncUrl"))
        .expect("the notification");
    assert_eq!(notification.status, DeliveryStatus::GaveUp);
    assert_eq!(notification.next_due_millis, None);

    assert!(
        sandbox
            .advance(Duration::from_secs(86_400))
            .await
            .is_empty()
    );
    assert!(receiver.pending().is_empty(), "nothing after 12 hours");
}

#[tokio::test]
async fn retries_stop_at_the_acknowledgement() {
    let sandbox = e2e::start(&["onebitpay"]).await;
    // Down, then an error page, then a wrong answer, then the acknowledgement.
    let receiver = NotificationReceiver::new(|attempt| match attempt {
        1 => Reply::json("503 Service Unavailable", "<html>down</html>"),
        2 => Reply::json("500 Internal Server Error", ORDER_CALLBACK_ACKNOWLEDGEMENT),
        3 => Reply::json("200 OK", r#"{"code":500,"message":"Success"}"#),
        _ => Reply::json("200 OK", ORDER_CALLBACK_ACKNOWLEDGEMENT),
    });
    let order_no = order_with_callbacks(&sandbox, &receiver, "A-9").await;
    let change = onebitpay(&sandbox)
        .set_order_status(
            &order_no,
            OrderStatus::Completed,
            Some(Decimal::new(1011, 2)),
        )
        .await
        .expect("the order moves");
    let started = change.deliveries[0].sent_at_millis;

    // Nothing is due before the first offset.
    assert!(sandbox.advance(Duration::from_secs(119)).await.is_empty());
    let retries = sandbox.advance(Duration::from_secs(3600)).await;
    assert_eq!(
        retries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(
        retries
            .iter()
            .map(|d| d.due_at_millis - started)
            .collect::<Vec<_>>(),
        vec![120_000, 300_000, 600_000]
    );
    assert!(retries[2].result.is_acknowledged());
    let bodies = receiver.take(4);
    assert!(
        bodies
            .iter()
            .all(|b| verified(&b.body).status == OrderStatus::Completed)
    );
    assert_eq!(
        sandbox.notifications()[0].status,
        DeliveryStatus::Acknowledged
    );
    assert!(
        sandbox
            .advance(Duration::from_secs(43_200))
            .await
            .is_empty()
    );
}
