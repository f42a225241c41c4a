//! OS-TRUST trusts and the roles they delegate (Keystone's trust SQL driver). A trust goes
//! with its trustor, trustee, project and parent trust (the foreign keys cascade), and a
//! deleted trust is gone: nothing here keeps `deleted_at` rows.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::RoleRow;
use super::names_no_row;
use super::schema::{roles, trust_roles, trusts};
use super::{write_tx, DbConn};

/// One trust. Times are microseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = trusts)]
pub struct TrustRow {
    pub id: String,
    pub trustor_user_id: String,
    pub trustee_user_id: String,
    pub project_id: Option<String>,
    pub impersonation: bool,
    pub expires_at: Option<i64>,
    pub remaining_uses: Option<i32>,
    pub redelegated_trust_id: Option<String>,
    pub redelegation_count: i32,
    pub extra: String,
    pub created_at: i64,
}

impl TrustRow {
    /// Past its `expires_at` at `now_us`.
    pub fn is_expired(&self, now_us: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now_us)
    }

    /// No token may be issued from it any more.
    pub fn is_used_up(&self) -> bool {
        self.remaining_uses.is_some_and(|n| n <= 0)
    }
}

/// A list's filters: Keystone's `trustor_user_id` and `trustee_user_id`.
#[derive(Debug, Clone, Default)]
pub struct TrustFilter {
    pub trustor_user_id: Option<String>,
    pub trustee_user_id: Option<String>,
}

/// Keystone `create_trust`: the trust and its roles, in one transaction. A duplicate
/// (same trustor, trustee, project, impersonation and expiry) is a conflict.
pub fn create_trust(
    conn: &mut DbConn,
    row: TrustRow,
    role_ids: &[String],
) -> Result<TrustRow, StoreError> {
    write_tx(conn, |conn| {
        diesel::insert_into(trusts::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    StoreError::Conflict {
                        what: "trust",
                        detail: "Duplicate entry".into(),
                    }
                } else {
                    e.into()
                }
            })?;
        for role_id in role_ids {
            diesel::insert_into(trust_roles::table)
                .values((
                    trust_roles::trust_id.eq(&row.id),
                    trust_roles::role_id.eq(role_id),
                ))
                .execute(conn)?;
        }
        Ok(row)
    })
}

/// The stored trust, whatever its expiry and uses.
pub fn find_trust(conn: &mut DbConn, trust_id: &str) -> Result<Option<TrustRow>, StoreError> {
    if names_no_row(trust_id) {
        return Ok(None);
    }
    Ok(trusts::table
        .find(trust_id)
        .select(TrustRow::as_select())
        .first(conn)
        .optional()?)
}

/// Keystone `get_trust`: a trust that is expired or used up is as missing as a deleted one.
pub fn get_trust(conn: &mut DbConn, trust_id: &str, now_us: i64) -> Result<TrustRow, StoreError> {
    match find_trust(conn, trust_id)? {
        Some(t) if !t.is_expired(now_us) && !t.is_used_up() => Ok(t),
        _ => Err(StoreError::not_found("trust", trust_id)),
    }
}

/// The roles a trust delegates, by name (roles deleted since are gone from it).
pub fn trust_roles(conn: &mut DbConn, trust_id: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(trust_roles::table
        .inner_join(roles::table.on(roles::id.eq(trust_roles::role_id)))
        .filter(trust_roles::trust_id.eq(trust_id))
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?)
}

/// Keystone `list_trusts`, `list_trusts_for_trustor`, `list_trusts_for_trustee`: oldest
/// first, expired ones included (as Keystone lists them).
pub fn list_trusts(conn: &mut DbConn, filter: &TrustFilter) -> Result<Vec<TrustRow>, StoreError> {
    let named = [&filter.trustor_user_id, &filter.trustee_user_id];
    if named.iter().any(|f| f.as_deref().is_some_and(names_no_row)) {
        return Ok(Vec::new());
    }
    let mut query = trusts::table.select(TrustRow::as_select()).into_boxed();
    if let Some(trustor) = &filter.trustor_user_id {
        query = query.filter(trusts::trustor_user_id.eq(trustor.clone()));
    }
    if let Some(trustee) = &filter.trustee_user_id {
        query = query.filter(trusts::trustee_user_id.eq(trustee.clone()));
    }
    Ok(query
        .order((trusts::created_at.asc(), trusts::id.asc()))
        .load(conn)?)
}

/// Keystone `delete_trust`: the trusts redelegated from it go too (the foreign key).
pub fn delete_trust(conn: &mut DbConn, trust_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        // SQLite cascades only one level per statement when the child is the same table,
        // so the redelegated descendants are deleted here, deepest first.
        let mut chain = vec![trust_id.to_string()];
        let mut frontier = vec![trust_id.to_string()];
        while !frontier.is_empty() && chain.len() < 1000 {
            let children: Vec<String> = trusts::table
                .filter(trusts::redelegated_trust_id.eq_any(&frontier))
                .select(trusts::id)
                .load(conn)?;
            chain.extend(children.iter().cloned());
            frontier = children;
        }
        for id in chain.iter().rev() {
            diesel::delete(trust_roles::table.filter(trust_roles::trust_id.eq(id)))
                .execute(conn)?;
            diesel::delete(trusts::table.find(id)).execute(conn)?;
        }
        Ok(())
    })
}

/// Keystone `consume_use`: one use of a limited trust, atomically; `false` when none was
/// left (or the trust is gone). An unlimited trust is not touched.
pub fn consume_use(conn: &mut DbConn, trust_id: &str) -> Result<bool, StoreError> {
    write_tx(conn, |conn| {
        let Some(trust) = find_trust(conn, trust_id)? else {
            return Ok(false);
        };
        if trust.remaining_uses.is_none() {
            return Ok(true);
        }
        let updated = diesel::update(
            trusts::table
                .find(trust_id)
                .filter(trusts::remaining_uses.gt(0)),
        )
        .set(trusts::remaining_uses.eq(trusts::remaining_uses - 1))
        .execute(conn)?;
        Ok(updated == 1)
    })
}
