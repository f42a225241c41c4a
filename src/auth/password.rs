//! Password hashing with Argon2id. Hashing is slow on purpose, so it runs on its own
//! threads (`HashWorkers`), never on the async workers.

use std::cell::{Cell, RefCell};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::config::IdentitySettings;
use crate::domain::values::Password;
use crate::error::ApiError;
use crate::metrics::HashEvents;

/// Hashes and checks passwords with the configured cost.
pub struct PasswordHasher {
    params: Params,
    /// Checked against when a user has no password or does not exist, so that the time a
    /// failed login takes does not tell which.
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(settings: &IdentitySettings) -> Result<PasswordHasher, String> {
        let params = Params::new(
            settings.password_hash_memory_kib,
            settings.password_hash_iterations,
            settings.password_hash_parallelism,
            None,
        )
        .map_err(|e| format!("invalid password hash parameters: {e}"))?;
        let mut hasher = PasswordHasher {
            params,
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher
            .hash_str("not-a-real-password")
            .map_err(|e| e.to_string())?;
        Ok(hasher)
    }

    fn hash_str(&self, password: &str) -> Result<String, ApiError> {
        let failed =
            |e: &dyn std::fmt::Display| ApiError::Internal(format!("password hashing failed: {e}"));
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| failed(&e))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let len = self
            .params
            .output_len()
            .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = with_blocks(self.params.block_count(), |blocks| {
            Output::init_with(len, |out| {
                argon2
                    .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, blocks)
                    .map_err(Into::into)
            })
        })
        .map_err(|e| failed(&e))?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(|e| failed(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    #[cfg(test)]
    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC-format hash of the password with a fresh salt.
    pub fn hash(&self, password: &Password) -> Result<String, ApiError> {
        self.hash_str(password.expose())
    }

    /// True if `password` matches `stored`; a missing hash costs the same and fails.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.as_str(), false),
        };
        // The parameters stored in each hash are used, so raising the cost later keeps
        // old hashes valid.
        let ok = PasswordHash::new(hash)
            .ok()
            .is_some_and(|parsed| matches(password, &parsed));
        ok && real
    }
}

/// Recomputes a stored Argon2 hash (as `PasswordVerifier` does, in the same memory as
/// [`with_blocks`]) and compares in constant time (`Output`'s equality).
fn matches(password: &str, stored: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm) else {
        return false;
    };
    let version = match stored.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    with_blocks(params.block_count(), |blocks| {
        Output::init_with(expected.len(), |out| {
            argon2
                .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, blocks)
                .map_err(Into::into)
        })
    })
    .is_ok_and(|computed| computed == expected)
}

thread_local! {
    /// Set on the hashing threads, which keep their Argon2 memory between hashes.
    static KEEPS_MEMORY: Cell<bool> = const { Cell::new(false) };
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Most memory a hashing thread keeps between hashes, in blocks of 1 KiB (64 MiB); a hash
/// stored with a higher cost is checked in memory freed after it.
const KEPT_BLOCKS: usize = 64 * 1024;

/// Runs `work` on `count` Argon2 blocks. On a hashing thread they are the thread's own,
/// allocated once: a fresh 19 MiB allocation per hash is what the allocator kept in
/// per-thread arenas (hundreds of MB of RSS after a burst of logins), and reuse bounds the
/// memory at the cost times the hashing threads.
fn with_blocks<R>(count: usize, work: impl FnOnce(&mut [Block]) -> R) -> R {
    if KEEPS_MEMORY.with(Cell::get) && count <= KEPT_BLOCKS {
        MEMORY.with(|memory| match memory.try_borrow_mut() {
            Ok(mut memory) => {
                if memory.len() < count {
                    memory.resize(count, Block::default());
                }
                work(&mut memory[..count])
            }
            // Not reentrant; cannot happen, but a fresh allocation is always correct.
            Err(_) => work(&mut vec![Block::default(); count]),
        })
    } else {
        work(&mut vec![Block::default(); count])
    }
}

/// Tells whether the client of the running request has hung up; set around each request by
/// the HTTP layer (`api::middleware::watch_client`). actix-web does not drop a handler when its
/// connection closes, so a queued hash asks this before it starts.
#[derive(Clone)]
pub struct ClientProbe(pub std::sync::Arc<dyn Fn() -> bool + Send + Sync>);

tokio::task_local! {
    /// The probe of the request this task serves, if the HTTP layer set one.
    pub static CLIENT_GONE: ClientProbe;
}

/// A queued hash: `true` when run to the end, `false` when skipped because the client that
/// asked for it had gone.
type Job = Box<dyn FnOnce() -> bool + Send>;

/// A few threads that do nothing but hash passwords. Argon2 takes its memory cost (19 MiB
/// by default) from the allocator of the thread that runs it, and that memory stays with
/// the thread's arena: hashing on a fixed set of threads, one per core, bounds both the CPU
/// and the memory that a burst of logins can take. The queue in front of them is bounded
/// (`login.hash_queue_limit`), and a job whose requester has gone (its future dropped, or its
/// connection closed: see [`ClientProbe`]) is skipped, not hashed: a flood of abandoned
/// logins cannot hold the threads busy for the logins that follow.
pub struct HashWorkers {
    jobs: std::sync::mpsc::SyncSender<Job>,
    retry_after_secs: u64,
    events: HashEvents,
}

impl std::fmt::Debug for HashWorkers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashWorkers")
    }
}

