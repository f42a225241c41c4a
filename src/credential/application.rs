//! Application credentials and access rules (Keystone's `application_credential` manager and
//! the resources of `keystone/api/users.py`): a user makes a credential for the project of
//! their token with some of their roles there, optionally limited by access rules; its
//! secret, shown once, is stored as a password hash. Owner or admin, as Keystone's default
//! policy says; a token made from a restricted credential may not make or delete others.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::application_credentials::{
    self as store, AccessRuleFilter, AccessRuleRow, AppCred, AppCredRow, RuleSpec,
};
use crate::db::{self, assignments, resources};
use crate::domain::new_id;
use crate::domain::values::Password;
use crate::error::ApiError;
use crate::state::AppState;

/// An access rule as a create names it.
#[derive(Debug, Clone)]
pub enum NewAccessRule {
    /// `{"id": ...}`: one of the user's existing rules.
    Existing(String),
    /// `{"service", "method", "path"}`.
    Rule {
        service: String,
        method: String,
        path: String,
    },
}

/// A role as a create names it.
#[derive(Debug, Clone)]
pub enum RoleName {
    Id(String),
    Name(String),
}

/// The body of a create, read.
#[derive(Debug, Clone, Default)]
pub struct NewAppCred {
    pub name: String,
    pub description: Option<String>,
    pub secret: Option<String>,
    /// In microseconds.
    pub expires_at: Option<i64>,
    pub unrestricted: bool,
    /// `None`: all the roles of the caller's token.
    pub roles: Option<Vec<RoleName>>,
    pub access_rules: Option<Vec<NewAccessRule>>,
}

fn owner(user_id: &str) -> Target<'_> {
    Target {
        user_id: Some(user_id),
        ..Target::default()
    }
}

/// Keystone's `_check_unrestricted_application_credential`.
fn refuse_restricted(caller: &AuthContext) -> Result<(), ApiError> {
    if caller
        .application_credential
        .as_ref()
        .is_some_and(|c| c.restricted())
    {
        return Err(ApiError::forbidden_action(
            "Using method 'application_credential' is not allowed for managing additional \
             application credentials",
        ));
    }
    Ok(())
}

/// Keystone `_generate_secret`: 64 random bytes, URL-safe base64 without padding.
fn generate_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("no randomness for a secret: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Keystone's `ApplicationCredentialValidationError`.
fn invalid(detail: &str) -> ApiError {
    ApiError::Validation(format!("Invalid application credential: {detail}"))
}

/// The roles a new credential delegates: those named (with what they imply), each held
/// in the caller's token; or all of the token's.
async fn delegated_roles(
    state: &AppState,
    caller: &AuthContext,
    named: Option<Vec<RoleName>>,
) -> Result<Vec<String>, ApiError> {
    let held: Vec<String> = caller.roles.iter().map(|r| r.id.clone()).collect();
    let Some(named) = named.filter(|n| !n.is_empty()) else {
        return Ok(held);
    };
    let ids = db::run(&state.pool, move |conn| {
        let mut ids = Vec::new();
        for role in named {
            let row = match role {
                RoleName::Id(id) => db::roles::get_role(conn, &id)?,
                RoleName::Name(name) => resources::find_global_role_by_name(conn, &name)?
                    .ok_or_else(|| ApiError::not_found("role", name))?,
            };
            ids.push(row.id);
        }
        let rules = assignments::inference_rules(conn)?;
        Ok::<_, ApiError>(assignments::expand_implied(&rules, &ids))
    })
    .await?;
    if ids.iter().any(|id| !held.contains(id)) {
        return Err(invalid(
            "Cannot create an application credential with unassigned role",
        ));
    }
    Ok(ids.into_iter().collect())
}

/// Keystone `create_application_credential` (`POST /v3/users/{user_id}/application_credentials`):
/// for the caller only, on the project of the caller's project-scoped token. Returns the
/// credential and its secret (shown this once).
pub async fn create_application_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    new: NewAppCred,
) -> Result<(AppCred, String), ApiError> {
    change::audit(Event::new(Action::Create, "application_credential", None));
    policy::enforce(
        caller,
        &policy::CREATE_APPLICATION_CREDENTIAL,
        &owner(&user_id),
    )?;
    refuse_restricted(caller)?;
    // Keystone: a token issued via delegation (a trust, OAuth1) cannot make credentials
    // that would outlive the delegation.
    if caller.trust.is_some() || caller.claims.openstack_oauth1_access_token_id.is_some() {
        return Err(ApiError::forbidden_action(
            "Cannot create an application credential with a token issued via delegation",
        ));
    }
    if caller.user_id() != user_id {
        return Err(ApiError::forbidden_action(
            "Cannot create an application credential for another user",
        ));
    }
    let project_id = caller
        .token_project_id()
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::forbidden_action(
                "An application credential is made with a project-scoped token",
            )
        })?;
    let now_us = chrono::Utc::now().timestamp_micros();
    if new.expires_at.is_some_and(|at| at <= now_us) {
        return Err(ApiError::Validation(
            "The 'expires_at' must not be before now. The server could not comply with the \
             request since it is either malformed or otherwise incorrect. The client is \
             assumed to be in error."
                .into(),
        ));
    }
    let role_ids = delegated_roles(state, caller, new.roles).await?;
    let secret = match new.secret {
        Some(s) if !s.is_empty() => s,
        _ => generate_secret()?,
    };
    let to_hash = Password::parse("secret", &secret)?;
    let hasher = state.hasher.clone();
    let secret_hash = state
        .hash_workers
        .run(move || hasher.hash(&to_hash))
        .await??;
    let rules: Vec<RuleSpec> = new
        .access_rules
        .unwrap_or_default()
        .into_iter()
        .map(|rule| match rule {
            NewAccessRule::Existing(id) => RuleSpec::Existing(id),
            NewAccessRule::Rule {
                service,
                method,
                path,
            } => RuleSpec::New(AccessRuleRow {
                id: new_id(),
                user_id: user_id.clone(),
                service,
                path,
                method,
            }),
        })
        .collect();
    let row = AppCredRow {
        id: new_id(),
        name: new.name,
        user_id,
        project_id,
        description: new.description,
        secret_hash,
        unrestricted: new.unrestricted,
        expires_at: new.expires_at,
        created_at: now_us,
    };
    change::amend(|e| e.target_id = Some(row.id.clone()));
    let created = db::run(&state.pool, move |conn| {
        store::create_application_credential(conn, row, role_ids, rules)
    })
    .await?;
    // Nothing cached holds a credential until a token is made from it.
    state.changed(&[]);
    Ok((created, secret))
}

