//! The client key on disk or in the environment: read as SEC1 PEM or 64 hex digits,
//! written as SEC1 PEM readable by its owner only, atomically, never over another key.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use paysmith_sign::bitpay_ecdsa::{BitpayKey, KeyError};
use serde::{Deserialize, Serialize};

/// Where a key is kept: what a token store records instead of the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySource {
    /// A file holding a SEC1 PEM or 64 hex digits.
    File(PathBuf),
    /// An environment variable holding a SEC1 PEM or 64 hex digits.
    Env(String),
}

/// Why a key could not be read or written. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the key file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the environment variable {variable} is not set (or not UTF-8)")]
    EnvMissing { variable: String },
    #[error("the key in {origin} is not usable: {source}")]
    Invalid {
        /// `file <path>` or `environment variable <name>`.
        origin: String,
        #[source]
        source: KeyError,
    },
    #[error("{path} already exists: refusing to replace a key (its tokens would be lost)")]
    Exists { path: PathBuf },
    #[error("cannot write the key file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl KeySource {
    /// Reads the key.
    pub fn load(&self) -> Result<BitpayKey, KeyFileError> {
        match self {
            KeySource::File(path) => load_key_file(path),
            KeySource::Env(variable) => load_key_env(variable),
        }
    }
}

/// Reads a key file (SEC1 PEM, or 64 hex digits).
pub fn load_key_file(path: &Path) -> Result<BitpayKey, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let text = zeroize::Zeroizing::new(text);
    parse_key(&text).map_err(|source| KeyFileError::Invalid {
        origin: format!("file {}", path.display()),
        source,
    })
}

/// Reads a key from an environment variable (SEC1 PEM, or 64 hex digits).
pub fn load_key_env(variable: &str) -> Result<BitpayKey, KeyFileError> {
    let text = std::env::var(variable).map_err(|_| KeyFileError::EnvMissing {
        variable: variable.to_owned(),
    })?;
    let text = zeroize::Zeroizing::new(text);
    parse_key(&text).map_err(|source| KeyFileError::Invalid {
        origin: format!("environment variable {variable}"),
        source,
    })
}

/// A key from text: a SEC1 PEM block, or 64 hex digits (surrounding space ignored).
pub fn parse_key(text: &str) -> Result<BitpayKey, KeyError> {
    if text.contains("-----BEGIN") {
        BitpayKey::from_sec1_pem(text)
    } else {
        BitpayKey::from_hex(text.trim())
    }
}

/// Writes `key` to `path` as SEC1 PEM, readable and writable by its owner only. The
/// file appears whole or not at all, and an existing file is never replaced.
pub fn save_key_file(path: &Path, key: &BitpayKey) -> Result<(), KeyFileError> {
    let pem = key.to_sec1_pem();
    write_private(path, pem.as_bytes(), false).map_err(|error| match error {
        PrivateWriteError::Exists => KeyFileError::Exists {
            path: path.to_owned(),
        },
        PrivateWriteError::Io(source) => KeyFileError::Write {
            path: path.to_owned(),
            source,
        },
    })
}

pub(crate) enum PrivateWriteError {
    Exists,
    Io(std::io::Error),
}

/// Writes `bytes` to a new owner-only temporary file beside `path`, flushes it to
/// disk, then moves it into place: replacing `path` when `replace`, else failing with
/// [`PrivateWriteError::Exists`] when `path` exists.
pub(crate) fn write_private(
    path: &Path,
    bytes: &[u8],
    replace: bool,
) -> Result<(), PrivateWriteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(".paysmith-")
        .tempfile_in(dir)
        .map_err(PrivateWriteError::Io)?;
    file.write_all(bytes).map_err(PrivateWriteError::Io)?;
    file.as_file().sync_all().map_err(PrivateWriteError::Io)?;
    let persisted = if replace {
        file.persist(path).map(drop)
    } else {
        file.persist_noclobber(path).map(drop)
    };
    persisted.map_err(|error| {
        if error.error.kind() == std::io::ErrorKind::AlreadyExists {
            PrivateWriteError::Exists
        } else {
            PrivateWriteError::Io(error.error)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c08c";

    #[test]
    fn a_saved_key_reads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bitpay.key");
        let key = BitpayKey::from_hex(HEX).unwrap();
        save_key_file(&path, &key).unwrap();
        let loaded = load_key_file(&path).unwrap();
        assert_eq!(loaded.sin(), key.sin());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = BitpayKey::generate();
        let error = save_key_file(&path, &other).unwrap_err();
        assert!(matches!(error, KeyFileError::Exists { .. }), "{error}");
        assert_eq!(
            load_key_file(&path).unwrap().sin(),
            key.sin(),
            "the first key is kept"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn hex_files_and_pem_text_are_both_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.hex");
        std::fs::write(&path, format!("  {HEX}\n")).unwrap();
        let from_hex = load_key_file(&path).unwrap();
        let pem = from_hex.to_sec1_pem();
        assert_eq!(parse_key(&pem).unwrap().sin(), from_hex.sin());
    }

    #[test]
    fn a_key_is_read_from_an_environment_variable() {
        const VARIABLE: &str = "PAYSMITH_KEY_FILE_TEST_ENV_KEY";
        let expected = BitpayKey::from_hex(HEX).unwrap();
        // SAFETY: only this test uses the variable; std serialises its own reads and
        // writes of the environment, and this crate's tests read it only through std.
        unsafe { std::env::set_var(VARIABLE, format!("{HEX}\n")) };
        let from_hex = KeySource::Env(VARIABLE.into()).load();
        unsafe { std::env::set_var(VARIABLE, expected.to_sec1_pem().as_str()) };
        let from_pem = load_key_env(VARIABLE);
        unsafe { std::env::set_var(VARIABLE, "not a key") };
        let invalid = load_key_env(VARIABLE);
        unsafe { std::env::remove_var(VARIABLE) };

        assert_eq!(from_hex.unwrap().sin(), expected.sin());
        assert_eq!(
            from_pem.unwrap().public_key_hex(),
            expected.public_key_hex()
        );
        let error = invalid.unwrap_err().to_string();
        assert!(
            error.contains(&format!("environment variable {VARIABLE}")),
            "{error}"
        );
        assert!(!error.contains("not a key"), "{error}");
    }

    #[test]
    fn errors_name_the_origin_and_never_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.key");
        std::fs::write(
            &path,
            "c6b7f6bfe5bb19b1e390e55ed4ba5df8af6068d0eb89379a33f9c19aacf6c0zz",
        )
        .unwrap();
        let error = load_key_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("broken.key") && error.contains("non-hex"),
            "{error}"
        );
        assert!(!error.contains("c6b7f6"), "{error}");
        let missing = load_key_file(&dir.path().join("absent.key")).unwrap_err();
        assert!(matches!(missing, KeyFileError::Read { .. }));
        let error = load_key_env("PAYSMITH_TEST_KEY_THAT_IS_NOT_SET").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("PAYSMITH_TEST_KEY_THAT_IS_NOT_SET")
        );
    }
}
