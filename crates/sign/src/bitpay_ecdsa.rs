//! Family `bitpay-ecdsa`: BitPay's request signing. Each request carries the
//! client's compressed public key in `X-Identity` and, in `X-Signature`, the
//! lowercase hex of a DER ECDSA (secp256k1) signature over SHA-256 of the full
//! URL followed by the exact body bytes (no body for GET and DELETE).
//!
//! Signatures are deterministic (RFC 6979) and low-S, from libsecp256k1.
//! Verification accepts high-S signatures too, normalising S first: BitPay's
//! own clients sign with random nonces and do not normalise.
//!
//! A key's SIN (see [`sin_from_public_key`]) is its identity when pairing.

mod document;
mod key;
mod sin;

use std::borrow::Cow;

use secp256k1::ecdsa::Signature;
use secp256k1::{Message, PublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub use document::{sign_document, verify_document};
pub use key::{BitpayKey, KeyError};
pub use sec1::LineEnding;
/// Re-exported so callers can name key and signature types without
/// depending on `secp256k1` themselves (and get the same version).
pub use secp256k1;
pub use sin::{SIN_PREFIX, SinError, hash160, sin_from_public_key, validate_sin};

use crate::encoding::hex_lower;
use crate::trace::Trace;

/// Parameters of the `bitpay-ecdsa` family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct BitpayEcdsaConfig {
    /// Header carrying the compressed public key in hex, e.g. `X-Identity`.
    pub identity_header: Cow<'static, str>,
    /// Header carrying the DER signature in hex, e.g. `X-Signature`.
    pub signature_header: Cow<'static, str>,
    /// Digest of `url ‖ body` that is signed.
    pub digest: EcdsaDigest,
    /// Text encoding of the DER signature.
    pub output: EcdsaOutput,
}

/// Digest of the signed message; BitPay uses a single SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EcdsaDigest {
    /// SHA-256 (32 bytes).
    Sha256,
}

/// Text encoding of the DER signature; BitPay expects lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EcdsaOutput {
    /// Lowercase hexadecimal. Verification accepts either case.
    HexLower,
}

impl Default for BitpayEcdsaConfig {
    /// BitPay's headers: `X-Identity` and `X-Signature`.
    fn default() -> Self {
        BitpayEcdsaConfig {
            identity_header: Cow::Borrowed("X-Identity"),
            signature_header: Cow::Borrowed("X-Signature"),
            digest: EcdsaDigest::Sha256,
            output: EcdsaOutput::HexLower,
        }
    }
}

/// Why a signature did not verify; malformed input is told apart from a
/// well-formed signature that is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EcdsaVerifyError {
    /// The public key text is not hex.
    #[error("public key is not hex: {0}")]
    PublicKeyNotHex(String),
    /// The bytes are not a point on secp256k1 in SEC1 form.
    #[error(
        "public key ({len} bytes) is not a secp256k1 point \
         (33 bytes compressed, or 65 uncompressed)"
    )]
    PublicKeyInvalid {
        /// Decoded length.
        len: usize,
    },
    /// The signature text is not hex.
    #[error("signature is not hex: {0}")]
    SignatureNotHex(String),
    /// The bytes are not a strict DER `SEQUENCE { r INTEGER, s INTEGER }`.
    #[error(
        "signature ({len} bytes) is not a strict DER ECDSA signature \
         (SEQUENCE of two INTEGERs)"
    )]
    MalformedDer {
        /// Decoded length.
        len: usize,
    },
    /// Well-formed, but not made by this key over this message.
    #[error(
        "signature does not verify under public key {}: made with another key or over \
         another message (message SHA-256 {})",
        trace.get("public_key").unwrap_or_default(),
        trace.get("message_sha256").unwrap_or_default()
    )]
    Invalid {
        /// What was checked: key, message, digest, signature.
        trace: Trace,
    },
}

/// Something [`verify`] accepts as the signer's public key: SEC1 hex
/// (`str`, `String`), a [`PublicKey`] or a [`BitpayKey`].
pub trait SignerPublicKey {
    /// The public key, or why the value is not one.
    fn signer_public_key(&self) -> Result<PublicKey, EcdsaVerifyError>;
}

impl SignerPublicKey for str {
    fn signer_public_key(&self) -> Result<PublicKey, EcdsaVerifyError> {
        let bytes =
            hex::decode(self).map_err(|e| EcdsaVerifyError::PublicKeyNotHex(e.to_string()))?;
        PublicKey::from_slice(&bytes)
            .map_err(|_| EcdsaVerifyError::PublicKeyInvalid { len: bytes.len() })
    }
}

