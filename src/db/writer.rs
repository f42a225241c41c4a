//! SQLite's one writer: every [`super::write_tx`] run through [`super::run`] on a SQLite
//! pool goes through one dedicated connection, taken in turn, instead of each pooled
//! connection beginning its own `BEGIN IMMEDIATE` and sleeping in SQLite's busy handler
//! (which backs off in steps of up to 100 ms) until the file's write lock is free. Reads
//! keep the pool: in WAL mode they run beside the writer.
//!
//! **Group commit.** A write that finishes while others are queued does not commit: it
//! leaves the transaction open and hands the connection to the next in the queue, and it
//! answers only once a later write has committed the group. Each write runs in its own
//! savepoint inside the group's transaction (diesel's nested `transaction`), so a write that
//! fails rolls back its savepoint alone, answers its own error at once, and takes no part in
//! the group; the others are unaffected. The last write of a group (nobody queued, or
//! [`MAX_GROUP`] writes in it) commits, and every member gets that commit's outcome: all
//! acknowledged together, or all refused with the same error (a full disk, say), so no
//! write is acknowledged before it is durable. A panic in a write, or a savepoint that
//! could not be rolled back (the transaction is then unusable), rolls the whole group back
//! and fails its members. Group members' reads inside their own writes see the earlier
//! members' changes, exactly as if those had committed just before: a group is a serial
//! order of writes.
//!
//! Other processes on the same file still meet `BEGIN IMMEDIATE` under `busy_timeout`, so
//! several processes remain correct; they just do not share the queue.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use super::DbConn;
use crate::db::StoreError;

/// The most writes one commit acknowledges: bounds how long the first of them waits.
pub const MAX_GROUP: usize = 32;

/// The writer connection and its queue.
pub struct Writer {
    state: Mutex<State>,
    /// Signalled when the connection is handed back.
    turn: Condvar,
    /// Signalled when a group ended (committed or rolled back).
    ended: Condvar,
    /// How long a write waits for its turn (`database.busy_timeout_ms`, as before).
    wait: Duration,
    /// Opens a replacement connection, for when a rollback leaves one in a state diesel
    /// can no longer use.
    reopen: Reopen,
}

/// Opens a new writer connection, with the pool's pragmas.
pub type Reopen = Box<dyn Fn() -> Result<DbConn, String> + Send + Sync>;

struct State {
    /// `None` while a write holds it.
    conn: Option<DbConn>,
    /// Writes waiting for the connection: while there are any, a finished write hands its
    /// open transaction on instead of committing. Read and changed under the lock only, so
    /// a write is never handed a group by someone who then gives up waiting.
    queued: usize,
    /// The group whose transaction is open on the connection, and its members so far.
    open: Option<(u64, usize)>,
    next_group: u64,
    /// How each ended group ended, kept until every member has read it: (outcome, members
    /// still to read it).
    outcomes: HashMap<u64, (Result<(), StoreError>, usize)>,
}

thread_local! {
    /// The writer of the pool whose [`super::run`] is executing on this thread.
    static CURRENT: RefCell<Option<Arc<Writer>>> = const { RefCell::new(None) };
}

/// Makes `writer` the one [`current`] returns on this thread until the guard is dropped.
pub fn enter(writer: Option<Arc<Writer>>) -> Entered {
    let previous = CURRENT.with(|c| c.replace(writer));
    Entered { previous }
}

