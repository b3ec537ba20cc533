//! Outbound notifications (1BitPay order callbacks, merchant API webhooks): each is
//! delivered at once, then retried on its schedule, measured on the sandbox clock from
//! the first failed delivery, until the receiver acknowledges it or the schedule ends.
//!
//! How a notification is signed, what acknowledges it and when it is retried come from
//! the spec's `callbacks` entry; a provider supplies a policy only where the spec
//! documents none.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use paysmith_sign::Secret;
use paysmith_sign::evaluate::SchemeFamily;
use paysmith_sign::sorted_params::SortedParamsConfig;
use serde::Serialize;
use serde_json::Value;

use crate::api_spec::ApiSpec;
use crate::clock::{SandboxClock, unix_millis};
use crate::error::SandboxError;
use crate::events::{DeliveryResult, EventKind, EventLog};
use crate::verify::CredentialSource;

/// When an unacknowledged notification is retried: offsets from the first failed
/// delivery; nothing is sent after `window`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub offsets: Vec<Duration>,
    pub window: Duration,
}

/// What the receiver must answer for a delivery to count.
#[derive(Clone, Debug, PartialEq)]
enum Ack {
    /// A 2xx answer whose body is this JSON (whitespace and key order aside).
    Body(Value),
    /// Any 2xx answer.
    AnySuccess,
}

/// Signs a payload: every field but `field`, with the merchant's secret.
#[derive(Debug)]
struct PayloadSigner {
    config: SortedParamsConfig,
    field: String,
    secret: Secret,
}

/// How one kind of notification is sent.
#[derive(Debug)]
pub(crate) struct CallbackPlan {
    api: String,
    id: String,
    method: reqwest::Method,
    signer: Option<PayloadSigner>,
    ack: Ack,
    retry: RetryPolicy,
    /// JSON pointer of a payload field holding the attempt number (from 1).
    attempt_field: Option<String>,
}

impl CallbackPlan {
    /// The plan of callback `id` of `api`. `fallback` is the retry policy when the
    /// spec documents none; `attempt_field` names the payload field that counts
    /// deliveries, when the payload has one.
    pub fn from_spec(
        api: &ApiSpec,
        id: &str,
        credentials: &dyn CredentialSource,
        fallback: &RetryPolicy,
        attempt_field: Option<&str>,
    ) -> Result<Self, SandboxError> {
        let callback = api.callback(id)?;
        let signer = match &callback.signature {
            None => None,
            Some(signature) => {
                let scheme = api.scheme(&signature.scheme)?;
                let SchemeFamily::SortedParamsDigest(config) = &scheme.signing else {
                    return Err(api.problem(format!(
                        "callback `{id}` is signed with family `{}`; the sandbox signs sorted-params-digest",
                        scheme.signing.name()
                    )));
                };
                let secret = credentials.credential(&signature.secret).ok_or_else(|| {
                    SandboxError::MissingCredential {
                        api: api.id().to_owned(),
                        name: signature.secret.clone(),
                    }
                })?;
                Some(PayloadSigner {
                    config: config.clone(),
                    field: signature.field.clone(),
                    secret: secret.into(),
                })
            }
        };
        let ack = match &callback.acknowledgement {
            Some(text) => Ack::Body(serde_json::from_str(text).map_err(|e| {
                api.problem(format!(
                    "callback `{id}`: the acknowledgement is not JSON: {e}"
                ))
            })?),
            None => Ack::AnySuccess,
        };
        let retry = match &callback.retry {
            Some(retry) => RetryPolicy {
                offsets: retry
                    .offsets_seconds
                    .iter()
                    .map(|s| Duration::from_secs(*s))
                    .collect(),
                window: Duration::from_secs(retry.window_seconds),
            },
            None => fallback.clone(),
        };
        Ok(CallbackPlan {
            api: api.id().to_owned(),
            id: id.to_owned(),
            method: reqwest::Method::from_bytes(callback.method.as_str().as_bytes())
                .map_err(|e| api.problem(format!("callback `{id}`: {e}")))?,
            signer,
            ack,
            retry,
            attempt_field: attempt_field.map(str::to_owned),
        })
    }

