//! The mapping engine against the examples of Keystone's mapping documentation
//! (`doc/source/admin/federation/mapping_combinations.rst`): each mapping and input as the
//! page gives them. The outputs differ from the page's in one way only: the page shows the
//! user in the identity provider's domain (`Federated`), which the federation manager adds;
//! the engine leaves a schema-1.0 user's domain unset.

use serde_json::json;

use super::*;

fn mapping(value: Value) -> Mapping {
    match Mapping::parse(&value, SchemaVersion::V1) {
        Ok(m) => m,
        Err(e) => panic!("mapping refused: {e}"),
    }
}

fn refused(value: Value) -> String {
    match Mapping::parse(&value, SchemaVersion::V1) {
        Ok(_) => panic!("mapping accepted: {value}"),
        Err(e) => e.to_string(),
    }
}

fn by_id(id: &str) -> DomainRef {
    DomainRef {
        id: Some(id.into()),
        name: None,
    }
}

fn by_name(name: &str) -> DomainRef {
    DomainRef {
        id: None,
        name: Some(name.into()),
    }
}

fn group(name: &str, domain: DomainRef) -> GroupByName {
    GroupByName {
        name: name.into(),
        domain,
    }
}

fn names(mapped: &Mapped) -> Vec<&str> {
    mapped.group_names.iter().map(|g| g.name.as_str()).collect()
}

