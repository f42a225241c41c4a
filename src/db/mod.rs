//! Storage: the connection pool, embedded migrations, and the query modules named after
//! Keystone's driver calls. Nothing in here knows about HTTP.

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

pub mod assignments;
pub mod bootstrap;
pub mod groups;
pub mod models;
pub mod resources;
pub mod revocations;
pub mod schema;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseLocation, DatabaseSettings};
use crate::domain::page::{Page, PageRequest};
use crate::error::ApiError;

/// The connection type every query function takes.
pub type DbConn = SqliteConnection;
pub type DbPool = Pool<ConnectionManager<DbConn>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Per-connection SQLite settings: they do not persist in the file, so every pooled
/// connection needs them.
#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout_ms: u32,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            self.busy_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
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

/// Builds the pool for the configured database, creating the SQLite file's folder if needed.
pub fn build_pool(settings: &DatabaseSettings) -> Result<DbPool, DbSetupError> {
    let location = settings
        .location()
        .map_err(|e| DbSetupError(e.to_string()))?;
    let DatabaseLocation::Sqlite(path) = location;
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbSetupError(format!("{}: {e}", parent.display())))?;
        }
    }
    let url = path.to_string_lossy().to_string();
    // WAL lets readers run beside a writer. The mode is stored in the file, so one
    // connection sets it before the pool opens its connections all at once.
    let mut first = DbConn::establish(&url).map_err(|e| DbSetupError(format!("{url}: {e}")))?;
    first
        .batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;",
            settings.busy_timeout_ms
        ))
        .map_err(|e| DbSetupError(format!("{url}: {e}")))?;
    drop(first);
    let manager = ConnectionManager::<DbConn>::new(url);
    Pool::builder()
        .max_size(settings.pool_size)
        .connection_timeout(Duration::from_secs(settings.connection_timeout.max(1)))
        .connection_customizer(Box::new(SqlitePragmas {
            busy_timeout_ms: settings.busy_timeout_ms,
        }))
        .build(manager)
        .map_err(|e| DbSetupError(format!("{}: {e}", path.display())))
}

/// Applies every pending migration; returns the versions applied.
pub fn run_migrations(pool: &DbPool) -> Result<Vec<String>, DbSetupError> {
    let mut conn = pool.get().map_err(|e| DbSetupError(e.to_string()))?;
    let applied = conn
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .map_err(|e| DbSetupError(format!("migrations: {e}")))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Runs blocking diesel work on the blocking thread pool, never on an actix worker.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// A read-modify-write transaction. SQLite's IMMEDIATE mode takes the write lock up front,
/// so two writers queue on busy_timeout instead of failing on a lock upgrade.
/// Inside an open transaction it becomes a savepoint, so write functions compose.
pub fn write_tx<T, F>(conn: &mut DbConn, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let nested = matches!(
        AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    );
    if nested {
        conn.transaction(work)
    } else {
        conn.immediate_transaction(work)
    }
}

/// True if a diesel error is a unique-key violation (a duplicate name, a double insert).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
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
pub fn paginate<T, F, K>(request: &PageRequest, id_of: K, mut fetch: F) -> Result<Page<T>, ApiError>
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
