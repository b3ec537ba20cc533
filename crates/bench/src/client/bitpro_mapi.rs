//! Bitpro merchant API, one page of charges (`GET /mapi/charges?page=1`,
//! `acquia-http-hmac-v2`): a UUID nonce and the timestamp in the HMAC-SHA256
//! `Authorization`; the answer is signed over the request's nonce and timestamp, and
//! both sides check that signature before reading it.

use std::time::Duration;

use paysmith_bitpro_mapi_client::models::ChargesQuery;
use paysmith_bitpro_mapi_client::models::schemes::ACQUIA_HTTP_HMAC_V2;
use paysmith_bitpro_mapi_client::{Client, Credentials, FixedClock, FixedNonce, Secret, Transport};
use paysmith_sandbox::SandboxClock;
use paysmith_sandbox::providers::bitpro_mapi::NewCharge;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, RESPONSE_SIGNATURE_HEADER, RequestParts, TIMESTAMP_HEADER,
    split_url,
};
use reqwest::header::HeaderMap;

use super::{Exchange, Harness, Wire, check_accepted, header, same_request};
use crate::fixtures::bitpro_mapi::{MERCHANT_ID, NONCE, PRIVATE_KEY, TIMESTAMP};

pub const ID: &str = "bitpro-mapi-list-charges";
pub const TITLE: &str =
    "Bitpro mapi one page of charges (`GET /mapi/charges?page=1`, `acquia-http-hmac-v2`)";
const ENDPOINT: &str = "list_charges";
/// Charges in the sandbox, all on the page read.
const CHARGES: i64 = 3;
const ACCEPT: &str = "application/vnd.bitpro-mapi-20180503+json";
const REALM: &str = "Bitpro";

pub struct MapiListCharges {
    client: Client,
    query: ChargesQuery,
    hand: HandWritten,
}

struct HandWritten {
    http: reqwest::Client,
    clock: SandboxClock,
    url: String,
    host: String,
    path: String,
    query: String,
    key: AcquiaKey,
}

impl HandWritten {
    fn wire(&self, now_millis: u64, nonce: &str) -> Result<Wire, String> {
        let timestamp = now_millis / 1000;
        let signature = ACQUIA_HTTP_HMAC_V2.sign_request(
            &RequestParts {
                method: "GET",
                host: &self.host,
                path: &self.path,
                query: &self.query,
                signed_headers: &[],
                content_type: None,
                body: b"",
                id: MERCHANT_ID,
                nonce,
                realm: REALM,
                timestamp,
            },
            &self.key,
        );
        let mut headers = HeaderMap::with_capacity(3);
        header(&mut headers, "Accept", ACCEPT)?;
        header(&mut headers, TIMESTAMP_HEADER, &timestamp.to_string())?;
        header(&mut headers, "Authorization", &signature.authorization)?;
        Ok(Wire {
            method: reqwest::Method::GET,
            url: self.url.clone(),
            headers,
            body: bytes::Bytes::new(),
        })
    }
}

fn credentials() -> Credentials {
    Credentials {
        merchant_id: MERCHANT_ID.into(),
        private_key: Secret::new(PRIVATE_KEY),
    }
}

pub fn setup(harness: &Harness) -> Result<MapiListCharges, String> {
    let mapi = harness.sandbox().bitpro_mapi().map_err(|e| e.to_string())?;
    for n in 1..=CHARGES {
        mapi.create_charge(NewCharge {
            fiat_price: paysmith_bitpro_mapi_client::models::Decimal::new(n * 1_000, 2),
            address: None,
            external_order_id: None,
        })
        .map_err(|e| e.to_string())?;
    }
    let query = ChargesQuery { page: Some(1) };
    let transport = Transport::new(harness.base_url())
        .with_http_client(harness.http.clone())
        .with_clock(harness.clock());
    let client = Client::with_transport(transport, credentials());
    let url = format!("{}/mapi/charges?page=1", harness.base_url());
    let target = split_url(&url).map_err(|e| e.to_string())?;
    let hand = HandWritten {
        http: harness.http.clone(),
        clock: harness.clock(),
        host: target.host.clone().into_owned(),
        path: target.path.to_owned(),
        query: target.query.to_owned(),
        url,
        key: AcquiaKey::from_base64(&Secret::new(PRIVATE_KEY)).map_err(|e| e.to_string())?,
    };

    let fixed = Client::with_transport(
        Transport::new(harness.base_url())
            .with_clock(FixedClock(TIMESTAMP))
            .with_nonce(FixedNonce(NONCE.into())),
        credentials(),
    );
    let generated = fixed
        .build_list_charges(&query)
        .map_err(|e| e.to_string())?;
    same_request(&generated, &hand.wire(TIMESTAMP, NONCE)?)?;

    let exchange = MapiListCharges {
        client,
        query,
        hand,
    };
    check_accepted(harness, &exchange, ENDPOINT)?;
    let listed = harness.block_on(exchange.generated())?;
    if listed != CHARGES as usize {
        return Err(format!("the page holds {listed} charges, not {CHARGES}"));
    }
    Ok(exchange)
}

impl Exchange for MapiListCharges {
    async fn generated(&self) -> Result<usize, String> {
        let charges = self
            .client
            .list_charges(&self.query)
            .await
            .map_err(|e| e.to_string())?;
        Ok(charges.len())
    }

    async fn handwritten(&self) -> Result<usize, String> {
        let hand = &self.hand;
        let now = hand.clock.now_millis();
        let nonce = uuid::Uuid::new_v4().to_string();
        let wire = hand.wire(now, &nonce)?;
        let response = wire.send(&hand.http).await?;
        let status = response.status().as_u16();
        let signature = response.headers().get(RESPONSE_SIGNATURE_HEADER).cloned();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if let Some(signature) = signature {
            let signature = signature.to_str().map_err(|e| e.to_string())?;
            AcquiaHmacConfig::verify_response(&hand.key, &nonce, now / 1000, &body, signature)
                .map_err(|e| e.to_string())?;
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {answer}"));
        }
        answer
            .as_array()
            .map(Vec::len)
            .ok_or_else(|| format!("not a list: {answer}"))
    }

    fn replay_window(&self) -> Duration {
        Duration::from_secs(ACQUIA_HTTP_HMAC_V2.max_skew_seconds)
    }
}
