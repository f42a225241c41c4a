//! OS-TRUST's rules for every persona of the policy table, plus the trustor and the
//! trustee of the trust (members of a project in A: "alice" trusts "bob").

use super::super::tests::{caller, personas, project_scope};
use super::*;
use crate::auth::policy::allows;
use crate::auth::AuthContext;

fn everyone() -> Vec<(&'static str, AuthContext)> {
    let mut all = personas();
    all.push((
        "trustee bob",
        caller("bob", "A", &["member", "reader"], project_scope("pa", "A")),
    ));
    all.push((
        "stranger carol",
        caller(
            "carol",
            "A",
            &["member", "reader"],
            project_scope("pa", "A"),
        ),
    ));
    all
}

/// Who may act on alice's trust to bob under `policy`.
fn allowed(policy: &Policy) -> Vec<&'static str> {
    let target = trust_target("alice", "bob");
    everyone()
        .into_iter()
        .filter(|(_, c)| allows(c, policy, &target))
        .map(|(name, _)| name)
        .collect()
}

const ADMINS: &[&str] = &["cloud admin", "system admin"];
const READERS: &[&str] = &["cloud admin", "system admin", "system reader"];

#[test]
fn only_the_trustor_creates_even_an_admin_may_not_for_another() {
    assert_eq!(
        allowed(&CREATE_TRUST),
        ["member of project pa in A", "unscoped alice"]
    );
}

#[test]
fn admins_and_system_readers_list_every_trust() {
    assert_eq!(allowed(&LIST_TRUSTS), READERS);
}

#[test]
fn trustors_and_trustees_list_their_own() {
    let mut trustor: Vec<&str> = READERS.to_vec();
    trustor.extend(["member of project pa in A", "unscoped alice"]);
    assert_eq!(allowed(&LIST_TRUSTS_FOR_TRUSTOR), trustor);
    let mut trustee: Vec<&str> = READERS.to_vec();
    trustee.push("trustee bob");
    assert_eq!(allowed(&LIST_TRUSTS_FOR_TRUSTEE), trustee);
}

#[test]
fn both_parties_and_readers_read_a_trust_and_its_roles() {
    let mut both: Vec<&str> = READERS.to_vec();
    both.extend(["member of project pa in A", "unscoped alice", "trustee bob"]);
    for policy in [&GET_TRUST, &LIST_ROLES_FOR_TRUST, &GET_ROLE_FOR_TRUST] {
        assert_eq!(allowed(policy), both, "{}", policy.name);
    }
}

#[test]
fn admins_and_the_trustor_delete_not_the_trustee() {
    let mut who: Vec<&str> = ADMINS.to_vec();
    who.extend(["member of project pa in A", "unscoped alice"]);
    assert_eq!(allowed(&DELETE_TRUST), who);
}
