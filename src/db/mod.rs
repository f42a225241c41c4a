//! Storage: the connection pool, embedded migrations, and the query modules named after
//! Keystone's driver calls. Nothing in here knows about HTTP: failures are a
//! [`StoreError`], which the layer above maps to its own wording.
//!
//! Over 500 lines: the pool, the migrations, transactions and the paging every query module
//! shares, with their tests.

/// Applies a pagination `Window` to a boxed, filtered query ordered by the id column.
macro_rules! windowed {
    ($query:expr, $id:expr, $window:expr) => {
        match $window {
            $crate::db::Window::After { marker, limit } => {
                let mut query = $query;
                if let Some(marker) = marker {
                    query = query.filter($id.gt(marker.to_string()));
                }
                query = query.order($id.asc());
                if let Some(limit) = limit {
                    query = query.limit(limit);
                }
                query
            }
            $crate::db::Window::Before { marker, skip } => $query
                .filter($id.le(marker.to_string()))
                .order($id.desc())
                .offset(skip)
                .limit(1),
        }
    };
}

pub mod application_credentials;
pub mod assignments;
pub mod audit;
pub mod bootstrap;
pub mod catalog;
pub mod credentials;
pub mod domain_configs;
pub mod domains;
pub mod endpoint_filter;
pub mod error;
pub mod federation;
pub mod groups;
pub mod limits;
pub mod models;
pub mod oauth1;
pub mod os_credentials;
pub mod policies;
pub mod project_tags;
pub mod project_tree;
pub mod projects;
pub mod quota;
pub mod resources;
pub mod revocations;
pub mod roles;
pub mod schema;
pub mod signature_uses;
pub mod trusts;
pub mod users;
pub mod writer;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseLocation, DatabaseSettings};
use crate::domain::filter::{MatchOp, StringMatch};
use crate::domain::page::{Page, PageRequest};

pub use error::{Refusal, StoreError};

/// The connection every query function takes: PostgreSQL or SQLite, chosen by the URL at
/// run time, so one binary serves both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The connection pool, with one async permit per connection: a request waits for a permit
/// on the async side before it takes a blocking thread, so a burst of requests queues
/// cheaply instead of parking a blocking thread each on the pool (which grew the blocking
/// pool to over a hundred threads under load).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager<DbConn>>,
    permits: Arc<Semaphore>,
    wait: Duration,
    /// SQLite's one writer connection (`writer`); `None` on PostgreSQL.
    writer: Option<Arc<writer::Writer>>,
}

impl DbPool {
    /// A connection, waiting at most `database.connection_timeout`.
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager<DbConn>>, r2d2::Error> {
        self.pool.get()
    }

    /// Connections open and idle.
    pub fn state(&self) -> r2d2::State {
        self.pool.state()
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgresql(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Per-connection SQLite settings: they do not persist in the file, so every pooled
/// connection needs them. PostgreSQL connections need none.
#[derive(Debug)]
struct ConnectionSetup {
    busy_timeout_ms: u32,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConn::Sqlite(sqlite) => sqlite
                .batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(diesel::r2d2::Error::QueryError),
            DbConn::Postgresql(_) => Ok(()),
        }
    }
}

#[derive(Debug)]
pub struct DbSetupError(pub String);

impl std::fmt::Display for DbSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database setup failed: {}", self.0)
    }
}

impl std::error::Error for DbSetupError {}

/// Builds the pool for the configured database: a SQLite file (its folder created if
/// needed) or a PostgreSQL server.
pub fn build_pool(settings: &DatabaseSettings) -> Result<DbPool, DbSetupError> {
    build_pool_observed(settings, None)
}

