//! `rsa-pkcs1v15-private-encrypt`: what Java's `Cipher.getInstance("RSA")`
//! does in `ENCRYPT_MODE` with a *private* key.
//!
//! The JDK pads the raw message bytes with a PKCS#1 v1.5 type-1 block
//! (`00 01 FF..FF 00 message`) and applies the private-key operation; no hash
//! and no DigestInfo are involved, so the "signature" can be opened with the
//! public key to recover the exact message. 1BitPay's MPC co-signer uses this
//! over the UTF-8 bytes of a compact JSON string, then standard base64.
//! Padding type 1 is deterministic, so the same key and plaintext always give
//! the same signature, byte for byte.

use std::borrow::Cow;

use rand::rngs::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde::{Deserialize, Serialize};

use crate::encoding::OutputEncoding;
use crate::error::{SignError, VerifyError};
use crate::pkcs12::ShardKey;
use crate::secret::Secret;
use crate::trace::Trace;

/// PKCS#1 v1.5 block overhead: `00 01`, at least eight `FF`, `00`.
const PADDING_OVERHEAD: usize = 11;

/// Parameters of the `rsa-pkcs1v15-private-encrypt` family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RsaPrivateEncryptConfig {
    /// Text encoding of the RSA output block; the JDK samples use `base64`.
    pub output: OutputEncoding,
    /// How the key-store password is formed from account values. `{name}` is
    /// replaced by the value of variable `name`; `{{` and `}}` are literal
    /// braces; every placeholder must be supplied. 1BitPay uses
    /// `1bitpay{merchant_no}` ("1bitpay" followed by the merchant ID).
    pub password_template: Cow<'static, str>,
}

impl RsaPrivateEncryptConfig {
    /// Fills [`password_template`](Self::password_template) from `vars`.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use paysmith_sign::{OutputEncoding, RsaPrivateEncryptConfig};
    ///
    /// let cfg = RsaPrivateEncryptConfig {
    ///     output: OutputEncoding::Base64,
    ///     password_template: Cow::Borrowed("1bitpay{merchant_no}"),
    /// };
    /// let pw = cfg.password_for(&[("merchant_no", "mer1c92b0319ef5b794")]).unwrap();
    /// assert_eq!(pw.expose(), "1bitpaymer1c92b0319ef5b794");
    /// assert!(cfg.password_for(&[]).is_err());
    /// ```
    pub fn password_for(&self, vars: &[(&str, &str)]) -> Result<Secret, SignError> {
        let template = self.password_template.as_ref();
        let fail = |problem: String| SignError::Template {
            template: template.to_owned(),
            problem,
        };
        // Measure first so the secret is written once into an exact buffer
        // and never left behind by a reallocation.
        let mut len = 0;
        fill_template(template, vars, |s| len += s.len()).map_err(fail)?;
        let mut out = Secret::new(String::with_capacity(len));
        let buf = out.buffer_mut();
        fill_template(template, vars, |s| buf.push_str(s)).map_err(fail)?;
        Ok(out)
    }

