//! The default policy, rule by rule, for every kind of caller: a table of personas each.
//! Over 500 lines: one table per rule of the policy, which reads best side by side.

use super::*;
use crate::auth::context::Scope;
use crate::auth::token::Claims;
use crate::db::models::{DomainRow, ProjectRow, RoleRow, UserRow};

fn domain(id: &str) -> DomainRow {
    DomainRow {
        id: id.into(),
        name: id.into(),
        description: String::new(),
        enabled: true,
        extra: "{}".into(),
        created_at: 0,
    }
}

/// A caller with effective `roles` in `scope`.
pub(super) fn caller(
    user_id: &str,
    user_domain: &str,
    roles: &[&str],
    scope: Scope,
) -> AuthContext {
    AuthContext {
        user: UserRow {
            id: user_id.into(),
            name: user_id.into(),
            domain_id: user_domain.into(),
            enabled: true,
            description: String::new(),
            password_hash: None,
            password_expires_at: None,
            default_project_id: None,
            extra: "{}".into(),
            created_at: 0,
            failed_auth_count: 0,
            failed_auth_at: None,
        },
        user_domain: domain(user_domain),
        scope,
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
        trust: None,
        claims: Claims {
            sub: user_id.into(),
            iat: 0,
            exp: 0,
            openstack_methods: vec![],
            openstack_audit_ids: vec![],
            openstack_project_id: None,
            openstack_domain_id: None,
            openstack_system: None,
            openstack_issued_at_us: 0,
            openstack_expires_at_us: 0,
            ..Claims::default()
        },
        application_credential: None,
    }
}

pub(super) fn project_scope(id: &str, domain_id: &str) -> Scope {
    Scope::Project {
        project: ProjectRow {
            id: id.into(),
            name: id.into(),
            domain_id: domain_id.into(),
            description: String::new(),
            enabled: true,
            parent_id: None,
            extra: "{}".into(),
            created_at: 0,
        },
        domain: domain(domain_id),
    }
}

const ADMIN_ROLES: &[&str] = &["admin", "manager", "member", "reader"];
const MANAGER_ROLES: &[&str] = &["manager", "member", "reader"];

/// The personas of Keystone's protection tests, with their effective roles.
pub(super) fn personas() -> Vec<(&'static str, AuthContext)> {
    vec![
        (
            "cloud admin",
            caller(
                "admin",
                "default",
                ADMIN_ROLES,
                project_scope("p-admin", "default"),
            ),
        ),
        (
            "system admin",
            caller("sysadm", "default", ADMIN_ROLES, Scope::System),
        ),
        (
            "system reader",
            caller("sysread", "default", &["reader"], Scope::System),
        ),
        (
            "manager of A",
            caller("mgr", "A", MANAGER_ROLES, Scope::Domain(domain("A"))),
        ),
        (
            "reader of A",
            caller("rdr", "A", &["reader"], Scope::Domain(domain("A"))),
        ),
        (
            "manager of B",
            caller("mgrb", "B", MANAGER_ROLES, Scope::Domain(domain("B"))),
        ),
        (
            "member of project pa in A",
            caller(
                "alice",
                "A",
                &["member", "reader"],
                project_scope("pa", "A"),
            ),
        ),
        ("unscoped alice", caller("alice", "A", &[], Scope::Unscoped)),
    ]
}

/// One row of the table: an action on a target and who may do it.
struct Row {
    policy: &'static Policy,
    target: Target<'static>,
    allowed: &'static [&'static str],
}

fn in_a() -> Target<'static> {
    Target {
        user_id: Some("bob"),
        user_domain_id: Some("A"),
        group_domain_id: Some("A"),
        project_id: Some("pa"),
        project_domain_id: Some("A"),
        domain_id: Some("A"),
        list_domain_id: Some("A"),
        actor_domain_id: Some("A"),
        scope_domain_id: Some("A"),
        token_user_id: Some("bob"),
        role: Some(("member", None)),
        ..Target::default()
    }
}

