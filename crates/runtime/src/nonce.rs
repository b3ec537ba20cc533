//! Where signed requests get their nonces from; injectable so tests are reproducible.

use rand::Rng;
use rand::distributions::Alphanumeric;

pub trait NonceSource: Send + Sync {
    /// A fresh nonce of `length` ASCII letters and digits.
    fn nonce(&self, length: usize) -> String;

    /// A fresh random (version 4) UUID, lowercase, for schemes whose nonce is one.
    fn uuid(&self) -> String;
}

/// Random nonces from the thread's cryptographically secure generator (`rand`'s
/// `ThreadRng`: ChaCha, seeded and periodically reseeded by the operating system).
/// Drawing each character from the operating system took one system call per
/// character, more than the rest of signing a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self, length: usize) -> String {
        rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(length)
            .map(char::from)
            .collect()
    }

    fn uuid(&self) -> String {
        // From the same generator: `Uuid::new_v4` asks the operating system each time.
        // Encoded into a buffer: `to_string` goes through the formatting machinery.
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        uuid::Builder::from_random_bytes(rand::thread_rng().r#gen())
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut text)
            .to_owned()
    }
}

/// Always the same nonce (tests and snapshots only).
#[derive(Clone, Debug)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn nonce(&self, _length: usize) -> String {
        self.0.clone()
    }

    fn uuid(&self) -> String {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonces_have_the_length_and_alphabet_asked_for() {
        let a = RandomNonce.nonce(6);
        let b = RandomNonce.nonce(6);
        assert_eq!(a.len(), 6);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(
            a, b,
            "two 6-character nonces collide with probability 1/62^6"
        );
        let uuid = RandomNonce.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4", "version 4: {uuid}");
        assert!(
            matches!(&uuid[19..20], "8" | "9" | "a" | "b"),
            "RFC 4122 variant: {uuid}"
        );
        assert_eq!(
            uuid::Uuid::parse_str(&uuid).unwrap().get_version_num(),
            4,
            "{uuid}"
        );
        assert_eq!(uuid, uuid.to_ascii_lowercase());
        assert_ne!(uuid, RandomNonce.uuid());
    }
}
