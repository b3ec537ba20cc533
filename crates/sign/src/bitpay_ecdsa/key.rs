//! The client's secp256k1 key: loading, storing and its public identity.

use std::fmt;

use rand::RngCore as _;
use rand::rngs::OsRng;
use sec1::der::asn1::ObjectIdentifier;
use sec1::der::pem::{self, LineEnding};
use sec1::der::{Decode as _, SecretDocument};
use sec1::{EcParameters, EcPrivateKey};
use secp256k1::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use super::sin::sin_from_public_key;
use crate::encoding::hex_lower;

/// `secp256k1` (SEC 2), the only curve BitPay accepts.
const SECP256K1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const PRIVATE_KEY_LABEL: &str = "EC PRIVATE KEY";
const PARAMETERS_LABEL: &str = "EC PARAMETERS";

/// A BitPay client key: a secp256k1 secret key with its compressed public key
/// (sent as `X-Identity`) and SIN precomputed.
///
/// The secret is erased on drop; `Debug` shows only the public identity and
/// there is no `Display` or `Serialize`: write the key out on purpose with
/// [`BitpayKey::to_sec1_pem`] or [`BitpayKey::to_hex`].
#[derive(Clone)]
pub struct BitpayKey {
    secret: SecretKey,
    public: PublicKey,
    public_hex: String,
    sin: String,
}

/// Why a private key could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Hex text of the wrong length (a key is 32 bytes, 64 hex digits).
    #[error("private key hex is {len} characters; expected 64 (32 bytes)")]
    HexLength {
        /// Characters given.
        len: usize,
    },
    /// Not hexadecimal. The offending character is not echoed: it is key material.
    #[error("private key hex has a non-hex character at byte {index}")]
    NotHex {
        /// Byte offset of the first bad digit.
        index: usize,
    },
    /// Zero, or not below the group order `n`: no secp256k1 key has this value.
    #[error("private key is zero or not below the secp256k1 group order")]
    OutOfRange,
    /// No `-----BEGIN EC PRIVATE KEY-----` block.
    #[error(
        "no `-----BEGIN EC PRIVATE KEY-----` block found{found}; \
         a PKCS#8 key converts with `openssl ec -in key.pem`"
    )]
    NotSec1Pem {
        /// The label of another PEM block if there is one, else empty.
        found: String,
    },
    /// Text before the key block that is not an `EC PARAMETERS` block.
    #[error("unexpected text before the EC PRIVATE KEY block: {0}")]
    Preamble(String),
    /// The PEM armour or its base64 is broken.
    #[error("{label} PEM is malformed: {problem}")]
    Pem {
        /// Which block.
        label: &'static str,
        /// What the PEM decoder reported.
        problem: String,
    },
    /// The decoded bytes are not a SEC1 `ECPrivateKey`.
    #[error("EC PRIVATE KEY is not a SEC1 ECPrivateKey structure: {0}")]
    Sec1(String),
    /// The key (or the `EC PARAMETERS` block) names another curve.
    #[error("key is on curve {0}, not secp256k1 (1.3.132.0.10)")]
    WrongCurve(String),
    /// The private key octet string is longer than 32 bytes.
    #[error("SEC1 private key is {0} bytes; a secp256k1 key has 32")]
    Sec1KeyLength(usize),
    /// The public key stored beside the private key does not belong to it.
    #[error("the public key stored in the PEM does not belong to its private key")]
    PublicKeyMismatch,
}

