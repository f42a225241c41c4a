//! The federation manager (Keystone's `federation/core.py`): identity providers, attribute
//! mappings and the protocols that join them, for every face. They are the deployment's,
//! like the catalog: system readers read them, admins change them. Each change runs in one
//! transaction and says its audit event before its rule is enforced, so a refusal is
//! audited too.

use serde_json::Value;

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::federation::{
    self as store, IdentityProvider, IdentityProviderRow, IdpFilter, MappingRow, ProtocolRow,
};
use crate::db::models::DomainRow;
use crate::db::{self, domains, resources, write_tx, StoreError};
use crate::domain::mapping::{Mapping, SchemaVersion};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

fn enforce(caller: &AuthContext, rule: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, rule, &Target::default())
}

// ---- identity providers ----

/// A new identity provider, as a face read it.
#[derive(Debug, Default)]
pub struct NewIdentityProvider {
    /// Keystone's default is a disabled provider.
    pub enabled: Option<bool>,
    pub description: Option<String>,
    /// `None`: a domain is made for the provider, as Keystone does.
    pub domain_id: Option<String>,
    pub authorization_ttl: Option<i32>,
    pub remote_ids: Vec<String>,
}

/// A provider's changes; `None` keeps a field.
#[derive(Debug, Default)]
pub struct IdentityProviderChanges {
    pub enabled: Option<bool>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub authorization_ttl: Option<Option<i32>>,
    /// `Some(list)` replaces the remote ids (`null` in the body clears them).
    pub remote_ids: Option<Vec<String>>,
}

/// Keystone's `create_idp` (`PUT /v3/OS-FEDERATION/identity_providers/{idp_id}`). Without a
/// `domain_id`, a domain is made for the provider's users, named by a new id, as Keystone
/// does; a given one must exist (404).
pub async fn create_identity_provider(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    new: NewIdentityProvider,
) -> Result<IdentityProvider, ApiError> {
    change::audit(Event::created("identity_provider", idp_id.clone()));
    enforce(caller, &policy::CREATE_IDENTITY_PROVIDER)?;
    let now = now_ms();
    let (created, made_domain) = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let (domain_id, made) = match new.domain_id {
                Some(id) => {
                    resources::get_domain(conn, &id)?;
                    (id, false)
                }
                None => {
                    let id = new_id();
                    domains::create_domain(
                        conn,
                        DomainRow {
                            id: id.clone(),
                            name: id.clone(),
                            description: format!(
                                "Auto generated federated domain for Identity Provider: {idp_id}"
                            ),
                            enabled: true,
                            extra: "{}".into(),
                            created_at: now,
                        },
                    )?;
                    (id, true)
                }
            };
            let row = IdentityProviderRow {
                id: idp_id,
                domain_id,
                enabled: new.enabled.unwrap_or(false),
                description: new.description,
                authorization_ttl: new.authorization_ttl,
                created_at: now,
            };
            let created = store::create_idp(conn, row, new.remote_ids)?;
            Ok::<_, StoreError>((created, made))
        })
    })
    .await?;
    if made_domain {
        // A new domain is a new scope.
        state.changed(&[Tag::Authz]);
    }
    Ok(created)
}

/// Keystone's `get_idp`.
pub async fn get_identity_provider(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
) -> Result<IdentityProvider, ApiError> {
    enforce(caller, &policy::GET_IDENTITY_PROVIDER)?;
    db::run(&state.pool, move |conn| store::get_idp(conn, &idp_id))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `list_idps`, by `id` and `enabled`.
pub async fn list_identity_providers(
    state: &AppState,
    caller: &AuthContext,
    filter: IdpFilter,
) -> Result<Vec<IdentityProvider>, ApiError> {
    enforce(caller, &policy::LIST_IDENTITY_PROVIDERS)?;
    db::run(&state.pool, move |conn| store::list_idps(conn, &filter))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `update_idp`: its domain never changes.
pub async fn update_identity_provider(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    changes: IdentityProviderChanges,
) -> Result<IdentityProvider, ApiError> {
    change::audit(Event::updated("identity_provider", idp_id.clone()));
    enforce(caller, &policy::UPDATE_IDENTITY_PROVIDER)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut idp = store::get_idp(conn, &idp_id)?.row;
            if let Some(enabled) = changes.enabled {
                idp.enabled = enabled;
            }
            if let Some(description) = changes.description {
                idp.description = description;
            }
            if let Some(ttl) = changes.authorization_ttl {
                idp.authorization_ttl = ttl;
            }
            store::update_idp(conn, &idp, changes.remote_ids)
        })
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `delete_idp`: its protocols and remote ids go with it; its domain stays.
pub async fn delete_identity_provider(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("identity_provider", idp_id.clone()));
    enforce(caller, &policy::DELETE_IDENTITY_PROVIDER)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_idp(conn, &idp_id))
    })
    .await
    .map_err(ApiError::from)
}

// ---- mappings ----

/// The stored form of a mapping body: validated against its schema version (the body's,
/// else the configured default, which is then stored with it).
fn validated_mapping(
    state: &AppState,
    mapping_id: String,
    body: &Value,
) -> Result<MappingRow, ApiError> {
    let default = SchemaVersion::parse(
        &state
            .settings
            .federation
            .attribute_mapping_default_schema_version,
    )?;
    let mapping = Mapping::parse(body, default)?;
    let rules = body.get("rules").cloned().unwrap_or(Value::Null);
    Ok(MappingRow {
        id: mapping_id,
        rules: rules.to_string(),
        schema_version: mapping.version().as_str().to_string(),
    })
}