/// [`build_pool`] with an r2d2 event handler, which the service uses for its pool metrics.
pub fn build_pool_observed(
    settings: &DatabaseSettings,
    events: Option<Box<dyn r2d2::HandleEvent>>,
) -> Result<DbPool, DbSetupError> {
    let location = settings
        .location()
        .map_err(|e| DbSetupError(e.to_string()))?;
    // A SQLite file does not drop connections; a server does, so check those on checkout.
    let check_on_checkout = matches!(location, DatabaseLocation::Postgres(_));
    let (url, shown) = match location {
        DatabaseLocation::Sqlite(path) => {
            if let Some(parent) = path.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| DbSetupError(format!("{}: {e}", parent.display())))?;
                }
            }
            // The file holds password hashes: made private before SQLite first opens it, and
            // its WAL and shared-memory files after (SQLite gives those the file's mode, but
            // they may be left from a run before this rule).
            create_private_file(&path)
                .map_err(|e| DbSetupError(format!("{}: {e}", path.display())))?;
            let url = path.to_string_lossy().to_string();
            // WAL lets readers run beside a writer. The mode is stored in the file, so one
            // connection sets it before the pool opens its connections all at once.
            let mut first = SqliteConnection::establish(&url)
                .map_err(|e| DbSetupError(format!("{url}: {e}")))?;
            first
                .batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;",
                    settings.busy_timeout_ms
                ))
                .map_err(|e| DbSetupError(format!("{url}: {e}")))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                restrict_to_owner(std::path::Path::new(&side))
                    .map_err(|e| DbSetupError(format!("{}: {e}", path.display())))?;
            }
            (url.clone(), url)
        }
        DatabaseLocation::Postgres(url) => {
            let shown = redact_url(&url);
            (url, shown)
        }
    };
    // The writer connection opens the same file (SQLite only).
    let writer_url = (!check_on_checkout).then(|| url.clone());
    let manager = ConnectionManager::<DbConn>::new(url);
    let mut builder = Pool::builder();
    if let Some(events) = events {
        builder = builder.event_handler(events);
    }
    let wait = Duration::from_secs(settings.connection_timeout.max(1));
    let pool = builder
        .max_size(settings.pool_size)
        .test_on_check_out(check_on_checkout)
        .connection_timeout(wait)
        .connection_customizer(Box::new(ConnectionSetup {
            busy_timeout_ms: settings.busy_timeout_ms,
        }))
        .build(manager)
        .map_err(|e| DbSetupError(format!("{shown}: {e}")))?;
    let writer = match writer_url {
        Some(url) => {
            let busy_timeout_ms = settings.busy_timeout_ms;
            let open = move || -> Result<DbConn, String> {
                let mut conn = DbConn::Sqlite(
                    SqliteConnection::establish(&url).map_err(|e| format!("{url}: {e}"))?,
                );
                ConnectionSetup { busy_timeout_ms }
                    .on_acquire(&mut conn)
                    .map_err(|e| format!("{url}: {e}"))?;
                Ok(conn)
            };
            let conn = open().map_err(DbSetupError)?;
            let wait = Duration::from_millis(u64::from(busy_timeout_ms));
            Some(Arc::new(writer::Writer::new(conn, wait, Box::new(open))))
        }
        None => None,
    };
    Ok(DbPool {
        pool,
        permits: Arc::new(Semaphore::new(settings.pool_size as usize)),
        wait,
        writer,
    })
}

/// Creates `path` if it is missing, readable and writable by its owner only (0600 whatever
/// the umask); an existing file is left as it is. For files holding secrets: the SQLite
/// database and the audit log.
pub fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        // The mode given to open is filtered by the umask; set it outright.
        Ok(_) => restrict_to_owner(path),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets an existing file to 0600; a missing one is fine.
fn restrict_to_owner(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// A database URL fit for a log line: the password replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Applies every pending migration of the pool's backend; returns the versions applied.
pub fn run_migrations(pool: &DbPool) -> Result<Vec<String>, DbSetupError> {
    let mut conn = pool.get().map_err(|e| DbSetupError(e.to_string()))?;
    let applied = match &mut *conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbSetupError(format!("migrations: {e}")))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// The schema's state: the migrations applied and those still pending.
pub fn schema_status(pool: &DbPool) -> Result<(Vec<String>, Vec<String>), DbSetupError> {
    let mut conn = pool.get().map_err(|e| DbSetupError(e.to_string()))?;
    let fail =
        |e: Box<dyn std::error::Error + Send + Sync>| DbSetupError(format!("migrations: {e}"));
    let (applied, pending): (Vec<String>, Vec<String>) = match &mut *conn {
        DbConn::Sqlite(c) => (
            c.applied_migrations()
                .map_err(fail)?
                .iter()
                .map(|v| v.to_string())
                .collect(),
            c.pending_migrations(SQLITE_MIGRATIONS)
                .map_err(fail)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
        ),
        DbConn::Postgresql(c) => (
            c.applied_migrations()
                .map_err(fail)?
                .iter()
                .map(|v| v.to_string())
                .collect(),
            c.pending_migrations(POSTGRES_MIGRATIONS)
                .map_err(fail)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
        ),
    };
    let mut applied = applied;
    applied.sort();
    Ok((applied, pending))
}

/// How many groups, users and memberships are stored (`iam_groups_records{kind}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    pub groups: i64,
    pub users: i64,
    pub memberships: i64,
}

