//! The auth context of a token: the user, the scope and the roles held there, checked
//! against the database (Keystone's token model). Used to issue tokens, to validate the
//! caller's `X-Auth-Token`, and to render token bodies.

use crate::auth::app_cred::{self, AppCredGrant};
use crate::auth::token::{new_audit_id, password_stamp, Claims};
use crate::db::assignments::{self, RoleTarget};
use crate::db::models::{CredentialRow, DomainRow, ProjectRow, RoleRow, UserRow};
use crate::db::{resources, revocations, users, DbConn, StoreError};
use crate::domain::lockout::Lockout;
use crate::domain::now_ms;
use crate::error::ApiError;

// In refs.rs, which the fuzz target builds without the database layer.
pub use crate::auth::refs::{DomainRef, ScopeRequest, UserRef};

/// What a token is scoped to.
#[derive(Debug, Clone)]
pub enum Scope {
    Unscoped,
    Project {
        project: ProjectRow,
        domain: DomainRow,
    },
    Domain(DomainRow),
    /// `{"system": {"all": true}}`: the deployment itself.
    System,
}

/// A validated token: who, where, with which roles.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub user: UserRow,
    pub user_domain: DomainRow,
    pub scope: Scope,
    pub roles: Vec<RoleRow>,
    pub claims: Claims,
    /// The application credential the token was made from, if it was.
    pub application_credential: Option<AppCredGrant>,
    /// The trust of a trust-scoped token (then `user` is the trustor when it impersonates,
    /// else the trustee, who is always `claims.sub`).
    pub trust: Option<crate::db::trusts::TrustRow>,
}

impl AuthContext {
    /// Holds the `admin` role in its scope (Keystone's `role:admin`).
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }

    pub fn has_role(&self, name: &str) -> bool {
        self.roles.iter().any(|r| r.name == name)
    }

    pub fn user_id(&self) -> &str {
        &self.user.id
    }

    /// The domain a create without `domain_id` falls back to: the scope's domain, if any.
    pub fn scope_domain_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Project { project, .. } => Some(&project.domain_id),
            Scope::Domain(domain) => Some(&domain.id),
            Scope::Unscoped | Scope::System => None,
        }
    }

    /// The domain of a domain-scoped token (Keystone's `domain_id` credential).
    pub fn token_domain_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Domain(domain) => Some(&domain.id),
            _ => None,
        }
    }

    /// The project of a project-scoped token (Keystone's `project_id` credential).
    pub fn token_project_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Project { project, .. } => Some(&project.id),
            _ => None,
        }
    }

    pub fn is_system_scoped(&self) -> bool {
        matches!(self.scope, Scope::System)
    }
}

fn unauthorized(detail: impl Into<String>) -> ApiError {
    ApiError::unauthorized(detail)
}

fn resolve_domain(conn: &mut DbConn, domain: &DomainRef) -> Result<DomainRow, ApiError> {
    let found = match domain {
        DomainRef::Id(id) => match resources::get_domain(conn, id) {
            Ok(d) => Some(d),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        },
        DomainRef::Name(name) => resources::find_domain_by_name(conn, name)?,
    };
    let domain = found.ok_or_else(|| unauthorized(format!("domain {domain:?} not found")))?;
    if !domain.enabled {
        return Err(unauthorized(format!("domain {} is disabled", domain.id)));
    }
    Ok(domain)
}

