//! Keystone's account lockout (`[security_compliance] lockout_failure_attempts` and
//! `lockout_duration`) as a rule on a user's failure count and the time of its last failure.

/// When failed password logins lock an account. Absent (`None` from
/// [`Lockout::from_settings`]) when lockout is off, Keystone's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Failures in a row that lock the account (at least 1).
    pub max_failures: i32,
    /// How long the lock lasts after the last counted failure; `None`: until an admin
    /// re-enables the user or sets a password, as Keystone does without `lockout_duration`.
    pub duration_ms: Option<i64>,
}

impl Lockout {
    /// Keystone's `lockout_failure_attempts` and `lockout_duration` (seconds) as a rule, or
    /// `None` when the attempts are 0 (lockout off).
    pub fn new(failure_attempts: u32, duration_secs: u64) -> Option<Lockout> {
        if failure_attempts == 0 {
            return None;
        }
        let duration_ms = (duration_secs > 0).then(|| {
            i64::try_from(duration_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000)
        });
        Some(Lockout {
            max_failures: i32::try_from(failure_attempts).unwrap_or(i32::MAX),
            duration_ms,
        })
    }

    /// A lock whose last failure is at or before this time has run out (`None`: never).
    pub fn expired_at_or_before(&self, now_ms: i64) -> Option<i64> {
        self.duration_ms.map(|d| now_ms.saturating_sub(d))
    }

    /// Keystone's `_is_account_locked`: enough failures, and the last one recent enough.
    pub fn is_locked(&self, failures: i32, last_failure_ms: Option<i64>, now_ms: i64) -> bool {
        if failures < self.max_failures {
            return false;
        }
        match (self.expired_at_or_before(now_ms), last_failure_ms) {
            (Some(expired), Some(last)) => last > expired,
            // No duration, or a count without a time: locked until an admin clears it.
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_at_zero_attempts() {
        assert_eq!(Lockout::new(0, 1800), None);
    }

    #[test]
    fn locks_at_the_threshold_until_the_duration_has_passed() {
        let l = Lockout::new(3, 2).unwrap();
        assert_eq!(l.duration_ms, Some(2000));
        assert!(!l.is_locked(2, Some(10_000), 10_000));
        assert!(l.is_locked(3, Some(10_000), 10_000));
        assert!(l.is_locked(3, Some(10_000), 11_999));
        assert!(
            !l.is_locked(3, Some(10_000), 12_000),
            "expired exactly at the duration"
        );
    }

    #[test]
    fn without_a_duration_the_lock_holds_until_cleared() {
        let l = Lockout::new(1, 0).unwrap();
        assert_eq!(l.duration_ms, None);
        assert!(l.is_locked(1, Some(0), i64::MAX));
        assert_eq!(l.expired_at_or_before(5), None);
    }
}
