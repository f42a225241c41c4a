//! Keystone's default policy, as data: one [`Policy`] per `identity:*` action with the
//! check string it follows (Keystone's current defaults, system/domain/project personas and
//! the manager role) and the same rule as alternatives of conditions. `enforce` is a pure
//! function of the caller and a [`Target`] the handler fills from what it loaded.
//!
//! `role:X` checks the caller's *effective* roles, so an `admin` also passes `role:reader`
//! through the inference rules admin -> manager -> member -> reader.

pub mod glue;

use crate::auth::AuthContext;
use crate::db::assignments::Holdings;
use crate::error::ApiError;

/// An attribute of the target that a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// `target.user.id`
    UserId,
    /// `target.user.domain_id`
    UserDomain,
    /// `target.group.domain_id`
    GroupDomain,
    /// `target.project.id`
    ProjectId,
    /// `target.project.domain_id`
    ProjectDomain,
    /// `target.domain.id`: a domain resource, or the domain a grant is on.
    DomainId,
    /// `target.domain_id`: the domain a list is restricted to.
    ListDomain,
    /// The domain of a grant's actor (its user's or group's).
    ActorDomain,
    /// The domain of a grant's target (its project's domain, or the domain).
    ScopeDomain,
    /// `target.token.user_id`: the owner of a token being validated or revoked.
    TokenUser,
    /// `target.trust.trustor_user_id` (or the body's `trust.trustor_user_id` at create).
    TrustTrustor,
    /// `target.trust.trustee_user_id`.
    TrustTrustee,
}

/// One condition of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    /// `role:NAME`
    Role(&'static str),
    /// `system_scope:all`
    SystemScope,
    /// `domain_id:%(attr)s`: the token is scoped to this domain.
    DomainScopeIs(Attr),
    /// `token.project.domain.id:%(attr)s`: the token's project lives in this domain.
    ProjectDomainIs(Attr),
    /// `project_id:%(attr)s`: the token is scoped to this project.
    ProjectScopeIs(Attr),
    /// `user_id:%(attr)s`: the caller is this user.
    UserIs(Attr),
    /// `rule:domain_managed_target_role`: the role is one a domain manager may hand out.
    DomainManagedRole,
    /// `domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s`.
    RoleGlobalOrInScopeDomain,
    /// `not domain_id:None`: the token is domain-scoped.
    DomainScoped,
    /// An empty check string: any authenticated caller.
    Anyone,
}

use Attr::*;
use Cond::*;

/// A default rule: Keystone's name and check string, and the alternatives it allows.
#[derive(Debug)]
pub struct Policy {
    pub name: &'static str,
    pub check_str: &'static str,
    pub any_of: &'static [&'static [Cond]],
}

/// Roles a domain manager may grant (Keystone's `domain_managed_target_role`).
pub const DOMAIN_MANAGED_ROLES: &[&str] = &["manager", "member", "reader"];

const ADMIN: &[Cond] = &[Role("admin")];
const SYSTEM_READER: &[Cond] = &[Role("reader"), SystemScope];

macro_rules! policy {
    ($name:literal, $check:literal, [$($alt:expr),* $(,)?]) => {
        Policy { name: $name, check_str: $check, any_of: &[$($alt),*] }
    };
}

pub static GET_GROUP: Policy = policy!("identity:get_group",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(GroupDomain)]]);
pub static LIST_GROUPS: Policy = policy!("identity:list_groups",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(GroupDomain)]]);
pub static LIST_GROUPS_FOR_USER: Policy = policy!("identity:list_groups_for_user",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(user_id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(UserDomain)], &[UserIs(UserId)]]);
pub static CREATE_GROUP: Policy = policy!(
    "identity:create_group",
    "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(GroupDomain)]]
);
pub static UPDATE_GROUP: Policy = policy!(
    "identity:update_group",
    "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(GroupDomain)]]
);
pub static DELETE_GROUP: Policy = policy!(
    "identity:delete_group",
    "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(GroupDomain)]]
);
pub static LIST_USERS_IN_GROUP: Policy = policy!("identity:list_users_in_group",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(GroupDomain)]]);
pub static ADD_USER_TO_GROUP: Policy = policy!("identity:add_user_to_group",
    "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(GroupDomain), DomainScopeIs(UserDomain)]]);
pub static REMOVE_USER_FROM_GROUP: Policy = policy!("identity:remove_user_from_group",
    "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(GroupDomain), DomainScopeIs(UserDomain)]]);
pub static CHECK_USER_IN_GROUP: Policy = policy!("identity:check_user_in_group",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(GroupDomain), DomainScopeIs(UserDomain)]]);

