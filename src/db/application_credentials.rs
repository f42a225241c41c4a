//! Application credentials and their access rules (Keystone's `application_credential` SQL
//! driver). A credential's secret arrives here already hashed; this module never sees it.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::RoleRow;
use super::names_no_row;
use super::schema::{
    access_rules, application_credential_access_rules as cred_rules,
    application_credential_roles as cred_roles, application_credentials as creds, assignments,
    roles,
};
use super::{write_tx, DbConn};

/// One application credential; `expires_at` and `created_at` in microseconds.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = creds)]
pub struct AppCredRow {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub project_id: String,
    pub description: Option<String>,
    pub secret_hash: String,
    pub unrestricted: bool,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// One access rule, owned by `user_id`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_rules)]
pub struct AccessRuleRow {
    pub id: String,
    pub user_id: String,
    pub service: String,
    pub path: String,
    pub method: String,
}

/// An access rule a new credential names: an existing one of the user's, or a new one
/// (reused if the user already has the same service, method and path).
#[derive(Debug, Clone)]
pub enum RuleSpec {
    Existing(String),
    New(AccessRuleRow),
}

/// A credential with the roles it delegates and its access rules (`None`: it has none,
/// so it is not limited; Keystone's `access_rules` absent).
#[derive(Debug, Clone)]
pub struct AppCred {
    pub row: AppCredRow,
    pub roles: Vec<RoleRow>,
    pub access_rules: Vec<AccessRuleRow>,
}

fn not_found(id: &str) -> StoreError {
    StoreError::not_found("application credential", id)
}

fn rule_not_found(id: &str) -> StoreError {
    StoreError::not_found("access rule", id)
}

fn load_full(conn: &mut DbConn, row: AppCredRow) -> Result<AppCred, StoreError> {
    let roles = roles::table
        .inner_join(cred_roles::table.on(cred_roles::role_id.eq(roles::id)))
        .filter(cred_roles::application_credential_id.eq(&row.id))
        .order(roles::id.asc())
        .select(RoleRow::as_select())
        .load(conn)?;
    let access_rules = access_rules::table
        .inner_join(cred_rules::table.on(cred_rules::access_rule_id.eq(access_rules::id)))
        .filter(cred_rules::application_credential_id.eq(&row.id))
        .order(access_rules::id.asc())
        .select(AccessRuleRow::as_select())
        .load(conn)?;
    Ok(AppCred {
        row,
        roles,
        access_rules,
    })
}

/// Keystone `create_application_credential`: the name is unique per user (409), every
/// named access rule must be the user's own.
pub fn create_application_credential(
    conn: &mut DbConn,
    row: AppCredRow,
    role_ids: Vec<String>,
    rules: Vec<RuleSpec>,
) -> Result<AppCred, StoreError> {
    write_tx(conn, |conn| {
        let taken: i64 = creds::table
            .filter(creds::user_id.eq(&row.user_id))
            .filter(creds::name.eq(&row.name))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict {
                what: "application_credential",
                detail: format!("Duplicate entry found with name {}", row.name),
            });
        }
        diesel::insert_into(creds::table)
            .values(&row)
            .execute(conn)?;
        for role_id in &role_ids {
            diesel::insert_into(cred_roles::table)
                .values((
                    cred_roles::application_credential_id.eq(&row.id),
                    cred_roles::role_id.eq(role_id),
                ))
                .execute(conn)?;
        }
        let mut linked: Vec<String> = Vec::new();
        for spec in rules {
            let rule_id = match spec {
                RuleSpec::Existing(id) => {
                    let rule = get_access_rule(conn, &id)?;
                    if rule.user_id != row.user_id {
                        return Err(rule_not_found(&id));
                    }
                    rule.id
                }
                RuleSpec::New(new) => {
                    let existing: Option<String> = access_rules::table
                        .filter(access_rules::user_id.eq(&new.user_id))
                        .filter(access_rules::service.eq(&new.service))
                        .filter(access_rules::method.eq(&new.method))
                        .filter(access_rules::path.eq(&new.path))
                        .select(access_rules::id)
                        .first(conn)
                        .optional()?;
                    match existing {
                        Some(id) => id,
                        None => {
                            diesel::insert_into(access_rules::table)
                                .values(&new)
                                .execute(conn)?;
                            new.id
                        }
                    }
                }
            };
            if linked.contains(&rule_id) {
                continue;
            }
            diesel::insert_into(cred_rules::table)
                .values((
                    cred_rules::application_credential_id.eq(&row.id),
                    cred_rules::access_rule_id.eq(&rule_id),
                ))
                .execute(conn)?;
            linked.push(rule_id);
        }
        load_full(conn, row)
    })
}

/// Keystone `get_application_credential`.
pub fn get_application_credential(conn: &mut DbConn, id: &str) -> Result<AppCred, StoreError> {
    if names_no_row(id) {
        return Err(not_found(id));
    }
    let row = creds::table
        .find(id)
        .select(AppCredRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))?;
    load_full(conn, row)
}

