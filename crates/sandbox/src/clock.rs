//! The sandbox's notion of "now": what signatures are checked against, what the
//! retry schedules run on, and what timestamps in answers say.
//!
//! One clock is shared by the whole sandbox. It can be moved forward by hand, so a test
//! drives twelve hours of callback retries in milliseconds; it never moves back.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the sandbox clock runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClockMode {
    /// Real time plus whatever [`SandboxClock::advance`] added. Due deliveries are also
    /// made by a background tick once a second.
    #[default]
    System,
    /// Frozen at `start` (the real time at start when `None`); only
    /// [`SandboxClock::advance`] moves it. Nothing happens in the background.
    Manual { start: Option<SystemTime> },
}

impl ClockMode {
    /// A manual clock starting at the real time.
    pub fn manual() -> Self {
        ClockMode::Manual { start: None }
    }

    /// A manual clock starting at `start`.
    pub fn manual_at(start: SystemTime) -> Self {
        ClockMode::Manual { start: Some(start) }
    }
}

#[derive(Debug)]
enum Inner {
    System { offset: Mutex<Duration> },
    Manual { now: Mutex<SystemTime> },
}

/// A cheap handle on the sandbox clock; clones share the same time.
///
/// It also implements [`paysmith_runtime::Clock`], so a generated client can sign with
/// the sandbox's time: `Transport::new(url).with_clock(sandbox.clock())`.
#[derive(Clone, Debug)]
pub struct SandboxClock(Arc<Inner>);

impl SandboxClock {
    pub fn new(mode: ClockMode) -> Self {
        let inner = match mode {
            ClockMode::System => Inner::System {
                offset: Mutex::new(Duration::ZERO),
            },
            ClockMode::Manual { start } => Inner::Manual {
                now: Mutex::new(start.unwrap_or_else(SystemTime::now)),
            },
        };
        SandboxClock(Arc::new(inner))
    }

    /// The current sandbox time.
    pub fn now(&self) -> SystemTime {
        match &*self.0 {
            Inner::System { offset } => SystemTime::now() + *lock(offset),
            Inner::Manual { now } => *lock(now),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> u64 {
        unix_millis(self.now())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        match &*self.0 {
            Inner::System { offset } => *lock(offset) += by,
            Inner::Manual { now } => *lock(now) += by,
        }
    }

    /// Whether the clock runs by itself (and so background delivery makes sense).
    pub fn is_running(&self) -> bool {
        matches!(&*self.0, Inner::System { .. })
    }
}

impl paysmith_runtime::Clock for SandboxClock {
    fn now_millis(&self) -> u64 {
        SandboxClock::now_millis(self)
    }
}

/// A poisoned lock only means another thread panicked while holding a plain value;
/// the value itself is still sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds since the Unix epoch (0 before it).
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Whole seconds since the Unix epoch (0 before it).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// ISO 8601 in UTC with whole seconds, as the providers write `created_at`.
pub fn iso8601_seconds(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// ISO 8601 in UTC with milliseconds, as the merchant API writes `occured_at`.
pub fn iso8601_millis(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let start = UNIX_EPOCH + Duration::from_secs(1_525_954_955);
        let clock = SandboxClock::new(ClockMode::Manual { start: Some(start) });
        assert_eq!(clock.now(), start);
        let shared = clock.clone();
        shared.advance(Duration::from_secs(120));
        assert_eq!(clock.now_millis(), 1_525_955_075_000);
        assert!(!clock.is_running());
    }

    #[test]
    fn a_system_clock_keeps_its_offset() {
        let clock = SandboxClock::new(ClockMode::System);
        clock.advance(Duration::from_secs(3600));
        let ahead = clock.now().duration_since(SystemTime::now()).unwrap();
        assert!(ahead > Duration::from_secs(3590), "{ahead:?}");
        assert!(clock.is_running());
    }

    #[test]
    fn timestamps_are_written_as_the_documents_show() {
        let t = UNIX_EPOCH + Duration::from_millis(1_525_954_955_550);
        assert_eq!(iso8601_seconds(t), "2018-05-10T12:22:35Z");
        assert_eq!(iso8601_millis(t), "2018-05-10T12:22:35.550Z");
    }
}
