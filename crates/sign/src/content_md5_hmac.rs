//! Family `content-md5-hmac`: a digest of the url-encoded parameters in a
//! `Content-MD5` header, and an HMAC over `METHOD,content_md5,uri,date` in an
//! `Authorization: <prefix> <api_key>:<signature>` header (Bitpro API v1).
//!
//! The HMAC key is the secret's UTF-8 text as given, not base64-decoded: the
//! provider's worked example only reproduces that way.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::encoding::{DigestAlgorithm, Hasher, OutputEncoding, alphanumerics_and};
use crate::secret::Secret;
use crate::trace::Trace;

/// Parameters of the `content-md5-hmac` family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ContentMd5HmacConfig {
    /// Joins method, content digest, uri and date in the string to sign, e.g. `,`.
    pub separator: Cow<'static, str>,
    /// Digest of the encoded parameters carried in `Content-MD5` (base64).
    pub content_digest: DigestAlgorithm,
    /// MAC over the string to sign, keyed with the secret's UTF-8 bytes.
    pub mac: MacAlgorithm,
    /// Text encoding of the MAC.
    pub output: OutputEncoding,
    /// Scheme word of the `Authorization` header, e.g. `Bitpro`.
    pub authorization_prefix: Cow<'static, str>,
    /// Largest accepted difference between the `Date` header and the verifier's clock.
    pub max_skew_seconds: u64,
}

/// Keyed MAC algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MacAlgorithm {
    /// HMAC-SHA1 (20 bytes).
    HmacSha1,
    /// HMAC-SHA256 (32 bytes).
    HmacSha256,
}

/// The MAC key: the secret's UTF-8 bytes as the HMAC's keyed state (the pads hashed
/// once, not on every request), wiped on drop. Made by
/// [`ContentMd5HmacConfig::mac_key`], so it always matches its scheme's algorithm.
#[derive(Clone)]
pub struct MacKey(KeyedMac);

#[derive(Clone)]
enum KeyedMac {
    HmacSha1(Hmac<sha1::Sha1>),
    HmacSha256(Hmac<sha2::Sha256>),
}

impl KeyedMac {
    fn new(algorithm: MacAlgorithm, key: &[u8]) -> Self {
        match algorithm {
            MacAlgorithm::HmacSha1 => {
                KeyedMac::HmacSha1(Hmac::new_from_slice(key).expect("HMAC takes any key length"))
            }
            MacAlgorithm::HmacSha256 => {
                KeyedMac::HmacSha256(Hmac::new_from_slice(key).expect("HMAC takes any key length"))
            }
        }
    }

    fn algorithm(&self) -> MacAlgorithm {
        match self {
            KeyedMac::HmacSha1(_) => MacAlgorithm::HmacSha1,
            KeyedMac::HmacSha256(_) => MacAlgorithm::HmacSha256,
        }
    }

    /// The MAC of `message`, encoded as `output` (the MAC itself stays on the stack).
    fn encoded(&self, message: &[u8], output: OutputEncoding) -> String {
        match self {
            KeyedMac::HmacSha1(keyed) => {
                let mut mac = keyed.clone();
                mac.update(message);
                output.encode(&mac.finalize().into_bytes())
            }
            KeyedMac::HmacSha256(keyed) => {
                let mut mac = keyed.clone();
                mac.update(message);
                output.encode(&mac.finalize().into_bytes())
            }
        }
    }
}

impl Drop for MacKey {
    fn drop(&mut self) {
        // `Hmac` has no wiping of its own: overwrite the keyed state with an empty
        // key's, and let the overwrite be observed so it is not optimised away.
        self.0 = KeyedMac::new(self.0.algorithm(), &[]);
        std::hint::black_box(&mut self.0);
    }
}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MacKey({:?}, <redacted>)", self.0.algorithm())
    }
}

/// What is signed: the request as it goes on the wire.
#[derive(Clone, Copy, Debug)]
pub struct SignedParts<'a> {
    pub method: &'a str,
    /// The path as sent, without the query.
    pub uri: &'a str,
    /// The `Date` header value (RFC 1123, GMT).
    pub date: &'a str,
    /// The url-encoded parameters: the body of a POST, the query of a GET.
    pub content: &'a [u8],
    pub api_key: &'a str,
}

