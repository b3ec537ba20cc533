//! Bitpro API v1: every endpoint's signed request (snapshots), server-side verification
//! of what the client signs (properties), and the client over a loopback socket.

use std::time::{Duration, UNIX_EPOCH};

use paysmith_bitpro_client::models::{
    ProviderErrorKind, WithdrawalRequest, schemes::BITPRO_HMAC_SHA1,
};
use paysmith_bitpro_client::{
    Client, ErrorKind, FixedClock, SignedRequest, Transport, provider_error_kind,
};
use paysmith_conformance::EndpointCase;
use paysmith_conformance::bitpro::{API_KEY, SECRET_KEY, TIMESTAMP, credentials, fixed_client};
use paysmith_conformance::generated::bitpro::{self, any_request};
use paysmith_conformance::loopback::serve_once;
use paysmith_sign::Secret;
use paysmith_sign::content_md5_hmac::{ReceivedHeaders, SignedParts};
use proptest::prelude::*;

/// The server side: recompute from what arrives, at the client's clock.
fn verify(signed: &SignedRequest) -> Result<(), String> {
    let url = signed
        .url
        .strip_prefix(paysmith_bitpro_client::Environment::Sandbox.base_url())
        .unwrap();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let content = if signed.method == "GET" || signed.method == "DELETE" {
        query.as_bytes()
    } else {
        &signed.body
    };
    let header = |name: &str| signed.header(name).ok_or(format!("no {name} header"));
    let parts = SignedParts {
        method: signed.method,
        uri: path,
        date: header("Date")?,
        content,
        api_key: API_KEY,
    };
    let received = ReceivedHeaders {
        authorization: header("Authorization")?,
        content_md5: header("Content-MD5")?,
        date: header("Date")?,
    };
    let now = UNIX_EPOCH + Duration::from_millis(TIMESTAMP);
    BITPRO_HMAC_SHA1
        .verify(&parts, &received, &Secret::new(SECRET_KEY), now)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One call per endpoint, with the document's values: client `BT-C798980`,
/// transaction `39486536`, and the Authentication example's withdrawal parameters.
fn documented_case(endpoint: &'static str) -> EndpointCase {
    let (path, request): (Vec<&str>, serde_json::Value) = match endpoint {
        "ping" | "rates" | "create_client" => (vec![], serde_json::Value::Null),
        "get_client" => (vec!["BT-C798980"], serde_json::Value::Null),
        "buy" => (
            vec!["BT-C798980"],
            serde_json::json!({"traded_fiat": "100.00"}),
        ),
        "withdrawal" => (
            vec!["BT-C962387"],
            serde_json::json!({"address": "2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr", "amount": "0.12"}),
        ),
        "list_transactions" => (vec!["BT-C798980"], serde_json::json!({"page": 2})),
        "get_transaction" => (vec!["BT-C499471", "39486536"], serde_json::Value::Null),
        other => panic!("no documented case for `{other}`"),
    };
    EndpointCase {
        endpoint,
        path: path.into_iter().map(str::to_owned).collect(),
        request,
    }
}

#[test]
fn every_endpoint_has_a_verified_signed_request_snapshot() {
    let client = fixed_client();
    for endpoint in bitpro::ENDPOINTS {
        let signed = bitpro::build(&client, &documented_case(endpoint)).unwrap();
        verify(&signed).unwrap_or_else(|e| panic!("{endpoint}: {e}"));
        insta::assert_snapshot!(format!("bitpro__{endpoint}"), signed.to_string());
    }
}

#[test]
fn the_withdrawal_reproduces_the_documented_signature() {
    let signed = bitpro::build(&fixed_client(), &documented_case("withdrawal")).unwrap();
    assert_eq!(
        signed.body,
        b"address=2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr&amount=0.12"
    );
    assert_eq!(
        signed.header("Content-MD5"),
        Some("FBgiRcA+lHYYgLkAc2JX5g==")
    );
    assert_eq!(signed.header("Date"), Some("Mon, 10 Apr 2017 04:43:12 GMT"));
    assert_eq!(
        signed.header("Authorization"),
        Some("Bitpro M3175465:W81e6C9NeGYqau1RWhyGtw8YfoY=")
    );
}

#[test]
fn get_parameters_travel_in_the_query_and_are_what_content_md5_covers() {
    let signed = bitpro::build(&fixed_client(), &documented_case("list_transactions")).unwrap();
    assert!(
        signed
            .url
            .ends_with("/api/v1/clients/BT-C798980/transactions?page=2"),
        "{}",
        signed.url
    );
    assert!(signed.body.is_empty());
    assert_eq!(
        signed.header("Content-MD5"),
        Some(BITPRO_HMAC_SHA1.content_md5(b"page=2").as_str())
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every endpoint, any path parameters and request: the server check accepts it.
    #[test]
    fn signed_requests_verify(case in any_request()) {
        let signed = bitpro::build(&fixed_client(), &case).unwrap();
        prop_assert!(verify(&signed).is_ok(), "{}: {:?}", case.endpoint, verify(&signed));
    }

    /// Changing the body, the path or the date breaks it.
    #[test]
    fn tampering_breaks_verification(case in any_request(), which in 0u8..3) {
        let mut signed = bitpro::build(&fixed_client(), &case).unwrap();
        match which {
            0 if !signed.body.is_empty() => signed.body.push(b'1'),
            0 | 1 => signed.url = signed.url.replacen("/api/v1/", "/api/v2/", 1),
            _ => {
                let date = signed.headers.iter_mut().find(|(n, _)| n == "Date").unwrap();
                date.1 = "Mon, 10 Apr 2017 04:43:13 GMT".into();
            }
        }
        prop_assert!(verify(&signed).is_err(), "{}", case.endpoint);
    }
}

fn client_on(url: &str) -> Client {
    Client::with_transport(
        Transport::new(url).with_clock(FixedClock(TIMESTAMP)),
        credentials(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn documented_error_messages_become_error_kinds() {
    let (url, _received) = serve_once(
        "422 Unprocessable Entity",
        r#"{"errors": "Amount should not be smaller than 0.05 BTC"}"#,
    );
    let request = WithdrawalRequest {
        address: "2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr".into(),
        amount: "0.01".parse().unwrap(),
    };
    let error = runtime()
        .block_on(client_on(&url).withdrawal("BT-C798980", &request))
        .unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::AmountTooSmall)
    );
    assert!(matches!(
        error.kind,
        ErrorKind::Provider {
            status: 422,
            code: None,
            ..
        }
    ));

    let (url, _received) = serve_once("400 Bad Request", r#"{"errors": "Something new"}"#);
    let error = runtime()
        .block_on(client_on(&url).withdrawal("BT-C798980", &request))
        .unwrap_err();
    assert_eq!(
        provider_error_kind(&error),
        Some(ProviderErrorKind::Other {
            code: None,
            message: "Something new".into()
        })
    );
}

#[test]
fn bare_responses_and_lists_decode() {
    let (url, _received) = serve_once(
        "200 OK",
        r#"[{"tid":"35728038","type":"bitcoin_buy","amount":"1.28949065","created_at":"2017-04-06T06:21:52Z"},{"tid":"1","type":"bitcoin_gift","amount":"-0.5","created_at":"2017-04-06T06:21:52Z"}]"#,
    );
    let query = paysmith_bitpro_client::models::TransactionsQuery { page: None };
    let transactions = runtime()
        .block_on(client_on(&url).list_transactions("BT-C798980", &query))
        .unwrap();
    assert_eq!(transactions.len(), 2);
    assert_eq!(transactions[0].amount.to_string(), "1.28949065");
    assert_eq!(
        transactions[1].kind,
        paysmith_bitpro_client::models::TransactionType::Unknown("bitcoin_gift".into())
    );

    let (url, _received) = serve_once(
        "200 OK",
        r#"{"time_expires": 1491824457.468, "buy_price": "1225.10", "asset": "XBT"}"#,
    );
    let rate = runtime().block_on(client_on(&url).rates()).unwrap();
    assert_eq!(
        rate.time_expires.to_string(),
        "1491824457.468",
        "sub-second precision kept"
    );
    assert_eq!(rate.buy_price.to_string(), "1225.10");
}