pub static GET_USER: Policy = policy!("identity:get_user",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(UserDomain)], &[UserIs(UserId)]]);
pub static LIST_USERS: Policy = policy!("identity:list_users",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ListDomain)]]);
pub static CREATE_USER: Policy = policy!(
    "identity:create_user",
    "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(UserDomain)]]
);
pub static UPDATE_USER: Policy = policy!(
    "identity:update_user",
    "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(UserDomain)]]
);
pub static DELETE_USER: Policy = policy!(
    "identity:delete_user",
    "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(UserDomain)]]
);
pub static CHANGE_PASSWORD: Policy = policy!(
    "identity:change_password",
    "rule:admin_or_owner",
    [ADMIN, &[UserIs(UserId)]]
);
pub static LIST_PROJECTS_FOR_USER: Policy = policy!("identity:list_user_projects",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(UserDomain)], &[UserIs(UserId)]]);

pub static GET_DOMAIN: Policy = policy!("identity:get_domain",
    "rule:admin_required or (role:reader and system_scope:all) or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s",
    [ADMIN, SYSTEM_READER, &[DomainScopeIs(DomainId)], &[ProjectDomainIs(DomainId)]]);
pub static LIST_DOMAINS: Policy = policy!("identity:list_domains",
    "rule:admin_required or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain.id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(DomainId)]]);
pub static CREATE_DOMAIN: Policy =
    policy!("identity:create_domain", "rule:admin_required", [ADMIN]);
pub static UPDATE_DOMAIN: Policy =
    policy!("identity:update_domain", "rule:admin_required", [ADMIN]);
pub static DELETE_DOMAIN: Policy =
    policy!("identity:delete_domain", "rule:admin_required", [ADMIN]);

pub static GET_PROJECT: Policy = policy!("identity:get_project",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ProjectDomain)], &[ProjectScopeIs(ProjectId)]]);
pub static LIST_PROJECTS: Policy = policy!("identity:list_projects",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ListDomain)]]);
pub static CREATE_PROJECT: Policy = policy!(
    "identity:create_project",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);
pub static UPDATE_PROJECT: Policy = policy!(
    "identity:update_project",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);
pub static DELETE_PROJECT: Policy = policy!(
    "identity:delete_project",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);

// Project tags: read as the project is read, changed as it is changed.
pub static LIST_PROJECT_TAGS: Policy = policy!("identity:list_project_tags",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ProjectDomain)], &[ProjectScopeIs(ProjectId)]]);
pub static GET_PROJECT_TAG: Policy = policy!("identity:get_project_tag",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ProjectDomain)], &[ProjectScopeIs(ProjectId)]]);
pub static UPDATE_PROJECT_TAGS: Policy = policy!(
    "identity:update_project_tags",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);
pub static CREATE_PROJECT_TAG: Policy = policy!(
    "identity:create_project_tag",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);
pub static DELETE_PROJECT_TAG: Policy = policy!(
    "identity:delete_project_tag",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);
pub static DELETE_PROJECT_TAGS: Policy = policy!(
    "identity:delete_project_tags",
    "(rule:admin_required) or (role:manager and domain_id:%(target.project.domain_id)s)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ProjectDomain)]]
);

pub static GET_ROLE: Policy = policy!("identity:get_role",
    "(rule:admin_required or (role:reader and system_scope:all)) or (role:manager and rule:domain_managed_target_role)",
    [ADMIN, SYSTEM_READER, &[Role("manager"), DomainManagedRole]]);
pub static LIST_ROLES: Policy = policy!("identity:list_roles",
    "(rule:admin_required or (role:reader and system_scope:all)) or (role:manager and not domain_id:None)",
    [ADMIN, SYSTEM_READER, &[Role("manager"), DomainScoped]]);
pub static CREATE_ROLE: Policy = policy!("identity:create_role", "rule:admin_required", [ADMIN]);
pub static UPDATE_ROLE: Policy = policy!("identity:update_role", "rule:admin_required", [ADMIN]);
pub static DELETE_ROLE: Policy = policy!("identity:delete_role", "rule:admin_required", [ADMIN]);
pub static READ_IMPLIED_ROLES: Policy = policy!(
    "identity:list_implied_roles",
    "rule:admin_required or (role:reader and system_scope:all)",
    [ADMIN, SYSTEM_READER]
);
pub static WRITE_IMPLIED_ROLES: Policy = policy!(
    "identity:create_implied_role",
    "rule:admin_required",
    [ADMIN]
);

