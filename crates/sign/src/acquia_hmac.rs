//! Family `acquia-http-hmac`: Acquia HTTP HMAC 2.0 (HMAC-SHA256 keyed with the
//! base64-decoded secret), with its response signature.
//!
//! The string to sign is, joined by `\n` without a trailing newline: the method, the
//! lowercase host (with the port only when it is not the default), the raw path, the
//! raw query (an empty line when there is none), the `id/nonce/realm/version` line
//! (values percent-encoded), one `name:value` line per signed header (lowercased
//! names, sorted), the timestamp, and for a non-empty body the lowercased content
//! type and the base64 SHA-256 of the body. Nothing is decoded, sorted or
//! re-encoded: the bytes signed are the bytes on the wire.

use std::borrow::Cow;
use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
// A word at a time, where `subtle` hides every byte from the optimiser: a tenth of
// a server's verification time went to comparing its two base64 values.
use constant_time_eq::constant_time_eq;
use zeroize::Zeroizing;

pub use crate::target::{Target, UrlError, split_url};

use crate::encoding::{OutputEncoding, alphanumerics_and};
use crate::secret::Secret;
use crate::target::lowercase;
use crate::trace::Trace;

/// Scheme word that starts the `Authorization` header.
pub const AUTHORIZATION_SCHEME: &str = "acquia-http-hmac";
/// Header carrying the request time in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Authorization-Timestamp";
/// Header carrying the base64 SHA-256 of a non-empty body.
pub const CONTENT_SHA256_HEADER: &str = "X-Authorization-Content-SHA256";
/// Header carrying the server's signature of its response.
pub const RESPONSE_SIGNATURE_HEADER: &str = "X-Server-Authorization-HMAC-SHA256";

/// RFC 3986: everything but the unreserved characters is encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What JavaScript's `encodeURI` leaves alone (the Acquia JS library's header list).
const ENCODE_URI: &AsciiSet = &RFC3986
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'#');

/// `text` percent-encoded with [`RFC3986`].
fn pct(text: &str) -> Cow<'_, str> {
    // Ids, nonces, realms and versions are almost always unreserved already; checking
    // first skips percent_encoding's per-byte iterator, which was an eighth of the
    // time spent signing a request. The check has no early exit: no branch per byte.
    if text
        .bytes()
        .fold(true, |all, byte| all & UNRESERVED[usize::from(byte)])
    {
        Cow::Borrowed(text)
    } else {
        utf8_percent_encode(text, RFC3986).into()
    }
}

/// The bytes [`RFC3986`] leaves as they are.
const UNRESERVED: [bool; 256] = alphanumerics_and(b"-._~");

/// The `Authorization` parameters that are both signed and sent, percent-encoded once.
struct EncodedParams<'a> {
    id: Cow<'a, str>,
    nonce: Cow<'a, str>,
    realm: Cow<'a, str>,
    version: Cow<'a, str>,
}

impl<'a> EncodedParams<'a> {
    fn new(parts: &RequestParts<'a>, version: &'a str) -> Self {
        EncodedParams {
            id: pct(parts.id),
            nonce: pct(parts.nonce),
            realm: pct(parts.realm),
            version: pct(version),
        }
    }

    /// `id=…&nonce=…&realm=…&version=…`.
    fn push_to(&self, out: &mut String) {
        for (key, value) in [
            ("id=", &self.id),
            ("&nonce=", &self.nonce),
            ("&realm=", &self.realm),
            ("&version=", &self.version),
        ] {
            out.push_str(key);
            out.push_str(value);
        }
    }
}

/// Parameters of the `acquia-http-hmac` family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct AcquiaHmacConfig {
    /// Protocol version sent in `version` and signed, e.g. `2.0`.
    pub version: Cow<'static, str>,
    /// Largest accepted difference between `X-Authorization-Timestamp` and the
    /// verifier's clock (the specification says 900 seconds).
    pub max_skew_seconds: u64,
    /// How the `Authorization` header lays out its parameters. Servers accept any
    /// order; this only decides what the client sends.
    pub authorization_format: AuthorizationFormat,
}

/// Layout of the `Authorization` header's `key="value"` parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationFormat {
    /// `realm,id,nonce,version,headers,signature`, `headers=""` always present (the
    /// specification's README, the PHP and Ruby libraries, the Bitpro document).
    #[default]
    SpecOrder,
    /// Keys in alphabetical order, `headers` left out when empty (the specification's
    /// `fixtures.json`, the Go library).
    SortedOmitEmptyHeaders,
    /// `id,nonce,realm,version,headers,signature`, header names lowercased, sorted and
    /// passed through `encodeURI` (the JavaScript library).
    JsLibrary,
}

/// The HMAC key: the base64-decoded secret, kept as HMAC-SHA256's keyed state (the
/// inner and outer pads already hashed, two compressions saved on every signature)
/// and wiped on drop. The decoded bytes themselves are wiped at once.
#[derive(Clone)]
pub struct AcquiaKey {
    keyed: Hmac<Sha256>,
    len: usize,
}