    /// The bytes of delivery `attempt`: the attempt number set, then signed.
    fn body(&self, payload: &Value, attempt: u32) -> Result<Vec<u8>, String> {
        let mut payload = payload.clone();
        if let Some(pointer) = &self.attempt_field {
            let slot = payload
                .pointer_mut(pointer)
                .ok_or_else(|| format!("the payload has no `{pointer}`"))?;
            *slot = Value::from(attempt);
        }
        if let Some(signer) = &self.signer {
            paysmith_types::callback::sign_sorted_params_json(
                &signer.config,
                &signer.secret,
                &mut payload,
                &signer.field,
            )
            .map_err(|e| e.to_string())?;
        }
        serde_json::to_vec(&payload).map_err(|e| e.to_string())
    }

    fn acknowledged(&self, status: u16, body: &str) -> bool {
        if !(200..300).contains(&status) {
            return false;
        }
        match &self.ack {
            Ack::AnySuccess => true,
            Ack::Body(expected) => {
                serde_json::from_str::<Value>(body).is_ok_and(|got| &got == expected)
            }
        }
    }
}

/// Where a notification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet acknowledged; another delivery is due.
    Pending,
    Acknowledged,
    /// The schedule ended without an acknowledgement.
    GaveUp,
}

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub notification: u64,
    pub api: String,
    pub callback: String,
    pub url: String,
    /// 1 for the first delivery, 2 for the first retry, …
    pub attempt: u32,
    /// When the schedule made it due (sandbox time, ms since the epoch).
    pub due_at_millis: u64,
    /// When it was sent (sandbox time).
    pub sent_at_millis: u64,
    /// The body sent.
    pub body: String,
    #[serde(flatten)]
    pub result: DeliveryResult,
}

/// A notification and every delivery of it so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: u64,
    pub api: String,
    pub callback: String,
    pub url: String,
    pub status: DeliveryStatus,
    /// When the next delivery is due, while pending.
    pub next_due_millis: Option<u64>,
    pub deliveries: Vec<Delivery>,
}

struct Entry {
    id: u64,
    plan: Arc<CallbackPlan>,
    url: String,
    payload: Value,
    deliveries: Vec<Delivery>,
    first_failure: Option<SystemTime>,
    next_due: Option<SystemTime>,
    status: DeliveryStatus,
}

impl Entry {
    fn view(&self) -> Notification {
        Notification {
            id: self.id,
            api: self.plan.api.clone(),
            callback: self.plan.id.clone(),
            url: self.url.clone(),
            status: self.status,
            next_due_millis: self.next_due.map(unix_millis),
            deliveries: self.deliveries.clone(),
        }
    }

    /// After a failed delivery: the next retry, or the end of the schedule.
    fn reschedule(&mut self, failed_at: SystemTime) {
        let first = *self.first_failure.get_or_insert(failed_at);
        let retries_done = self.deliveries.len().saturating_sub(1);
        let retry = &self.plan.retry;
        match retry.offsets.get(retries_done) {
            Some(offset) if *offset <= retry.window => self.next_due = Some(first + *offset),
            _ => {
                self.next_due = None;
                self.status = DeliveryStatus::GaveUp;
            }
        }
    }
}

struct Job {
    id: u64,
    plan: Arc<CallbackPlan>,
    url: String,
    attempt: u32,
    due: SystemTime,
    body: Result<Vec<u8>, String>,
}

/// Every notification of the sandbox.
pub(crate) struct Outbox {
    entries: Mutex<Vec<Entry>>,
    /// One delivery run at a time, so the background tick and `advance` never send the
    /// same delivery twice.
    running: tokio::sync::Mutex<()>,
    http: reqwest::Client,
    clock: SandboxClock,
    events: EventLog,
}

