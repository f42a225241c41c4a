//! Default authorization rules, one per Keystone `identity:*` action, as data plus a pure
//! function. The `admin` role may do everything (Keystone's `admin_required`); the few
//! things any user may do to themselves are listed with the Keystone rule they follow.

use crate::auth::AuthContext;
use crate::error::ApiError;

/// An action, named as in Keystone's policy file, with the target it is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    ListGroups,
    GetGroup,
    CreateGroup,
    UpdateGroup,
    DeleteGroup,
    AddUserToGroup,
    CheckUserInGroup,
    RemoveUserFromGroup,
    ListUsersInGroup,
    /// `target_user_id` is the user whose groups are listed.
    ListGroupsForUser {
        target_user_id: &'a str,
    },
    ListUsers,
    GetUser {
        target_user_id: &'a str,
    },
    CreateUser,
    UpdateUser,
    DeleteUser,
    ChangePassword {
        target_user_id: &'a str,
    },
    /// `subject_user_id` is the owner of the token being validated.
    ValidateToken {
        subject_user_id: &'a str,
    },
    RevokeToken {
        subject_user_id: &'a str,
    },
    /// `owner_user_id` is the user the access key belongs (or is to belong) to.
    CreateCredential {
        owner_user_id: &'a str,
    },
    ListCredentials {
        owner_user_id: &'a str,
    },
    GetCredential {
        owner_user_id: &'a str,
    },
    UpdateCredential {
        owner_user_id: &'a str,
    },
    DeleteCredential {
        owner_user_id: &'a str,
    },
}

/// Who besides an admin may perform an action.
enum Rule<'a> {
    /// `rule:admin_required`.
    AdminOnly,
    /// `rule:admin_required or user_id:%(target.user.id)s`: the user acting on themselves.
    AdminOrOwner(&'a str),
}

impl<'a> Action<'a> {
    /// Keystone's policy name, used in the 403 message.
    pub fn name(&self) -> &'static str {
        match self {
            Action::ListGroups => "identity:list_groups",
            Action::GetGroup => "identity:get_group",
            Action::CreateGroup => "identity:create_group",
            Action::UpdateGroup => "identity:update_group",
            Action::DeleteGroup => "identity:delete_group",
            Action::AddUserToGroup => "identity:add_user_to_group",
            Action::CheckUserInGroup => "identity:check_user_in_group",
            Action::RemoveUserFromGroup => "identity:remove_user_from_group",
            Action::ListUsersInGroup => "identity:list_users_in_group",
            Action::ListGroupsForUser { .. } => "identity:list_groups_for_user",
            Action::ListUsers => "identity:list_users",
            Action::GetUser { .. } => "identity:get_user",
            Action::CreateUser => "identity:create_user",
            Action::UpdateUser => "identity:update_user",
            Action::DeleteUser => "identity:delete_user",
            Action::ChangePassword { .. } => "identity:change_password",
            Action::ValidateToken { .. } => "identity:validate_token",
            Action::RevokeToken { .. } => "identity:revoke_token",
            Action::CreateCredential { .. } => "identity:create_credential",
            Action::ListCredentials { .. } => "identity:list_credentials",
            Action::GetCredential { .. } => "identity:get_credential",
            Action::UpdateCredential { .. } => "identity:update_credential",
            Action::DeleteCredential { .. } => "identity:delete_credential",
        }
    }

    fn rule(&self) -> Rule<'a> {
        match *self {
            Action::ListGroupsForUser { target_user_id }
            | Action::GetUser { target_user_id }
            | Action::ChangePassword { target_user_id } => Rule::AdminOrOwner(target_user_id),
            Action::ValidateToken { subject_user_id } | Action::RevokeToken { subject_user_id } => {
                Rule::AdminOrOwner(subject_user_id)
            }
            // Keystone: `rule:admin_required or user_id:%(target.credential.user_id)s`;
            // Huawei: users manage their own access keys, administrators anyone's.
            Action::CreateCredential { owner_user_id }
            | Action::ListCredentials { owner_user_id }
            | Action::GetCredential { owner_user_id }
            | Action::UpdateCredential { owner_user_id }
            | Action::DeleteCredential { owner_user_id } => Rule::AdminOrOwner(owner_user_id),
            _ => Rule::AdminOnly,
        }
    }
}