/// Keystone `list_application_credentials_for_user`, with its `name` filter; by name, then
/// id.
pub fn list_application_credentials(
    conn: &mut DbConn,
    user_id: &str,
    name: Option<&str>,
) -> Result<Vec<AppCred>, StoreError> {
    if names_no_row(user_id) || name.is_some_and(names_no_row) {
        return Ok(Vec::new());
    }
    let mut query = creds::table
        .filter(creds::user_id.eq(user_id))
        .select(AppCredRow::as_select())
        .order((creds::name.asc(), creds::id.asc()))
        .into_boxed();
    if let Some(name) = name {
        query = query.filter(creds::name.eq(name));
    }
    let rows = query.load(conn)?;
    rows.into_iter().map(|row| load_full(conn, row)).collect()
}

fn delete_ids(conn: &mut DbConn, ids: &[String]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::delete(cred_roles::table.filter(cred_roles::application_credential_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(cred_rules::table.filter(cred_rules::application_credential_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(creds::table.filter(creds::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

/// Keystone `delete_application_credential`.
pub fn delete_application_credential(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        get_application_credential(conn, id)?;
        delete_ids(conn, &[id.to_string()])
    })
}

/// The ids of a user's credentials, for the audit trail of a cascade.
pub fn credential_ids_of_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(creds::table
        .filter(creds::user_id.eq(user_id))
        .select(creds::id)
        .load(conn)?)
}

/// Keystone's cascade when a user is deleted or disabled: their credentials and access
/// rules go. Call inside the transaction that removes (or disables) the user.
pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, StoreError> {
    let ids = credential_ids_of_user(conn, user_id)?;
    delete_ids(conn, &ids)?;
    diesel::delete(access_rules::table.filter(access_rules::user_id.eq(user_id))).execute(conn)?;
    Ok(ids)
}

/// Keystone's cascade when a role is deleted: every user holding it directly on a project
/// loses their credentials for that project, and no credential keeps the role. Call inside
/// the transaction that deletes the role, before its grants go.
pub fn delete_for_role(conn: &mut DbConn, role_id: &str) -> Result<Vec<String>, StoreError> {
    let holders: Vec<(String, String)> = assignments::table
        .filter(assignments::role_id.eq(role_id))
        .filter(assignments::kind.eq("UserProject"))
        .select((assignments::actor_id, assignments::target_id))
        .load(conn)?;
    let mut ids: Vec<String> = cred_roles::table
        .filter(cred_roles::role_id.eq(role_id))
        .select(cred_roles::application_credential_id)
        .load(conn)?;
    for (user_id, project_id) in holders {
        let more: Vec<String> = creds::table
            .filter(creds::user_id.eq(&user_id))
            .filter(creds::project_id.eq(&project_id))
            .select(creds::id)
            .load(conn)?;
        ids.extend(more);
    }
    ids.sort();
    ids.dedup();
    delete_ids(conn, &ids)?;
    Ok(ids)
}

/// Keystone `get_access_rule`.
pub fn get_access_rule(conn: &mut DbConn, id: &str) -> Result<AccessRuleRow, StoreError> {
    if names_no_row(id) {
        return Err(rule_not_found(id));
    }
    access_rules::table
        .find(id)
        .select(AccessRuleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| rule_not_found(id))
}

/// Filters of `GET /v3/users/{user_id}/access_rules`, exact matches.
#[derive(Debug, Clone, Default)]
pub struct AccessRuleFilter {
    pub service: Option<String>,
    pub path: Option<String>,
    pub method: Option<String>,
}

/// Keystone `list_access_rules_for_user`.
pub fn list_access_rules(
    conn: &mut DbConn,
    user_id: &str,
    filter: &AccessRuleFilter,
) -> Result<Vec<AccessRuleRow>, StoreError> {
    let given = [&filter.service, &filter.path, &filter.method];
    if names_no_row(user_id) || given.iter().any(|f| f.as_deref().is_some_and(names_no_row)) {
        return Ok(Vec::new());
    }
    let mut query = access_rules::table
        .filter(access_rules::user_id.eq(user_id))
        .select(AccessRuleRow::as_select())
        .order(access_rules::id.asc())
        .into_boxed();
    if let Some(service) = &filter.service {
        query = query.filter(access_rules::service.eq(service.clone()));
    }
    if let Some(path) = &filter.path {
        query = query.filter(access_rules::path.eq(path.clone()));
    }
    if let Some(method) = &filter.method {
        query = query.filter(access_rules::method.eq(method.clone()));
    }
    Ok(query.load(conn)?)
}

/// Keystone `delete_access_rule`: refused while a credential uses the rule.
pub fn delete_access_rule(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        get_access_rule(conn, id)?;
        let uses: i64 = cred_rules::table
            .filter(cred_rules::access_rule_id.eq(id))
            .count()
            .get_result(conn)?;
        if uses > 0 {
            return Err(StoreError::forbidden("May not delete access rule in use"));
        }
        diesel::delete(access_rules::table.find(id)).execute(conn)?;
        Ok(())
    })
}
