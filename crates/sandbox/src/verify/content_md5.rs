//! `content-md5-hmac` (Bitpro v1): `Content-MD5` of the url-encoded parameters (the
//! query of a GET, the body otherwise), the `Date` window of the scheme, the api key
//! and the HMAC over `METHOD,content_md5,uri,date` with the path as received.
//!
//! The scheme has no nonce, so there is no replay check beyond the `Date` window: two
//! identical reads in the same second are legitimately identical requests.

use std::time::SystemTime;

use paysmith_sign::Secret;
use paysmith_sign::content_md5_hmac::{
    ContentMd5HmacConfig, ContentMd5VerifyError, ReceivedHeaders, SignedParts,
};

use super::{Received, Refusal, Verified};
use crate::events::Stage;

#[derive(Debug)]
pub(crate) struct ContentMd5Verifier {
    pub config: ContentMd5HmacConfig,
    pub api_key: String,
    pub secret: Secret,
}

impl ContentMd5Verifier {
    pub fn verify(&self, request: &Received<'_>, now: SystemTime) -> Result<Verified, Refusal> {
        let header = |name: &'static str| {
            request
                .header(name)
                .ok_or_else(|| Refusal::new(Stage::Headers, format!("header `{name}` is missing")))
        };
        let received = ReceivedHeaders {
            authorization: header("Authorization")?,
            content_md5: header("Content-MD5")?,
            date: header("Date")?,
        };
        let content = if matches!(request.method, "GET" | "DELETE") {
            request.query.as_bytes()
        } else {
            request.body
        };
        let parts = SignedParts {
            method: request.method,
            uri: request.path,
            date: received.date,
            content,
            api_key: &self.api_key,
        };
        self.config
            .verify(&parts, &received, &self.secret, now)
            .map(|_| Verified::default())
            .map_err(refusal)
    }
}

fn refusal(error: ContentMd5VerifyError) -> Refusal {
    let stage = match &error {
        ContentMd5VerifyError::ContentMd5 { .. } => Stage::ContentDigest,
        ContentMd5VerifyError::DateFormat(_)
        | ContentMd5VerifyError::AuthorizationFormat { .. } => Stage::Headers,
        ContentMd5VerifyError::Stale { .. } => Stage::Freshness,
        ContentMd5VerifyError::UnknownKey(_) => Stage::Credential,
        ContentMd5VerifyError::Signature { .. } => Stage::Signature,
    };
    Refusal::new(stage, error.to_string())
}