/// Loads a credential named by id and enforces `rule` on its stored owner (Keystone's
/// `_update_request_user_id_attribute`); a missing one is judged on the path's user, then
/// is a 404.
async fn authorized_credential(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    path_user_id: &str,
    id: String,
) -> Result<AppCred, ApiError> {
    let loaded = db::run(&state.pool, move |conn| {
        store::get_application_credential(conn, &id)
    })
    .await;
    let owner_id = match &loaded {
        Ok(cred) => cred.row.user_id.clone(),
        Err(_) => path_user_id.to_string(),
    };
    policy::enforce(caller, rule, &owner(&owner_id))?;
    Ok(loaded?)
}

/// Keystone `get_application_credential`.
pub async fn get_application_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: &str,
    id: String,
) -> Result<AppCred, ApiError> {
    authorized_credential(
        state,
        caller,
        &policy::GET_APPLICATION_CREDENTIAL,
        user_id,
        id,
    )
    .await
}

/// Keystone `list_application_credentials`, with its `name` filter.
pub async fn list_application_credentials(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    name: Option<String>,
) -> Result<Vec<AppCred>, ApiError> {
    policy::enforce(
        caller,
        &policy::LIST_APPLICATION_CREDENTIALS,
        &owner(&user_id),
    )?;
    Ok(db::run(&state.pool, move |conn| {
        store::list_application_credentials(conn, &user_id, name.as_deref())
    })
    .await?)
}

/// Keystone `delete_application_credential`: the tokens made from it stop working.
pub async fn delete_application_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: &str,
    id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("application_credential", id.clone()));
    let cred = authorized_credential(
        state,
        caller,
        &policy::DELETE_APPLICATION_CREDENTIAL,
        user_id,
        id,
    )
    .await?;
    refuse_restricted(caller)?;
    let owner_id = cred.row.user_id.clone();
    db::run(&state.pool, move |conn| {
        store::delete_application_credential(conn, &cred.row.id)
    })
    .await?;
    // The owner's cached tokens: those made from it go with it.
    state.changed(&[Tag::principal(&owner_id)]);
    Ok(())
}

/// Keystone `list_access_rules_for_user`, filtered by `service`, `path` and `method`.
pub async fn list_access_rules(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    filter: AccessRuleFilter,
) -> Result<Vec<AccessRuleRow>, ApiError> {
    policy::enforce(caller, &policy::LIST_ACCESS_RULES, &owner(&user_id))?;
    Ok(db::run(&state.pool, move |conn| {
        store::list_access_rules(conn, &user_id, &filter)
    })
    .await?)
}

/// One of the path user's rules after `rule` allowed the caller; another user's rule is as
/// unknown as a missing one.
async fn authorized_rule(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user_id: String,
    id: String,
) -> Result<AccessRuleRow, ApiError> {
    policy::enforce(caller, rule, &owner(&user_id))?;
    Ok(db::run(&state.pool, move |conn| {
        let found = store::get_access_rule(conn, &id)?;
        if found.user_id != user_id {
            return Err(db::StoreError::not_found("access rule", id));
        }
        Ok(found)
    })
    .await?)
}

/// Keystone `get_access_rule`.
pub async fn get_access_rule(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    id: String,
) -> Result<AccessRuleRow, ApiError> {
    authorized_rule(state, caller, &policy::GET_ACCESS_RULE, user_id, id).await
}

/// Keystone `delete_access_rule`: refused (403) while a credential uses it.
pub async fn delete_access_rule(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("access_rule", id.clone()));
    let found = authorized_rule(state, caller, &policy::DELETE_ACCESS_RULE, user_id, id).await?;
    db::run(&state.pool, move |conn| {
        store::delete_access_rule(conn, &found.id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}
