//! The failed-login limit per source address. (The password check itself, with Keystone's
//! lockout, needs the service state: it is the token manager's, `token::password`.)

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginSettings;
use crate::error::ApiError;

/// Most sources whose failed logins are counted at once; past it, old windows are dropped,
/// and a new source goes uncounted rather than growing the map without bound.
const MAX_SOURCES: usize = 100_000;

/// Failed password logins per source address in a fixed window (`[login]`
/// `failed_login_limit` per `failed_login_window_secs`), counted in this instance's memory.
/// A source at the limit is refused with 429 before any password is checked, so a guessing
/// client neither learns anything nor costs a hash.
#[derive(Debug)]
pub struct LoginThrottle {
    limit: u32,
    window: Duration,
    sources: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginThrottle {
    pub fn new(settings: &LoginSettings) -> LoginThrottle {
        LoginThrottle {
            limit: settings.failed_login_limit,
            window: Duration::from_secs(settings.failed_login_window_secs),
            sources: Mutex::new(HashMap::new()),
        }
    }

    fn sources(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (Instant, u32)>> {
        match self.sources.lock() {
            Ok(sources) => sources,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A 429 with `Retry-After` if `source` used up its failures in the current window.
    pub fn check(&self, source: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(source), true) = (source, self.limit > 0) else {
            return Ok(());
        };
        let sources = self.sources();
        match sources.get(&source) {
            Some((start, count)) if *count >= self.limit && start.elapsed() < self.window => {
                let left = self.window.saturating_sub(start.elapsed());
                Err(ApiError::TooManyRequests {
                    retry_after_secs: left.as_secs() + 1,
                    detail: format!("{source} made {count} failed logins in the window"),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts one failed login from `source`.
    pub fn failed(&self, source: Option<IpAddr>) {
        let (Some(source), true) = (source, self.limit > 0) else {
            return;
        };
        let mut sources = self.sources();
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&source) {
            let window = self.window;
            sources.retain(|_, (start, _)| start.elapsed() < window);
            if sources.len() >= MAX_SOURCES {
                return;
            }
        }
        let entry = sources.entry(source).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}
