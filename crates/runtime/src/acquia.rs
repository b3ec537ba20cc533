//! Builds requests signed by the `acquia-http-hmac` family and checks the server's
//! response signature.

use std::sync::OnceLock;

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, AuthorizationParams, CONTENT_SHA256_HEADER,
    RESPONSE_SIGNATURE_HEADER, RequestParts, TIMESTAMP_HEADER, split_url,
};
use paysmith_sign::binding::AcquiaBinding;

use crate::error::{Error, ErrorKind, RawBody};
use crate::request::{HeaderText, SignedRequest};
use crate::transport::{RawResponse, Transport};

/// The HMAC key a client decodes from its secret on first use and keeps, so a request
/// does not decode it again. Cloning a client clones the decoded key with it.
#[derive(Clone, Default)]
pub struct KeyCache(OnceLock<AcquiaKey>);

impl KeyCache {
    /// The key decoded from `secret`; a secret that is not base64 is a build error of
    /// `operation` (and is decoded again next time).
    pub fn get(&self, operation: &'static str, secret: &Secret) -> Result<&AcquiaKey, Error> {
        if let Some(key) = self.0.get() {
            return Ok(key);
        }
        let key = AcquiaKey::from_base64(secret)
            .map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        Ok(self.0.get_or_init(|| key))
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.get().is_some() {
            "decoded"
        } else {
            "empty"
        };
        write!(f, "KeyCache(<{state}>)")
    }
}

/// What signs a request: the family's parameters, the binding, the credentials, the
/// transport's clock and nonce, and the headers the API sends on every request.
pub struct AcquiaSigner<'a> {
    config: &'a AcquiaHmacConfig,
    binding: &'a AcquiaBinding,
    id: &'a str,
    key: &'a AcquiaKey,
    transport: &'a Transport,
    headers: &'a [(&'static str, &'static str)],
}

impl<'a> AcquiaSigner<'a> {
    pub fn new(
        config: &'a AcquiaHmacConfig,
        binding: &'a AcquiaBinding,
        id: &'a str,
        key: &'a AcquiaKey,
        transport: &'a Transport,
        headers: &'a [(&'static str, &'static str)],
    ) -> Self {
        AcquiaSigner {
            config,
            binding,
            id,
            key,
            transport,
            headers,
        }
    }

    /// Encodes the query once and takes the body as it will be sent; the host, path
    /// and query that are signed are read back from the final URL.
    pub fn build_request(
        &self,
        operation: &'static str,
        method: &'static str,
        path: &str,
        query: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<SignedRequest, Error> {
        let url = self.transport.url_with_form(path, query);
        let target =
            split_url(&url).map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        let mut signed_headers: Vec<(&str, &str)> =
            Vec::with_capacity(self.binding.signed_headers.len());
        for name in self.binding.signed_headers.iter() {
            let header = self
                .headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Error::new(
                        operation,
                        ErrorKind::Build(format!("signed header `{name}` is not sent")),
                    )
                })?;
            signed_headers.push(*header);
        }
        let nonce = self.transport.uuid();
        let timestamp = self.transport.now_millis() / 1000;
        let content_type = (!body.is_empty()).then_some("application/json");
        let parts = RequestParts {
            method,
            host: &target.host,
            path: target.path,
            query: target.query,
            signed_headers: &signed_headers,
            content_type,
            body: &body,
            id: self.id,
            nonce: &nonce,
            realm: &self.binding.realm,
            timestamp,
        };
        let signature = self.config.sign_request(&parts, self.key);
        let mut headers: Vec<(HeaderText, HeaderText)> = Vec::with_capacity(self.headers.len() + 4);
        headers.extend(
            self.headers
                .iter()
                .map(|&(name, value)| (name.into(), value.into())),
        );
        if let (Some(content_type), Some(hash)) = (content_type, signature.content_sha256) {
            headers.push(("Content-Type".into(), content_type.into()));
            headers.push((CONTENT_SHA256_HEADER.into(), hash.into()));
        }
        headers.push((
            TIMESTAMP_HEADER.into(),
            itoa::Buffer::new().format(timestamp).to_owned().into(),
        ));
        headers.push(("Authorization".into(), signature.authorization.into()));
        Ok(SignedRequest {
            method,
            url,
            headers,
            body,
        })
    }
}

