//! Signatures already used, so a captured signed request cannot be sent again while its
//! signature is still valid.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::error::StoreError;
use super::schema::signature_uses as uses;
use super::DbConn;

/// What became of one use of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The first use: recorded.
    First,
    /// Used before, and still within the grace after that first use.
    Repeat,
    /// Used before, past the grace: a replay.
    Replay,
}

/// Records a use of a signature: one insert on the first, which the primary key refuses
/// for any later one, on every instance sharing the database; then one read of the grace.
pub fn record_use(
    conn: &mut DbConn,
    hash: &str,
    reusable_until_ms: i64,
    expires_at_ms: i64,
    now_ms: i64,
) -> Result<Use, StoreError> {
    match diesel::insert_into(uses::table)
        .values((
            uses::signature_hash.eq(hash),
            uses::reusable_until.eq(reusable_until_ms),
            uses::expires_at.eq(expires_at_ms),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(Use::First),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let until: Option<i64> = uses::table
                .find(hash)
                .select(uses::reusable_until)
                .first(conn)
                .optional()?;
            // A row pruned meanwhile had expired, and so has the signature.
            Ok(match until {
                Some(until) if now_ms <= until => Use::Repeat,
                _ => Use::Replay,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Forgets the uses of signatures that have expired anyway; returns how many.
pub fn prune_expired(conn: &mut DbConn, now_ms: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(uses::table.filter(uses::expires_at.lt(now_ms))).execute(conn)?)
}
