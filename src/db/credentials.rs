//! Access keys (Huawei's permanent AK/SK), stored with their secret sealed by
//! [`crate::auth::credential_cipher`]: this module never sees a plain secret.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::CredentialRow;
use super::names_no_row;
use super::schema::{credentials, users};
use super::{users as user_store, write_tx, DbConn};

/// Huawei allows each user two access keys.
pub const MAX_CREDENTIALS_PER_USER: i64 = 2;

/// Changes of `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}`; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct CredentialChanges {
    pub status: Option<String>,
    pub description: Option<String>,
}

/// Huawei `CreatePermanentAccessKey`: the owner must exist and hold fewer than
/// [`MAX_CREDENTIALS_PER_USER`] keys.
pub fn create_credential(
    conn: &mut DbConn,
    row: CredentialRow,
) -> Result<CredentialRow, StoreError> {
    write_tx(conn, |conn| {
        user_store::get_user(conn, &row.user_id)?;
        // A no-op update takes the user's row lock on PostgreSQL, so two concurrent creates
        // for one user count in turn and cannot both slip under the limit. (SQLite's write
        // transaction is already exclusive.)
        diesel::update(users::table.find(&row.user_id))
            .set(users::id.eq(&row.user_id))
            .execute(conn)?;
        let held: i64 = credentials::table
            .filter(credentials::user_id.eq(&row.user_id))
            .count()
            .get_result(conn)?;
        if held >= MAX_CREDENTIALS_PER_USER {
            return Err(StoreError::limit_reached(format!(
                "akSkNumExceed: user {} already has the maximum of {MAX_CREDENTIALS_PER_USER} \
                 access keys.",
                row.user_id
            )));
        }
        diesel::insert_into(credentials::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
}

/// Huawei `ShowPermanentAccessKey`.
pub fn get_credential(conn: &mut DbConn, access: &str) -> Result<CredentialRow, StoreError> {
    if names_no_row(access) {
        return Err(StoreError::not_found("credential", access));
    }
    credentials::table
        .find(access)
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("credential", access))
}

/// Huawei `ListPermanentAccessKeys`: a user's keys, oldest first.
pub fn list_credentials_for_user(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<CredentialRow>, StoreError> {
    Ok(credentials::table
        .filter(credentials::user_id.eq(user_id))
        .order((credentials::create_time.asc(), credentials::access.asc()))
        .select(CredentialRow::as_select())
        .load(conn)?)
}

/// Huawei `UpdatePermanentAccessKey`: status and description.
pub fn update_credential(
    conn: &mut DbConn,
    access: &str,
    changes: CredentialChanges,
) -> Result<CredentialRow, StoreError> {
    write_tx(conn, |conn| {
        let mut row = get_credential(conn, access)?;
        if let Some(status) = changes.status {
            row.status = status;
        }
        if let Some(description) = changes.description {
            row.description = description;
        }
        diesel::update(credentials::table.find(access))
            .set((
                credentials::status.eq(&row.status),
                credentials::description.eq(&row.description),
            ))
            .execute(conn)?;
        Ok(row)
    })
}

/// Huawei `DeletePermanentAccessKey`.
pub fn delete_credential(conn: &mut DbConn, access: &str) -> Result<(), StoreError> {
    let deleted = diesel::delete(credentials::table.find(access)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("credential", access));
    }
    Ok(())
}
