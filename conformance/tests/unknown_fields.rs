//! Providers add fields: every model the provider sends ignores a field it does not
//! know, and every model only we send refuses one, naming it.

use paysmith_conformance::generated::{bitpay, bitpro, bitpro_mapi, onebitpay};
use proptest::prelude::*;
use serde_json::Value;

const ADDED: &str = "fieldAddedLater";

type Roundtrip = fn(&str, &str) -> Result<Value, String>;

fn check(
    inbound: &[&str],
    roundtrip: Roundtrip,
    model: &str,
    value: Value,
) -> Result<(), TestCaseError> {
    let Value::Object(mut object) = value.clone() else {
        return Ok(());
    };
    prop_assume!(!object.contains_key(ADDED));
    object.insert(ADDED.to_owned(), serde_json::json!({"nested": [1, "two"]}));
    let extended = Value::Object(object).to_string();
    if inbound.contains(&model) {
        let parsed = roundtrip(model, &extended);
        prop_assert_eq!(parsed, Ok(value), "{} must ignore an unknown field", model);
    } else {
        let error = roundtrip(model, &extended).expect_err(model);
        prop_assert!(error.contains(ADDED), "{}: {}", model, error);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn onebitpay_models((model, value) in onebitpay::any_model()) {
        check(onebitpay::INBOUND_MODELS, onebitpay::roundtrip, model, value)?;
    }

    #[test]
    fn bitpro_models((model, value) in bitpro::any_model()) {
        check(bitpro::INBOUND_MODELS, bitpro::roundtrip, model, value)?;
    }

    #[test]
    fn bitpro_mapi_models((model, value) in bitpro_mapi::any_model()) {
        check(bitpro_mapi::INBOUND_MODELS, bitpro_mapi::roundtrip, model, value)?;
    }

    #[test]
    fn bitpay_models((model, value) in bitpay::any_model()) {
        check(bitpay::INBOUND_MODELS, bitpay::roundtrip, model, value)?;
    }
}

/// The split is the spec's: answers and notifications in, requests out.
#[test]
fn answers_and_notifications_are_inbound_and_requests_are_not() {
    for name in [
        "Invoice",
        "InvoiceIpn",
        "InvoiceWebhook",
        "ErrorResponse",
        "Rate",
    ] {
        assert!(bitpay::INBOUND_MODELS.contains(&name), "{name}");
    }
    for name in [
        "CreateInvoiceRequest",
        "RequestTokenRequest",
        "InvoicesQuery",
    ] {
        assert!(bitpay::MODELS.contains(&name), "{name}");
        assert!(!bitpay::INBOUND_MODELS.contains(&name), "{name}");
    }
}
