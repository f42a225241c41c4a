//! `StoreError`: what storage can say went wrong, in storage's own terms. The API maps it to
//! each face's wording (`impl From<StoreError> for ApiError` in `error.rs`); nothing here
//! knows HTTP.
//!
//! Database errors are classified by what the driver reports as a code, never by their
//! message text (a PostgreSQL with `lc_messages` in another language words them otherwise):
//!
//! - diesel's `DatabaseErrorKind`, which diesel derives from PostgreSQL's SQLSTATE (23505
//!   unique, 23503 foreign key, 25006 read-only transaction, 40001 serialization, class 08
//!   connection exceptions, and a connection libpq reports as bad) and from SQLite's extended
//!   result codes (`SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`, `_FOREIGNKEY`...).
//! - Where diesel says `Unknown`: diesel 2.3 exposes neither the SQLSTATE of a PostgreSQL
//!   error (`PgErrorInformation` gives the message fields, table, column, constraint and
//!   position, not the code) nor a SQLite connection's raw handle, so
//!   `sqlite3_extended_errcode` cannot be read after the fact. What it does keep for SQLite
//!   is `sqlite3_errmsg`, which for the conditions below is exactly `sqlite3_errstr(code)`:
//!   SQLite's own fixed, untranslated text for the primary result code. Those are compared
//!   whole against `sqlite3_errstr` of each code, so the code decides, not a phrase.
//! - A PostgreSQL condition that is `Unknown` to diesel cannot be classified at all, so the
//!   service makes it impossible instead. The one that requests could cause is 22021
//!   (a NUL in text, which PostgreSQL refuses even to compare): every stored string is a
//!   domain value, which refuses NUL on the way in, and the API answers a NUL in a path,
//!   query or body before any query runs. Whatever else is `Unknown` (53100 disk full on the
//!   server, 57014 statement timeout...) is an opaque internal error, logged.

use std::ffi::CStr;
use std::fmt;
use std::sync::OnceLock;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Every way a storage call can fail. `Clone`, so that one commit's outcome can answer
/// every write of a group (`db::writer`).
#[derive(Debug, Clone)]
pub enum StoreError {
    /// No row: `kind` is the resource as Keystone names it, `id` what was asked for.
    NotFound { kind: &'static str, id: String },
    /// No row, with a message of its own (a membership, a role assignment marker).
    NotFoundMessage(String),
    /// A unique key is taken (SQLSTATE 23505, `SQLITE_CONSTRAINT_UNIQUE`): `what` was being
    /// stored, `detail` says which key, in Keystone's words.
    Conflict { what: &'static str, detail: String },
    /// A foreign key would dangle (23503, `SQLITE_CONSTRAINT_FOREIGNKEY`): a row referred to
    /// went away under the write. The detail is only logged.
    ForeignKey(String),
    /// The database cannot serve now but may soon: busy or locked past `busy_timeout`,
    /// read-only or full, the connection lost, no pooled connection in time.
    Unavailable(String),
    /// A rule of the data, checked inside the same transaction as the write it guards,
    /// refused that write.
    Refused(Refusal),
    /// Anything else: a bug, a corrupt file, an unexpected database failure. Logged only.
    Internal(String),
}

/// Why a write was refused by a rule checked in its transaction. The messages are
/// Keystone's (or Baidu's) own, and are sent as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The write would make the data inconsistent (a region its own ancestor, a parent in
    /// another domain): Keystone's `ValidationError`.
    Invalid(String),
    /// The target's state forbids it (an enabled domain, a project with children):
    /// Keystone's `ForbiddenNotSecurity`.
    Forbidden(String),
    /// A per-owner limit is reached (access keys per user).
    LimitReached(String),
    /// The target is still in use (a group with members or grants, on Baidu's face).
    InUse(String),
}

impl StoreError {
    /// The row `kind` with `id` does not exist.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound {
            kind,
            id: id.into(),
        }
    }

    /// A write that would make the data inconsistent ([`Refusal::Invalid`]).
    pub fn invalid(message: impl Into<String>) -> Self {
        StoreError::Refused(Refusal::Invalid(message.into()))
    }

    /// A write the target's state forbids ([`Refusal::Forbidden`]).
    pub fn forbidden(message: impl Into<String>) -> Self {
        StoreError::Refused(Refusal::Forbidden(message.into()))
    }

    /// A write past a per-owner limit ([`Refusal::LimitReached`]).
    pub fn limit_reached(message: impl Into<String>) -> Self {
        StoreError::Refused(Refusal::LimitReached(message.into()))
    }

    /// A delete of something still in use ([`Refusal::InUse`]).
    pub fn in_use(message: impl Into<String>) -> Self {
        StoreError::Refused(Refusal::InUse(message.into()))
    }

    /// True for a missing row, whichever way the message is made.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StoreError::NotFound { .. } | StoreError::NotFoundMessage(_)
        )
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound { kind, id } => write!(f, "no {kind} {id}"),
            StoreError::NotFoundMessage(m) => write!(f, "not found: {m}"),
            StoreError::Conflict { what, detail } => write!(f, "conflict storing {what}: {detail}"),
            StoreError::ForeignKey(d) => write!(f, "foreign key violation: {d}"),
            StoreError::Unavailable(d) => write!(f, "database unavailable: {d}"),
            StoreError::Refused(r) => write!(f, "refused: {r:?}"),
            StoreError::Internal(d) => write!(f, "database error: {d}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// SQLite's primary result codes that mean "not now" rather than "never": the write can
/// succeed once the lock is released or the operator has made room or given back write
/// access. Their extended codes (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_IOERR_WRITE`,
/// `SQLITE_READONLY_DBMOVED`...) share the primary code's text.
const SQLITE_UNAVAILABLE: [(std::ffi::c_int, &str); 6] = [
    (libsqlite3_sys::SQLITE_BUSY, "busy"),
    (libsqlite3_sys::SQLITE_LOCKED, "locked"),
    (libsqlite3_sys::SQLITE_READONLY, "read-only"),
    (libsqlite3_sys::SQLITE_FULL, "full"),
    (libsqlite3_sys::SQLITE_IOERR, "I/O error"),
    (libsqlite3_sys::SQLITE_CANTOPEN, "cannot open the file"),
];

/// `sqlite3_errstr` of each code in [`SQLITE_UNAVAILABLE`], read once.
fn sqlite_unavailable_texts() -> &'static [(String, &'static str)] {
    static TEXTS: OnceLock<Vec<(String, &'static str)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        SQLITE_UNAVAILABLE
            .iter()
            .filter_map(|&(code, label)| {
                // SAFETY: sqlite3_errstr takes any int and returns a pointer to a static,
                // NUL-terminated English string owned by SQLite (or NULL, checked), which
                // lives as long as the program.
                let text = unsafe {
                    let ptr = libsqlite3_sys::sqlite3_errstr(code);
                    if ptr.is_null() {
                        return None;
                    }
                    CStr::from_ptr(ptr)
                };
                Some((text.to_string_lossy().into_owned(), label))
            })
            .collect()
    })
}

