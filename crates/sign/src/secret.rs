//! A string that must not leak through logs, panics or serialisation.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// Secret material (API secret, key-store password).
///
/// The buffer is wiped on drop. `Debug` shows only the length, and the type
/// deliberately does not implement `Serialize` or `Display`, so a secret can
/// be read from a config or input document but never written back out by
/// accident. Use [`Secret::expose`] where the raw value is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value`; the caller's `String` is moved, not copied.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The raw secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// For building a secret in place without intermediate copies.
    pub(crate) fn buffer_mut(&mut self) -> &mut String {
        &mut self.0
    }

    /// Length of the secret in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.0.len())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::from("merasdasd");
        let shown = format!("{s:?}");
        assert_eq!(shown, "Secret(<redacted, 9 bytes>)");
        assert!(!shown.contains("merasdasd"));
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert!(serde_json::from_str::<Secret>("1").is_err());
    }
}
