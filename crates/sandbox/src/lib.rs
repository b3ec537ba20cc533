//! A local sandbox of the providers' APIs over real HTTP, for tests and for projects
//! that consume paysmith's generated crates.
//!
//! One server serves every provider API under its own base path (`/onebitpay`,
//! `/bitpro`, `/bitpro-mapi`, `/bitpay`), with the API's own paths below it, so a generated client
//! only changes its base URL. Routing, request decoding and signature checks come from
//! the spec; what each resource does in memory is written by hand per provider. Test
//! controls (set a rate, move an order, fire a charge event, advance the clock) are
//! methods of the provider handles and HTTP routes under `/_sandbox`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use paysmith_sandbox::{ClockMode, Sandbox, SandboxConfig};
//!
//! let spec = paysmith_spec::load(std::path::Path::new("."))?;
//! let sandbox = Sandbox::start(&spec, SandboxConfig::default().with_clock(ClockMode::manual())).await?;
//! let base_url = sandbox.url("onebitpay").expect("served"); // http://127.0.0.1:PORT/onebitpay
//! // … point a client at `base_url`, signing with `sandbox.clock()` …
//! sandbox.advance(std::time::Duration::from_secs(3600)).await; // an hour of callback retries
//! for event in sandbox.events() {
//!     println!("{event:?}");
//! }
//! sandbox.shutdown().await?;
//! # Ok(())
//! # }
//! ```

mod api_spec;
mod bitcoin;
mod capability;
mod clock;
mod config;
mod control;
mod decode;
mod error;
mod events;
mod outbox;
mod pipeline;
pub mod providers;
mod respond;
mod routes;
mod schedule;
mod server;
mod shared;
mod verify;
mod wire;

pub use clock::{ClockMode, SandboxClock};
pub use config::{DEFAULT_WINDOW, SandboxConfig};
pub use error::{ControlError, SandboxError};
pub use events::{DeliveryResult, Event, EventKind, Outcome, Stage};
pub use outbox::{Delivery, DeliveryStatus, Notification, RetryPolicy};
pub use providers::bitpay::{BitPay, BitPayConfig};
pub use providers::bitpro::{Bitpro, BitproConfig};
pub use providers::bitpro_mapi::{BitproMapi, BitproMapiConfig};
pub use providers::onebitpay::{OneBitPay, OneBitPayConfig};
pub use providers::{PROVIDERS, ProviderInfo};
pub use respond::{ProviderError, Rejection};
pub use server::Sandbox;
