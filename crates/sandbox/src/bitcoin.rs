//! Bitcoin TestNet addresses and transaction ids, as the Bitpro sandbox (which is
//! connected to TestNet) hands out and accepts them.

use rand::RngCore;

/// Base58Check version bytes of TestNet pay-to-pubkey-hash and pay-to-script-hash.
const TESTNET_P2PKH: u8 = 0x6f;
const TESTNET_P2SH: u8 = 0xc4;

/// A fresh TestNet pay-to-script-hash address (`2…`), like the documents' examples.
pub(crate) fn new_testnet_address() -> String {
    let mut payload = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut payload);
    bs58::encode(payload)
        .with_check_version(TESTNET_P2SH)
        .into_string()
}

/// Whether `address` is a valid TestNet address: Base58Check with a TestNet version
/// and a 20-byte hash, or a `tb1…` segwit address. MainNet addresses are not valid on
/// TestNet.
pub(crate) fn is_testnet_address(address: &str) -> bool {
    if let Ok(decoded) = bs58::decode(address).with_check(None).into_vec() {
        return decoded.len() == 21 && matches!(decoded[0], TESTNET_P2PKH | TESTNET_P2SH);
    }
    matches!(
        bech32::segwit::decode(address),
        Ok((hrp, _, _)) if hrp == bech32::hrp::TB
    )
}

/// A random 32-byte transaction id in hex.
pub(crate) fn new_txid() -> String {
    let mut id = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut id);
    hex::encode(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_addresses_and_fresh_ones_are_valid() {
        assert!(is_testnet_address("2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUr"));
        assert!(is_testnet_address("2NCJCpBM7ET6oExzzKfWBnFPq8h2Ni2k7Hk"));
        assert!(is_testnet_address(
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
        ));
        let fresh = new_testnet_address();
        assert!(fresh.starts_with('2'), "{fresh}");
        assert!(is_testnet_address(&fresh), "{fresh}");
    }

    #[test]
    fn mainnet_typos_and_junk_are_not() {
        // MainNet P2PKH (the genesis address) and bech32.
        assert!(!is_testnet_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!is_testnet_address(
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ));
        // One character changed breaks the checksum.
        assert!(!is_testnet_address("2MzCEdXEzBaxCJQAq8igw4pUP1NSGAgzsUs"));
        assert!(!is_testnet_address("not an address"));
        assert!(!is_testnet_address(""));
        assert_eq!(new_txid().len(), 64);
    }
}
