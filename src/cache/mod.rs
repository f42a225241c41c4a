//! Caches on the token-validation hot path, and what a change invalidates.
//!
//! A token seen recently is answered from memory, without touching the database, and so
//! are list pages and membership checks. Three rules keep that safe:
//! - every entry carries the [`Tag`]s of what it was computed from (a user, a group's
//!   members, the catalog, ...). A write names the tags it changed ([`Invalidations`]), and
//!   an entry loaded before a change of one of its tags is never used again, so a
//!   revocation, a disabled user or a membership change takes effect on the next request
//!   here, while entries the write did not touch stay;
//! - a write that names nothing invalidates everything (the middleware's safe default), so
//!   a route that forgets to say what it changed is slower, never stale;
//! - an entry lives at most `token.cache_ttl_ms` (1 s by default) from the start of its
//!   load, so a change made through another instance takes effect here within that time.
//!
//! Over 500 lines: the caches and their invalidation protocol are one algorithm, kept beside
//! the concurrency tests that pin it.

pub mod bus;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::error::ApiError;

/// What a cached entry was computed from, and what a write changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tag {
    /// Roles, grants, role inference, projects and domains: what every token's roles and
    /// scope are computed from.
    Authz,
    /// Services, endpoints and regions.
    Catalog,
    /// Any group's name or description, or the set of groups (every list of groups).
    Groups,
    /// Any user's attributes, or the set of users (every list of members).
    Users,
    /// One user: their row, memberships, grants and tokens.
    Principal(String),
    /// One group's members.
    GroupMembers(String),
}

impl Tag {
    /// The tag as other instances read it (`cache::bus`): ids are validated resource
    /// ids, which hold no `;`.
    pub fn encode(&self) -> String {
        match self {
            Tag::Authz => "A".into(),
            Tag::Catalog => "C".into(),
            Tag::Groups => "G".into(),
            Tag::Users => "U".into(),
            Tag::Principal(id) => format!("P:{id}"),
            Tag::GroupMembers(id) => format!("M:{id}"),
        }
    }

    /// The tag [`Tag::encode`] wrote, if it is one.
    pub fn decode(raw: &str) -> Option<Tag> {
        match raw {
            "A" => Some(Tag::Authz),
            "C" => Some(Tag::Catalog),
            "G" => Some(Tag::Groups),
            "U" => Some(Tag::Users),
            _ => match raw.split_once(':') {
                Some(("P", id)) => Some(Tag::Principal(id.to_string())),
                Some(("M", id)) => Some(Tag::GroupMembers(id.to_string())),
                _ => None,
            },
        }
    }

    pub fn principal(user_id: &str) -> Tag {
        Tag::Principal(user_id.to_string())
    }

    pub fn group_members(group_id: &str) -> Tag {
        Tag::GroupMembers(group_id.to_string())
    }
}

/// A point in the sequence of changes, read before a load: the entry it yields is current
/// while none of its tags changed after it.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    seq: u64,
    at: Instant,
}

impl Stamp {
    /// Its place in the sequence, for [`Invalidations::is_current`].
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// The changes made through this instance, by tag: the sequence number of each tag's last
/// change (kept for `horizon`, longer than any entry lives) and of the last change of
/// everything.
#[derive(Debug)]
pub struct Invalidations {
    seq: AtomicU64,
    everything: AtomicU64,
    last: RwLock<HashMap<Tag, (u64, Instant)>>,
    horizon: Duration,
    /// Where this instance's changes are announced to the others (`cache::bus`, on
    /// PostgreSQL); `None` tells everything.
    announce: std::sync::OnceLock<std::sync::mpsc::Sender<Option<Vec<Tag>>>>,
}

/// Tags remembered before old ones are pruned.
const PRUNE_ABOVE: usize = 4096;

impl Invalidations {
    /// `horizon`: at least the longest TTL of the caches that consult these changes.
    pub fn new(horizon: Duration) -> Invalidations {
        Invalidations {
            seq: AtomicU64::new(0),
            everything: AtomicU64::new(0),
            last: RwLock::new(HashMap::new()),
            horizon,
            announce: std::sync::OnceLock::new(),
        }
    }

    /// Sends every later change to `to` as well (`Some(tags)`, or `None` for everything).
    /// Set once, at startup; a second call is ignored.
    pub fn announce_to(&self, to: std::sync::mpsc::Sender<Option<Vec<Tag>>>) {
        let _ = self.announce.set(to);
    }

    fn announce(&self, change: Option<&[Tag]>) {
        if let Some(to) = self.announce.get() {
            // A stopped bus has already resynced what it could; nothing to do here.
            let _ = to.send(change.map(<[Tag]>::to_vec));
        }
    }

