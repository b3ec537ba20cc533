//! BitPay create invoice with a merchant token (`POST /invoices`, `bitpay-ecdsa`): the
//! token in the JSON body, the client's public key and an ECDSA signature over URL and
//! body as headers; the answer in `{"data": …}`. The signature covers no time or
//! nonce, but every new invoice is a new request to sign, so both sides sign per call.

use std::time::Duration;

use bytes::Bytes;
use paysmith_bitpay_client::models::CreateInvoiceRequest;
use paysmith_bitpay_client::{MerchantClient, Secret, Transport};
use paysmith_sign::bitpay_ecdsa::{BitpayKey, request_signature_hex};
use reqwest::header::HeaderMap;

use super::{Exchange, Harness, Wire, check_accepted, header, same_request, status_and_body};
use crate::fixtures::bitpay::PRIVATE_KEY_HEX;

pub const ID: &str = "bitpay-create-invoice";
pub const TITLE: &str =
    "BitPay create invoice with a merchant token (`POST /invoices`, `bitpay-ecdsa`)";
const ENDPOINT: &str = "create_invoice";
/// The sandbox's merchant token, bound to the key of the `bitpay-ecdsa` vectors.
const MERCHANT_TOKEN: &str = "G7XM9fcM1gtCN7DUr8ZWtPGVFLTKiYWanHR4kvqsnjP3";
/// The invoice of the `create-invoice-post` vector, with the token as BitPay wants it.
const BODY: &str = r#"{"price":10.5,"currency":"USD","orderId":"A-1001","token":"G7XM9fcM1gtCN7DUr8ZWtPGVFLTKiYWanHR4kvqsnjP3"}"#;
/// Headers BitPay's SDKs send with every request.
const HEADERS: &[(&str, &str)] = &[
    ("X-Accept-Version", "2.0.0"),
    ("Content-Type", "application/json"),
    ("x-bitpay-plugin-info", "paysmith_Rust_Client"),
    ("x-bitpay-api-frame", "std"),
    ("x-bitpay-api-frame-version", "1.0.0"),
];

pub struct BitPayCreateInvoice {
    client: MerchantClient,
    request: CreateInvoiceRequest,
    hand: HandWritten,
}

struct HandWritten {
    http: reqwest::Client,
    url: String,
    body: Bytes,
    /// The constant headers and the identity header.
    headers: HeaderMap,
    key: BitpayKey,
}

impl HandWritten {
    fn wire(&self) -> Result<Wire, String> {
        let mut headers = self.headers.clone();
        let signature = request_signature_hex(&self.key, &self.url, &self.body);
        header(&mut headers, "X-Signature", &signature)?;
        Ok(Wire {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers,
            body: self.body.clone(),
        })
    }
}

fn key() -> Result<BitpayKey, String> {
    BitpayKey::from_hex(PRIVATE_KEY_HEX).map_err(|e| e.to_string())
}

pub fn setup(harness: &Harness) -> Result<BitPayCreateInvoice, String> {
    let request: CreateInvoiceRequest = serde_json::from_value(serde_json::json!({
        "price": 10.5, "currency": "USD", "orderId": "A-1001"
    }))
    .map_err(|e| e.to_string())?;
    let transport = Transport::new(harness.base_url()).with_http_client(harness.http.clone());
    let client = MerchantClient::with_transport(transport, key()?, Secret::new(MERCHANT_TOKEN));
    let key = key()?;
    let mut headers = HeaderMap::with_capacity(HEADERS.len() + 2);
    for (name, value) in HEADERS {
        header(&mut headers, name, value)?;
    }
    header(&mut headers, "X-Identity", key.public_key_hex())?;
    let hand = HandWritten {
        http: harness.http.clone(),
        url: format!("{}/invoices", harness.base_url()),
        body: Bytes::from_static(BODY.as_bytes()),
        headers,
        key,
    };

    // RFC 6979 signatures are deterministic: no clock or nonce to fix.
    let generated = client
        .build_create_invoice(&request)
        .map_err(|e| e.to_string())?;
    same_request(&generated, &hand.wire()?)?;

    let exchange = BitPayCreateInvoice {
        client,
        request,
        hand,
    };
    check_accepted(harness, &exchange, ENDPOINT)?;
    Ok(exchange)
}

impl Exchange for BitPayCreateInvoice {
    async fn generated(&self) -> Result<usize, String> {
        let invoice = self
            .client
            .create_invoice(&self.request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(invoice.id.len())
    }

    async fn handwritten(&self) -> Result<usize, String> {
        let hand = &self.hand;
        let (status, body) = status_and_body(hand.wire()?.send(&hand.http).await?).await?;
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {answer}"));
        }
        answer["data"]["id"]
            .as_str()
            .map(str::len)
            .ok_or_else(|| format!("no `data.id`: {answer}"))
    }

    /// BitPay signs no nonce.
    fn replay_window(&self) -> Duration {
        Duration::ZERO
    }
}
