//! `content-md5-hmac` (Bitpro v1): `Content-MD5` of the url-encoded parameters (the
//! query of a GET, the body otherwise), the `Date` window of the scheme, the api key
//! and the HMAC over `METHOD,content_md5,uri,date` with the path as received.
//!
//! The scheme has no nonce. The document promises authentication "without the
//! possibility of replicated requests", so a money-moving request's signature is
//! carried out once inside the `Date` window (a refused request does not spend it);
//! reads are not limited, because two identical reads in the same second are
//! legitimately identical requests.

use std::time::Duration;

use paysmith_sign::Secret;
use paysmith_sign::content_md5_hmac::{
    ContentMd5HmacConfig, ContentMd5VerifyError, ReceivedHeaders, SignedParts,
};

use super::{Check, Received, Refusal, Verified};
use crate::events::Stage;

#[derive(Debug)]
pub(crate) struct ContentMd5Verifier {
    pub config: ContentMd5HmacConfig,
    pub api_key: String,
    pub secret: Secret,
}

impl ContentMd5Verifier {
    pub fn verify(&self, request: &Received<'_>, check: Check<'_>) -> Result<Verified, Refusal> {
        let now = check.now;
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
        let trace = self
            .config
            .verify(&parts, &received, &self.secret, now)
            .map_err(refusal)?;
        let mut verified = Verified::default();
        if check.money_moving {
            // Valid while the Date is within the window of now: at most two windows.
            let window = Duration::from_secs(self.config.max_skew_seconds);
            let mark = format!("signature {}", trace.signature());
            if !check
                .replay
                .first_use(check.api, &mark, now, now + 2 * window)
            {
                return Err(Refusal::new(
                    Stage::Replay,
                    "this signed request was already carried out; the scheme has no nonce, so a request that moves money is carried out once per signature (sign it again with a later Date)",
                ));
            }
            verified.spent_if_carried_out = Some((check.api.to_owned(), mark));
        }
        Ok(verified)
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
