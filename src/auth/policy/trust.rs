//! Keystone's default rules for OS-TRUST (`keystone/common/policies/trust.py`): the trustor
//! alone creates a trust (`user_id:%(trust.trustor_user_id)s`, on the request's body); an
//! admin or a system reader reads every trust, the trustor and the trustee read their own;
//! an admin or the trustor deletes one.

use super::Attr::{TrustTrustee, TrustTrustor};
use super::Cond::UserIs;
use super::{Policy, ADMIN, SYSTEM_READER};

pub static CREATE_TRUST: Policy = policy!(
    "identity:create_trust",
    "user_id:%(trust.trustor_user_id)s",
    [&[UserIs(TrustTrustor)]]
);
pub static LIST_TRUSTS: Policy = policy!(
    "identity:list_trusts",
    "rule:admin_required or (role:reader and system_scope:all)",
    [ADMIN, SYSTEM_READER]
);
pub static LIST_TRUSTS_FOR_TRUSTOR: Policy = policy!("identity:list_trusts_for_trustor",
    "(rule:admin_required) or ((role:reader and system_scope:all) or user_id:%(target.trust.trustor_user_id)s)",
    [ADMIN, SYSTEM_READER, &[UserIs(TrustTrustor)]]);
pub static LIST_TRUSTS_FOR_TRUSTEE: Policy = policy!("identity:list_trusts_for_trustee",
    "(rule:admin_required) or ((role:reader and system_scope:all) or user_id:%(target.trust.trustee_user_id)s)",
    [ADMIN, SYSTEM_READER, &[UserIs(TrustTrustee)]]);
pub static GET_TRUST: Policy = policy!("identity:get_trust",
    "(rule:admin_required) or ((role:reader and system_scope:all) or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)",
    [ADMIN, SYSTEM_READER, &[UserIs(TrustTrustor)], &[UserIs(TrustTrustee)]]);
pub static LIST_ROLES_FOR_TRUST: Policy = policy!("identity:list_roles_for_trust",
    "(rule:admin_required) or ((role:reader and system_scope:all) or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)",
    [ADMIN, SYSTEM_READER, &[UserIs(TrustTrustor)], &[UserIs(TrustTrustee)]]);
pub static GET_ROLE_FOR_TRUST: Policy = policy!("identity:get_role_for_trust",
    "(rule:admin_required) or ((role:reader and system_scope:all) or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)",
    [ADMIN, SYSTEM_READER, &[UserIs(TrustTrustor)], &[UserIs(TrustTrustee)]]);
pub static DELETE_TRUST: Policy = policy!(
    "identity:delete_trust",
    "rule:admin_required or user_id:%(target.trust.trustor_user_id)s",
    [ADMIN, &[UserIs(TrustTrustor)]]
);

/// A trust as a policy target: its trustor and trustee.
pub fn trust_target<'a>(trustor: &'a str, trustee: &'a str) -> super::Target<'a> {
    super::Target {
        trustor_user_id: Some(trustor),
        trustee_user_id: Some(trustee),
        ..super::Target::default()
    }
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
