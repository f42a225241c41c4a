//! Per-account quotas (`[quota]`), checked inside the write that would pass them: the owner's
//! row is locked first (a no-op update: PostgreSQL's row lock; SQLite's write transaction is
//! already exclusive), then counted, so racing writes count in turn and cannot both slip
//! under a limit.

use diesel::prelude::*;

use super::error::StoreError;
use super::schema::{domains, groups, user_group_membership as membership, users};
use super::DbConn;

/// Refuses when `held` items already use up `limit` (`None`: unlimited).
fn ensure_below(
    limit: Option<u32>,
    held: i64,
    what: impl FnOnce(u32) -> String,
) -> Result<(), StoreError> {
    match limit {
        Some(l) if held >= i64::from(l) => Err(StoreError::limit_reached(what(l))),
        _ => Ok(()),
    }
}

fn lock_domain(conn: &mut DbConn, domain_id: &str) -> Result<(), StoreError> {
    diesel::update(domains::table.find(domain_id))
        .set(domains::id.eq(domain_id))
        .execute(conn)?;
    Ok(())
}

fn lock_user(conn: &mut DbConn, user_id: &str) -> Result<(), StoreError> {
    diesel::update(users::table.find(user_id))
        .set(users::id.eq(user_id))
        .execute(conn)?;
    Ok(())
}

fn lock_group(conn: &mut DbConn, group_id: &str) -> Result<(), StoreError> {
    diesel::update(groups::table.find(group_id))
        .set(groups::id.eq(group_id))
        .execute(conn)?;
    Ok(())
}

/// What a domain-wide quota counts.
#[derive(Debug, Clone, Copy)]
enum InDomain {
    Groups,
    Users,
}

/// Room for one more of `what` in `domain_id` under `limit`.
fn room_in_domain(
    conn: &mut DbConn,
    domain_id: &str,
    what: InDomain,
    limit: Option<u32>,
) -> Result<(), StoreError> {
    if limit.is_none() {
        return Ok(());
    }
    lock_domain(conn, domain_id)?;
    let (held, noun): (i64, &str) = match what {
        InDomain::Groups => (
            groups::table
                .filter(groups::domain_id.eq(domain_id))
                .count()
                .get_result(conn)?,
            "groups",
        ),
        InDomain::Users => (
            users::table
                .filter(users::domain_id.eq(domain_id))
                .count()
                .get_result(conn)?,
            "users",
        ),
    };
    ensure_below(limit, held, |l| {
        format!("The quota of {l} {noun} in domain {domain_id} is reached.")
    })
}

/// Room for one more group in `domain_id` (`quota.groups_per_domain`).
pub fn room_for_group(
    conn: &mut DbConn,
    domain_id: &str,
    limit: Option<u32>,
) -> Result<(), StoreError> {
    room_in_domain(conn, domain_id, InDomain::Groups, limit)
}

/// Room for one more user in `domain_id` (`quota.users_per_domain`).
pub fn room_for_user(
    conn: &mut DbConn,
    domain_id: &str,
    limit: Option<u32>,
) -> Result<(), StoreError> {
    room_in_domain(conn, domain_id, InDomain::Users, limit)
}

/// Limits on one new membership: groups per user, users per group.
#[derive(Debug, Clone, Copy, Default)]
pub struct MembershipLimits {
    pub groups_per_user: Option<u32>,
    pub users_per_group: Option<u32>,
}

impl MembershipLimits {
    /// Whether either limit is set.
    pub fn is_limited(&self) -> bool {
        self.groups_per_user.is_some() || self.users_per_group.is_some()
    }
}

/// Room for `user_id` to join `group_id`, called only when it is not a member yet.
pub fn room_for_membership(
    conn: &mut DbConn,
    user_id: &str,
    group_id: &str,
    limits: MembershipLimits,
) -> Result<(), StoreError> {
    if limits.groups_per_user.is_some() {
        lock_user(conn, user_id)?;
        let held: i64 = membership::table
            .filter(membership::user_id.eq(user_id))
            .count()
            .get_result(conn)?;
        ensure_below(limits.groups_per_user, held, |l| {
            format!("The quota of {l} groups per user is reached for user {user_id}.")
        })?;
    }
    if limits.users_per_group.is_some() {
        lock_group(conn, group_id)?;
        let held: i64 = membership::table
            .filter(membership::group_id.eq(group_id))
            .count()
            .get_result(conn)?;
        ensure_below(limits.users_per_group, held, |l| {
            format!("The quota of {l} users per group is reached for group {group_id}.")
        })?;
    }
    Ok(())
}

/// Room for one more role assignment held by `group_id` (`quota.grants_per_group`): every
/// kind, on projects, domains and the system, inherited or not.
pub fn room_for_group_grant(
    conn: &mut DbConn,
    group_id: &str,
    limit: Option<u32>,
) -> Result<(), StoreError> {
    use super::schema::assignments;
    if limit.is_none() {
        return Ok(());
    }
    lock_group(conn, group_id)?;
    let held: i64 = assignments::table
        .filter(assignments::actor_id.eq(group_id))
        .filter(assignments::kind.eq_any(["GroupProject", "GroupDomain", "GroupSystem"]))
        .count()
        .get_result(conn)?;
    ensure_below(limit, held, |l| {
        format!("The quota of {l} role assignments per group is reached for group {group_id}.")
    })
}

/// Room for one more access key of `user_id` (`quota.access_keys_per_user`): Huawei's
/// `akSkNumExceed` wording, which its SDK users match on.
pub fn room_for_access_key(
    conn: &mut DbConn,
    user_id: &str,
    limit: Option<u32>,
) -> Result<(), StoreError> {
    use super::schema::credentials;
    if limit.is_none() {
        return Ok(());
    }
    lock_user(conn, user_id)?;
    let held: i64 = credentials::table
        .filter(credentials::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    ensure_below(limit, held, |l| {
        format!("akSkNumExceed: user {user_id} already has the maximum of {l} access keys.")
    })
}

/// What a domain holds of each counted kind (`GET /v3.0/OS-QUOTA/domains/{domain_id}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub users: i64,
    pub groups: i64,
    pub identity_providers: i64,
}

/// The counts of [`Usage`] for `domain_id`, read in one transaction so they agree.
pub fn usage(conn: &mut DbConn, domain_id: &str) -> Result<Usage, StoreError> {
    use super::schema::identity_providers;
    conn.transaction(|conn| {
        let users = users::table
            .filter(users::domain_id.eq(domain_id))
            .count()
            .get_result(conn)?;
        let groups = groups::table
            .filter(groups::domain_id.eq(domain_id))
            .count()
            .get_result(conn)?;
        let identity_providers = identity_providers::table
            .filter(identity_providers::domain_id.eq(domain_id))
            .count()
            .get_result(conn)?;
        Ok(Usage {
            users,
            groups,
            identity_providers,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_refuses_only_once_used_up() {
        let say = |l: u32| format!("limit {l}");
        assert!(ensure_below(None, i64::MAX, say).is_ok());
        assert!(ensure_below(Some(2), 1, say).is_ok());
        let refused = ensure_below(Some(2), 2, say).unwrap_err();
        assert!(matches!(
            refused,
            StoreError::Refused(crate::db::error::Refusal::LimitReached(ref m)) if m == "limit 2"
        ));
        assert!(ensure_below(Some(0), 0, say).is_err(), "0 allows none");
    }
}