/// The numbers of groups, users and memberships stored, for the metrics.
pub fn record_counts(conn: &mut DbConn) -> Result<RecordCounts, StoreError> {
    use schema::{groups, user_group_membership, users};
    Ok(RecordCounts {
        groups: groups::table.count().get_result(conn)?,
        users: users::table.count().get_result(conn)?,
        memberships: user_group_membership::table.count().get_result(conn)?,
    })
}

/// The least a request waits for a connection once it holds a permit (a permit means one
/// is idle or being returned).
const MIN_CONNECTION_WAIT: Duration = Duration::from_millis(250);

/// Runs blocking diesel work on the blocking thread pool, never on an async worker.
/// Generic in the error so that `work` may mix storage calls with the caller's own checks
/// (`?` on both), as long as a storage failure converts into it.
pub async fn run<T, E, F>(pool: &DbPool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    // One deadline for the permit and the connection together: a request that got its
    // permit late must not then wait a whole pool timeout more for a connection.
    let deadline = std::time::Instant::now() + pool.wait;
    let permit = match tokio::time::timeout(pool.wait, pool.permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Err(StoreError::Internal("database permits closed".into()).into()),
        Err(_) => {
            return Err(StoreError::Unavailable(
                "timed out waiting for a database connection".into(),
            )
            .into())
        }
    };
    let pool = pool.clone();
    // tokio's blocking pool is the one actix's `web::block` uses; spawning on it directly
    // keeps this module free of the web framework.
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _writer = writer::enter(pool.writer.clone());
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let mut conn = pool
            .pool
            .get_timeout(left.max(MIN_CONNECTION_WAIT))
            .map_err(StoreError::from)?;
        work(&mut conn)
    });
    match task.await {
        Ok(result) => result,
        Err(e) => Err(StoreError::Internal(format!("blocking task failed: {e}")).into()),
    }
}

/// The error of a diesel transaction whose body fails with `E`: diesel's own failures
/// (begin, commit, rollback) kept apart so they can be classified.
enum TxError<E> {
    Db(diesel::result::Error),
    Work(E),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Db(e)
    }
}

/// `conn.transaction(work)` for any error a storage failure converts into.
pub(crate) fn transaction<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError>,
{
    conn.transaction(|conn| work(conn).map_err(TxError::Work))
        .map_err(|e| match e {
            TxError::Db(e) => StoreError::from(e).into(),
            TxError::Work(e) => e,
        })
}