impl AcquiaKey {
    /// Decodes the secret as the provider hands it out (standard base64).
    pub fn from_base64(secret: &Secret) -> Result<Self, KeyError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(secret.expose().trim())
                .map_err(|e| KeyError(e.to_string()))?,
        );
        if decoded.is_empty() {
            return Err(KeyError("the secret decodes to no bytes".into()));
        }
        Ok(AcquiaKey {
            keyed: Hmac::<Sha256>::new_from_slice(&decoded).expect("HMAC takes any key length"),
            len: decoded.len(),
        })
    }

    /// base64 HMAC-SHA256 of `message` under this key: the primitive every request and
    /// response signature is made of.
    pub fn sign(&self, message: &[u8]) -> String {
        hmac_base64(self, message)
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }
}

impl Drop for AcquiaKey {
    fn drop(&mut self) {
        // `Hmac` has no wiping of its own: overwrite the keyed state with an empty
        // key's, and let the overwrite be observed so it is not optimised away.
        self.keyed = Hmac::<Sha256>::new_from_slice(&[]).expect("HMAC takes any key length");
        std::hint::black_box(&mut self.keyed);
    }
}

impl std::fmt::Debug for AcquiaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AcquiaKey(<redacted, {} bytes>)", self.len)
    }
}

/// The secret is not standard base64.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the secret key is not valid base64: {0}")]
pub struct KeyError(String);

/// Everything a request signature covers.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// Host as sent (lowercased when signed), with a non-default port.
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// The signed headers as (name, value); order does not matter.
    pub signed_headers: &'a [(&'a str, &'a str)],
    /// The `Content-Type` value; signed only with a non-empty body.
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub id: &'a str,
    pub nonce: &'a str,
    pub realm: &'a str,
    /// Unix seconds, as sent in `X-Authorization-Timestamp`.
    pub timestamp: u64,
}

/// The header values that carry a request signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSignature {
    /// base64 SHA-256 of the body, `None` for an empty body.
    pub content_sha256: Option<String>,
    /// The `Authorization` header value, which carries the base64 HMAC-SHA256 of the
    /// string to sign as `signature`.
    pub authorization: String,
}

impl AcquiaHmacConfig {
    /// `id=…&nonce=…&realm=…&version=…`, values percent-encoded.
    pub fn auth_params(&self, parts: &RequestParts<'_>) -> String {
        let mut out = String::with_capacity(
            32 + parts.id.len() + parts.nonce.len() + parts.realm.len() + self.version.len(),
        );
        self.encode(parts).push_to(&mut out);
        out
    }

    fn encode<'a>(&'a self, parts: &RequestParts<'a>) -> EncodedParams<'a> {
        EncodedParams::new(parts, &self.version)
    }

    /// The string to sign and the body hash it ends with (if any). Written into one
    /// buffer: nothing but the (rare) signed header names is copied on the way.
    pub fn string_to_sign(&self, parts: &RequestParts<'_>) -> (String, Option<String>) {
        let content_sha256 = (!parts.body.is_empty()).then(|| content_sha256(parts.body));
        let string_to_sign =
            write_string_to_sign(parts, &self.encode(parts), content_sha256.as_deref());
        (string_to_sign, content_sha256)
    }

    /// Signs without recording stages: the signature, body hash and `Authorization`.
    pub fn sign_request(&self, parts: &RequestParts<'_>, key: &AcquiaKey) -> RequestSignature {
        let encoded = self.encode(parts);
        let content_sha256 = (!parts.body.is_empty()).then(|| content_sha256(parts.body));
        let mut signature = [0u8; 128];
        let signature = with_string_to_sign(parts, &encoded, content_sha256.as_deref(), |text| {
            hmac_base64_into(key, text.as_bytes(), &mut signature)
        });
        RequestSignature {
            authorization: self.write_authorization(parts, &encoded, signature),
            content_sha256,
        }
    }

    /// Signs; stages `content_sha256` (non-empty body only), `auth_params`,
    /// `string_to_sign`, `signature`, `authorization`.
    pub fn sign(&self, parts: &RequestParts<'_>, key: &AcquiaKey) -> Trace {
        let encoded = self.encode(parts);
        let content_sha256 = (!parts.body.is_empty()).then(|| content_sha256(parts.body));
        let string_to_sign = write_string_to_sign(parts, &encoded, content_sha256.as_deref());
        let signature = hmac_base64(key, string_to_sign.as_bytes());
        let authorization = self.write_authorization(parts, &encoded, &signature);
        let mut auth_params = String::new();
        encoded.push_to(&mut auth_params);
        let mut trace = Trace::with_capacity(5);
        if let Some(hash) = content_sha256 {
            trace.push("content_sha256", hash);
        }
        trace.push("auth_params", auth_params);
        trace.push("string_to_sign", string_to_sign);
        trace.push("signature", signature);
        trace.push("authorization", authorization);
        trace
    }

    /// The `Authorization` header value in the configured layout.
    pub fn authorization(&self, parts: &RequestParts<'_>, signature: &str) -> String {
        self.write_authorization(parts, &self.encode(parts), signature)
    }

