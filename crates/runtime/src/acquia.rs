//! Builds requests signed by the `acquia-http-hmac` family and checks the server's
//! response signature.

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::{
    AcquiaHmacConfig, AcquiaKey, AuthorizationParams, CONTENT_SHA256_HEADER,
    RESPONSE_SIGNATURE_HEADER, RequestParts, TIMESTAMP_HEADER, split_url,
};
use paysmith_sign::binding::AcquiaBinding;
use paysmith_sign::content_md5_hmac::encode_form;

use crate::error::{Error, ErrorKind, RawBody};
use crate::request::SignedRequest;
use crate::transport::{RawResponse, Transport};

/// What signs a request: the family's parameters, the binding, the credentials, the
/// transport's clock and nonce, and the headers the API sends on every request.
pub struct AcquiaSigner<'a> {
    config: &'a AcquiaHmacConfig,
    binding: &'a AcquiaBinding,
    id: &'a str,
    key: AcquiaKey,
    transport: &'a Transport,
    headers: &'a [(&'a str, &'a str)],
}

impl<'a> AcquiaSigner<'a> {
    /// Decodes the secret; a secret that is not base64 is a build error of `operation`.
    pub fn new(
        operation: &'static str,
        config: &'a AcquiaHmacConfig,
        binding: &'a AcquiaBinding,
        id: &'a str,
        secret: &Secret,
        transport: &'a Transport,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<Self, Error> {
        let key = AcquiaKey::from_base64(secret)
            .map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        Ok(AcquiaSigner {
            config,
            binding,
            id,
            key,
            transport,
            headers,
        })
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
        let mut url = self.transport.url(path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&encode_form(query));
        }
        let target =
            split_url(&url).map_err(|e| Error::new(operation, ErrorKind::Build(e.to_string())))?;
        let signed_headers: Vec<(&str, &str)> = self
            .binding
            .signed_headers
            .iter()
            .map(|name| {
                self.headers
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .copied()
                    .ok_or_else(|| {
                        Error::new(
                            operation,
                            ErrorKind::Build(format!("signed header `{name}` is not sent")),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
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
        let signature = self.config.sign_request(&parts, &self.key);
        let mut headers: Vec<(String, String)> = Vec::with_capacity(self.headers.len() + 4);
        headers.extend(
            self.headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        if let (Some(content_type), Some(hash)) = (content_type, signature.content_sha256) {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
            headers.push((CONTENT_SHA256_HEADER.to_owned(), hash));
        }
        headers.push((TIMESTAMP_HEADER.to_owned(), timestamp.to_string()));
        headers.push(("Authorization".to_owned(), signature.authorization));
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
    secret: &Secret,
    request: SignedRequest,
) -> Result<RawResponse, Error> {
    let build = |message: String| Error::new(operation, ErrorKind::Build(message));
    let key = AcquiaKey::from_base64(secret).map_err(|e| build(e.to_string()))?;
    let (nonce, timestamp) = request_nonce_and_timestamp(&request).map_err(build)?;
    let response = transport.send(operation, request).await?;
    check_response(operation, &key, &nonce, timestamp, response)
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
    Ok((params.nonce, timestamp))
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
