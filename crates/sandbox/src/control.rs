//! The sandbox-wide test controls over HTTP, under `/_sandbox`: what is served, the
//! clock, the event log and the outbound notifications. Provider controls are mounted
//! next to them (`/_sandbox/<provider>/…`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::clock::unix_millis;
use crate::error::ControlError;
use crate::outbox::Delivery;
use crate::server::Mounted;
use crate::shared::Shared;

#[derive(Clone)]
struct Controls {
    shared: Arc<Shared>,
    mounted: Arc<Vec<Mounted>>,
}

pub(crate) fn router(shared: Arc<Shared>, mounted: Arc<Vec<Mounted>>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route("/events", get(events))
        .route("/notifications", get(notifications))
        .route("/notifications/{id}", get(notification))
        .route("/deliveries/run", post(run_due))
        .with_state(Controls { shared, mounted })
}

/// Moves the clock to `now + by`, stopping at each timed change and delivery due on
/// the way.
pub(crate) async fn advance(shared: &Shared, by: Duration) -> Vec<Delivery> {
    let target = shared.clock.now() + by;
    let mut done = Vec::new();
    let mut last = None;
    loop {
        let next = [shared.outbox.next_due(), shared.timers.next_due()]
            .into_iter()
            .flatten()
            .min()
            .filter(|due| *due <= target);
        // Something due now that running did not settle would loop for ever.
        let Some(due) = next.filter(|due| last != Some(*due)) else {
            break;
        };
        last = Some(due);
        if let Ok(ahead) = due.duration_since(shared.clock.now()) {
            shared.clock.advance(ahead);
        }
        done.extend(shared.run_due().await);
    }
    if let Ok(rest) = target.duration_since(shared.clock.now()) {
        shared.clock.advance(rest);
    }
    done.extend(shared.run_due().await);
    done
}

#[derive(Serialize)]
struct Served {
    name: &'static str,
    api: &'static str,
    url: String,
}

async fn index(State(c): State<Controls>) -> Response {
    let served: Vec<Served> = c
        .mounted
        .iter()
        .map(|m| Served {
            name: m.info.name,
            api: m.info.api,
            url: m.url.clone(),
        })
        .collect();
    Json(served).into_response()
}

#[derive(Serialize)]
struct ClockView {
    now_millis: u64,
    running: bool,
}

fn clock_view(shared: &Shared) -> ClockView {
    ClockView {
        now_millis: unix_millis(shared.clock.now()),
        running: shared.clock.is_running(),
    }
}

async fn clock(State(c): State<Controls>) -> Response {
    Json(clock_view(&c.shared)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    #[serde(default)]
    seconds: u64,
    #[serde(default)]
    millis: u64,
}

#[derive(Serialize)]
struct Advanced {
    clock: ClockView,
    deliveries: Vec<Delivery>,
}

async fn advance_clock(State(c): State<Controls>, Json(body): Json<AdvanceBody>) -> Response {
    let by = Duration::from_secs(body.seconds) + Duration::from_millis(body.millis);
    let deliveries = advance(&c.shared, by).await;
    Json(Advanced {
        clock: clock_view(&c.shared),
        deliveries,
    })
    .into_response()
}

async fn events(State(c): State<Controls>) -> Response {
    Json(c.shared.events.snapshot()).into_response()
}

async fn notifications(State(c): State<Controls>) -> Response {
    Json(c.shared.outbox.notifications()).into_response()
}

async fn notification(State(c): State<Controls>, Path(id): Path<u64>) -> Response {
    match c.shared.outbox.notification(id) {
        Some(notification) => Json(notification).into_response(),
        None => ControlError::NotFound(format!("no notification {id}")).into_response(),
    }
}

async fn run_due(State(c): State<Controls>) -> Response {
    Json(c.shared.run_due().await).into_response()
}