#[test]
fn every_rule_against_every_persona() {
    const ADMINS: &[&str] = &["cloud admin", "system admin"];
    const READERS: &[&str] = &[
        "cloud admin",
        "system admin",
        "system reader",
        "manager of A",
        "reader of A",
    ];
    const MANAGERS: &[&str] = &["cloud admin", "system admin", "manager of A"];
    let alice_self = Target {
        user_id: Some("alice"),
        user_domain_id: Some("A"),
        token_user_id: Some("alice"),
        ..Target::default()
    };
    let admin_role = Target {
        role: Some(("admin", None)),
        ..in_a()
    };
    let mut rows: Vec<Row> = vec![
        Row {
            policy: &GET_GROUP,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &LIST_GROUPS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &CREATE_GROUP,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &UPDATE_GROUP,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &DELETE_GROUP,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &LIST_USERS_IN_GROUP,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &ADD_USER_TO_GROUP,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &REMOVE_USER_FROM_GROUP,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &CHECK_USER_IN_GROUP,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &LIST_GROUPS_FOR_USER,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &LIST_GROUPS_FOR_USER,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &GET_USER,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &GET_USER,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &LIST_USERS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &CREATE_USER,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &UPDATE_USER,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &DELETE_USER,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &CHANGE_PASSWORD,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &LIST_PROJECTS_FOR_USER,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &GET_DOMAIN,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
            ],
        },
        Row {
            policy: &LIST_DOMAINS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &CREATE_DOMAIN,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &UPDATE_DOMAIN,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &DELETE_DOMAIN,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &GET_PROJECT,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
            ],
        },
        Row {
            policy: &LIST_PROJECTS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &CREATE_PROJECT,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &UPDATE_PROJECT,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &DELETE_PROJECT,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &LIST_PROJECT_TAGS,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
            ],
        },
        Row {
            policy: &GET_PROJECT_TAG,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "member of project pa in A",
            ],
        },
        Row {
            policy: &UPDATE_PROJECT_TAGS,
            target: in_a(),
            allowed: MANAGERS,
        },
        // A project acting as a domain: its domain_id is null, so only the admin rules match.
        Row {
            policy: &GET_PROJECT_TAG,
            target: Target {
                project_id: Some("A"),
                ..Target::default()
            },
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        Row {
            policy: &UPDATE_PROJECT_TAGS,
            target: Target {
                project_id: Some("A"),
                ..Target::default()
            },
            allowed: ADMINS,
        },
        Row {
            policy: &CREATE_PROJECT_TAG,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &DELETE_PROJECT_TAG,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &DELETE_PROJECT_TAGS,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &GET_ROLE,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "manager of B",
            ],
        },
        Row {
            policy: &GET_ROLE,
            target: admin_role.clone(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        Row {
            policy: &LIST_ROLES,
            target: in_a(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "manager of B",
            ],
        },
        Row {
            policy: &CREATE_ROLE,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &LIST_AUDIT_EVENTS,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &UPDATE_ROLE,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &DELETE_ROLE,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &READ_IMPLIED_ROLES,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        Row {
            policy: &WRITE_IMPLIED_ROLES,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &CHECK_GRANT,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &LIST_GRANTS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &CREATE_GRANT,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &CREATE_GRANT,
            target: admin_role.clone(),
            allowed: ADMINS,
        },
        Row {
            policy: &REVOKE_GRANT,
            target: in_a(),
            allowed: MANAGERS,
        },
        Row {
            policy: &READ_SYSTEM_GRANTS,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        Row {
            policy: &WRITE_SYSTEM_GRANTS,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &LIST_ROLE_ASSIGNMENTS,
            target: in_a(),
            allowed: READERS,
        },
        Row {
            policy: &READ_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &WRITE_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &READ_CATALOG,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        Row {
            policy: &WRITE_CATALOG,
            target: in_a(),
            allowed: ADMINS,
        },
        Row {
            policy: &VALIDATE_TOKEN,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &REVOKE_TOKEN,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &AUTH_SELF_SERVICE,
            target: Target::default(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "manager of B",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        // LIST_CREDENTIALS: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &LIST_CREDENTIALS,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &LIST_CREDENTIALS,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        // UPDATE_CREDENTIAL: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &UPDATE_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &UPDATE_CREDENTIAL,
            target: in_a(),
            allowed: &["cloud admin", "system admin"],
        },
        // DELETE_CREDENTIAL: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &DELETE_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &DELETE_CREDENTIAL,
            target: in_a(),
            allowed: &["cloud admin", "system admin"],
        },
        // EC2_GET_CREDENTIAL: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &EC2_GET_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &EC2_GET_CREDENTIAL,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        // EC2_LIST_CREDENTIALS: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &EC2_LIST_CREDENTIALS,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &EC2_LIST_CREDENTIALS,
            target: in_a(),
            allowed: &["cloud admin", "system admin", "system reader"],
        },
        // EC2_CREATE_CREDENTIAL: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &EC2_CREATE_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &EC2_CREATE_CREDENTIAL,
            target: in_a(),
            allowed: &["cloud admin", "system admin"],
        },
        // EC2_DELETE_CREDENTIAL: its owner (alice), then someone else's (bob's, in A).
        Row {
            policy: &EC2_DELETE_CREDENTIAL,
            target: alice_self.clone(),
            allowed: &[
                "cloud admin",
                "system admin",
                "member of project pa in A",
                "unscoped alice",
            ],
        },
        Row {
            policy: &EC2_DELETE_CREDENTIAL,
            target: in_a(),
            allowed: &["cloud admin", "system admin"],
        },
    ];
    for policy in FEDERATION_READS {
        rows.push(Row {
            policy,
            target: Target::default(),
            allowed: &["cloud admin", "system admin", "system reader"],
        });
    }
    for policy in FEDERATION_WRITES {
        rows.push(Row {
            policy,
            target: Target::default(),
            allowed: ADMINS,
        });
    }
    rows.extend(application_credential_rows());
    // OS-TRUST: alice's trust to bob (more personas in trust_tests.rs).
    const SYS: &[&str] = &["cloud admin", "system admin", "system reader"];
    const SYS_OR_ALICE: &[&str] = &[
        "cloud admin",
        "system admin",
        "system reader",
        "member of project pa in A",
        "unscoped alice",
    ];
    const ALICE: &[&str] = &["member of project pa in A", "unscoped alice"];
    const ADMINS_OR_ALICE: &[&str] = &[
        "cloud admin",
        "system admin",
        "member of project pa in A",
        "unscoped alice",
    ];
    for (policy, allowed) in [
        (&trust::CREATE_TRUST, ALICE),
        (&trust::LIST_TRUSTS, SYS),
        (&trust::LIST_TRUSTS_FOR_TRUSTOR, SYS_OR_ALICE),
        (&trust::LIST_TRUSTS_FOR_TRUSTEE, SYS),
        (&trust::GET_TRUST, SYS_OR_ALICE),
        (&trust::LIST_ROLES_FOR_TRUST, SYS_OR_ALICE),
        (&trust::GET_ROLE_FOR_TRUST, SYS_OR_ALICE),
        (&trust::DELETE_TRUST, ADMINS_OR_ALICE),
    ] {
        rows.push(Row {
            policy,
            target: trust::trust_target("alice", "bob"),
            allowed,
        });
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .chain(limit_and_endpoint_filter_rows())
        .collect();
    let mut checked = 0;
    for row in &rows {
        for (name, persona) in personas() {
            let expected = row.allowed.contains(&name);
            assert_eq!(
                allows(&persona, row.policy, &row.target),
                expected,
                "{} for {name}",
                row.policy.name
            );
            checked += 1;
        }
    }
    for policy in ALL {
        assert!(
            rows.iter().any(|r| std::ptr::eq(r.policy, *policy)),
            "{} has no row in the table",
            policy.name
        );
    }
    assert_eq!(checked, rows.len() * 8);
}

#[test]
fn the_ceiling_against_every_persona() {
    let holds = |names: &[&str], system: bool| Holdings {
        role_names: names.iter().map(|n| n.to_string()).collect(),
        system,
    };
    let nothing = holds(&[], false);
    let member = holds(&["member", "reader"], false);
    let manager = holds(&["manager", "member", "reader"], false);
    let admin = holds(&["admin", "manager", "member", "reader"], false);
    let custom = holds(&["custom"], false);
    let system_reader = holds(&["reader"], true);
    let cases: Vec<(&Holdings, &[&str])> = vec![
        (
            &nothing,
            &[
                "cloud admin",
                "system admin",
                "system reader",
                "manager of A",
                "reader of A",
                "manager of B",
                "member of project pa in A",
                "unscoped alice",
            ],
        ),
        (
            &member,
            &[
                "cloud admin",
                "system admin",
                "manager of A",
                "manager of B",
            ],
        ),
        (
            &manager,
            &[
                "cloud admin",
                "system admin",
                "manager of A",
                "manager of B",
            ],
        ),
        (&admin, &["cloud admin", "system admin"]),
        (&custom, &["cloud admin", "system admin"]),
        (&system_reader, &["cloud admin", "system admin"]),
    ];
    for (held, allowed) in cases {
        for (name, persona) in personas() {
            assert_eq!(
                within_ceiling(&persona, held),
                allowed.contains(&name),
                "{held:?} for {name}"
            );
        }
    }
    let mgr = caller("mgr", "A", MANAGER_ROLES, Scope::Domain(domain("A")));
    let err = enforce_ceiling(&mgr, &UPDATE_USER, Held::User, &admin).unwrap_err();
    assert_eq!(
        err.to_string(),
        "403 Forbidden: You are not authorized to perform the requested action: \
         identity:update_user. The user holds roles beyond those you may grant."
    );
}

#[test]
fn refusals_name_the_policy() {
    let member = caller("alice", "A", &["member"], Scope::Unscoped);
    let err = enforce(&member, &CREATE_GROUP, &in_a()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "403 Forbidden: You are not authorized to perform the requested action: identity:create_group."
    );
}

/// The application credential and access rule rules, on a credential (or rule) of alice's.
fn application_credential_rows() -> Vec<Row> {
    let alice = || Target {
        user_id: Some("alice"),
        user_domain_id: Some("A"),
        ..Target::default()
    };
    const ALICE: [&str; 2] = ["member of project pa in A", "unscoped alice"];
    vec![
        Row {
            policy: &GET_APPLICATION_CREDENTIAL,
            target: alice(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                ALICE[0],
                ALICE[1],
            ],
        },
        Row {
            policy: &LIST_APPLICATION_CREDENTIALS,
            target: alice(),
            allowed: &[
                "cloud admin",
                "system admin",
                "system reader",
                ALICE[0],
                ALICE[1],
            ],
        },
        Row {
            policy: &CREATE_APPLICATION_CREDENTIAL,
            target: alice(),
            allowed: &ALICE,
        },
        Row {
            policy: &DELETE_APPLICATION_CREDENTIAL,
            target: alice(),
            allowed: &["cloud admin", "system admin", ALICE[0], ALICE[1]],
        },
        Row {
            policy: &GET_ACCESS_RULE,
            target: alice(),
            allowed: &["system admin", "system reader", ALICE[0], ALICE[1]],
        },
        Row {
            policy: &LIST_ACCESS_RULES,
            target: alice(),
            allowed: &["system admin", "system reader", ALICE[0], ALICE[1]],
        },
        Row {
            policy: &DELETE_ACCESS_RULE,
            target: alice(),
            allowed: &["system admin", ALICE[0], ALICE[1]],
        },
    ]
}

/// The rules of `/v3/policies`, domain configuration and OS-OAUTH1: none reads a target,
/// so a target in A changes nothing; readers are admins and the system reader, writers
/// admins only.
#[test]
fn other_resources_against_every_persona() {
    const ADMINS: &[&str] = &["cloud admin", "system admin"];
    const SYSTEM_READERS: &[&str] = &["cloud admin", "system admin", "system reader"];
    const EVERYONE: &[&str] = &[
        "cloud admin",
        "system admin",
        "system reader",
        "manager of A",
        "reader of A",
        "manager of B",
        "member of project pa in A",
        "unscoped alice",
    ];
    let rows: Vec<(&Policy, &[&str])> = vec![
        (&GET_POLICY, ADMINS),
        (&LIST_POLICIES, ADMINS),
        (&CREATE_POLICY, ADMINS),
        (&UPDATE_POLICY, ADMINS),
        (&DELETE_POLICY, ADMINS),
        (&GET_DOMAIN_CONFIG, SYSTEM_READERS),
        (&GET_DOMAIN_CONFIG_DEFAULT, SYSTEM_READERS),
        (&GET_SECURITY_COMPLIANCE_CONFIG, EVERYONE),
        (&CREATE_DOMAIN_CONFIG, ADMINS),
        (&UPDATE_DOMAIN_CONFIG, ADMINS),
        (&DELETE_DOMAIN_CONFIG, ADMINS),
        (&GET_CONSUMER, SYSTEM_READERS),
        (&LIST_CONSUMERS, SYSTEM_READERS),
        (&CREATE_CONSUMER, ADMINS),
        (&UPDATE_CONSUMER, ADMINS),
        (&DELETE_CONSUMER, ADMINS),
        (&AUTHORIZE_REQUEST_TOKEN, ADMINS),
        (&GET_ACCESS_TOKEN, ADMINS),
        (&GET_ACCESS_TOKEN_ROLE, ADMINS),
        (&LIST_ACCESS_TOKENS, ADMINS),
        (&LIST_ACCESS_TOKEN_ROLES, ADMINS),
        (&DELETE_ACCESS_TOKEN, ADMINS),
    ];
    for (policy, allowed) in &rows {
        for target in [Target::default(), in_a()] {
            for (name, persona) in personas() {
                assert_eq!(
                    allows(&persona, policy, &target),
                    allowed.contains(&name),
                    "{} for {name}",
                    policy.name
                );
            }
        }
    }
    for policy in OTHER_RESOURCES {
        assert!(
            rows.iter().any(|(p, _)| std::ptr::eq(*p, *policy)),
            "{} has no row in the table",
            policy.name
        );
    }
}

/// The rules of unified limits and the endpoint filter, for every persona.
fn limit_and_endpoint_filter_rows() -> Vec<Row> {
    const ADMINS: &[&str] = &["cloud admin", "system admin"];
    const SYSTEM_READERS: &[&str] = &["cloud admin", "system admin", "system reader"];
    const EVERYONE: &[&str] = &[
        "cloud admin",
        "system admin",
        "system reader",
        "manager of A",
        "reader of A",
        "manager of B",
        "member of project pa in A",
        "unscoped alice",
    ];
    let mut rows = Vec::new();
    for policy in [
        &GET_LIMIT_MODEL,
        &GET_REGISTERED_LIMIT,
        &LIST_REGISTERED_LIMITS,
        &LIST_LIMITS,
    ] {
        rows.push(Row {
            policy,
            target: Target::default(),
            allowed: EVERYONE,
        });
    }
    for policy in [
        &CREATE_REGISTERED_LIMITS,
        &UPDATE_REGISTERED_LIMIT,
        &DELETE_REGISTERED_LIMIT,
        &CREATE_LIMITS,
        &UPDATE_LIMIT,
        &DELETE_LIMIT,
        &CREATE_ENDPOINT_GROUP,
        &UPDATE_ENDPOINT_GROUP,
        &DELETE_ENDPOINT_GROUP,
        &ADD_ENDPOINT_GROUP_TO_PROJECT,
        &REMOVE_ENDPOINT_GROUP_FROM_PROJECT,
        &ADD_ENDPOINT_TO_PROJECT,
        &REMOVE_ENDPOINT_FROM_PROJECT,
    ] {
        rows.push(Row {
            policy,
            target: Target::default(),
            allowed: ADMINS,
        });
    }
    for policy in [
        &LIST_ENDPOINT_GROUPS,
        &GET_ENDPOINT_GROUP,
        &LIST_PROJECTS_FOR_ENDPOINT_GROUP,
        &LIST_ENDPOINTS_FOR_ENDPOINT_GROUP,
        &GET_ENDPOINT_GROUP_IN_PROJECT,
        &LIST_ENDPOINT_GROUPS_FOR_PROJECT,
        &LIST_PROJECTS_FOR_ENDPOINT,
        &CHECK_ENDPOINT_IN_PROJECT,
        &LIST_ENDPOINTS_FOR_PROJECT,
    ] {
        rows.push(Row {
            policy,
            target: Target::default(),
            allowed: SYSTEM_READERS,
        });
    }
    // A limit of project pa in A: its domain's tokens and pa's own token read it, whatever
    // their roles; a manager of B does not.
    rows.push(Row {
        policy: &GET_LIMIT,
        target: Target {
            project_id: Some("pa"),
            project_domain_id: Some("A"),
            ..Target::default()
        },
        allowed: &[
            "cloud admin",
            "system admin",
            "system reader",
            "manager of A",
            "reader of A",
            "member of project pa in A",
        ],
    });
    // A limit of domain A: A's tokens, not a project token in A.
    rows.push(Row {
        policy: &GET_LIMIT,
        target: Target {
            domain_id: Some("A"),
            ..Target::default()
        },
        allowed: &[
            "cloud admin",
            "system admin",
            "system reader",
            "manager of A",
            "reader of A",
        ],
    });
    // A limit of another project: only admins and system readers.
    rows.push(Row {
        policy: &GET_LIMIT,
        target: Target {
            project_id: Some("pb"),
            project_domain_id: Some("B2"),
            ..Target::default()
        },
        allowed: SYSTEM_READERS,
    });
    rows
}
