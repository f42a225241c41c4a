//! Access keys (Huawei's permanent AK/SK), stored with their secret sealed by
//! [`crate::auth::credential_cipher`]: this module never sees a plain secret.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::CredentialRow;
use super::names_no_row;
use super::quota;
use super::schema::credentials;
use super::{users as user_store, write_tx, DbConn};

/// Changes of `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}`; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct CredentialChanges {
    pub status: Option<String>,
    pub description: Option<String>,
}

/// Huawei `CreatePermanentAccessKey`: the owner must exist and hold fewer than `limit`
/// keys (`quota.access_keys_per_user`; `None`: unlimited).
pub fn create_credential(
    conn: &mut DbConn,
    row: CredentialRow,
    limit: Option<u32>,
) -> Result<CredentialRow, StoreError> {
    write_tx(conn, |conn| {
        user_store::get_user(conn, &row.user_id)?;
        quota::room_for_access_key(conn, &row.user_id, limit)?;
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
