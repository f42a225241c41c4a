//! Instances on one PostgreSQL database agree on what their caches hold: each change an
//! instance makes is announced on a channel (`NOTIFY iam_groups_changes`, the payload the
//! changed tags), and every instance listening drops the same entries within milliseconds.
//! The cache TTL stays as the safety net for what a lost announcement would miss.
//!
//! One thread per instance owns one connection of its own (outside the pool, which it must
//! never starve): it sends this instance's announcements and polls for the others'. When
//! that connection fails, announcements made meanwhile may be lost, so the instance drops
//! everything it cached (and tells the others to, once it can) and reconnects.
//!
//! On SQLite there is one node: several processes on one file see each other's changes only
//! when entries expire (`token.cache_ttl_ms`).

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{Connection, RunQueryDsl};

use crate::cache::{Invalidations, Tag};

/// The channel every instance listens on.
pub const CHANNEL: &str = "iam_groups_changes";

/// How often the thread looks for announcements when it has none to send: the most a change
/// made elsewhere waits here, before the request that reads it.
const POLL: Duration = Duration::from_millis(5);

/// How long to wait before reconnecting after the connection failed.
const RECONNECT: Duration = Duration::from_secs(1);

/// Most bytes of tags in one notification (PostgreSQL's limit is 8000): a change naming more
/// is announced as a change of everything.
const MAX_PAYLOAD: usize = 7000;

/// Starts announcing `changes` made here, and applying those announced by the others, over
/// the PostgreSQL database at `url`. The thread ends when `changes` is dropped.
pub fn start(changes: &Arc<Invalidations>, url: String) -> std::io::Result<()> {
    let (to, from) = std::sync::mpsc::channel();
    changes.announce_to(to);
    let changes = Arc::downgrade(changes);
    // An id for this instance, so that it ignores its own announcements.
    let instance = uuid::Uuid::new_v4().simple().to_string();
    std::thread::Builder::new()
        .name("cache-bus".into())
        .spawn(move || run(&changes, &from, &url, &instance))
        .map(|_| ())
}

/// What one announcement says: its sender, and the tags (`*` for everything).
fn payload(instance: &str, change: &Option<Vec<Tag>>) -> String {
    let tags = match change {
        None => "*".to_string(),
        Some(tags) => {
            let joined = tags.iter().map(Tag::encode).collect::<Vec<_>>().join(";");
            if joined.len() > MAX_PAYLOAD {
                "*".to_string()
            } else {
                joined
            }
        }
    };
    format!("{instance} {tags}")
}

/// Applies an announcement from another instance; its own and unreadable ones are ignored
/// (an unreadable one can only come from a newer version: everything goes).
fn apply(changes: &Invalidations, instance: &str, payload: &str) {
    let Some((sender, tags)) = payload.split_once(' ') else {
        changes.invalidate_all_here();
        return;
    };
    if sender == instance {
        return;
    }
    if tags == "*" {
        changes.invalidate_all_here();
        return;
    }
    let decoded: Option<Vec<Tag>> = tags.split(';').map(Tag::decode).collect();
    match decoded {
        Some(tags) => changes.invalidate_here(&tags),
        None => changes.invalidate_all_here(),
    }
}

fn run(
    changes: &Weak<Invalidations>,
    from: &Receiver<Option<Vec<Tag>>>,
    url: &str,
    instance: &str,
) {
    // Whether announcements may have been missed since the last good connection.
    let mut missed = false;
    loop {
        let mut conn = match connect(url) {
            Ok(conn) => conn,
            Err(e) => {
                log::warn!("cache bus: cannot listen on {CHANNEL}: {e}; retrying");
                missed = true;
                match from.recv_timeout(RECONNECT) {
                    Err(RecvTimeoutError::Disconnected) => return,
                    // Lost with the connection; the resync below covers it.
                    Ok(_) | Err(RecvTimeoutError::Timeout) => continue,
                }
            }
        };
        if missed {
            // Whatever was announced while this instance was not listening is unknown here,
            // and what it changed meanwhile is unknown to the others.
            let Some(changes) = changes.upgrade() else {
                return;
            };
            changes.invalidate_all_here();
            if notify(&mut conn, &payload(instance, &None)).is_err() {
                continue;
            }
        }
        match serve(&mut conn, changes, from, instance) {
            Ok(()) => return,
            Err(e) => {
                log::warn!("cache bus: connection lost ({e}); dropping cached entries");
                if let Some(changes) = changes.upgrade() {
                    changes.invalidate_all_here();
                }
                missed = true;
            }
        }
    }
}

fn connect(url: &str) -> Result<PgConnection, diesel::ConnectionError> {
    let mut conn = PgConnection::establish(url)?;
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

fn notify(conn: &mut PgConnection, payload: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)
        .map(|_| ())
}

/// Sends and receives until the instance stops (`Ok`) or the connection fails (`Err`).
fn serve(
    conn: &mut PgConnection,
    changes: &Weak<Invalidations>,
    from: &Receiver<Option<Vec<Tag>>>,
    instance: &str,
) -> diesel::QueryResult<()> {
    loop {
        match from.recv_timeout(POLL) {
            Ok(change) => notify(conn, &payload(instance, &change))?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Some(changes) = changes.upgrade() else {
            return Ok(());
        };
        for notification in conn.notifications_iter() {
            apply(&changes, instance, &notification?.payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_from_others_apply_and_our_own_do_not() {
        let changes = Invalidations::new(Duration::from_secs(60));
        let before = changes.stamp();
        let users = [Tag::Users];
        apply(&changes, "me", &payload("me", &Some(users.to_vec())));
        assert!(changes.is_current(before.seq(), &users), "our own");
        apply(&changes, "me", &payload("them", &Some(users.to_vec())));
        assert!(!changes.is_current(before.seq(), &users));
        assert!(changes.is_current(before.seq(), &[Tag::Catalog]));
        apply(&changes, "me", &payload("them", &None));
        assert!(!changes.is_current(before.seq(), &[Tag::Catalog]));
        let after = changes.stamp();
        apply(&changes, "me", "them P:u1;Z");
        assert!(
            !changes.is_current(after.seq(), &[Tag::Catalog]),
            "an unreadable tag drops everything"
        );
    }

    #[test]
    fn a_change_too_long_for_one_notification_is_everything() {
        let tags: Vec<Tag> = (0..1000)
            .map(|i| Tag::principal(&format!("{i:032}")))
            .collect();
        assert_eq!(payload("me", &Some(tags)), "me *");
        assert_eq!(
            payload("me", &Some(vec![Tag::Groups, Tag::group_members("g")])),
            "me G;M:g"
        );
    }
}