impl BitpayKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        loop {
            OsRng.fill_bytes(bytes.as_mut());
            // Fails only for values >= n (probability about 2^-128) or zero.
            if let Ok(secret) = SecretKey::from_secret_bytes(*bytes) {
                return Self::from_secret(secret);
            }
        }
    }

    /// A key from 64 hex digits (either case), as BitPay's libraries print it.
    pub fn from_hex(hex_text: &str) -> Result<Self, KeyError> {
        if hex_text.len() != 64 {
            return Err(KeyError::HexLength {
                len: hex_text.chars().count(),
            });
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_text, bytes.as_mut()).map_err(|e| match e {
            hex::FromHexError::InvalidHexCharacter { index, .. } => KeyError::NotHex { index },
            // Not reached: 64 bytes of text fill 32 bytes exactly.
            _ => KeyError::HexLength {
                len: hex_text.chars().count(),
            },
        })?;
        Self::from_bytes(&bytes)
    }

    /// A key from 32 big-endian bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        SecretKey::from_secret_bytes(*bytes)
            .map(Self::from_secret)
            .map_err(|_| KeyError::OutOfRange)
    }

    /// A key from a SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`), as
    /// `openssl ecparam -name secp256k1 -genkey` and BitPay's libraries write
    /// it. A leading `EC PARAMETERS` block (openssl's default output) is
    /// accepted when it names secp256k1; line ends may be LF or CRLF.
    pub fn from_sec1_pem(pem_text: &str) -> Result<Self, KeyError> {
        let begin = format!("-----BEGIN {PRIVATE_KEY_LABEL}-----");
        let Some(start) = pem_text.find(&begin) else {
            return Err(KeyError::NotSec1Pem {
                found: found_label(pem_text),
            });
        };
        check_preamble(&pem_text[..start])?;
        let block = pem_text[start..].trim_end();
        let der = decode_pem(block, PRIVATE_KEY_LABEL)?;
        let parsed = EcPrivateKey::from_der(&der).map_err(|e| KeyError::Sec1(e.to_string()))?;
        if let Some(EcParameters::NamedCurve(oid)) = parsed.parameters {
            check_curve(oid)?;
        }
        let scalar = parsed.private_key;
        if scalar.len() > 32 {
            return Err(KeyError::Sec1KeyLength(scalar.len()));
        }
        // Some encoders drop leading zero bytes of the scalar.
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes[32 - scalar.len()..].copy_from_slice(scalar);
        let key = Self::from_bytes(&bytes)?;
        if let Some(stored) = parsed.public_key {
            match PublicKey::from_slice(stored) {
                Ok(stored) if stored == key.public => {}
                _ => return Err(KeyError::PublicKeyMismatch),
            }
        }
        Ok(key)
    }

    /// SEC1 PEM with LF line ends and a final newline, as openssl writes it:
    /// the secp256k1 curve name and the uncompressed public key included.
    pub fn to_sec1_pem(&self) -> Zeroizing<String> {
        self.to_sec1_pem_with(LineEnding::LF)
    }

    /// [`BitpayKey::to_sec1_pem`] with the given line ends (each line,
    /// the last included, ends with one).
    pub fn to_sec1_pem_with(&self, line_ending: LineEnding) -> Zeroizing<String> {
        let public = self.public.serialize_uncompressed();
        let structure = EcPrivateKey {
            private_key: self.secret.as_secret_bytes(),
            parameters: Some(EcParameters::NamedCurve(SECP256K1_OID)),
            public_key: Some(&public),
        };
        // A fixed-size structure of valid parts: encoding cannot fail.
        SecretDocument::encode_msg(&structure)
            .and_then(|doc| doc.to_pem(PRIVATE_KEY_LABEL, line_ending))
            .expect("a 32-byte key, a known OID and a 65-byte point always encode")
    }

    /// The secret as 64 lowercase hex digits.
    pub fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        // Built in place so no unwiped copy is left behind.
        let mut out = Zeroizing::new(String::with_capacity(64));
        for &b in self.secret.as_secret_bytes() {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The compressed public key (33 bytes) in lowercase hex: the `X-Identity` value.
    pub fn public_key_hex(&self) -> &str {
        &self.public_hex
    }

    /// The uncompressed public key (`04 ‖ x ‖ y`, 65 bytes) in lowercase hex.
    pub fn public_key_uncompressed_hex(&self) -> String {
        hex_lower(&self.public.serialize_uncompressed())
    }

    /// The key's SIN, e.g. `Tf3yr5tYvccKNVrE26BrPs6LWZRh8woHwjR`.
    pub fn sin(&self) -> &str {
        &self.sin
    }

    pub(crate) fn secret(&self) -> &SecretKey {
        &self.secret
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = PublicKey::from_secret_key(&secret);
        BitpayKey {
            secret,
            public,
            public_hex: hex_lower(&public.serialize()),
            sin: sin_from_public_key(&public),
        }
    }
}

impl Drop for BitpayKey {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl fmt::Debug for BitpayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BitpayKey")
            .field("public_key", &self.public_hex)
            .field("sin", &self.sin)
            .finish_non_exhaustive()
    }
}

