//! Representative requests, credentials and keys, the same in every benchmark run.
//!
//! Credentials are the conformance suite's (the providers' documented examples where
//! they print one); clocks and nonces are fixed so every run signs the same bytes.

use std::path::{Path, PathBuf};

use paysmith_onebitpay_client::models::{
    ApproveRequest, CreateOrderRequest, Decimal, IdCardType, OrderCallback, OrderStatus, OrderType,
    PayWay, SignStatus,
};
use paysmith_sign::pkcs12::ShardKey;
use paysmith_types::Secret;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the bench crate lives in crates/bench")
        .to_path_buf()
}

pub mod onebitpay {
    use super::*;
    use paysmith_onebitpay_client::{Client, Credentials, Environment, FixedClock, FixedNonce};
    use paysmith_runtime::Transport;

    pub const API_KEY: &str = "asdhuasdaosd";
    pub const API_SECRET: &str = "merasdasd";
    pub const MERCHANT_NO: &str = "mer1c92b0319ef5b794";
    pub const TIMESTAMP: u64 = 1_566_781_991_111;
    pub const NONCE: &str = "dnasja1N";

    pub fn secret() -> Secret {
        Secret::new(API_SECRET)
    }

    /// A client with a fixed clock and nonce, holding the fixture key shard.
    pub fn client() -> Client {
        let transport = Transport::new(Environment::Production.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into()));
        let credentials = Credentials {
            api_key: API_KEY.into(),
            api_secret: secret(),
            merchant_no: MERCHANT_NO.into(),
        };
        Client::with_transport(transport, credentials).with_key_shard(shard_key())
    }

    /// The README's create-order request: every required field and a callback URL.
    pub fn create_order() -> CreateOrderRequest {
        CreateOrderRequest {
            user_name: "Chen".into(),
            area_code: "+86".into(),
            phone: "18848820305".into(),
            sync_url: None,
            async_url: Some("https://shop.example/1bitpay/callback".into()),
            crypto_amount: Decimal::new(10, 0),
            crypto_currency: "USDT".into(),
            legal_currency: "CNY".into(),
            id_card_type: IdCardType::IdCard,
            id_card: "412627288918989891".into(),
            kyc: 2,
            merchant_no: None,
            merchant_order_no: "A-1001".into(),
            order_type: OrderType::Buy,
            pay_way: PayWay::BankCard,
            bank: None,
            bank_account: None,
            bank_branch: None,
            h5: false,
        }
    }

    /// An approval of a pending transfer; `data` is filled in by the client.
    pub fn approve() -> ApproveRequest {
        ApproveRequest {
            id: 1_024,
            from_address: Some("TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE".into()),
            to_address: Some("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8".into()),
            value: Some(Decimal::new(12_550, 2)),
            chain_id: Some("TRON".into()),
            status: SignStatus::Approved,
            data: String::new(),
        }
    }

    /// A signed order callback body, as the provider POSTs it.
    pub fn callback_body() -> Vec<u8> {
        let callback = OrderCallback {
            status: OrderStatus::Completed,
            deal_amount: Decimal::new(1_011, 2),
            merchant_order_no: "A-1001".into(),
            order_no: "Or12898771811".into(),
            order_type: OrderType::Buy,
            signature: String::new(),
        };
        callback
            .to_signed_json(&secret())
            .expect("the fixture signs")
            .into_bytes()
    }

    /// [`callback_body`] laid out as the provider's example callback is: indented,
    /// `orderNo` before `merchantOrderNo`. The signature covers sorted parameters, so
    /// it is the same.
    pub fn callback_body_as_documented() -> Vec<u8> {
        let signed: serde_json::Value =
            serde_json::from_slice(&callback_body()).expect("the fixture is JSON");
        let field = |name: &str| signed[name].to_string();
        format!(
            "{{\n  \"status\":{},\n  \"dealAmount\":{},\n  \"orderNo\":{},\n  \"merchantOrderNo\":{},\n  \"orderType\":{},\n  \"signature\":{}\n}}",
            field("status"),
            field("dealAmount"),
            field("orderNo"),
            field("merchantOrderNo"),
            field("orderType"),
            field("signature"),
        )
        .into_bytes()
    }

    /// The 2048-bit key of the conformance suite's `keytool.pfx`, as PKCS#8 PEM: the
    /// raw primitive needs the bare `rsa` key, which a loaded shard does not hand out.
    pub fn rsa_key() -> RsaPrivateKey {
        let pem = include_str!("../fixtures/onebitpay-shard-key.pem");
        RsaPrivateKey::from_pkcs8_pem(pem).expect("fixture key parses")
    }

    pub fn shard_key() -> ShardKey {
        ShardKey::from_private_key(rsa_key(), Some("1bitpay".into()))
    }
}

