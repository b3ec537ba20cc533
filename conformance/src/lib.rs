//! Shared helpers of the conformance suite. The tests live in `tests/`; the per-API
//! glue in `generated/` is written by `cargo xtask codegen`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod e2e;
pub mod generated;
pub mod loopback;
pub mod sample;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the conformance crate lives in the repository root")
        .to_path_buf()
}

/// Loads the spec, failing with every diagnostic.
pub fn spec() -> paysmith_spec::Spec {
    paysmith_spec::load(&root()).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// Parses `json` into `T` (naming the JSON path of a mismatch) and serialises it back.
pub fn roundtrip_as<T: DeserializeOwned + Serialize>(
    json: &str,
) -> Result<serde_json::Value, String> {
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    let value: T = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))?;
    serde_json::to_value(&value).map_err(|e| e.to_string())
}

pub use generated::roundtrip;

/// One call of one endpoint: its path parameters in order and its request model as
/// JSON (`null` for endpoints without one).
#[derive(Clone, Debug)]
pub struct EndpointCase {
    pub endpoint: &'static str,
    pub path: Vec<String>,
    pub request: serde_json::Value,
}

/// One call of one endpoint by the client of one facade (APIs with capability
/// facades): as [`EndpointCase`]; a call carrying a resource's own token takes that
/// resource (which supplies the path parameters, so `path` is empty), else
/// `resource` is `null`.
#[derive(Clone, Debug)]
pub struct FacadeCase {
    pub facade: &'static str,
    pub endpoint: &'static str,
    pub path: Vec<String>,
    pub resource: serde_json::Value,
    pub request: serde_json::Value,
}

/// Test credentials: the document's example API key and secret, and the merchant id of
/// its create-order example (which also unlocks the key-shard fixtures).
pub mod onebitpay {
    use paysmith_onebitpay_client::{
        Client, Credentials, Environment, FixedClock, FixedNonce, Transport,
    };
    use paysmith_types::Secret;

    pub const API_KEY: &str = "asdhuasdaosd";
    pub const API_SECRET: &str = "merasdasd";
    pub const MERCHANT_NO: &str = "mer1c92b0319ef5b794";
    /// The authentication example's timestamp and a 6-character nonce.
    pub const TIMESTAMP: u64 = 1_566_781_991_111;
    pub const NONCE: &str = "dnasja";

    pub fn credentials() -> Credentials {
        Credentials {
            api_key: API_KEY.into(),
            api_secret: Secret::new(API_SECRET),
            merchant_no: MERCHANT_NO.into(),
        }
    }

    /// The key shard made by Java `keytool` (see conformance/java).
    pub fn shard_pfx() -> Vec<u8> {
        std::fs::read(super::root().join("conformance/fixtures/onebitpay-mpc-rsa/keytool.pfx"))
            .expect("fixture keytool.pfx")
    }

    /// A client on the sandbox URL with a fixed clock and nonce and the fixture shard.
    /// Built once: loading a PKCS#12 file is deliberately slow.
    pub fn fixed_client() -> Client {
        static CLIENT: std::sync::LazyLock<Client> = std::sync::LazyLock::new(build_fixed_client);
        CLIENT.clone()
    }

    fn build_fixed_client() -> Client {
        let transport = Transport::new(Environment::Sandbox.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into()));
        Client::with_transport(transport, credentials())
            .load_key_shard(&shard_pfx())
            .expect("fixture shard loads")
    }
}

/// The README's Rust examples, compiled as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// Test credentials from the Bitpro v1 document's Authentication section.
pub mod bitpro {
    use paysmith_bitpro_client::{
        Client, Credentials, Environment, FixedClock, FixedNonce, Transport,
    };
    use paysmith_types::Secret;

    pub const API_KEY: &str = "M3175465";
    pub const SECRET_KEY: &str =
        "TkLPjz2dzzyoMZdkJqM1qLusyTizYPl0IeX7vHi+17+mlYEjyfnLIgqopAQ8Bnk2QnwcSYa4VuXY384EnGi3tA==";
    /// `Mon, 10 Apr 2017 04:43:12 GMT`, the document's date, in milliseconds.
    pub const TIMESTAMP: u64 = 1_491_799_392_000;

    pub fn credentials() -> Credentials {
        Credentials {
            api_key: API_KEY.into(),
            secret_key: Secret::new(SECRET_KEY),
        }
    }

    /// A client on the sandbox URL at the document's date.
    pub fn fixed_client() -> Client {
        let transport = Transport::new(Environment::Sandbox.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(String::new()));
        Client::with_transport(transport, credentials())
    }
}

/// Test credentials for the Bitpro merchant API: a merchant id of the documented
/// length and a base64 secret (the document prints neither).
pub mod bitpro_mapi {
    use paysmith_bitpro_mapi_client::{
        Client, Credentials, Environment, FixedClock, FixedNonce, Transport,
    };
    use paysmith_types::Secret;