    pub fn stamp(&self) -> Stamp {
        Stamp {
            seq: self.seq.load(Ordering::Acquire),
            at: Instant::now(),
        }
    }

    /// Marks what was loaded before now from any of `tags` as stale. Called after the
    /// change committed, before it is answered.
    pub fn invalidate(&self, tags: &[Tag]) {
        if tags.is_empty() {
            return;
        }
        self.invalidate_here(tags);
        self.announce(Some(tags));
    }

    /// [`Invalidations::invalidate`] for a change another instance announced.
    pub fn invalidate_here(&self, tags: &[Tag]) {
        let mut last = self.last.write().unwrap_or_else(PoisonError::into_inner);
        let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        let now = Instant::now();
        for tag in tags {
            last.insert(tag.clone(), (seq, now));
        }
        if last.len() > PRUNE_ABOVE {
            // An entry loaded before a pruned change has expired by its TTL already.
            last.retain(|_, (_, at)| now.duration_since(*at) < self.horizon);
        }
    }

    /// Marks everything cached so far as stale, here and on the other instances.
    pub fn invalidate_all(&self) {
        self.invalidate_all_here();
        self.announce(None);
    }

    /// Marks everything cached here so far as stale.
    pub fn invalidate_all_here(&self) {
        let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        self.everything.fetch_max(seq, Ordering::AcqRel);
    }

    /// True while nothing `tags` name changed after `stamp`.
    pub fn is_current(&self, stamp: u64, tags: &[Tag]) -> bool {
        if self.seq.load(Ordering::Acquire) == stamp {
            return true;
        }
        if self.everything.load(Ordering::Acquire) > stamp {
            return false;
        }
        let last = self.last.read().unwrap_or_else(PoisonError::into_inner);
        tags.iter()
            .all(|tag| last.get(tag).is_none_or(|(seq, _)| *seq <= stamp))
    }
}

struct Entry<T> {
    value: T,
    /// The change sequence when its load began, and when that was.
    stamp: Stamp,
    tags: Box<[Tag]>,
    weight: usize,
}

/// The entries and the sum of their weights.
struct Entries<T> {
    map: HashMap<String, Entry<T>>,
    weight: usize,
}

/// A load in progress, shared by the requests that missed the same key while nothing it
/// reads changed: the leader sends its result, value or error, when its load ends. An
/// error is shared too: a waiter that loaded again after its leader failed (a database
/// unreachable) waited for two pool timeouts back to back, and would most likely have
/// failed the same way.
type Flight<T, E> = watch::Receiver<Option<Result<T, E>>>;

/// The loads in progress by key, each with the sequence it began at and an id (so that a
/// finished load removes only itself).
type Flights<T, E> = Mutex<HashMap<String, (u64, u64, Flight<T, E>)>>;

/// A small map whose entries expire with time and with the changes of their tags, bounded
/// in entries and, for values that weigh something (rendered pages), in bytes. `E` is the
/// error of its loads, which the requests sharing a load share too.
pub struct FreshCache<T, E = ApiError> {
    changes: Arc<Invalidations>,
    ttl: Duration,
    capacity: usize,
    budget: usize,
    weigh: fn(&T) -> usize,
    entries: Mutex<Entries<T>>,
    flights: Flights<T, E>,
    next_flight: AtomicU64,
}

impl<T: Clone, E> FreshCache<T, E> {
    /// `ttl` zero disables the cache. `changes` must remember changes for at least `ttl`.
    pub fn new(changes: Arc<Invalidations>, ttl: Duration, capacity: usize) -> FreshCache<T, E> {
        FreshCache::weighed(changes, ttl, capacity, usize::MAX, |_| 0)
    }

