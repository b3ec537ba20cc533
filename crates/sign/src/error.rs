//! Error types shared by the families and the generic entry points.

use crate::trace::Trace;

/// Signing could not produce a signature from the given inputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The same parameter key was supplied more than once.
    #[error("parameter key `{0}` appears more than once")]
    DuplicateKey(String),
    /// The plaintext does not fit one PKCS#1 v1.5 block.
    #[error(
        "plaintext is {len} bytes but a {bits}-bit RSA key can sign at most {max} bytes \
         (PKCS#1 v1.5 padding takes 11); Java would throw IllegalBlockSizeException here"
    )]
    MessageTooLong {
        /// UTF-8 length of the plaintext.
        len: usize,
        /// Largest plaintext the key accepts (`key bytes - 11`).
        max: usize,
        /// Modulus size in bits.
        bits: usize,
    },
    /// A `{name}` placeholder could not be filled.
    #[error("password template `{template}`: {problem}")]
    Template {
        /// The template as configured.
        template: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The RSA primitive itself failed.
    #[error("RSA signing failed: {0}")]
    Rsa(String),
}

/// A signature did not verify, or could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The recomputed signature differs from the supplied one; `trace` shows
    /// what was signed (its secret stages are redacted by `Debug`). `Display`
    /// never shows `expected`: it is a valid signature over what was received,
    /// and an error message must not hand one out.
    #[error("the {stage} does not match (received `{got}`)")]
    Mismatch {
        /// Stage that disagrees, e.g. `signature` or `response_signature`.
        stage: &'static str,
        /// Signature recomputed from the inputs (not shown by `Display`).
        expected: String,
        /// Signature that was supplied.
        got: String,
        /// Stages of the recomputation.
        trace: Trace,
    },
    /// A well-formed signature that does not verify under the public key (signature
    /// schemes without a single expected value, such as ECDSA).
    #[error("the signature does not verify under this public key over this message")]
    SignatureInvalid {
        /// Stages of the check: the key, the message and its digest.
        trace: Trace,
    },
    /// The signature text is not valid in the configured encoding.
    #[error("signature is not valid {encoding}: {problem}")]
    BadSignatureEncoding {
        /// Expected encoding, e.g. `base64`.
        encoding: &'static str,
        /// Why decoding failed.
        problem: String,
    },
    /// The public key does not open the signature to a PKCS#1 v1.5 type-1
    /// block: the signature was made with another key or is damaged.
    #[error(
        "signature does not open under this public key (wrong key, or the signature is corrupt)"
    )]
    WrongKeyOrCorrupt,
    /// The signature is valid for this key but over a different plaintext.
    #[error("signature is valid but was made over `{signed}`, not `{expected}`")]
    PlaintextMismatch {
        /// Plaintext recovered from the signature (lossy UTF-8).
        signed: String,
        /// Plaintext the caller expected.
        expected: String,
    },
    /// Recomputing the signature failed before any comparison.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The generic input document was malformed.
    #[error(transparent)]
    Input(#[from] InputError),
}

/// A field of a generic input document is missing, mistyped or unknown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("input field `{field}`: {problem}")]
pub struct InputError {
    /// Dotted path of the field, e.g. `params.orderNo`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl InputError {
    pub(crate) fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        InputError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
