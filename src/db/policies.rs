//! Keystone's policy blobs (`/v3/policies`, its policy SQL driver): stored as given, read
//! back as given; the service never interprets them.

use diesel::prelude::*;

use super::error::StoreError;
use super::names_no_row;
use super::schema::policies;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: String,
    pub policy_type: String,
    pub blob: String,
    pub extra: String,
}

/// Keystone `create_policy`.
pub fn create_policy(conn: &mut DbConn, row: PolicyRow) -> Result<PolicyRow, StoreError> {
    diesel::insert_into(policies::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Keystone `get_policy`.
pub fn get_policy(conn: &mut DbConn, policy_id: &str) -> Result<PolicyRow, StoreError> {
    if names_no_row(policy_id) {
        return Err(StoreError::not_found("policy", policy_id));
    }
    policies::table
        .find(policy_id)
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("policy", policy_id))
}

/// Keystone `list_policies`, filtered by `type`.
pub fn list_policies(
    conn: &mut DbConn,
    policy_type: Option<&str>,
) -> Result<Vec<PolicyRow>, StoreError> {
    let mut query = policies::table.select(PolicyRow::as_select()).into_boxed();
    if let Some(t) = policy_type {
        query = query.filter(policies::policy_type.eq(t.to_owned()));
    }
    Ok(query.order(policies::id.asc()).load(conn)?)
}

/// Keystone `update_policy`: the whole row as changed.
pub fn update_policy(conn: &mut DbConn, row: &PolicyRow) -> Result<(), StoreError> {
    diesel::update(policies::table.find(&row.id))
        .set((
            policies::policy_type.eq(&row.policy_type),
            policies::blob.eq(&row.blob),
            policies::extra.eq(&row.extra),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_policy`.
pub fn delete_policy(conn: &mut DbConn, policy_id: &str) -> Result<(), StoreError> {
    if names_no_row(policy_id) {
        return Err(StoreError::not_found("policy", policy_id));
    }
    let deleted = diesel::delete(policies::table.find(policy_id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("policy", policy_id));
    }
    Ok(())
}
