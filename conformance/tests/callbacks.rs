//! The order callback: verify the raw bytes, then parse.

use paysmith_onebitpay_models::{
    CallbackError, ORDER_CALLBACK_ACKNOWLEDGEMENT, ORDER_CALLBACK_RETRY_OFFSETS,
    ORDER_CALLBACK_RETRY_WINDOW, OrderCallback, OrderStatus, OrderType,
};
use paysmith_types::{Decimal, Secret};

fn secret() -> Secret {
    Secret::new("merasdasd")
}

/// The document's example with the signature derived in spec/schemes/onebitpay-md5.yaml
/// (vector order-callback-example).
const SIGNED: &str = r#"{"status":1,"dealAmount":10.11,"orderNo":"1231222112d8123","merchantOrderNo":"1231222112d8","orderType":1,"signature":"1c6672fa286b564a3e3c0acf6b4cd3e1"}"#;

#[test]
fn a_correctly_signed_callback_verifies_and_parses() {
    let callback = OrderCallback::verify_and_parse(SIGNED.as_bytes(), &secret()).unwrap();
    assert_eq!(callback.status, OrderStatus::Completed);
    assert_eq!(callback.order_type, OrderType::Buy);
    assert_eq!(callback.deal_amount, Decimal::new(1011, 2));
}

#[test]
fn tampering_any_field_is_a_bad_signature() {
    for (from, to) in [
        ("10.11", "10.12"),
        (r#""status":1"#, r#""status":9"#),
        ("1231222112d8123", "1231222112d8124"),
        (r#""orderType":1"#, r#""orderType":2"#),
    ] {
        let tampered = SIGNED.replace(from, to);
        let error = OrderCallback::verify_and_parse(tampered.as_bytes(), &secret()).unwrap_err();
        assert!(
            matches!(error, CallbackError::BadSignature { .. }),
            "{from}: {error}"
        );
    }
    let wrong_secret = OrderCallback::verify_and_parse(SIGNED.as_bytes(), &Secret::new("other"));
    assert!(matches!(
        wrong_secret,
        Err(CallbackError::BadSignature { .. })
    ));
}

#[test]
fn the_documents_placeholder_signature_does_not_verify() {
    let printed = r#"{"status":1,"dealAmount":10.11,"orderNo":"1231222112d8123","merchantOrderNo":"1231222112d8","orderType":1,"signature":"12312asdjaisldajlsdkasasdajksdjkasjdkas"}"#;
    let error = OrderCallback::verify_and_parse(printed.as_bytes(), &secret()).unwrap_err();
    assert!(matches!(error, CallbackError::BadSignature { .. }));
}

#[test]
fn verified_but_malformed_is_a_parse_error_not_a_signature_error() {
    let mut value: serde_json::Value = serde_json::from_str(SIGNED).unwrap();
    value["dealAmount"] = serde_json::Value::String("ten".into());
    paysmith_types::callback::sign_sorted_params_json(
        &paysmith_onebitpay_models::schemes::ONEBITPAY_MD5,
        &secret(),
        &mut value,
        "signature",
    )
    .unwrap();
    let error =
        OrderCallback::verify_and_parse(value.to_string().as_bytes(), &secret()).unwrap_err();
    match error {
        CallbackError::Parse { path, .. } => assert_eq!(path, "dealAmount"),
        other => panic!("expected a parse error, got {other}"),
    }
}

#[test]
fn non_json_and_unsigned_bodies_are_refused() {
    assert!(matches!(
        OrderCallback::verify_and_parse(b"<html>", &secret()),
        Err(CallbackError::NotJson(_))
    ));
    assert!(matches!(
        OrderCallback::verify_and_parse(br#"{"status":1}"#, &secret()),
        Err(CallbackError::MissingSignature("signature"))
    ));
}

#[test]
fn to_signed_json_round_trips_through_verification() {
    let callback = OrderCallback::parse_unverified(SIGNED.as_bytes()).unwrap();
    let body = callback.to_signed_json(&secret()).unwrap();
    assert_eq!(
        OrderCallback::verify_and_parse(body.as_bytes(), &secret()).unwrap(),
        callback
    );
}

#[test]
fn acknowledgement_and_retry_schedule_are_the_documented_ones() {
    assert_eq!(
        ORDER_CALLBACK_ACKNOWLEDGEMENT,
        r#"{"code":200,"message":"Success"}"#
    );
    assert_eq!(ORDER_CALLBACK_RETRY_OFFSETS.len(), 17);
    assert_eq!(ORDER_CALLBACK_RETRY_OFFSETS[0].as_secs(), 120);
    assert_eq!(ORDER_CALLBACK_RETRY_OFFSETS[5].as_secs(), 90 * 60);
    assert_eq!(
        ORDER_CALLBACK_RETRY_OFFSETS[16],
        ORDER_CALLBACK_RETRY_WINDOW
    );
    assert_eq!(ORDER_CALLBACK_RETRY_WINDOW.as_secs(), 12 * 3600);
}
