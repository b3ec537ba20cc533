//! What the sandbox did, in order: every request it answered or refused (and at which
//! stage), every notification it delivered. Tests read it through
//! [`crate::Sandbox::events`]; each entry is also logged with `tracing`.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

/// Where the checking of a request stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// The body or query could not be read as the endpoint's encoding.
    Decode,
    /// A header the scheme needs is missing or malformed.
    Headers,
    /// The request names an api key, merchant or setting this sandbox does not know.
    Credential,
    /// The request's time is outside the accepted window.
    Freshness,
    /// The digest of the content (`Content-MD5`, `X-Authorization-Content-SHA256`)
    /// does not match the content.
    ContentDigest,
    /// The request signature does not match.
    Signature,
    /// The nonce was already used inside the window.
    Replay,
    /// The signature inside the body (1BitPay's RSA `data`) does not hold.
    BodySignature,
    /// The capability token is missing, unknown, not approved or expired.
    Token,
    /// The token grants a facade the endpoint does not serve.
    Facade,
    /// The request is signed by a key other than the one the token is bound to.
    Identity,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Headers => "headers",
            Stage::Credential => "credential",
            Stage::Freshness => "freshness",
            Stage::ContentDigest => "content_digest",
            Stage::Signature => "signature",
            Stage::Replay => "replay",
            Stage::BodySignature => "body_signature",
            Stage::Token => "token",
            Stage::Facade => "facade",
            Stage::Identity => "identity",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Verified and answered with success.
    Answered,
    /// Verified, then refused by the provider's rules (e.g. "Not found").
    Rejected { message: String },
    /// Not verified: refused at `stage`; `reason` says what was wrong.
    Refused { stage: Stage, reason: String },
    /// Verified, but no handler exists for the endpoint.
    Unhandled,
}

/// What happened to one delivery attempt of a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DeliveryResult {
    /// The receiver answered with the acknowledgement.
    Acknowledged { status: u16 },
    /// The receiver answered something else; the notification stays due.
    NotAcknowledged { status: u16, body: String },
    /// No answer arrived (connection refused, timeout).
    Failed { error: String },
}

impl DeliveryResult {
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, DeliveryResult::Acknowledged { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Request {
        /// Endpoint id in the spec; `None` when no endpoint matched.
        endpoint: Option<String>,
        method: String,
        /// The path as received, base path included.
        path: String,
        /// The capability facade the request was made with (APIs with facades).
        #[serde(skip_serializing_if = "Option::is_none")]
        facade: Option<String>,
        #[serde(flatten)]
        outcome: Outcome,
    },
    Delivery {
        /// Callback id in the spec (`order_callback`, `charge_webhook`).
        callback: String,
        notification: u64,
        url: String,
        /// 1 for the first delivery.
        attempt: u32,
        #[serde(flatten)]
        result: DeliveryResult,
    },
}

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Sandbox time, milliseconds since the Unix epoch.
    pub at_millis: u64,
    /// API id in the spec.
    pub api: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// The endpoint of a request event.
    pub fn endpoint(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Request { endpoint, .. } => endpoint.as_deref(),
            EventKind::Delivery { .. } => None,
        }
    }

    /// The facade a request event was made with, once its token was read.
    pub fn facade(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Request { facade, .. } => facade.as_deref(),
            EventKind::Delivery { .. } => None,
        }
    }

    /// The outcome of a request event.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.kind {
            EventKind::Request { outcome, .. } => Some(outcome),
            EventKind::Delivery { .. } => None,
        }
    }

    /// The stage a refused request stopped at.
    pub fn refused_at(&self) -> Option<Stage> {
        match self.outcome() {
            Some(Outcome::Refused { stage, .. }) => Some(*stage),
            _ => None,
        }
    }
}

/// The in-memory log; clones share it.
#[derive(Clone, Debug, Default)]
pub struct EventLog(Arc<Mutex<Vec<Event>>>);

impl EventLog {
    pub fn record(&self, at_millis: u64, api: &str, kind: EventKind) {
        log(api, &kind);
        let mut events = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = events.len() as u64 + 1;
        events.push(Event {
            seq,
            at_millis,
            api: api.to_owned(),
            kind,
        });
    }

    pub fn snapshot(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn log(api: &str, kind: &EventKind) {
    match kind {
        EventKind::Request {
            endpoint,
            method,
            path,
            outcome,
            ..
        } => {
            let endpoint = endpoint.as_deref().unwrap_or("-");
            match outcome {
                Outcome::Answered => {
                    tracing::info!(api, endpoint, %method, %path, "request answered")
                }
                Outcome::Rejected { message } => {
                    tracing::info!(api, endpoint, %method, %path, %message, "request rejected by the provider's rules")
                }
                Outcome::Refused { stage, reason } => {
                    tracing::warn!(api, endpoint, %method, %path, %stage, %reason, "request refused")
                }
                Outcome::Unhandled => {
                    tracing::error!(api, endpoint, %method, %path, "no handler for this endpoint")
                }
            }
        }
        EventKind::Delivery {
            callback,
            notification,
            url,
            attempt,
            result,
        } => match result {
            DeliveryResult::Acknowledged { status } => {
                tracing::info!(api, %callback, notification, %url, attempt, status, "delivery acknowledged")
            }
            DeliveryResult::NotAcknowledged { status, .. } => {
                tracing::warn!(api, %callback, notification, %url, attempt, status, "delivery not acknowledged")
            }
            DeliveryResult::Failed { error } => {
                tracing::warn!(api, %callback, notification, %url, attempt, %error, "delivery failed")
            }
        },
    }
}
