//! Password hashing with Argon2id. Hashing is slow on purpose, so it runs on its own
//! threads (`HashWorkers`), never on the async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::IdentitySettings;
use crate::domain::values::Password;
use crate::error::ApiError;

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

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_str(&self, password: &str) -> Result<String, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
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
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        // The parameters stored in each hash are used, so raising the cost later keeps
        // old hashes valid.
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A few threads that do nothing but hash passwords. Argon2 takes its memory cost (19 MiB
/// by default) from the allocator of the thread that runs it, and that memory stays with
/// the thread's arena: hashing on a fixed set of threads, one per core, bounds both the CPU
/// and the memory that a burst of logins can take.
pub struct HashWorkers {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl std::fmt::Debug for HashWorkers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashWorkers")
    }
}

impl HashWorkers {
    pub fn new(threads: usize) -> std::io::Result<HashWorkers> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, never while running it.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every sender is gone: the service is stopping
                    }
                })?;
        }
        Ok(HashWorkers { jobs })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking an async worker.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| ApiError::Internal("password hashing threads are gone".into()))?;
        result
            .await
            .map_err(|_| ApiError::Internal("a password hashing job was dropped".into()))
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
        let workers = HashWorkers::new(2).unwrap();
        let results =
            futures_util::future::join_all((0..8).map(|i| workers.run(move || i * 2))).await;
        let results: Vec<i32> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(results, [0, 2, 4, 6, 8, 10, 12, 14]);
    }

    #[test]
    fn missing_or_broken_hashes_never_verify() {
        let h = hasher();
        assert!(!h.verify("not-a-real-password", None));
        assert!(!h.verify("x", Some("not a hash")));
    }
}
