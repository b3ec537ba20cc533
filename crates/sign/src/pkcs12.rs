//! Loads an RSA private key ("PK shard") from a PKCS#12 / PFX file.
//!
//! Reads the files people actually have: Java `keytool` (PBES2 AES-256-CBC,
//! HMAC-SHA256 MAC), OpenSSL 3's default `pkcs12 -export` (the same schemes)
//! and OpenSSL `-legacy` (PBE-SHA1-3DES keys, PBE-SHA1-RC2-40 certificates,
//! SHA-1 MAC). Decoding and decryption are done by `p12-keystore`; this module
//! picks the key, checks it is RSA and turns failures into [`Pkcs12Error`].

use std::fmt;

use p12_keystore::error::Error as P12Error;
use p12_keystore::{Pkcs12Archive, PrivateKeyBag};
use rsa::pkcs8::der::asn1::{AnyRef, ObjectIdentifier};
use rsa::pkcs8::der::{Decode, SliceReader, Tag, Tagged};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// Why a PKCS#12 file could not be turned into an RSA key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs12Error {
    /// The password does not open the file; `evidence` says how that showed.
    #[error("wrong password for the PKCS#12 file ({evidence})")]
    WrongPassword {
        /// What failed under the given password.
        evidence: PasswordEvidence,
    },
    /// The bytes are not a well-formed PKCS#12 file (truncated, not DER, ...).
    #[error("not a readable PKCS#12 file: {0}")]
    Corrupt(String),
    /// The file decrypted fine but holds no private key.
    #[error("the PKCS#12 file holds no private key")]
    NoPrivateKey,
    /// The chosen private key is not an RSA key.
    #[error("the private key in the PKCS#12 file is {algorithm}, not RSA")]
    NotRsa {
        /// Key algorithm name and OID, e.g. `EC (1.2.840.10045.2.1)`.
        algorithm: String,
    },
    /// The file uses a protection scheme this loader does not implement; the
    /// message also says whether the password was found right or could not be
    /// checked.
    #[error("unsupported PKCS#12 protection: {0}")]
    Unsupported(String),
}

/// How a wrong password showed itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordEvidence {
    /// The file's MAC did not match. A wrong password and bytes altered inside
    /// the MAC-protected area look the same to a MAC.
    MacMismatch,
    /// The file has no MAC; its encrypted contents did not decrypt to a valid
    /// key or certificate, while its outer structure is intact. Without a MAC,
    /// damaged ciphertext would look the same.
    DecryptionFailed,
}

impl fmt::Display for PasswordEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordEvidence::MacMismatch => "its integrity check (MAC) failed",
            PasswordEvidence::DecryptionFailed => {
                "the file has no integrity check (MAC), and its encrypted contents \
                 do not decrypt under this password"
            }
        })
    }
}

/// An RSA private key loaded from a PKCS#12 file.
///
/// The key's limbs are zeroized on drop by the `rsa` crate. `Debug` shows
/// only the alias, size and a SHA-256 fingerprint of the public key (SPKI DER).
pub struct ShardKey {
    key: RsaPrivateKey,
    alias: Option<String>,
    fingerprint: [u8; 32],
}

impl ShardKey {
    /// Wraps an already decoded key, e.g. one generated in a test.
    pub fn from_private_key(key: RsaPrivateKey, alias: Option<String>) -> Self {
        let fingerprint = spki_fingerprint(&key.to_public_key());
        ShardKey {
            key,
            alias,
            fingerprint,
        }
    }