impl SignerPublicKey for String {
    fn signer_public_key(&self) -> Result<PublicKey, EcdsaVerifyError> {
        self.as_str().signer_public_key()
    }
}

impl SignerPublicKey for PublicKey {
    fn signer_public_key(&self) -> Result<PublicKey, EcdsaVerifyError> {
        Ok(*self)
    }
}

impl SignerPublicKey for BitpayKey {
    fn signer_public_key(&self) -> Result<PublicKey, EcdsaVerifyError> {
        Ok(self.public_key())
    }
}

impl BitpayEcdsaConfig {
    /// Signs a request; stages `public_key`, `sin`, `message` (`url ‖ body`,
    /// lossy UTF-8), `message_sha256`, `signature` (DER hex) and `headers`
    /// (a JSON object of the two header values).
    pub fn sign(&self, key: &BitpayKey, url: &str, body: &[u8]) -> Trace {
        let digest = message_digest(url, body);
        let signature = der_hex(&sign_digest(key, digest));
        let headers = serde_json::json!({
            self.identity_header.as_ref(): key.public_key_hex(),
            self.signature_header.as_ref(): signature,
        });
        let mut trace = Trace::with_capacity(6);
        trace.push("public_key", key.public_key_hex().to_owned());
        trace.push("sin", key.sin().to_owned());
        trace.push("message", message_text(url, body));
        trace.push("message_sha256", hex_lower(&digest));
        trace.push("signature", signature);
        trace.push("headers", headers.to_string());
        trace
    }

    /// Verifies `signature_der_hex` over `url ‖ body`; see [`verify`].
    pub fn verify<K: SignerPublicKey + ?Sized>(
        &self,
        public_key: &K,
        url: &str,
        body: &[u8],
        signature_der_hex: &str,
    ) -> Result<Trace, EcdsaVerifyError> {
        let public = public_key.signer_public_key()?;
        verify_digest(
            &public,
            message_text(url, body),
            message_digest(url, body),
            signature_der_hex,
        )
    }
}

/// The `X-Signature` value over `url ‖ body` without a trace or a copy of the two:
/// what a client puts on each request.
pub fn request_signature_hex(key: &BitpayKey, url: &str, body: &[u8]) -> String {
    der_hex(&sign_digest(key, message_digest(url, body)))
}

/// Signs a request with BitPay's headers ([`BitpayEcdsaConfig::default`]).
pub fn sign_request(key: &BitpayKey, url: &str, body: impl AsRef<[u8]>) -> Trace {
    BitpayEcdsaConfig::default().sign(key, url, body.as_ref())
}

/// The `X-Signature` value for `message` (`url ‖ body`) without a trace.
pub fn signature_hex(key: &BitpayKey, message: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(message).into();
    der_hex(&sign_digest(key, digest))
}

/// Verifies a DER signature in hex over SHA-256 of `message`, accepting
/// high-S signatures. Stages `public_key`, `message`, `message_sha256`,
/// `signature` (as given, lowercased) and `signature_low_s` (what was checked).
pub fn verify<K: SignerPublicKey + ?Sized>(
    public_key: &K,
    message: &[u8],
    signature_der_hex: &str,
) -> Result<Trace, EcdsaVerifyError> {
    let public = public_key.signer_public_key()?;
    verify_digest(
        &public,
        String::from_utf8_lossy(message).into_owned(),
        Sha256::digest(message).into(),
        signature_der_hex,
    )
}

/// `true` when the DER signature's S is in the lower half of the group order,
/// as libsecp256k1 (and Bitcoin's policy) require.
pub fn is_low_s(signature_der_hex: &str) -> Result<bool, EcdsaVerifyError> {
    let signature = parse_signature(signature_der_hex)?;
    let mut normalised = signature;
    normalised.normalize_s();
    Ok(normalised == signature)
}

fn message_digest(url: &str, body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(url.as_bytes());
    hasher.update(body);
    hasher.finalize().into()
}

fn message_text(url: &str, body: &[u8]) -> String {
    let mut text = String::with_capacity(url.len() + body.len());
    text.push_str(url);
    text.push_str(&String::from_utf8_lossy(body));
    text
}

fn sign_digest(key: &BitpayKey, digest: [u8; 32]) -> Signature {
    // RFC 6979 nonce; libsecp256k1 always returns low-S.
    secp256k1::ecdsa::sign(Message::from_digest(digest), key.secret())
}

