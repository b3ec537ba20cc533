//! What the end-to-end tests share: a sandbox on a manual clock, the generated clients pointed at it
//! and signing with its clock, and a receiver for outbound notifications.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use paysmith_sandbox::{ClockMode, Event, Outcome, Sandbox, SandboxConfig, Stage};
use paysmith_spec::Spec;

use crate::loopback::{self, Received, Reply};

/// Where every sandbox clock starts: 2024-01-01T00:00:00Z.
pub const START: Duration = Duration::from_secs(1_704_067_200);

/// How long a test waits for a notification that the sandbox reports as delivered
/// (the receiver thread records it just after answering).
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// The spec, loaded once per test binary.
pub fn spec() -> &'static Spec {
    static SPEC: LazyLock<Spec> = LazyLock::new(crate::spec);
    &SPEC
}

/// The sandbox configuration of the tests: only `providers`, a manual clock at
/// [`START`].
pub fn config(providers: &[&str]) -> SandboxConfig {
    SandboxConfig::default()
        .with_providers(providers.iter().copied())
        .with_clock(ClockMode::manual_at(UNIX_EPOCH + START))
}

/// Starts a sandbox serving `providers` on a random loopback port.
pub async fn start(providers: &[&str]) -> Sandbox {
    Sandbox::start(spec(), config(providers))
        .await
        .expect("the sandbox starts")
}

/// The base URL of `provider` on `sandbox`.
pub fn url(sandbox: &Sandbox, provider: &str) -> String {
    sandbox
        .url(provider)
        .unwrap_or_else(|| panic!("the sandbox serves {provider}"))
        .to_owned()
}

/// Milliseconds of `time` since the epoch.
pub fn millis(time: SystemTime) -> u64 {
    u64::try_from(
        time.duration_since(UNIX_EPOCH)
            .expect("after the epoch")
            .as_millis(),
    )
    .expect("fits")
}

/// The log entries of requests to `endpoint`, in order.
pub fn requests_to<'a>(events: &'a [Event], endpoint: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.endpoint() == Some(endpoint))
        .collect()
}

/// The stage and reason of the last request the sandbox logged; panics unless it was
/// refused.
pub fn last_refusal(sandbox: &Sandbox) -> (Stage, String) {
    let events = sandbox.events();
    let last = events.last().expect("a request was logged");
    match last.outcome() {
        Some(Outcome::Refused { stage, reason }) => (*stage, reason.clone()),
        other => panic!("the last request was not refused: {other:?}"),
    }
}

/// Every endpoint of `api` in the spec that the sandbox answered with success at least
/// once, and those it never did.
pub fn coverage(sandbox: &Sandbox, api: &str) -> (Vec<String>, Vec<String>) {
    let events = sandbox.events();
    let api = &spec().api(api).expect("the API is in the spec").value;
    api.endpoints.iter().map(|e| e.id.clone()).partition(|id| {
        events
            .iter()
            .any(|e| e.endpoint() == Some(id.as_str()) && e.outcome() == Some(&Outcome::Answered))
    })
}

/// A loopback server standing for the merchant's notification endpoint: each request
/// is answered with what `answer` says for its number (1 for the first).
pub struct NotificationReceiver {
    pub url: String,
    received: Receiver<Received>,
}

impl NotificationReceiver {
    pub fn new<F>(answer: F) -> Self
    where
        F: Fn(usize) -> Reply + Send + 'static,
    {
        let count = Arc::new(Mutex::new(0usize));
        let (url, received) = loopback::serve(usize::MAX, move |_| {
            let mut count = count.lock().expect("counter");
            *count += 1;
            answer(*count)
        });
        NotificationReceiver { url, received }
    }

    /// A receiver answering every request with `status` and `body`.
    pub fn always(status: &'static str, body: &'static str) -> Self {
        Self::new(move |_| Reply::json(status, body))
    }

    /// The next `count` requests, in the order received.
    pub fn take(&self, count: usize) -> Vec<Received> {
        (0..count)
            .map(|n| {
                self.received
                    .recv_timeout(RECEIVE_TIMEOUT)
                    .unwrap_or_else(|_| panic!("notification {} of {count} arrived", n + 1))
            })
            .collect()
    }

    /// Requests received and not yet taken.
    pub fn pending(&self) -> Vec<Received> {
        self.received.try_iter().collect()
    }
}

/// The documented errors (`errors` of each endpoint, worded by the API's
/// `error_body.kinds`) that the sandbox never answered the endpoint with, as
/// `endpoint: kind`.
pub fn documented_errors_never_seen(sandbox: &Sandbox, api: &str) -> Vec<String> {
    let events = sandbox.events();
    let api = &spec().api(api).expect("the API is in the spec").value;
    let kinds = api.error_body.as_ref().map_or(&[][..], |b| &b.kinds[..]);
    let mut missing = Vec::new();
    for endpoint in &api.endpoints {
        for kind in &endpoint.errors {
            let message = kinds
                .iter()
                .find(|k| &k.name == kind)
                .and_then(|k| k.message.as_deref())
                .unwrap_or_else(|| panic!("kind {kind} has a documented message"));
            let seen = events.iter().any(|e| {
                e.endpoint() == Some(endpoint.id.as_str())
                    && matches!(e.outcome(), Some(Outcome::Rejected { message: m }) if m == message)
            });
            if !seen {
                missing.push(format!("{}: {kind}", endpoint.id));
            }
        }
    }
    missing
}

/// Every call the spec grants a facade (`facade.endpoint`, for APIs with capability
/// facades) that the sandbox never answered with success when made with that facade.
pub fn facade_calls_never_answered(sandbox: &Sandbox, api: &str) -> Vec<String> {
    let events = sandbox.events();
    let api = &spec().api(api).expect("the API is in the spec").value;
    api.endpoints
        .iter()
        .flat_map(|e| e.facades.iter().map(move |f| (f.as_str(), e.id.as_str())))
        .filter(|(facade, endpoint)| {
            !events.iter().any(|e| {
                e.endpoint() == Some(endpoint)
                    && e.facade() == Some(facade)
                    && e.outcome() == Some(&Outcome::Answered)
            })
        })
        .map(|(facade, endpoint)| format!("{facade}.{endpoint}"))
        .collect()
}

/// The documented errors of every endpoint of `api`, as `endpoint: kind`, for APIs
/// whose errors are told apart by code rather than message.
pub fn documented_error_kinds(api: &str) -> Vec<String> {
    let api = &spec().api(api).expect("the API is in the spec").value;
    api.endpoints
        .iter()
        .flat_map(|e| e.errors.iter().map(move |kind| format!("{}: {kind}", e.id)))
        .collect()
}