    /// Friendly name of the key entry, if the file gave one. Java `keytool`
    /// stores aliases lowercased (`1bitpay` for `-alias 1BitPay`).
    pub fn alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        self.key.to_public_key()
    }

    /// Modulus size in bits, e.g. 2048.
    pub fn bits(&self) -> usize {
        self.key.n().bits()
    }

    /// Modulus size in bytes: the length of every signature.
    pub fn size(&self) -> usize {
        self.key.size()
    }

    /// Lowercase hex SHA-256 of the public key's SubjectPublicKeyInfo DER;
    /// equals `openssl pkey -pubin -outform DER | sha256sum`.
    pub fn fingerprint_sha256(&self) -> String {
        hex::encode(self.fingerprint)
    }

    pub(crate) fn private_key(&self) -> &RsaPrivateKey {
        &self.key
    }
}

impl fmt::Debug for ShardKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShardKey")
            .field("alias", &self.alias)
            .field("bits", &self.bits())
            .field("public_key_sha256", &self.fingerprint_sha256())
            .finish()
    }
}

fn spki_fingerprint(public: &RsaPublicKey) -> [u8; 32] {
    match public.to_public_key_der() {
        Ok(doc) => Sha256::digest(doc.as_bytes()).into(),
        // Encoding an in-memory RSA public key only fails on allocation
        // limits; an all-zero fingerprint is then obviously not a real one.
        Err(_) => [0; 32],
    }
}

/// Loads the first private key in the file.
///
/// Equivalent to [`load_shard_with_alias`] without a preferred alias.
pub fn load_shard(der: &[u8], password: &Secret) -> Result<ShardKey, Pkcs12Error> {
    load(der, password, None)
}

/// Loads the private key whose alias (PKCS#12 friendly name) equals `alias`,
/// compared ASCII case-insensitively as Java's PKCS12 `KeyStore` does; the
/// 1BitPay sample uses `"1BitPay"`. If no key carries that alias, the first
/// private key in the file is used; check [`ShardKey::alias`] when a file may
/// hold several keys.
pub fn load_shard_with_alias(
    der: &[u8],
    password: &Secret,
    alias: &str,
) -> Result<ShardKey, Pkcs12Error> {
    load(der, password, Some(alias))
}

fn load(der: &[u8], password: &Secret, alias: Option<&str>) -> Result<ShardKey, Pkcs12Error> {
    let archive =
        Pkcs12Archive::from_pkcs12(der, password.expose()).map_err(|e| classify(der, e))?;
    let name_of = |bag: &PrivateKeyBag| -> Option<String> {
        bag.friendly_name.clone().or_else(|| {
            // Fall back to the certificate's name for unnamed key bags.
            let id = bag.local_key_id.as_ref()?;
            archive
                .certs
                .iter()
                .find(|c| c.local_key_id.as_deref() == Some(id.as_ref()))
                .and_then(|c| c.friendly_name.clone())
        })
    };
    let chosen = alias
        .and_then(|want| {
            archive
                .keys
                .iter()
                .find(|k| name_of(k).is_some_and(|n| n.eq_ignore_ascii_case(want)))
        })
        .or_else(|| archive.keys.first())
        .ok_or(Pkcs12Error::NoPrivateKey)?;

    let oid = chosen.key.oid().to_string();
    if oid != RSA_ENCRYPTION {
        return Err(Pkcs12Error::NotRsa {
            algorithm: describe_oid(&oid),
        });
    }
    let key = RsaPrivateKey::from_pkcs8_der(chosen.key.as_der())
        .map_err(|e| Pkcs12Error::Corrupt(format!("RSA private key does not decode: {e}")))?;
    Ok(ShardKey::from_private_key(key, name_of(chosen)))
}

