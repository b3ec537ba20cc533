//! Builds a form-encoded request signed by the `content-md5-hmac` family.

use paysmith_sign::Secret;
use paysmith_sign::acquia_hmac::split_url;
use paysmith_sign::content_md5_hmac::{
    ContentMd5HmacConfig, SignedParts, encode_form, format_http_date,
};

use crate::request::SignedRequest;
use crate::transport::Transport;

/// What signs a request: the family's parameters, the credentials and the clock.
pub struct ContentMd5Signer<'a> {
    pub config: &'a ContentMd5HmacConfig,
    pub api_key: &'a str,
    pub secret: &'a Secret,
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
            self.config.sign_request(&parts, self.secret)
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
