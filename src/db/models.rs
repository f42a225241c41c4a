//! Row structs, one per table. No serde here: the wire types live in `api/`.

use diesel::prelude::*;

use super::schema::{
    assignments, audit_events, credentials, domains, endpoints, groups, implied_roles, projects,
    regions, revocation_events, roles, services, user_group_membership, users,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = domains)]
pub struct DomainRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub extra: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub description: String,
    pub enabled: bool,
    pub parent_id: Option<String>,
    pub extra: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = roles)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub description: String,
    pub extra: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub enabled: bool,
    pub description: String,
    pub password_hash: Option<String>,
    pub password_expires_at: Option<i64>,
    pub default_project_id: Option<String>,
    pub extra: String,
    pub created_at: i64,
    /// Failed password logins in a row (Keystone's `failed_auth_count`).
    pub failed_auth_count: i32,
    /// When the last of them was counted, in ms (Keystone's `failed_auth_at`).
    pub failed_auth_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = groups)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub description: String,
    pub extra: String,
    pub create_time: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_group_membership)]
pub struct MembershipRow {
    pub user_id: String,
    pub group_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub kind: String,
    pub actor_id: String,
    pub target_id: String,
    pub role_id: String,
    pub inherited: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = revocation_events)]
pub struct NewRevocationEvent {
    pub audit_id: Option<String>,
    pub user_id: Option<String>,
    pub issued_before: i64,
    pub expires_at: i64,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = implied_roles)]
pub struct ImpliedRoleRow {
    pub prior_role_id: String,
    pub implied_role_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: String,
    pub description: String,
    pub parent_region_id: Option<String>,
    pub extra: String,
}

/// A catalog service; its `name` and `description` live in `extra`, as in Keystone.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
pub struct ServiceRow {
    pub id: String,
    pub service_type: String,
    pub enabled: bool,
    pub extra: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub service_id: String,
    pub interface: String,
    pub region_id: Option<String>,
    pub url: String,
    pub enabled: bool,
    pub extra: String,
}

/// An access key. `sealed_secret` is the encrypted secret key, never the plain one.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    pub access: String,
    pub user_id: String,
    pub sealed_secret: String,
    pub status: String,
    pub description: String,
    pub create_time: i64,
}

/// One audit event; `occurred_at` in microseconds since the epoch.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: String,
    pub occurred_at: i64,
    pub event_type: String,
    pub action: String,
    pub outcome: String,
    pub initiator_id: Option<String>,
    pub initiator_address: Option<String>,
    pub target_type: String,
    pub target_id: Option<String>,
    pub target_path: String,
    pub method: String,
    pub status: i32,
    pub request_id: String,
    /// For a failed login naming no existing user: the user name (or id) as given.
    pub target_name: Option<String>,
    /// And the domain as given (its id, or its name when it was named).
    pub target_domain: Option<String>,
}