#[test]
fn empty_condition_substitutes_each_remote_in_order() {
    let m = mapping(json!({"rules": [{
        "local": [{
            "user": {"name": "{0} {1}", "email": "{2}"},
            "group": {"name": "{3}", "domain": {"id": "0cd5e9"}}
        }],
        "remote": [
            {"type": "FirstName"}, {"type": "LastName"}, {"type": "Email"},
            {"type": "OIDC_GROUPS"}
        ]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("FirstName", "Jane"),
            ("LastName", "Doe"),
            ("Email", "jane.doe@example.com"),
            ("OIDC_GROUPS", "developers;testers"),
        ]))
        .expect("mapped");
    assert_eq!(out.user.name.as_deref(), Some("Jane Doe"));
    assert_eq!(out.user.email.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(out.user.kind, UserType::Ephemeral);
    assert_eq!(out.user.domain, None);
    assert_eq!(
        out.group_names,
        vec![
            group("developers", by_id("0cd5e9")),
            group("testers", by_id("0cd5e9"))
        ]
    );
    assert!(out.group_ids.is_empty());
}

fn groupids_mapping(condition: &str, values: Value) -> Mapping {
    mapping(json!({"rules": [{
        "local": [
            {"user": {"name": "{0}"}},
            {"groups": "{1}", "domain": {"id": "0cd5e9"}}
        ],
        "remote": [
            {"type": "UserName"},
            {"type": "HTTP_OIDC_GROUPIDS", condition: values}
        ]
    }]}))
}

fn jsmith() -> Assertion {
    Assertion::from_pairs([
        ("UserName", "jsmith"),
        ("HTTP_OIDC_GROUPIDS", "Developers;OpsTeam;Finance;Marketing"),
    ])
}

#[test]
fn whitelist_keeps_only_the_listed_groups() {
    let out = groupids_mapping("whitelist", json!(["Developers", "OpsTeam"]))
        .evaluate(&jsmith())
        .expect("mapped");
    assert_eq!(out.user.name.as_deref(), Some("jsmith"));
    assert_eq!(
        out.group_names,
        vec![
            group("Developers", by_id("0cd5e9")),
            group("OpsTeam", by_id("0cd5e9"))
        ]
    );
}

#[test]
fn blacklist_keeps_all_groups_but_the_listed() {
    let out = groupids_mapping("blacklist", json!(["Finance"]))
        .evaluate(&jsmith())
        .expect("mapped");
    assert_eq!(names(&out), vec!["Developers", "OpsTeam", "Marketing"]);
}

#[test]
fn whitelist_with_a_regex_selects_by_pattern() {
    let m = mapping(json!({"rules": [{
        "local": [
            {"user": {"name": "{0}"}},
            {"groups": "{1}", "domain": {"id": "0cd5e9"}}
        ],
        "remote": [
            {"type": "UserName"},
            {"type": "HTTP_OIDC_GROUPIDS", "whitelist": [".*Team$"], "regex": true}
        ]
    }]}));
    assert_eq!(
        names(&m.evaluate(&jsmith()).expect("mapped")),
        vec!["OpsTeam"]
    );
}

#[test]
fn any_one_of_and_not_any_of_are_conditions_without_direct_maps() {
    for (condition, matches) in [("any_one_of", true), ("not_any_of", false)] {
        let m = mapping(json!({"rules": [{
            "local": [{"user": {"name": "{0}"}, "group": {"id": "0cd5e9"}}],
            "remote": [
                {"type": "UserName"},
                {"type": "HTTP_OIDC_GROUPIDS", condition: ["HTTP_OIDC_EMAIL"]}
            ]
        }]}));
        let out = m.evaluate(&Assertion::from_pairs([
            ("UserName", "jsmith"),
            ("HTTP_OIDC_GROUPIDS", "HTTP_OIDC_EMAIL;other"),
        ]));
        if matches {
            let out = out.expect("any_one_of holds");
            assert_eq!(out.group_ids, vec!["0cd5e9".to_string()]);
            assert_eq!(out.user.name.as_deref(), Some("jsmith"));
        } else {
            assert_eq!(out, Err(MappingError::NothingMapped));
        }
    }
}

#[test]
fn regex_any_one_of_then_regex_whitelist_names_groups() {
    let m = mapping(json!({"rules": [{
        "local": [{
            "user": {"name": "{0}"},
            "group": {"name": "{1}", "domain": {"id": "abc1234"}}
        }],
        "remote": [
            {"type": "UserName"},
            {"type": "HTTP_OIDC_GROUPIDS", "any_one_of": [".*@yeah.com$"], "regex": true},
            {"type": "HTTP_OIDC_GROUPIDS", "whitelist": ["Project.*$"], "regex": true}
        ]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "jane.doe"),
            (
                "HTTP_OIDC_GROUPIDS",
                "admin@yeah.com;users@yeah.com;ProjectAlpha;ProjectBeta;Finance",
            ),
        ]))
        .expect("mapped");
    assert_eq!(out.user.name.as_deref(), Some("jane.doe"));
    assert_eq!(
        out.group_names,
        vec![
            group("ProjectAlpha", by_id("abc1234")),
            group("ProjectBeta", by_id("abc1234"))
        ]
    );
    // Without any value ending in @yeah.com the rule does not apply.
    let none = m.evaluate(&Assertion::from_pairs([
        ("UserName", "jane.doe"),
        ("HTTP_OIDC_GROUPIDS", "admin@nope.com;ProjectAlpha"),
    ]));
    assert_eq!(none, Err(MappingError::NothingMapped));
}

#[test]
fn condition_combinations_must_all_hold() {
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{0}"}, "group": {"id": "0cd5e9"}}],
        "remote": [
            {"type": "UserName"},
            {"type": "cn=IBM_Canada_Lab", "not_any_of": [".*@naww.com$"], "regex": true},
            {"type": "cn=IBM_USA_Lab", "any_one_of": [".*@yeah.com$"], "regex": true}
        ]
    }]}));
    let ok = m.evaluate(&Assertion::from_pairs([
        ("UserName", "ann@yeah.com"),
        ("cn=IBM_Canada_Lab", "ann@yeah.com"),
        ("cn=IBM_USA_Lab", "ann@yeah.com"),
    ]));
    assert_eq!(ok.expect("mapped").group_ids, vec!["0cd5e9".to_string()]);
    for (canada, usa) in [
        ("ann@naww.com", "ann@yeah.com"),
        ("ann@yeah.com", "ann@naww.com"),
    ] {
        let out = m.evaluate(&Assertion::from_pairs([
            ("UserName", "ann"),
            ("cn=IBM_Canada_Lab", canada),
            ("cn=IBM_USA_Lab", usa),
        ]));
        assert_eq!(out, Err(MappingError::NothingMapped), "{canada} {usa}");
    }
    // A missing attribute fails the rule too.
    let out = m.evaluate(&Assertion::from_pairs([
        ("UserName", "ann"),
        ("cn=IBM_USA_Lab", "ann@yeah.com"),
    ]));
    assert_eq!(out, Err(MappingError::NothingMapped));
}

fn contractors() -> Mapping {
    let rule = |condition: &str, group: &str| {
        json!({
            "local": [{
                "user": {"name": "{0}"},
                "group": {"name": group, "domain": {"id": "abc1234"}}
            }],
            "remote": [
                {"type": "UserName"},
                {"type": "orgPersonType", condition: ["Contractor", "SubContractor"]}
            ]
        })
    };
    mapping(json!({"rules": [
        rule("not_any_of", "non-contractors"),
        rule("any_one_of", "contractors")
    ]}))
}

#[test]
fn multiple_rules_are_additive_and_each_is_tested() {
    let m = contractors();
    let employee = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "jsmith"),
            ("orgPersonType", "Employee"),
        ]))
        .expect("mapped");
    assert_eq!(names(&employee), vec!["non-contractors"]);
    let contractor = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "jsmith"),
            ("orgPersonType", "Contractor"),
        ]))
        .expect("mapped");
    assert_eq!(names(&contractor), vec!["contractors"]);
}

