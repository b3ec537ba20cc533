//! Bitpro API v1, read a client (`GET /api/v1/clients/{uid}`, `bitpro-hmac-sha1`):
//! `Date`, `Content-MD5` of the empty content and the HMAC-SHA1 `Authorization`; the
//! answer is the bare account.

use std::time::Duration;

use paysmith_bitpro_client::models::schemes::BITPRO_HMAC_SHA1;
use paysmith_bitpro_client::{Client, Credentials, FixedClock, Secret, Transport};
use paysmith_runtime::plain::encode_path_segment;
use paysmith_sandbox::SandboxClock;
use paysmith_sign::content_md5_hmac::{SignedParts, format_http_date};
use reqwest::header::HeaderMap;

use super::{Exchange, Harness, Wire, check_accepted, header, same_request, status_and_body};
use crate::fixtures::bitpro::{API_KEY, SECRET_KEY, TIMESTAMP};

pub const ID: &str = "bitpro-get-client";
pub const TITLE: &str = "Bitpro v1 read a client (`GET /api/v1/clients/{uid}`, `bitpro-hmac-sha1`)";
const ENDPOINT: &str = "get_client";

pub struct BitproGetClient {
    client: Client,
    uid: String,
    hand: HandWritten,
}

struct HandWritten {
    http: reqwest::Client,
    clock: SandboxClock,
    url: String,
    /// The path as sent, base path included: what the signature covers.
    uri: String,
    secret: Secret,
}

impl HandWritten {
    fn wire(&self, now_millis: u64) -> Result<Wire, String> {
        let date = format_http_date(now_millis / 1000);
        let trace = BITPRO_HMAC_SHA1.sign(
            &SignedParts {
                method: "GET",
                uri: &self.uri,
                date: &date,
                content: b"",
                api_key: API_KEY,
            },
            &self.secret,
        );
        let stage = |name: &str| trace.get(name).ok_or(format!("no `{name}` stage"));
        let mut headers = HeaderMap::with_capacity(3);
        header(&mut headers, "Date", &date)?;
        header(&mut headers, "Content-MD5", stage("content_md5")?)?;
        header(&mut headers, "Authorization", stage("authorization")?)?;
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
        api_key: API_KEY.into(),
        secret_key: Secret::new(SECRET_KEY),
    }
}

pub fn setup(harness: &Harness) -> Result<BitproGetClient, String> {
    let account = harness
        .sandbox()
        .bitpro()
        .map_err(|e| e.to_string())?
        .create_client();
    let uid = account.uid;
    let transport = Transport::new(harness.base_url())
        .with_http_client(harness.http.clone())
        .with_clock(harness.clock());
    let client = Client::with_transport(transport, credentials());
    let url = format!(
        "{}/api/v1/clients/{}",
        harness.base_url(),
        encode_path_segment(&uid)
    );
    let uri = reqwest::Url::parse(&url)
        .map_err(|e| e.to_string())?
        .path()
        .to_owned();
    let hand = HandWritten {
        http: harness.http.clone(),
        clock: harness.clock(),
        url,
        uri,
        secret: Secret::new(SECRET_KEY),
    };

    let fixed = Client::with_transport(
        Transport::new(harness.base_url()).with_clock(FixedClock(TIMESTAMP)),
        credentials(),
    );
    let generated = fixed.build_get_client(&uid).map_err(|e| e.to_string())?;
    same_request(&generated, &hand.wire(TIMESTAMP)?)?;

    let exchange = BitproGetClient { client, uid, hand };
    check_accepted(harness, &exchange, ENDPOINT)?;
    Ok(exchange)
}

impl Exchange for BitproGetClient {
    async fn generated(&self) -> Result<usize, String> {
        let account = self
            .client
            .get_client(&self.uid)
            .await
            .map_err(|e| e.to_string())?;
        Ok(account.bitcoin_address.len())
    }

    async fn handwritten(&self) -> Result<usize, String> {
        let hand = &self.hand;
        let wire = hand.wire(hand.clock.now_millis())?;
        let (status, body) = status_and_body(wire.send(&hand.http).await?).await?;
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {answer}"));
        }
        answer["bitcoin_address"]
            .as_str()
            .map(str::len)
            .ok_or_else(|| format!("no `bitcoin_address`: {answer}"))
    }

    /// Bitpro v1 marks only money-moving requests as used.
    fn replay_window(&self) -> Duration {
        Duration::ZERO
    }
}
