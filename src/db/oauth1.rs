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
