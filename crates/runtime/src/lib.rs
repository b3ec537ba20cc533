//! Client plumbing shared by paysmith's generated clients.
//!
//! Generated clients hold the wiring (which endpoint, which scheme, which fields); this
//! crate holds the parts that are the same for every provider: the clock and nonce
//! sources that make signed requests reproducible, the request view that is signed and
//! then sent unchanged, the transport, envelope decoding and the error type.
//!
//! Nothing here retries a request: money-moving calls must never be repeated behind
//! the caller's back, and the others are cheap for the caller to retry.

pub mod acquia;
pub mod clock;
pub mod confirm;
pub mod content_md5;
pub mod envelope;
pub mod error;
pub mod header_params;
pub mod identity;
pub mod key_file;
pub mod nonce;
pub mod plain;
pub mod request;
pub mod resource;
pub mod token_store;
pub mod transport;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, ErrorKind};
pub use nonce::{FixedNonce, NonceSource, RandomNonce};
pub use request::SignedRequest;
pub use transport::{RawResponse, Transport};