/// Allows the action or returns Keystone's 403.
pub fn enforce(caller: &AuthContext, action: Action<'_>) -> Result<(), ApiError> {
    let allowed = caller.is_admin()
        || match action.rule() {
            Rule::AdminOnly => false,
            Rule::AdminOrOwner(owner) => owner == caller.user_id(),
        };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden_action(action.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::context::Scope;
    use crate::auth::token::Claims;
    use crate::db::models::{DomainRow, RoleRow, UserRow};

    fn caller(user_id: &str, roles: &[&str]) -> AuthContext {
        AuthContext {
            user: UserRow {
                id: user_id.into(),
                name: user_id.into(),
                domain_id: "default".into(),
                enabled: true,
                description: String::new(),
                password_hash: None,
                password_expires_at: None,
                default_project_id: None,
                extra: "{}".into(),
                created_at: 0,
            },
            user_domain: DomainRow {
                id: "default".into(),
                name: "Default".into(),
                description: String::new(),
                enabled: true,
                extra: "{}".into(),
                created_at: 0,
            },
            scope: Scope::Unscoped,
            roles: roles
                .iter()
                .map(|name| RoleRow {
                    id: format!("id-{name}"),
                    name: name.to_string(),
                    domain_id: "<<null>>".into(),
                    description: String::new(),
                    extra: "{}".into(),
                    created_at: 0,
                })
                .collect(),
            claims: Claims {
                sub: user_id.into(),
                iat: 0,
                exp: 0,
                openstack_methods: vec![],
                openstack_audit_ids: vec![],
                openstack_project_id: None,
                openstack_domain_id: None,
                openstack_issued_at_us: 0,
                openstack_expires_at_us: 0,
            },
        }
    }

    #[test]
    fn personas_against_every_action() {
        let admin = caller("admin", &["admin", "member", "reader"]);
        let member = caller("alice", &["member"]);
        let reader = caller("bob", &["reader"]);
        let nobody = caller("carol", &[]);
        let actions: Vec<(Action, [bool; 4])> = vec![
            // (action, [admin, member alice, reader bob, no roles carol])
            (Action::ListGroups, [true, false, false, false]),
            (Action::GetGroup, [true, false, false, false]),
            (Action::CreateGroup, [true, false, false, false]),
            (Action::UpdateGroup, [true, false, false, false]),
            (Action::DeleteGroup, [true, false, false, false]),
            (Action::AddUserToGroup, [true, false, false, false]),
            (Action::CheckUserInGroup, [true, false, false, false]),
            (Action::RemoveUserFromGroup, [true, false, false, false]),
            (Action::ListUsersInGroup, [true, false, false, false]),
            (
                Action::ListGroupsForUser {
                    target_user_id: "alice",
                },
                [true, true, false, false],
            ),
            (Action::ListUsers, [true, false, false, false]),
            (
                Action::GetUser {
                    target_user_id: "bob",
                },
                [true, false, true, false],
            ),
            (Action::CreateUser, [true, false, false, false]),
            (Action::UpdateUser, [true, false, false, false]),
            (Action::DeleteUser, [true, false, false, false]),
            (
                Action::ChangePassword {
                    target_user_id: "carol",
                },
                [true, false, false, true],
            ),
            (
                Action::ValidateToken {
                    subject_user_id: "alice",
                },
                [true, true, false, false],
            ),
            (
                Action::RevokeToken {
                    subject_user_id: "bob",
                },
                [true, false, true, false],
            ),
            (
                Action::CreateCredential {
                    owner_user_id: "carol",
                },
                [true, false, false, true],
            ),
            (
                Action::ListCredentials {
                    owner_user_id: "alice",
                },
                [true, true, false, false],
            ),
            (
                Action::GetCredential {
                    owner_user_id: "bob",
                },
                [true, false, true, false],
            ),
            (
                Action::UpdateCredential {
                    owner_user_id: "alice",
                },
                [true, true, false, false],
            ),
            (
                Action::DeleteCredential {
                    owner_user_id: "carol",
                },
                [true, false, false, true],
            ),
        ];
        for (action, expected) in actions {
            for (persona, allowed) in [&admin, &member, &reader, &nobody].iter().zip(expected) {
                assert_eq!(
                    enforce(persona, action).is_ok(),
                    allowed,
                    "{} for {}",
                    action.name(),
                    persona.user.id
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_policy() {
        let err = enforce(&caller("alice", &["member"]), Action::CreateGroup).unwrap_err();
        assert_eq!(
            err.to_string(),
            "403 Forbidden: You are not authorized to perform the requested action: identity:create_group."
        );
    }
}
