//! Properties over every generated model and endpoint.

use paysmith_conformance::generated::onebitpay::{self, any_model, any_request};
use paysmith_conformance::onebitpay::{API_SECRET, fixed_client};
use paysmith_onebitpay_models::schemes::{ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP};
use paysmith_onebitpay_models::{Decimal, OrderCallback};
use paysmith_runtime::request::HeaderText;
use paysmith_sign::Secret;
use proptest::prelude::*;

fn verify(headers: &[(HeaderText, HeaderText)], body: &serde_json::Value) -> bool {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    ONEBITPAY_MD5_HTTP
        .verify(&ONEBITPAY_MD5, &Secret::new(API_SECRET), &headers, body)
        .is_ok()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Every endpoint: what the client signs, a server holding the secret verifies.
    #[test]
    fn signed_requests_verify(case in any_request()) {
        let client = fixed_client();
        let endpoint = case.endpoint;
        let signed = onebitpay::build(&client, &case).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        prop_assert!(verify(&signed.headers, &body), "{endpoint}");
    }

    /// Changing any signed value (a body field or a public header) breaks verification.
    #[test]
    fn tampering_breaks_verification(case in any_request(), pick in any::<prop::sample::Index>()) {
        let client = fixed_client();
        let endpoint = case.endpoint;
        let signed = onebitpay::build(&client, &case).unwrap();
        let mut body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        let mut headers = signed.headers.clone();
        let signed_fields: Vec<String> = body
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
            .map(|(k, _)| k.clone())
            .collect();
        let public = ["Nonce", "TimeStamp", "MerchantNo", "SignType", "Lang", "ApiKey"];
        let choice = pick.index(signed_fields.len() + public.len());
        if choice < signed_fields.len() {
            let key = &signed_fields[choice];
            let tampered = match &body[key] {
                serde_json::Value::String(s) => serde_json::Value::String(format!("{s}x")),
                serde_json::Value::Bool(b) => serde_json::Value::Bool(!b),
                serde_json::Value::Number(n) => serde_json::Value::String(format!("{n}1")),
                other => panic!("unexpected {other}"),
            };
            body[key] = tampered;
        } else {
            let name = public[choice - signed_fields.len()];
            let header = headers.iter_mut().find(|(k, _)| k == name).unwrap();
            header.1.to_mut().push('x');
        }
        prop_assert!(!verify(&headers, &body), "{endpoint}: tampering went unnoticed");
    }

    /// The signature does not depend on the order of the body's keys.
    #[test]
    fn key_order_does_not_matter(case in any_request(), seed in any::<u64>()) {
        let client = fixed_client();
        let signed = onebitpay::build(&client, &case).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        let mut entries: Vec<_> = body.as_object().unwrap().clone().into_iter().collect();
        // A seeded rotation and reversal: a different but reproducible order.
        let len = entries.len().max(1);
        entries.rotate_left((seed as usize) % len);
        if seed % 2 == 0 {
            entries.reverse();
        }
        let reordered = serde_json::Value::Object(entries.into_iter().collect());
        prop_assert!(verify(&signed.headers, &reordered));
    }

    /// Every model survives JSON serialisation and parsing unchanged.
    #[test]
    fn models_round_trip((model, value) in any_model()) {
        let again = onebitpay::roundtrip(model, &value.to_string()).unwrap();
        prop_assert_eq!(again, value, "{}", model);
    }

    /// Decimals keep every digit and their scale, from a JSON string or a JSON number.
    #[test]
    fn decimals_are_exact(mantissa in any::<i64>(), scale in 0u32..=18) {
        let amount = Decimal::new(mantissa, scale);
        let text = amount.to_string();
        let body = format!(r#"{{"buyRate":"{text}","sellRate":{text}}}"#);
        let rate: paysmith_onebitpay_models::Rate = serde_json::from_str(&body).unwrap();
        prop_assert_eq!(rate.buy_rate.to_string(), text.clone());
        prop_assert_eq!(rate.sell_rate.to_string(), text);
    }

    /// Arbitrary bytes never panic the callback path or any model parser.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = OrderCallback::verify_and_parse(&bytes, &Secret::new("s"));
        let text = String::from_utf8_lossy(&bytes);
        for model in onebitpay::MODELS {
            let _ = onebitpay::roundtrip(model, &text);
        }
    }

    /// Canonicalisation accepts any keys and values without panicking.
    #[test]
    fn canonicalisation_never_panics(params in proptest::collection::btree_map("\\PC{0,8}", "\\PC{0,8}", 0..12), secret in "\\PC{0,16}") {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let trace = ONEBITPAY_MD5.sign(pairs.iter().copied(), &Secret::new(secret.clone())).unwrap();
        prop_assert_eq!(trace.signature().len(), 32);
        prop_assert!(ONEBITPAY_MD5.verify(pairs.iter().copied(), &Secret::new(secret), trace.signature()).is_ok());
    }

    /// Every model whose fields a request signs writes them in the order of its
    /// `FIELD_NAMES`, so the client places them through the plan and never sorts.
    #[test]
    fn signed_bodies_follow_their_plans(
        rate in onebitpay::strategies::rate_request(),
        order in onebitpay::strategies::create_order_request(),
        pending in onebitpay::strategies::pending_list_request(),
    ) {
        use paysmith_onebitpay_models::{CreateOrderRequest, PendingListRequest, RateRequest};
        let bodies = [
            (RateRequest::FIELD_NAMES, serde_json::to_vec(&rate).unwrap()),
            (CreateOrderRequest::FIELD_NAMES, serde_json::to_vec(&order).unwrap()),
            (PendingListRequest::FIELD_NAMES, serde_json::to_vec(&pending).unwrap()),
        ];
        let binding = ONEBITPAY_MD5_HTTP;
        for (names, body) in &bodies {
            let plan = binding.key_plan(&ONEBITPAY_MD5, names);
            let fields = paysmith_sign::json_fields::read_scalar_object(body, None).unwrap();
            let public = binding.public_params.iter().map(|p| p.name.as_ref());
            let keys = public.chain(fields.params.iter().map(|(k, _)| k.as_ref()));
            prop_assert!(plan.places(keys), "{}", String::from_utf8_lossy(body));
        }
    }

    /// Callbacks signed with the secret verify; any other secret fails.
    #[test]
    fn callbacks_sign_and_verify(value in onebitpay::strategies::order_callback(), secret in "[a-zA-Z0-9]{1,16}") {
        let body = value.to_signed_json(&Secret::new(secret.clone())).unwrap();
        let parsed = OrderCallback::verify_and_parse(body.as_bytes(), &Secret::new(secret.clone()));
        prop_assert!(parsed.is_ok(), "{:?}", parsed);
        let wrong = OrderCallback::verify_and_parse(body.as_bytes(), &Secret::new(format!("{secret}!")));
        prop_assert!(wrong.is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// RSA body signatures open to exactly the covered JSON under the shard's public key.
    #[test]
    fn rsa_body_signatures_verify(plaintext in "\\PC{0,60}") {
        use paysmith_onebitpay_models::schemes::ONEBITPAY_MPC_RSA;
        let shard = paysmith_sign::load_shard(
            &paysmith_conformance::onebitpay::shard_pfx(),
            &Secret::new("1bitpaymer1c92b0319ef5b794"),
        ).unwrap();
        let trace = ONEBITPAY_MPC_RSA.sign(&shard, &plaintext).unwrap();
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&shard.public_key(), &plaintext, trace.signature()).is_ok());
        let other = format!("{plaintext}.");
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&shard.public_key(), &other, trace.signature()).is_err());
    }
}

