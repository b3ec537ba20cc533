//! The generated client over a real loopback socket: what it sends is what it signed,
//! and every kind of answer becomes the right result or error.

use paysmith_conformance::loopback::serve_once;
use paysmith_conformance::onebitpay::{API_SECRET, NONCE, TIMESTAMP, credentials, shard_pfx};
use paysmith_onebitpay_client::models::{ApproveRequest, RateRequest, SignStatus};
use paysmith_onebitpay_client::{Client, ErrorKind, FixedClock, FixedNonce, Transport};
use paysmith_onebitpay_models::schemes::{ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP};
use paysmith_sign::Secret;

fn client(url: &str) -> Client {
    let transport = Transport::new(url)
        .with_clock(FixedClock(TIMESTAMP))
        .with_nonce(FixedNonce(NONCE.into()));
    Client::with_transport(transport, credentials())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn rate_request() -> RateRequest {
    RateRequest {
        crypto_currency: "USDT".into(),
        legal_currency: "CNY".into(),
    }
}

#[test]
fn a_call_sends_exactly_the_signed_request_and_decodes_the_answer() {
    let (url, received) = serve_once(
        "200 OK",
        r#"{"code":200,"message":"Success","data":{"buyRate":"6.47","sellRate":"6.9"}}"#,
    );
    let client = client(&url);
    let expected = client.build_get_rate(&rate_request()).unwrap();
    let rate = runtime()
        .block_on(client.get_rate(&rate_request()))
        .unwrap();
    assert_eq!(rate.buy_rate.to_string(), "6.47");
    assert_eq!(rate.sell_rate.to_string(), "6.9");

    let received = received.recv().unwrap();
    assert_eq!(received.request_line, "POST /api/otc/rate HTTP/1.1");
    assert_eq!(
        received.body, expected.body,
        "the signed bytes are the sent bytes"
    );
    for (name, value) in &expected.headers {
        let got = received
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        assert_eq!(
            got.map(|(_, v)| v.as_str()),
            Some(value.as_ref()),
            "header {name}"
        );
    }
    let headers: Vec<(&str, &str)> = received
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body: serde_json::Value = serde_json::from_slice(&received.body).unwrap();
    ONEBITPAY_MD5_HTTP
        .verify(&ONEBITPAY_MD5, &Secret::new(API_SECRET), &headers, &body)
        .expect("the server-side check accepts what was received");
}

#[test]
fn a_provider_error_keeps_code_message_and_body() {
    let answer = r#"{"code":1003,"message":"sign error"}"#;
    let (url, _received) = serve_once("200 OK", answer);
    let error = runtime()
        .block_on(client(&url).get_rate(&rate_request()))
        .unwrap_err();
    assert_eq!(error.operation, "get_rate");
    assert_eq!(error.provider_code(), Some("1003"));
    assert_eq!(error.raw_body(), Some(answer.as_bytes()));
    assert_eq!(
        error.to_string(),
        "get_rate: provider error 1003 (HTTP 200): sign error"
    );
}

#[test]
fn an_html_error_page_is_an_http_error_with_the_page() {
    let (url, _received) = serve_once("502 Bad Gateway", "<html>bad gateway</html>");
    let error = runtime()
        .block_on(client(&url).get_rate(&rate_request()))
        .unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::Http { status: 502, .. }),
        "{error}"
    );
    assert_eq!(
        error.raw_body(),
        Some("<html>bad gateway</html>".as_bytes())
    );
}

#[test]
fn a_response_that_does_not_fit_names_the_json_path() {
    let (url, _received) = serve_once(
        "200 OK",
        r#"{"code":200,"message":"Success","data":{"buyRate":"six","sellRate":"6.9"}}"#,
    );
    let error = runtime()
        .block_on(client(&url).get_rate(&rate_request()))
        .unwrap_err();
    match error.kind {
        ErrorKind::Decode { model, path, .. } => {
            assert_eq!(model, "Rate");
            assert_eq!(path, "data.buyRate");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn co_signer_calls_need_the_shard_and_answer_unit() {
    let request = ApproveRequest {
        id: 1,
        from_address: None,
        to_address: None,
        value: None,
        chain_id: None,
        status: SignStatus::Rejected,
        data: String::new(),
    };
    let without_shard = client("http://127.0.0.1:9")
        .build_approve(&request)
        .unwrap_err();
    assert!(
        matches!(without_shard.kind, ErrorKind::Build(_)),
        "{without_shard}"
    );

    let (url, received) = serve_once("200 OK", r#"{"code":200,"message":"Success"}"#);
    let client = client(&url).load_key_shard(&shard_pfx()).unwrap();
    runtime().block_on(client.approve(&request)).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&received.recv().unwrap().body).unwrap();
    assert_eq!(body["status"], 2);
    assert!(
        !body["data"].as_str().unwrap().is_empty(),
        "the client filled in the signature"
    );
}

#[test]
fn a_wrong_shard_password_is_a_clear_build_error() {
    let mut credentials = credentials();
    credentials.merchant_no = "someone-else".into();
    let error = Client::with_transport(Transport::new("http://127.0.0.1:9"), credentials)
        .load_key_shard(&shard_pfx())
        .unwrap_err();
    assert!(
        error.to_string().to_lowercase().contains("password"),
        "{error}"
    );
}