    /// Pads `plaintext` (its UTF-8 bytes) as a PKCS#1 v1.5 type-1 block and
    /// applies the private key, like the JDK's `Cipher("RSA")` in
    /// `ENCRYPT_MODE`. Stages: `plaintext`, `plaintext_bytes`, `key_bits`,
    /// `max_plaintext_bytes`, `signature`.
    pub fn sign(&self, key: &ShardKey, plaintext: &str) -> Result<Trace, SignError> {
        let message = plaintext.as_bytes();
        let max = key.size().saturating_sub(PADDING_OVERHEAD);
        if message.len() > max {
            return Err(SignError::MessageTooLong {
                len: message.len(),
                max,
                bits: key.bits(),
            });
        }
        // Blinded private operation; the padding is deterministic either way.
        let block = key
            .private_key()
            .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new_unprefixed(), message)
            .map_err(|e| SignError::Rsa(e.to_string()))?;
        let mut trace = header(plaintext, key.bits(), max);
        trace.push("signature", self.output.encode(&block));
        Ok(trace)
    }

    /// Opens `signature` with the public key and checks that it recovers
    /// exactly `plaintext`. A signature made over a different plaintext gives
    /// [`VerifyError::PlaintextMismatch`] naming what was actually signed.
    pub fn verify(
        &self,
        public: &RsaPublicKey,
        plaintext: &str,
        signature: &str,
    ) -> Result<Trace, VerifyError> {
        let block =
            self.output
                .decode(signature)
                .map_err(|problem| VerifyError::BadSignatureEncoding {
                    encoding: self.output.name(),
                    problem,
                })?;
        let recovered = open(public, &block).ok_or(VerifyError::WrongKeyOrCorrupt)?;
        if recovered != plaintext.as_bytes() {
            return Err(VerifyError::PlaintextMismatch {
                signed: String::from_utf8_lossy(&recovered).into_owned(),
                expected: plaintext.to_owned(),
            });
        }
        let bits = public.n().bits();
        let mut trace = header(plaintext, bits, public.size() - PADDING_OVERHEAD);
        trace.push("signature", signature.to_owned());
        Ok(trace)
    }
}

/// Expands `{name}` placeholders, feeding the output to `out` in pieces.
fn fill_template(
    template: &str,
    vars: &[(&str, &str)],
    mut out: impl FnMut(&str),
) -> Result<(), String> {
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out("{");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out("}");
            rest = after;
        } else if tail.starts_with('}') {
            return Err("unmatched `}` (write `}}` for a literal brace)".into());
        } else {
            let Some(end) = tail.find('}') else {
                return Err("unclosed `{` (write `{{` for a literal brace)".into());
            };
            let name = &tail[1..end];
            if name.is_empty() {
                return Err("empty placeholder `{}`".into());
            }
            let Some((_, value)) = vars.iter().find(|(k, _)| *k == name) else {
                let given: Vec<&str> = vars.iter().map(|(k, _)| *k).collect();
                let given = if given.is_empty() {
                    "none".to_owned()
                } else {
                    given.join(", ")
                };
                return Err(format!(
                    "no value for placeholder `{{{name}}}` (given: {given})"
                ));
            };
            out(value);
            rest = &tail[end + 1..];
        }
    }
    out(rest);
    Ok(())
}

fn header(plaintext: &str, bits: usize, max: usize) -> Trace {
    let mut trace = Trace::with_capacity(5);
    trace.push("plaintext", plaintext.to_owned());
    trace.push("plaintext_bytes", plaintext.len().to_string());
    trace.push("key_bits", bits.to_string());
    trace.push("max_plaintext_bytes", max.to_string());
    trace
}

