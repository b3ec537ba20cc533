//! Identifiers shaped like BitPay's: base58 ids, tokens and pairing codes.

use rand::Rng;

fn base58(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill(&mut buffer[..]);
    // A leading zero byte would shorten nothing but print as `1`; keep lengths steady.
    buffer[0] |= 0x80;
    bs58::encode(buffer).into_string()
}

/// A resource id (`KSnNNfoMDsbRzd1U9ypmVH`, 22 characters).
pub(crate) fn resource_id() -> String {
    base58(16)
}

/// A facade token (`DsyNv4xXMXguMyQAfPtkznyZ7T5SxnAyaZEwc8nGJuL5`, 44 characters).
pub(crate) fn token() -> String {
    base58(32)
}

/// A resource token (`8nPJSGgi7omxcbGGZ4KsSgqdi6ju…`, 66 characters).
pub(crate) fn resource_token() -> String {
    base58(48)
}

/// A pairing code (`Wp4RRAz`, 7 characters).
pub(crate) fn pairing_code() -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..7)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_bitpay_lengths() {
        assert_eq!(resource_id().len(), 22);
        assert_eq!(token().len(), 44);
        assert_eq!(resource_token().len(), 66);
        assert_eq!(pairing_code().len(), 7);
    }
}