pub mod bitpro {
    use super::*;
    use paysmith_bitpro_client::models::WithdrawalRequest;
    use paysmith_bitpro_client::{Client, Credentials, Environment, FixedClock};
    use paysmith_runtime::Transport;

    pub const API_KEY: &str = "M3175465";
    pub const SECRET_KEY: &str =
        "TkLPjz2dzzyoMZdkJqM1qLusyTizYPl0IeX7vHi+17+mlYEjyfnLIgqopAQ8Bnk2QnwcSYa4VuXY384EnGi3tA==";
    pub const TIMESTAMP: u64 = 1_491_799_392_000;
    pub const CLIENT_UID: &str = "e7ce0f8c-62de-4a26-b9ff-1e1e1e0b3c1a";

    pub fn secret() -> Secret {
        Secret::new(SECRET_KEY)
    }

    pub fn client() -> Client {
        let transport =
            Transport::new(Environment::Production.base_url()).with_clock(FixedClock(TIMESTAMP));
        Client::with_transport(
            transport,
            Credentials {
                api_key: API_KEY.into(),
                secret_key: secret(),
            },
        )
    }

    pub fn withdrawal() -> WithdrawalRequest {
        WithdrawalRequest {
            address: "1BoatSLRHtKNngkdXEeobR76b53LETtpyT".into(),
            amount: Decimal::new(125, 3),
        }
    }
}

pub mod bitpro_mapi {
    use super::*;
    use paysmith_bitpro_mapi_client::{Client, Credentials, Environment, FixedClock, FixedNonce};
    use paysmith_runtime::Transport;

    pub const MERCHANT_ID: &str = "0f8e8c2c-6d3b-4d7e-9a51-3c1e2b7a9d40";
    pub const PRIVATE_KEY: &str = "Yml0cHJvLW1lcmNoYW50LXNlY3JldC1rZXktMDAwMSE=";
    pub const TIMESTAMP: u64 = 1_525_954_955_000;
    pub const NONCE: &str = "6c6f1d3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f";

    pub fn secret() -> Secret {
        Secret::new(PRIVATE_KEY)
    }

    pub fn transport() -> Transport {
        Transport::new(Environment::Production.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into()))
    }

    pub fn client() -> Client {
        Client::with_transport(
            transport(),
            Credentials {
                merchant_id: MERCHANT_ID.into(),
                private_key: secret(),
            },
        )
    }

    /// A JSON body of the size a charge creation carries.
    pub const CHARGE_BODY: &str = r#"{"fiat_price":"42.0","fiat_currency":"EUR","description":"Order A-1001, 2 items","reference":"A-1001","locale":"en","callback_url":"https://shop.example/bitpro/webhook","return_url":"https://shop.example/orders/A-1001"}"#;
}

pub mod bitpay {
    use paysmith_sign::bitpay_ecdsa::BitpayKey;

    /// The `create-invoice-post` vector of `spec/schemes/bitpay-ecdsa.yaml`.
    pub const PRIVATE_KEY_HEX: &str =
        "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c08c";
    pub const URL: &str = "https://test.bitpay.com/invoices";
    pub const BODY: &str = r#"{"price":10.5,"currency":"USD","orderId":"A-1001","token":"G7XM9fcM1gtCN7DUr8ZWtPGVFLTKiYWanHR4kvqsnjP3"}"#;
    /// The vector's expected signature (deterministic, RFC 6979).
    pub const SIGNATURE: &str = "3045022100cb2116203144e692a397bf1c3cd99d6ae4bb175d9239aabb428bc213c45b3278022023c2632ef6cb198760a7a01d6a23d7584557262851618b7e31083e2d44c48e73";

    pub fn key() -> BitpayKey {
        BitpayKey::from_hex(PRIVATE_KEY_HEX).expect("vector key")
    }
}
