//! Properties over every generated Bitpro model, of the v1 API and of the merchant API:
//! serde round trips, exact decimals from JSON strings and numbers, and parsers that
//! never panic on arbitrary bytes.

use paysmith_bitpro_mapi_models::{ChargePayment, ChargeWebhook};
use paysmith_bitpro_models::{Decimal, Rate, Transaction, WithdrawalRequest};
use paysmith_conformance::generated::{bitpro, bitpro_mapi};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

/// Any decimal a provider may send: every `i64` mantissa at every scale up to 18.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=18).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
}

proptest! {
    #![proptest_config(config())]

    /// Every v1 model survives JSON serialisation and parsing unchanged.
    #[test]
    fn v1_models_round_trip((model, value) in bitpro::any_model()) {
        let again = bitpro::roundtrip(model, &value.to_string()).unwrap();
        prop_assert_eq!(again, value, "{}", model);
    }

    /// Every merchant API model survives JSON serialisation and parsing unchanged.
    #[test]
    fn merchant_api_models_round_trip((model, value) in bitpro_mapi::any_model()) {
        let again = bitpro_mapi::roundtrip(model, &value.to_string()).unwrap();
        prop_assert_eq!(again, value, "{}", model);
    }

    /// v1 decimals keep every digit and their scale, read from a JSON string or number,
    /// and are written back with the same digits.
    #[test]
    fn v1_decimals_are_exact(amount in any_decimal()) {
        let text = amount.to_string();
        for body in [
            format!(r#"{{"time_expires":{text},"buy_price":"{text}","asset":"XBT"}}"#),
            format!(r#"{{"time_expires":"{text}","buy_price":{text},"asset":"XBT"}}"#),
        ] {
            let rate: Rate = serde_json::from_str(&body).unwrap();
            prop_assert_eq!(rate.time_expires.to_string(), text.clone());
            prop_assert_eq!(rate.buy_price.to_string(), text.clone());
            let written = serde_json::to_string(&rate).unwrap();
            let again: Rate = serde_json::from_str(&written).unwrap();
            prop_assert_eq!(again.time_expires.to_string(), text.clone());
            prop_assert_eq!(again.buy_price.to_string(), text.clone());
        }
        let transaction: Transaction = serde_json::from_str(&format!(
            r#"{{"tid":"1","type":"bitcoin_buy","amount":{text},"created_at":"2017-04-06T06:21:52Z"}}"#
        ))
        .unwrap();
        prop_assert_eq!(transaction.amount.to_string(), text.clone());
        let withdrawal: WithdrawalRequest =
            serde_json::from_str(&format!(r#"{{"address":"a","amount":"{text}"}}"#)).unwrap();
        prop_assert_eq!(withdrawal.amount.to_string(), text);
    }

    /// Merchant API decimals (fiat price, payment value) are exact too.
    #[test]
    fn merchant_api_decimals_are_exact(amount in any_decimal()) {
        let text = amount.to_string();
        for value in [text.clone(), format!("\"{text}\"")] {
            let payment: ChargePayment = serde_json::from_str(&format!(
                r#"{{"txid":"t","value":{value},"state":"confirmed"}}"#
            ))
            .unwrap();
            prop_assert_eq!(payment.value.to_string(), text.clone());
            let webhook = ChargeWebhook::parse_unverified(format!(
                r#"{{"delivery_attempt":1,"event":{{"id":"e","type":"charge:seen","occured_at":"t","data":{{"fiat_price":{value},"expires_at":"t","created_at":"t","addresses":[],"payments":[]}}}}}}"#
            ).as_bytes())
            .unwrap();
            prop_assert_eq!(webhook.event.data.fiat_price.to_string(), text.clone());
        }
    }

    /// Arbitrary bytes never panic a model parser of either API, nor the webhook parser.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = ChargeWebhook::parse_unverified(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        for model in bitpro::MODELS {
            let _ = bitpro::roundtrip(model, &text);
        }
        for model in bitpro_mapi::MODELS {
            let _ = bitpro_mapi::roundtrip(model, &text);
        }
    }

    /// JSON-shaped input (objects of arbitrary keys and scalars) reaches deeper into the
    /// parsers than random bytes, and never panics them either.
    #[test]
    fn arbitrary_json_never_panics(
        object in proptest::collection::btree_map(
            prop_oneof![
                Just("time_expires".to_owned()), Just("amount".to_owned()),
                Just("event".to_owned()), Just("data".to_owned()), Just("type".to_owned()),
                "[a-z_]{1,12}",
            ],
            prop_oneof![
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(serde_json::Value::from),
                "\\PC{0,12}".prop_map(serde_json::Value::from),
                any::<bool>().prop_map(serde_json::Value::from),
                Just(serde_json::Value::Null),
            ],
            0..8,
        )
    ) {
        let text = serde_json::to_string(&object).unwrap();
        let _ = ChargeWebhook::parse_unverified(text.as_bytes());
        for model in bitpro::MODELS {
            let _ = bitpro::roundtrip(model, &text);
        }
        for model in bitpro_mapi::MODELS {
            let _ = bitpro_mapi::roundtrip(model, &text);
        }
    }
}
