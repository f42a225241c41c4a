//! Tokens made from an application credential: what the auth context keeps of the
//! credential, the checks each such token passes on every use (the credential still exists,
//! is the user's, has not expired; the roles are those it delegates that the user still
//! holds), and its access rules, enforced the way keystonemiddleware enforces them for a
//! service: here the service is the identity service itself (service type `identity`).

use crate::db::application_credentials::{self as store, AccessRuleRow, AppCred};
use crate::db::models::RoleRow;
use crate::db::{DbConn, StoreError};
use crate::error::ApiError;

/// The service type of iam-groups' own API, as access rules name it.
pub const IDENTITY_SERVICE_TYPE: &str = "identity";

/// The credential a token was made from, as its body shows it (Keystone's
/// `token.application_credential`).
#[derive(Debug, Clone)]
pub struct AppCredGrant {
    pub id: String,
    pub name: String,
    pub unrestricted: bool,
    /// Empty when the credential has none (then it is not limited).
    pub access_rules: Vec<AccessRuleRow>,
}

impl AppCredGrant {
    /// Keystone's `restricted`: may not manage application credentials or trusts.
    pub fn restricted(&self) -> bool {
        !self.unrestricted
    }
}

/// Loads the credential behind a token and checks it may still be used by `user_id` on
/// `project_id` at `now_us`; every refusal is a 401.
pub fn load_for_token(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    project_id: Option<&str>,
    now_us: i64,
) -> Result<AppCred, ApiError> {
    let cred = match store::get_application_credential(conn, id) {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => {
            return Err(ApiError::unauthorized(format!(
                "application credential {id} no longer exists"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if cred.row.user_id != user_id {
        return Err(ApiError::unauthorized(format!(
            "application credential {id} is not user {user_id}'s"
        )));
    }
    if cred.row.expires_at.is_some_and(|at| at <= now_us) {
        return Err(ApiError::unauthorized(format!(
            "application credential {id} has expired"
        )));
    }
    if project_id != Some(cred.row.project_id.as_str()) {
        return Err(ApiError::unauthorized(format!(
            "a token of application credential {id} is scoped to its project only"
        )));
    }
    Ok(cred)
}

/// Keystone's token roles for a credential: those it delegates that the user still holds
/// on its project (`held`, effective). None left is a 401.
pub fn delegated_roles(cred: &AppCred, held: Vec<RoleRow>) -> Result<Vec<RoleRow>, ApiError> {
    let kept: Vec<RoleRow> = held
        .into_iter()
        .filter(|r| cred.roles.iter().any(|c| c.id == r.id))
        .collect();
    if kept.is_empty() {
        return Err(ApiError::unauthorized(format!(
            "user {} no longer holds any role of application credential {}",
            cred.row.user_id, cred.row.id
        )));
    }
    Ok(kept)
}

impl From<AppCred> for AppCredGrant {
    fn from(cred: AppCred) -> Self {
        AppCredGrant {
            id: cred.row.id,
            name: cred.row.name,
            unrestricted: cred.row.unrestricted,
            access_rules: cred.access_rules,
        }
    }
}

/// keystonemiddleware's path match: the pattern's segments against the path's, where `*`
/// matches one segment (any text in it; within a segment `*` matches any run of
/// characters) and a trailing `**` any number of further segments, none included.
pub fn path_matches(path: &str, pattern: &str) -> bool {
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    if let Some((last, head)) = pattern.split_last() {
        if *last == "**" {
            return path.len() >= head.len()
                && head.iter().zip(&path).all(|(p, s)| segment_matches(s, p));
        }
    }
    path.len() == pattern.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| segment_matches(s, p))
}

/// One segment against a glob with `*` wildcards.
fn segment_matches(segment: &str, glob: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return segment == glob;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut remaining) = segment.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().unwrap_or((&"", &[]));
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Whether a request to the identity service is allowed by the credential's access rules:
/// always when it has none, else when one rule for service `identity` matches its method
/// and path (keystonemiddleware's `_validate_access_rules`).
pub fn request_allowed(grant: &AppCredGrant, method: &str, path: &str) -> bool {
    if grant.access_rules.is_empty() {
        return true;
    }
    grant.access_rules.iter().any(|rule| {
        rule.service == IDENTITY_SERVICE_TYPE
            && rule.method.eq_ignore_ascii_case(method)
            && path_matches(path, &rule.path)
    })
}

/// Refuses, with keystonemiddleware's 401, a request its credential's access rules do not
/// allow.
pub fn enforce_access_rules(
    grant: Option<&AppCredGrant>,
    method: &str,
    path: &str,
) -> Result<(), ApiError> {
    match grant {
        Some(g) if !request_allowed(g, method, path) => Err(ApiError::unauthorized(format!(
            "the access rules of application credential {} do not allow {method} {path}",
            g.id
        ))),
        _ => Ok(()),
    }
}

/// The header with which a service says it enforces access rules, and its version.
pub const ACCESS_RULES_HEADER: &str = "OpenStack-Identity-Access-Rules";
/// The first version of access rules (Keystone's `ACCESS_RULES_MIN_VERSION`).
const ACCESS_RULES_MIN_VERSION: f64 = 1.0;

/// Keystone's `_validate_token_access_rules`: another service may validate a token of a
/// credential with access rules only if it says (in [`ACCESS_RULES_HEADER`]) that it
/// enforces them; else the token is not found (404), so the service cannot be fooled into
/// ignoring them.
pub fn check_access_rules_support(
    grant: Option<&AppCredGrant>,
    header: Option<&str>,
) -> Result<(), ApiError> {
    let Some(grant) = grant.filter(|g| !g.access_rules.is_empty()) else {
        return Ok(());
    };
    let supported = header
        .and_then(|v| v.trim().parse::<f64>().ok())
        .is_some_and(|v| v >= ACCESS_RULES_MIN_VERSION);
    if supported {
        return Ok(());
    }
    log::warn!(
        "a token of application credential {} with access rules was validated by a \
         service that does not enforce them",
        grant.id
    );
    Err(ApiError::NotFoundMessage(
        "Could not find token: Failed to validate token".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(service: &str, method: &str, path: &str) -> AccessRuleRow {
        AccessRuleRow {
            id: "r".into(),
            user_id: "u".into(),
            service: service.into(),
            path: path.into(),
            method: method.into(),
        }
    }

    #[test]
    fn paths_match_as_keystonemiddleware_matches_them() {
        assert!(path_matches("/v3/users/u1", "/v3/users/u1"));
        assert!(path_matches("/v3/users/u1/", "/v3/users/u1"));
        assert!(path_matches("/v3/users/u1", "/v3/users/*"));
        assert!(!path_matches("/v3/users/u1/groups", "/v3/users/*"));
        assert!(path_matches("/v3/users/u1/groups", "/v3/users/**"));
        assert!(path_matches("/v3/users", "/v3/users/**"));
        assert!(!path_matches("/v3/groups", "/v3/users/**"));
        assert!(path_matches("/v3/users/abc-1", "/v3/users/abc*"));
        assert!(path_matches("/v3/users/xabcy", "/v3/users/*abc*"));
        assert!(!path_matches("/v3/users/xay", "/v3/users/*abc*"));
        assert!(!path_matches("/v3/projects", "/v3/users"));
    }

    #[test]
    fn only_identity_rules_with_the_method_allow() {
        let mut grant = AppCredGrant {
            id: "c".into(),
            name: "n".into(),
            unrestricted: false,
            access_rules: vec![],
        };
        assert!(request_allowed(&grant, "DELETE", "/v3/anything"));
        grant.access_rules = vec![
            rule("identity", "GET", "/v3/users/*"),
            rule("compute", "GET", "/v3/projects"),
        ];
        assert!(request_allowed(&grant, "GET", "/v3/users/u1"));
        assert!(!request_allowed(&grant, "PATCH", "/v3/users/u1"));
        assert!(!request_allowed(&grant, "GET", "/v3/projects"));
        assert!(enforce_access_rules(Some(&grant), "GET", "/v3/projects").is_err());
        assert!(enforce_access_rules(None, "GET", "/v3/projects").is_ok());
        assert!(grant.restricted());
        assert!(check_access_rules_support(Some(&grant), None).is_err());
        assert!(check_access_rules_support(Some(&grant), Some("0.9")).is_err());
        assert!(check_access_rules_support(Some(&grant), Some("1.0")).is_ok());
        grant.access_rules.clear();
        assert!(check_access_rules_support(Some(&grant), None).is_ok());
    }
}
