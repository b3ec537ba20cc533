//! `paysmith sandbox`: the local provider sandbox, served until interrupted.
//!
//! The first line on standard output is one JSON object with the base URL of every
//! served API, so a script can start it on a free port (`--port 0`) and read where it
//! is. The log (every request, the stage a refused one failed at, every delivery) goes
//! to standard error.

use std::net::{IpAddr, Ipv4Addr};

use paysmith_sandbox::{Sandbox, SandboxConfig};
use paysmith_spec::Spec;

/// The port when none is given.
pub const DEFAULT_PORT: u16 = 12_112;

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Serve only these providers (repeat or separate with commas): onebitpay, bitpro,
    /// bitpro-mapi, bitpay. Default: all.
    #[arg(long = "provider", value_name = "NAME", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Log only refusals and failed deliveries.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Starts a sandbox in-process with the spec built into this crate, for a consuming
/// project's tests (`SandboxConfig::default()` listens on a free loopback port).
pub async fn start(config: SandboxConfig) -> Result<Sandbox, String> {
    let spec = crate::embedded_spec().map_err(|diagnostics| diagnostics.to_string())?;
    Sandbox::start(&spec, config)
        .await
        .map_err(|e| e.to_string())
}

/// Serves until Ctrl-C or SIGTERM. Errors are messages for the user.
pub fn run(spec: &Spec, args: SandboxArgs) -> Result<(), String> {
    let level = if args.quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let mut config = SandboxConfig::default().with_port(args.port);
    config.host = args.host;
    if !args.providers.is_empty() {
        config = config.with_providers(args.providers);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(spec, config)
            .await
            .map_err(|e| e.to_string())?;
        println!("{}", announcement(&sandbox));
        sandbox
            .serve_until(stop_signal())
            .await
            .map_err(|e| e.to_string())
    })
}

/// `{"base_url": …, "controls": …, "providers": {name: url, …}}`.
fn announcement(sandbox: &Sandbox) -> serde_json::Value {
    let providers: serde_json::Map<String, serde_json::Value> = sandbox
        .providers()
        .into_iter()
        .map(|(info, url)| (info.name.to_owned(), url.into()))
        .collect();
    serde_json::json!({
        "base_url": sandbox.base_url(),
        "controls": format!("{}/_sandbox", sandbox.base_url()),
        "providers": providers,
    })
}

async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping");
}