#[test]
fn a_rule_for_the_user_and_rules_for_groups() {
    let m = mapping(json!({"rules": [
        {"local": [{"user": {"id": "{0}"}}], "remote": [{"type": "UserType"}]},
        {"local": [{"group": {"name": "non-contractors", "domain": {"id": "abc1234"}}}],
         "remote": [{"type": "orgPersonType", "not_any_of": ["Contractor", "SubContractor"]}]},
        {"local": [{"group": {"name": "contractors", "domain": {"id": "abc1234"}}}],
         "remote": [{"type": "orgPersonType", "any_one_of": ["Contractor", "SubContractor"]}]}
    ]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("UserType", "u-42"),
            ("orgPersonType", "SubContractor"),
        ]))
        .expect("mapped");
    assert_eq!(out.user.id.as_deref(), Some("u-42"));
    assert_eq!(names(&out), vec!["contractors"]);
}

#[test]
fn the_first_user_wins() {
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{0}"}}, {"user": {"name": "second-{0}"}}],
        "remote": [{"type": "UserName"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([("UserName", "ann")]))
        .expect("mapped");
    assert_eq!(out.user.name.as_deref(), Some("ann"));
}

#[test]
fn local_users_keep_their_type_and_domain() {
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "local_user", "type": "local",
                            "domain": {"name": "local_domain"}}}],
        "remote": [{"type": "UserName"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([("UserName", "whoever")]))
        .expect("mapped");
    assert_eq!(
        out.user,
        MappedUser {
            id: None,
            name: Some("local_user".into()),
            email: None,
            domain: Some(by_name("local_domain")),
            kind: UserType::Local,
        }
    );
    assert!(out.group_ids.is_empty() && out.group_names.is_empty());
}

