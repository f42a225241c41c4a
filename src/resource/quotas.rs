//! Huawei's `ShowDomainQuota`: what a domain (account) holds of each counted kind, and the
//! limit `[quota]` sets for it. Read like the domain itself (Keystone's `identity:get_domain`:
//! the system reader, or a token of that domain or of one of its projects).

use crate::auth::policy;
use crate::auth::policy::glue::authorize;
use crate::auth::AuthContext;
use crate::db::{self, quota as store, resources};
use crate::domain::quota::QuotaType;
use crate::error::ApiError;
use crate::resource::domains::domain_target;
use crate::state::AppState;

/// One line of the answer: the kind, how many the domain holds, its limit (`None`:
/// unlimited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLine {
    pub kind: QuotaType,
    pub used: i64,
    pub quota: Option<u32>,
}

/// The quota lines of `domain_id`: every counted kind, or only `only`.
pub async fn domain_quota(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    only: Option<QuotaType>,
) -> Result<Vec<QuotaLine>, ApiError> {
    let lookup = domain_id.clone();
    let domain = db::run(&state.pool, move |conn| {
        resources::get_domain(conn, &lookup)
    })
    .await
    .map_err(ApiError::from);
    let domain = authorize(caller, &policy::GET_DOMAIN, domain, domain_target)?;
    let usage = db::run(&state.pool, move |conn| store::usage(conn, &domain.id)).await?;
    let q = &state.settings.quota;
    Ok(QuotaType::ALL
        .into_iter()
        .filter(|t| only.is_none_or(|o| o == *t))
        .map(|kind| {
            let (used, quota) = match kind {
                QuotaType::User => (usage.users, q.users_per_domain),
                QuotaType::Group => (usage.groups, q.groups_per_domain),
                QuotaType::Idp => (usage.identity_providers, None),
            };
            QuotaLine { kind, used, quota }
        })
        .collect())
}
