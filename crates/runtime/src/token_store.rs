//! A file holding a client's capability tokens, one per facade, and where its key is
//! kept, so pairing happens once. Written atomically and readable by its owner only.
//!
//! ```json
//! {
//!   "format": "paysmith-token-store/1",
//!   "base_url": "https://test.bitpay.com",
//!   "key": {"file": "bitpay.key"},
//!   "tokens": {
//!     "merchant": {"token": "…", "label": "shop", "pairing_code": "Wp4RRAz",
//!                  "pairing_expires_at_ms": 1437072847652}
//!   }
//! }
//! ```
//!
//! A relative key file is relative to the store's directory.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use paysmith_sign::Secret;
use paysmith_sign::bitpay_ecdsa::BitpayKey;
use serde::{Deserialize, Serialize};

use crate::key_file::{KeyFileError, KeySource, PrivateWriteError, write_private};

const FORMAT: &str = "paysmith-token-store/1";

/// The store, as read from its file.
pub struct TokenStore {
    path: PathBuf,
    file: StoreFile,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    format: String,
    base_url: String,
    key: KeySource,
    #[serde(default)]
    tokens: BTreeMap<String, TokenRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRecord {
    token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pairing_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pairing_expires_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sin: Option<String>,
}

/// One facade's token and what pairing returned with it.
#[derive(Clone, Debug)]
pub struct StoredToken {
    pub token: Secret,
    pub label: Option<String>,
    /// The code the merchant approves the pairing with, until it is approved.
    pub pairing_code: Option<String>,
    /// When the pairing code expires (milliseconds since the Unix epoch).
    pub pairing_expires_at_ms: Option<u64>,
    /// The SIN of the key the token is bound to (tokens obtained by pairing); its calls
    /// must be signed with that key. `None` for a token made without a key.
    pub sin: Option<String>,
}

/// Where a pairing stands, as far as the store knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairingState {
    /// No pairing code is recorded: the token was claimed or approved.
    Ready,
    /// Waiting for the merchant to approve the code, until the given time (ms).
    AwaitingApproval { expires_at_ms: u64 },
    /// The pairing code expired before it was approved (or approval was not recorded).
    Expired { expired_at_ms: u64 },
}

impl StoredToken {
    /// The pairing state at `now_ms` (milliseconds since the Unix epoch).
    pub fn pairing_state(&self, now_ms: u64) -> PairingState {
        match (self.pairing_code.as_ref(), self.pairing_expires_at_ms) {
            (Some(_), Some(expires_at_ms)) if now_ms < expires_at_ms => {
                PairingState::AwaitingApproval { expires_at_ms }
            }
            (Some(_), Some(expired_at_ms)) => PairingState::Expired { expired_at_ms },
            _ => PairingState::Ready,
        }
    }

    /// Fails unless `key` is the key the token is bound to (any key will do for a
    /// token bound to none).
    pub fn check_key(&self, key: &BitpayKey) -> Result<(), TokenStoreError> {
        match &self.sin {
            Some(sin) if sin != key.sin() => Err(TokenStoreError::KeyMismatch {
                bound: sin.clone(),
                given: key.sin().to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// The same token, with its pairing marked as approved.
    pub fn approved(mut self) -> Self {
        self.pairing_code = None;
        self.pairing_expires_at_ms = None;
        self
    }
}

/// Why the store could not be used. Never contains a token or key.
#[derive(Debug, thiserror::Error)]
pub enum TokenStoreError {
    #[error("cannot read the token store {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token store {path} is not valid at `{at}`: {message}")]
    Invalid {
        path: PathBuf,
        at: String,
        message: String,
    },
    #[error(
        "the token store {path} can be read by other users (mode {mode:o}): run `chmod 600` on it"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{path} already exists: open it instead of creating a new store")]
    Exists { path: PathBuf },
    #[error("cannot write the token store {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token store {path} has no `{facade}` token: pair a client for that facade first")]
    NoToken { path: PathBuf, facade: String },
    #[error(
        "the token store {path} holds tokens for {stored}, not {wanted}: tokens belong to the server they were paired with"
    )]
    OtherServer {
        path: PathBuf,
        stored: String,
        wanted: String,
    },
    #[error(
        "the token is bound to the key with SIN {bound}, not to this key (SIN {given}): use the key it was paired with"
    )]
    KeyMismatch { bound: String, given: String },
    #[error(transparent)]
    Key(#[from] KeyFileError),
}

impl TokenStore {
    /// A new, empty store for the server at `base_url` and the key kept at `key`;
    /// fails if `path` exists.
    pub fn create(
        path: impl Into<PathBuf>,
        base_url: &str,
        key: KeySource,
    ) -> Result<Self, TokenStoreError> {
        let store = TokenStore {
            path: path.into(),
            file: StoreFile {
                format: FORMAT.to_owned(),
                base_url: crate::transport::base_url_as_sent(base_url),
                key,
                tokens: BTreeMap::new(),
            },
        };
        store.write(false)?;
        Ok(store)
    }

