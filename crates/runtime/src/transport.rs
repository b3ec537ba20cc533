//! Sends a signed request as it is and reads the whole response.

use std::sync::Arc;

use paysmith_sign::content_md5_hmac::{form_len_hint, push_form};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind};
use crate::nonce::{NonceSource, RandomNonce};
use crate::request::SignedRequest;

/// A response as received: status and body bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    /// Headers in the order received (names as sent).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A response with no headers (tests and fixtures).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        RawResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The first header called `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// HTTP transport with the clock and nonce source used when signing.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base_url: String,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport on `base_url` with the system clock and random nonces. The base is
    /// kept as the HTTP stack sends it (no trailing slash, no default port, host in
    /// lower case), since a signature over the URL must cover exactly what is sent.
    pub fn new(base_url: impl Into<String>) -> Self {
        Transport {
            http: reqwest::Client::new(),
            base_url: base_url_as_sent(&base_url.into()),
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
        }
    }

    /// Uses this reqwest client (timeouts, proxies, connection pool).
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn with_nonce(mut self, nonce: impl NonceSource + 'static) -> Self {
        self.nonce = Arc::new(nonce);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn url(&self, path: &str) -> String {
        self.url_with_room(path, 0)
    }

    /// [`Transport::url`] with `pairs` form-encoded into its query (none when empty),
    /// written straight into the URL.
    pub fn url_with_form(&self, path: &str, pairs: &[(String, String)]) -> String {
        let mut url = self.url_with_room(path, form_len_hint(pairs) + 1);
        if !pairs.is_empty() {
            url.push('?');
            push_form(&mut url, pairs);
        }
        url
    }

    /// [`Transport::url`] with `room` more bytes reserved, for a query to follow.
    pub fn url_with_room(&self, path: &str, room: usize) -> String {
        let mut url = String::with_capacity(self.base_url.len() + path.len() + room);
        url.push_str(&self.base_url);
        url.push_str(path);
        url
    }

    pub fn now_millis(&self) -> u64 {
        self.clock.now_millis()
    }

    pub fn nonce(&self, length: usize) -> String {
        self.nonce.nonce(length)
    }

    pub fn uuid(&self) -> String {
        self.nonce.uuid()
    }

    /// Sends the request once (never retried) and reads the whole body.
    pub async fn send(
        &self,
        operation: &'static str,
        request: SignedRequest,
    ) -> Result<RawResponse, Error> {
        let fail = |error| Error::new(operation, ErrorKind::Transport(error));
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        let mut builder = self.http.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_ref(), value.as_ref());
        }
        let response = builder.body(request.body).send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(fail)?.to_vec();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

/// `base` as a URL parser writes it (`https://Host:443/` is sent as `https://host/`),
/// without the trailing slash; text that does not parse is kept, to fail when sent.
pub fn base_url_as_sent(base: &str) -> String {
    match reqwest::Url::parse(base) {
        Ok(url) => url.as_str().trim_end_matches('/').to_owned(),
        Err(_) => base.trim_end_matches('/').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_kept_as_it_is_sent() {
        for (given, kept) in [
            ("https://test.bitpay.com", "https://test.bitpay.com"),
            ("https://test.bitpay.com/", "https://test.bitpay.com"),
            ("https://Test.BitPay.com:443/", "https://test.bitpay.com"),
            ("http://127.0.0.1:80/bitpay/", "http://127.0.0.1/bitpay"),
            (
                "http://127.0.0.1:12112/bitpay",
                "http://127.0.0.1:12112/bitpay",
            ),
            ("https://host:8443/api/", "https://host:8443/api"),
            ("not a url/", "not a url"),
        ] {
            assert_eq!(Transport::new(given).base_url(), kept, "{given}");
        }
        // What reqwest sends for a request built on the base is the URL signed.
        let url = Transport::new("https://Test.BitPay.com:443").url("/invoices?token=a+b");
        assert_eq!(reqwest::Url::parse(&url).unwrap().as_str(), url);
    }
}