/// Sends `request` once and, when the server signs its response, checks that
/// signature against the request's nonce and timestamp before anything is decoded.
pub async fn send_checked(
    transport: &Transport,
    operation: &'static str,
    key: &AcquiaKey,
    request: SignedRequest,
) -> Result<RawResponse, Error> {
    let (nonce, timestamp) = request_nonce_and_timestamp(&request)
        .map_err(|message| Error::new(operation, ErrorKind::Build(message)))?;
    let response = transport.send(operation, request).await?;
    check_response(operation, key, &nonce, timestamp, response)
}

/// The nonce and timestamp a signed request carries.
pub fn request_nonce_and_timestamp(request: &SignedRequest) -> Result<(String, u64), String> {
    let authorization = request
        .header("Authorization")
        .ok_or("the request carries no Authorization header")?;
    let params = AuthorizationParams::parse(authorization).map_err(|e| e.to_string())?;
    let timestamp = request
        .header(TIMESTAMP_HEADER)
        .and_then(|t| t.parse().ok())
        .ok_or("the request carries no X-Authorization-Timestamp")?;
    Ok((params.nonce.into_owned(), timestamp))
}

/// Passes a response through when it carries no signature or a valid one.
pub fn check_response(
    operation: &'static str,
    key: &AcquiaKey,
    nonce: &str,
    timestamp: u64,
    response: RawResponse,
) -> Result<RawResponse, Error> {
    let Some(received) = response.header(RESPONSE_SIGNATURE_HEADER) else {
        return Ok(response);
    };
    match AcquiaHmacConfig::verify_response(key, nonce, timestamp, &response.body, received) {
        Ok(()) => Ok(response),
        Err(error) => Err(Error::new(
            operation,
            ErrorKind::ResponseSignature {
                status: response.status,
                message: error.to_string(),
                body: RawBody(response.body),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "W5PeGMxSItNerkNFqQMfYiJvH14WzVJMy54CPoTAYoI=";

    fn key() -> AcquiaKey {
        AcquiaKey::from_base64(&Secret::new(SECRET)).unwrap()
    }

    #[test]
    fn key_caches_decode_once_and_name_the_operation_on_bad_secrets() {
        let cache = KeyCache::default();
        assert_eq!(format!("{cache:?}"), "KeyCache(<empty>)");
        let error = cache
            .get("list_charges", &Secret::new("not base64!"))
            .unwrap_err();
        assert_eq!(error.operation, "list_charges");
        assert!(matches!(error.kind, ErrorKind::Build(ref m) if m.contains("base64")));

        let first: *const AcquiaKey = cache.get("a", &Secret::new(SECRET)).unwrap();
        let again: *const AcquiaKey = cache.get("b", &Secret::new(SECRET)).unwrap();
        assert_eq!(first, again, "the second request reuses the decoded key");
        let shown = format!("{cache:?}");
        assert_eq!(shown, "KeyCache(<decoded>)");
        assert!(!shown.contains(SECRET));
    }

    #[test]
    fn unsigned_responses_pass_and_signed_ones_are_checked() {
        let plain = RawResponse::new(200, "{}");
        assert!(check_response("op", &key(), "n", 1, plain).is_ok());

        let body = b"{\"id\": 133, \"status\": \"done\"}".to_vec();
        let signature = AcquiaHmacConfig::response_signature(&key(), "n", 1, &body);
        let mut signed = RawResponse::new(200, body);
        signed
            .headers
            .push(("x-server-authorization-hmac-sha256".into(), signature));
        assert!(check_response("op", &key(), "n", 1, signed.clone()).is_ok());

        let wrong_nonce = check_response("op", &key(), "other", 1, signed.clone()).unwrap_err();
        assert!(matches!(
            wrong_nonce.kind,
            ErrorKind::ResponseSignature { .. }
        ));
        assert!(wrong_nonce.raw_body().is_some());

        signed.body.push(b' ');
        assert!(check_response("op", &key(), "n", 1, signed).is_err());
    }
}