fn der_hex(signature: &Signature) -> String {
    hex_lower(&signature.serialize_der())
}

fn parse_signature(signature_der_hex: &str) -> Result<Signature, EcdsaVerifyError> {
    let der = hex::decode(signature_der_hex)
        .map_err(|e| EcdsaVerifyError::SignatureNotHex(e.to_string()))?;
    Signature::from_der(&der).map_err(|_| EcdsaVerifyError::MalformedDer { len: der.len() })
}

fn verify_digest(
    public: &PublicKey,
    message: String,
    digest: [u8; 32],
    signature_der_hex: &str,
) -> Result<Trace, EcdsaVerifyError> {
    let mut signature = parse_signature(signature_der_hex)?;
    signature.normalize_s();
    let mut trace = Trace::with_capacity(5);
    trace.push("public_key", hex_lower(&public.serialize()));
    trace.push("message", message);
    trace.push("message_sha256", hex_lower(&digest));
    trace.push("signature", signature_der_hex.to_ascii_lowercase());
    trace.push("signature_low_s", der_hex(&signature));
    // Only public values take part: nothing here needs constant time.
    match secp256k1::ecdsa::verify(&signature, Message::from_digest(digest), public) {
        Ok(()) => Ok(trace),
        Err(_) => Err(EcdsaVerifyError::Invalid { trace }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "000000000000000000000000000000000000000000056916d0f9b31dc9b637f3";
    const MESSAGE: &str = "The question of whether computers can think is like the question of whether submarines can swim.";
    const SIGNATURE: &str = "3045022100cde1302d83f8dd835d89aef803c74a119f561fbaef3eb9129e45f30de86abbf9022006ce643f5049ee1f27890467b77a6a8e11ec4661cc38cd8badf90115fbd03cef";
    // bitauth's reference signature over "baz": valid, high S.
    const REF_KEY: &str = "8295702b2273896ae085c3caebb02985cab02038251e10b6f67a14340edb51b0";
    const HIGH_S: &str = "304502206ac2ffc240d23fd218a5aa9857065b8bb09ed6c154f1d7da2b56f993bd6e1e3e022100e8dba80dea09122ab87aae82f91e23876aa6628055e24afc895405482ac97aae";

    fn key() -> BitpayKey {
        BitpayKey::from_hex(KEY_HEX).unwrap()
    }

    #[test]
    fn signature_is_the_published_deterministic_one() {
        assert_eq!(signature_hex(&key(), MESSAGE.as_bytes()), SIGNATURE);
        assert_eq!(is_low_s(SIGNATURE), Ok(true));
    }

    #[test]
    fn request_signature_is_the_traced_one_without_concatenating() {
        let (url, body) = ("https://bitpay.com/invoices", br#"{"price":1}"#);
        let traced = sign_request(&key(), url, body);
        assert_eq!(request_signature_hex(&key(), url, body), traced.signature());
        assert_ne!(
            request_signature_hex(&key(), url, b""),
            traced.signature(),
            "the body is part of the message"
        );
    }

    #[test]
    fn sign_request_stages_in_order() {
        let url = "https://bitpay.com/invoices";
        let body = r#"{"price":1}"#;
        let trace = sign_request(&key(), url, body);
        let names: Vec<_> = trace.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "public_key",
                "sin",
                "message",
                "message_sha256",
                "signature",
                "headers"
            ]
        );
        let message = format!("{url}{body}");
        assert_eq!(trace.get("message"), Some(message.as_str()));
        assert_eq!(
            trace.get("message_sha256"),
            Some(hex::encode(Sha256::digest(&message)).as_str())
        );
        assert_eq!(trace.signature(), signature_hex(&key(), message.as_bytes()));
        assert_eq!(trace.get("public_key"), Some(key().public_key_hex()));
        assert_eq!(trace.get("sin"), Some(key().sin()));
        assert!(trace.iter().all(|s| !s.secret));
        let headers: serde_json::Value =
            serde_json::from_str(trace.get("headers").unwrap()).unwrap();
        assert_eq!(
            headers,
            serde_json::json!({
                "X-Identity": key().public_key_hex(),
                "X-Signature": trace.signature(),
            })
        );
        assert!(
            trace
                .get("headers")
                .unwrap()
                .starts_with(r#"{"X-Identity":"#)
        );
    }

    #[test]
    fn empty_body_signs_the_url_alone() {
        let url = "https://bitpay.com/invoices?token=abc";
        let trace = sign_request(&key(), url, b"");
        assert_eq!(trace.get("message"), Some(url));
        assert_eq!(trace.signature(), signature_hex(&key(), url.as_bytes()));
    }

    #[test]
    fn header_names_come_from_the_config() {
        let cfg = BitpayEcdsaConfig {
            identity_header: "x-identity".into(),
            signature_header: "x-signature".into(),
            ..BitpayEcdsaConfig::default()
        };
        let trace = cfg.sign(&key(), "u", b"");
        let headers: serde_json::Value =
            serde_json::from_str(trace.get("headers").unwrap()).unwrap();
        assert!(headers.get("x-identity").is_some());
        assert!(headers.get("x-signature").is_some());
    }

    #[test]
    fn verify_accepts_high_s_and_reports_what_it_checked() {
        let signer = BitpayKey::from_hex(REF_KEY).unwrap();
        assert_eq!(is_low_s(HIGH_S), Ok(false));
        let trace = verify(signer.public_key_hex(), b"baz", HIGH_S).unwrap();
        assert_eq!(trace.get("signature"), Some(HIGH_S));
        let low = trace.get("signature_low_s").unwrap();
        assert_ne!(low, HIGH_S);
        assert_eq!(is_low_s(low), Ok(true));
        // The normalised form verifies as well, and upper-case hex is accepted.
        verify(&signer, b"baz", low).unwrap();
        verify(&signer.public_key(), b"baz", &HIGH_S.to_ascii_uppercase()).unwrap();
        verify(&signer.public_key_uncompressed_hex(), b"baz", HIGH_S).unwrap();
    }

    #[test]
    fn verify_tells_malformed_from_wrong() {
        let k = key();
        let ok = || verify(&k, MESSAGE.as_bytes(), SIGNATURE);
        assert!(ok().is_ok());

        let wrong = verify(&k, b"another message", SIGNATURE).unwrap_err();
        assert!(matches!(&wrong, EcdsaVerifyError::Invalid { trace }
            if trace.get("message") == Some("another message")));
        assert!(wrong.to_string().contains(k.public_key_hex()), "{wrong}");

        let other = BitpayKey::from_hex(REF_KEY).unwrap();
        assert!(matches!(
            verify(&other, MESSAGE.as_bytes(), SIGNATURE),
            Err(EcdsaVerifyError::Invalid { .. })
        ));

        assert!(matches!(
            verify(&k, MESSAGE.as_bytes(), "30zz"),
            Err(EcdsaVerifyError::SignatureNotHex(_))
        ));
        assert_eq!(
            verify(&k, MESSAGE.as_bytes(), "3006020101020101ff"),
            Err(EcdsaVerifyError::MalformedDer { len: 9 })
        );
        // Compact r ‖ s is not DER.
        let compact = &SIGNATURE[8..];
        assert!(matches!(
            verify(&k, MESSAGE.as_bytes(), compact),
            Err(EcdsaVerifyError::MalformedDer { .. })
        ));
        assert_eq!(
            verify(&k, MESSAGE.as_bytes(), ""),
            Err(EcdsaVerifyError::MalformedDer { len: 0 })
        );
        assert_eq!(
            is_low_s("00"),
            Err(EcdsaVerifyError::MalformedDer { len: 1 })
        );
    }

    #[test]
    fn public_key_errors() {
        assert!(matches!(
            verify("xyz", b"m", SIGNATURE),
            Err(EcdsaVerifyError::PublicKeyNotHex(_))
        ));
        assert_eq!(
            verify("02abcd", b"m", SIGNATURE),
            Err(EcdsaVerifyError::PublicKeyInvalid { len: 3 })
        );
        // Right length, but x is not on the curve.
        let off_curve = format!("02{}", "00".repeat(32));
        assert_eq!(
            verify(&off_curve, b"m", SIGNATURE),
            Err(EcdsaVerifyError::PublicKeyInvalid { len: 33 })
        );
    }

    #[test]
    fn config_verify_checks_url_and_body() {
        let cfg = BitpayEcdsaConfig::default();
        let trace = cfg.sign(&key(), "https://x/y", b"{}");
        let sig = trace.signature();
        assert!(cfg.verify(&key(), "https://x/y", b"{}", sig).is_ok());
        assert!(matches!(
            cfg.verify(&key(), "https://x/y", b"{ }", sig),
            Err(EcdsaVerifyError::Invalid { .. })
        ));
        assert!(
            cfg.verify(key().public_key_hex(), "https://x/", b"y{}", sig)
                .is_ok()
        );
    }

    #[test]
    fn config_json_shape() {
        let cfg: BitpayEcdsaConfig = serde_json::from_value(serde_json::json!({
            "identity_header": "X-Identity",
            "signature_header": "X-Signature",
            "digest": "sha256",
            "output": "hex_lower"
        }))
        .unwrap();
        assert_eq!(cfg, BitpayEcdsaConfig::default());
        let extra = serde_json::json!({
            "identity_header": "X-Identity", "signature_header": "X-Signature",
            "digest": "sha256", "output": "hex_lower", "curve": "p256"
        });
        assert!(serde_json::from_value::<BitpayEcdsaConfig>(extra).is_err());
        let md5 = serde_json::json!({
            "identity_header": "X-Identity", "signature_header": "X-Signature",
            "digest": "md5", "output": "hex_lower"
        });
        assert!(serde_json::from_value::<BitpayEcdsaConfig>(md5).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;

    fn any_key() -> impl Strategy<Value = BitpayKey> {
        any::<[u8; 32]>().prop_filter_map("zero or not below n", |b| BitpayKey::from_bytes(&b).ok())
    }

    fn any_message() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..300)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn signatures_verify_and_are_low_s_and_deterministic(
            key in any_key(),
            url in "[ -~]{0,100}",
            body in any_message(),
        ) {
            let trace = sign_request(&key, &url, &body);
            let mut message = url.clone().into_bytes();
            message.extend_from_slice(&body);
            let lean = signature_hex(&key, &message);
            prop_assert_eq!(trace.signature(), lean.as_str());
            prop_assert_eq!(signature_hex(&key, &message), lean.clone());
            prop_assert_eq!(is_low_s(&lean), Ok(true));
            prop_assert!(verify(key.public_key_hex(), &message, &lean).is_ok());
            prop_assert!(BitpayEcdsaConfig::default().verify(&key, &url, &body, &lean).is_ok());
        }

        #[test]
        fn tampering_breaks_verification(
            key in any_key(),
            message in any_message(),
            at in any::<Index>(),
            bit in 0u8..8,
        ) {
            let signature = signature_hex(&key, &message);
            let mut other = message.clone();
            if other.is_empty() {
                other.push(0);
            } else {
                other[at.index(message.len())] ^= 1 << bit;
            }
            let wrong_message = verify(&key, &other, &signature);
            let invalid = matches!(wrong_message, Err(EcdsaVerifyError::Invalid { .. }));
            prop_assert!(invalid, "{:?}", wrong_message);

            let mut der = hex::decode(&signature).unwrap();
            let i = at.index(der.len());
            der[i] ^= 1 << bit;
            prop_assert!(verify(&key, &message, &hex::encode(&der)).is_err());

            let other_key = BitpayKey::from_bytes(&Sha256::digest(key.public_key_hex()).into());
            if let Ok(other_key) = other_key {
                let wrong_key = verify(&other_key, &message, &signature);
                let invalid = matches!(wrong_key, Err(EcdsaVerifyError::Invalid { .. }));
            prop_assert!(invalid, "{:?}", wrong_key);
            }
        }

        #[test]
        fn the_high_s_twin_verifies_too(key in any_key(), message in any_message()) {
            let signature = signature_hex(&key, &message);
            let compact = Signature::from_der(&hex::decode(&signature).unwrap())
                .unwrap()
                .serialize_compact();
            // s' = n - s, by negating s as a scalar.
            let s: [u8; 32] = compact[32..].try_into().unwrap();
            let negated = secp256k1::SecretKey::from_secret_bytes(s).unwrap().negate();
            let mut twin = compact;
            twin[32..].copy_from_slice(negated.as_secret_bytes());
            let high = der_hex(&Signature::from_compact(&twin).unwrap());
            prop_assert_ne!(&high, &signature);
            prop_assert_eq!(is_low_s(&high), Ok(false));
            let trace = verify(&key, &message, &high).unwrap();
            prop_assert_eq!(trace.get("signature_low_s"), Some(signature.as_str()));
        }
    }
}

#[cfg(all(test, feature = "schema"))]
mod schema_tests {
    use super::*;

    #[test]
    fn schema_rejects_unknown_fields_and_names_the_only_choices() {
        let schema = serde_json::to_value(schemars::schema_for!(BitpayEcdsaConfig)).unwrap();
        let text = schema.to_string();
        assert!(text.contains(r#""additionalProperties":false"#), "{text}");
        assert!(text.contains("sha256"), "{text}");
        assert!(text.contains("hex_lower"), "{text}");
        assert!(text.contains("X-Identity"), "{text}");
    }
}