/// Turns a `p12-keystore` failure into the error a user can act on.
fn classify(der: &[u8], err: P12Error) -> Pkcs12Error {
    // The MAC is checked before anything is decrypted, so a failed MAC is a
    // wrong password even in a file that also uses an unsupported cipher.
    if matches!(err, P12Error::MacError(_)) {
        return Pkcs12Error::WrongPassword {
            evidence: PasswordEvidence::MacMismatch,
        };
    }
    let found = inspect(der);
    if let Some(what) = found.unsupported {
        // These failures come after the MAC was verified.
        let after_mac = matches!(
            err,
            P12Error::UnsupportedEncryptionScheme
                | P12Error::UnsupportedContentType
                | P12Error::UnsupportedCertificateType
                | P12Error::Pkcs5Error(_)
        );
        let password = if found.has_mac && !found.unsupported_mac && after_mac {
            "the password is right: the file's MAC matched"
        } else {
            "the password could not be checked: the file has no MAC this loader can verify"
        };
        return Pkcs12Error::Unsupported(format!("{what} ({password})"));
    }
    match err {
        // Without a MAC, a wrong password surfaces as bad padding or as
        // garbage plaintext that fails to decode; the outer structure being
        // intact says the file itself is not truncated or mangled.
        P12Error::UnpadError
        | P12Error::Pkcs5Error(_)
        | P12Error::DerError(_)
        | P12Error::X509Error(_)
        | P12Error::InvalidPrivateKey
            if !found.has_mac && found.structure_ok =>
        {
            Pkcs12Error::WrongPassword {
                evidence: PasswordEvidence::DecryptionFailed,
            }
        }
        P12Error::UnsupportedEncryptionScheme | P12Error::UnsupportedMacAlgorithm => {
            Pkcs12Error::Unsupported(err.to_string())
        }
        P12Error::UnsupportedContentType => {
            Pkcs12Error::Unsupported("content type other than data/encryptedData".into())
        }
        P12Error::UnsupportedCertificateType => {
            Pkcs12Error::Unsupported("certificate bag that is not X.509".into())
        }
        other => Pkcs12Error::Corrupt(other.to_string()),
    }
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const PBES2: &str = "1.2.840.113549.1.5.13";
const PBKDF2: &str = "1.2.840.113549.1.5.12";

const KNOWN_OIDS: &[(&str, &str)] = &[
    (RSA_ENCRYPTION, "RSA"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
    ("1.2.840.10045.2.1", "EC"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.2.840.113549.1.12.1.1", "pbeWithSHAAnd128BitRC4"),
    ("1.2.840.113549.1.12.1.2", "pbeWithSHAAnd40BitRC4"),
    ("1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.4", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.5", "pbeWithSHAAnd128BitRC2-CBC"),
    ("1.2.840.113549.1.12.1.6", "pbeWithSHAAnd40BitRC2-CBC"),
    ("1.2.840.113549.1.5.3", "pbeWithMD5AndDES-CBC"),
    ("1.2.840.113549.1.5.10", "pbeWithSHA1AndDES-CBC"),
    (PBES2, "PBES2"),
    (PBKDF2, "PBKDF2"),
    ("1.3.6.1.4.1.11591.4.11", "scrypt"),
    ("1.2.840.113549.2.7", "hmacWithSHA1"),
    ("1.2.840.113549.2.8", "hmacWithSHA224"),
    ("1.2.840.113549.2.9", "hmacWithSHA256"),
    ("1.2.840.113549.2.10", "hmacWithSHA384"),
    ("1.2.840.113549.2.11", "hmacWithSHA512"),
    ("2.16.840.1.101.3.4.1.2", "aes128-CBC"),
    ("2.16.840.1.101.3.4.1.22", "aes192-CBC"),
    ("2.16.840.1.101.3.4.1.42", "aes256-CBC"),
    ("2.16.840.1.101.3.4.1.6", "aes128-GCM"),
    ("2.16.840.1.101.3.4.1.46", "aes256-GCM"),
    ("1.3.14.3.2.7", "des-CBC"),
    ("1.2.840.113549.3.7", "des-EDE3-CBC"),
    ("1.2.840.113549.2.5", "MD5"),
    ("1.3.14.3.2.26", "SHA-1"),
    ("2.16.840.1.101.3.4.2.4", "SHA-224"),
    ("2.16.840.1.101.3.4.2.1", "SHA-256"),
    ("2.16.840.1.101.3.4.2.2", "SHA-384"),
    ("2.16.840.1.101.3.4.2.3", "SHA-512"),
    ("2.16.840.1.101.3.4.2.5", "SHA-512/224"),
    ("2.16.840.1.101.3.4.2.6", "SHA-512/256"),
    (
        "1.2.840.113549.1.7.3",
        "envelopedData (public-key privacy mode)",
    ),
];

// What p12-keystore 0.4 (feature `pbes1`, pkcs5 without `sha1-insecure`)
// can open; anything else is named in `Pkcs12Error::Unsupported`.
const SUPPORTED_MACS: &[&str] = &[
    "1.3.14.3.2.26",
    "2.16.840.1.101.3.4.2.4",
    "2.16.840.1.101.3.4.2.1",
    "2.16.840.1.101.3.4.2.2",
    "2.16.840.1.101.3.4.2.3",
    "2.16.840.1.101.3.4.2.5",
    "2.16.840.1.101.3.4.2.6",
];
const SUPPORTED_PBES1: &[&str] = &["1.2.840.113549.1.12.1.3", "1.2.840.113549.1.12.1.6"];
const SUPPORTED_PRFS: &[&str] = &[
    "1.2.840.113549.2.8",
    "1.2.840.113549.2.9",
    "1.2.840.113549.2.10",
    "1.2.840.113549.2.11",
];
const SUPPORTED_PBES2_CIPHERS: &[&str] = &[
    "2.16.840.1.101.3.4.1.2",
    "2.16.840.1.101.3.4.1.22",
    "2.16.840.1.101.3.4.1.42",
    "2.16.840.1.101.3.4.1.6",
    "2.16.840.1.101.3.4.1.46",
];

fn describe_oid(oid: &str) -> String {
    match KNOWN_OIDS.iter().find(|(o, _)| *o == oid) {
        Some((_, name)) => format!("{name} ({oid})"),
        None => format!("OID {oid}"),
    }
}

/// Facts read from the outer structure of a file that failed to load.
#[derive(Default)]
struct Inspection {
    has_mac: bool,
    unsupported_mac: bool,
    structure_ok: bool,
    unsupported: Option<String>,
}

/// Walks the PKCS#12 structure without decrypting anything, to tell whether
/// it has a MAC and to name the first algorithm the loader cannot handle.
/// Structural errors just end the walk: `p12-keystore` reports those.
fn inspect(der: &[u8]) -> Inspection {
    let mut found = Inspection::default();
    found.structure_ok = walk_pfx(der, &mut found).is_ok();
    found
}

type Walk<T> = Result<T, rsa::pkcs8::der::Error>;

fn children(bytes: &[u8]) -> Walk<Vec<AnyRef<'_>>> {
    let mut reader = SliceReader::new(bytes)?;
    let mut out = Vec::new();
    while !rsa::pkcs8::der::Reader::is_finished(&reader) {
        out.push(rsa::pkcs8::der::Decode::decode(&mut reader)?);
    }
    Ok(out)
}

fn nth<'a>(items: &[AnyRef<'a>], i: usize) -> Walk<AnyRef<'a>> {
    items
        .get(i)
        .copied()
        .ok_or_else(|| Tag::Sequence.length_error())
}