/// Keystone's `create_mapping` (`PUT /v3/OS-FEDERATION/mappings/{mapping_id}`): the rules
/// are validated first, and a refusal names the rule and the property.
pub async fn create_mapping(
    state: &AppState,
    caller: &AuthContext,
    mapping_id: String,
    body: Value,
) -> Result<MappingRow, ApiError> {
    change::audit(Event::created("mapping", mapping_id.clone()));
    enforce(caller, &policy::CREATE_MAPPING)?;
    let row = validated_mapping(state, mapping_id, &body)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_mapping(conn, row))
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `get_mapping`.
pub async fn get_mapping(
    state: &AppState,
    caller: &AuthContext,
    mapping_id: String,
) -> Result<MappingRow, ApiError> {
    enforce(caller, &policy::GET_MAPPING)?;
    db::run(&state.pool, move |conn| {
        store::get_mapping(conn, &mapping_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `list_mappings`.
pub async fn list_mappings(
    state: &AppState,
    caller: &AuthContext,
) -> Result<Vec<MappingRow>, ApiError> {
    enforce(caller, &policy::LIST_MAPPINGS)?;
    db::run(&state.pool, store::list_mappings)
        .await
        .map_err(ApiError::from)
}

/// Keystone's `update_mapping`: the rules are replaced, validated as on create.
pub async fn update_mapping(
    state: &AppState,
    caller: &AuthContext,
    mapping_id: String,
    body: Value,
) -> Result<MappingRow, ApiError> {
    change::audit(Event::updated("mapping", mapping_id.clone()));
    enforce(caller, &policy::UPDATE_MAPPING)?;
    let row = validated_mapping(state, mapping_id, &body)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            store::get_mapping(conn, &row.id)?;
            store::update_mapping(conn, &row)?;
            Ok::<_, StoreError>(row)
        })
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `delete_mapping`. As in Keystone, protocols that name it stay, and sign-ins
/// through them fail until they name another.
pub async fn delete_mapping(
    state: &AppState,
    caller: &AuthContext,
    mapping_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("mapping", mapping_id.clone()));
    enforce(caller, &policy::DELETE_MAPPING)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_mapping(conn, &mapping_id))
    })
    .await
    .map_err(ApiError::from)
}

// ---- protocols ----

/// A protocol as a body gives it.
#[derive(Debug)]
pub struct ProtocolFields {
    pub mapping_id: String,
    /// `None` leaves it as it is on update; `Some(None)` clears it.
    pub remote_id_attribute: Option<Option<String>>,
}

/// Keystone's 400 for a protocol naming a mapping that does not exist.
fn mapping_must_exist(conn: &mut db::DbConn, mapping_id: &str) -> Result<(), ApiError> {
    match store::get_mapping(conn, mapping_id) {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound { .. }) => Err(ApiError::Validation(format!(
            "Invalid mapping id: {mapping_id}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Keystone's `create_protocol`: the provider must exist (404) and the mapping too (400).
pub async fn create_protocol(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    protocol_id: String,
    fields: ProtocolFields,
) -> Result<ProtocolRow, ApiError> {
    change::audit(Event::new(
        Action::Create,
        "protocol",
        Some(format!("{idp_id}/{protocol_id}")),
    ));
    enforce(caller, &policy::CREATE_PROTOCOL)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            store::get_idp(conn, &idp_id)?;
            mapping_must_exist(conn, &fields.mapping_id)?;
            let row = ProtocolRow {
                idp_id,
                id: protocol_id,
                mapping_id: fields.mapping_id,
                remote_id_attribute: fields.remote_id_attribute.flatten(),
            };
            Ok(store::create_protocol(conn, row)?)
        })
    })
    .await
}

/// Keystone's `get_protocol`.
pub async fn get_protocol(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    protocol_id: String,
) -> Result<ProtocolRow, ApiError> {
    enforce(caller, &policy::GET_PROTOCOL)?;
    db::run(&state.pool, move |conn| {
        store::get_protocol(conn, &idp_id, &protocol_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `list_protocols` of a provider (404 when it does not exist).
pub async fn list_protocols(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
) -> Result<Vec<ProtocolRow>, ApiError> {
    enforce(caller, &policy::LIST_PROTOCOLS)?;
    db::run(&state.pool, move |conn| {
        store::list_protocols(conn, &idp_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `update_protocol`: a new mapping, which must exist.
pub async fn update_protocol(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    protocol_id: String,
    fields: ProtocolFields,
) -> Result<ProtocolRow, ApiError> {
    change::audit(Event::updated(
        "protocol",
        format!("{idp_id}/{protocol_id}"),
    ));
    enforce(caller, &policy::UPDATE_PROTOCOL)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut row = store::get_protocol(conn, &idp_id, &protocol_id)?;
            mapping_must_exist(conn, &fields.mapping_id)?;
            row.mapping_id = fields.mapping_id;
            if let Some(attr) = fields.remote_id_attribute {
                row.remote_id_attribute = attr;
            }
            store::update_protocol(conn, &row)?;
            Ok(row)
        })
    })
    .await
}

/// Keystone's `delete_protocol`.
pub async fn delete_protocol(
    state: &AppState,
    caller: &AuthContext,
    idp_id: String,
    protocol_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(
        "protocol",
        format!("{idp_id}/{protocol_id}"),
    ));
    enforce(caller, &policy::DELETE_PROTOCOL)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            store::delete_protocol(conn, &idp_id, &protocol_id)
        })
    })
    .await
    .map_err(ApiError::from)
}
