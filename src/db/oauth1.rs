//! OS-OAUTH1 (Keystone's oauth1 SQL driver): consumers, with their secret sealed by
//! [`crate::auth::credential_cipher`] (a signature check needs the plain secret).

use diesel::prelude::*;

use super::error::StoreError;
use super::names_no_row;
use super::schema::oauth1_consumers;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth1_consumers)]
pub struct ConsumerRow {
    pub id: String,
    pub sealed_secret: String,
    pub description: Option<String>,
    pub extra: String,
}

/// Keystone `create_consumer`.
pub fn create_consumer(conn: &mut DbConn, row: ConsumerRow) -> Result<ConsumerRow, StoreError> {
    diesel::insert_into(oauth1_consumers::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Keystone `get_consumer_with_secret`.
pub fn get_consumer(conn: &mut DbConn, consumer_id: &str) -> Result<ConsumerRow, StoreError> {
    if names_no_row(consumer_id) {
        return Err(StoreError::not_found("consumer", consumer_id));
    }
    oauth1_consumers::table
        .find(consumer_id)
        .select(ConsumerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("consumer", consumer_id))
}

/// Keystone `list_consumers`.
pub fn list_consumers(conn: &mut DbConn) -> Result<Vec<ConsumerRow>, StoreError> {
    Ok(oauth1_consumers::table
        .select(ConsumerRow::as_select())
        .order(oauth1_consumers::id.asc())
        .load(conn)?)
}

/// Keystone `update_consumer`: the description and the other attributes.
pub fn update_consumer(conn: &mut DbConn, row: &ConsumerRow) -> Result<(), StoreError> {
    diesel::update(oauth1_consumers::table.find(&row.id))
        .set((
            oauth1_consumers::description.eq(&row.description),
            oauth1_consumers::extra.eq(&row.extra),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_consumer`: its request and access tokens go with it (the foreign
/// keys cascade).
pub fn delete_consumer(conn: &mut DbConn, consumer_id: &str) -> Result<(), StoreError> {
    if names_no_row(consumer_id) {
        return Err(StoreError::not_found("consumer", consumer_id));
    }
    let deleted = diesel::delete(oauth1_consumers::table.find(consumer_id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("consumer", consumer_id));
    }
    Ok(())
}

use super::schema::{oauth1_access_tokens, oauth1_request_tokens};

/// A request token: made by a consumer for a project; once authorized it names the user,
/// the roles (a JSON list of ids) and the verifier.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth1_request_tokens)]
pub struct RequestTokenRow {
    pub id: String,
    pub sealed_secret: String,
    pub consumer_id: String,
    pub requested_project_id: String,
    pub role_ids: Option<String>,
    pub authorizing_user_id: Option<String>,
    pub verifier: Option<String>,
    pub expires_at: Option<i64>,
}

/// An access token: a user's delegation of roles (a JSON list of ids) on a project.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth1_access_tokens)]
pub struct AccessTokenRow {
    pub id: String,
    pub sealed_secret: String,
    pub consumer_id: String,
    pub authorizing_user_id: String,
    pub project_id: String,
    pub role_ids: String,
    pub expires_at: Option<i64>,
}

/// Keystone `create_request_token`.
pub fn create_request_token(conn: &mut DbConn, row: &RequestTokenRow) -> Result<(), StoreError> {
    diesel::insert_into(oauth1_request_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Keystone `get_request_token`.
pub fn get_request_token(conn: &mut DbConn, id: &str) -> Result<RequestTokenRow, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("request token", id));
    }
    oauth1_request_tokens::table
        .find(id)
        .select(RequestTokenRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("request token", id))
}

/// Keystone `authorize_request_token`: the user, the roles and the verifier.
pub fn authorize_request_token(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    role_ids: &str,
    verifier: &str,
) -> Result<(), StoreError> {
    diesel::update(oauth1_request_tokens::table.find(id))
        .set((
            oauth1_request_tokens::authorizing_user_id.eq(user_id),
            oauth1_request_tokens::role_ids.eq(role_ids),
            oauth1_request_tokens::verifier.eq(verifier),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `create_access_token`: the access token replaces its request token, which
/// cannot be exchanged twice (a second exchange finds no row).
pub fn exchange_request_token(
    conn: &mut DbConn,
    request_token_id: &str,
    row: &AccessTokenRow,
) -> Result<(), StoreError> {
    let deleted =
        diesel::delete(oauth1_request_tokens::table.find(request_token_id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("request token", request_token_id));
    }
    diesel::insert_into(oauth1_access_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Keystone `get_access_token`.
pub fn get_access_token(conn: &mut DbConn, id: &str) -> Result<AccessTokenRow, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("access token", id));
    }
    oauth1_access_tokens::table
        .find(id)
        .select(AccessTokenRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("access token", id))
}

/// Keystone `list_access_tokens`: a user's.
pub fn list_access_tokens(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<AccessTokenRow>, StoreError> {
    Ok(oauth1_access_tokens::table
        .filter(oauth1_access_tokens::authorizing_user_id.eq(user_id))
        .select(AccessTokenRow::as_select())
        .order(oauth1_access_tokens::id.asc())
        .load(conn)?)
}

/// Keystone `delete_access_token`.
pub fn delete_access_token(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("access token", id));
    }
    let deleted = diesel::delete(oauth1_access_tokens::table.find(id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("access token", id));
    }
    Ok(())
}

/// A global role by name (Keystone's `_get_role_by_name` for an authorize body).
pub fn find_global_role_by_name(
    conn: &mut DbConn,
    name: &str,
) -> Result<super::models::RoleRow, StoreError> {
    use super::schema::roles;
    roles::table
        .filter(roles::name.eq(name))
        .filter(roles::domain_id.eq(super::resources::GLOBAL_ROLE_DOMAIN))
        .select(super::models::RoleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("role", name))
}