/// Finds the user a password request names; `None` when there is no such user, so the
/// caller can still spend the time of a password check.
pub fn find_user(conn: &mut DbConn, user: &UserRef) -> Result<Option<UserRow>, ApiError> {
    match user {
        UserRef::Id(id) => match users::get_user(conn, id) {
            Ok(u) => Ok(Some(u)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        },
        UserRef::Name { name, domain } => match resolve_domain(conn, domain) {
            Ok(d) => Ok(users::find_user_by_name(conn, name, &d.id)?),
            Err(ApiError::Unauthorized { .. }) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// The user may sign in: enabled, in an enabled domain. Returns that domain.
pub fn check_user_usable(conn: &mut DbConn, user: &UserRow) -> Result<DomainRow, ApiError> {
    if !user.enabled {
        return Err(unauthorized(format!("user {} is disabled", user.id)));
    }
    let domain = resources::get_domain(conn, &user.domain_id)?;
    if !domain.enabled {
        return Err(unauthorized(format!(
            "domain of user {} is disabled",
            user.id
        )));
    }
    Ok(domain)
}

fn project_scope(
    conn: &mut DbConn,
    user: &UserRow,
    project: ProjectRow,
) -> Result<(Scope, Vec<RoleRow>), ApiError> {
    if !project.enabled {
        return Err(unauthorized(format!("project {} is disabled", project.id)));
    }
    let domain = resources::get_domain(conn, &project.domain_id)?;
    if !domain.enabled {
        return Err(unauthorized(format!(
            "domain of project {} is disabled",
            project.id
        )));
    }
    let roles = assignments::effective_roles(conn, &user.id, &RoleTarget::Project(&project))?;
    if roles.is_empty() {
        return Err(unauthorized(format!(
            "user {} has no access to project {}",
            user.id, project.id
        )));
    }
    Ok((Scope::Project { project, domain }, roles))
}

fn domain_scope(
    conn: &mut DbConn,
    user: &UserRow,
    domain: DomainRow,
) -> Result<(Scope, Vec<RoleRow>), ApiError> {
    if !domain.enabled {
        return Err(unauthorized(format!("domain {} is disabled", domain.id)));
    }
    let roles = assignments::effective_roles(conn, &user.id, &RoleTarget::Domain(&domain.id))?;
    if roles.is_empty() {
        return Err(unauthorized(format!(
            "user {} has no access to domain {}",
            user.id, domain.id
        )));
    }
    Ok((Scope::Domain(domain), roles))
}

fn system_scope(conn: &mut DbConn, user: &UserRow) -> Result<(Scope, Vec<RoleRow>), ApiError> {
    let roles = assignments::effective_roles(conn, &user.id, &RoleTarget::System)?;
    if roles.is_empty() {
        return Err(unauthorized(format!(
            "user {} has no access to the system",
            user.id
        )));
    }
    Ok((Scope::System, roles))
}

fn get_project_or_401(conn: &mut DbConn, project_id: &str) -> Result<ProjectRow, ApiError> {
    match resources::get_project(conn, project_id) {
        Ok(p) => Ok(p),
        Err(StoreError::NotFound { .. }) => {
            Err(unauthorized(format!("project {project_id} not found")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Resolves the scope an auth request asks for, with the roles the user holds there.
/// Asking for a scope the user has no role on is a 401, as in Keystone.
pub fn resolve_scope(
    conn: &mut DbConn,
    user: &UserRow,
    request: &ScopeRequest,
) -> Result<(Scope, Vec<RoleRow>), ApiError> {
    match request {
        ScopeRequest::Unscoped => Ok((Scope::Unscoped, Vec::new())),
        ScopeRequest::Default => {
            let Some(project_id) = &user.default_project_id else {
                return Ok((Scope::Unscoped, Vec::new()));
            };
            // An unusable default project falls back to an unscoped token, as Keystone does.
            match resources::get_project(conn, project_id) {
                Ok(project) => match project_scope(conn, user, project) {
                    Ok(scoped) => Ok(scoped),
                    Err(ApiError::Unauthorized { .. }) => Ok((Scope::Unscoped, Vec::new())),
                    Err(e) => Err(e),
                },
                Err(StoreError::NotFound { .. }) => Ok((Scope::Unscoped, Vec::new())),
                Err(e) => Err(e.into()),
            }
        }
        ScopeRequest::ProjectId(id) => {
            let project = get_project_or_401(conn, id)?;
            project_scope(conn, user, project)
        }
        ScopeRequest::ProjectName { name, domain } => {
            let domain = resolve_domain(conn, domain)?;
            let project = resources::find_project_by_name(conn, name, &domain.id)?
                .ok_or_else(|| unauthorized(format!("project {name} not found")))?;
            project_scope(conn, user, project)
        }
        ScopeRequest::Domain(domain) => {
            let domain = resolve_domain(conn, domain)?;
            domain_scope(conn, user, domain)
        }
        ScopeRequest::System => system_scope(conn, user),
        // Resolved by `build` through the trust, never as a plain scope.
        ScopeRequest::Trust(id) => Err(unauthorized(format!("trust {id} is not a plain scope"))),
    }
}

/// Claims for a new token. `parent_audit_id`, if given, follows the token's own audit id.
/// (A rescoped token's lineage is set by the token issue itself: see
/// [`MAX_RESCOPE_DEPTH`].)
pub fn new_claims(
    user_id: &str,
    scope: &Scope,
    methods: Vec<String>,
    parent_audit_id: Option<String>,
    now_us: i64,
    lifetime_s: i64,
    cap_expires_at_us: Option<i64>,
) -> Claims {
    let mut expires_at_us = now_us + lifetime_s * 1_000_000;
    if let Some(cap) = cap_expires_at_us {
        expires_at_us = expires_at_us.min(cap);
    }
    let mut audit_ids = vec![new_audit_id()];
    audit_ids.extend(parent_audit_id);
    let (project_id, domain_id, system) = match scope {
        Scope::Project { project, .. } => (Some(project.id.clone()), None, None),
        Scope::Domain(domain) => (None, Some(domain.id.clone()), None),
        Scope::System => (None, None, Some("all".to_string())),
        Scope::Unscoped => (None, None, None),
    };
    Claims {
        sub: user_id.to_string(),
        iat: now_us / 1_000_000,
        exp: (expires_at_us + 999_999) / 1_000_000,
        openstack_methods: methods,
        openstack_audit_ids: audit_ids,
        openstack_project_id: project_id,
        openstack_domain_id: domain_id,
        openstack_system: system,
        openstack_issued_at_us: now_us,
        openstack_expires_at_us: expires_at_us,
        openstack_auth_at_us: None,
        openstack_password_stamp: None,
        openstack_app_cred_id: None,
        openstack_trust_id: None,
        openstack_oauth1_access_token_id: None,
        openstack_oauth1_consumer_id: None,
    }
}

/// Most tokens a rescoped token may descend from. A token carries the audit ids of its
/// whole lineage, so that revoking any of them revokes it; the bound keeps tokens small.
pub const MAX_RESCOPE_DEPTH: usize = 32;

/// The audit ids of a token rescoped from `parent`: a new own id, then the parent's own id
/// and all of its ancestors' (the first token's, Keystone's chain id, last). Refused past
/// [`MAX_RESCOPE_DEPTH`].
pub fn rescoped_audit_ids(parent: &Claims) -> Result<Vec<String>, ApiError> {
    if parent.openstack_audit_ids.len() > MAX_RESCOPE_DEPTH {
        return Err(ApiError::Forbidden(format!(
            "A token can be rescoped at most {MAX_RESCOPE_DEPTH} times in a row: \
             authenticate with your password again."
        )));
    }
    let mut ids = vec![new_audit_id()];
    ids.extend(parent.openstack_audit_ids.iter().cloned());
    Ok(ids)
}

/// What a new token's claims are made from, past its user and scope: how it was proved,
/// when, for how long, and the lineage it descends from.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub methods: Vec<String>,
    pub issued_at_us: i64,
    pub lifetime_s: i64,
    /// A rescoped token never outlives the token it came from.
    pub cap_expires_at_us: Option<i64>,
    /// For a rescoped token, its lineage (see [`rescoped_audit_ids`]); else a new one.
    pub audit_ids: Option<Vec<String>>,
    /// When the password login behind it was made.
    pub auth_at_us: Option<i64>,
    /// The stamp of the password it proved: the user's must still be the same.
    pub password_stamp: Option<String>,
    /// The application credential it is made from (see `auth::app_cred`).
    pub application_credential_id: Option<String>,
}

/// Where a signed request acts.
#[derive(Debug, Clone)]
pub enum Wanted {
    /// The scope the request names (Huawei's `X-Project-Id` / `X-Domain-Id`).
    Exactly(ScopeRequest),
    /// Baidu's account: the owner's domain, else the system (a cloud admin's key), else
    /// nowhere (then policy answers 403, not 401).
    Account,
}

/// How a caller proved who it is: what [`build`] makes its context from.
#[derive(Debug, Clone)]
pub enum Proof {
    /// A token whose signature and expiry were checked (`X-Auth-Token`, `X-Subject-Token`).
    Token(Claims),
    /// A password login or a rescope, about to be issued as a token.
    Login {
        user_id: String,
        scope: ScopeRequest,
        token: NewToken,
    },
    /// A request signed with an access key (Huawei's AK/SK, Baidu's `bce-auth-v1`). Its
    /// claims are only for the handlers that read them; nothing is issued.
    Signature {
        key: CredentialRow,
        scope: Wanted,
        token: NewToken,
        lockout: Option<Lockout>,
    },
}

/// **The one builder of an auth context**: every caller of every face gets its context
/// here, whether it proved itself with a token, a password login (or a rescope), an AK/SK
/// signature or a `bce-auth-v1` signature. The user must still exist and be enabled in an
/// enabled domain; a key's owner must not be locked out; a password-backed token's password
/// must not have changed since; the scope must hold roles; a presented token must not be
/// revoked (by its chain, its user, its project or a domain). Every refusal is a 401.
pub fn build(conn: &mut DbConn, proof: Proof) -> Result<AuthContext, ApiError> {
    let user_id = match &proof {
        Proof::Token(claims) => claims.sub.clone(),
        Proof::Login { user_id, .. } => user_id.clone(),
        Proof::Signature { key, .. } => key.user_id.clone(),
    };
    // Read afresh, after the issue time was taken: a user disabled meanwhile gets nothing.
    let user = match users::get_user(conn, &user_id) {
        Ok(u) => u,
        Err(StoreError::NotFound { .. }) => {
            return Err(unauthorized(format!("user {user_id} no longer exists")))
        }
        Err(e) => return Err(e.into()),
    };
    let user_domain = check_user_usable(conn, &user)?;
    if let Proof::Signature {
        lockout: Some(lockout),
        key,
        ..
    } = &proof
    {
        // A key of a locked-out user signs nothing while that lasts, and works again after.
        if lockout.is_locked(user.failed_auth_count, user.failed_auth_at, now_ms()) {
            return Err(unauthorized(format!(
                "owner {} of access key {} is locked out",
                user.id, key.access
            )));
        }
    }
    let stamp = match &proof {
        Proof::Token(claims) => claims.openstack_password_stamp.as_ref(),
        Proof::Login { token, .. } => token.password_stamp.as_ref(),
        Proof::Signature { .. } => None,
    };
    if stamp.is_some_and(|s| *s != password_stamp(user.password_hash.as_deref())) {
        return Err(unauthorized(format!(
            "token of user {} predates a password change",
            user.id
        )));
    }
    let app_cred_id = match &proof {
        Proof::Token(claims) => claims.openstack_app_cred_id.clone(),
        Proof::Login { token, .. } => token.application_credential_id.clone(),
        Proof::Signature { .. } => None,
    };
    let trust_id = match &proof {
        Proof::Token(claims) => claims.openstack_trust_id.clone(),
        Proof::Login {
            scope: ScopeRequest::Trust(id),
            ..
        } => Some(id.clone()),
        _ => None,
    };
    if let Some(trust_id) = trust_id {
        return build_trust_scoped(conn, user, proof, &trust_id);
    }
    let (scope, roles) = match &proof {
        Proof::Token(claims) => resolve_scope(conn, &user, &claims_scope(claims))?,
        Proof::Login { scope, .. } => resolve_scope(conn, &user, scope)?,
        Proof::Signature {
            scope: Wanted::Exactly(scope),
            ..
        } => resolve_scope(conn, &user, scope)?,
        Proof::Signature {
            scope: Wanted::Account,
            ..
        } => account_scope(conn, &user)?,
    };
    // A credential's token holds only the roles it delegates, while the credential lasts.
    let (roles, application_credential) = match &app_cred_id {
        None => (roles, None),
        Some(id) => {
            let now_us = chrono::Utc::now().timestamp_micros();
            let project_id = match &scope {
                Scope::Project { project, .. } => Some(project.id.as_str()),
                _ => None,
            };
            let cred = app_cred::load_for_token(conn, id, &user.id, project_id, now_us)?;
            let roles = app_cred::delegated_roles(&cred, roles)?;
            (roles, Some(AppCredGrant::from(cred)))
        }
    };
    let mut roles = roles;
    let claims = match proof {
        Proof::Token(claims) => {
            check_not_revoked(conn, &user, &scope, &claims)?;
            if let Some(access_token_id) = &claims.openstack_oauth1_access_token_id {
                roles = delegated_roles(conn, access_token_id, &user.id, &scope, roles)?;
            }
            claims
        }
        Proof::Login { token, .. } | Proof::Signature { token, .. } => {
            let mut claims = new_claims(
                &user.id,
                &scope,
                token.methods,
                None,
                token.issued_at_us,
                token.lifetime_s,
                token.cap_expires_at_us,
            );
            if let Some(ids) = token.audit_ids {
                claims.openstack_audit_ids = ids;
            }
            claims.openstack_auth_at_us = token.auth_at_us;
            claims.openstack_password_stamp = token.password_stamp;
            claims.openstack_app_cred_id = token.application_credential_id;
            claims
        }
    };
    Ok(AuthContext {
        user,
        user_domain,
        scope,
        roles,
        claims,
        application_credential,
        trust: None,
    })
}

/// [`build`] for a trust-scoped token: `trustee` proved who they are (and passed the checks
/// of every token); the trust gives the rest. A token rescoped from a trust-scoped one, and
/// a trust scope by signature, are refused before this.
fn build_trust_scoped(
    conn: &mut DbConn,
    trustee: UserRow,
    proof: Proof,
    trust_id: &str,
) -> Result<AuthContext, ApiError> {
    use crate::auth::trust_scope::{self, When};
    let now_us = chrono::Utc::now().timestamp_micros();
    match proof {
        Proof::Token(claims) => {
            let scoped = trust_scope::resolve(conn, &trustee, trust_id, When::Validating, now_us)?;
            check_not_revoked(conn, &trustee, &scoped.scope, &claims)?;
            check_not_revoked(conn, &scoped.trustor, &scoped.scope, &claims)?;
            Ok(AuthContext {
                user: scoped.user,
                user_domain: scoped.user_domain,
                scope: scoped.scope,
                roles: scoped.roles,
                claims,
                // A trust-scoped token is never also an application credential's.
                application_credential: None,
                trust: Some(scoped.trust),
            })
        }
        Proof::Login { token, .. } => {
            let scoped = trust_scope::resolve(conn, &trustee, trust_id, When::Issuing, now_us)?;
            // A token never outlives the trust it comes from.
            let cap = match (token.cap_expires_at_us, scoped.trust.expires_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let mut claims = new_claims(
                &trustee.id,
                &scoped.scope,
                token.methods,
                None,
                token.issued_at_us,
                token.lifetime_s,
                cap,
            );
            if let Some(ids) = token.audit_ids {
                claims.openstack_audit_ids = ids;
            }
            claims.openstack_auth_at_us = token.auth_at_us;
            claims.openstack_password_stamp = token.password_stamp;
            claims.openstack_trust_id = Some(scoped.trust.id.clone());
            Ok(AuthContext {
                user: scoped.user,
                user_domain: scoped.user_domain,
                scope: scoped.scope,
                roles: scoped.roles,
                claims,
                // A trust-scoped token is never also an application credential's.
                application_credential: None,
                trust: Some(scoped.trust),
            })
        }
        Proof::Signature { .. } => Err(unauthorized("a signature cannot be trust-scoped")),
    }
}

/// The scope a token's claims name.
fn claims_scope(claims: &Claims) -> ScopeRequest {
    match (
        &claims.openstack_project_id,
        &claims.openstack_domain_id,
        &claims.openstack_system,
    ) {
        (Some(project_id), _, _) => ScopeRequest::ProjectId(project_id.clone()),
        (None, Some(domain_id), _) => ScopeRequest::Domain(DomainRef::Id(domain_id.clone())),
        (None, None, Some(_)) => ScopeRequest::System,
        (None, None, None) => ScopeRequest::Unscoped,
    }
}

/// Baidu's account scope: see [`Wanted::Account`].
fn account_scope(conn: &mut DbConn, user: &UserRow) -> Result<(Scope, Vec<RoleRow>), ApiError> {
    let domain = ScopeRequest::Domain(DomainRef::Id(user.domain_id.clone()));
    for request in [domain, ScopeRequest::System] {
        match resolve_scope(conn, user, &request) {
            Ok(found) => return Ok(found),
            Err(ApiError::Unauthorized(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((Scope::Unscoped, Vec::new()))
}

fn check_not_revoked(
    conn: &mut DbConn,
    user: &UserRow,
    scope: &Scope,
    claims: &Claims,
) -> Result<(), ApiError> {
    let (project_id, scope_domain_id) = match scope {
        Scope::Project { project, domain } => (Some(project.id.as_str()), Some(domain.id.as_str())),
        Scope::Domain(domain) => (None, Some(domain.id.as_str())),
        Scope::Unscoped | Scope::System => (None, None),
    };
    let facts = revocations::TokenFacts {
        audit_ids: &claims.openstack_audit_ids,
        user_id: &user.id,
        user_domain_id: &user.domain_id,
        project_id,
        scope_domain_id,
        issued_at_ms: claims.openstack_issued_at_us / 1000,
    };
    if revocations::is_revoked(conn, &facts)? {
        return Err(unauthorized("token has been revoked"));
    }
    Ok(())
}

/// OS-OAUTH1: the roles a delegated token holds, those of its access token that the user
/// still holds on the token's project. The access token must still exist (deleting it
/// revokes the tokens made from it), be the user's, for this project, and not be expired.
pub fn delegated_roles(
    conn: &mut DbConn,
    access_token_id: &str,
    user_id: &str,
    scope: &Scope,
    held: Vec<RoleRow>,
) -> Result<Vec<RoleRow>, ApiError> {
    let token = match crate::db::oauth1::get_access_token(conn, access_token_id) {
        Ok(t) => t,
        Err(StoreError::NotFound { .. }) => {
            return Err(unauthorized(format!(
                "access token {access_token_id} no longer exists"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let project_matches =
        matches!(scope, Scope::Project { project, .. } if project.id == token.project_id);
    if token.authorizing_user_id != user_id || !project_matches {
        return Err(unauthorized("token does not match its access token"));
    }
    if token.expires_at.is_some_and(|at| now_ms() > at) {
        return Err(unauthorized(format!(
            "access token {access_token_id} expired"
        )));
    }
    let delegated: Vec<String> = serde_json::from_str(&token.role_ids).unwrap_or_default();
    let roles: Vec<RoleRow> = held
        .into_iter()
        .filter(|r| delegated.contains(&r.id))
        .collect();
    if roles.is_empty() {
        return Err(unauthorized(
            "the user no longer holds any role the access token delegates",
        ));
    }
    Ok(roles)
}