/// The header values that carry a request's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentMd5Signature {
    /// base64 digest of the encoded parameters.
    pub content_md5: String,
    /// `<prefix> <api_key>:<signature>`.
    pub authorization: String,
}

/// Header values a request arrived with.
#[derive(Clone, Copy, Debug)]
pub struct ReceivedHeaders<'a> {
    pub authorization: &'a str,
    pub content_md5: &'a str,
    pub date: &'a str,
}

/// Why a request did not verify; each variant names the stage.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentMd5VerifyError {
    #[error("Content-MD5 `{received}` does not match the parameters (computed `{computed}`)")]
    ContentMd5 { received: String, computed: String },
    #[error("Date `{0}` is not an RFC 1123 GMT date")]
    DateFormat(String),
    #[error("Date `{date}` is {skew} s away from now; at most {max} s are accepted")]
    Stale { date: String, skew: u64, max: u64 },
    #[error("Authorization is not `{prefix} <api_key>:<signature>`")]
    AuthorizationFormat { prefix: String },
    #[error("Authorization names api key `{0}`, which is not this merchant's")]
    UnknownKey(String),
    #[error("signature mismatch; the string signed here was `{string_to_sign}`")]
    Signature { string_to_sign: String },
}

impl ContentMd5HmacConfig {
    /// The `Content-MD5` value of the encoded parameters.
    pub fn content_md5(&self, content: &[u8]) -> String {
        let mut hasher = Hasher::new(self.content_digest);
        hasher.update(content);
        OutputEncoding::Base64.encode(hasher.finish().as_slice())
    }

    fn string_to_sign(&self, parts: &SignedParts<'_>, content_md5: &str) -> String {
        let sep = self.separator.as_ref();
        let mut out = String::with_capacity(
            parts.method.len()
                + content_md5.len()
                + parts.uri.len()
                + parts.date.len()
                + 3 * sep.len(),
        );
        out.push_str(parts.method);
        out.make_ascii_uppercase();
        for piece in [content_md5, parts.uri, parts.date] {
            out.push_str(sep);
            out.push_str(piece);
        }
        out
    }

    /// The MAC key of `secret` for this scheme; a client makes it once.
    pub fn mac_key(&self, secret: &Secret) -> MacKey {
        MacKey(KeyedMac::new(self.mac, secret.expose().as_bytes()))
    }

    /// Signs without recording stages: the two header values. `key` comes from
    /// [`ContentMd5HmacConfig::mac_key`] of this scheme.
    pub fn sign_request(&self, parts: &SignedParts<'_>, key: &MacKey) -> ContentMd5Signature {
        debug_assert_eq!(key.0.algorithm(), self.mac, "a key of another scheme");
        let content_md5 = self.content_md5(parts.content);
        let string_to_sign = self.string_to_sign(parts, &content_md5);
        let signature = key.0.encoded(string_to_sign.as_bytes(), self.output);
        ContentMd5Signature {
            authorization: self.authorization(parts.api_key, &signature),
            content_md5,
        }
    }

    /// Signs; stages `content_md5`, `string_to_sign`, `signature`, `authorization`.
    pub fn sign(&self, parts: &SignedParts<'_>, secret: &Secret) -> Trace {
        let content_md5 = self.content_md5(parts.content);
        let string_to_sign = self.string_to_sign(parts, &content_md5);
        // A one-off key, not a `MacKey`, whose wipe on drop costs two compressions.
        let signature = KeyedMac::new(self.mac, secret.expose().as_bytes())
            .encoded(string_to_sign.as_bytes(), self.output);
        let authorization = self.authorization(parts.api_key, &signature);
        let mut trace = Trace::with_capacity(4);
        trace.push("content_md5", content_md5);
        trace.push("string_to_sign", string_to_sign);
        trace.push("signature", signature);
        trace.push("authorization", authorization);
        trace
    }

    /// `<prefix> <api_key>:<signature>`.
    fn authorization(&self, api_key: &str, signature: &str) -> String {
        [
            self.authorization_prefix.as_ref(),
            " ",
            api_key,
            ":",
            signature,
        ]
        .concat()
    }