/// A read-modify-write transaction. On SQLite it begins IMMEDIATE, taking the write lock up
/// front, so two writers queue on busy_timeout instead of failing on a lock upgrade.
/// Inside an open transaction it becomes a savepoint, so write functions compose.
pub fn write_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError>,
{
    let nested = matches!(
        <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth(),
        Ok(Some(_))
    );
    let DbConn::Sqlite(sqlite) = conn else {
        return transaction(conn, work);
    };
    if nested {
        return transaction(conn, work);
    }
    // Under `run`, a SQLite pool's writes queue for its one writer connection.
    if let Some(writer) = writer::current() {
        return writer.write(work);
    }
    // The multi-connection's transaction state is the inner connection's, so a
    // transaction begun on the inner connection is seen (and nested into) by `work`.
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
        .map_err(StoreError::from)?;
    let result = work(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        return Err(
            StoreError::Internal("connection changed backend mid-transaction".into()).into(),
        );
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = AnsiTransactionManager::rollback_transaction(sqlite) {
                log::error!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

/// True if `key` can name no stored row: it holds a NUL, which no stored string does (the
/// domain values refuse it on the way in). PostgreSQL refuses even to compare text with a
/// NUL, with an error (SQLSTATE 22021) that diesel reports without its code, so a lookup
/// by such a key answers "not found" without asking, the same on both backends.
pub fn names_no_row(key: &str) -> bool {
    key.contains('\0')
}

/// True if a diesel error is a unique-key violation (a duplicate name, a double insert).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs one insert in a savepoint and reports whether it stored a row; a unique violation
/// (the row is already there) rolls back only the savepoint, since PostgreSQL would
/// otherwise abort the whole transaction.
pub fn insert_unless_present<F>(conn: &mut DbConn, insert: F) -> Result<bool, StoreError>
where
    F: FnOnce(&mut DbConn) -> QueryResult<usize>,
{
    match conn.transaction(insert) {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Which rows a list query should return for one step of pagination.
pub enum Window<'a> {
    /// Rows with id > marker (all rows without one), ascending, at most `limit`.
    After {
        marker: Option<&'a str>,
        limit: Option<i64>,
    },
    /// The single row `skip` places below marker (id <= marker, descending).
    Before { marker: &'a str, skip: i64 },
}

/// Keystone-style `limit`/`marker` paging over rows ordered by id. `fetch` runs the list's
/// filtered query for a window; filters apply inside it, so a page is full while more
/// matches exist.
pub fn paginate<T, F, K>(
    request: &PageRequest,
    id_of: K,
    mut fetch: F,
) -> Result<Page<T>, StoreError>
where
    F: FnMut(Window<'_>) -> QueryResult<Vec<T>>,
    K: Fn(&T) -> &str,
{
    let limit = request.limit;
    let mut items = fetch(Window::After {
        marker: request.marker.as_deref(),
        // One more than asked tells whether anything follows.
        limit: limit.map(|l| l + 1),
    })?;
    let truncated = matches!(limit, Some(l) if items.len() as i64 > l);
    if let Some(l) = limit {
        items.truncate(l as usize);
    }
    let next_marker = if truncated {
        items.last().map(|item| id_of(item).to_string())
    } else {
        None
    };
    let previous_marker = match (&request.marker, limit) {
        (Some(marker), Some(l)) => {
            let before = fetch(Window::Before { marker, skip: l })?;
            Some(before.first().map(|item| id_of(item).to_string()))
        }
        (Some(_), None) => Some(None),
        (None, _) => None,
    };
    Ok(Page {
        items,
        truncated,
        next_marker,
        previous_marker,
    })
}

/// [`paginate`] for a hot list whose previous-page link comes from its own query: `fetch`
/// loads the page's window (rows after the marker, ascending, at most `limit`), and
/// `previous(conn, marker, skip)` returns only the id `skip` places below the marker
/// (`id <= marker`, descending) with the list's filters, so that backward walk reads the id
/// index alone instead of `skip` whole rows.
pub fn paginate_keyed<T, F, P, K>(
    conn: &mut DbConn,
    request: &PageRequest,
    id_of: K,
    fetch: F,
    previous: P,
) -> Result<Page<T>, StoreError>
where
    F: FnOnce(&mut DbConn, Option<&str>, Option<i64>) -> QueryResult<Vec<T>>,
    P: FnOnce(&mut DbConn, &str, i64) -> QueryResult<Option<String>>,
    K: Fn(&T) -> &str,
{
    let limit = request.limit;
    // One more than asked tells whether anything follows.
    let mut items = fetch(conn, request.marker.as_deref(), limit.map(|l| l + 1))?;
    let truncated = matches!(limit, Some(l) if items.len() as i64 > l);
    if let Some(l) = limit {
        items.truncate(l as usize);
    }
    let next_marker = if truncated {
        items.last().map(|item| id_of(item).to_string())
    } else {
        None
    };
    let previous_marker = match (&request.marker, limit) {
        (Some(marker), Some(l)) => Some(previous(conn, marker, l)?),
        (Some(_), None) => Some(None),
        (None, _) => None,
    };
    Ok(Page {
        items,
        truncated,
        next_marker,
        previous_marker,
    })
}

/// A SQL condition comparing one text column with a value.
pub type MatchSql = diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    diesel::expression::UncheckedBind<
        diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
        diesel::dsl::AsExprOf<String, diesel::sql_types::Text>,
    >,
>;

fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn escape_glob(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Keystone's `name__contains`-style comparison on `column` (a quoted, table-qualified
/// name), the same on both backends: case-insensitive forms lower both sides; case-sensitive
/// ones use LIKE on PostgreSQL and GLOB on SQLite, whose LIKE ignores ASCII case.
pub fn string_match(backend: Backend, column: &str, m: &StringMatch) -> MatchSql {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let (prefix, suffix) = match (m.case_sensitive, m.op) {
        (true, MatchOp::Equals) => (format!("{column} = "), String::new()),
        (false, MatchOp::Equals) => (format!("lower({column}) = lower("), ")".into()),
        (false, _) => (
            format!("lower({column}) LIKE lower("),
            ") ESCAPE '\\'".into(),
        ),
        (true, _) => match backend {
            Backend::Postgres => (format!("{column} LIKE "), " ESCAPE '\\'".into()),
            Backend::Sqlite => (format!("{column} GLOB "), String::new()),
        },
    };
    let glob = m.case_sensitive && backend == Backend::Sqlite;
    let (any, escaped) = if glob {
        ("*", escape_glob(&m.value))
    } else {
        ("%", escape_like(&m.value))
    };
    let value = match m.op {
        MatchOp::Equals => m.value.clone(),
        MatchOp::Contains => format!("{any}{escaped}{any}"),
        MatchOp::StartsWith => format!("{escaped}{any}"),
        MatchOp::EndsWith => format!("{any}{escaped}"),
    };
    sql::<Bool>(&prefix).bind::<Text, _>(value).sql(&suffix)
}
