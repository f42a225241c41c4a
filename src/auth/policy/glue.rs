//! Policy at the edge of an operation: enforcing a rule on a target that may not exist
//! without leaking its existence, and the domain a list is narrowed to.

use crate::auth::policy::{enforce, Policy, Target};
use crate::auth::AuthContext;
use crate::error::ApiError;

/// Enforces a rule on a loaded target. When the target does not exist, only a caller the
/// rule would allow without any target attributes (an admin, a system reader) learns that
/// with a 404; anyone else gets the 403, so existence does not leak. `loaded` is the
/// load's own result, a storage error or the API's.
pub fn authorize<T, E: Into<ApiError>>(
    caller: &AuthContext,
    policy: &Policy,
    loaded: Result<T, E>,
    target: impl for<'a> Fn(&'a T) -> Target<'a>,
) -> Result<T, ApiError> {
    match loaded.map_err(Into::into) {
        Ok(item) => {
            enforce(caller, policy, &target(&item))?;
            Ok(item)
        }
        Err(e @ (ApiError::NotFound { .. } | ApiError::NotFoundMessage(_))) => {
            enforce(caller, policy, &Target::default())?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// False when the rule allows the caller whatever the target (an admin, a system reader):
/// then the handler need not load the target just to check the policy.
pub fn needs_target(caller: &AuthContext, policy: &Policy) -> bool {
    !super::allows(caller, policy, &Target::default())
}

/// The domain a list is restricted to: the one asked for, or, for a caller scoped to a
/// domain who asked for none, that domain (as Keystone narrows domain readers' lists).
pub fn list_domain(caller: &AuthContext, requested: Option<&str>) -> Option<String> {
    requested
        .map(str::to_owned)
        .or_else(|| caller.token_domain_id().map(str::to_owned))
}