/// Restores the writer that was current before [`enter`].
pub struct Entered {
    previous: Option<Arc<Writer>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The writer of the pool whose work runs on this thread, if it has one (SQLite).
pub fn current() -> Option<Arc<Writer>> {
    CURRENT.with(|c| c.borrow().clone())
}

fn sqlite(conn: &mut DbConn) -> Result<&mut diesel::SqliteConnection, StoreError> {
    match conn {
        DbConn::Sqlite(sqlite) => Ok(sqlite),
        DbConn::Postgresql(_) => Err(StoreError::Internal(
            "the SQLite writer holds a PostgreSQL connection".into(),
        )),
    }
}

/// True while the open transaction is usable: one level deep, not in error.
fn healthy(conn: &mut DbConn) -> bool {
    matches!(
        <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth(),
        Ok(Some(depth)) if depth.get() == 1
    )
}

impl Writer {
    /// A writer over `conn`, a SQLite connection with the pool's pragmas applied; `reopen`
    /// opens another like it.
    pub fn new(conn: DbConn, wait: Duration, reopen: Reopen) -> Writer {
        Writer {
            state: Mutex::new(State {
                conn: Some(conn),
                queued: 0,
                open: None,
                next_group: 0,
                outcomes: HashMap::new(),
            }),
            turn: Condvar::new(),
            ended: Condvar::new(),
            wait,
            reopen,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is only changed in short sections that cannot panic half-way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` in its own savepoint of a group transaction on the writer connection,
    /// and answers once its group committed (see the module doc).
    pub fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<StoreError>,
    {
        let deadline = Instant::now() + self.wait;
        let mut state = self.lock();
        state.queued += 1;
        let mut conn = loop {
            if let Some(conn) = state.conn.take() {
                break conn;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                state.queued -= 1;
                return Err(StoreError::Unavailable(
                    "database busy: timed out waiting for the writer".into(),
                )
                .into());
            }
            state = self
                .turn
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        state.queued -= 1;
        let open = state.open.take();
        drop(state);

        let (group, members) = match open {
            Some(open) => open,
            None => {
                let begun = sqlite(&mut conn).and_then(|c| {
                    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                        .map_err(StoreError::from)
                });
                if let Err(e) = begun {
                    self.hand_back(conn);
                    return Err(e.into());
                }
                let mut state = self.lock();
                state.next_group += 1;
                (state.next_group, 0)
            }
        };

        // A nested diesel transaction is a savepoint: a failed write undoes only itself.
        let result = catch_unwind(AssertUnwindSafe(|| super::transaction(&mut conn, work)));
        let result = match result {
            Ok(result) => result,
            Err(panic) => {
                // The panic is what this write answers; the group's outcome goes to the
                // others.
                let _rolled_back = self.end_group(conn, group, members, false);
                resume_unwind(panic);
            }
        };
        let others = members;
        let members = members + usize::from(result.is_ok());
        if !healthy(&mut conn) {
            // The others learn the rollback from `outcomes`; this write answers below.
            let _rolled_back = self.end_group(conn, group, others, false);
            return match result {
                Ok(_) => Err(StoreError::Internal(
                    "write group rolled back: its transaction broke".into(),
                )
                .into()),
                Err(e) => Err(e),
            };
        }
        let mut state = self.lock();
        if state.queued > 0 && members < MAX_GROUP {
            // Someone is waiting for the connection: it continues the group.
            state.conn = Some(conn);
            state.open = Some((group, members));
            drop(state);
            self.turn.notify_one();
            return match result {
                Ok(value) => self.outcome_of(group).map(|()| value).map_err(E::from),
                Err(e) => Err(e),
            };
        }
        drop(state);
        let committed = self.end_group(conn, group, others, true);
        match result {
            Ok(value) => committed.map(|()| value).map_err(E::from),
            Err(e) => Err(e),
        }
    }

    /// Returns the connection to the queue, no group open on it.
    fn hand_back(&self, conn: DbConn) {
        let mut state = self.lock();
        state.conn = Some(conn);
        state.open = None;
        drop(state);
        self.turn.notify_one();
    }

    /// Commits (or rolls back) the group's transaction, tells the `others` members waiting
    /// for it how it ended (the caller gets its share returned) and hands the connection
    /// back.
    fn end_group(
        &self,
        mut conn: DbConn,
        group: u64,
        others: usize,
        commit: bool,
    ) -> Result<(), StoreError> {
        let outcome = match sqlite(&mut conn) {
            Ok(c) if commit => match AnsiTransactionManager::commit_transaction(c) {
                Ok(()) => Ok(()),
                Err(e) => {
                    // A failed COMMIT leaves the transaction open in SQLite.
                    if let Err(rollback) = AnsiTransactionManager::rollback_transaction(c) {
                        log::error!("rollback after a failed commit failed: {rollback}");
                    }
                    Err(StoreError::from(e))
                }
            },
            Ok(_) => {
                self.roll_back_all(&mut conn);
                Err(StoreError::Internal("write group rolled back".into()))
            }
            Err(e) => Err(e),
        };
        let mut state = self.lock();
        if others > 0 {
            state.outcomes.insert(group, (outcome.clone(), others));
        }
        state.conn = Some(conn);
        state.open = None;
        drop(state);
        self.ended.notify_all();
        self.turn.notify_one();
        outcome
    }

    /// Rolls back every open level (a panicking write leaves its savepoint open inside the
    /// group's transaction); a connection still not idle after that is replaced.
    fn roll_back_all(&self, conn: &mut DbConn) {
        for _ in 0..8 {
            let depth =
                <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
                    .transaction_depth();
            match (depth, sqlite(conn)) {
                (Ok(None), _) => return,
                (Ok(Some(_)), Ok(c)) => {
                    if let Err(e) = AnsiTransactionManager::rollback_transaction(c) {
                        log::error!("rollback of a write group failed: {e}");
                        break;
                    }
                }
                _ => break,
            }
        }
        match (self.reopen)() {
            Ok(fresh) => *conn = fresh,
            Err(e) => log::error!("could not reopen the SQLite writer connection: {e}"),
        }
    }

    /// Waits until `group` ended and returns how.
    fn outcome_of(&self, group: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        loop {
            if let Some((outcome, left)) = state.outcomes.get_mut(&group) {
                let outcome = outcome.clone();
                *left -= 1;
                if *left == 0 {
                    state.outcomes.remove(&group);
                }
                return outcome;
            }
            // Bounded: a group is handed on only to a write already queued, which takes
            // it (a queued write never gives up while the connection is free) and then
            // continues or ends it, and a group holds at most MAX_GROUP writes.
            state = self
                .ended
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::SqliteConnection;

    fn writer(dir: &std::path::Path) -> (Arc<Writer>, String) {
        let url = dir.join("w.sqlite").display().to_string();
        let mut conn = SqliteConnection::establish(&url).unwrap();
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER NOT NULL UNIQUE);",
        )
        .unwrap();
        let again = url.clone();
        let reopen: Reopen = Box::new(move || {
            SqliteConnection::establish(&again)
                .map(DbConn::Sqlite)
                .map_err(|e| e.to_string())
        });
        let writer = Writer::new(DbConn::Sqlite(conn), Duration::from_secs(5), reopen);
        (Arc::new(writer), url)
    }

    fn insert(conn: &mut DbConn, x: i64) -> Result<(), StoreError> {
        diesel::sql_query(format!("INSERT INTO t (x) VALUES ({x})")).execute(conn)?;
        Ok(())
    }

    fn count(url: &str) -> i64 {
        use diesel::prelude::*;
        let mut conn = SqliteConnection::establish(url).unwrap();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM t)",
        ))
        .get_result(&mut conn)
        .unwrap()
    }

    use diesel::RunQueryDsl;

    #[test]
    fn concurrent_writes_commit_together_and_a_failing_one_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, url) = writer(dir.path());
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let writer = writer.clone();
                // Two writers insert 0: exactly one of them fails, on the unique key.
                let x = if i == 15 { 0 } else { i };
                std::thread::spawn(move || {
                    writer.write(|conn| {
                        insert(conn, x)?;
                        std::thread::sleep(Duration::from_millis(2));
                        Ok(x)
                    })
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let failed: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
        assert_eq!(failed.len(), 1, "{results:?}");
        assert!(
            matches!(failed[0], Err(StoreError::Conflict { .. })),
            "the unique key"
        );
        assert_eq!(count(&url), 15, "every acknowledged write is committed");
        let state = writer.lock();
        assert!(state.conn.is_some() && state.open.is_none() && state.queued == 0);
        assert!(state.outcomes.is_empty(), "every member read its outcome");
    }

    #[test]
    fn a_panicking_write_rolls_its_group_back_and_frees_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, url) = writer(dir.path());
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _ = writer.write(|conn| -> Result<(), StoreError> {
                insert(conn, 1)?;
                panic!("a bug in a write");
            });
        }));
        assert!(panicked.is_err());
        assert_eq!(
            writer
                .write(|conn| insert(conn, 2))
                .map_err(|e| e.to_string()),
            Ok(())
        );
        assert_eq!(count(&url), 1, "the panicking write left nothing");
    }
}