/// The SQLite condition `message` reports, when it is one of [`SQLITE_UNAVAILABLE`]:
/// the message is that code's `sqlite3_errstr`, alone or followed by `": "` and a name
/// (`database table is locked: users`).
fn sqlite_unavailable(message: &str) -> Option<&'static str> {
    sqlite_unavailable_texts()
        .iter()
        .find(|(text, _)| {
            message == text
                || message
                    .strip_prefix(text.as_str())
                    .is_some_and(|rest| rest.starts_with(": "))
        })
        .map(|(_, label)| *label)
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(kind, info) => {
                let message = info.message().to_string();
                match kind {
                    // A unique violation the query did not expect (the callers that can meet
                    // one name what was stored): Keystone's generic words for it.
                    DatabaseErrorKind::UniqueViolation => {
                        log::debug!("unexpected unique violation: {message}");
                        StoreError::Conflict {
                            what: "entity",
                            detail: "Duplicate entry".into(),
                        }
                    }
                    DatabaseErrorKind::ForeignKeyViolation => StoreError::ForeignKey(message),
                    // The server is gone (class 08, or libpq marks the connection bad after
                    // an admin shutdown or a restart) or could not be sent the command.
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand => {
                        StoreError::Unavailable(format!("connection lost: {message}"))
                    }
                    // A hot standby, or default_transaction_read_only set by the operator.
                    DatabaseErrorKind::ReadOnlyTransaction => {
                        StoreError::Unavailable(format!("read-only: {message}"))
                    }
                    // Retrying the whole request succeeds: the caller should.
                    DatabaseErrorKind::SerializationFailure => {
                        StoreError::Unavailable(format!("serialization failure: {message}"))
                    }
                    _ => match sqlite_unavailable(&message) {
                        Some(condition) => {
                            StoreError::Unavailable(format!("SQLite {condition}: {message}"))
                        }
                        None => StoreError::Internal(message),
                    },
                }
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(format!("no database connection: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_string()))
    }

    /// A SQLite file with a parent and a child table, foreign keys on.
    fn sqlite(dir: &tempfile::TempDir) -> (String, SqliteConnection) {
        let path = dir.path().join("t.db").to_string_lossy().into_owned();
        let mut conn = SqliteConnection::establish(&path).unwrap();
        conn.batch_execute(
            "PRAGMA foreign_keys = ON; \
             CREATE TABLE IF NOT EXISTS p (id TEXT PRIMARY KEY); \
             CREATE TABLE IF NOT EXISTS c (id TEXT PRIMARY KEY, p TEXT REFERENCES p(id));",
        )
        .unwrap();
        (path, conn)
    }

    #[test]
    fn sqlite_unique_and_foreign_key_violations_are_classified_by_code() {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut conn) = sqlite(&dir);
        conn.batch_execute("INSERT INTO p VALUES ('a')").unwrap();
        let dup = conn
            .batch_execute("INSERT INTO p VALUES ('a')")
            .unwrap_err();
        assert!(
            matches!(StoreError::from(dup), StoreError::Conflict { .. }),
            "unique"
        );
        let dangling = conn
            .batch_execute("INSERT INTO c VALUES ('x', 'missing')")
            .unwrap_err();
        assert!(matches!(
            StoreError::from(dangling),
            StoreError::ForeignKey(_)
        ));
    }

    #[test]
    fn sqlite_busy_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut holder) = sqlite(&dir);
        holder.batch_execute("BEGIN IMMEDIATE").unwrap();
        let mut other = SqliteConnection::establish(&path).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let busy = other.batch_execute("BEGIN IMMEDIATE").unwrap_err();
        assert!(
            matches!(StoreError::from(busy), StoreError::Unavailable(_)),
            "SQLITE_BUSY"
        );
        holder.batch_execute("ROLLBACK").unwrap();
    }

    #[test]
    fn sqlite_read_only_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut conn) = sqlite(&dir);
        conn.batch_execute("PRAGMA query_only = ON").unwrap();
        let refused = conn
            .batch_execute("INSERT INTO p VALUES ('b')")
            .unwrap_err();
        assert!(
            matches!(StoreError::from(refused), StoreError::Unavailable(_)),
            "SQLITE_READONLY"
        );
    }

    #[test]
    fn other_sqlite_errors_are_internal() {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut conn) = sqlite(&dir);
        let e = conn.batch_execute("SELECT nope FROM p").unwrap_err();
        assert!(matches!(StoreError::from(e), StoreError::Internal(_)));
    }

    #[test]
    fn sqlite_texts_match_whole_not_in_part() {
        assert_eq!(sqlite_unavailable("database is locked"), Some("busy"));
        assert_eq!(
            sqlite_unavailable("database table is locked: users"),
            Some("locked")
        );
        assert_eq!(sqlite_unavailable("database or disk is full"), Some("full"));
        assert_eq!(sqlite_unavailable("disk I/O error"), Some("I/O error"));
        assert_eq!(
            sqlite_unavailable("the database is locked, said nobody"),
            None
        );
        assert_eq!(sqlite_unavailable("database is locked up"), None);
    }

    #[test]
    fn postgres_kinds_are_classified_whatever_the_message_language() {
        // What diesel reports for SQLSTATE 08006, 25006, 40001 and a bad connection; the
        // messages as a German server would word them.
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
            DatabaseErrorKind::ReadOnlyTransaction,
            DatabaseErrorKind::SerializationFailure,
        ] {
            let e = db_error(kind, "Verbindung zum Server wurde unerwartet geschlossen");
            assert!(
                matches!(StoreError::from(e), StoreError::Unavailable(_)),
                "{kind:?}"
            );
        }
        let dup = db_error(
            DatabaseErrorKind::UniqueViolation,
            "doppelter Schlüsselwert verletzt Unique-Constraint",
        );
        assert!(matches!(
            StoreError::from(dup),
            StoreError::Conflict { what: "entity", .. }
        ));
        let fk = db_error(DatabaseErrorKind::ForeignKeyViolation, "Fremdschlüssel");
        assert!(matches!(StoreError::from(fk), StoreError::ForeignKey(_)));
    }

    #[test]
    fn unknown_postgres_errors_are_internal_even_if_worded_like_sqlite_or_nul() {
        for message in [
            "invalid byte sequence for encoding \"UTF8\": 0x00",
            "could not extend file: No space left on device",
            "terminating connection due to administrator command",
        ] {
            let e = db_error(DatabaseErrorKind::Unknown, message);
            assert!(
                matches!(StoreError::from(e), StoreError::Internal(_)),
                "{message}"
            );
        }
    }

    #[test]
    fn a_missing_record_from_first_is_internal_and_pool_timeouts_are_unavailable() {
        assert!(matches!(
            StoreError::from(DieselError::NotFound),
            StoreError::Internal(_)
        ));
        assert!(StoreError::not_found("group", "g").is_not_found());
        assert!(StoreError::NotFoundMessage("m".into()).is_not_found());
    }
}