    fn write_authorization(
        &self,
        parts: &RequestParts<'_>,
        encoded: &EncodedParams<'_>,
        signature: &str,
    ) -> String {
        let (id, nonce, realm, version) = (
            &*encoded.id,
            &*encoded.nonce,
            &*encoded.realm,
            &*encoded.version,
        );
        let headers: Cow<'_, str> = match (self.authorization_format, parts.signed_headers) {
            (_, []) => Cow::Borrowed(""),
            (AuthorizationFormat::JsLibrary, names) => {
                let mut lower: Vec<String> = names
                    .iter()
                    .map(|(name, _)| name.to_ascii_lowercase())
                    .collect();
                lower.sort();
                Cow::Owned(utf8_percent_encode(&lower.join(";"), ENCODE_URI).to_string())
            }
            (_, [(name, _)]) => pct(name),
            (_, names) => {
                let joined: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
                Cow::Owned(pct(&joined.join(";")).into_owned())
            }
        };
        let pairs: [(&str, &str); 6];
        let pairs: &[(&str, &str)] = match self.authorization_format {
            AuthorizationFormat::SpecOrder => {
                pairs = [
                    ("realm", realm),
                    ("id", id),
                    ("nonce", nonce),
                    ("version", version),
                    ("headers", &headers),
                    ("signature", signature),
                ];
                &pairs
            }
            AuthorizationFormat::SortedOmitEmptyHeaders => {
                pairs = [
                    ("headers", &headers),
                    ("id", id),
                    ("nonce", nonce),
                    ("realm", realm),
                    ("signature", signature),
                    ("version", version),
                ];
                if parts.signed_headers.is_empty() {
                    &pairs[1..]
                } else {
                    &pairs
                }
            }
            AuthorizationFormat::JsLibrary => {
                pairs = [
                    ("id", id),
                    ("nonce", nonce),
                    ("realm", realm),
                    ("version", version),
                    ("headers", &headers),
                    ("signature", signature),
                ];
                &pairs
            }
        };
        let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let mut out = String::with_capacity(AUTHORIZATION_SCHEME.len() + 1 + len);
        out.push_str(AUTHORIZATION_SCHEME);
        out.push(' ');
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(key);
            out.push_str("=\"");
            out.push_str(value);
            out.push('"');
        }
        out
    }

    /// `nonce\ntimestamp\nbody`: what the server's response signature covers.
    pub fn response_string_to_sign(nonce: &str, timestamp: u64, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(nonce.len() + 24 + body.len());
        out.extend_from_slice(nonce.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(itoa::Buffer::new().format(timestamp).as_bytes());
        out.push(b'\n');
        out.extend_from_slice(body);
        out
    }

    /// The `X-Server-Authorization-HMAC-SHA256` value a server sends with `body`.
    pub fn response_signature(key: &AcquiaKey, nonce: &str, timestamp: u64, body: &[u8]) -> String {
        hmac_base64(key, &Self::response_string_to_sign(nonce, timestamp, body))
    }

    /// Response signing; stages `response_string_to_sign`, `response_signature`.
    pub fn sign_response(key: &AcquiaKey, nonce: &str, timestamp: u64, body: &[u8]) -> Trace {
        let string = Self::response_string_to_sign(nonce, timestamp, body);
        let signature = hmac_base64(key, &string);
        let mut trace = Trace::with_capacity(2);
        trace.push(
            "response_string_to_sign",
            String::from_utf8_lossy(&string).into_owned(),
        );
        trace.push("response_signature", signature);
        trace
    }

    /// Client side: checks the server's response signature in constant time.
    pub fn verify_response(
        key: &AcquiaKey,
        nonce: &str,
        timestamp: u64,
        body: &[u8],
        received: &str,
    ) -> Result<(), ResponseSignatureError> {
        let expected = Self::response_signature(key, nonce, timestamp, body);
        if constant_time_eq(expected.as_bytes(), received.trim().as_bytes()) {
            Ok(())
        } else {
            Err(ResponseSignatureError {
                received: received.to_owned(),
            })
        }
    }

    /// Server side: checks a request as received, stage by stage: the
    /// `Authorization` header, the version and realm, the timestamp window, the
    /// body hash, the signed headers and the signature. `key_for` returns the key of
    /// a known id. The nonce is returned so the caller can refuse a replay.
    pub fn verify_request<'a, 'k>(
        &self,
        request: &ReceivedRequest<'a>,
        expected_realm: &str,
        now_seconds: u64,
        key_for: &dyn Fn(&str) -> Option<&'k AcquiaKey>,
    ) -> Result<VerifiedRequest<'a>, RequestVerifyError> {
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| *value)
        };
        let known = KnownHeaders::of(request.headers);
        let authorization = known
            .authorization
            .ok_or(RequestVerifyError::MissingHeader("Authorization"))?;
        let params = AuthorizationParams::parse(authorization)?;
        if params.version != self.version {
            return Err(RequestVerifyError::Version(params.version.into_owned()));
        }
        if params.realm != expected_realm {
            return Err(RequestVerifyError::Realm(params.realm.into_owned()));
        }
        let timestamp_text = known
            .timestamp
            .ok_or(RequestVerifyError::MissingHeader(TIMESTAMP_HEADER))?;
        let timestamp: u64 = timestamp_text
            .trim()
            .parse()
            .map_err(|_| RequestVerifyError::TimestampFormat(timestamp_text.to_owned()))?;
        let skew = now_seconds.abs_diff(timestamp);
        if skew > self.max_skew_seconds {
            return Err(RequestVerifyError::Stale {
                skew,
                max: self.max_skew_seconds,
            });
        }
        // The received hash is signed once it equals the computed one, so the computed
        // one is never turned into text.
        let content_sha256 = if request.body.is_empty() {
            None
        } else {
            let mut computed = [0u8; 128];
            let computed = base64_bytes_into(&Sha256::digest(request.body), &mut computed);
            let received = known
                .content_sha256
                .ok_or(RequestVerifyError::MissingHeader(CONTENT_SHA256_HEADER))?;
            if !constant_time_eq(computed, received.as_bytes()) {
                return Err(RequestVerifyError::ContentSha256 {
                    received: received.to_owned(),
                    computed: String::from_utf8_lossy(computed).into_owned(),
                });
            }
            Some(received)
        };
        let key = key_for(&params.id)
            .ok_or_else(|| RequestVerifyError::UnknownId(params.id.to_string()))?;
        let mut signed_headers = Vec::with_capacity(params.headers.len());
        for name in &params.headers {
            let value = header(name)
                .ok_or_else(|| RequestVerifyError::MissingSignedHeader(name.to_string()))?;
            signed_headers.push((&**name, value));
        }
        let parts = RequestParts {
            method: request.method,
            host: request.host,
            path: request.path,
            query: request.query,
            signed_headers: &signed_headers,
            content_type: known.content_type,
            body: request.body,
            id: &params.id,
            nonce: &params.nonce,
            realm: &params.realm,
            timestamp,
        };
        let mismatch = with_string_to_sign(&parts, &self.encode(&parts), content_sha256, |text| {
            let mut signature = [0u8; 128];
            let signature = hmac_base64_bytes_into(key, text.as_bytes(), &mut signature);
            let matches = constant_time_eq(signature, params.signature.as_bytes());
            (!matches).then(|| text.to_owned())
        });
        match mismatch {
            None => Ok(VerifiedRequest {
                id: params.id,
                nonce: params.nonce,
                timestamp,
            }),
            Some(string_to_sign) => Err(RequestVerifyError::Signature { string_to_sign }),
        }
    }
}

