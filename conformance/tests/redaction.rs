//! `Debug` of every generated type that holds a secret never shows it: the credentials
//! and the client of each generated API, a client holding a key shard, and the errors
//! that come from loading one.

use paysmith_conformance::{bitpro, bitpro_mapi, onebitpay};

/// Every API this file covers; a new generated API must add its own test here.
const COVERED: &[&str] = &["onebitpay", "bitpro", "bitpro_mapi", "bitpay"];

/// A secret that no other value of the tests contains by chance.
const SECRET: &str = "s3cr3t-Zq9-never-printed";

fn assert_hidden(what: &str, shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "{what} shows `{secret}`: {shown}");
    }
    assert!(
        shown.contains("<redacted>"),
        "{what} says nothing is hidden: {shown}"
    );
}

/// Both `{:?}` and `{:#?}`.
fn debug_forms<T: std::fmt::Debug>(value: &T) -> [String; 2] {
    [format!("{value:?}"), format!("{value:#?}")]
}

#[test]
fn every_generated_api_is_covered() {
    let spec = paysmith_conformance::spec();
    for api in &spec.apis {
        assert!(
            COVERED.contains(&api.value.id.as_str()),
            "`{}` has no redaction test",
            api.value.id
        );
    }
}

#[test]
fn onebitpay_credentials_and_client_hide_the_secret() {
    use paysmith_onebitpay_client::{Client, Credentials, Environment, Secret};
    let credentials = Credentials {
        api_key: onebitpay::API_KEY.into(),
        api_secret: Secret::new(SECRET),
        merchant_no: onebitpay::MERCHANT_NO.into(),
    };
    for shown in debug_forms(&credentials) {
        assert_hidden("onebitpay Credentials", &shown, &[SECRET]);
        assert!(shown.contains(onebitpay::API_KEY), "{shown}");
    }
    let client = Client::new(Environment::Sandbox, credentials);
    for shown in debug_forms(&client) {
        assert_hidden("onebitpay Client", &shown, &[SECRET]);
    }
    // With the key shard loaded: no key material, nor the shard's password.
    let password = format!("1bitpay{}", onebitpay::MERCHANT_NO);
    let client = client.load_key_shard(&onebitpay::shard_pfx()).unwrap();
    for shown in debug_forms(&client) {
        assert_hidden(
            "onebitpay Client with a key shard",
            &shown,
            &[SECRET, &password],
        );
        for private in ["RsaPrivateKey", "BigUint", "primes", "precomputed"] {
            assert!(!shown.contains(private), "key material in {shown}");
        }
    }
}

#[test]
fn a_key_shard_error_does_not_show_the_password() {
    use paysmith_onebitpay_client::{Client, Credentials, Environment, Secret};
    let merchant_no = "mer-Zq9-wrong-merchant";
    let credentials = Credentials {
        api_key: onebitpay::API_KEY.into(),
        api_secret: Secret::new(SECRET),
        merchant_no: merchant_no.into(),
    };
    let error = Client::new(Environment::Sandbox, credentials)
        .load_key_shard(&onebitpay::shard_pfx())
        .unwrap_err();
    let password = format!("1bitpay{merchant_no}");
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!shown.contains(&password), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[test]
fn bitpro_credentials_and_client_hide_the_secret_key() {
    use paysmith_bitpro_client::{Client, Credentials, Environment, Secret};
    let credentials = Credentials {
        api_key: bitpro::API_KEY.into(),
        secret_key: Secret::new(SECRET),
    };
    for shown in debug_forms(&credentials) {
        assert_hidden("bitpro Credentials", &shown, &[SECRET]);
        assert!(shown.contains(bitpro::API_KEY), "{shown}");
    }
    let client = Client::new(Environment::Sandbox, credentials);
    for shown in debug_forms(&client) {
        assert_hidden("bitpro Client", &shown, &[SECRET]);
    }
}

#[test]
fn bitpro_mapi_credentials_and_client_hide_the_private_key() {
    use base64::Engine as _;
    use paysmith_bitpro_mapi_client::{Client, Credentials, Environment, Secret};
    // The key as the dashboard gives it (base64) and the bytes it decodes to.
    let decoded = SECRET;
    let private_key = base64::engine::general_purpose::STANDARD.encode(decoded);
    let credentials = Credentials {
        merchant_id: bitpro_mapi::MERCHANT_ID.into(),
        private_key: Secret::new(private_key.clone()),
    };
    for shown in debug_forms(&credentials) {
        assert_hidden("bitpro_mapi Credentials", &shown, &[&private_key, decoded]);
        assert!(shown.contains(bitpro_mapi::MERCHANT_ID), "{shown}");
    }
    let client = Client::new(Environment::Sandbox, credentials);
    for shown in debug_forms(&client) {
        assert_hidden("bitpro_mapi Client", &shown, &[&private_key, decoded]);
    }
}

#[test]
fn bitpay_clients_hide_tokens_and_the_key() {
    use paysmith_bitpay_client::{Environment, MerchantClient, PayoutClient, PosClient, Secret};
    use paysmith_types::sign::bitpay_ecdsa::BitpayKey;
    let key = BitpayKey::generate();
    let key_hex = key.to_hex().to_string();
    let key_pem = key.to_sec1_pem().to_string();
    let pem_body = key_pem.lines().nth(1).unwrap().to_owned();
    let secrets = [SECRET, key_hex.as_str(), pem_body.as_str()];
    let pos = PosClient::new(Environment::Test, Secret::new(SECRET)).with_key(key.clone());
    let merchant = MerchantClient::new(Environment::Test, key.clone(), Secret::new(SECRET));
    let payout = PayoutClient::new(Environment::Test, key.clone(), Secret::new(SECRET));
    for (what, shown) in [
        ("bitpay PosClient", debug_forms(&pos)),
        ("bitpay MerchantClient", debug_forms(&merchant)),
        ("bitpay PayoutClient", debug_forms(&payout)),
    ] {
        for shown in shown {
            assert_hidden(what, &shown, &secrets);
            // The public identity is what a log may show.
            assert!(shown.contains(key.sin()), "{what}: {shown}");
        }
    }
    for shown in debug_forms(&key) {
        assert!(
            !shown.contains(&key_hex) && !shown.contains(&pem_body),
            "{shown}"
        );
    }
}
