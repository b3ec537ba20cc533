//! Sans-IO request-signing families for payment-gateway APIs.
//!
//! Each family takes plain inputs (parameters, a secret, a key) and returns a
//! [`Trace`]: every intermediate value in order, ending with the `signature`
//! stage, so a failed signature can be diagnosed step by step. Nothing here
//! performs I/O; key files are passed in as bytes.
//!
//! Families:
//! - [`sorted_params`] (`sorted-params-digest`): sorted `k=v&k=v` + secret, hashed.
//! - [`rsa_private`] (`rsa-pkcs1v15-private-encrypt`): the JDK's
//!   `Cipher("RSA")` encrypt-with-private-key over a plaintext, keyed by a
//!   PKCS#12 shard loaded with [`pkcs12`].
//!
//! - [`content_md5_hmac`] (`content-md5-hmac`): `Content-MD5` plus an HMAC
//!   `Authorization` (Bitpro API v1).
//! - [`acquia_hmac`] (`acquia-http-hmac`): Acquia HTTP HMAC 2.0 with its response
//!   signature (Bitpro merchant API).
//! - [`bitpay_ecdsa`] (`bitpay-ecdsa`): BitPay's `X-Identity` / `X-Signature`
//!   secp256k1 ECDSA over the URL and body, and the key's SIN.
//!
//! [`evaluate`] drives every family from a JSON input document.

pub mod acquia_hmac;
pub mod binding;
pub mod bitpay_ecdsa;
pub mod content_md5_hmac;
mod encoding;
mod error;
pub mod evaluate;
pub mod json_fields;
pub mod pkcs12;
pub mod rsa_private;
mod secret;
pub mod sorted_params;
pub mod target;
mod trace;

pub use encoding::{DigestAlgorithm, OutputEncoding};
pub use error::{InputError, SignError, VerifyError};
pub use evaluate::{SchemeFamily, sign_input, stringify_json_scalar, verify_input};
pub use pkcs12::{PasswordEvidence, Pkcs12Error, ShardKey, load_shard, load_shard_with_alias};
pub use rsa_private::RsaPrivateEncryptConfig;
pub use secret::Secret;
pub use sorted_params::SortedParamsConfig;
pub use trace::{Stage, Trace};

/// Re-exported so callers can name key types without depending on `rsa`
/// themselves (and get the same version).
pub use rsa;
