//! Builds the application once, for `main` and for the tests alike: pool, migrations,
//! keys, bootstrap, then the HTTP server on its listener.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, NormalizePath, TrailingSlash};
use actix_web::web::Bytes;
use actix_web::{web, App, HttpServer};

use crate::api::http::audit;
use crate::api::http::middleware::{
    connection_socket, keep_signed_request, nul_names_nothing, observe, response_headers,
    watch_client,
};
use crate::api::{baidu, not_found, routes};
use crate::audit::AuditLog;
use crate::auth::credential_cipher::CredentialCipher;
use crate::auth::login::LoginThrottle;
use crate::auth::password::{HashWorkers, PasswordHasher};
use crate::auth::replay::ReplayGuard;
use crate::auth::token::TokenKeys;
use crate::bootstrap::{self, BootstrapReport};
use crate::cache::bus;
use crate::cache::{FreshCache, Invalidations};
use crate::config::{DatabaseLocation, Settings};
use crate::db::{self, DbPool};
use crate::metrics::Metrics;
use crate::state::AppState;

/// A built, bound, not yet running service.
pub struct Application {
    address: std::net::SocketAddr,
    server: Server,
    pub bootstrap: BootstrapReport,
}

#[derive(Debug)]
pub struct StartupError(String);

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}

fn fail(what: &str) -> impl Fn(&dyn std::fmt::Display) -> StartupError + '_ {
    move |e| StartupError(format!("{what}: {e}"))
}

/// Opens the configured database and applies pending migrations (`iam-groups db migrate`).
pub fn migrate(settings: &Settings) -> Result<(DbPool, Vec<String>), StartupError> {
    migrate_observed(settings, None)
}

/// [`migrate`], with the pool reporting its events to `events` (the service's metrics).
fn migrate_observed(
    settings: &Settings,
    events: Option<Box<dyn r2d2::HandleEvent>>,
) -> Result<(DbPool, Vec<String>), StartupError> {
    let pool =
        db::build_pool_observed(&settings.database, events).map_err(|e| fail("database")(&e))?;
    let applied = db::run_migrations(&pool).map_err(|e| fail("database")(&e))?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    Ok((pool, applied))
}

/// Creates or updates the bootstrap records (`iam-groups bootstrap`), printing a generated
/// admin password once, to the console only.
pub fn run_bootstrap(
    pool: &DbPool,
    settings: &Settings,
    hasher: &PasswordHasher,
) -> Result<BootstrapReport, StartupError> {
    let mut conn = pool.get().map_err(|e| fail("database")(&e))?;
    let report = bootstrap::run(&mut conn, settings, hasher).map_err(|e| fail("bootstrap")(&e))?;
    if let Some(password) = &report.generated_password {
        println!(
            "iam-groups: created bootstrap user '{}' in domain '{}' with password: {password}",
            settings.bootstrap.admin_user, settings.identity.default_domain_id
        );
    }
    Ok(report)
}

impl Application {
    /// Prepares the database and binds the listener (`127.0.0.1:0` picks a free port).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let settings = Arc::new(settings);
        let keys = TokenKeys::load_or_create(&settings.token.key_file)
            .map_err(|e| fail("token keys")(&e))?;
        let cipher = CredentialCipher::load_or_create(&settings.credentials.key_file)
            .map_err(|e| fail("credential key")(&e))?;
        let hasher = PasswordHasher::new(&settings.identity).map_err(|e| fail("passwords")(&e))?;
        let hasher = Arc::new(hasher);
        let password_rules = settings
            .security_compliance
            .password_rules()
            .map_err(|e| fail("password rules")(&e))?;
        let metrics = Arc::new(Metrics::new().map_err(|e| fail("metrics")(&e))?);

        let (setup_settings, setup_hasher) = (settings.clone(), hasher.clone());
        let events = Box::new(metrics.pool_events());
        let (pool, report) = web::block(move || {
            let (pool, _) = migrate_observed(&setup_settings, Some(events))?;
            let report = run_bootstrap(&pool, &setup_settings, &setup_hasher)?;
            Ok::<_, StartupError>((pool, report))
        })
        .await
        .map_err(|e| fail("startup")(&e))??;

        let audit_log = match settings.audit.log_file.as_os_str().is_empty() {
            true => None,
            false => Some(Arc::new(
                AuditLog::open(&settings.audit.log_file).map_err(|e| fail("audit log")(&e))?,
            )),
        };
        let listener = TcpListener::bind(&settings.server.bind)
            .map_err(|e| fail(&settings.server.bind)(&e))?;
        let address = listener.local_addr().map_err(|e| fail("listener")(&e))?;
        let ttl = std::time::Duration::from_millis(settings.token.cache_ttl_ms);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hash_workers = HashWorkers::new(
            cores,
            settings.login.hash_queue_limit,
            settings.login.hash_retry_after_secs,
            metrics.hash_events(),
        )
        .map_err(|e| fail("hashing threads")(&e))?;
        // Remembers each change a second longer than any entry lives (see cache).
        let changes = Arc::new(Invalidations::new(ttl + std::time::Duration::from_secs(1)));
        // On PostgreSQL the instances tell each other what changed (cache::bus).
        if let Ok(DatabaseLocation::Postgres(url)) = settings.database.location() {
            bus::start(&changes, url).map_err(|e| fail("cache bus thread")(&e))?;
        }
        let state = web::Data::new(AppState {
            pool,
            settings: settings.clone(),
            keys: Arc::new(keys),
            hasher,
            changes: changes.clone(),
            token_cache: Arc::new(FreshCache::new(
                changes.clone(),
                ttl,
                settings.token.cache_size,
            )),
            catalog_cache: Arc::new(FreshCache::new(changes.clone(), ttl, 1)),
            read_cache: Arc::new(FreshCache::new(
                changes.clone(),
                ttl,
                settings.token.cache_size,
            )),
            // 32 MiB of rendered pages: a hundred and fifty full pages of 1,000, or thousands
            // of small lists, without letting a client walking a million groups grow the
            // heap past the RSS budget.
            page_cache: Arc::new(FreshCache::weighed(
                changes,
                ttl,
                settings.token.cache_size,
                32 << 20,
                Bytes::len,
            )),
            hash_workers: Arc::new(hash_workers),
            metrics,
            cipher: Arc::new(cipher),
            audit_log,
            password_rules: Arc::new(password_rules),
            replay: Arc::new(ReplayGuard::new(settings.signing.replay_grace_ms)),
            login_throttle: Arc::new(LoginThrottle::new(&settings.login)),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(nul_names_nothing))
                .wrap(from_fn(watch_client))
                .wrap(from_fn(baidu::bce_errors))
                .wrap(from_fn(audit::record))
                .wrap(from_fn(observe))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                // Outside NormalizePath: a signature covers the path as the client sent it.
                .wrap(from_fn(keep_signed_request))
                .wrap(from_fn(response_headers))
                .configure(routes)
                .default_service(web::to(not_found))
        })
        // A slow client holds only its own connection (a task, not a worker); these bound
        // how long. The body's own limit is in `JsonBody`, as actix-web has none.
        .on_connect(connection_socket)
        .client_request_timeout(Duration::from_millis(
            settings.server.client_request_timeout_ms,
        ))
        .client_disconnect_timeout(Duration::from_millis(
            settings.server.client_disconnect_timeout_ms,
        ))
        .listen(listener)
        .map_err(|e| fail("listen")(&e))?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        Ok(Application {
            address,
            server: server.run(),
            bootstrap: report,
        })
    }

    /// The address the service listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// Serves until the process is stopped.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
