//! Caches on the token-validation hot path.
//!
//! A token seen recently is answered from memory, without touching the database. Two rules
//! keep that safe:
//! - every successful change made through this instance (any non-read request but a login)
//!   bumps a generation counter, and an entry from an older generation is never used, so a
//!   revocation, a disabled user or a membership change takes effect on the next request here;
//! - an entry lives at most `token.cache_ttl_ms` (1 s by default), so a change made through
//!   another instance takes effect here within that time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::AuthContext;

/// The change counter shared by every cache of one instance.
#[derive(Debug, Default)]
pub struct Generation(AtomicU64);

impl Generation {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Marks everything cached so far as stale.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

struct Entry<T> {
    value: T,
    generation: u64,
    stored: Instant,
}

/// A small map whose entries expire with time and with the generation.
pub struct FreshCache<T> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry<T>>>,
}

impl<T: Clone> FreshCache<T> {
    /// `ttl` zero disables the cache.
    pub fn new(ttl: Duration, capacity: usize) -> FreshCache<T> {
        FreshCache {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn is_fresh(&self, entry: &Entry<T>, generation: u64, now: Instant) -> bool {
        entry.generation == generation && now.duration_since(entry.stored) < self.ttl
    }

    /// The value stored under `key`, if it is of this generation and young enough.
    pub fn get(&self, key: &str, generation: u64) -> Option<T> {
        if self.ttl.is_zero() {
            return None;
        }
        // A panic while holding the lock cannot leave a map half-updated in a way that
        // matters here: the worst case is a stale entry, which the checks below refuse.
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(key)?;
        self.is_fresh(entry, generation, Instant::now())
            .then(|| entry.value.clone())
    }

    /// Stores a value computed at `generation` (read before the value was computed, so a
    /// change made meanwhile makes it stale at once).
    pub fn put(&self, key: String, value: T, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.retain(|_, e| {
                e.generation == generation && now.duration_since(e.stored) < self.ttl
            });
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                stored: now,
            },
        );
    }
}

/// Validated tokens, by token string.
pub type TokenCache = FreshCache<AuthContext>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_the_generation() {
        let generation = Generation::default();
        let cache: FreshCache<u32> = FreshCache::new(Duration::from_secs(60), 10);
        cache.put("a".into(), 1, generation.current());
        assert_eq!(cache.get("a", generation.current()), Some(1));
        generation.bump();
        assert_eq!(cache.get("a", generation.current()), None);
    }

    #[test]
    fn entries_expire_with_time() {
        let cache: FreshCache<u32> = FreshCache::new(Duration::from_millis(20), 10);
        cache.put("a".into(), 1, 0);
        assert_eq!(cache.get("a", 0), Some(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get("a", 0), None);
    }

    #[test]
    fn a_zero_ttl_disables_and_capacity_bounds_memory() {
        let off: FreshCache<u32> = FreshCache::new(Duration::ZERO, 10);
        off.put("a".into(), 1, 0);
        assert_eq!(off.get("a", 0), None);
        let small: FreshCache<u32> = FreshCache::new(Duration::from_secs(60), 2);
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            small.put(key.to_string(), i as u32, 0);
        }
        let entries = small.entries.lock().unwrap();
        assert!(entries.len() <= 2);
    }
}