impl HashWorkers {
    /// `threads` hashing threads with `queue_limit` jobs waiting at most; beyond, a job is
    /// refused with a 503 carrying `Retry-After: retry_after_secs`.
    pub fn new(
        threads: usize,
        queue_limit: usize,
        retry_after_secs: u64,
        events: HashEvents,
    ) -> std::io::Result<HashWorkers> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(queue_limit);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            let events = events.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, never while running it.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => {
                            KEEPS_MEMORY.with(|keeps| keeps.set(true));
                            let outcome = if job() { "hashed" } else { "abandoned" };
                            events.count(outcome);
                        }
                        Err(_) => return, // every sender is gone: the service is stopping
                    }
                })?;
        }
        Ok(HashWorkers {
            jobs,
            retry_after_secs,
            events,
        })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking an async worker.
    /// A full queue is a 503 with `Retry-After`; dropping the returned future before a
    /// thread takes the job cancels it.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let gone = CLIENT_GONE.try_with(ClientProbe::clone).ok();
        let job: Job = Box::new(move || {
            // Dropped futures close the receiver; a closed connection answers the probe.
            if done.is_closed() || gone.is_some_and(|gone| (gone.0)()) {
                return false;
            }
            let _ = done.send(work());
            true
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(_)) => {
                self.events.count("refused");
                return Err(ApiError::Busy {
                    retry_after_secs: self.retry_after_secs,
                    detail: "the password hashing queue is full".into(),
                });
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                return Err(ApiError::Internal(
                    "password hashing threads are gone".into(),
                ))
            }
        }
        // A job dropped unrun had a client that hung up: no one reads this answer.
        result.await.map_err(|_| ApiError::Busy {
            retry_after_secs: self.retry_after_secs,
            detail: "the client hung up before its password was hashed".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(&IdentitySettings {
            default_domain_id: "default".into(),
            list_limit: 0,
            password_hash_memory_kib: 256,
            password_hash_iterations: 1,
            password_hash_parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let h = hasher();
        let pw = Password::parse("password", "correct horse").unwrap();
        let a = h.hash(&pw).unwrap();
        let b = h.hash(&pw).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(!a.contains("correct horse"));
        assert!(h.verify("correct horse", Some(&a)));
        assert!(!h.verify("wrong", Some(&a)));
    }

    #[actix_web::test]
    async fn hash_workers_run_jobs_and_return_results() {
        let workers = HashWorkers::new(2, 64, 1, HashEvents::default()).unwrap();
        let results =
            futures_util::future::join_all((0..8).map(|i| workers.run(move || i * 2))).await;
        let results: Vec<i32> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(results, [0, 2, 4, 6, 8, 10, 12, 14]);
    }

    /// Hashes made in reused memory are the argon2 crate's own, both ways, on the hashing
    /// threads (which keep their memory) as elsewhere.
    #[actix_web::test]
    async fn hashes_match_the_argon2_crate_in_reused_memory() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let h = std::sync::Arc::new(hasher());
        let pw = Password::parse("password", "correct horse").unwrap();
        let ours = h.hash(&pw).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(h
            .argon2()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = h
            .argon2()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let workers = HashWorkers::new(1, 64, 1, HashEvents::default()).unwrap();
        for _ in 0..2 {
            let (h, theirs, ours) = (h.clone(), theirs.clone(), ours.clone());
            let checked = workers
                .run(move || {
                    (
                        h.verify("correct horse", Some(&theirs)),
                        h.verify("correct horse", Some(&ours)),
                        h.verify("wrong", Some(&theirs)),
                    )
                })
                .await
                .unwrap();
            assert_eq!(checked, (true, true, false));
        }
    }

    #[test]
    fn missing_or_broken_hashes_never_verify() {
        let h = hasher();
        assert!(!h.verify("not-a-real-password", None));
        assert!(!h.verify("x", Some("not a hash")));
    }
}