#[test]
fn projects_are_substituted_for_auto_provisioning() {
    let m = mapping(json!({"rules": [{
        "local": [
            {"user": {"name": "{0}"}},
            {"projects": [
                {"name": "Production", "roles": [{"name": "reader"}]},
                {"name": "Staging", "roles": [{"name": "member"}]},
                {"name": "Project for {0}", "roles": [{"name": "admin"}]}
            ]}
        ],
        "remote": [{"type": "UserName"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([("UserName", "jsmith")]))
        .expect("mapped");
    let projects: Vec<(&str, Vec<&str>)> = out
        .projects
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.roles.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        projects,
        vec![
            ("Production", vec!["reader"]),
            ("Staging", vec!["member"]),
            ("Project for jsmith", vec!["admin"])
        ]
    );
    assert!(out.projects.iter().all(|p| p.domain.is_none()));
}

#[test]
fn projects_and_groups_combine() {
    let m = mapping(json!({"rules": [{
        "local": [
            {"user": {"name": "{0}"}},
            {"projects": [
                {"name": "Marketing", "roles": [{"name": "member"}]},
                {"name": "Development project for {0}", "roles": [{"name": "admin"}]}
            ]},
            {"group": {"name": "Finance", "domain": {"id": "6fe767"}}}
        ],
        "remote": [{"type": "UserName"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([("UserName", "ann")]))
        .expect("mapped");
    assert_eq!(out.projects.len(), 2);
    assert_eq!(out.projects[1].name, "Development project for ann");
    assert_eq!(out.group_names, vec![group("Finance", by_id("6fe767"))]);
}

#[test]
fn keystone_to_keystone_maps_users_and_json_groups() {
    let m = mapping(json!({"rules": [{
        "local": [{"group": {"id": "abc1234"}}],
        "remote": [
            {"type": "openstack_user", "any_one_of": ["user1", "admin"]},
            {"type": "openstack_user_domain", "any_one_of": ["Default"]}
        ]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("openstack_user", "admin"),
            ("openstack_user_domain", "Default"),
        ]))
        .expect("mapped");
    assert_eq!(out.group_ids, vec!["abc1234".to_string()]);

    // Groups from the identity provider as JSON objects with their own domains.
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{0}"}}, {"groups": "{1}"}],
        "remote": [{"type": "openstack_user"}, {"type": "openstack_groups"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("openstack_user", "user1"),
            (
                "openstack_groups",
                r#"JSON:{"name":"devs","domain":{"name":"Default"}};JSON:{"name":"ops","domain":{"id":"d1"}}"#,
            ),
        ]))
        .expect("mapped");
    assert_eq!(
        out.group_names,
        vec![group("devs", by_name("Default")), group("ops", by_id("d1"))]
    );
}

#[test]
fn group_ids_from_a_claim_are_split_into_ids() {
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{0}"}}, {"group_ids": "{1}"}],
        "remote": [{"type": "UserName"}, {"type": "GroupIds"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "ann"),
            ("GroupIds", "g1;g2;g1"),
        ]))
        .expect("mapped");
    assert_eq!(out.group_ids, vec!["g1".to_string(), "g2".to_string()]);
    let one = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "ann"),
            ("GroupIds", "g9"),
        ]))
        .expect("mapped");
    assert_eq!(one.group_ids, vec!["g9".to_string()]);
}

#[test]
fn schema_2_gives_users_and_projects_the_entry_domain() {
    let m = mapping(json!({"schema_version": "2.0", "rules": [{
        "local": [
            {"user": {"name": "{0}"},
             "projects": [{"name": "p-{0}", "roles": [{"name": "member"}]},
                          {"name": "shared", "roles": [{"name": "reader"}],
                           "domain": {"name": "other"}}],
             "domain": {"name": "corp"}}
        ],
        "remote": [{"type": "UserName"}]
    }]}));
    assert_eq!(m.version(), SchemaVersion::V2);
    let out = m
        .evaluate(&Assertion::from_pairs([("UserName", "ann")]))
        .expect("mapped");
    assert_eq!(out.user.domain, Some(by_name("corp")));
    assert_eq!(out.projects[0].domain, Some(by_name("corp")));
    assert_eq!(out.projects[1].domain, Some(by_name("other")));
    // Schema 1.0 has no project domains at all.
    let msg = refused(json!({"rules": [{
        "local": [{"projects": [{"name": "p", "roles": [], "domain": {"id": "d"}}]}],
        "remote": [{"type": "UserName"}]
    }]}));
    assert!(msg.contains("'domain' was unexpected"), "{msg}");
}

#[test]
fn schema_3_reads_projects_from_a_json_claim() {
    let m = mapping(json!({"schema_version": "3.0", "rules": [{
        "local": [{"user": {"name": "{0}"}, "projects_json": "{1}", "domain": {"id": "d1"}}],
        "remote": [{"type": "UserName"}, {"type": "Projects"}]
    }]}));
    let claim = r#"[{"name": "alpha", "roles": [{"name": "member"}]}]"#;
    let out = m
        .evaluate(&Assertion::from_pairs([
            ("UserName", "ann"),
            ("Projects", claim),
        ]))
        .expect("mapped");
    assert_eq!(out.projects.len(), 1);
    assert_eq!(out.projects[0].name, "alpha");
    assert_eq!(out.projects[0].domain, Some(by_id("d1")));
    let bad = m.evaluate(&Assertion::from_pairs([
        ("UserName", "ann"),
        ("Projects", "nope"),
    ]));
    assert!(matches!(bad, Err(MappingError::Invalid(_))), "{bad:?}");
    // Only schema 3.0 has it.
    let msg = refused(json!({"rules": [{
        "local": [{"projects_json": "{0}"}], "remote": [{"type": "Projects"}]
    }]}));
    assert!(msg.contains("'projects_json' was unexpected"), "{msg}");
}

#[test]
fn an_assertion_that_matches_no_rule_maps_nothing() {
    let out = contractors().evaluate(&Assertion::from_pairs([("Email", "a@b.c")]));
    assert_eq!(out, Err(MappingError::NothingMapped));
    assert!(MappingError::NothingMapped
        .to_string()
        .starts_with("Could not map any federated user properties"));
}

#[test]
fn claims_are_seen_under_their_names_and_as_oidc_names() {
    let claims = json!({
        "preferred_username": "ann",
        "groups": ["devs", "ops"],
        "email_verified": true,
        "address": {"country": "NO"},
        "nothing": null
    });
    let a = Assertion::from_claims(claims.as_object().expect("object"));
    assert_eq!(a.0["groups"], vec!["devs", "ops"]);
    assert_eq!(a.0["OIDC-groups"], vec!["devs", "ops"]);
    assert_eq!(a.0["OIDC-preferred_username"], vec!["ann"]);
    assert_eq!(a.0["email_verified"], vec!["true"]);
    assert!(!a.0.contains_key("address") && !a.0.contains_key("nothing"));
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{0}"}}, {"groups": "{1}", "domain": {"id": "d"}}],
        "remote": [{"type": "preferred_username"}, {"type": "OIDC-groups"}]
    }]}));
    assert_eq!(names(&m.evaluate(&a).expect("mapped")), vec!["devs", "ops"]);
}

#[test]
fn values_with_quotes_survive_the_list_round_trip() {
    let m = mapping(json!({"rules": [{
        "local": [{"groups": "{0}", "domain": {"id": "d"}}],
        "remote": [{"type": "G"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([(
            "G",
            r#"it's;say "hi";back\slash"#,
        )]))
        .expect("mapped");
    assert_eq!(names(&out), vec!["it's", r#"say "hi""#, r"back\slash"]);
}

#[test]
fn braces_are_escaped_and_auto_numbered() {
    let m = mapping(json!({"rules": [{
        "local": [{"user": {"name": "{{{}}} {}"}}],
        "remote": [{"type": "A"}, {"type": "B"}]
    }]}));
    let out = m
        .evaluate(&Assertion::from_pairs([("A", "a"), ("B", "b")]))
        .expect("mapped");
    assert_eq!(out.user.name.as_deref(), Some("{a} b"));
}

#[test]
fn mappings_are_refused_when_stored_naming_the_rule_and_property() {
    let cases = [
        (json!({}), "'rules' is a required property"),
        (json!({"rules": []}), "too short"),
        (json!({"rules": [], "extra": 1}), "'extra' was unexpected"),
        (json!({"rules": [{"local": []}]}), "'remote' is a required property"),
        (
            json!({"rules": [{"local": [], "remote": []}]}),
            "rules[0].remote': [] is too short",
        ),
        (
            json!({"rules": [{"local": [{"user": {"nam": "x"}}], "remote": [{"type": "A"}]}]}),
            "rules[0].local[0].user': Additional properties are not allowed ('nam' was unexpected)",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "{1}"}}], "remote": [{"type": "A"}]}]}),
            "rules[0].local[0].user.name': '{1}' refers to {1}, but the rule's remote has 1 direct match",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "{0}"}}],
                              "remote": [{"type": "A", "any_one_of": ["x"]}]}]}),
            "has 0 direct matches",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "x"}}],
                              "remote": [{"type": "A", "whitelist": ["("], "regex": true}]}]}),
            "rules[0].remote[0].whitelist[0]': '(' is not a valid regular expression",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "x"}}],
                              "remote": [{"type": "A", "whitelist": ["a"], "blacklist": ["b"]}]}]}),
            "only one of",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "x"}}],
                              "remote": [{"type": "A", "any_one_of": [1]}]}]}),
            "any_one_of[0]': 1 is not of type 'string'",
        ),
        (
            json!({"rules": [{"local": [{"user": {"type": "robot"}}], "remote": [{"type": "A"}]}]}),
            "'robot' is not one of ['ephemeral', 'local']",
        ),
        (
            json!({"rules": [{"local": [{"group": {"name": "g"}}], "remote": [{"type": "A"}]}]}),
            "'domain' is a required property",
        ),
        (
            json!({"rules": [{"local": [{"group": {"id": "g", "name": "n"}}], "remote": [{"type": "A"}]}]}),
            "'name' was unexpected",
        ),
        (
            json!({"rules": [{"local": [{"groups": "a;b"}], "remote": [{"type": "A"}]}]}),
            "Both 'groups' and 'domain' keywords must be specified.",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "{0:>5}"}}], "remote": [{"type": "A"}]}]}),
            "is not a substitution this service makes",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "{0"}}], "remote": [{"type": "A"}]}]}),
            "unclosed",
        ),
        (
            json!({"schema_version": "9.0", "rules": [{"local": [], "remote": [{"type": "A"}]}]}),
            "'9.0' is not one of",
        ),
        (
            json!({"rules": [{"local": [{"user": {"name": "x"}}],
                              "remote": [{"type": "A", "regex": "yes", "whitelist": ["a"]}]}]}),
            "regex': \"yes\" is not of type 'boolean'",
        ),
    ];
    for (value, want) in cases {
        let msg = refused(value.clone());
        assert!(msg.contains(want), "{value}: {msg} (wanted {want})");
        assert!(msg.starts_with("Invalid input for field '"), "{msg}");
    }
}

#[test]
fn python_reprs_and_literals_agree() {
    for values in [
        vec!["a".to_string(), "b".to_string()],
        vec![
            "it's".into(),
            "\"q\"".into(),
            "both ' \"".into(),
            "tab\tnew\nline".into(),
        ],
        vec![String::new(), "x".into()],
    ] {
        assert_eq!(literal_list(&shown(&values)), values);
    }
    assert_eq!(literal_list("plain"), vec!["plain"]);
    assert_eq!(literal_list("[not, quoted]"), vec!["[not, quoted]"]);
    assert_eq!(literal_list("['a'] trailing"), vec!["['a'] trailing"]);
}