impl Outbox {
    pub fn new(clock: SandboxClock, events: EventLog, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Outbox {
            entries: Mutex::new(Vec::new()),
            running: tokio::sync::Mutex::new(()),
            http,
            clock,
            events,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a notification, due now; returns its id. Call [`Outbox::run_due`] to send.
    pub fn enqueue(&self, plan: Arc<CallbackPlan>, url: String, payload: Value) -> u64 {
        let mut entries = self.entries();
        let id = entries.len() as u64 + 1;
        entries.push(Entry {
            id,
            plan,
            url,
            payload,
            deliveries: Vec::new(),
            first_failure: None,
            next_due: Some(self.clock.now()),
            status: DeliveryStatus::Pending,
        });
        id
    }

    /// When the earliest pending delivery is due.
    pub fn next_due(&self) -> Option<SystemTime> {
        self.entries()
            .iter()
            .filter(|e| e.status == DeliveryStatus::Pending)
            .filter_map(|e| e.next_due)
            .min()
    }

    pub fn notifications(&self) -> Vec<Notification> {
        self.entries().iter().map(Entry::view).collect()
    }

    pub fn notification(&self, id: u64) -> Option<Notification> {
        self.entries().iter().find(|e| e.id == id).map(Entry::view)
    }

    /// Sends every delivery due at the current sandbox time, earliest first, and
    /// returns them once all are answered.
    pub async fn run_due(&self) -> Vec<Delivery> {
        let _running = self.running.lock().await;
        let mut done = Vec::new();
        while let Some(job) = self.next_job() {
            let sent_at = self.clock.now();
            let (body, result) = match &job.body {
                Ok(bytes) => (
                    String::from_utf8_lossy(bytes).into_owned(),
                    self.send(&job.plan, &job.url, bytes.clone()).await,
                ),
                Err(problem) => (
                    String::new(),
                    DeliveryResult::Failed {
                        error: format!("the payload could not be built: {problem}"),
                    },
                ),
            };
            let delivery = Delivery {
                notification: job.id,
                api: job.plan.api.clone(),
                callback: job.plan.id.clone(),
                url: job.url.clone(),
                attempt: job.attempt,
                due_at_millis: unix_millis(job.due),
                sent_at_millis: unix_millis(sent_at),
                body,
                result: result.clone(),
            };
            self.record(&job, sent_at, delivery.clone());
            self.events.record(
                unix_millis(sent_at),
                &job.plan.api,
                EventKind::Delivery {
                    callback: job.plan.id.clone(),
                    notification: job.id,
                    url: job.url.clone(),
                    attempt: job.attempt,
                    result,
                },
            );
            done.push(delivery);
        }
        done
    }

    fn next_job(&self) -> Option<Job> {
        let now = self.clock.now();
        let entries = self.entries();
        let entry = entries
            .iter()
            .filter(|e| e.status == DeliveryStatus::Pending)
            .filter_map(|e| e.next_due.filter(|due| *due <= now).map(|due| (due, e)))
            .min_by_key(|(due, e)| (*due, e.id))
            .map(|(_, e)| e)?;
        let attempt = u32::try_from(entry.deliveries.len() + 1).unwrap_or(u32::MAX);
        Some(Job {
            id: entry.id,
            plan: entry.plan.clone(),
            url: entry.url.clone(),
            attempt,
            due: entry.next_due.unwrap_or(now),
            body: entry.plan.body(&entry.payload, attempt),
        })
    }

    fn record(&self, job: &Job, sent_at: SystemTime, delivery: Delivery) {
        let mut entries = self.entries();
        let Some(entry) = entries.iter_mut().find(|e| e.id == job.id) else {
            return;
        };
        let acknowledged = delivery.result.is_acknowledged();
        let unbuildable = job.body.is_err();
        entry.deliveries.push(delivery);
        if acknowledged {
            entry.status = DeliveryStatus::Acknowledged;
            entry.next_due = None;
        } else if unbuildable {
            entry.status = DeliveryStatus::GaveUp;
            entry.next_due = None;
        } else {
            entry.reschedule(sent_at);
        }
    }

    async fn send(&self, plan: &CallbackPlan, url: &str, body: Vec<u8>) -> DeliveryResult {
        let response = self
            .http
            .request(plan.method.clone(), url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                return DeliveryResult::Failed {
                    error: error.to_string(),
                };
            }
        };
        let status = response.status().as_u16();
        match response.text().await {
            Ok(text) if plan.acknowledged(status, &text) => DeliveryResult::Acknowledged { status },
            Ok(text) => DeliveryResult::NotAcknowledged {
                status,
                body: preview(&text),
            },
            Err(error) => DeliveryResult::Failed {
                error: format!("HTTP {status}, the answer could not be read: {error}"),
            },
        }
    }
}

/// At most 512 characters of an answer, for the log.
fn preview(text: &str) -> String {
    match text.char_indices().nth(512) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(offsets: &[u64], window: u64) -> CallbackPlan {
        CallbackPlan {
            api: "api".into(),
            id: "cb".into(),
            method: reqwest::Method::POST,
            signer: None,
            ack: Ack::Body(serde_json::json!({"code": 200, "message": "Success"})),
            retry: RetryPolicy {
                offsets: offsets.iter().map(|s| Duration::from_secs(*s)).collect(),
                window: Duration::from_secs(window),
            },
            attempt_field: Some("/delivery_attempt".into()),
        }
    }

    #[test]
    fn the_acknowledgement_is_the_exact_json_with_a_success_status() {
        let plan = plan(&[], 0);
        assert!(plan.acknowledged(200, r#"{"message":"Success", "code":200}"#));
        assert!(!plan.acknowledged(200, r#"{"code":200,"message":"OK"}"#));
        assert!(!plan.acknowledged(500, r#"{"code":200,"message":"Success"}"#));
        assert!(!plan.acknowledged(200, "Success"));
    }

    #[test]
    fn the_attempt_number_is_written_into_each_body() {
        let plan = plan(&[], 0);
        let body = plan
            .body(&serde_json::json!({"delivery_attempt": 0, "x": 1}), 3)
            .unwrap();
        assert_eq!(body, br#"{"delivery_attempt":3,"x":1}"#);
        assert!(plan.body(&serde_json::json!({"x": 1}), 1).is_err());
    }

    #[test]
    fn retries_are_offsets_from_the_first_failure_and_end_with_the_schedule() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
        let mut entry = Entry {
            id: 1,
            plan: Arc::new(plan(&[120, 300, 50_000], 43_200)),
            url: String::new(),
            payload: Value::Null,
            deliveries: Vec::new(),
            first_failure: None,
            next_due: Some(t0),
            status: DeliveryStatus::Pending,
        };
        let failed = Delivery {
            notification: 1,
            api: String::new(),
            callback: String::new(),
            url: String::new(),
            attempt: 1,
            due_at_millis: 0,
            sent_at_millis: 0,
            body: String::new(),
            result: DeliveryResult::Failed { error: "x".into() },
        };
        entry.deliveries.push(failed.clone());
        entry.reschedule(t0);
        assert_eq!(entry.next_due, Some(t0 + Duration::from_secs(120)));
        entry.deliveries.push(failed.clone());
        // A late retry does not move the schedule: offsets count from the first failure.
        entry.reschedule(t0 + Duration::from_secs(200));
        assert_eq!(entry.next_due, Some(t0 + Duration::from_secs(300)));
        entry.deliveries.push(failed);
        entry.reschedule(t0 + Duration::from_secs(300));
        assert_eq!(
            entry.status,
            DeliveryStatus::GaveUp,
            "50 000 s is past the window"
        );
        assert_eq!(entry.next_due, None);
    }
}