fn oid_text(any: AnyRef<'_>) -> Walk<String> {
    Ok(any.decode_as::<ObjectIdentifier>()?.to_string())
}

/// Contents of a `[0] EXPLICIT OCTET STRING` wrapper.
fn explicit_octets(any: AnyRef<'_>) -> Walk<&[u8]> {
    let inner = AnyRef::from_der(any.value())?;
    if inner.tag() != Tag::OctetString {
        return Err(Tag::OctetString.value_error());
    }
    Ok(inner.value())
}

fn walk_pfx(der: &[u8], found: &mut Inspection) -> Walk<()> {
    let pfx = children(AnyRef::from_der(der)?.value())?;
    if let Some(mac) = pfx.get(2) {
        found.has_mac = true;
        let mac_data = children(mac.value())?;
        let digest_info = children(nth(&mac_data, 0)?.value())?;
        let alg = children(nth(&digest_info, 0)?.value())?;
        let oid = oid_text(nth(&alg, 0)?)?;
        if !SUPPORTED_MACS.contains(&oid.as_str()) {
            found.unsupported_mac = true;
            found.unsupported = Some(format!("MAC digest {}", describe_oid(&oid)));
            return Ok(());
        }
    }
    let auth_safe = children(nth(&pfx, 1)?.value())?;
    let safes = children(AnyRef::from_der(explicit_octets(nth(&auth_safe, 1)?)?)?.value())?;
    for safe in safes {
        let info = children(safe.value())?;
        let content_type = oid_text(nth(&info, 0)?)?;
        let problem = match content_type.as_str() {
            DATA => walk_safe_contents(explicit_octets(nth(&info, 1)?)?)?,
            ENCRYPTED_DATA => {
                let encrypted = children(AnyRef::from_der(nth(&info, 1)?.value())?.value())?;
                let content_info = children(nth(&encrypted, 1)?.value())?;
                check_encryption(nth(&content_info, 1)?)?
                    .map(|p| format!("encrypted data uses {p}"))
            }
            other => Some(format!("content type {}", describe_oid(other))),
        };
        if problem.is_some() {
            found.unsupported = problem;
            return Ok(());
        }
    }
    Ok(())
}

