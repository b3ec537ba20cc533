//! What every part of one running sandbox shares: its clock, its event log, its
//! outbound notifications and the nonces it has seen.

use std::sync::Arc;

use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::events::EventLog;
use crate::outbox::Outbox;
use crate::verify::ReplayGuard;

pub(crate) struct Shared {
    pub clock: SandboxClock,
    pub events: EventLog,
    pub outbox: Outbox,
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
            replay: ReplayGuard::default(),
        })
    }
}