/// `digest` in base64, written into `out`: a check needs no `String`.
fn base64_into<'o>(digest: &[u8], out: &'o mut [u8; 128]) -> &'o str {
    OutputEncoding::Base64
        .encode_text_into(digest, out)
        .expect("a SHA-256 digest fits")
}

/// [`base64_into`] as bytes, for a comparison: no UTF-8 check of text known to be ASCII.
fn base64_bytes_into<'o>(digest: &[u8], out: &'o mut [u8; 128]) -> &'o [u8] {
    OutputEncoding::Base64
        .encode_into(digest, out)
        .expect("a SHA-256 digest fits")
}

/// The headers every verification reads, found in one pass over the request's
/// headers (the first of each name, as a lookup by name would find).
#[derive(Default)]
struct KnownHeaders<'r> {
    authorization: Option<&'r str>,
    timestamp: Option<&'r str>,
    content_sha256: Option<&'r str>,
    content_type: Option<&'r str>,
}

impl<'r> KnownHeaders<'r> {
    fn of(headers: &[(&str, &'r str)]) -> Self {
        let mut known = KnownHeaders::default();
        for &(name, value) in headers {
            let slot = if name.eq_ignore_ascii_case("Authorization") {
                &mut known.authorization
            } else if name.eq_ignore_ascii_case(TIMESTAMP_HEADER) {
                &mut known.timestamp
            } else if name.eq_ignore_ascii_case(CONTENT_SHA256_HEADER) {
                &mut known.content_sha256
            } else if name.eq_ignore_ascii_case("Content-Type") {
                &mut known.content_type
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        known
    }
}

/// The string to sign of `parts` whose body hashes to `content_sha256`, written into
/// one buffer: nothing but the (rare) signed header names is copied on the way.
fn write_string_to_sign(
    parts: &RequestParts<'_>,
    encoded: &EncodedParams<'_>,
    content_sha256: Option<&str>,
) -> String {
    let mut out = String::with_capacity(256 + parts.path.len() + parts.query.len());
    push_string_to_sign(&mut out, parts, encoded, content_sha256);
    out
}

thread_local! {
    /// Where a request's string to sign is written when only its MAC is kept: one
    /// buffer per thread, reused, instead of an allocation per request.
    static STRING_TO_SIGN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Calls `f` with the string to sign, written into this thread's reused buffer.
fn with_string_to_sign<T>(
    parts: &RequestParts<'_>,
    encoded: &EncodedParams<'_>,
    content_sha256: Option<&str>,
    f: impl FnOnce(&str) -> T,
) -> T {
    STRING_TO_SIGN.with_borrow_mut(|buffer| {
        buffer.clear();
        push_string_to_sign(buffer, parts, encoded, content_sha256);
        f(buffer)
    })
}

/// Appends the string to sign to `out`.
fn push_string_to_sign(
    out: &mut String,
    parts: &RequestParts<'_>,
    encoded: &EncodedParams<'_>,
    content_sha256: Option<&str>,
) {
    let mut headers: Vec<(Cow<'_, str>, &str)> = parts
        .signed_headers
        .iter()
        .map(|(name, value)| (lowercase(name), *value))
        .collect();
    headers.sort();
    push_ascii_uppercase(out, parts.method);
    out.push('\n');
    push_ascii_lowercase(out, parts.host);
    out.push('\n');
    out.push_str(parts.path);
    out.push('\n');
    out.push_str(parts.query);
    out.push('\n');
    encoded.push_to(out);
    out.push('\n');
    for (name, value) in &headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(itoa::Buffer::new().format(parts.timestamp));
    if let Some(hash) = content_sha256 {
        out.push('\n');
        let content_type = parts.content_type.unwrap_or_default();
        push_ascii_lowercase(out, content_type);
        out.push('\n');
        out.push_str(hash);
    }
}

/// base64 SHA-256 of a body, as `X-Authorization-Content-SHA256` carries it.
pub fn content_sha256(body: &[u8]) -> String {
    OutputEncoding::Base64.encode(&Sha256::digest(body))
}

/// Appends `text` with its ASCII letters in upper case.
fn push_ascii_uppercase(out: &mut String, text: &str) {
    let start = out.len();
    out.push_str(text);
    out[start..].make_ascii_uppercase();
}

/// Appends `text` with its ASCII letters in lower case.
fn push_ascii_lowercase(out: &mut String, text: &str) {
    let start = out.len();
    out.push_str(text);
    out[start..].make_ascii_lowercase();
}

fn hmac_base64(key: &AcquiaKey, message: &[u8]) -> String {
    hmac_base64_into(key, message, &mut [0u8; 128]).to_owned()
}

/// The base64 HMAC-SHA256 of `message`, written into `out`.
fn hmac_base64_into<'o>(key: &AcquiaKey, message: &[u8], out: &'o mut [u8; 128]) -> &'o str {
    base64_into(&hmac(key, message), out)
}

/// [`hmac_base64_into`] as bytes, for a comparison.
fn hmac_base64_bytes_into<'o>(key: &AcquiaKey, message: &[u8], out: &'o mut [u8; 128]) -> &'o [u8] {
    base64_bytes_into(&hmac(key, message), out)
}

fn hmac(key: &AcquiaKey, message: &[u8]) -> [u8; 32] {
    let mut mac = key.mac();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A request as a server received it.
#[derive(Clone, Copy, Debug)]
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    /// The `Host` header (with its port, if any).
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// Every header received.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// A request that verified, borrowing from its `Authorization` header (owned only
/// where percent-decoding changed a value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedRequest<'a> {
    pub id: Cow<'a, str>,
    /// Refuse a second request with the same nonce inside the window.
    pub nonce: Cow<'a, str>,
    pub timestamp: u64,
}

impl VerifiedRequest<'_> {
    /// The same, owning its values, to outlive the request.
    pub fn into_owned(self) -> VerifiedRequest<'static> {
        VerifiedRequest {
            id: Cow::Owned(self.id.into_owned()),
            nonce: Cow::Owned(self.nonce.into_owned()),
            timestamp: self.timestamp,
        }
    }
}