fn walk_safe_contents(bytes: &[u8]) -> Walk<Option<String>> {
    for bag in children(AnyRef::from_der(bytes)?.value())? {
        let fields = children(bag.value())?;
        if oid_text(nth(&fields, 0)?)? == SHROUDED_KEY_BAG {
            let info = children(AnyRef::from_der(nth(&fields, 1)?.value())?.value())?;
            if let Some(p) = check_encryption(nth(&info, 0)?)? {
                return Ok(Some(format!("private key uses {p}")));
            }
        }
    }
    Ok(None)
}

/// `None` if the AlgorithmIdentifier names a scheme the loader can decrypt.
fn check_encryption(alg: AnyRef<'_>) -> Walk<Option<String>> {
    let alg = children(alg.value())?;
    let oid = oid_text(nth(&alg, 0)?)?;
    if SUPPORTED_PBES1.contains(&oid.as_str()) {
        return Ok(None);
    }
    if oid != PBES2 {
        return Ok(Some(describe_oid(&oid)));
    }
    let params = children(nth(&alg, 1)?.value())?;
    let kdf = children(nth(&params, 0)?.value())?;
    let kdf_oid = oid_text(nth(&kdf, 0)?)?;
    if kdf_oid == PBKDF2 {
        // PBKDF2-params: salt, iterationCount, keyLength?, prf? (default hmacWithSHA1)
        let kdf_params = children(nth(&kdf, 1)?.value())?;
        let prf = match kdf_params.iter().skip(2).find(|a| a.tag() == Tag::Sequence) {
            Some(prf) => oid_text(nth(&children(prf.value())?, 0)?)?,
            None => "1.2.840.113549.2.7".to_owned(),
        };
        if !SUPPORTED_PRFS.contains(&prf.as_str()) {
            return Ok(Some(format!(
                "PBES2 with PBKDF2 PRF {}",
                describe_oid(&prf)
            )));
        }
    } else if kdf_oid != "1.3.6.1.4.1.11591.4.11" {
        return Ok(Some(format!(
            "PBES2 key derivation {}",
            describe_oid(&kdf_oid)
        )));
    }
    let cipher = oid_text(nth(&children(nth(&params, 1)?.value())?, 0)?)?;
    if !SUPPORTED_PBES2_CIPHERS.contains(&cipher.as_str()) {
        return Ok(Some(format!("PBES2 cipher {}", describe_oid(&cipher))));
    }
    Ok(None)
}
