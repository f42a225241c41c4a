//! Who may make a permanent access key: one rule for both faces (Huawei's
//! `/v3.0/OS-CREDENTIAL/credentials` and Baidu's `/v1/user/{name}/accesskey`).
//!
//! A key outlives every token, so making one with a token takes a recent proof of the
//! password: a token whose password login (the first of its rescope chain) is at most
//! `credentials.mint_login_window` old. Neither vendor's API carries a password in the
//! create request, so a fresh login is the only proof. A request signed with an access key
//! is the vendors' own way to make the next key, and its owner must be enabled and not
//! locked out for the signature to count at all (`api::caller::key_owner`).

use crate::auth::AuthContext;
use crate::domain::lockout::Lockout;
use crate::error::ApiError;

/// Methods of callers that signed with an access key rather than present a token.
const SIGNATURE_METHODS: &[&str] = &["aksk", crate::auth::bce_signature::SCHEME];

/// Refuses a token caller whose password login is older than `window_secs`, or whose token
/// does not come from a password login at all, with a 403 that says to log in again; and a
/// caller locked out by failed logins (whose keys would not sign anyway).
pub fn check_may_mint_access_key(
    caller: &AuthContext,
    window_secs: u64,
    lockout: Option<Lockout>,
    now_us: i64,
) -> Result<(), ApiError> {
    let user = &caller.user;
    if lockout
        .is_some_and(|l| l.is_locked(user.failed_auth_count, user.failed_auth_at, now_us / 1000))
    {
        return Err(ApiError::Forbidden(
            "The account is locked out after failed password logins: no access key can be \
             made for it until the lock ends."
                .into(),
        ));
    }
    let methods = &caller.claims.openstack_methods;
    if methods
        .iter()
        .any(|m| SIGNATURE_METHODS.contains(&m.as_str()))
    {
        return Ok(());
    }
    let window_us = i64::try_from(window_secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    let fresh = methods.iter().any(|m| m == "password")
        && caller
            .claims
            .openstack_auth_at_us
            .is_some_and(|at| now_us.saturating_sub(at) <= window_us);
    if fresh {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "Making an access key needs a token from a password login within the last \
         {window_secs} seconds: log in again with your password and retry."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::Claims;

    fn caller(methods: &[&str], auth_at_us: Option<i64>) -> AuthContext {
        let user = crate::db::models::UserRow {
            id: "u".into(),
            name: "u".into(),
            domain_id: "d".into(),
            enabled: true,
            description: String::new(),
            password_hash: None,
            password_expires_at: None,
            default_project_id: None,
            extra: "{}".into(),
            created_at: 0,
            failed_auth_count: 0,
            failed_auth_at: None,
        };
        AuthContext {
            user,
            user_domain: crate::db::models::DomainRow {
                id: "d".into(),
                name: "d".into(),
                description: String::new(),
                enabled: true,
                extra: "{}".into(),
                created_at: 0,
            },
            scope: crate::auth::Scope::Unscoped,
            roles: Vec::new(),
            application_credential: None,
            trust: None,
            claims: Claims {
                openstack_methods: methods.iter().map(|m| m.to_string()).collect(),
                openstack_auth_at_us: auth_at_us,
                ..Claims::default()
            },
        }
    }

    #[test]
    fn a_recent_password_login_or_a_signature_may_mint() {
        let now = 1_000_000_000_000;
        let ok = |c: &AuthContext| check_may_mint_access_key(c, 600, None, now).is_ok();
        assert!(ok(&caller(&["password"], Some(now - 600_000_000))));
        assert!(ok(&caller(&["token", "password"], Some(now - 1))));
        assert!(!ok(&caller(&["password"], Some(now - 600_000_001))));
        assert!(
            !ok(&caller(&["password"], None)),
            "a token from before the claim"
        );
        assert!(!ok(&caller(&["token"], Some(now))), "not a password login");
        assert!(ok(&caller(&["aksk"], None)));
        assert!(ok(&caller(&[crate::auth::bce_signature::SCHEME], None)));
        let err =
            check_may_mint_access_key(&caller(&["password"], None), 600, None, now).unwrap_err();
        assert!(err.to_string().starts_with("403"), "{err}");
        let mut locked = caller(&["password"], Some(now));
        locked.user.failed_auth_count = 3;
        locked.user.failed_auth_at = Some(now / 1000);
        let lockout = Lockout {
            max_failures: 3,
            duration_ms: None,
        };
        assert!(check_may_mint_access_key(&locked, 600, Some(lockout), now).is_err());
        assert!(check_may_mint_access_key(&locked, 600, None, now).is_ok());
    }
}
