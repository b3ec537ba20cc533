//! Decisions recorded as errata in the spec, held by the generated code: each test
//! names the erratum whose decision it checks.

use base64::Engine as _;
use paysmith_conformance::loopback::serve_once;
use paysmith_conformance::onebitpay::{
    API_SECRET, MERCHANT_NO, NONCE, TIMESTAMP, credentials, fixed_client, shard_pfx,
};
use paysmith_onebitpay_client::models::{
    ApproveRequest, CreateOrderRequest, RateRequest, SignStatus, SignType,
};
use paysmith_onebitpay_client::{Client, ErrorKind, FixedClock, FixedNonce, Transport};
use paysmith_onebitpay_models::schemes::{ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP};
use paysmith_sign::Secret;

fn example_json(api: &str, id: &str) -> String {
    let spec = paysmith_conformance::spec();
    let example = spec
        .api(api)
        .unwrap()
        .value
        .examples
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("{api} has no example {id}"))
        .clone();
    example.corrected.unwrap_or(example.json)
}

fn document_order() -> CreateOrderRequest {
    serde_json::from_str(&example_json("onebitpay", "create-order-request")).unwrap()
}

/// The string a server holding the secret rebuilds from the request, after checking it.
fn verified_string_to_sign(signed: &paysmith_onebitpay_client::SignedRequest) -> String {
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
    let trace = ONEBITPAY_MD5_HTTP
        .verify(&ONEBITPAY_MD5, &Secret::new(API_SECRET), &headers, &body)
        .unwrap();
    trace.get("string_to_sign").unwrap().to_owned()
}

/// create-order-merchantno: `merchantNo` is read from the document's example but never
/// sent; the merchant id travels in the `MerchantNo` header.
#[test]
fn merchant_no_is_read_but_never_sent() {
    let mut order = document_order();
    assert_eq!(order.merchant_no.as_deref(), Some("mer1c92b0319ef5b794"));
    order.merchant_no = Some("someone-else".into());
    let signed = fixed_client().build_create_order(&order).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
    assert!(
        body.get("merchantNo").is_none(),
        "merchantNo was sent: {body}"
    );
    assert_eq!(signed.header("MerchantNo"), Some(MERCHANT_NO));
    let string_to_sign = verified_string_to_sign(&signed);
    assert_eq!(
        string_to_sign.matches("erchantNo=").count(),
        1,
        "{string_to_sign}"
    );
}

/// body-values-as-text (onebitpay-md5): numbers and booleans of the body are signed as
/// their JSON text; `false` is a value, not an empty parameter.
#[test]
fn numbers_and_booleans_are_signed_as_their_json_text() {
    let signed = fixed_client()
        .build_create_order(&document_order())
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
    assert_eq!(body["h5"], false);
    assert_eq!(body["kyc"], 2);
    let string_to_sign = verified_string_to_sign(&signed);
    for pair in [
        "h5=false",
        "kyc=2",
        "idCardType=1",
        "orderType=1",
        "payWay=1",
        "cryptoAmount=10",
    ] {
        assert!(
            string_to_sign.split('&').any(|p| p == pair),
            "`{pair}` is not signed: {string_to_sign}"
        );
    }
}

/// sign-type-fixed-by-scheme (onebitpay-md5): the `SignType` header declares MD5.
#[test]
fn the_sign_type_header_is_the_md5_code() {
    let request = RateRequest {
        crypto_currency: "USDT".into(),
        legal_currency: "CNY".into(),
    };
    let signed = fixed_client().build_get_rate(&request).unwrap();
    let declared: i64 = signed.header("SignType").unwrap().parse().unwrap();
    assert_eq!(SignType::from_code(declared), Some(SignType::Md5));
}

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

/// no-data-on-approve-collect: an endpoint without a response model takes an answer
/// with or without `data`; one with a model needs `data`.
#[test]
fn data_is_optional_only_where_no_data_is_expected() {
    let approve = ApproveRequest {
        id: 1,
        from_address: None,
        to_address: None,
        value: None,
        chain_id: None,
        status: SignStatus::Approved,
        data: String::new(),
    };
    for answer in [
        r#"{"code":200,"message":"Success"}"#,
        r#"{"code":200,"message":"Success","data":{"anything":1}}"#,
    ] {
        let (url, _received) = serve_once("200 OK", answer);
        let client = client(&url).load_key_shard(&shard_pfx()).unwrap();
        runtime()
            .block_on(client.approve(&approve))
            .unwrap_or_else(|e| panic!("{answer}: {e}"));
    }

    let (url, _received) = serve_once("200 OK", r#"{"code":200,"message":"Success"}"#);
    let request = RateRequest {
        crypto_currency: "USDT".into(),
        legal_currency: "CNY".into(),
    };
    let error = runtime()
        .block_on(client(&url).get_rate(&request))
        .unwrap_err();
    match error.kind {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "data"),
        other => panic!("expected a decode error naming `data`, got {other:?}"),
    }
}

/// data-example-not-base64 (onebitpay-mpc-rsa): the printed `data` values cannot be a
/// 2048-bit RSA block in base64, so they are placeholders, not vectors.
#[test]
fn the_printed_data_values_are_placeholders() {
    let block_bytes = 2048 / 8;
    for id in ["approve-request", "collect-request"] {
        let example: serde_json::Value =
            serde_json::from_str(&example_json("onebitpay", id)).unwrap();
        let data = example["data"].as_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(data);
        assert!(
            decoded.map_or(true, |bytes| bytes.len() != block_bytes),
            "{id}: `{data}` could be a signature"
        );
    }
}

/// withdrawal-example-below-minimum (bitpro): the client does not enforce the 0.05 BTC
/// minimum the error table names; the documented 0.01 withdrawal parses and is signed.
#[test]
fn amounts_below_the_documented_minimum_are_left_to_the_server() {
    use paysmith_bitpro_client::models::{Withdrawal, WithdrawalRequest};
    let example: Withdrawal =
        serde_json::from_str(&example_json("bitpro", "withdrawal-response")).unwrap();
    assert!(example.amount < "0.05".parse().unwrap());
    let request = WithdrawalRequest {
        address: example.address.clone(),
        amount: example.amount,
    };
    let signed = paysmith_conformance::bitpro::fixed_client()
        .build_withdrawal("BT-C798980", &request)
        .unwrap();
    assert_eq!(
        signed.body,
        b"address=2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr&amount=0.01"
    );
}