    /// Server side: checks the content digest, the date window, the key and the
    /// signature, in that order, against `now`.
    pub fn verify(
        &self,
        parts: &SignedParts<'_>,
        received: &ReceivedHeaders<'_>,
        secret: &Secret,
        now: SystemTime,
    ) -> Result<Trace, ContentMd5VerifyError> {
        let computed = self.content_md5(parts.content);
        if !bool::from(computed.as_bytes().ct_eq(received.content_md5.as_bytes())) {
            return Err(ContentMd5VerifyError::ContentMd5 {
                received: received.content_md5.to_owned(),
                computed,
            });
        }
        let date = httpdate::parse_http_date(received.date)
            .map_err(|_| ContentMd5VerifyError::DateFormat(received.date.to_owned()))?;
        let skew = match now.duration_since(date) {
            Ok(behind) => behind,
            Err(ahead) => ahead.duration(),
        }
        .as_secs();
        if skew > self.max_skew_seconds {
            return Err(ContentMd5VerifyError::Stale {
                date: received.date.to_owned(),
                skew,
                max: self.max_skew_seconds,
            });
        }
        let format_error = || ContentMd5VerifyError::AuthorizationFormat {
            prefix: self.authorization_prefix.to_string(),
        };
        let credentials = received
            .authorization
            .strip_prefix(self.authorization_prefix.as_ref())
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(format_error)?;
        let (api_key, signature) = credentials.rsplit_once(':').ok_or_else(format_error)?;
        if api_key != parts.api_key {
            return Err(ContentMd5VerifyError::UnknownKey(api_key.to_owned()));
        }
        let signed = SignedParts {
            date: received.date,
            ..*parts
        };
        let trace = self.sign(&signed, secret);
        if bool::from(trace.signature().as_bytes().ct_eq(signature.as_bytes())) {
            Ok(trace)
        } else {
            Err(ContentMd5VerifyError::Signature {
                string_to_sign: trace.get("string_to_sign").unwrap_or_default().to_owned(),
            })
        }
    }
}

/// `application/x-www-form-urlencoded`, pairs in the given order: alphanumerics and
/// `*-._` kept, space as `+`, every other byte as `%XX` (what Ruby's
/// `URI.encode_www_form` produces).
pub fn encode_form<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::with_capacity(form_len_hint(pairs));
    push_form(&mut out, pairs);
    out
}

/// The length of [`encode_form`]'s output when nothing needs escaping.
pub fn form_len_hint<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> usize {
    pairs
        .iter()
        .map(|(key, value)| key.as_ref().len() + value.as_ref().len() + 2)
        .sum()
}

/// Appends [`encode_form`]'s encoding of `pairs` to `out`.
pub fn push_form<K: AsRef<str>, V: AsRef<str>>(out: &mut String, pairs: &[(K, V)]) {
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        encode_component(key.as_ref(), out);
        out.push('=');
        encode_component(value.as_ref(), out);
    }
}