/// Decodes one PEM block into a buffer that is wiped on drop. Any base64
/// line width is accepted: some BitPay libraries do not wrap at 64.
fn decode_pem(block: &str, label: &'static str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let broken = |e: pem::Error| KeyError::Pem {
        label,
        problem: e.to_string(),
    };
    let mut decoder = pem::Decoder::new_detect_wrap(block.as_bytes()).map_err(broken)?;
    if decoder.type_label() != label {
        return Err(KeyError::NotSec1Pem {
            found: format!(" (found `{}`)", decoder.type_label()),
        });
    }
    let mut buf = Zeroizing::new(vec![0u8; decoder.remaining_len()]);
    decoder.decode(&mut buf).map_err(broken)?;
    if !decoder.is_finished() {
        return Err(KeyError::Pem {
            label,
            problem: "base64 continues past its decoded length".into(),
        });
    }
    Ok(buf)
}

/// Allows nothing before the key but whitespace or one `EC PARAMETERS`
/// block, which must name secp256k1.
fn check_preamble(before: &str) -> Result<(), KeyError> {
    let before = before.trim();
    if before.is_empty() {
        return Ok(());
    }
    if !before.starts_with(&format!("-----BEGIN {PARAMETERS_LABEL}-----")) {
        let mut shown: String = before.chars().take(40).collect();
        if shown.len() < before.len() {
            shown.push('…');
        }
        return Err(KeyError::Preamble(shown));
    }
    let der = decode_pem(before, PARAMETERS_LABEL)?;
    let oid = ObjectIdentifier::from_der(&der).map_err(|e| KeyError::Pem {
        label: PARAMETERS_LABEL,
        problem: format!("not a named curve: {e}"),
    })?;
    check_curve(oid)
}

fn check_curve(oid: ObjectIdentifier) -> Result<(), KeyError> {
    if oid == SECP256K1_OID {
        return Ok(());
    }
    let name = match oid.to_string().as_str() {
        "1.2.840.10045.3.1.7" => "P-256 (prime256v1, 1.2.840.10045.3.1.7)".to_owned(),
        "1.3.132.0.34" => "P-384 (secp384r1, 1.3.132.0.34)".to_owned(),
        "1.3.132.0.35" => "P-521 (secp521r1, 1.3.132.0.35)".to_owned(),
        other => other.to_owned(),
    };
    Err(KeyError::WrongCurve(name))
}