/// The parameters of an `Authorization: acquia-http-hmac …` header, decoded;
/// borrowed from the header unless percent-decoding changed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationParams<'a> {
    pub id: Cow<'a, str>,
    pub nonce: Cow<'a, str>,
    pub realm: Cow<'a, str>,
    pub version: Cow<'a, str>,
    /// Signed header names, in the order listed.
    pub headers: Vec<Cow<'a, str>>,
    /// As sent: base64 is never percent-encoded.
    pub signature: &'a str,
}

impl<'a> AuthorizationParams<'a> {
    /// Parses `key="value"` pairs in any order; `headers` may be absent.
    pub fn parse(header: &'a str) -> Result<Self, RequestVerifyError> {
        let format = |problem: String| RequestVerifyError::AuthorizationFormat(problem);
        let mut rest = header
            .trim_ascii()
            .strip_prefix(AUTHORIZATION_SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| format(format!("does not start with `{AUTHORIZATION_SCHEME} `")))?;
        let twice = |key: &str| format(format!("`{key}` appears twice"));
        // In `AuthorizationParams`' order; `signature` is never percent-encoded.
        let mut decoded: [Option<Cow<'a, str>>; 5] = Default::default();
        let mut signature = None;
        loop {
            let Some((key, value, after)) = next_param(rest) else {
                let pair = rest.split(',').next().unwrap_or_default().trim_ascii();
                return Err(format(format!("`{pair}` is not key=\"value\"")));
            };
            let slot = match key {
                "id" => Some(0),
                "nonce" => Some(1),
                "realm" => Some(2),
                "version" => Some(3),
                "headers" => Some(4),
                "signature" => None,
                _ => return Err(format(format!("unknown parameter `{key}`"))),
            };
            let repeated = match slot {
                None => signature.replace(value).is_some(),
                Some(slot) => {
                    let value = if memchr::memchr(b'%', value.as_bytes()).is_some() {
                        percent_encoding::percent_decode_str(value)
                            .decode_utf8()
                            .map_err(|_| format(format!("the value of `{key}` is not UTF-8")))?
                    } else {
                        Cow::Borrowed(value)
                    };
                    decoded[slot].replace(value).is_some()
                }
            };
            if repeated {
                return Err(twice(key));
            }
            let after = after.trim_ascii_start();
            if after.is_empty() {
                break;
            }
            rest = after.strip_prefix(',').ok_or_else(|| {
                let junk = after.split(',').next().unwrap_or_default();
                format(format!(
                    "the value of `{key}` is followed by `{junk}`, not `,`"
                ))
            })?;
        }
        let [id, nonce, realm, version, headers] = decoded;
        let missing = |key: &str| format(format!("`{key}` is missing"));
        Ok(AuthorizationParams {
            id: id.ok_or_else(|| missing("id"))?,
            nonce: nonce.ok_or_else(|| missing("nonce"))?,
            realm: realm.ok_or_else(|| missing("realm"))?,
            version: version.ok_or_else(|| missing("version"))?,
            headers: headers.map(split_header_list).unwrap_or_default(),
            signature: signature.ok_or_else(|| missing("signature"))?,
        })
    }
}

/// The first `key="value"` of `text` as (key, value, what follows the closing quote).
/// One pass: values are quoted and hold no quote, so the closing one is found by
/// `memchr` (the values run to 40-odd bytes), and nothing is split or trimmed twice.
fn next_param(text: &str) -> Option<(&str, &str, &str)> {
    let text = text.trim_ascii_start();
    let equals = text.bytes().position(|b| b == b'=')?;
    let quoted = text[equals + 1..].strip_prefix('"')?;
    let close = memchr::memchr(b'"', quoted.as_bytes())?;
    Some((&text[..equals], &quoted[..close], &quoted[close + 1..]))
}

/// `a;b` → `[a, b]`, borrowing when the list was.
fn split_header_list(list: Cow<'_, str>) -> Vec<Cow<'_, str>> {
    fn names(list: &str) -> impl Iterator<Item = &str> {
        list.split(';').filter(|name| !name.is_empty())
    }
    match list {
        Cow::Borrowed(list) => names(list).map(Cow::Borrowed).collect(),
        Cow::Owned(list) => names(&list)
            .map(|name| Cow::Owned(name.to_owned()))
            .collect(),
    }
}

/// Why a request did not verify; each variant names the stage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestVerifyError {
    #[error("header `{0}` is missing")]
    MissingHeader(&'static str),
    #[error("Authorization {0}")]
    AuthorizationFormat(String),
    #[error("version `{0}` is not supported")]
    Version(String),
    #[error("realm `{0}` is not this server's")]
    Realm(String),
    #[error("X-Authorization-Timestamp `{0}` is not Unix seconds")]
    TimestampFormat(String),
    #[error("the timestamp is {skew} s away from now; at most {max} s are accepted")]
    Stale { skew: u64, max: u64 },
    #[error(
        "X-Authorization-Content-SHA256 `{received}` does not match the body (computed `{computed}`)"
    )]
    ContentSha256 { received: String, computed: String },
    #[error("id `{0}` is not known")]
    UnknownId(String),
    #[error("signed header `{0}` is not in the request")]
    MissingSignedHeader(String),
    #[error("signature mismatch; the string signed here was `{string_to_sign}`")]
    Signature { string_to_sign: String },
}