    /// Reads a store; a store other users can read is refused.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, TokenStoreError> {
        let path = path.into();
        let bytes = std::fs::read(&path).map_err(|source| TokenStoreError::Read {
            path: path.clone(),
            source,
        })?;
        check_private(&path)?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        let file: StoreFile = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            TokenStoreError::Invalid {
                path: path.clone(),
                at: e.path().to_string(),
                message: e.inner().to_string(),
            }
        })?;
        if file.format != FORMAT {
            return Err(TokenStoreError::Invalid {
                path,
                at: "format".into(),
                message: format!("`{}` is not `{FORMAT}`", file.format),
            });
        }
        Ok(TokenStore { path, file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The server the tokens were paired with (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.file.base_url
    }

    /// Fails unless the tokens were paired with the server at `base_url`.
    pub fn check_server(&self, base_url: &str) -> Result<(), TokenStoreError> {
        // A store written by hand may spell the server differently; both sides compare
        // as sent.
        let wanted = crate::transport::base_url_as_sent(base_url);
        if wanted == crate::transport::base_url_as_sent(&self.file.base_url) {
            Ok(())
        } else {
            Err(TokenStoreError::OtherServer {
                path: self.path.clone(),
                stored: self.file.base_url.clone(),
                wanted,
            })
        }
    }

    /// Where the key is kept, a relative file resolved against the store's directory.
    pub fn key_source(&self) -> KeySource {
        match &self.file.key {
            KeySource::File(file) if file.is_relative() => {
                let dir = self.path.parent().unwrap_or(Path::new(""));
                KeySource::File(dir.join(file))
            }
            other => other.clone(),
        }
    }

    /// Reads the key.
    pub fn load_key(&self) -> Result<BitpayKey, TokenStoreError> {
        Ok(self.key_source().load()?)
    }

    /// The facades that have a token, in name order.
    pub fn facades(&self) -> impl Iterator<Item = &str> {
        self.file.tokens.keys().map(String::as_str)
    }

    pub fn token(&self, facade: &str) -> Option<StoredToken> {
        self.file.tokens.get(facade).map(|record| StoredToken {
            token: Secret::new(record.token.clone()),
            label: record.label.clone(),
            pairing_code: record.pairing_code.clone(),
            pairing_expires_at_ms: record.pairing_expires_at_ms,
            sin: record.sin.clone(),
        })
    }

    /// The token of `facade`, or an error saying to pair first.
    pub fn require_token(&self, facade: &str) -> Result<StoredToken, TokenStoreError> {
        self.token(facade).ok_or_else(|| TokenStoreError::NoToken {
            path: self.path.clone(),
            facade: facade.to_owned(),
        })
    }

    /// Records `token` as the token of `facade` and writes the file.
    pub fn save_token(&mut self, facade: &str, token: StoredToken) -> Result<(), TokenStoreError> {
        let record = TokenRecord {
            token: token.token.expose().to_owned(),
            label: token.label,
            pairing_code: token.pairing_code,
            pairing_expires_at_ms: token.pairing_expires_at_ms,
            sin: token.sin,
        };
        let previous = self.file.tokens.insert(facade.to_owned(), record);
        self.write(true).inspect_err(|_| {
            // Keep memory and disk the same when the write fails.
            match previous {
                Some(previous) => self.file.tokens.insert(facade.to_owned(), previous),
                None => self.file.tokens.remove(facade),
            };
        })
    }

    /// Forgets the token of `facade` and writes the file; `false` if there was none.
    pub fn remove_token(&mut self, facade: &str) -> Result<bool, TokenStoreError> {
        let Some(previous) = self.file.tokens.remove(facade) else {
            return Ok(false);
        };
        self.write(true).inspect_err(|_| {
            self.file.tokens.insert(facade.to_owned(), previous);
        })?;
        Ok(true)
    }

    fn write(&self, replace: bool) -> Result<(), TokenStoreError> {
        let mut json = serde_json::to_vec_pretty(&self.file).expect("the store serialises");
        json.push(b'\n');
        let json = zeroize::Zeroizing::new(json);
        write_private(&self.path, &json, replace).map_err(|error| match error {
            PrivateWriteError::Exists => TokenStoreError::Exists {
                path: self.path.clone(),
            },
            PrivateWriteError::Io(source) => TokenStoreError::Write {
                path: self.path.clone(),
                source,
            },
        })
    }
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("path", &self.path)
            .field("base_url", &self.file.base_url)
            .field("key", &self.file.key)
            .field("facades", &self.file.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), TokenStoreError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)
        .map_err(|source| TokenStoreError::Read {
            path: path.to_owned(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(TokenStoreError::TooOpen {
            path: path.to_owned(),
            mode: mode & 0o777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), TokenStoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_file::save_key_file;

    fn pending(token: &str) -> StoredToken {
        StoredToken {
            token: Secret::new(token),
            label: Some("shop".into()),
            pairing_code: Some("Wp4RRAz".into()),
            pairing_expires_at_ms: Some(1_437_072_847_652),
            sin: None,
        }
    }

    #[test]
    fn tokens_survive_a_reopen_and_the_key_is_found_beside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let key = BitpayKey::generate();
        save_key_file(&dir.path().join("bitpay.key"), &key).unwrap();
        let path = dir.path().join("tokens.json");
        let mut store = TokenStore::create(
            &path,
            "https://test.bitpay.com/",
            KeySource::File("bitpay.key".into()),
        )
        .unwrap();
        store.save_token("merchant", pending("DsyNv4x")).unwrap();
        let reopened = TokenStore::open(&path).unwrap();
        assert_eq!(reopened.base_url(), "https://test.bitpay.com");
        assert_eq!(reopened.facades().collect::<Vec<_>>(), ["merchant"]);
        assert_eq!(
            reopened.require_token("merchant").unwrap().token.expose(),
            "DsyNv4x"
        );
        assert_eq!(reopened.load_key().unwrap().sin(), key.sin());
        let error = reopened.require_token("pos").unwrap_err().to_string();
        assert!(
            error.contains("`pos`") && error.contains("tokens.json"),
            "{error}"
        );
        assert!(reopened.check_server("https://bitpay.com").is_err());
        reopened.check_server("https://test.bitpay.com/").unwrap();
        reopened
            .check_server("https://Test.BitPay.com:443")
            .unwrap();
        let debug = format!("{reopened:?}");
        assert!(!debug.contains("DsyNv4x"), "{debug}");
    }

    #[test]
    fn the_store_is_private_and_never_overwritten_by_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let source = KeySource::Env("BITPAY_KEY".into());
        TokenStore::create(&path, "https://bitpay.com", source.clone()).unwrap();
        let again = TokenStore::create(&path, "https://bitpay.com", source).unwrap_err();
        assert!(matches!(again, TokenStoreError::Exists { .. }));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = TokenStore::open(&path).unwrap_err();
            assert!(
                matches!(error, TokenStoreError::TooOpen { mode: 0o644, .. }),
                "{error}"
            );
        }
    }

    #[test]
    fn a_broken_store_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let text = r#"{"format":"paysmith-token-store/1","base_url":"https://bitpay.com","key":{"env":"K"},"tokens":{"pos":{"tokn":"x"}}}"#;
        write_private(&path, text.as_bytes(), false).ok().unwrap();
        let error = TokenStore::open(&path).unwrap_err().to_string();
        assert!(
            error.contains("tokens.pos") && error.contains("tokn"),
            "{error}"
        );
    }

    #[test]
    fn pairing_state_follows_the_clock() {
        let token = pending("T");
        assert_eq!(
            token.pairing_state(1_437_072_847_651),
            PairingState::AwaitingApproval {
                expires_at_ms: 1_437_072_847_652
            }
        );
        assert_eq!(
            token.pairing_state(1_437_072_847_652),
            PairingState::Expired {
                expired_at_ms: 1_437_072_847_652
            }
        );
        assert_eq!(token.approved().pairing_state(0), PairingState::Ready);
    }

    #[test]
    fn a_bound_token_accepts_only_its_key() {
        let key = BitpayKey::generate();
        let other = BitpayKey::generate();
        let bound = StoredToken {
            sin: Some(key.sin().to_owned()),
            ..pending("T")
        };
        bound.check_key(&key).unwrap();
        let error = bound.check_key(&other).unwrap_err().to_string();
        assert!(
            error.contains(key.sin()) && error.contains(other.sin()),
            "{error}"
        );
        pending("T").check_key(&other).unwrap();
    }
}
