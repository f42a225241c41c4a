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
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

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
    weight: usize,
}

/// The entries and the sum of their weights.
struct Entries<T> {
    map: HashMap<String, Entry<T>>,
    weight: usize,
}

/// A load in progress, shared by the requests that missed the same key at the same
/// generation: the leader sends `Some(value)` when its load succeeded and `None` when it
/// failed (then each waiter loads for itself).
type Flight<T> = watch::Receiver<Option<Option<T>>>;

/// The loads in progress by key, each with its generation and an id (so that a finished
/// load removes only itself).
type Flights<T> = Mutex<HashMap<String, (u64, u64, Flight<T>)>>;

/// A small map whose entries expire with time and with the generation, bounded in entries
/// and, for values that weigh something (rendered pages), in bytes.
pub struct FreshCache<T> {
    ttl: Duration,
    capacity: usize,
    budget: usize,
    weigh: fn(&T) -> usize,
    entries: Mutex<Entries<T>>,
    flights: Flights<T>,
    next_flight: AtomicU64,
}

impl<T: Clone> FreshCache<T> {
    /// `ttl` zero disables the cache.
    pub fn new(ttl: Duration, capacity: usize) -> FreshCache<T> {
        FreshCache::weighed(ttl, capacity, usize::MAX, |_| 0)
    }

    /// A cache that also keeps the sum of `weigh` over its entries within `budget`.
    pub fn weighed(
        ttl: Duration,
        capacity: usize,
        budget: usize,
        weigh: fn(&T) -> usize,
    ) -> FreshCache<T> {
        FreshCache {
            ttl,
            capacity: capacity.max(1),
            budget,
            weigh,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                weight: 0,
            }),
            flights: Mutex::new(HashMap::new()),
            next_flight: AtomicU64::new(0),
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
        let entry = entries.map.get(key)?;
        self.is_fresh(entry, generation, Instant::now())
            .then(|| entry.value.clone())
    }

    /// Stores a value computed at `generation` (read before the value was computed, so a
    /// change made meanwhile makes it stale at once).
    pub fn put(&self, key: String, value: T, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let weight = (self.weigh)(&value);
        if weight > self.budget {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entries = &mut *entries;
        if let Some(old) = entries.map.remove(&key) {
            entries.weight -= old.weight;
        }
        if entries.map.len() >= self.capacity || entries.weight + weight > self.budget {
            entries.map.retain(|_, e| {
                e.generation == generation && now.duration_since(e.stored) < self.ttl
            });
            entries.weight = entries.map.values().map(|e| e.weight).sum();
            if entries.map.len() >= self.capacity || entries.weight + weight > self.budget {
                entries.map.clear();
                entries.weight = 0;
            }
        }
        entries.weight += weight;
        entries.map.insert(
            key,
            Entry {
                value,
                generation,
                stored: now,
                weight,
            },
        );
    }
}

impl<T: Clone + Send + Sync> FreshCache<T> {
    /// The value under `key`, or else `load`ed and stored. Requests that miss the same key
    /// at the same generation share one load: when an entry expires under load, every
    /// request in flight misses at once, and without this each went to the database (64
    /// loads queued on the pool, once a second, which set the p99). A load begun at an
    /// older generation is never joined, so a change made here is still seen by the next
    /// request. Errors are not shared or stored: after a failed load each waiter loads
    /// for itself and gets its own answer.
    pub async fn get_or_load<E, F, Fut>(&self, key: &str, generation: u64, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(hit) = self.get(key, generation) {
            return Ok(hit);
        }
        if self.ttl.is_zero() {
            return load().await;
        }
        let joined = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            // Loads of older generations are never joined again.
            flights.retain(|_, (g, _, _)| *g == generation);
            match flights.get(key) {
                Some((_, _, flight)) => Err(flight.clone()),
                None => {
                    let (lead, flight) = watch::channel(None);
                    let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
                    flights.insert(key.to_string(), (generation, id, flight));
                    Ok((lead, id))
                }
            }
        };
        match joined {
            Ok((lead, id)) => {
                // Ends the flight however the load ends, cancellation included (a waiter
                // then sees the sender gone and loads for itself).
                let _landing = Landing {
                    flights: &self.flights,
                    key,
                    id,
                };
                let result = load().await;
                if let Ok(value) = &result {
                    self.put(key.to_string(), value.clone(), generation);
                }
                lead.send_replace(Some(result.as_ref().ok().cloned()));
                result
            }
            Err(mut flight) => {
                if let Ok(done) = flight.wait_for(Option::is_some).await {
                    if let Some(Some(value)) = &*done {
                        return Ok(value.clone());
                    }
                }
                load().await
            }
        }
    }
}

/// Removes a finished (or abandoned) load from the flights, unless a newer one took its key.
struct Landing<'a, T> {
    flights: &'a Flights<T>,
    key: &'a str,
    id: u64,
}

impl<T> Drop for Landing<'_, T> {
    fn drop(&mut self) {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights
            .get(self.key)
            .is_some_and(|(_, id, _)| *id == self.id)
        {
            flights.remove(self.key);
        }
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
        assert!(entries.map.len() <= 2);
    }

    #[actix_web::test]
    async fn misses_share_one_load_but_never_one_of_an_older_generation() {
        let cache: FreshCache<u32> = FreshCache::new(Duration::from_secs(60), 10);
        let loads = AtomicU64::new(0);
        let load = |value: u32, ok: bool| {
            let loads = &loads;
            move || async move {
                loads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                if ok {
                    Ok(value)
                } else {
                    Err(value)
                }
            }
        };
        let together = futures_util::future::join_all(
            (0..8).map(|_| cache.get_or_load("k", 0, load(1, true))),
        )
        .await;
        assert!(together.iter().all(|r| *r == Ok(1)));
        assert_eq!(loads.load(Ordering::SeqCst), 1, "eight misses, one load");
        assert_eq!(
            cache.get_or_load("k", 0, load(2, true)).await,
            Ok(1),
            "stored"
        );
        assert_eq!(
            cache.get_or_load("k", 1, load(3, true)).await,
            Ok(3),
            "a change loads again"
        );
        // Failed loads are neither shared nor stored: every waiter gets its own answer.
        loads.store(0, Ordering::SeqCst);
        let failed = futures_util::future::join_all(
            (0..4).map(|_| cache.get_or_load("e", 1, load(9, false))),
        )
        .await;
        assert!(failed.iter().all(|r| *r == Err(9)));
        assert_eq!(loads.load(Ordering::SeqCst), 4);
        assert_eq!(cache.get("e", 1), None);
    }

    #[test]
    fn a_budget_bounds_the_weight() {
        let cache: FreshCache<Vec<u8>> =
            FreshCache::weighed(Duration::from_secs(60), 100, 10, |v| v.len());
        cache.put("big".into(), vec![0; 11], 0);
        assert_eq!(cache.get("big", 0), None, "heavier than the whole budget");
        cache.put("a".into(), vec![0; 6], 0);
        cache.put("a".into(), vec![0; 6], 0);
        assert_eq!(
            cache.entries.lock().unwrap().weight,
            6,
            "a replaced entry is not counted twice"
        );
        cache.put("b".into(), vec![0; 6], 0);
        let entries = cache.entries.lock().unwrap();
        assert!(entries.weight <= 10);
        assert!(entries.map.contains_key("b"));
    }
}
