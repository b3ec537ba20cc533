//! Changes that happen by themselves when the sandbox clock reaches them (an invoice
//! that expires unpaid), so a test drives them with the clock like deliveries.
//! Providers register what they schedule; the clock control and the background tick
//! run what is due.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

/// Something with timed changes.
pub(crate) trait Timed: Send + Sync {
    /// When the earliest pending change is due.
    fn next_due(&self) -> Option<SystemTime>;
    /// Makes every change due at `now`; afterwards [`Timed::next_due`] is later than
    /// `now` or `None`.
    fn run_due(&self, now: SystemTime);
}

/// Every registered [`Timed`]; weak, so a provider is not kept alive by the sandbox
/// state it holds itself.
#[derive(Default)]
pub(crate) struct Timers(Mutex<Vec<Weak<dyn Timed>>>);

impl Timers {
    pub fn register(&self, timed: &Arc<dyn Timed>) {
        self.all_mut().push(Arc::downgrade(timed));
    }

    fn all_mut(&self) -> std::sync::MutexGuard<'_, Vec<Weak<dyn Timed>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live(&self) -> Vec<Arc<dyn Timed>> {
        let mut all = self.all_mut();
        all.retain(|weak| weak.strong_count() > 0);
        all.iter().filter_map(Weak::upgrade).collect()
    }

    pub fn next_due(&self) -> Option<SystemTime> {
        self.live().iter().filter_map(|t| t.next_due()).min()
    }

    pub fn run_due(&self, now: SystemTime) {
        for timed in self.live() {
            timed.run_due(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    struct Once(Mutex<Option<SystemTime>>);

    impl Timed for Once {
        fn next_due(&self) -> Option<SystemTime> {
            *self.0.lock().unwrap()
        }
        fn run_due(&self, now: SystemTime) {
            let mut due = self.0.lock().unwrap();
            if due.is_some_and(|d| d <= now) {
                *due = None;
            }
        }
    }

    #[test]
    fn due_changes_run_and_dropped_ones_are_forgotten() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let timers = Timers::default();
        let timed: Arc<dyn Timed> = Arc::new(Once(Mutex::new(Some(t0))));
        timers.register(&timed);
        assert_eq!(timers.next_due(), Some(t0));
        timers.run_due(t0 - Duration::from_secs(1));
        assert_eq!(timers.next_due(), Some(t0));
        timers.run_due(t0);
        assert_eq!(timers.next_due(), None);
        let other: Arc<dyn Timed> = Arc::new(Once(Mutex::new(Some(t0))));
        timers.register(&other);
        drop(other);
        assert_eq!(timers.next_due(), None);
    }
}