/// ` (found `LABEL`)` when the text holds some other PEM block.
fn found_label(text: &str) -> String {
    let Some(rest) = text.split("-----BEGIN ").nth(1) else {
        return String::new();
    };
    match rest.split_once("-----") {
        Some((label, _)) if label.len() <= 40 => format!(" (found `{label}`)"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "283b13834de77624696b80c29a2a8df0287e3cca23b26ad5fe77d9d5fed0ee90";
    const PEM: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHQCAQEEICg7E4NN53YkaWuAwpoqjfAofjzKI7Jq1f532dX+0O6QoAcGBSuBBAAK\n\
        oUQDQgAEjZcNa6Kdz6GQwXcUD9iJ+t1tJZCx7hpqBuJV2/IrQBfue8jh8H7Q/4vX\n\
        fAArmNMaGotTpjdnymWlMfszzXJhlw==\n\
        -----END EC PRIVATE KEY-----\n";
    // `openssl ecparam -name secp256k1 -genkey`, both blocks as written.
    const OPENSSL_PARAMS: &str =
        "-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n";
    const OPENSSL_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHQCAQEEIKvRd3Bgw0IyT6wXTyZ3wveFZXnt7LMJIkTFVdvwFY5voAcGBSuBBAAK\n\
        oUQDQgAEVfnnHZqfRLuyk3hrmS2yyhDEW94d137MQCOTh5B1nGNGcYsuVmLhUo/g\n\
        3iVbWtlB/wqRF1MOy+GTW6SwUfcQgw==\n\
        -----END EC PRIVATE KEY-----\n";
    // `openssl ecparam -name prime256v1 -genkey`, both blocks as written.
    const P256_PARAMS: &str =
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
    const P256_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIJwHWJ/zKdJwIqll8bE9DhtDzYAYEB7sVmkx65Nm+z5joAoGCCqGSM49\n\
        AwEHoUQDQgAERbCJRsvCBW6QQ2BV8xNJ+E2zEEIi7mxnw22+CaWzDeljcL93HN4G\n\
        3WRwKJbwP8RMwkXlg4WCQrEXh0RpHRgEeQ==\n\
        -----END EC PRIVATE KEY-----\n";

    #[test]
    fn hex_round_trip_and_identity() {
        let key = BitpayKey::from_hex(HEX).unwrap();
        assert_eq!(key.to_hex().as_str(), HEX);
        assert_eq!(
            key.public_key_hex(),
            "038d970d6ba29dcfa190c177140fd889fadd6d2590b1ee1a6a06e255dbf22b4017"
        );
        assert_eq!(key.sin(), "TeyN4LPrXiG5t2yuSamKqP3ynVk3F52iHrX");
        assert!(key.public_key_uncompressed_hex().starts_with("048d970d"));
        assert_eq!(key.public_key().serialize(), {
            let mut c = [0u8; 33];
            hex::decode_to_slice(key.public_key_hex(), &mut c).unwrap();
            c
        });
        let upper = BitpayKey::from_hex(&HEX.to_ascii_uppercase()).unwrap();
        assert_eq!(upper.sin(), key.sin());
    }

    #[test]
    fn hex_errors() {
        assert_eq!(
            BitpayKey::from_hex("abc").unwrap_err(),
            KeyError::HexLength { len: 3 }
        );
        let bad = format!("{}zz", &HEX[..62]);
        assert_eq!(
            BitpayKey::from_hex(&bad).unwrap_err(),
            KeyError::NotHex { index: 62 }
        );
        assert!(!KeyError::NotHex { index: 62 }.to_string().contains('z'));
        assert_eq!(
            BitpayKey::from_hex(&"0".repeat(64)).unwrap_err(),
            KeyError::OutOfRange
        );
        // The group order n itself.
        let n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        assert_eq!(BitpayKey::from_hex(n).unwrap_err(), KeyError::OutOfRange);
        // n - 1 is the largest valid key.
        let n_minus_1 = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140";
        assert!(BitpayKey::from_hex(n_minus_1).is_ok());
        // 62 ASCII digits and one two-byte character: 64 bytes, 63 characters.
        let wide = format!("{}é", &HEX[..62]);
        assert_eq!(
            BitpayKey::from_hex(&wide).unwrap_err(),
            KeyError::NotHex { index: 62 }
        );
    }

    #[test]
    fn pem_round_trip() {
        let key = BitpayKey::from_sec1_pem(PEM).unwrap();
        assert_eq!(key.to_hex().as_str(), HEX);
        assert_eq!(key.to_sec1_pem().as_str(), PEM);
        let crlf = key.to_sec1_pem_with(LineEnding::CRLF);
        assert_eq!(crlf.as_str(), PEM.replace('\n', "\r\n"));
        let again = BitpayKey::from_sec1_pem(&crlf).unwrap();
        assert_eq!(again.sin(), key.sin());
        // Without the final line end, as PHP writes it.
        let bare = BitpayKey::from_sec1_pem(PEM.trim_end()).unwrap();
        assert_eq!(bare.sin(), key.sin());
    }

    #[test]
    fn any_base64_line_width_is_read() {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let wide = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            lines.join("\n")
        );
        assert_eq!(
            BitpayKey::from_sec1_pem(&wide).unwrap().to_hex().as_str(),
            HEX
        );
    }

    #[test]
    fn generated_keys_round_trip() {
        let key = BitpayKey::generate();
        let other = BitpayKey::generate();
        assert_ne!(key.sin(), other.sin());
        let back = BitpayKey::from_sec1_pem(&key.to_sec1_pem()).unwrap();
        assert_eq!(back.public_key_hex(), key.public_key_hex());
        let back = BitpayKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(back.sin(), key.sin());
        assert!(key.sin().starts_with('T'));
    }

    #[test]
    fn openssl_parameters_block_is_accepted_for_secp256k1_only() {
        let key = BitpayKey::from_sec1_pem(&format!("{OPENSSL_PARAMS}{OPENSSL_KEY}")).unwrap();
        // Written back exactly as openssl wrote the key block.
        assert_eq!(key.to_sec1_pem().as_str(), OPENSSL_KEY);
        let wrong = BitpayKey::from_sec1_pem(&format!("{P256_PARAMS}{PEM}")).unwrap_err();
        assert!(matches!(&wrong, KeyError::WrongCurve(name) if name.starts_with("P-256")));
    }

    #[test]
    fn a_key_on_another_curve_is_rejected() {
        let e = BitpayKey::from_sec1_pem(&format!("{P256_PARAMS}{P256_KEY}")).unwrap_err();
        assert!(matches!(&e, KeyError::WrongCurve(_)), "{e:?}");
        let e = BitpayKey::from_sec1_pem(P256_KEY).unwrap_err();
        assert_eq!(
            e.to_string(),
            "key is on curve P-256 (prime256v1, 1.2.840.10045.3.1.7), not secp256k1 (1.3.132.0.10)"
        );
    }

    #[test]
    fn pem_errors_name_the_problem() {
        let e = BitpayKey::from_sec1_pem("hello").unwrap_err();
        assert_eq!(
            e,
            KeyError::NotSec1Pem {
                found: String::new()
            }
        );
        let pkcs8 = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let e = BitpayKey::from_sec1_pem(pkcs8).unwrap_err();
        assert!(e.to_string().contains("(found `PRIVATE KEY`)"), "{e}");
        assert!(e.to_string().contains("openssl ec"), "{e}");

        let e = BitpayKey::from_sec1_pem(&format!("junk\n{PEM}")).unwrap_err();
        assert_eq!(e, KeyError::Preamble("junk".into()));

        let broken = PEM.replace("MHQC", "MH*C");
        assert!(matches!(
            BitpayKey::from_sec1_pem(&broken),
            Err(KeyError::Pem {
                label: "EC PRIVATE KEY",
                ..
            })
        ));

        // Valid base64 and PEM, but not an ECPrivateKey.
        let not_sec1 =
            "-----BEGIN EC PRIVATE KEY-----\nBgUrgQQACg==\n-----END EC PRIVATE KEY-----\n";
        assert!(matches!(
            BitpayKey::from_sec1_pem(not_sec1),
            Err(KeyError::Sec1(_))
        ));
    }

    #[test]
    fn stored_public_key_must_match() {
        let key = BitpayKey::from_hex(HEX).unwrap();
        let other = BitpayKey::generate();
        let public = other.public.serialize_uncompressed();
        let doc = SecretDocument::encode_msg(&EcPrivateKey {
            private_key: key.secret.as_secret_bytes(),
            parameters: Some(EcParameters::NamedCurve(SECP256K1_OID)),
            public_key: Some(&public),
        })
        .unwrap();
        let pem = doc.to_pem(PRIVATE_KEY_LABEL, LineEnding::LF).unwrap();
        assert_eq!(
            BitpayKey::from_sec1_pem(&pem).unwrap_err(),
            KeyError::PublicKeyMismatch
        );
    }

    #[test]
    fn short_scalars_are_left_padded_and_long_ones_rejected() {
        let key = BitpayKey::from_hex(HEX).unwrap();
        let encode = |scalar: &[u8]| {
            let doc = SecretDocument::encode_msg(&EcPrivateKey {
                private_key: scalar,
                parameters: Some(EcParameters::NamedCurve(SECP256K1_OID)),
                public_key: None,
            })
            .unwrap();
            doc.to_pem(PRIVATE_KEY_LABEL, LineEnding::LF).unwrap()
        };
        let mut small = [0u8; 32];
        small[31] = 7;
        let padded = BitpayKey::from_sec1_pem(&encode(&small[29..])).unwrap();
        assert_eq!(padded.to_hex().as_str(), format!("{}07", "0".repeat(62)));
        let mut long = vec![0u8];
        long.extend_from_slice(key.secret.as_secret_bytes());
        assert_eq!(
            BitpayKey::from_sec1_pem(&encode(&long)).unwrap_err(),
            KeyError::Sec1KeyLength(33)
        );
    }

    #[test]
    fn debug_shows_only_the_public_identity() {
        let key = BitpayKey::from_hex(HEX).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(HEX), "{shown}");
        assert!(shown.contains("038d970d"), "{shown}");
        assert!(
            shown.contains("TeyN4LPrXiG5t2yuSamKqP3ynVk3F52iHrX"),
            "{shown}"
        );
    }
}
