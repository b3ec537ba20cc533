//! The sandbox's HTTP test controls, as a project in another language drives them: they
//! move the same state the generated clients then read, and the clock control sends
//! the retries that fall due.

use paysmith_bitpro_client::models::TransactionType;
use paysmith_conformance::e2e::{self, NotificationReceiver};
use paysmith_conformance::loopback::Reply;
use paysmith_onebitpay_client::models::{OrderStatus, RateRequest};
use paysmith_sandbox::Stage;
use serde_json::{Value, json};

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
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

async fn get(url: String) -> Value {
    let (status, body) = call(reqwest::Method::GET, url, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn post(url: String, body: Value) -> Value {
    let (status, answer) = call(reqwest::Method::POST, url, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

#[tokio::test]
async fn the_http_controls_move_what_the_clients_read() {
    let sandbox = e2e::start(&[]).await;
    let controls = format!("{}/_sandbox", sandbox.base_url());

    let served = get(controls.clone()).await;
    assert_eq!(
        served
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["onebitpay", "bitpro", "bitpro-mapi", "bitpay"]
    );

    // 1BitPay: a new quote, read by the client.
    post(
        format!("{controls}/onebitpay/rates"),
        json!({"cryptoCurrency": "BTC", "legalCurrency": "CNY", "buyRate": "470000.5", "sellRate": "469000"}),
    )
    .await;
    let client = paysmith_onebitpay_client::Client::with_transport(
        paysmith_onebitpay_client::Transport::new(e2e::url(&sandbox, "onebitpay"))
            .with_clock(sandbox.clock()),
        paysmith_conformance::onebitpay::credentials(),
    );
    let rate = client
        .get_rate(&RateRequest {
            crypto_currency: "BTC".into(),
            legal_currency: "CNY".into(),
        })
        .await
        .expect("the new quote");
    assert_eq!(rate.buy_rate.to_string(), "470000.5");

    // Bitpro v1: a client and a deposit made by the controls, read by the client.
    let created = post(format!("{controls}/bitpro/clients"), json!({})).await;
    let uid = created["uid"].as_str().unwrap().to_owned();
    let deposit = post(
        format!("{controls}/bitpro/clients/{uid}/deposits"),
        json!({"amount": "0.5", "confirmations": 2}),
    )
    .await;
    let tid = deposit["tid"].as_str().unwrap();
    post(
        format!("{controls}/bitpro/clients/{uid}/deposits/{tid}/confirmations"),
        json!({"confirmations": 6}),
    )
    .await;
    let bitpro = paysmith_bitpro_client::Client::with_transport(
        paysmith_bitpro_client::Transport::new(e2e::url(&sandbox, "bitpro"))
            .with_clock(sandbox.clock()),
        paysmith_conformance::bitpro::credentials(),
    );
    let account = bitpro.get_client(&uid).await.expect("get_client");
    assert_eq!(account.balance.to_string(), "0.5");
    let transaction = bitpro
        .get_transaction(&uid, tid)
        .await
        .expect("the deposit");
    assert_eq!(transaction.kind, TransactionType::BitcoinDeposit);
    assert_eq!(transaction.tx_confirmations, Some(6));

    // A control that cannot be carried out says why, with its status.
    let (status, error) = call(
        reqwest::Method::POST,
        format!("{controls}/bitpro/clients/BT-C1/deposits"),
        Some(json!({"amount": "1"})),
    )
    .await;
    assert_eq!(
        (status, error),
        (404, json!({"error": "no client `BT-C1`"}))
    );
}

#[tokio::test]
async fn callbacks_and_retries_are_driven_over_http() {
    let sandbox = e2e::start(&["onebitpay", "bitpro-mapi"]).await;
    let controls = format!("{}/_sandbox", sandbox.base_url());
    let receiver = NotificationReceiver::new(|attempt| match attempt {
        1 => Reply::json("500 Internal Server Error", "{}"),
        _ => Reply::json(
            "200 OK",
            paysmith_onebitpay_client::models::ORDER_CALLBACK_ACKNOWLEDGEMENT,
        ),
    });
    let client = paysmith_onebitpay_client::Client::with_transport(
        paysmith_onebitpay_client::Transport::new(e2e::url(&sandbox, "onebitpay"))
            .with_clock(sandbox.clock()),
        paysmith_conformance::onebitpay::credentials(),
    );
    let order =
        serde_json::from_value::<paysmith_onebitpay_client::models::CreateOrderRequest>(json!({
            "userName": "Chen", "areaCode": "+86", "phone": "18848820305",
            "asyncUrl": receiver.url, "cryptoAmount": "10", "cryptoCurrency": "USDT",
            "legalCurrency": "CNY", "idCardType": 1, "idCard": "412627288918989891", "kyc": 2,
            "merchantOrderNo": "H-1", "orderType": 1, "payWay": 1, "h5": true
        }))
        .expect("a create-order request");
    let order_no = client
        .create_order(&order)
        .await
        .expect("an order")
        .order_no;

    let changed = post(
        format!("{controls}/onebitpay/orders/{order_no}/status"),
        json!({"status": 1, "dealAmount": "10.11"}),
    )
    .await;
    assert_eq!(changed["order"]["status"], json!(1));
    assert_eq!(
        changed["deliveries"][0]["result"],
        json!("not_acknowledged")
    );

    let advanced = post(
        format!("{controls}/clock/advance"),
        json!({"seconds": 3600}),
    )
    .await;
    assert_eq!(
        advanced["clock"]["now_millis"],
        json!(e2e::millis(sandbox.now()))
    );
    assert_eq!(advanced["deliveries"][0]["attempt"], json!(2));
    assert_eq!(advanced["deliveries"][0]["result"], json!("acknowledged"));
    let bodies = receiver.take(2);
    let callback = paysmith_onebitpay_client::models::OrderCallback::verify_and_parse(
        &bodies[1].body,
        &paysmith_conformance::onebitpay::credentials().api_secret,
    )
    .expect("a signed callback");
    assert_eq!(callback.status, OrderStatus::Completed);

    let notifications = get(format!("{controls}/notifications")).await;
    assert_eq!(notifications[0]["status"], json!("acknowledged"));
    assert_eq!(notifications[0]["deliveries"].as_array().unwrap().len(), 2);

    // The merchant API: a webhook URL and a charge event, over HTTP.
    post(
        format!("{controls}/bitpro-mapi/webhooks"),
        json!({"event": "charge:failed", "url": receiver.url}),
    )
    .await;
    let charge = post(
        format!("{controls}/bitpro-mapi/charges"),
        json!({"fiat_price": "12.5"}),
    )
    .await;
    let fired = post(
        format!("{controls}/bitpro-mapi/charges/{}/events", charge["id"]),
        json!({"type": "charge:failed", "payment": {"value": "0.0001"}}),
    )
    .await;
    assert_eq!(fired["deliveries"][0]["result"], json!("acknowledged"));
    let webhook = paysmith_bitpro_mapi_client::models::ChargeWebhook::parse_unverified(
        &receiver.take(1)[0].body,
    )
    .expect("a webhook");
    assert_eq!(webhook.event.data.fiat_price.to_string(), "12.5");

    // The log over HTTP names the stage of a refusal.
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{}/api/otc/rate", e2e::url(&sandbox, "onebitpay")),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    let events = get(format!("{controls}/events")).await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["outcome"], json!("refused"));
    assert_eq!(last["stage"], json!(Stage::Headers.as_str()));
    assert_eq!(last["endpoint"], json!("get_rate"));
}

#[tokio::test]
async fn the_embedded_spec_starts_the_same_sandbox() {
    let sandbox = paysmith_cli::sandbox::start(e2e::config(&["bitpro"]))
        .await
        .expect("the sandbox starts with the spec built into the command");
    let client = paysmith_bitpro_client::Client::with_transport(
        paysmith_bitpro_client::Transport::new(e2e::url(&sandbox, "bitpro"))
            .with_clock(sandbox.clock()),
        paysmith_conformance::bitpro::credentials(),
    );
    assert_eq!(client.ping().await.expect("ping").status, "ok");
    sandbox.shutdown().await.expect("a graceful stop");
}
