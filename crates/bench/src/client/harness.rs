//! One sandbox on a loopback port, the runtimes both sides run on, and the checks that
//! tie a measured call to what the sandbox did with it.
//!
//! The sandbox runs in this process on its own single-threaded Tokio runtime (one OS
//! thread), the measured calls on a current-thread runtime on the benchmark's thread:
//! on a two-core machine each side has a core, the request still crosses the loopback
//! interface, and the sandbox's event log can be read directly to prove that a request
//! was verified and answered.

use std::time::Duration;

use paysmith_sandbox::{ClockMode, EventKind, Outcome, Sandbox, SandboxClock, SandboxConfig};
use tokio::runtime::{Builder, Runtime};

/// A sandbox serving one provider API, and the HTTP client both sides share.
pub struct Harness {
    // Declared before its runtime so it is dropped while the runtime still exists.
    sandbox: Sandbox,
    /// The sandbox's runtime: held only so its thread keeps serving.
    _server: Runtime,
    client: Runtime,
    base_url: String,
    /// One connection pool for the generated client and the hand-written calls.
    pub http: reqwest::Client,
}

impl Harness {
    /// Starts the sandbox for `provider` (a name of `paysmith_sandbox::PROVIDERS`) on a
    /// free loopback port with a manual clock, so the benchmark decides when replay
    /// marks expire (see [`Harness::forget_nonces`]).
    pub fn start(provider: &str) -> Result<Harness, String> {
        let spec = paysmith_spec::load(&crate::fixtures::root()).map_err(|d| d.to_string())?;
        let server = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sandbox")
            .enable_all()
            .build()
            .map_err(|e| format!("sandbox runtime: {e}"))?;
        let client = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("client runtime: {e}"))?;
        let config = SandboxConfig::default()
            .with_providers([provider])
            .with_clock(ClockMode::manual());
        let sandbox = server
            .block_on(Sandbox::start(&spec, config))
            .map_err(|e| format!("the sandbox does not start: {e}"))?;
        let base_url = sandbox
            .url(provider)
            .ok_or_else(|| format!("the sandbox does not serve `{provider}`"))?
            .to_owned();
        // Both sides send through this client: same pool, same keep-alive, same HTTP/1.1.
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Harness {
            sandbox,
            _server: server,
            client,
            base_url,
            http,
        })
    }

    /// `http://127.0.0.1:PORT/<base path>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The sandbox clock, which both sides sign with.
    pub fn clock(&self) -> SandboxClock {
        self.sandbox.clock()
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Runs measured calls on the client runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.client.block_on(future)
    }

    /// Moves the sandbox clock past `window`, so every nonce recorded so far expires.
    /// The sandbox scans all its replay marks on every signed request: at thousands of
    /// requests per second the scan would soon cost more than the request, and grow
    /// through each sample. Called before every measured call, it keeps one mark.
    pub fn forget_nonces(&self, window: Duration) {
        if !window.is_zero() {
            self.sandbox
                .clock()
                .advance(window + Duration::from_secs(1));
        }
    }

    /// Fails unless the last request the sandbox logged was verified (signature,
    /// freshness, replay, token) and answered with success by endpoint `endpoint`.
    pub fn last_answered(&self, endpoint: &str) -> Result<(), String> {
        let events = self.sandbox.events();
        let last = events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Request { .. }))
            .ok_or("the sandbox logged no request")?;
        match &last.kind {
            EventKind::Request {
                endpoint: Some(seen),
                outcome: Outcome::Answered,
                ..
            } if seen == endpoint => Ok(()),
            other => Err(format!(
                "the sandbox did not verify and answer `{endpoint}`: {other:?}"
            )),
        }
    }
}