    pub const MERCHANT_ID: &str = "0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40";
    pub const PRIVATE_KEY: &str = "Yml0cHJvLW1lcmNoYW50LXNlY3JldC1rZXktMDAwMSE=";
    /// 2018-05-10T12:22:35Z, the webhook example's time, in milliseconds.
    pub const TIMESTAMP: u64 = 1_525_954_955_000;
    pub const NONCE: &str = "6c6f1d3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f";

    pub fn credentials() -> Credentials {
        Credentials {
            merchant_id: MERCHANT_ID.into(),
            private_key: Secret::new(PRIVATE_KEY),
        }
    }

    /// A client on `base_url` at a fixed time with a fixed nonce.
    pub fn client_on(base_url: &str) -> Client {
        let transport = Transport::new(base_url)
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into()));
        Client::with_transport(transport, credentials())
    }

    /// The fixed client on the sandbox URL.
    pub fn fixed_client() -> Client {
        client_on(Environment::Sandbox.base_url())
    }
}

/// Test identity for BitPay: the key of the scheme's derived vectors, and a token per
/// facade (made up: the document prints only one example token).
pub mod bitpay {
    use paysmith_bitpay_client::{
        Environment, MerchantClient, PayoutClient, PosClient, PublicClient, Transport,
    };
    use paysmith_types::Secret;
    use paysmith_types::sign::bitpay_ecdsa::BitpayKey;

    use crate::generated::bitpay::Clients;

    pub const KEY_HEX: &str = "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c08c";
    pub const POS_TOKEN: &str = "4h2h7kee5eh2hh4kaa8n0h8b4gqb6nh8ca5s8c6cn9n";
    pub const MERCHANT_TOKEN: &str = "G7XM9fcM1gtCN7DUr8ZWtPGVFLTKiYWanHR4kvqsnjP3";
    pub const PAYOUT_TOKEN: &str = "DsyNv4xXMXguMyQAfPtkznyZ7T5SxnAyaZEwc8nGJuL5";

    pub fn key() -> BitpayKey {
        BitpayKey::from_hex(KEY_HEX).expect("the vector key")
    }

    /// A client per facade on `base_url`; the pos client unsigned (a dashboard token).
    pub fn clients_on(base_url: &str) -> Clients {
        let transport = || Transport::new(base_url);
        Clients {
            public: PublicClient::with_transport(transport()),
            pos: PosClient::with_transport(transport(), Secret::new(POS_TOKEN)),
            merchant: MerchantClient::with_transport(
                transport(),
                key(),
                Secret::new(MERCHANT_TOKEN),
            ),
            payout: PayoutClient::with_transport(transport(), key(), Secret::new(PAYOUT_TOKEN)),
        }
    }

    /// The clients on the test server.
    pub fn test_clients() -> Clients {
        clients_on(Environment::Test.base_url())
    }
}

/// A call that a facade does not grant does not compile: a pos client has no
/// `list_invoices` ...
///
/// ```compile_fail
/// fn call(client: &paysmith_bitpay_client::PosClient, query: &paysmith_bitpay_client::models::InvoicesQuery) {
///     let _ = client.list_invoices(query);
/// }
/// ```
///
/// ... while the merchant client, the same code otherwise, has:
///
/// ```
/// fn call(client: &paysmith_bitpay_client::MerchantClient, query: &paysmith_bitpay_client::models::InvoicesQuery) {
///     let _ = client.list_invoices(query);
/// }
/// ```
///
/// A merchant token does not pay out; a payout client does:
///
/// ```compile_fail
/// fn call(client: &paysmith_bitpay_client::MerchantClient, request: &paysmith_bitpay_client::models::CreatePayoutRequest) {
///     let _ = client.create_payout(request);
/// }
/// ```
///
/// ```
/// fn call(client: &paysmith_bitpay_client::PayoutClient, request: &paysmith_bitpay_client::models::CreatePayoutRequest) {
///     let _ = client.create_payout(request);
/// }
/// ```
///
/// Public calls carry no token and cannot read an invoice; a pos client can:
///
/// ```compile_fail
/// fn call(client: &paysmith_bitpay_client::PublicClient) {
///     let _ = client.get_invoice("G3viJEJgE8Jk2oekSdgT2A");
/// }
/// ```
///
/// ```
/// fn call(client: &paysmith_bitpay_client::PosClient) {
///     let _ = client.get_invoice("G3viJEJgE8Jk2oekSdgT2A");
/// }
/// ```
///
/// A pos token cannot refund; a merchant token can:
///
/// ```compile_fail
/// fn call(client: &paysmith_bitpay_client::PosClient, request: &paysmith_bitpay_client::models::CreateRefundRequest) {
///     let _ = client.create_refund(request);
/// }
/// ```
///
/// ```
/// fn call(client: &paysmith_bitpay_client::MerchantClient, request: &paysmith_bitpay_client::models::CreateRefundRequest) {
///     let _ = client.create_refund(request);
/// }
/// ```
#[cfg(doctest)]
pub struct FacadesAreTypes;
