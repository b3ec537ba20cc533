//! 1BitPay create order (`onebitpay-md5`): a JSON body, six public parameters and the
//! MD5 signature as headers, the answer in the `{code, message, data}` envelope.

use std::time::Duration;

use bytes::Bytes;
use paysmith_onebitpay_client::models::CreateOrderRequest;
use paysmith_onebitpay_client::models::schemes::{ONEBITPAY_MD5, ONEBITPAY_MD5_HTTP};
use paysmith_onebitpay_client::{Client, Credentials, FixedClock, FixedNonce, Secret, Transport};
use paysmith_sandbox::{DEFAULT_WINDOW, SandboxClock};
use paysmith_sign::binding::ParamSource;
use rand::Rng;
use rand::distributions::Alphanumeric;
use reqwest::header::HeaderMap;

use super::{Exchange, Harness, Wire, check_accepted, header, same_request, status_and_body};
use crate::fixtures::onebitpay::{API_KEY, API_SECRET, MERCHANT_NO, NONCE, TIMESTAMP};

pub const ID: &str = "onebitpay-create-order";
pub const TITLE: &str = "1BitPay create order (`POST /api/otc/create`, `onebitpay-md5`)";
const ENDPOINT: &str = "create_order";
const PATH: &str = "/api/otc/create";
/// The client's default `Lang`.
const LANG: &str = "en";

pub struct OneBitPayCreateOrder {
    client: Client,
    request: CreateOrderRequest,
    hand: HandWritten,
}

/// What a hand-written caller keeps between calls.
struct HandWritten {
    http: reqwest::Client,
    clock: SandboxClock,
    url: String,
    /// The body as the binding reads it, and as it is sent.
    body: serde_json::Value,
    body_bytes: Bytes,
    secret: Secret,
}

/// The public parameters' sources: the credentials, the time and the nonce.
struct Params<'a> {
    now_millis: u64,
    fixed_nonce: Option<&'a str>,
}

impl ParamSource for Params<'_> {
    fn credential(&self, name: &str) -> Option<&str> {
        match name {
            "api_key" => Some(API_KEY),
            "merchant_no" => Some(MERCHANT_NO),
            _ => None,
        }
    }

    fn setting(&self, name: &str) -> Option<&str> {
        (name == "lang").then_some(LANG)
    }

    fn nonce(&self, length: usize) -> String {
        match self.fixed_nonce {
            Some(nonce) => nonce.to_owned(),
            None => rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(length)
                .map(char::from)
                .collect(),
        }
    }

    fn now_millis(&self) -> u64 {
        self.now_millis
    }
}

impl HandWritten {
    fn wire(&self, params: &Params<'_>) -> Result<Wire, String> {
        let public = ONEBITPAY_MD5_HTTP
            .public_values(params)
            .map_err(|e| e.to_string())?;
        let signed = ONEBITPAY_MD5_HTTP
            .sign(&ONEBITPAY_MD5, &self.secret, public, &self.body)
            .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::with_capacity(signed.headers.len() + 1);
        header(&mut headers, "Content-Type", "application/json")?;
        for (name, value) in &signed.headers {
            header(&mut headers, name, value)?;
        }
        Ok(Wire {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers,
            body: self.body_bytes.clone(),
        })
    }
}

fn credentials() -> Credentials {
    Credentials {
        api_key: API_KEY.into(),
        api_secret: Secret::new(API_SECRET),
        merchant_no: MERCHANT_NO.into(),
    }
}

pub fn setup(harness: &Harness) -> Result<OneBitPayCreateOrder, String> {
    let request = crate::fixtures::onebitpay::create_order();
    let transport = Transport::new(harness.base_url())
        .with_http_client(harness.http.clone())
        .with_clock(harness.clock());
    let client = Client::with_transport(transport, credentials());
    let body = serde_json::to_value(&request).map_err(|e| e.to_string())?;
    let hand = HandWritten {
        http: harness.http.clone(),
        clock: harness.clock(),
        url: format!("{}{PATH}", harness.base_url()),
        body_bytes: Bytes::from(serde_json::to_vec(&body).map_err(|e| e.to_string())?),
        body,
        secret: Secret::new(API_SECRET),
    };

    let fixed = Client::with_transport(
        Transport::new(harness.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into())),
        credentials(),
    );
    let generated = fixed
        .build_create_order(&request)
        .map_err(|e| e.to_string())?;
    same_request(
        &generated,
        &hand.wire(&Params {
            now_millis: TIMESTAMP,
            fixed_nonce: Some(NONCE),
        })?,
    )?;

    let exchange = OneBitPayCreateOrder {
        client,
        request,
        hand,
    };
    check_accepted(harness, &exchange, ENDPOINT)?;
    Ok(exchange)
}

impl Exchange for OneBitPayCreateOrder {
    async fn generated(&self) -> Result<usize, String> {
        let order = self
            .client
            .create_order(&self.request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(order.order_no.len())
    }

    async fn handwritten(&self) -> Result<usize, String> {
        let hand = &self.hand;
        let wire = hand.wire(&Params {
            now_millis: hand.clock.now_millis(),
            fixed_nonce: None,
        })?;
        let (status, body) = status_and_body(wire.send(&hand.http).await?).await?;
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 200 || answer["code"].as_i64() != Some(200) {
            return Err(format!("HTTP {status}: {answer}"));
        }
        answer["data"]["orderNo"]
            .as_str()
            .map(str::len)
            .ok_or_else(|| format!("no `data.orderNo`: {answer}"))
    }

    fn replay_window(&self) -> Duration {
        DEFAULT_WINDOW
    }
}