/// The server's response signature does not match the response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the response signature `{received}` does not match the response body")]
pub struct ResponseSignatureError {
    pub received: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(format: AuthorizationFormat) -> AcquiaHmacConfig {
        AcquiaHmacConfig {
            version: "2.0".into(),
            max_skew_seconds: 900,
            authorization_format: format,
        }
    }

    fn key() -> AcquiaKey {
        AcquiaKey::from_base64(&Secret::new("W5PeGMxSItNerkNFqQMfYiJvH14WzVJMy54CPoTAYoI="))
            .unwrap()
    }

    fn get_parts() -> RequestParts<'static> {
        RequestParts {
            method: "GET",
            host: "example.acquiapipet.net",
            path: "/v1.0/task-status/133",
            query: "limit=10",
            signed_headers: &[],
            content_type: Some("application/json"),
            body: b"",
            id: "efdde334-fe7b-11e4-a322-1697f925ec7b",
            nonce: "d1954337-5319-4821-8427-115542e08d10",
            realm: "Pipet service",
            timestamp: 1_432_075_982,
        }
    }

    #[test]
    fn the_specification_get_example_reproduces() {
        let trace = config(AuthorizationFormat::SpecOrder).sign(&get_parts(), &key());
        assert_eq!(
            trace.get("string_to_sign"),
            Some(
                "GET\nexample.acquiapipet.net\n/v1.0/task-status/133\nlimit=10\nid=efdde334-fe7b-11e4-a322-1697f925ec7b&nonce=d1954337-5319-4821-8427-115542e08d10&realm=Pipet%20service&version=2.0\n1432075982"
            )
        );
        assert_eq!(
            trace.signature(),
            "MRlPr/Z1WQY2sMthcaEqETRMw4gPYXlPcTpaLWS2gcc="
        );
        assert_eq!(
            trace.get("content_sha256"),
            None,
            "an empty body is not hashed"
        );
        assert_eq!(
            trace.get("authorization"),
            Some(
                "acquia-http-hmac realm=\"Pipet%20service\",id=\"efdde334-fe7b-11e4-a322-1697f925ec7b\",nonce=\"d1954337-5319-4821-8427-115542e08d10\",version=\"2.0\",headers=\"\",signature=\"MRlPr/Z1WQY2sMthcaEqETRMw4gPYXlPcTpaLWS2gcc=\""
            )
        );
    }

    #[test]
    fn response_signatures_round_trip_and_detect_changes() {
        let trace = AcquiaHmacConfig::sign_response(
            &key(),
            "d1954337-5319-4821-8427-115542e08d10",
            1_432_075_982,
            b"{\"id\": 133, \"status\": \"done\"}",
        );
        assert_eq!(
            trace.get("response_signature"),
            Some("M4wYp1MKvDpQtVOnN7LVt9L8or4pKyVLhfUFVJxHemU=")
        );
        let ok = AcquiaHmacConfig::verify_response(
            &key(),
            "d1954337-5319-4821-8427-115542e08d10",
            1_432_075_982,
            b"{\"id\": 133, \"status\": \"done\"}",
            "M4wYp1MKvDpQtVOnN7LVt9L8or4pKyVLhfUFVJxHemU=",
        );
        assert!(ok.is_ok());
        let tampered = AcquiaHmacConfig::verify_response(
            &key(),
            "d1954337-5319-4821-8427-115542e08d10",
            1_432_075_982,
            b"{\"id\": 134, \"status\": \"done\"}",
            "M4wYp1MKvDpQtVOnN7LVt9L8or4pKyVLhfUFVJxHemU=",
        );
        assert!(tampered.is_err());
    }

    fn signed_post(cfg: &AcquiaHmacConfig) -> (Vec<(String, String)>, &'static [u8]) {
        let body: &[u8] = b"{\"a\":1}";
        let parts = RequestParts {
            method: "POST",
            host: "sandbox.bitit.pro",
            path: "/mapi/charges",
            query: "",
            signed_headers: &[("X-Custom", "v")],
            content_type: Some("application/json"),
            body,
            id: "merchant",
            nonce: "n-1",
            realm: "Bitpro",
            timestamp: 1_000_000,
        };
        let signed = cfg.sign_request(&parts, &key());
        let headers = vec![
            ("Authorization".into(), signed.authorization),
            (TIMESTAMP_HEADER.into(), "1000000".into()),
            (CONTENT_SHA256_HEADER.into(), signed.content_sha256.unwrap()),
            ("Content-Type".into(), "application/json".into()),
            ("x-custom".into(), "v".into()),
        ];
        (headers, body)
    }

    fn verify_with(
        cfg: &AcquiaHmacConfig,
        headers: &[(String, String)],
        body: &[u8],
        now: u64,
    ) -> Result<VerifiedRequest<'static>, RequestVerifyError> {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request = ReceivedRequest {
            method: "POST",
            host: "sandbox.bitit.pro",
            path: "/mapi/charges",
            query: "",
            headers: &headers,
            body,
        };
        let key = key();
        cfg.verify_request(&request, "Bitpro", now, &|id| {
            (id == "merchant").then_some(&key)
        })
        .map(VerifiedRequest::into_owned)
    }

    #[test]
    fn server_verification_names_the_failing_stage() {
        for format in [
            AuthorizationFormat::SpecOrder,
            AuthorizationFormat::SortedOmitEmptyHeaders,
            AuthorizationFormat::JsLibrary,
        ] {
            let cfg = config(format);
            let (headers, body) = signed_post(&cfg);
            let verified = verify_with(&cfg, &headers, body, 1_000_100).unwrap();
            assert_eq!(verified.nonce, "n-1");

            assert!(matches!(
                verify_with(&cfg, &headers, body, 1_000_901),
                Err(RequestVerifyError::Stale {
                    skew: 901,
                    max: 900
                })
            ));
            assert!(matches!(
                verify_with(&cfg, &headers, b"{\"a\":2}", 1_000_000),
                Err(RequestVerifyError::ContentSha256 { .. })
            ));
            let mut changed = headers.clone();
            changed[4].1 = "w".into();
            assert!(matches!(
                verify_with(&cfg, &changed, body, 1_000_000),
                Err(RequestVerifyError::Signature { .. })
            ));
            changed.remove(4);
            assert!(matches!(
                verify_with(&cfg, &changed, body, 1_000_000),
                Err(RequestVerifyError::MissingSignedHeader(_))
            ));
        }
    }

    #[test]
    fn authorization_parsing_rejects_malformed_headers() {
        let cases = [
            "Basic abc",
            "acquia-http-hmac id=x",
            "acquia-http-hmac id=\"x\",nonce=\"n\",realm=\"r\",version=\"2.0\"",
            "acquia-http-hmac id=\"x\",id=\"y\",nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s\"",
            "acquia-http-hmac id=\"x\",nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s\",extra=\"1\"",
            "acquia-http-hmac id=\"x\"y,nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s\"",
            "acquia-http-hmac id=\"x\",nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s\",",
            "acquia-http-hmac id=\"x\",nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s",
        ];
        for case in cases {
            assert!(
                matches!(
                    AuthorizationParams::parse(case),
                    Err(RequestVerifyError::AuthorizationFormat(_))
                ),
                "{case}"
            );
        }
        let parsed = AuthorizationParams::parse(
            "acquia-http-hmac headers=\"X-A%3BX-B\",id=\"x\",nonce=\"n\",realm=\"Pipet%20service\",signature=\"a+b/c=\",version=\"2.0\"",
        )
        .unwrap();
        assert_eq!(parsed.realm, "Pipet service");
        assert_eq!(parsed.headers, ["X-A", "X-B"]);
        assert_eq!(parsed.signature, "a+b/c=");
        let spaced = AuthorizationParams::parse(
            " acquia-http-hmac id=\"x\" , nonce=\"n\",realm=\"r\",\tversion=\"2.0\", signature=\"s\" ",
        )
        .unwrap();
        assert_eq!(
            (&*spaced.id, &*spaced.version, spaced.signature),
            ("x", "2.0", "s")
        );
        let Err(RequestVerifyError::AuthorizationFormat(problem)) = AuthorizationParams::parse(
            "acquia-http-hmac id=\"x\"y,nonce=\"n\",realm=\"r\",version=\"2.0\",signature=\"s\"",
        ) else {
            panic!("text after a closing quote must be refused");
        };
        assert_eq!(problem, "the value of `id` is followed by `y`, not `,`");
    }

    proptest::proptest! {
        /// The unreserved-text shortcut encodes exactly as percent_encoding does.
        #[test]
        fn percent_encoding_matches_the_crate(text in "[-._~a-zA-Z0-9 %/+=:@é\u{0}-\u{7f}]{0,24}") {
            proptest::prop_assert_eq!(
                pct(&text).into_owned(),
                utf8_percent_encode(&text, RFC3986).to_string()
            );
        }
    }

    #[test]
    fn every_byte_is_unreserved_exactly_when_the_set_keeps_it() {
        for byte in 0..=u8::MAX {
            let kept = byte.is_ascii()
                && utf8_percent_encode(&char::from(byte).to_string(), RFC3986)
                    .to_string()
                    .len()
                    == 1;
            assert_eq!(UNRESERVED[usize::from(byte)], kept, "byte {byte:#04x}");
        }
    }

    #[test]
    fn the_reused_buffer_signs_each_request_afresh() {
        let cfg = config(AuthorizationFormat::SpecOrder);
        let long = RequestParts {
            query: "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10",
            body: b"{\"long\":\"body\"}",
            content_type: Some("application/json"),
            ..get_parts()
        };
        for parts in [long, get_parts(), long] {
            let lean = cfg.sign_request(&parts, &key());
            let traced = cfg.sign(&parts, &key());
            assert_eq!(
                Some(lean.authorization.as_str()),
                traced.get("authorization")
            );
        }
    }

    #[test]
    fn server_verification_reports_the_string_it_signed() {
        let cfg = config(AuthorizationFormat::SpecOrder);
        let (mut headers, body) = signed_post(&cfg);
        headers[4].1 = "w".into();
        let Err(RequestVerifyError::Signature { string_to_sign }) =
            verify_with(&cfg, &headers, body, 1_000_000)
        else {
            panic!("a changed signed header must fail the signature");
        };
        assert!(
            string_to_sign.contains("\nx-custom:w\n"),
            "{string_to_sign}"
        );
        assert!(string_to_sign.starts_with("POST\nsandbox.bitit.pro\n/mapi/charges\n\n"));
    }

    #[test]
    fn keys_must_be_base64_and_never_print() {
        assert!(AcquiaKey::from_base64(&Secret::new("not base64!")).is_err());
        assert!(AcquiaKey::from_base64(&Secret::new("")).is_err());
        let shown = format!("{:?}", key());
        assert_eq!(shown, "AcquiaKey(<redacted, 32 bytes>)");
    }
}