/// Public-key operation plus type-1 unpadding; `None` if the block is not a
/// well-formed type-1 block under this key.
fn open(public: &RsaPublicKey, block: &[u8]) -> Option<Vec<u8>> {
    let k = public.size();
    if block.len() != k {
        return None;
    }
    let c = BigUint::from_bytes_be(block);
    if &c >= public.n() {
        return None;
    }
    let m = c.modpow(public.e(), public.n()).to_bytes_be();
    if m.len() > k {
        return None;
    }
    let mut em = vec![0u8; k - m.len()];
    em.extend_from_slice(&m);
    let body = em.strip_prefix(&[0x00, 0x01])?;
    let ff = body.iter().take_while(|&&b| b == 0xFF).count();
    if ff < 8 || body.get(ff) != Some(&0x00) {
        return None;
    }
    Some(body[ff + 1..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::RsaPrivateKey;

    fn config() -> RsaPrivateEncryptConfig {
        RsaPrivateEncryptConfig {
            output: OutputEncoding::Base64,
            password_template: "1bitpay{merchant_no}".into(),
        }
    }

    fn test_key(bits: usize) -> ShardKey {
        let key = RsaPrivateKey::new(&mut OsRng, bits).unwrap();
        ShardKey::from_private_key(key, Some("test".into()))
    }

    #[test]
    fn round_trip_and_stages() {
        let key = test_key(1024);
        let plaintext = r#"{"isMain":1}"#;
        let trace = config().sign(&key, plaintext).unwrap();
        let names: Vec<_> = trace.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "plaintext",
                "plaintext_bytes",
                "key_bits",
                "max_plaintext_bytes",
                "signature"
            ]
        );
        assert_eq!(trace.get("plaintext_bytes"), Some("12"));
        assert_eq!(trace.get("key_bits"), Some("1024"));
        assert_eq!(trace.get("max_plaintext_bytes"), Some("117"));
        // Deterministic: a second run gives the same bytes.
        assert_eq!(
            config().sign(&key, plaintext).unwrap().signature(),
            trace.signature()
        );
        let verified = config()
            .verify(&key.public_key(), plaintext, trace.signature())
            .unwrap();
        assert_eq!(verified.signature(), trace.signature());
    }

    #[test]
    fn too_long_names_both_lengths() {
        let key = test_key(1024);
        config().sign(&key, &"x".repeat(117)).unwrap();
        let err = config().sign(&key, &"x".repeat(118)).unwrap_err();
        assert!(matches!(
            err,
            SignError::MessageTooLong {
                len: 118,
                max: 117,
                bits: 1024
            }
        ));
        let text = err.to_string();
        assert!(text.contains("118") && text.contains("117"), "{text}");
    }

    #[test]
    fn verify_reports_what_was_signed() {
        let key = test_key(1024);
        let sig = config().sign(&key, r#"{"id":1}"#).unwrap();
        let err = config()
            .verify(&key.public_key(), r#"{"id": 1}"#, sig.signature())
            .unwrap_err();
        match err {
            VerifyError::PlaintextMismatch { signed, expected } => {
                assert_eq!(signed, r#"{"id":1}"#);
                assert_eq!(expected, r#"{"id": 1}"#);
            }
            other => panic!("expected PlaintextMismatch, got {other:?}"),
        }
    }

    #[test]
    fn verify_with_other_key_or_garbage() {
        let key = test_key(1024);
        let other = test_key(1024);
        let sig = config().sign(&key, "hello").unwrap();
        assert!(matches!(
            config().verify(&other.public_key(), "hello", sig.signature()),
            Err(VerifyError::WrongKeyOrCorrupt)
        ));
        assert!(matches!(
            config().verify(&key.public_key(), "hello", "not base64!"),
            Err(VerifyError::BadSignatureEncoding { .. })
        ));
        assert!(matches!(
            config().verify(&key.public_key(), "hello", "AAAA"),
            Err(VerifyError::WrongKeyOrCorrupt)
        ));
    }

    #[test]
    fn password_template_rules() {
        let cfg = config();
        let pw = cfg
            .password_for(&[("merchant_no", "mer1c92b0319ef5b794"), ("unused", "x")])
            .unwrap();
        assert_eq!(pw.expose(), "1bitpaymer1c92b0319ef5b794");

        let err = cfg.password_for(&[("merchant", "m")]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("{merchant_no}") && text.contains("merchant"),
            "{text}"
        );

        let with = |t: &'static str| RsaPrivateEncryptConfig {
            password_template: t.into(),
            ..config()
        };
        assert_eq!(
            with("{{{a}}}")
                .password_for(&[("a", "1")])
                .unwrap()
                .expose(),
            "{1}"
        );
        assert!(with("x{a").password_for(&[("a", "1")]).is_err());
        assert!(with("x}").password_for(&[]).is_err());
        assert!(with("{}").password_for(&[]).is_err());
        assert_eq!(with("plain").password_for(&[]).unwrap().expose(), "plain");
    }
}
