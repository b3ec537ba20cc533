//! The SIN ("Secure Identity Number") BitPay derives from a public key: the
//! key's identity when pairing and in token policies.

use ripemd::Ripemd160;
use secp256k1::PublicKey;
use sha2::{Digest as _, Sha256};

/// First two payload bytes of every SIN: version `0x0F`, type `0x02`
/// (ephemeral). With them the base58 text always starts with `T`.
pub const SIN_PREFIX: [u8; 2] = [0x0f, 0x02];

/// Prefix, 20-byte hash and 4-byte checksum.
const SIN_BYTES: usize = 2 + 20 + 4;

/// `RIPEMD160(SHA256(bytes))`, the "hash160" of Bitcoin and BitAuth.
pub fn hash160(bytes: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(bytes)).into()
}

/// The SIN of `public_key`: base58check of `0x0F 0x02 ‖ hash160(compressed key)`
/// with a 4-byte double-SHA-256 checksum.
pub fn sin_from_public_key(public_key: &PublicKey) -> String {
    let mut payload = [0u8; 22];
    payload[..2].copy_from_slice(&SIN_PREFIX);
    payload[2..].copy_from_slice(&hash160(&public_key.serialize()));
    bs58::encode(payload).with_check().into_string()
}

/// Why a text is not a SIN; checked in the order of the variants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SinError {
    /// A character outside the Bitcoin base58 alphabet (no `0`, `O`, `I`, `l`).
    #[error("SIN is not base58: {problem}")]
    NotBase58 {
        /// Which character, and where.
        problem: String,
    },
    /// The decoded bytes are not prefix + hash160 + checksum.
    #[error("SIN decodes to {len} bytes; a SIN is {SIN_BYTES} (2 prefix, 20 hash, 4 checksum)")]
    Length {
        /// Decoded length.
        len: usize,
    },
    /// The last four bytes are not the double SHA-256 of the rest: a typo or truncation.
    #[error("SIN checksum does not match (mistyped or damaged)")]
    Checksum,
    /// A valid base58check string, but not of the SIN kind (another coin's
    /// address, say).
    #[error("SIN starts with bytes {found}; expected 0f02 (SIN version, ephemeral type)")]
    Version {
        /// The two prefix bytes found, as hex.
        found: String,
    },
}

/// Checks that `sin` is a well-formed SIN: base58, the right length, an
/// intact checksum and the SIN prefix.
pub fn validate_sin(sin: &str) -> Result<(), SinError> {
    let bytes = bs58::decode(sin)
        .into_vec()
        .map_err(|e| SinError::NotBase58 {
            problem: base58_problem(e),
        })?;
    if bytes.len() != SIN_BYTES {
        return Err(SinError::Length { len: bytes.len() });
    }
    bs58::decode(sin)
        .with_check(None)
        .into_vec()
        .map_err(|_| SinError::Checksum)?;
    if bytes[..2] != SIN_PREFIX {
        return Err(SinError::Version {
            found: crate::encoding::hex_lower(&bytes[..2]),
        });
    }
    Ok(())
}

fn base58_problem(e: bs58::decode::Error) -> String {
    match e {
        bs58::decode::Error::InvalidCharacter { character, index } => {
            format!("`{character}` at byte {index} is not in the base58 alphabet")
        }
        bs58::decode::Error::NonAsciiCharacter { index } => {
            format!("non-ASCII character at byte {index}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "TfG4ScDgysrSpodWD4Re5UtXmcLbY5CiUHA";

    #[test]
    fn hash160_of_test() {
        assert_eq!(
            hex::encode(hash160(b"test")),
            "cebaa98c19807134434d107b0d3e5692a516ea66"
        );
    }

    #[test]
    fn sin_of_a_known_key() {
        let pk = PublicKey::from_slice(
            &hex::decode("02326209e52f6f17e987ec27c56a1321acf3d68088b8fb634f232f12ccbc9a4575")
                .unwrap(),
        )
        .unwrap();
        let sin = sin_from_public_key(&pk);
        assert_eq!(sin, "Tf3yr5tYvccKNVrE26BrPs6LWZRh8woHwjR");
        assert_eq!(validate_sin(&sin), Ok(()));
    }

    #[test]
    fn each_defect_has_its_own_error() {
        assert_eq!(validate_sin(GOOD), Ok(()));
        assert!(matches!(
            validate_sin("not#base!58"),
            Err(SinError::NotBase58 { problem }) if problem.contains("`#` at byte 3")
        ));
        assert!(matches!(
            validate_sin("Tf€"),
            Err(SinError::NotBase58 { .. })
        ));
        assert_eq!(
            validate_sin(&GOOD[..GOOD.len() - 1]),
            Err(SinError::Length { len: 25 })
        );
        assert_eq!(validate_sin(""), Err(SinError::Length { len: 0 }));
        assert_eq!(
            validate_sin("Tf1Jc1xSbqasm5QLwwSQc5umddx2h7mAMhX"),
            Err(SinError::Checksum)
        );
        // A well-formed base58check payload of SIN length with another prefix.
        let mut other = [0u8; 22];
        other[0] = 0x00;
        other[1] = 0x02;
        let text = bs58::encode(other).with_check().into_string();
        assert_eq!(
            validate_sin(&text),
            Err(SinError::Version {
                found: "0002".into()
            })
        );
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            SinError::Length { len: 3 }.to_string(),
            "SIN decodes to 3 bytes; a SIN is 26 (2 prefix, 20 hash, 4 checksum)"
        );
    }
}