    /// A cache that also keeps the sum of `weigh` over its entries within `budget`.
    pub fn weighed(
        changes: Arc<Invalidations>,
        ttl: Duration,
        capacity: usize,
        budget: usize,
        weigh: fn(&T) -> usize,
    ) -> FreshCache<T, E> {
        FreshCache {
            changes,
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

    fn is_fresh(&self, entry: &Entry<T>, now: Instant) -> bool {
        now.duration_since(entry.stamp.at) < self.ttl
            && self.changes.is_current(entry.stamp.seq, &entry.tags)
    }

    /// The value stored under `key`, if nothing it was computed from changed since and it
    /// is young enough.
    pub fn get(&self, key: &str) -> Option<T> {
        if self.ttl.is_zero() {
            return None;
        }
        // A panic while holding the lock cannot leave a map half-updated in a way that
        // matters here: the worst case is a stale entry, which the checks below refuse.
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.map.get(key)?;
        self.is_fresh(entry, Instant::now())
            .then(|| entry.value.clone())
    }

    /// Stores a value computed from `tags`, whose load began at `stamp` (read before the
    /// value was computed, so a change made meanwhile makes it stale at once).
    pub fn put(&self, key: String, value: T, stamp: Stamp, tags: &[Tag]) {
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
            let changes = &self.changes;
            let ttl = self.ttl;
            entries.map.retain(|_, e| {
                now.duration_since(e.stamp.at) < ttl && changes.is_current(e.stamp.seq, &e.tags)
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
                stamp,
                tags: tags.into(),
                weight,
            },
        );
    }
}

impl<T: Clone + Send + Sync, E: Clone + Send + Sync> FreshCache<T, E> {
    /// The value under `key`, computed from `tags`, or else `load`ed and stored. Requests
    /// that miss the same key share one load: when an entry expires under load, every
    /// request in flight misses at once, and without this each went to the database (64
    /// loads queued on the pool, once a second, which set the p99). A load begun before a
    /// change of one of `tags` is never joined, so a change made here is still seen by the
    /// next request. A failed load is not stored, but its waiters get its error: they asked
    /// the same question of the same database at the same time, and loading again would
    /// make each wait for a second pool timeout (a database unreachable). A waiter whose
    /// leader was cancelled (its client hung up) loads for itself.
    pub async fn get_or_load<F, Fut>(&self, key: &str, tags: &[Tag], load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let stamp = self.changes.stamp();
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        if self.ttl.is_zero() {
            return load().await;
        }
        let joined = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            // A load begun before a change of what it reads is never joined again.
            match flights.get(key) {
                Some((seq, _, flight)) if self.changes.is_current(*seq, tags) => {
                    Err(flight.clone())
                }
                _ => {
                    let (lead, flight) = watch::channel(None);
                    let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
                    flights.insert(key.to_string(), (stamp.seq, id, flight));
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
                    self.put(key.to_string(), value.clone(), stamp, tags);
                }
                lead.send_replace(Some(result.clone()));
                result
            }
            Err(mut flight) => {
                if let Ok(done) = flight.wait_for(Option::is_some).await {
                    if let Some(result) = &*done {
                        return result.clone();
                    }
                }
                load().await
            }
        }
    }
}

/// Removes a finished (or abandoned) load from the flights, unless a newer one took its key.
struct Landing<'a, T, E> {
    flights: &'a Flights<T, E>,
    key: &'a str,
    id: u64,
}

impl<T, E> Drop for Landing<'_, T, E> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn changes() -> Arc<Invalidations> {
        Arc::new(Invalidations::new(Duration::from_secs(60)))
    }

    fn cache(changes: &Arc<Invalidations>, ttl: Duration, capacity: usize) -> FreshCache<u32, u32> {
        FreshCache::new(changes.clone(), ttl, capacity)
    }

    #[test]
    fn entries_expire_with_a_change_of_their_tags_and_only_theirs() {
        let changes = changes();
        let cache = cache(&changes, Duration::from_secs(60), 10);
        let alice = [Tag::principal("alice"), Tag::Authz];
        let bob = [Tag::principal("bob"), Tag::Authz];
        cache.put("a".into(), 1, changes.stamp(), &alice);
        cache.put("b".into(), 2, changes.stamp(), &bob);
        cache.put("c".into(), 3, changes.stamp(), &[Tag::Catalog]);
        changes.invalidate(&[Tag::principal("alice")]);
        assert_eq!(cache.get("a"), None, "alice changed");
        assert_eq!(cache.get("b"), Some(2), "bob did not");
        changes.invalidate(&[Tag::Authz]);
        assert_eq!(cache.get("b"), None, "roles changed for everyone");
        assert_eq!(cache.get("c"), Some(3));
        // Loaded after the change: current.
        cache.put("a".into(), 4, changes.stamp(), &alice);
        assert_eq!(cache.get("a"), Some(4));
        changes.invalidate(&[]);
        assert_eq!(cache.get("a"), Some(4), "a write that changed nothing");
        changes.invalidate_all();
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get("c"), None);
    }

    #[test]
    fn tags_read_back_as_written() {
        for tag in [
            Tag::Authz,
            Tag::Catalog,
            Tag::Groups,
            Tag::Users,
            Tag::principal("0123abcd"),
            Tag::group_members("g-1_x"),
        ] {
            assert_eq!(Tag::decode(&tag.encode()), Some(tag));
        }
        assert_eq!(Tag::decode("X"), None);
        assert_eq!(Tag::decode("Q:1"), None);
    }

    #[test]
    fn changes_are_announced_and_remote_ones_are_not_sent_back() {
        let changes = changes();
        let (to, from) = std::sync::mpsc::channel();
        changes.announce_to(to);
        changes.invalidate(&[Tag::Groups]);
        changes.invalidate(&[]);
        changes.invalidate_all();
        changes.invalidate_here(&[Tag::Users]);
        changes.invalidate_all_here();
        let sent: Vec<_> = from.try_iter().collect();
        assert_eq!(sent, [Some(vec![Tag::Groups]), None]);
    }

    #[test]
    fn a_change_during_a_load_makes_its_result_stale() {
        let changes = changes();
        let cache = cache(&changes, Duration::from_secs(60), 10);
        let tags = [Tag::group_members("g")];
        let before = changes.stamp();
        changes.invalidate(&tags);
        cache.put("k".into(), 1, before, &tags);
        assert_eq!(cache.get("k"), None);
    }

    #[test]
    fn pruned_changes_are_older_than_every_live_entry() {
        let changes = Arc::new(Invalidations::new(Duration::from_millis(20)));
        let cache = cache(&changes, Duration::from_millis(20), 10);
        let old = changes.stamp();
        changes.invalidate(&[Tag::principal("u0")]);
        std::thread::sleep(Duration::from_millis(30));
        for i in 1..=PRUNE_ABOVE + 1 {
            changes.invalidate(&[Tag::principal(&format!("u{i}"))]);
        }
        assert!(changes.last.read().unwrap().len() <= PRUNE_ABOVE + 1);
        // Its change was pruned, and an entry loaded before it has expired anyway.
        cache.put("k".into(), 1, old, &[Tag::principal("u0")]);
        assert_eq!(cache.get("k"), None);
    }

    #[test]
    fn entries_expire_with_time() {
        let changes = changes();
        let cache = cache(&changes, Duration::from_millis(20), 10);
        cache.put("a".into(), 1, changes.stamp(), &[]);
        assert_eq!(cache.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_zero_ttl_disables_and_capacity_bounds_memory() {
        let changes = changes();
        let off = cache(&changes, Duration::ZERO, 10);
        off.put("a".into(), 1, changes.stamp(), &[]);
        assert_eq!(off.get("a"), None);
        let small = cache(&changes, Duration::from_secs(60), 2);
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            small.put(key.to_string(), i as u32, changes.stamp(), &[]);
        }
        let entries = small.entries.lock().unwrap();
        assert!(entries.map.len() <= 2);
    }

    #[actix_web::test]
    async fn misses_share_one_load_but_never_one_begun_before_a_change() {
        let changes = changes();
        let cache = cache(&changes, Duration::from_secs(60), 10);
        let tags = [Tag::Groups];
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
            (0..8).map(|_| cache.get_or_load("k", &tags, load(1, true))),
        )
        .await;
        assert!(together.iter().all(|r| *r == Ok(1)));
        assert_eq!(loads.load(Ordering::SeqCst), 1, "eight misses, one load");
        assert_eq!(
            cache.get_or_load("k", &tags, load(2, true)).await,
            Ok(1),
            "stored"
        );
        changes.invalidate(&[Tag::Users]);
        assert_eq!(
            cache.get_or_load("k", &tags, load(3, true)).await,
            Ok(1),
            "a change of something else keeps it"
        );
        changes.invalidate(&tags);
        assert_eq!(
            cache.get_or_load("k", &tags, load(3, true)).await,
            Ok(3),
            "a change loads again"
        );
        // A failed load is shared with its waiters, but not stored.
        loads.store(0, Ordering::SeqCst);
        let failed = futures_util::future::join_all(
            (0..4).map(|_| cache.get_or_load("e", &tags, load(9, false))),
        )
        .await;
        assert!(failed.iter().all(|r| *r == Err(9)));
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "four misses, one failed load"
        );
        assert_eq!(cache.get("e"), None);
        assert_eq!(
            cache.get_or_load("e", &tags, load(10, true)).await,
            Ok(10),
            "the next request loads again"
        );
    }

    #[test]
    fn a_budget_bounds_the_weight() {
        let changes = changes();
        let cache: FreshCache<Vec<u8>, ()> =
            FreshCache::weighed(changes.clone(), Duration::from_secs(60), 100, 10, |v| {
                v.len()
            });
        let now = || changes.stamp();
        cache.put("big".into(), vec![0; 11], now(), &[]);
        assert_eq!(cache.get("big"), None, "heavier than the whole budget");
        cache.put("a".into(), vec![0; 6], now(), &[]);
        cache.put("a".into(), vec![0; 6], now(), &[]);
        assert_eq!(
            cache.entries.lock().unwrap().weight,
            6,
            "a replaced entry is not counted twice"
        );
        cache.put("b".into(), vec![0; 6], now(), &[]);
        let entries = cache.entries.lock().unwrap();
        assert!(entries.weight <= 10);
        assert!(entries.map.contains_key("b"));
    }
}
