//! What every part of one running sandbox shares: its clock, its event log, its
//! outbound notifications, its timed changes and the nonces it has seen.

use std::sync::Arc;

use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::events::EventLog;
use crate::outbox::Outbox;
use crate::schedule::Timers;
use crate::verify::ReplayGuard;

pub(crate) struct Shared {
    pub clock: SandboxClock,
    pub events: EventLog,
    pub outbox: Outbox,
    pub timers: Timers,
    pub replay: ReplayGuard,
}

impl Shared {
    pub fn new(config: &SandboxConfig) -> Arc<Self> {
        let clock = SandboxClock::new(config.clock);
        let events = EventLog::default();
        let outbox = Outbox::new(clock.clone(), events.clone(), config.delivery_timeout);
        Arc::new(Shared {
            clock,
            events,
            outbox,
            timers: Timers::default(),
            replay: ReplayGuard::default(),
        })
    }
}

impl Shared {
    /// Makes the timed changes due now, then sends every delivery due now (including
    /// the notifications those changes queued).
    pub async fn run_due(&self) -> Vec<crate::outbox::Delivery> {
        self.timers.run_due(self.clock.now());
        self.outbox.run_due().await
    }

    /// Sends the deliveries due now in the background: for notifications queued while
    /// answering a request, which must go out without waiting for the answer.
    pub fn deliver_soon(self: &std::sync::Arc<Self>) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let shared = self.clone();
            runtime.spawn(async move {
                shared.outbox.run_due().await;
            });
        }
    }
}
