//! Federation (Keystone's OS-FEDERATION SQL driver): identity providers with their remote
//! ids, attribute mappings, and protocols. The rows live here with their queries, since
//! nothing else reads these tables.

use diesel::prelude::*;

use super::error::StoreError;
use super::schema::{federation_protocols, identity_providers, idp_remote_ids, mappings};
use super::{is_unique_violation, names_no_row, DbConn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = identity_providers)]
pub struct IdentityProviderRow {
    pub id: String,
    pub domain_id: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub authorization_ttl: Option<i32>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idp_remote_ids)]
pub struct RemoteIdRow {
    pub remote_id: String,
    pub idp_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mappings)]
pub struct MappingRow {
    pub id: String,
    /// The rules as JSON text.
    pub rules: String,
    pub schema_version: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = federation_protocols)]
pub struct ProtocolRow {
    pub idp_id: String,
    pub id: String,
    pub mapping_id: String,
    pub remote_id_attribute: Option<String>,
}

/// An identity provider with its remote ids, in the order they were given.
#[derive(Debug, Clone)]
pub struct IdentityProvider {
    pub row: IdentityProviderRow,
    pub remote_ids: Vec<String>,
}

/// The filters of `list_idps`.
#[derive(Debug, Clone, Default)]
pub struct IdpFilter {
    pub id: Option<String>,
    pub enabled: Option<bool>,
}

const IDP: &str = "Identity Provider";

fn idp_conflict(detail: String) -> StoreError {
    StoreError::Conflict {
        what: "identity_provider",
        detail,
    }
}

/// Remote ids are unique across providers: the first one taken is named.
fn insert_remote_ids(
    conn: &mut DbConn,
    idp_id: &str,
    remote_ids: &[String],
) -> Result<(), StoreError> {
    for remote_id in remote_ids {
        let row = RemoteIdRow {
            remote_id: remote_id.clone(),
            idp_id: idp_id.to_string(),
        };
        match diesel::insert_into(idp_remote_ids::table)
            .values(&row)
            .execute(conn)
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(idp_conflict(format!("Duplicate remote ID: {remote_id}")))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn remote_ids_of(conn: &mut DbConn, idp_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(idp_remote_ids::table
        .filter(idp_remote_ids::idp_id.eq(idp_id))
        .select(idp_remote_ids::remote_id)
        .order(idp_remote_ids::remote_id.asc())
        .load(conn)?)
}

/// Keystone `create_idp`, with its remote ids.
pub fn create_idp(
    conn: &mut DbConn,
    row: IdentityProviderRow,
    remote_ids: Vec<String>,
) -> Result<IdentityProvider, StoreError> {
    match diesel::insert_into(identity_providers::table)
        .values(&row)
        .execute(conn)
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(idp_conflict(format!("Duplicate entry: {}", row.id)))
        }
        Err(e) => return Err(e.into()),
    }
    insert_remote_ids(conn, &row.id, &remote_ids)?;
    let remote_ids = remote_ids_of(conn, &row.id)?;
    Ok(IdentityProvider { row, remote_ids })
}

/// Keystone `get_idp`.
pub fn get_idp(conn: &mut DbConn, idp_id: &str) -> Result<IdentityProvider, StoreError> {
    if names_no_row(idp_id) {
        return Err(StoreError::not_found(IDP, idp_id));
    }
    let row = identity_providers::table
        .find(idp_id)
        .select(IdentityProviderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found(IDP, idp_id))?;
    let remote_ids = remote_ids_of(conn, idp_id)?;
    Ok(IdentityProvider { row, remote_ids })
}

/// Keystone `list_idps`, by `id` and `enabled`.
pub fn list_idps(
    conn: &mut DbConn,
    filter: &IdpFilter,
) -> Result<Vec<IdentityProvider>, StoreError> {
    let mut query = identity_providers::table
        .select(IdentityProviderRow::as_select())
        .into_boxed();
    if let Some(id) = &filter.id {
        query = query.filter(identity_providers::id.eq(id.clone()));
    }
    if let Some(enabled) = filter.enabled {
        query = query.filter(identity_providers::enabled.eq(enabled));
    }
    let rows: Vec<IdentityProviderRow> = query.order(identity_providers::id.asc()).load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    let remote: Vec<RemoteIdRow> = idp_remote_ids::table
        .filter(idp_remote_ids::idp_id.eq_any(ids))
        .select(RemoteIdRow::as_select())
        .order(idp_remote_ids::remote_id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let remote_ids = remote
                .iter()
                .filter(|r| r.idp_id == row.id)
                .map(|r| r.remote_id.clone())
                .collect();
            IdentityProvider { row, remote_ids }
        })
        .collect())
}

/// Keystone `update_idp`: the row as changed, and the remote ids replaced when given.
pub fn update_idp(
    conn: &mut DbConn,
    row: &IdentityProviderRow,
    remote_ids: Option<Vec<String>>,
) -> Result<IdentityProvider, StoreError> {
    diesel::update(identity_providers::table.find(&row.id))
        .set((
            identity_providers::enabled.eq(row.enabled),
            identity_providers::description.eq(&row.description),
            identity_providers::authorization_ttl.eq(row.authorization_ttl),
        ))
        .execute(conn)?;
    if let Some(remote_ids) = remote_ids {
        diesel::delete(idp_remote_ids::table.filter(idp_remote_ids::idp_id.eq(&row.id)))
            .execute(conn)?;
        insert_remote_ids(conn, &row.id, &remote_ids)?;
    }
    get_idp(conn, &row.id)
}