/// The fixture shard's public key, loaded once.
fn shard_public_key() -> paysmith_sign::rsa::RsaPublicKey {
    static KEY: std::sync::LazyLock<paysmith_sign::rsa::RsaPublicKey> =
        std::sync::LazyLock::new(|| {
            paysmith_sign::load_shard(
                &paysmith_conformance::onebitpay::shard_pfx(),
                &Secret::new("1bitpaymer1c92b0319ef5b794"),
            )
            .unwrap()
            .public_key()
        });
    KEY.clone()
}

/// The JSON the document says an approve signs, written here from the request's fields
/// (id, from, to, value, chainId, status; absent ones left out), not by the client.
fn approve_plaintext(request: &paysmith_onebitpay_models::ApproveRequest) -> String {
    let mut covered = serde_json::Map::new();
    covered.insert("id".into(), request.id.into());
    if let Some(from) = &request.from_address {
        covered.insert("from".into(), from.as_str().into());
    }
    if let Some(to) = &request.to_address {
        covered.insert("to".into(), to.as_str().into());
    }
    if let Some(value) = &request.value {
        covered.insert("value".into(), value.to_string().into());
    }
    if let Some(chain_id) = &request.chain_id {
        covered.insert("chainId".into(), chain_id.as_str().into());
    }
    covered.insert("status".into(), request.status.code().into());
    serde_json::Value::Object(covered).to_string()
}

/// What one PKCS#1 v1.5 block of the 2048-bit shard holds.
const MAX_PLAINTEXT: usize = 2048 / 8 - 11;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A generated approve request's `data` opens under the shard's public key to exactly
    /// its covered fields; a request whose `value` or `to` differs does not match it.
    #[test]
    fn approve_data_covers_exactly_its_fields(request in onebitpay::strategies::approve_request()) {
        use paysmith_onebitpay_models::schemes::ONEBITPAY_MPC_RSA;
        let plaintext = approve_plaintext(&request);
        let built = fixed_client().build_approve(&request);
        if plaintext.len() > MAX_PLAINTEXT {
            // Too long for one RSA block: refused, never truncated.
            prop_assert!(built.is_err());
            return Ok(());
        }
        let signed = built.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        let data = body["data"].as_str().unwrap();
        let public = shard_public_key();
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&public, &plaintext, data).is_ok());

        let mut other_value = request.clone();
        other_value.value = Some(request.value.map_or(Decimal::ONE, |v| v + Decimal::ONE));
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&public, &approve_plaintext(&other_value), data).is_err());
        let mut other_to = request.clone();
        other_to.to_address = Some(format!("{}x", request.to_address.as_deref().unwrap_or_default()));
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&public, &approve_plaintext(&other_to), data).is_err());
    }

    /// A generated collect request's `data` opens to exactly `{"isMain":<code>}`; the
    /// other code does not match it.
    #[test]
    fn collect_data_covers_exactly_is_main(request in onebitpay::strategies::collect_request()) {
        use paysmith_onebitpay_models::IsMain;
        use paysmith_onebitpay_models::schemes::ONEBITPAY_MPC_RSA;
        let signed = fixed_client().build_collect_funds(&request).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&signed.body).unwrap();
        let data = body["data"].as_str().unwrap();
        let public = shard_public_key();
        let plaintext = format!(r#"{{"isMain":{}}}"#, request.is_main.code());
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&public, &plaintext, data).is_ok());
        let other = match request.is_main {
            IsMain::Main => IsMain::NotMain,
            IsMain::NotMain => IsMain::Main,
        };
        let tampered = format!(r#"{{"isMain":{}}}"#, other.code());
        prop_assert!(ONEBITPAY_MPC_RSA.verify(&public, &tampered, data).is_err());
    }
}
