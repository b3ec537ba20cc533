//! What a sandbox is configured with: where it listens, which providers it serves,
//! its clock, its policies and one merchant account per provider.
//!
//! The defaults are the conformance suite's test credentials, so the generated clients
//! configured as in `conformance` talk to a default sandbox unchanged. `Debug` never
//! shows a secret.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::clock::ClockMode;
use crate::providers::bitpay::BitPayConfig;
use crate::providers::bitpro::BitproConfig;
use crate::providers::bitpro_mapi::BitproMapiConfig;
use crate::providers::onebitpay::OneBitPayConfig;

/// Everything a sandbox starts with.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Address to listen on; loopback by default.
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Providers to serve, by name (see [`crate::PROVIDERS`]); `None` serves all.
    pub providers: Option<Vec<String>>,
    pub clock: ClockMode,
    /// Freshness and replay window for schemes whose spec gives none (1BitPay's
    /// `TimeStamp` and `Nonce`): the document documents no window, so the sandbox picks one.
    pub default_window: Duration,
    /// How long one callback or webhook delivery may take before it counts as failed.
    pub delivery_timeout: Duration,
    pub onebitpay: OneBitPayConfig,
    pub bitpro: BitproConfig,
    pub bitpro_mapi: BitproMapiConfig,
    pub bitpay: BitPayConfig,
}

/// Sandbox policy: 1BitPay documents no timestamp window; five minutes accepts any
/// sane clock drift and still refuses a request captured and replayed later.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            providers: None,
            clock: ClockMode::System,
            default_window: DEFAULT_WINDOW,
            delivery_timeout: Duration::from_secs(10),
            onebitpay: OneBitPayConfig::default(),
            bitpro: BitproConfig::default(),
            bitpro_mapi: BitproMapiConfig::default(),
            bitpay: BitPayConfig::default(),
        }
    }
}

impl SandboxConfig {
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves only these providers (names as in [`crate::PROVIDERS`]).
    pub fn with_providers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.providers = Some(names.into_iter().map(Into::into).collect());
        self
    }

    pub fn with_clock(mut self, clock: ClockMode) -> Self {
        self.clock = clock;
        self
    }
}