/// Keystone `delete_idp`: its protocols and remote ids go with it.
pub fn delete_idp(conn: &mut DbConn, idp_id: &str) -> Result<(), StoreError> {
    get_idp(conn, idp_id)?;
    // Explicit, not only ON DELETE CASCADE: the cascade needs SQLite's foreign_keys pragma.
    diesel::delete(federation_protocols::table.filter(federation_protocols::idp_id.eq(idp_id)))
        .execute(conn)?;
    diesel::delete(idp_remote_ids::table.filter(idp_remote_ids::idp_id.eq(idp_id)))
        .execute(conn)?;
    diesel::delete(identity_providers::table.find(idp_id)).execute(conn)?;
    Ok(())
}

/// The identity providers of a domain being deleted, with their protocols and remote ids.
pub fn delete_idps_of_domain(conn: &mut DbConn, domain_id: &str) -> Result<(), StoreError> {
    let ids: Vec<String> = identity_providers::table
        .filter(identity_providers::domain_id.eq(domain_id))
        .select(identity_providers::id)
        .load(conn)?;
    diesel::delete(federation_protocols::table.filter(federation_protocols::idp_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(idp_remote_ids::table.filter(idp_remote_ids::idp_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(identity_providers::table.filter(identity_providers::id.eq_any(&ids)))
        .execute(conn)?;
    Ok(())
}

/// Keystone `create_mapping`.
pub fn create_mapping(conn: &mut DbConn, row: MappingRow) -> Result<MappingRow, StoreError> {
    match diesel::insert_into(mappings::table)
        .values(&row)
        .execute(conn)
    {
        Ok(_) => Ok(row),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
            what: "mapping",
            detail: format!("Duplicate entry: {}", row.id),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Keystone `get_mapping`.
pub fn get_mapping(conn: &mut DbConn, mapping_id: &str) -> Result<MappingRow, StoreError> {
    if names_no_row(mapping_id) {
        return Err(StoreError::not_found("mapping", mapping_id));
    }
    mappings::table
        .find(mapping_id)
        .select(MappingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("mapping", mapping_id))
}

/// Keystone `list_mappings`.
pub fn list_mappings(conn: &mut DbConn) -> Result<Vec<MappingRow>, StoreError> {
    Ok(mappings::table
        .select(MappingRow::as_select())
        .order(mappings::id.asc())
        .load(conn)?)
}

/// Keystone `update_mapping`: the rules replaced.
pub fn update_mapping(conn: &mut DbConn, row: &MappingRow) -> Result<(), StoreError> {
    let n = diesel::update(mappings::table.find(&row.id))
        .set((
            mappings::rules.eq(&row.rules),
            mappings::schema_version.eq(&row.schema_version),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::not_found("mapping", row.id.clone()));
    }
    Ok(())
}

/// Keystone `delete_mapping`. Protocols naming it are left as they are, as in Keystone.
pub fn delete_mapping(conn: &mut DbConn, mapping_id: &str) -> Result<(), StoreError> {
    get_mapping(conn, mapping_id)?;
    diesel::delete(mappings::table.find(mapping_id)).execute(conn)?;
    Ok(())
}

fn protocol_not_found(idp_id: &str, protocol_id: &str) -> StoreError {
    StoreError::NotFoundMessage(format!(
        "Could not find federated protocol {protocol_id} for Identity Provider: {idp_id}."
    ))
}

/// Keystone `create_protocol`; the provider must exist.
pub fn create_protocol(conn: &mut DbConn, row: ProtocolRow) -> Result<ProtocolRow, StoreError> {
    get_idp(conn, &row.idp_id)?;
    match diesel::insert_into(federation_protocols::table)
        .values(&row)
        .execute(conn)
    {
        Ok(_) => Ok(row),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
            what: "federation_protocol",
            detail: format!("Duplicate entry: {}", row.id),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Keystone `get_protocol`.
pub fn get_protocol(
    conn: &mut DbConn,
    idp_id: &str,
    protocol_id: &str,
) -> Result<ProtocolRow, StoreError> {
    if names_no_row(idp_id) || names_no_row(protocol_id) {
        return Err(protocol_not_found(idp_id, protocol_id));
    }
    federation_protocols::table
        .find((idp_id, protocol_id))
        .select(ProtocolRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| protocol_not_found(idp_id, protocol_id))
}

/// Keystone `list_protocols` of a provider, which must exist.
pub fn list_protocols(conn: &mut DbConn, idp_id: &str) -> Result<Vec<ProtocolRow>, StoreError> {
    get_idp(conn, idp_id)?;
    Ok(federation_protocols::table
        .filter(federation_protocols::idp_id.eq(idp_id))
        .select(ProtocolRow::as_select())
        .order(federation_protocols::id.asc())
        .load(conn)?)
}

/// Keystone `update_protocol`.
pub fn update_protocol(conn: &mut DbConn, row: &ProtocolRow) -> Result<(), StoreError> {
    let n = diesel::update(federation_protocols::table.find((&row.idp_id, &row.id)))
        .set((
            federation_protocols::mapping_id.eq(&row.mapping_id),
            federation_protocols::remote_id_attribute.eq(&row.remote_id_attribute),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(protocol_not_found(&row.idp_id, &row.id));
    }
    Ok(())
}

/// Keystone `delete_protocol`.
pub fn delete_protocol(
    conn: &mut DbConn,
    idp_id: &str,
    protocol_id: &str,
) -> Result<(), StoreError> {
    get_protocol(conn, idp_id, protocol_id)?;
    diesel::delete(federation_protocols::table.find((idp_id, protocol_id))).execute(conn)?;
    Ok(())
}
