//! Builds a form-encoded request signed by the `content-md5-hmac` family.

use std::sync::OnceLock;

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::split_url;
use paysmith_sign::content_md5_hmac::{
    ContentMd5HmacConfig, MacAlgorithm, MacKey, SignedParts, encode_form, format_http_date,
};

use crate::request::SignedRequest;
use crate::transport::Transport;

/// The MAC keys a client makes from one secret on first use and keeps, so a request
/// does not key the HMAC again; one per algorithm, as schemes sharing the secret may
/// differ in it. Cloning a client clones the keys with it.
#[derive(Clone, Default)]
pub struct MacKeyCache {
    hmac_sha1: OnceLock<MacKey>,
    hmac_sha256: OnceLock<MacKey>,
}

impl MacKeyCache {
    /// The key of `secret` for `config`'s scheme.
    pub fn get(&self, config: &ContentMd5HmacConfig, secret: &Secret) -> &MacKey {
        let slot = match config.mac {
            MacAlgorithm::HmacSha1 => &self.hmac_sha1,
            MacAlgorithm::HmacSha256 => &self.hmac_sha256,
        };
        slot.get_or_init(|| config.mac_key(secret))
    }
}

impl std::fmt::Debug for MacKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keyed = self.hmac_sha1.get().is_some() || self.hmac_sha256.get().is_some();
        let state = if keyed { "keyed" } else { "empty" };
        write!(f, "MacKeyCache(<{state}>)")
    }
}

/// What signs a request: the family's parameters, the credentials and the clock.
pub struct ContentMd5Signer<'a> {
    pub config: &'a ContentMd5HmacConfig,
    pub api_key: &'a str,
    /// From [`ContentMd5HmacConfig::mac_key`] of `config`.
    pub key: &'a MacKey,
    pub transport: &'a Transport,
}

impl ContentMd5Signer<'_> {
    /// Encodes `params` once: into the query of a GET or DELETE, else into the body;
    /// `Content-MD5` covers exactly that string, and the signed uri is the URL's path.
    pub fn build_form_request(
        &self,
        method: &'static str,
        path: &str,
        params: &[(String, String)],
    ) -> SignedRequest {
        let encoded = encode_form(params);
        let date = format_http_date(self.transport.now_millis() / 1000);
        let in_query = matches!(method, "GET" | "DELETE");
        let query_room = if in_query { encoded.len() + 1 } else { 0 };
        let mut url = self.transport.url_with_room(path, query_room);
        if in_query && !encoded.is_empty() {
            url.push('?');
            url.push_str(&encoded);
        }
        let signed = {
            // The uri signed is the path as sent, base path included.
            let uri = split_url(&url).map_or(path, |t| t.path);
            let parts = SignedParts {
                method,
                uri,
                date: &date,
                content: encoded.as_bytes(),
                api_key: self.api_key,
            };
            self.config.sign_request(&parts, self.key)
        };
        let mut headers = Vec::with_capacity(4);
        if !in_query {
            headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        headers.push(("Date".into(), date.into()));
        headers.push(("Content-MD5".into(), signed.content_md5.into()));
        headers.push(("Authorization".into(), signed.authorization.into()));
        SignedRequest {
            method,
            url,
            headers,
            body: if in_query {
                Vec::new()
            } else {
                encoded.into_bytes()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use paysmith_sign::{DigestAlgorithm, OutputEncoding};

    use super::*;

    fn config(mac: MacAlgorithm) -> ContentMd5HmacConfig {
        ContentMd5HmacConfig {
            separator: Cow::Borrowed(","),
            content_digest: DigestAlgorithm::Md5,
            mac,
            output: OutputEncoding::Base64,
            authorization_prefix: Cow::Borrowed("Bitpro"),
            max_skew_seconds: 900,
        }
    }

    #[test]
    fn mac_keys_are_made_once_per_algorithm_and_never_print() {
        let (sha1, sha256) = (
            config(MacAlgorithm::HmacSha1),
            config(MacAlgorithm::HmacSha256),
        );
        let secret = Secret::new("the-secret");
        let cache = MacKeyCache::default();
        assert_eq!(format!("{cache:?}"), "MacKeyCache(<empty>)");
        let first: *const MacKey = cache.get(&sha1, &secret);
        assert_eq!(first, cache.get(&sha1, &secret) as *const MacKey);
        let other = cache.get(&sha256, &secret);
        assert_ne!(first, other as *const MacKey);
        assert_eq!(format!("{other:?}"), "MacKey(HmacSha256, <redacted>)");
        assert_eq!(format!("{cache:?}"), "MacKeyCache(<keyed>)");
    }
}
