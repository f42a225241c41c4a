//! Keystone's `/v3/credentials` (EC2 credentials among them), named after Keystone's
//! credential driver calls. The blob is sealed before it gets here
//! ([`crate::auth::credential_cipher`]): this module never sees a plain blob.

use diesel::prelude::*;

use super::error::StoreError;
use super::names_no_row;
use super::schema::{os_credentials, projects, users};
use super::{write_tx, DbConn};

/// One stored credential; `sealed_blob` is base64 of nonce and ciphertext.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = os_credentials)]
pub struct OsCredentialRow {
    pub id: String,
    pub user_id: String,
    pub project_id: Option<String>,
    pub cred_type: String,
    pub sealed_blob: String,
    pub extra: String,
    pub created_at: i64,
}

/// `GET /v3/credentials` filters (`user_id`, `type`), applied in SQL.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    pub user_id: Option<String>,
    pub cred_type: Option<String>,
}

/// What a PATCH changes; `None` keeps a column.
#[derive(Debug, Clone, Default)]
pub struct OsCredentialChanges {
    pub sealed_blob: Option<String>,
    pub extra: Option<String>,
}

/// Keystone's `create_credential`: the owner (and the project, if named) must exist, and
/// the owner may hold at most `user_limit` credentials (Keystone's `[credential]
/// user_limit`). A second credential with the same id (the same EC2 access) is a conflict.
pub fn create_credential(
    conn: &mut DbConn,
    row: OsCredentialRow,
    user_limit: i64,
) -> Result<OsCredentialRow, StoreError> {
    write_tx(conn, |conn| {
        // Takes the owner's row lock on PostgreSQL, so that concurrent creates count in
        // turn; it also says whether the owner exists.
        let owner = diesel::update(users::table.find(&row.user_id))
            .set(users::id.eq(&row.user_id))
            .execute(conn)?;
        if owner == 0 {
            return Err(StoreError::not_found("user", row.user_id.clone()));
        }
        if let Some(project_id) = &row.project_id {
            let found: i64 = projects::table
                .filter(projects::id.eq(project_id))
                .count()
                .get_result(conn)?;
            if found == 0 {
                return Err(StoreError::not_found("project", project_id.clone()));
            }
        }
        let held: i64 = os_credentials::table
            .filter(os_credentials::user_id.eq(&row.user_id))
            .count()
            .get_result(conn)?;
        if held >= user_limit {
            return Err(StoreError::forbidden(format!(
                "Unable to create additional credentials, maximum of {user_limit} allowed"
            )));
        }
        diesel::insert_into(os_credentials::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
}

/// Keystone's `get_credential`.
pub fn get_credential(conn: &mut DbConn, id: &str) -> Result<OsCredentialRow, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("credential", id));
    }
    os_credentials::table
        .find(id)
        .select(OsCredentialRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("credential", id))
}

/// Keystone's `list_credentials` with its hints: oldest first.
pub fn list_credentials(
    conn: &mut DbConn,
    filter: &CredentialFilter,
) -> Result<Vec<OsCredentialRow>, StoreError> {
    let mut query = os_credentials::table.into_boxed();
    if let Some(user_id) = &filter.user_id {
        if names_no_row(user_id) {
            return Ok(Vec::new());
        }
        query = query.filter(os_credentials::user_id.eq(user_id));
    }
    if let Some(cred_type) = &filter.cred_type {
        if names_no_row(cred_type) {
            return Ok(Vec::new());
        }
        query = query.filter(os_credentials::cred_type.eq(cred_type));
    }
    Ok(query
        .order((os_credentials::created_at.asc(), os_credentials::id.asc()))
        .select(OsCredentialRow::as_select())
        .load(conn)?)
}

/// Keystone's `update_credential`: the new sealed blob and extra attributes.
pub fn update_credential(
    conn: &mut DbConn,
    id: &str,
    changes: OsCredentialChanges,
) -> Result<OsCredentialRow, StoreError> {
    write_tx(conn, |conn| {
        let mut row = get_credential(conn, id)?;
        if let Some(sealed) = changes.sealed_blob {
            row.sealed_blob = sealed;
        }
        if let Some(extra) = changes.extra {
            row.extra = extra;
        }
        diesel::update(os_credentials::table.find(id))
            .set((
                os_credentials::sealed_blob.eq(&row.sealed_blob),
                os_credentials::extra.eq(&row.extra),
            ))
            .execute(conn)?;
        Ok(row)
    })
}

/// Keystone's `delete_credential`.
pub fn delete_credential(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("credential", id));
    }
    let deleted = diesel::delete(os_credentials::table.find(id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("credential", id));
    }
    Ok(())
}
