//! `ecdsa-secp256k1` over identity headers (BitPay): the full URL as the client signed
//! it (scheme, `Host`, path and query as sent) followed by the body bytes, checked
//! against the public key in the identity header, high-S signatures accepted. The
//! verified identity is the key's SIN.
//!
//! A request without either header is not refused here: whether it had to be signed
//! depends on its capability token, which the provider reads. A request with a
//! signature that does not hold is refused, whatever its token.

use paysmith_sign::bitpay_ecdsa::{
    BitpayEcdsaConfig, EcdsaVerifyError, SignerPublicKey, sin_from_public_key,
};

use super::{Received, Refusal, Verified};
use crate::events::Stage;

/// What BitPay answers to a signature that does not verify.
pub(crate) const INVALID_SIGNATURE: &str = "Invalid signature";

#[derive(Debug)]
pub(crate) struct IdentityVerifier {
    pub config: BitpayEcdsaConfig,
}

impl IdentityVerifier {
    pub fn verify(&self, request: &Received<'_>) -> Result<Verified, Refusal> {
        let identity_header = self.config.identity_header.as_ref();
        let signature_header = self.config.signature_header.as_ref();
        let (identity, signature) = match (
            request.header(identity_header),
            request.header(signature_header),
        ) {
            (None, None) => return Ok(Verified::default()),
            (Some(identity), Some(signature)) => (identity.trim(), signature.trim()),
            (Some(_), None) | (None, Some(_)) => {
                let (present, missing) = if request.header(identity_header).is_some() {
                    (identity_header, signature_header)
                } else {
                    (signature_header, identity_header)
                };
                return Err(Refusal::new(
                    Stage::Headers,
                    format!("`{present}` is sent without `{missing}`"),
                )
                .answered(INVALID_SIGNATURE));
            }
        };
        let public_key = identity.signer_public_key().map_err(|e| {
            Refusal::new(Stage::Headers, format!("`{identity_header}`: {e}"))
                .answered(INVALID_SIGNATURE)
        })?;
        let url = signed_url(request);
        match self
            .config
            .verify(&public_key, &url, request.body, signature)
        {
            Ok(_) => Ok(Verified {
                identity: Some(sin_from_public_key(&public_key)),
                ..Verified::default()
            }),
            Err(
                error @ (EcdsaVerifyError::SignatureNotHex(_)
                | EcdsaVerifyError::MalformedDer { .. }),
            ) => Err(
                Refusal::new(Stage::Headers, format!("`{signature_header}`: {error}"))
                    .answered(INVALID_SIGNATURE),
            ),
            Err(_) => Err(Refusal::new(
                Stage::Signature,
                format!(
                    "the signature does not verify under `{identity_header}` over `{url}` followed by the {} body bytes",
                    request.body.len()
                ),
            )
            .answered(INVALID_SIGNATURE)),
        }
    }
}

/// The URL a client on this connection signed: the sandbox serves plain HTTP, the
/// authority is the `Host` header, then the path and query exactly as sent.
fn signed_url(request: &Received<'_>) -> String {
    let mut url = format!("http://{}{}", request.host, request.path);
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(request.query);
    }
    url
}

#[cfg(test)]
mod tests {
    use paysmith_sign::bitpay_ecdsa::{BitpayKey, request_signature_hex};
    use serde_json::Value;

    use super::*;

    const KEY: &str = "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c08c";

    fn received<'a>(headers: &'a [(&'a str, &'a str)], body: &'a [u8]) -> Received<'a> {
        static NULL: Value = Value::Null;
        Received {
            method: "POST",
            host: "127.0.0.1:8080",
            path: "/bitpay/invoices",
            query: "token=a%2Bb",
            headers,
            body,
            json: &NULL,
        }
    }

    fn verifier() -> IdentityVerifier {
        IdentityVerifier {
            config: BitpayEcdsaConfig::default(),
        }
    }

    #[test]
    fn a_signature_over_the_url_and_body_sent_names_the_sin() {
        let key = BitpayKey::from_hex(KEY).unwrap();
        let body = br#"{"price":1}"#;
        let signature = request_signature_hex(
            &key,
            "http://127.0.0.1:8080/bitpay/invoices?token=a%2Bb",
            body,
        );
        let headers = [
            ("x-identity", key.public_key_hex()),
            ("x-signature", signature.as_str()),
        ];
        let verified = verifier().verify(&received(&headers, body)).unwrap();
        assert_eq!(verified.identity.as_deref(), Some(key.sin()));

        let refused = verifier()
            .verify(&received(&headers, br#"{"price":2}"#))
            .unwrap_err();
        assert_eq!(refused.stage, Stage::Signature);
        assert!(
            refused.reason.contains("/bitpay/invoices?token=a%2Bb"),
            "{}",
            refused.reason
        );
        assert_eq!(refused.answer.as_deref(), Some(INVALID_SIGNATURE));
    }

    #[test]
    fn unsigned_requests_pass_and_half_signed_ones_do_not() {
        assert_eq!(
            verifier().verify(&received(&[], b"")).unwrap().identity,
            None
        );
        let refused = verifier()
            .verify(&received(&[("X-Signature", "3045")], b""))
            .unwrap_err();
        assert_eq!(refused.stage, Stage::Headers);
        let refused = verifier()
            .verify(&received(
                &[("X-Identity", "02zz"), ("X-Signature", "3045")],
                b"",
            ))
            .unwrap_err();
        assert_eq!(refused.stage, Stage::Headers);
        assert!(refused.reason.contains("X-Identity"), "{}", refused.reason);
    }
}