fn encode_component(text: &str, out: &mut String) {
    // Runs of bytes kept as they are are copied whole, not pushed one by one.
    let mut kept_from = 0;
    for (index, byte) in text.bytes().enumerate() {
        if FORM_SAFE[usize::from(byte)] {
            continue;
        }
        // A run is ASCII and ends before ASCII or a character's first byte, so both of
        // its ends are character boundaries; an empty one may not be.
        if kept_from < index {
            out.push_str(&text[kept_from..index]);
        }
        kept_from = index + 1;
        if byte == b' ' {
            out.push('+');
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    if kept_from < text.len() {
        out.push_str(&text[kept_from..]);
    }
}

/// The bytes a form value keeps as they are.
const FORM_SAFE: [bool; 256] = alphanumerics_and(b"*-._");

/// An RFC 1123 GMT date, as the `Date` header carries it.
pub fn format_http_date(unix_seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding byte by byte, as the form encoding is defined.
    fn encode_component_bytewise(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(byte))
                }
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn runs_encode_as_each_byte_would(text in "[a-z0-9 *._~&=%+é€\u{0}-\u{7f}]{0,24}") {
            let mut out = String::new();
            encode_component(&text, &mut out);
            proptest::prop_assert_eq!(out, encode_component_bytewise(&text));
        }
    }

    pub(crate) fn bitpro() -> ContentMd5HmacConfig {
        ContentMd5HmacConfig {
            separator: ",".into(),
            content_digest: DigestAlgorithm::Md5,
            mac: MacAlgorithm::HmacSha1,
            output: OutputEncoding::Base64,
            authorization_prefix: "Bitpro".into(),
            max_skew_seconds: 900,
        }
    }

    const SECRET: &str =
        "TkLPjz2dzzyoMZdkJqM1qLusyTizYPl0IeX7vHi+17+mlYEjyfnLIgqopAQ8Bnk2QnwcSYa4VuXY384EnGi3tA==";
    const DATE: &str = "Mon, 10 Apr 2017 04:43:12 GMT";
    const URI: &str = "/api/v1/clients/BT-C962387/withdrawal";

    fn parts(content: &[u8]) -> SignedParts<'_> {
        SignedParts {
            method: "POST",
            uri: URI,
            date: DATE,
            content,
            api_key: "M3175465",
        }
    }

    #[test]
    fn the_documented_example_reproduces_byte_for_byte() {
        let params = encode_form(&[
            ("address", "2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr"),
            ("amount", "0.12"),
        ]);
        assert_eq!(
            params,
            "address=2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr&amount=0.12"
        );
        let trace = bitpro().sign(&parts(params.as_bytes()), &Secret::new(SECRET));
        assert_eq!(trace.get("content_md5"), Some("FBgiRcA+lHYYgLkAc2JX5g=="));
        assert_eq!(
            trace.get("string_to_sign"),
            Some(
                "POST,FBgiRcA+lHYYgLkAc2JX5g==,/api/v1/clients/BT-C962387/withdrawal,Mon, 10 Apr 2017 04:43:12 GMT"
            )
        );
        assert_eq!(trace.signature(), "W81e6C9NeGYqau1RWhyGtw8YfoY=");
        assert_eq!(
            trace.get("authorization"),
            Some("Bitpro M3175465:W81e6C9NeGYqau1RWhyGtw8YfoY=")
        );
    }

    #[test]
    fn empty_content_digests_the_empty_string() {
        assert_eq!(bitpro().content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }

    #[test]
    fn form_encoding_matches_www_form() {
        assert_eq!(
            encode_form(&[("a b", "x&y=z"), ("e", "é~*")]),
            "a+b=x%26y%3Dz&e=%C3%A9%7E*"
        );
    }

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(format_http_date(1_491_799_392), DATE);
    }

    fn received<'a>(trace: &'a Trace) -> ReceivedHeaders<'a> {
        ReceivedHeaders {
            authorization: trace.get("authorization").unwrap(),
            content_md5: trace.get("content_md5").unwrap(),
            date: DATE,
        }
    }

    #[test]
    fn verification_names_the_failing_stage() {
        let config = bitpro();
        let secret = Secret::new(SECRET);
        let body = b"address=x&amount=1";
        let now = UNIX_EPOCH + Duration::from_secs(1_491_799_392 + 60);
        let trace = config.sign(&parts(body), &secret);
        assert!(
            config
                .verify(&parts(body), &received(&trace), &secret, now)
                .is_ok()
        );

        let other_body = config.verify(
            &parts(b"address=x&amount=2"),
            &received(&trace),
            &secret,
            now,
        );
        assert!(matches!(
            other_body,
            Err(ContentMd5VerifyError::ContentMd5 { .. })
        ));

        let late = UNIX_EPOCH + Duration::from_secs(1_491_799_392 + 901);
        assert!(matches!(
            config.verify(&parts(body), &received(&trace), &secret, late),
            Err(ContentMd5VerifyError::Stale { skew: 901, .. })
        ));

        let wrong_secret = config.verify(&parts(body), &received(&trace), &Secret::new("x"), now);
        assert!(matches!(
            wrong_secret,
            Err(ContentMd5VerifyError::Signature { .. })
        ));

        let mut headers = received(&trace);
        headers.authorization = "Basic abc";
        assert!(matches!(
            config.verify(&parts(body), &headers, &secret, now),
            Err(ContentMd5VerifyError::AuthorizationFormat { .. })
        ));
        headers.date = "yesterday";
        headers.authorization = trace.get("authorization").unwrap();
        assert!(matches!(
            config.verify(&parts(body), &headers, &secret, now),
            Err(ContentMd5VerifyError::DateFormat(_))
        ));
    }
}
