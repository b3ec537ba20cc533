//! Starting, driving and stopping one sandbox: a listener, one router per provider
//! API under its base path, the test controls, and a background tick for deliveries
//! when the clock runs by itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use paysmith_spec::Spec;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api_spec::ApiSpec;
use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::control;
use crate::error::SandboxError;
use crate::events::Event;
use crate::outbox::{Delivery, Notification};
use crate::providers::bitpay::BitPay;
use crate::providers::bitpro::Bitpro;
use crate::providers::bitpro_mapi::BitproMapi;
use crate::providers::onebitpay::OneBitPay;
use crate::providers::{self, Provider, ProviderCtx, ProviderInfo};
use crate::routes;
use crate::shared::Shared;

/// Prefix of the test controls.
pub(crate) const CONTROL_PREFIX: &str = "/_sandbox";

/// How often due deliveries are sent when the clock runs by itself.
const TICK: Duration = Duration::from_secs(1);

/// One provider API being served.
pub(crate) struct Mounted {
    pub info: &'static ProviderInfo,
    pub provider: Arc<dyn Provider>,
    pub url: String,
}

/// A running sandbox. Dropping it stops the server (in-flight requests are cut);
/// [`Sandbox::shutdown`] stops it gracefully.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shared: Arc<Shared>,
    mounted: Arc<Vec<Mounted>>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    ticker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field(
                "providers",
                &self.mounted.iter().map(|m| m.info.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Builds every selected provider from `spec`, binds the configured address (port 0
    /// picks a free one) and starts serving. Must be called inside a Tokio runtime.
    pub async fn start(spec: &Spec, config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let infos = providers::select(config.providers.as_deref())?;
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let base_url = format!("http://{}", reachable(addr));
        let shared = Shared::new(&config);

        let mut mounted = Vec::with_capacity(infos.len());
        let mut app = Router::new();
        for info in infos {
            let api = ApiSpec::from_spec(spec, info.api)?;
            let ctx = ProviderCtx {
                shared: shared.clone(),
                url: format!("{base_url}{}", info.base_path),
                control_url: format!("{base_url}{CONTROL_PREFIX}{}", info.base_path),
            };
            let provider = (info.build)(&api, ctx.clone(), &config)?;
            let router = routes::api_router(
                &api,
                provider.clone(),
                shared.clone(),
                config.default_window,
            )?;
            app = app.nest(info.base_path, router).nest(
                &format!("{CONTROL_PREFIX}{}", info.base_path),
                provider.controls(),
            );
            mounted.push(Mounted {
                info,
                provider,
                url: ctx.url,
            });
        }
        let mounted = Arc::new(mounted);
        let app = app.nest(
            CONTROL_PREFIX,
            control::router(shared.clone(), mounted.clone()),
        );

        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        let ticker = shared.clock.is_running().then(|| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(TICK);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    shared.run_due().await;
                }
            })
        });
        tracing::info!(%base_url, "sandbox listening");
        for m in mounted.iter() {
            tracing::info!(provider = m.info.name, api = m.info.api, url = %m.url, "serving");
        }
        Ok(Sandbox {
            addr,
            base_url,
            shared,
            mounted,
            stop: Some(stop),
            server: Some(server),
            ticker,
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, without a base path.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Base URL of a served provider API (by name or API id):
    /// `http://127.0.0.1:PORT/onebitpay`. Give it to the client as its custom
    /// environment.
    pub fn url(&self, provider: &str) -> Option<&str> {
        self.mounted
            .iter()
            .find(|m| m.info.name == provider || m.info.api == provider)
            .map(|m| m.url.as_str())
    }

    /// The provider APIs served, in order, with their base URLs.
    pub fn providers(&self) -> Vec<(&'static ProviderInfo, &str)> {
        self.mounted
            .iter()
            .map(|m| (m.info, m.url.as_str()))
            .collect()
    }

    fn provider<T: Clone + 'static>(&self, name: &'static str) -> Result<T, SandboxError> {
        self.mounted
            .iter()
            .find_map(|m| m.provider.as_any().downcast_ref::<T>().cloned())
            .ok_or(SandboxError::NotEnabled(name))
    }

    /// The 1BitPay sandbox: its state and test controls.
    pub fn onebitpay(&self) -> Result<OneBitPay, SandboxError> {
        self.provider("onebitpay")
    }

    /// The Bitpro API v1 sandbox: its state and test controls.
    pub fn bitpro(&self) -> Result<Bitpro, SandboxError> {
        self.provider("bitpro")
    }

    /// The Bitpro merchant API sandbox: its state and test controls.
    pub fn bitpro_mapi(&self) -> Result<BitproMapi, SandboxError> {
        self.provider("bitpro-mapi")
    }

    /// The BitPay sandbox: its state and test controls.
    pub fn bitpay(&self) -> Result<BitPay, SandboxError> {
        self.provider("bitpay")
    }

    /// The sandbox clock. Clients sign with it (`Transport::with_clock(sandbox.clock())`)
    /// so a manual clock and the requests agree.
    pub fn clock(&self) -> SandboxClock {
        self.shared.clock.clone()
    }

    /// The current sandbox time.
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// Moves the clock forward by `by`, stopping at every delivery that falls due on the
    /// way so each is sent at its scheduled time; returns the deliveries made.
    pub async fn advance(&self, by: Duration) -> Vec<Delivery> {
        control::advance(&self.shared, by).await
    }

    /// Makes the timed changes due now and sends every delivery due now; returns the
    /// deliveries.
    pub async fn run_due(&self) -> Vec<Delivery> {
        self.shared.run_due().await
    }

    /// Every request and delivery so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.shared.events.snapshot()
    }

    /// Every outbound notification and its deliveries.
    pub fn notifications(&self) -> Vec<Notification> {
        self.shared.outbox.notifications()
    }

    /// One notification by id.
    pub fn notification(&self, id: u64) -> Option<Notification> {
        self.shared.outbox.notification(id)
    }

    /// Stops accepting connections, lets in-flight requests finish, and returns.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        self.stop_now().await
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn serve_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<(), SandboxError> {
        let server = self
            .server
            .as_mut()
            .expect("the server runs until shutdown");
        tokio::select! {
            () = signal => self.stop_now().await,
            finished = server => {
                self.server = None;
                match finished {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(SandboxError::Serve(error)),
                    Err(join) => Err(SandboxError::Serve(std::io::Error::other(join))),
                }
            }
        }
    }

    async fn stop_now(&mut self) -> Result<(), SandboxError> {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => match server.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(SandboxError::Serve(error)),
                Err(join) => Err(SandboxError::Serve(std::io::Error::other(join))),
            },
            None => Ok(()),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// The address a client on this machine dials: an unspecified address (listening on
/// every interface) is reached through loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}
