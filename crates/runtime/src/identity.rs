//! Builds requests signed by the `ecdsa-secp256k1` family (BitPay): the client's
//! public key in the identity header and an ECDSA signature over the full URL followed
//! by the body bytes. The URL is built once and the body serialised once, so what is
//! signed is byte for byte what is sent.

use paysmith_sign::bitpay_ecdsa::{BitpayEcdsaConfig, BitpayKey, request_signature_hex};

use crate::error::{Error, ErrorKind};
use crate::request::{HeaderText, SignedRequest};
use crate::transport::Transport;

/// What a request is built with: the family's header names with the client key
/// (absent for unsigned calls), the transport and the headers of every request.
pub struct IdentitySigner<'a> {
    /// `None` builds the request without the identity and signature headers.
    pub identity: Option<(&'a BitpayEcdsaConfig, &'a BitpayKey)>,
    pub transport: &'a Transport,
    pub headers: &'a [(&'static str, &'static str)],
}

impl IdentitySigner<'_> {
    /// `query` is form-encoded once onto the URL; `body` is sent as it is (JSON when
    /// not empty). The signature covers `url ‖ body`.
    pub fn build_request(
        &self,
        method: &'static str,
        path: &str,
        query: &[(String, String)],
        body: Vec<u8>,
    ) -> SignedRequest {
        let url = self.transport.url_with_form(path, query);
        let mut headers: Vec<(HeaderText, HeaderText)> = Vec::with_capacity(self.headers.len() + 3);
        headers.extend(
            self.headers
                .iter()
                .map(|&(name, value)| (name.into(), value.into())),
        );
        let typed = self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("Content-Type"));
        if !body.is_empty() && !typed {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if let Some((config, key)) = self.identity {
            let signature = request_signature_hex(key, &url, &body);
            headers.push((
                config.identity_header.clone(),
                key.public_key_hex().to_owned().into(),
            ));
            headers.push((config.signature_header.clone(), signature.into()));
        }
        SignedRequest {
            method,
            url,
            headers,
            body,
        }
    }
}

/// The JSON body of a request model with the capability token added as `field`
/// (an object with only the token when there is no model).
pub fn json_body_with_token<T: serde::Serialize>(
    operation: &'static str,
    request: Option<&T>,
    token: Option<(&str, &str)>,
) -> Result<Vec<u8>, Error> {
    let fail = |message: String| Error::new(operation, ErrorKind::Build(message));
    let mut object = match request {
        Some(request) => match serde_json::to_value(request).map_err(|e| fail(e.to_string()))? {
            serde_json::Value::Object(object) => object,
            _ => return Err(fail("a JSON request must be a struct".into())),
        },
        None => serde_json::Map::new(),
    };
    if let Some((field, token)) = token {
        if object.contains_key(field) {
            return Err(fail(format!(
                "the request sets `{field}`, which carries the client's token"
            )));
        }
        object.insert(
            field.to_owned(),
            serde_json::Value::String(token.to_owned()),
        );
    }
    serde_json::to_vec(&object).map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use paysmith_sign::bitpay_ecdsa::verify;

    use super::*;

    const KEY: &str = "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c08c";
    const HEADERS: &[(&str, &str)] = &[("X-Accept-Version", "2.0.0")];

    fn signer<'a>(key: Option<&'a BitpayKey>, transport: &'a Transport) -> IdentitySigner<'a> {
        static CONFIG: std::sync::LazyLock<BitpayEcdsaConfig> =
            std::sync::LazyLock::new(BitpayEcdsaConfig::default);
        IdentitySigner {
            identity: key.map(|key| (&*CONFIG, key)),
            transport,
            headers: HEADERS,
        }
    }

    #[test]
    fn signs_the_url_and_body_that_are_sent() {
        let key = BitpayKey::from_hex(KEY).unwrap();
        let transport = Transport::new("https://test.bitpay.com/");
        let body = br#"{"price":10.5,"currency":"USD"}"#.to_vec();
        let query = [("token".to_owned(), "a b&c".to_owned())];
        let request =
            signer(Some(&key), &transport).build_request("POST", "/invoices", &query, body.clone());
        assert_eq!(
            request.url,
            "https://test.bitpay.com/invoices?token=a+b%26c"
        );
        assert_eq!(request.body, body);
        assert_eq!(request.header("X-Accept-Version"), Some("2.0.0"));
        assert_eq!(request.header("Content-Type"), Some("application/json"));
        assert_eq!(request.header("X-Identity"), Some(key.public_key_hex()));
        let mut message = request.url.clone().into_bytes();
        message.extend_from_slice(&request.body);
        verify(&key, &message, request.header("X-Signature").unwrap()).unwrap();
    }

    #[test]
    fn unsigned_calls_carry_no_identity() {
        let transport = Transport::new("https://test.bitpay.com");
        let request = signer(None, &transport).build_request("GET", "/rates/BTC", &[], Vec::new());
        assert_eq!(request.url, "https://test.bitpay.com/rates/BTC");
        assert_eq!(request.header("X-Identity"), None);
        assert_eq!(request.header("X-Signature"), None);
        assert_eq!(request.header("Content-Type"), None);
    }

    #[test]
    fn the_token_joins_the_body_once() {
        #[derive(serde::Serialize)]
        struct Invoice {
            price: u32,
        }
        let body = json_body_with_token(
            "create_invoice",
            Some(&Invoice { price: 5 }),
            Some(("token", "T1")),
        )
        .unwrap();
        assert_eq!(body, br#"{"price":5,"token":"T1"}"#);
        let body = json_body_with_token::<Invoice>("notify", None, Some(("token", "T1"))).unwrap();
        assert_eq!(body, br#"{"token":"T1"}"#);
        #[derive(serde::Serialize)]
        struct Sneaky {
            token: &'static str,
        }
        let error =
            json_body_with_token("x", Some(&Sneaky { token: "mine" }), Some(("token", "T1")))
                .unwrap_err();
        assert!(error.to_string().contains("`token`"), "{error}");
    }
}