pub static CHECK_GRANT: Policy = policy!("identity:check_grant",
    "(rule:admin_required) or ((role:reader and system_scope:all) or (role:reader and domain_id:<actor domain> and domain_id:<target domain>)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ActorDomain), DomainScopeIs(ScopeDomain), RoleGlobalOrInScopeDomain]]);
pub static LIST_GRANTS: Policy = policy!("identity:list_grants",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:<actor domain> and domain_id:<target domain>)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ActorDomain), DomainScopeIs(ScopeDomain)]]);
pub static CREATE_GRANT: Policy = policy!("identity:create_grant",
    "(rule:admin_required) or (role:manager and domain_id:<actor domain> and domain_id:<target domain> and rule:domain_managed_target_role)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ActorDomain), DomainScopeIs(ScopeDomain), DomainManagedRole]]);
pub static REVOKE_GRANT: Policy = policy!("identity:revoke_grant",
    "(rule:admin_required) or (role:manager and domain_id:<actor domain> and domain_id:<target domain> and rule:domain_managed_target_role)",
    [ADMIN, &[Role("manager"), DomainScopeIs(ActorDomain), DomainScopeIs(ScopeDomain), DomainManagedRole]]);
pub static READ_SYSTEM_GRANTS: Policy = policy!(
    "identity:check_system_grant_for_user",
    "rule:admin_required or (role:reader and system_scope:all)",
    [ADMIN, SYSTEM_READER]
);
pub static WRITE_SYSTEM_GRANTS: Policy = policy!(
    "identity:create_system_grant_for_user",
    "rule:admin_required",
    [ADMIN]
);
pub static LIST_ROLE_ASSIGNMENTS: Policy = policy!("identity:list_role_assignments",
    "(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    [ADMIN, SYSTEM_READER, &[Role("reader"), DomainScopeIs(ListDomain)]]);

pub static READ_CREDENTIAL: Policy = policy!("identity:get_credential",
    "(rule:admin_required) or (role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]);
pub static WRITE_CREDENTIAL: Policy = policy!(
    "identity:create_credential",
    "(rule:admin_required) or user_id:%(target.credential.user_id)s",
    [ADMIN, &[UserIs(UserId)]]
);

// Keystone's /v3/credentials and OS-EC2 rules (policies/credential.py, ec2_credential.py).
// `identity:get_credential` and `identity:create_credential` are READ_CREDENTIAL and
// WRITE_CREDENTIAL above. `target.credential.user_id` is the credential's owner (UserId);
// `rule:owner` of the EC2 list and create is the path's user (UserId too).
pub static LIST_CREDENTIALS: Policy = policy!("identity:list_credentials",
    "(rule:admin_required) or (role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]);
pub static UPDATE_CREDENTIAL: Policy = policy!(
    "identity:update_credential",
    "(rule:admin_required) or user_id:%(target.credential.user_id)s",
    [ADMIN, &[UserIs(UserId)]]
);
pub static DELETE_CREDENTIAL: Policy = policy!(
    "identity:delete_credential",
    "(rule:admin_required) or user_id:%(target.credential.user_id)s",
    [ADMIN, &[UserIs(UserId)]]
);
pub static EC2_GET_CREDENTIAL: Policy = policy!("identity:ec2_get_credential",
    "(rule:admin_required) or (role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]);
pub static EC2_LIST_CREDENTIALS: Policy = policy!(
    "identity:ec2_list_credentials",
    "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]
);
pub static EC2_CREATE_CREDENTIAL: Policy = policy!(
    "identity:ec2_create_credential",
    "(rule:admin_required) or rule:owner",
    [ADMIN, &[UserIs(UserId)]]
);
pub static EC2_DELETE_CREDENTIAL: Policy = policy!(
    "identity:ec2_delete_credential",
    "(rule:admin_required) or user_id:%(target.credential.user_id)s",
    [ADMIN, &[UserIs(UserId)]]
);

pub static READ_CATALOG: Policy = policy!(
    "identity:get_service",
    "rule:admin_required or (role:reader and system_scope:all)",
    [ADMIN, SYSTEM_READER]
);
pub static WRITE_CATALOG: Policy =
    policy!("identity:create_service", "rule:admin_required", [ADMIN]);

pub static VALIDATE_TOKEN: Policy = policy!("identity:validate_token",
    "rule:admin_required or (role:reader and system_scope:all) or rule:service_role or rule:token_subject",
    [ADMIN, SYSTEM_READER, &[Role("service")], &[UserIs(TokenUser)]]);
pub static REVOKE_TOKEN: Policy = policy!(
    "identity:revoke_token",
    "rule:admin_required or rule:token_subject",
    [ADMIN, &[UserIs(TokenUser)]]
);
pub static AUTH_SELF_SERVICE: Policy = policy!("identity:get_auth_catalog", "", [&[Anyone]]);

// Unified limits (keystone/common/policies/registered_limit.py and limit.py): anyone reads
// registered limits and the model; a limit is read by admins, system readers, a token scoped
// to its domain or to its project's domain, or a token scoped to its project (no role needed).
pub static GET_LIMIT_MODEL: Policy = policy!("identity:get_limit_model", "", [&[Anyone]]);
pub static GET_REGISTERED_LIMIT: Policy = policy!("identity:get_registered_limit", "", [&[Anyone]]);
pub static LIST_REGISTERED_LIMITS: Policy =
    policy!("identity:list_registered_limits", "", [&[Anyone]]);
pub static CREATE_REGISTERED_LIMITS: Policy = policy!(
    "identity:create_registered_limits",
    "rule:admin_required",
    [ADMIN]
);
pub static UPDATE_REGISTERED_LIMIT: Policy = policy!(
    "identity:update_registered_limit",
    "rule:admin_required",
    [ADMIN]
);
pub static DELETE_REGISTERED_LIMIT: Policy = policy!(
    "identity:delete_registered_limit",
    "rule:admin_required",
    [ADMIN]
);
/// `target.limit.domain.id` is [`Target::domain_id`], `target.limit.project.domain_id` is
/// [`Target::project_domain_id`] and `target.limit.project_id` is [`Target::project_id`].
pub static GET_LIMIT: Policy = policy!("identity:get_limit",
    "rule:admin_required or (role:reader and system_scope:all) or (domain_id:%(target.limit.domain.id)s or domain_id:%(target.limit.project.domain_id)s) or (project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)",
    [ADMIN, SYSTEM_READER, &[DomainScopeIs(DomainId)], &[DomainScopeIs(ProjectDomain)], &[ProjectScopeIs(ProjectId)]]);
/// Anyone lists; what a caller sees is narrowed to its scope by the manager.
pub static LIST_LIMITS: Policy = policy!("identity:list_limits", "", [&[Anyone]]);
pub static CREATE_LIMITS: Policy =
    policy!("identity:create_limits", "rule:admin_required", [ADMIN]);
pub static UPDATE_LIMIT: Policy = policy!("identity:update_limit", "rule:admin_required", [ADMIN]);
pub static DELETE_LIMIT: Policy = policy!("identity:delete_limit", "rule:admin_required", [ADMIN]);

// The endpoint filter (keystone/common/policies/endpoint_group.py and project_endpoint.py):
// admins and system readers read, admins write.
macro_rules! admin_or_system_reader {
    ($name:literal) => {
        policy!(
            $name,
            "rule:admin_required or (role:reader and system_scope:all)",
            [ADMIN, SYSTEM_READER]
        )
    };
}
pub static LIST_ENDPOINT_GROUPS: Policy = admin_or_system_reader!("identity:list_endpoint_groups");
pub static GET_ENDPOINT_GROUP: Policy = admin_or_system_reader!("identity:get_endpoint_group");
pub static LIST_PROJECTS_FOR_ENDPOINT_GROUP: Policy =
    admin_or_system_reader!("identity:list_projects_associated_with_endpoint_group");
pub static LIST_ENDPOINTS_FOR_ENDPOINT_GROUP: Policy =
    admin_or_system_reader!("identity:list_endpoints_associated_with_endpoint_group");
pub static GET_ENDPOINT_GROUP_IN_PROJECT: Policy =
    admin_or_system_reader!("identity:get_endpoint_group_in_project");
pub static LIST_ENDPOINT_GROUPS_FOR_PROJECT: Policy =
    admin_or_system_reader!("identity:list_endpoint_groups_for_project");
pub static CREATE_ENDPOINT_GROUP: Policy = policy!(
    "identity:create_endpoint_group",
    "rule:admin_required",
    [ADMIN]
);
pub static UPDATE_ENDPOINT_GROUP: Policy = policy!(
    "identity:update_endpoint_group",
    "rule:admin_required",
    [ADMIN]
);
pub static DELETE_ENDPOINT_GROUP: Policy = policy!(
    "identity:delete_endpoint_group",
    "rule:admin_required",
    [ADMIN]
);
pub static ADD_ENDPOINT_GROUP_TO_PROJECT: Policy = policy!(
    "identity:add_endpoint_group_to_project",
    "rule:admin_required",
    [ADMIN]
);
pub static REMOVE_ENDPOINT_GROUP_FROM_PROJECT: Policy = policy!(
    "identity:remove_endpoint_group_from_project",
    "rule:admin_required",
    [ADMIN]
);
pub static LIST_PROJECTS_FOR_ENDPOINT: Policy =
    admin_or_system_reader!("identity:list_projects_for_endpoint");
pub static CHECK_ENDPOINT_IN_PROJECT: Policy =
    admin_or_system_reader!("identity:check_endpoint_in_project");
pub static LIST_ENDPOINTS_FOR_PROJECT: Policy =
    admin_or_system_reader!("identity:list_endpoints_for_project");
pub static ADD_ENDPOINT_TO_PROJECT: Policy = policy!(
    "identity:add_endpoint_to_project",
    "rule:admin_required",
    [ADMIN]
);
pub static REMOVE_ENDPOINT_FROM_PROJECT: Policy = policy!(
    "identity:remove_endpoint_from_project",
    "rule:admin_required",
    [ADMIN]
);

/// The audit trail names who did what to whom: admins only, like Keystone's own
/// admin-only APIs.
pub static LIST_AUDIT_EVENTS: Policy =
    policy!("identity:list_audit_events", "rule:admin_required", [ADMIN]);

/// Federation (OS-FEDERATION): identity providers, mappings and protocols are the
/// deployment's, like the catalog: system readers read them, admins change them.
macro_rules! federation_policies {
    ($($read:ident $write_c:ident $write_u:ident $write_d:ident $list:ident
       = $kind:literal;)*) => {$(
        pub static $read: Policy = Policy {
            name: concat!("identity:get_", $kind),
            check_str: "rule:admin_required or (role:reader and system_scope:all)",
            any_of: &[ADMIN, SYSTEM_READER],
        };
        pub static $list: Policy = Policy {
            name: concat!("identity:list_", $kind, "s"),
            check_str: "rule:admin_required or (role:reader and system_scope:all)",
            any_of: &[ADMIN, SYSTEM_READER],
        };
        pub static $write_c: Policy = Policy {
            name: concat!("identity:create_", $kind),
            check_str: "rule:admin_required",
            any_of: &[ADMIN],
        };
        pub static $write_u: Policy = Policy {
            name: concat!("identity:update_", $kind),
            check_str: "rule:admin_required",
            any_of: &[ADMIN],
        };
        pub static $write_d: Policy = Policy {
            name: concat!("identity:delete_", $kind),
            check_str: "rule:admin_required",
            any_of: &[ADMIN],
        };
    )*};
}

federation_policies! {
    GET_IDENTITY_PROVIDER CREATE_IDENTITY_PROVIDER UPDATE_IDENTITY_PROVIDER
        DELETE_IDENTITY_PROVIDER LIST_IDENTITY_PROVIDERS = "identity_provider";
    GET_MAPPING CREATE_MAPPING UPDATE_MAPPING DELETE_MAPPING LIST_MAPPINGS = "mapping";
    GET_PROTOCOL CREATE_PROTOCOL UPDATE_PROTOCOL DELETE_PROTOCOL LIST_PROTOCOLS = "protocol";
}

/// The federation rules that read, and those that change.
pub static FEDERATION_READS: &[&Policy] = &[
    &GET_IDENTITY_PROVIDER,
    &LIST_IDENTITY_PROVIDERS,
    &GET_MAPPING,
    &LIST_MAPPINGS,
    &GET_PROTOCOL,
    &LIST_PROTOCOLS,
];
pub static FEDERATION_WRITES: &[&Policy] = &[
    &CREATE_IDENTITY_PROVIDER,
    &UPDATE_IDENTITY_PROVIDER,
    &DELETE_IDENTITY_PROVIDER,
    &CREATE_MAPPING,
    &UPDATE_MAPPING,
    &DELETE_MAPPING,
    &CREATE_PROTOCOL,
    &UPDATE_PROTOCOL,
    &DELETE_PROTOCOL,
];

// Application credentials and access rules (keystone/common/policies/application_credential.py
// and access_rule.py). The target's user is the credential's owner (for a credential named
// by id, its stored owner, never the path's), or the path's user for a list or a create.
pub static GET_APPLICATION_CREDENTIAL: Policy = policy!(
    "identity:get_application_credential",
    "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]
);
pub static LIST_APPLICATION_CREDENTIALS: Policy = policy!(
    "identity:list_application_credentials",
    "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
    [ADMIN, SYSTEM_READER, &[UserIs(UserId)]]
);
pub static CREATE_APPLICATION_CREDENTIAL: Policy = policy!(
    "identity:create_application_credential",
    "user_id:%(user_id)s",
    [&[UserIs(UserId)]]
);
pub static DELETE_APPLICATION_CREDENTIAL: Policy = policy!(
    "identity:delete_application_credential",
    "rule:admin_or_owner",
    [ADMIN, &[UserIs(UserId)]]
);
pub static GET_ACCESS_RULE: Policy = policy!(
    "identity:get_access_rule",
    "(role:reader and system_scope:all) or user_id:%(target.user.id)s",
    [SYSTEM_READER, &[UserIs(UserId)]]
);
pub static LIST_ACCESS_RULES: Policy = policy!(
    "identity:list_access_rules",
    "(role:reader and system_scope:all) or user_id:%(target.user.id)s",
    [SYSTEM_READER, &[UserIs(UserId)]]
);
pub static DELETE_ACCESS_RULE: Policy = policy!(
    "identity:delete_access_rule",
    "(role:admin and system_scope:all) or user_id:%(target.user.id)s",
    [&[Role("admin"), SystemScope], &[UserIs(UserId)]]
);

// ---- /v3/policies, domain configuration, OS-OAUTH1 (none of them takes a target) ----

pub static GET_POLICY: Policy = policy!("identity:get_policy", "rule:admin_required", [ADMIN]);
pub static LIST_POLICIES: Policy =
    policy!("identity:list_policies", "rule:admin_required", [ADMIN]);
pub static CREATE_POLICY: Policy =
    policy!("identity:create_policy", "rule:admin_required", [ADMIN]);
pub static UPDATE_POLICY: Policy =
    policy!("identity:update_policy", "rule:admin_required", [ADMIN]);
pub static DELETE_POLICY: Policy =
    policy!("identity:delete_policy", "rule:admin_required", [ADMIN]);

// Keystone's system-scoped defaults OR'd with their deprecated `rule:admin_required`, as a
// deployment that has not turned on `enforce_new_defaults` evaluates them.
pub static GET_DOMAIN_CONFIG: Policy = policy!(
    "identity:get_domain_config",
    "(role:reader and system_scope:all) or rule:admin_required",
    [ADMIN, SYSTEM_READER]
);
pub static GET_DOMAIN_CONFIG_DEFAULT: Policy = policy!(
    "identity:get_domain_config_default",
    "(role:reader and system_scope:all) or rule:admin_required",
    [ADMIN, SYSTEM_READER]
);
pub static GET_SECURITY_COMPLIANCE_CONFIG: Policy = policy!(
    "identity:get_security_compliance_domain_config",
    "",
    [&[Anyone]]
);
pub static CREATE_DOMAIN_CONFIG: Policy = policy!(
    "identity:create_domain_config",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);
pub static UPDATE_DOMAIN_CONFIG: Policy = policy!(
    "identity:update_domain_config",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);
pub static DELETE_DOMAIN_CONFIG: Policy = policy!(
    "identity:delete_domain_config",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);

pub static GET_CONSUMER: Policy = policy!(
    "identity:get_consumer",
    "(role:reader and system_scope:all) or rule:admin_required",
    [ADMIN, SYSTEM_READER]
);
pub static LIST_CONSUMERS: Policy = policy!(
    "identity:list_consumers",
    "(role:reader and system_scope:all) or rule:admin_required",
    [ADMIN, SYSTEM_READER]
);
pub static CREATE_CONSUMER: Policy = policy!(
    "identity:create_consumer",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);
pub static UPDATE_CONSUMER: Policy = policy!(
    "identity:update_consumer",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);
pub static DELETE_CONSUMER: Policy = policy!(
    "identity:delete_consumer",
    "(role:admin and system_scope:all) or rule:admin_required",
    [ADMIN]
);

// OS-OAUTH1 access tokens (Keystone's policies/access_token.py): admin only.
pub static AUTHORIZE_REQUEST_TOKEN: Policy = policy!(
    "identity:authorize_request_token",
    "rule:admin_required",
    [ADMIN]
);
pub static GET_ACCESS_TOKEN: Policy =
    policy!("identity:get_access_token", "rule:admin_required", [ADMIN]);
pub static GET_ACCESS_TOKEN_ROLE: Policy = policy!(
    "identity:get_access_token_role",
    "rule:admin_required",
    [ADMIN]
);
pub static LIST_ACCESS_TOKENS: Policy = policy!(
    "identity:list_access_tokens",
    "rule:admin_required",
    [ADMIN]
);
pub static LIST_ACCESS_TOKEN_ROLES: Policy = policy!(
    "identity:list_access_token_roles",
    "rule:admin_required",
    [ADMIN]
);
pub static DELETE_ACCESS_TOKEN: Policy = policy!(
    "identity:delete_access_token",
    "rule:admin_required",
    [ADMIN]
);

/// The rules of the policy blobs, domain configuration and OS-OAUTH1, beside [`ALL`]; their
/// own table test checks each against every persona.
pub static OTHER_RESOURCES: &[&Policy] = &[
    &GET_POLICY,
    &LIST_POLICIES,
    &CREATE_POLICY,
    &UPDATE_POLICY,
    &DELETE_POLICY,
    &GET_DOMAIN_CONFIG,
    &GET_DOMAIN_CONFIG_DEFAULT,
    &GET_SECURITY_COMPLIANCE_CONFIG,
    &CREATE_DOMAIN_CONFIG,
    &UPDATE_DOMAIN_CONFIG,
    &DELETE_DOMAIN_CONFIG,
    &GET_CONSUMER,
    &LIST_CONSUMERS,
    &CREATE_CONSUMER,
    &UPDATE_CONSUMER,
    &DELETE_CONSUMER,
    &AUTHORIZE_REQUEST_TOKEN,
    &GET_ACCESS_TOKEN,
    &GET_ACCESS_TOKEN_ROLE,
    &LIST_ACCESS_TOKENS,
    &LIST_ACCESS_TOKEN_ROLES,
    &DELETE_ACCESS_TOKEN,
];

/// Every default rule, for documentation and for the table test.
pub static ALL: &[&Policy] = &[
    &GET_GROUP,
    &LIST_GROUPS,
    &LIST_GROUPS_FOR_USER,
    &CREATE_GROUP,
    &UPDATE_GROUP,
    &DELETE_GROUP,
    &LIST_USERS_IN_GROUP,
    &ADD_USER_TO_GROUP,
    &REMOVE_USER_FROM_GROUP,
    &CHECK_USER_IN_GROUP,
    &GET_USER,
    &LIST_USERS,
    &CREATE_USER,
    &UPDATE_USER,
    &DELETE_USER,
    &CHANGE_PASSWORD,
    &LIST_PROJECTS_FOR_USER,
    &GET_DOMAIN,
    &LIST_DOMAINS,
    &CREATE_DOMAIN,
    &UPDATE_DOMAIN,
    &DELETE_DOMAIN,
    &GET_PROJECT,
    &LIST_PROJECTS,
    &CREATE_PROJECT,
    &UPDATE_PROJECT,
    &DELETE_PROJECT,
    &LIST_PROJECT_TAGS,
    &GET_PROJECT_TAG,
    &UPDATE_PROJECT_TAGS,
    &CREATE_PROJECT_TAG,
    &DELETE_PROJECT_TAG,
    &DELETE_PROJECT_TAGS,
    &GET_ROLE,
    &LIST_ROLES,
    &CREATE_ROLE,
    &UPDATE_ROLE,
    &DELETE_ROLE,
    &READ_IMPLIED_ROLES,
    &WRITE_IMPLIED_ROLES,
    &CHECK_GRANT,
    &LIST_GRANTS,
    &CREATE_GRANT,
    &REVOKE_GRANT,
    &READ_SYSTEM_GRANTS,
    &WRITE_SYSTEM_GRANTS,
    &LIST_ROLE_ASSIGNMENTS,
    &READ_CREDENTIAL,
    &WRITE_CREDENTIAL,
    &LIST_CREDENTIALS,
    &UPDATE_CREDENTIAL,
    &DELETE_CREDENTIAL,
    &EC2_GET_CREDENTIAL,
    &EC2_LIST_CREDENTIALS,
    &EC2_CREATE_CREDENTIAL,
    &EC2_DELETE_CREDENTIAL,
    &READ_CATALOG,
    &WRITE_CATALOG,
    &VALIDATE_TOKEN,
    &REVOKE_TOKEN,
    &AUTH_SELF_SERVICE,
    &LIST_AUDIT_EVENTS,
    &GET_IDENTITY_PROVIDER,
    &LIST_IDENTITY_PROVIDERS,
    &CREATE_IDENTITY_PROVIDER,
    &UPDATE_IDENTITY_PROVIDER,
    &DELETE_IDENTITY_PROVIDER,
    &GET_MAPPING,
    &LIST_MAPPINGS,
    &CREATE_MAPPING,
    &UPDATE_MAPPING,
    &DELETE_MAPPING,
    &GET_PROTOCOL,
    &LIST_PROTOCOLS,
    &CREATE_PROTOCOL,
    &UPDATE_PROTOCOL,
    &DELETE_PROTOCOL,
    &GET_APPLICATION_CREDENTIAL,
    &LIST_APPLICATION_CREDENTIALS,
    &CREATE_APPLICATION_CREDENTIAL,
    &DELETE_APPLICATION_CREDENTIAL,
    &GET_ACCESS_RULE,
    &LIST_ACCESS_RULES,
    &DELETE_ACCESS_RULE,
    &trust::CREATE_TRUST,
    &trust::LIST_TRUSTS,
    &trust::LIST_TRUSTS_FOR_TRUSTOR,
    &trust::LIST_TRUSTS_FOR_TRUSTEE,
    &trust::GET_TRUST,
    &trust::DELETE_TRUST,
    &trust::LIST_ROLES_FOR_TRUST,
    &trust::GET_ROLE_FOR_TRUST,
    // Unified limits and the endpoint filter.
    &GET_LIMIT_MODEL,
    &GET_REGISTERED_LIMIT,
    &LIST_REGISTERED_LIMITS,
    &CREATE_REGISTERED_LIMITS,
    &UPDATE_REGISTERED_LIMIT,
    &DELETE_REGISTERED_LIMIT,
    &GET_LIMIT,
    &LIST_LIMITS,
    &CREATE_LIMITS,
    &UPDATE_LIMIT,
    &DELETE_LIMIT,
    &LIST_ENDPOINT_GROUPS,
    &GET_ENDPOINT_GROUP,
    &LIST_PROJECTS_FOR_ENDPOINT_GROUP,
    &LIST_ENDPOINTS_FOR_ENDPOINT_GROUP,
    &GET_ENDPOINT_GROUP_IN_PROJECT,
    &LIST_ENDPOINT_GROUPS_FOR_PROJECT,
    &CREATE_ENDPOINT_GROUP,
    &UPDATE_ENDPOINT_GROUP,
    &DELETE_ENDPOINT_GROUP,
    &ADD_ENDPOINT_GROUP_TO_PROJECT,
    &REMOVE_ENDPOINT_GROUP_FROM_PROJECT,
    &LIST_PROJECTS_FOR_ENDPOINT,
    &CHECK_ENDPOINT_IN_PROJECT,
    &LIST_ENDPOINTS_FOR_PROJECT,
    &ADD_ENDPOINT_TO_PROJECT,
    &REMOVE_ENDPOINT_FROM_PROJECT,
];

/// OS-TRUST's rules (Keystone's `policies/trust.py`).
pub mod trust;

/// What the rule's `%(target.*)s` values are for one request. Unset values match nothing.
#[derive(Debug, Clone, Default)]
pub struct Target<'a> {
    pub user_id: Option<&'a str>,
    pub user_domain_id: Option<&'a str>,
    pub group_domain_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub project_domain_id: Option<&'a str>,
    pub domain_id: Option<&'a str>,
    pub list_domain_id: Option<&'a str>,
    pub actor_domain_id: Option<&'a str>,
    pub scope_domain_id: Option<&'a str>,
    pub token_user_id: Option<&'a str>,
    /// A trust's trustor and trustee (OS-TRUST).
    pub trustor_user_id: Option<&'a str>,
    pub trustee_user_id: Option<&'a str>,
    /// The role being granted: its name and its domain (`None` for a global role).
    pub role: Option<(&'a str, Option<&'a str>)>,
}

impl<'a> Target<'a> {
    fn get(&self, attr: Attr) -> Option<&'a str> {
        match attr {
            UserId => self.user_id,
            UserDomain => self.user_domain_id,
            GroupDomain => self.group_domain_id,
            ProjectId => self.project_id,
            ProjectDomain => self.project_domain_id,
            DomainId => self.domain_id,
            ListDomain => self.list_domain_id,
            ActorDomain => self.actor_domain_id,
            ScopeDomain => self.scope_domain_id,
            TokenUser => self.token_user_id,
            TrustTrustor => self.trustor_user_id,
            TrustTrustee => self.trustee_user_id,
        }
    }
}

fn holds(caller: &AuthContext, cond: Cond, target: &Target<'_>) -> bool {
    let same = |mine: Option<&str>, attr: Attr| match (mine, target.get(attr)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    match cond {
        Role(name) => caller.has_role(name),
        SystemScope => caller.is_system_scoped(),
        DomainScopeIs(attr) => same(caller.token_domain_id(), attr),
        ProjectDomainIs(attr) => {
            caller.token_project_id().is_some() && same(caller.scope_domain_id(), attr)
        }
        ProjectScopeIs(attr) => same(caller.token_project_id(), attr),
        UserIs(attr) => same(Some(caller.user_id()), attr),
        DomainManagedRole => target
            .role
            .is_some_and(|(name, _)| DOMAIN_MANAGED_ROLES.contains(&name)),
        RoleGlobalOrInScopeDomain => match target.role {
            Some((_, None)) => true,
            Some((_, Some(domain))) => caller.token_domain_id() == Some(domain),
            None => false,
        },
        DomainScoped => caller.token_domain_id().is_some(),
        Anyone => true,
    }
}

/// True if the caller passes the rule for this target.
pub fn allows(caller: &AuthContext, policy: &Policy, target: &Target<'_>) -> bool {
    policy
        .any_of
        .iter()
        .any(|all| all.iter().all(|cond| holds(caller, *cond, target)))
}

/// Allows the action or returns Keystone's 403.
pub fn enforce(caller: &AuthContext, policy: &Policy, target: &Target<'_>) -> Result<(), ApiError> {
    if allows(caller, policy, target) {
        Ok(())
    } else {
        Err(ApiError::forbidden_action(policy.name))
    }
}

/// What a ceiling refusal is about: the user acted on, or the group a user would join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    User,
    Group,
}

/// The manager's ceiling, beyond Keystone: a caller without `admin` may act on a user or
/// group only if everything it holds (`Holdings`: direct, group and inherited grants, with
/// inference) is a role the caller could grant itself (`rule:domain_managed_target_role`
/// for a manager, nothing for anyone else) and none of it is on the system. Keystone's
/// rules stop a manager from *granting* `admin` but not from taking over a user who holds
/// it, or from joining a group that holds it. Admins are not limited.
pub fn within_ceiling(caller: &AuthContext, holds: &Holdings) -> bool {
    if caller.is_admin() {
        return true;
    }
    if holds.system {
        return false;
    }
    let grantable: &[&str] = if caller.has_role("manager") {
        DOMAIN_MANAGED_ROLES
    } else {
        &[]
    };
    holds
        .role_names
        .iter()
        .all(|name| grantable.contains(&name.as_str()))
}

/// Allows the action under `policy` or returns the 403 that says why. The message names
/// neither the roles nor where they are held, only that there are some beyond the
/// caller's reach.
pub fn enforce_ceiling(
    caller: &AuthContext,
    policy: &Policy,
    held: Held,
    holds: &Holdings,
) -> Result<(), ApiError> {
    if within_ceiling(caller, holds) {
        return Ok(());
    }
    let who = match held {
        Held::User => "user",
        Held::Group => "group",
    };
    Err(ApiError::Forbidden(format!(
        "You are not authorized to perform the requested action: {}. The {who} holds roles \
         beyond those you may grant.",
        policy.name
    )))
}

#[cfg(test)]
mod tests;
