//! Digest and output-encoding choices shared by the families.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

/// How signature bytes are turned into the text that is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutputEncoding {
    /// Lowercase hexadecimal, e.g. `9e107d9d...`. Verification accepts either case.
    HexLower,
    /// Uppercase hexadecimal, e.g. `9E107D9D...`. Verification accepts either case.
    HexUpper,
    /// Standard base64 (RFC 4648 alphabet) with `=` padding.
    Base64,
}

impl OutputEncoding {
    /// Encodes `bytes` in this encoding.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            OutputEncoding::HexLower => hex_lower(bytes),
            OutputEncoding::HexUpper => to_hex(bytes, b"0123456789ABCDEF"),
            // Through a stack buffer: `encode` would zero-fill a heap buffer first.
            OutputEncoding::Base64 => match self.encode_text_into(bytes, &mut [0u8; 128]) {
                Some(text) => text.to_owned(),
                None => STANDARD.encode(bytes),
            },
        }
    }

    /// [`OutputEncoding::encode_into`] as text.
    pub(crate) fn encode_text_into<'b>(
        self,
        bytes: &[u8],
        buf: &'b mut [u8; 128],
    ) -> Option<&'b str> {
        let text = self.encode_into(bytes, buf)?;
        Some(std::str::from_utf8(text).expect("hex and base64 are ASCII"))
    }

    /// Encodes `bytes` into `buf` without allocating; `None` when the text does not
    /// fit (never for a digest).
    pub(crate) fn encode_into<'b>(self, bytes: &[u8], buf: &'b mut [u8; 128]) -> Option<&'b [u8]> {
        let len = match self {
            OutputEncoding::HexLower => hex_into(bytes, b"0123456789abcdef", buf),
            OutputEncoding::HexUpper => hex_into(bytes, b"0123456789ABCDEF", buf),
            OutputEncoding::Base64 => STANDARD.encode_slice(bytes, buf).ok(),
        }?;
        Some(&buf[..len])
    }

    /// Decodes text produced by [`OutputEncoding::encode`]; hex accepts
    /// either case. The error says why the text is not valid.
    pub fn decode(self, text: &str) -> Result<Vec<u8>, String> {
        match self {
            OutputEncoding::HexLower | OutputEncoding::HexUpper => {
                hex::decode(text).map_err(|e| e.to_string())
            }
            OutputEncoding::Base64 => STANDARD.decode(text).map_err(|e| e.to_string()),
        }
    }

    /// Name used in messages: `hex` or `base64`.
    pub fn name(self) -> &'static str {
        if self.is_hex() { "hex" } else { "base64" }
    }

    pub(crate) fn is_hex(self) -> bool {
        matches!(self, OutputEncoding::HexLower | OutputEncoding::HexUpper)
    }
}

/// Table-driven hex through a stack buffer; `hex::encode` goes through a
/// char iterator and costs a fair share of hashing a short string.
pub(crate) fn to_hex(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut buf = [0u8; 128];
    let Some(len) = hex_into(bytes, digits, &mut buf) else {
        return bytes
            .chunks(buf.len() / 2)
            .map(|c| to_hex(c, digits))
            .collect();
    };
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[..len])
        .unwrap_or_default()
        .to_owned()
}

/// Hex digits of `bytes` into `buf`; `None` when they do not fit.
fn hex_into(bytes: &[u8], digits: &[u8; 16], buf: &mut [u8]) -> Option<usize> {
    if bytes.len() > buf.len() / 2 {
        return None;
    }
    for (pair, &b) in buf.chunks_exact_mut(2).zip(bytes) {
        pair[0] = digits[usize::from(b >> 4)];
        pair[1] = digits[usize::from(b & 0x0f)];
    }
    Some(bytes.len() * 2)
}

/// Which bytes an encoding keeps as they are, when it keeps ASCII letters, digits and
/// `marks`: a table, so a check is one load per byte.
pub(crate) const fn alphanumerics_and(marks: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let mut mark = 0;
    while mark < marks.len() {
        table[marks[mark] as usize] = true;
        mark += 1;
    }
    table
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    to_hex(bytes, b"0123456789abcdef")
}

/// Message digest applied to the signed string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DigestAlgorithm {
    /// MD5 (16 bytes). Weak, but what many gateways still specify.
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
}

/// Digest output held on the stack; the longest supported digest is 32 bytes.
#[derive(Clone, Copy)]
pub(crate) struct DigestBytes {
    buf: [u8; 32],
    len: usize,
}

impl DigestBytes {
    /// A digest of up to 32 bytes, held on the stack.
    fn of(bytes: &[u8]) -> Self {
        let mut buf = [0; 32];
        buf[..bytes.len()].copy_from_slice(bytes);
        DigestBytes {
            buf,
            len: bytes.len(),
        }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Incremental hasher over the selected algorithm.
pub(crate) enum Hasher {
    Md5(Md5),
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    pub(crate) fn new(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Md5 => Hasher::Md5(Md5::new()),
            DigestAlgorithm::Sha1 => Hasher::Sha1(Sha1::new()),
            DigestAlgorithm::Sha256 => Hasher::Sha256(Sha256::new()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The digest of `data`, in one pass.
    pub(crate) fn digest(algorithm: DigestAlgorithm, data: &[u8]) -> DigestBytes {
        match algorithm {
            DigestAlgorithm::Md5 => DigestBytes::of(&Md5::digest(data)),
            DigestAlgorithm::Sha1 => DigestBytes::of(&Sha1::digest(data)),
            DigestAlgorithm::Sha256 => DigestBytes::of(&Sha256::digest(data)),
        }
    }

    pub(crate) fn finish(self) -> DigestBytes {
        match self {
            Hasher::Md5(h) => DigestBytes::of(&h.finalize()),
            Hasher::Sha1(h) => DigestBytes::of(&h.finalize()),
            Hasher::Sha256(h) => DigestBytes::of(&h.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_reference_for_short_and_long_input() {
        let long: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        for bytes in [&b""[..], &[0x00, 0x9f, 0xff][..], &long[..]] {
            assert_eq!(OutputEncoding::HexLower.encode(bytes), hex::encode(bytes));
            assert_eq!(
                OutputEncoding::HexUpper.encode(bytes),
                hex::encode_upper(bytes)
            );
            let upper = OutputEncoding::HexUpper.encode(bytes);
            assert_eq!(OutputEncoding::HexLower.decode(&upper).unwrap(), bytes);
        }
        assert!(OutputEncoding::Base64.decode("!!").is_err());
    }
}
