//! Domain configuration after Keystone's api-ref and `DomainConfigManager`: only the
//! `identity` and `ldap` groups and their listed options; sensitive options stored but
//! never shown; a group or option in the URL limits the change; the defaults; admins
//! only (the security compliance group: anyone, default domain only).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

async fn new_domain(app: &crate::helpers::TestApp, name: &str) -> String {
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": name}}))
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn put_config(
    app: &crate::helpers::TestApp,
    domain: &str,
    config: Value,
) -> reqwest::Response {
    app.call(
        Method::PUT,
        &format!("/v3/domains/{domain}/config"),
        &app.admin_token,
        Some(json!({ "config": config })),
    )
    .await
}

async fn a_domain_config_is_created_shown_updated_and_deleted() {
    let app = spawn_app().await;
    let d = new_domain(&app, "ldap-domain").await;
    let config = json!({
        "identity": {"driver": "ldap"},
        "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org",
            "password": "s3cret"},
    });
    let resp = put_config(&app, &d, config).await;
    assert_eq!(resp.status(), 201);
    let shown_config = json!({
        "identity": {"driver": "ldap"},
        "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org"},
    });
    assert_eq!(json(resp).await["config"], shown_config);
    let base = format!("/v3/domains/{d}/config");
    assert_eq!(json(app.get(&base).await).await["config"], shown_config);
    assert_eq!(app.head(&base).await.status(), 200);
    assert_eq!(
        json(app.get(&format!("{base}/ldap")).await).await["config"],
        json!({"ldap": shown_config["ldap"]})
    );
    assert_eq!(
        json(app.get(&format!("{base}/ldap/url")).await).await["config"],
        json!({"url": "ldap://myldap.com:389/"})
    );
    // The sensitive option is stored but never shown.
    let resp = app.get(&format!("{base}/ldap/password")).await;
    assert_error(
        resp,
        404,
        &format!(
            "Could not find option password in group ldap in domain configuration for domain {d}."
        ),
    )
    .await;

    // PATCH merges.
    let resp = app
        .patch(
            &base,
            json!({"config": {"ldap": {"url": "ldap://other/"}, "identity": {"list_limit": 5}}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let merged = json(resp).await["config"].clone();
    assert_eq!(merged["ldap"]["url"], "ldap://other/");
    assert_eq!(merged["ldap"]["user_tree_dn"], "ou=Users,dc=org");
    assert_eq!(
        merged["identity"],
        json!({"driver": "ldap", "list_limit": 5})
    );
    // A group in the URL: that group only, already configured.
    let resp = app
        .patch(
            &format!("{base}/identity"),
            json!({"config": {"identity": {"driver": "sql"}}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["config"]["identity"]["driver"], "sql");
    let resp = app
        .patch(
            &format!("{base}/identity"),
            json!({"config": {"ldap": {"url": "x"}}}),
        )
        .await;
    assert_error(
        resp,
        403,
        "request to update group identity, but config provided contains group ldap instead",
    )
    .await;
    let resp = app
        .patch(
            &format!("{base}/identity"),
            json!({"config": {"identity": {"driver": "x"}, "ldap": {"url": "x"}}}),
        )
        .await;
    assert_error(
        resp,
        403,
        "Trying to update group identity, so that, and only that",
    )
    .await;
    // An option in the URL: the body holds that option alone.
    let resp = app
        .patch(
            &format!("{base}/ldap/url"),
            json!({"config": {"url": "ldap://third/"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["config"]["ldap"]["url"], "ldap://third/");
    let resp = app
        .patch(
            &format!("{base}/ldap/url"),
            json!({"config": {"user": "x"}}),
        )
        .await;
    assert_error(
        resp,
        403,
        "but config provided contains option user instead",
    )
    .await;
    let resp = app
        .patch(
            &format!("{base}/ldap/suffix"),
            json!({"config": {"suffix": "x"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find option suffix in group ldap").await;

    // PUT again replaces the whole configuration, and answers 200.
    let resp = put_config(&app, &d, json!({"identity": {"driver": "ldap"}})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        json(resp).await["config"],
        json!({"identity": {"driver": "ldap"}})
    );
    let resp = app.get(&format!("{base}/ldap")).await;
    assert_error(
        resp,
        404,
        "Could not find group ldap in domain configuration",
    )
    .await;

    // Deletes: an option, a group, the whole.
    put_config(
        &app,
        &d,
        json!({"identity": {"driver": "ldap", "list_limit": 3}, "ldap": {"url": "u"}}),
    )
    .await;
    assert_eq!(
        app.delete(&format!("{base}/identity/driver"))
            .await
            .status(),
        204
    );
    let resp = app.get(&format!("{base}/identity/driver")).await;
    assert_error(resp, 404, "option driver in group identity").await;
    let resp = app.delete(&format!("{base}/identity/driver")).await;
    assert_error(resp, 404, "option driver in group identity").await;
    assert_eq!(app.delete(&format!("{base}/identity")).await.status(), 204);
    let resp = app.delete(&format!("{base}/identity")).await;
    assert_error(resp, 404, "group identity").await;
    assert_eq!(app.delete(&base).await.status(), 204);
    let resp = app.get(&base).await;
    assert_error(
        resp,
        404,
        "Could not find any options in domain configuration",
    )
    .await;

    // Each change is audited.
    let events = json(
        app.get("/v3/audit-events?event_type=identity.domain_config.created")
            .await,
    )
    .await;
    assert_eq!(events["audit_events"].as_array().unwrap().len(), 3);
}

async fn unknown_groups_and_options_are_refused_as_keystone_does() {
    let app = spawn_app().await;
    let d = new_domain(&app, "strict").await;
    for (config, part) in [
        (json!({}), "No options specified"),
        (
            json!({"assignment": {"driver": "sql"}}),
            "Group assignment is not supported",
        ),
        (
            json!({"ldap": {"bogus": 1}}),
            "Option bogus in group ldap is not supported",
        ),
        (json!({"ldap": {}}), "should be a dictionary of options"),
        (json!({"ldap": "url"}), "should be a dictionary of options"),
    ] {
        let resp = put_config(&app, &d, config).await;
        assert_error(resp, 403, part).await;
    }
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3/domains/{d}/config"),
            &app.admin_token,
            Some(json!({"config": ["identity"]})),
        )
        .await;
    assert_error(resp, 400, "config").await;
    let resp = app.get(&format!("/v3/domains/{d}/config/assignment")).await;
    assert_error(resp, 403, "Group assignment is not supported").await;
    let resp = put_config(
        &app,
        "no-such-domain",
        json!({"identity": {"driver": "ldap"}}),
    )
    .await;
    assert_error(resp, 404, "Could not find domain: no-such-domain.").await;
    let resp = app.get("/v3/domains/no-such-domain/config").await;
    assert_error(resp, 404, "Could not find domain: no-such-domain.").await;
}

async fn defaults_are_shown_for_every_option_a_domain_may_set() {
    let app = spawn_app().await;
    let all = json(app.get("/v3/domains/config/default").await).await["config"].clone();
    assert_eq!(all["identity"]["driver"], "sql");
    assert!(all["identity"]
        .as_object()
        .unwrap()
        .contains_key("list_limit"));
    assert_eq!(all["ldap"]["url"], "ldap://localhost");
    assert_eq!(all["ldap"].as_object().unwrap().len(), 49);
    assert!(all["ldap"].get("password").is_none());
    let group = json(app.get("/v3/domains/config/ldap/default").await).await["config"].clone();
    assert_eq!(group, json!({"ldap": all["ldap"]}));
    let one = json(app.get("/v3/domains/config/ldap/pool_size/default").await).await;
    assert_eq!(one["config"], json!({"pool_size": 10}));
    let resp = app.get("/v3/domains/config/ldap/password/default").await;
    assert_error(
        resp,
        403,
        "Reading the default for option password in group ldap is not supported",
    )
    .await;
    let resp = app.get("/v3/domains/config/nope/default").await;
    assert_error(resp, 403, "Group nope is not supported").await;
}

async fn only_admins_manage_domain_config_but_anyone_reads_password_rules() {
    let app = spawn_app().await;
    let d = new_domain(&app, "guarded").await;
    put_config(&app, &d, json!({"identity": {"driver": "ldap"}})).await;
    app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    let base = format!("/v3/domains/{d}/config");
    let body = Some(json!({"config": {"identity": {"driver": "sql"}}}));
    for (method, path, body, rule) in [
        (
            Method::GET,
            base.clone(),
            None,
            "identity:get_domain_config",
        ),
        (
            Method::PUT,
            base.clone(),
            body.clone(),
            "identity:create_domain_config",
        ),
        (
            Method::PATCH,
            base.clone(),
            body.clone(),
            "identity:update_domain_config",
        ),
        (
            Method::DELETE,
            base.clone(),
            None,
            "identity:delete_domain_config",
        ),
        (
            Method::GET,
            "/v3/domains/config/default".to_string(),
            None,
            "identity:get_domain_config_default",
        ),
        // A missing domain is not told to a caller the rule refuses.
        (
            Method::GET,
            "/v3/domains/nowhere/config".to_string(),
            None,
            "identity:get_domain_config",
        ),
    ] {
        let resp = app.call(method.clone(), &path, &pia, body.clone()).await;
        assert_error(resp, 403, rule).await;
        assert_eq!(app.call(method, &path, "", body).await.status(), 401);
    }
    assert_eq!(
        json(app.get(&base).await).await["config"]["identity"]["driver"],
        "ldap"
    );

    let rules = app
        .call(
            Method::GET,
            "/v3/domains/default/config/security_compliance",
            &pia,
            None,
        )
        .await;
    assert_eq!(rules.status(), 200);
    let rules = json(rules).await;
    let options = rules["config"]["security_compliance"].as_object().unwrap();
    assert_eq!(options.len(), 2);
    assert!(options.contains_key("password_regex"));
    assert!(options.contains_key("password_regex_description"));
    let one = app
        .call(
            Method::GET,
            "/v3/domains/default/config/security_compliance/password_regex",
            &pia,
            None,
        )
        .await;
    assert_eq!(one.status(), 200);
    assert!(json(one).await["config"].get("password_regex").is_some());
    let resp = app
        .call(
            Method::GET,
            "/v3/domains/default/config/security_compliance/lockout_duration",
            &pia,
            None,
        )
        .await;
    assert_error(resp, 403, "Reading security compliance values other than").await;
    let resp = app
        .call(
            Method::GET,
            &format!("{base}/security_compliance"),
            &pia,
            None,
        )
        .await;
    assert_error(resp, 403, "other than the default domain").await;
}

async fn a_domains_config_goes_with_it() {
    let app = spawn_app().await;
    let d = new_domain(&app, "short-lived").await;
    put_config(&app, &d, json!({"ldap": {"url": "u", "password": "p"}})).await;
    let resp = app
        .patch(
            &format!("/v3/domains/{d}"),
            json!({"domain": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.delete(&format!("/v3/domains/{d}")).await.status(), 204);
    let left = app.with_db(|conn| {
        use diesel::prelude::*;
        use iam_groups::db::schema::domain_configs;
        domain_configs::table
            .filter(domain_configs::domain_id.eq(&d))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    });
    assert_eq!(left, 0);
}

both_backends!(
    a_domain_config_is_created_shown_updated_and_deleted,
    unknown_groups_and_options_are_refused_as_keystone_does,
    defaults_are_shown_for_every_option_a_domain_may_set,
    only_admins_manage_domain_config_but_anyone_reads_password_rules,
    a_domains_config_goes_with_it,
);
