//! Nonces seen inside their window: a second request with the same nonce is a replay.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// Remembers each (scope, nonce) until its window closes. A nonce is only recorded
/// after the request's signature verified, so a forged request cannot burn one.
#[derive(Debug, Default)]
pub(crate) struct ReplayGuard {
    seen: Mutex<HashMap<(String, String), SystemTime>>,
}

impl ReplayGuard {
    /// Records the nonce until `until`; `false` when it is already recorded.
    pub fn first_use(&self, scope: &str, nonce: &str, now: SystemTime, until: SystemTime) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, expiry| *expiry >= now);
        let key = (scope.to_owned(), nonce.to_owned());
        if seen.contains_key(&key) {
            return false;
        }
        seen.insert(key, until);
        true
    }

    /// Forgets a mark made by [`ReplayGuard::first_use`].
    pub fn release(&self, scope: &str, nonce: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.remove(&(scope.to_owned(), nonce.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_nonce_is_refused_inside_its_window_and_forgotten_after() {
        let guard = ReplayGuard::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let until = t0 + Duration::from_secs(300);
        assert!(guard.first_use("api", "n1", t0, until));
        assert!(!guard.first_use("api", "n1", t0 + Duration::from_secs(299), until));
        assert!(
            guard.first_use("other", "n1", t0, until),
            "scopes are separate"
        );
        assert!(guard.first_use("api", "n1", t0 + Duration::from_secs(301), until));
        guard.release("api", "n1");
        assert!(guard.first_use("api", "n1", t0 + Duration::from_secs(302), until));
    }
}
