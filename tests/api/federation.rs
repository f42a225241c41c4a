//! OS-FEDERATION's registry, from Keystone's API reference: identity providers (with remote
//! ids, domains, `authorization_ttl`), their protocols, and mappings validated when stored.
//! Who may call each is in the authorization matrix.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";
const MAPPINGS: &str = "/v3/OS-FEDERATION/mappings";

async fn put(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.call(Method::PUT, path, &app.admin_token, Some(body))
        .await
}

fn simple_rules() -> Value {
    json!([{
        "local": [{"user": {"name": "{0}"}}, {"group": {"id": "g1"}}],
        "remote": [{"type": "preferred_username"}]
    }])
}

async fn create_mapping(app: &TestApp, id: &str) -> Value {
    let resp = put(
        app,
        &format!("{MAPPINGS}/{id}"),
        json!({"mapping": {"rules": simple_rules()}}),
    )
    .await;
    assert_eq!(resp.status(), 201, "mapping {id}");
    json(resp).await["mapping"].clone()
}

async fn domain_id(app: &TestApp, name: &str) -> String {
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": name}}))
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["domain"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn identity_providers_are_registered_shown_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let corp = domain_id(&app, "corp").await;
    let resp = put(
        &app,
        &format!("{IDPS}/acme"),
        json!({"identity_provider": {
            "domain_id": corp, "enabled": true, "description": "Acme's IdP",
            "remote_ids": ["https://idp.acme.test", "acme-2"], "authorization_ttl": 60
        }}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let idp = json(resp).await["identity_provider"].clone();
    assert_eq!(idp["id"], "acme");
    assert_eq!(idp["enabled"], true);
    assert_eq!(idp["description"], "Acme's IdP");
    assert_eq!(idp["domain_id"], corp.as_str());
    assert_eq!(idp["authorization_ttl"], 60);
    assert_eq!(
        idp["remote_ids"],
        json!(["acme-2", "https://idp.acme.test"])
    );
    let this = format!("{}{IDPS}/acme", app.base);
    assert_eq!(idp["links"]["self"], this.as_str());
    assert_eq!(
        idp["links"]["protocols"],
        format!("{this}/protocols").as_str()
    );
    let shown = json(app.get(&format!("{IDPS}/acme")).await).await;
    assert_eq!(shown["identity_provider"], idp);

    // Keystone's defaults: disabled, no description, no ttl, no remote ids.
    let resp = put(
        &app,
        &format!("{IDPS}/bare"),
        json!({"identity_provider": {}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let bare = json(resp).await["identity_provider"].clone();
    assert_eq!(bare["enabled"], false);
    assert_eq!(bare["description"], Value::Null);
    assert_eq!(bare["authorization_ttl"], Value::Null);
    assert_eq!(bare["remote_ids"], json!([]));

    // Lists, with Keystone's `id` and `enabled` filters.
    let all = json(app.get(IDPS).await).await;
    let ids: Vec<&str> = all["identity_providers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["acme", "bare"]);
    assert_eq!(all["links"]["self"], format!("{}{IDPS}", app.base).as_str());
    let enabled = json(app.get(&format!("{IDPS}?enabled=true")).await).await;
    assert_eq!(
        enabled["identity_providers"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(enabled["identity_providers"][0]["id"], "acme");
    let disabled = json(app.get(&format!("{IDPS}?enabled=false")).await).await;
    assert_eq!(disabled["identity_providers"][0]["id"], "bare");
    let by_id = json(app.get(&format!("{IDPS}?id=bare")).await).await;
    assert_eq!(
        by_id["identity_providers"].as_array().map(Vec::len),
        Some(1)
    );
    let none = json(app.get(&format!("{IDPS}?id=nobody")).await).await;
    assert_eq!(none["identity_providers"], json!([]));
    assert_error(
        app.get(&format!("{IDPS}?enabled=maybe")).await,
        400,
        "enabled",
    )
    .await;

    // Updates: enabled, description, ttl, remote ids (replaced; null clears them).
    let resp = app
        .patch(
            &format!("{IDPS}/acme"),
            json!({"identity_provider": {"enabled": false, "description": null,
                   "authorization_ttl": 0, "remote_ids": ["acme-3"]}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["identity_provider"].clone();
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["authorization_ttl"], 0);
    assert_eq!(updated["remote_ids"], json!(["acme-3"]));
    assert_eq!(updated["domain_id"], corp.as_str());
    let resp = app
        .patch(
            &format!("{IDPS}/acme"),
            json!({"identity_provider": {"remote_ids": null, "authorization_ttl": null}}),
        )
        .await;
    let cleared = json(resp).await["identity_provider"].clone();
    assert_eq!(cleared["remote_ids"], json!([]));
    assert_eq!(cleared["authorization_ttl"], Value::Null);

    // Deleted, it is gone, and so are its protocols.
    create_mapping(&app, "m1").await;
    let resp = put(
        &app,
        &format!("{IDPS}/acme/protocols/openid"),
        json!({"protocol": {"mapping_id": "m1"}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let resp = app.delete(&format!("{IDPS}/acme")).await;
    assert_eq!(resp.status(), 204);
    assert_error(
        app.get(&format!("{IDPS}/acme")).await,
        404,
        "Could not find Identity Provider: acme.",
    )
    .await;
    assert_error(app.delete(&format!("{IDPS}/acme")).await, 404, "acme").await;
    // Re-registered, it starts with no protocols.
    put(
        &app,
        &format!("{IDPS}/acme"),
        json!({"identity_provider": {}}),
    )
    .await;
    let protocols = json(app.get(&format!("{IDPS}/acme/protocols")).await).await;
    assert_eq!(protocols["protocols"], json!([]));
}

async fn a_provider_without_a_domain_gets_one_of_its_own() {
    let app = spawn_app().await;
    let resp = put(
        &app,
        &format!("{IDPS}/solo"),
        json!({"identity_provider": {}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let idp = json(resp).await["identity_provider"].clone();
    let domain = idp["domain_id"].as_str().expect("domain id");
    assert_eq!(domain.len(), 32);
    let shown = json(app.get(&format!("/v3/domains/{domain}")).await).await;
    assert_eq!(shown["domain"]["name"], domain);
    assert_eq!(shown["domain"]["enabled"], true);
    assert_eq!(
        shown["domain"]["description"],
        "Auto generated federated domain for Identity Provider: solo"
    );
    // Deleting the provider leaves the domain (Keystone keeps it too).
    assert_eq!(app.delete(&format!("{IDPS}/solo")).await.status(), 204);
    assert_eq!(
        app.get(&format!("/v3/domains/{domain}")).await.status(),
        200
    );
}

async fn identity_provider_bodies_are_checked() {
    let app = spawn_app().await;
    put(
        &app,
        &format!("{IDPS}/first"),
        json!({"identity_provider": {"remote_ids": ["shared-issuer"]}}),
    )
    .await;
    let cases = [
        (
            "dup",
            json!({"identity_provider": {"remote_ids": ["shared-issuer"]}}),
            409,
            "Duplicate remote ID: shared-issuer",
        ),
        (
            "first",
            json!({"identity_provider": {}}),
            409,
            "Duplicate entry: first",
        ),
        (
            "nodomain",
            json!({"identity_provider": {"domain_id": "0badc0de0badc0de0badc0de0badc0de"}}),
            404,
            "Could not find domain: 0badc0de0badc0de0badc0de0badc0de.",
        ),
        (
            "extra",
            json!({"identity_provider": {"colour": "blue"}}),
            400,
            "Additional properties are not allowed ('colour' was unexpected)",
        ),
        (
            "ttl",
            json!({"identity_provider": {"authorization_ttl": -1}}),
            400,
            "authorization_ttl",
        ),
        (
            "twice",
            json!({"identity_provider": {"remote_ids": ["a", "a"]}}),
            400,
            "remote ids must be unique",
        ),
        (
            "notlist",
            json!({"identity_provider": {"remote_ids": "a"}}),
            400,
            "is not of type 'array'",
        ),
        (
            "enabled",
            json!({"identity_provider": {"enabled": "yes"}}),
            400,
            "enabled",
        ),
        ("nobody", json!({"provider": {}}), 400, "identity_provider"),
    ];
    for (id, body, status, message) in cases {
        let resp = put(&app, &format!("{IDPS}/{id}"), body.clone()).await;
        assert_error(resp, status, message).await;
    }
    // Nothing refused was stored.
    let list = json(app.get(IDPS).await).await;
    assert_eq!(list["identity_providers"].as_array().map(Vec::len), Some(1));
    // A provider's domain cannot change; an empty update is refused.
    let resp = app
        .patch(
            &format!("{IDPS}/first"),
            json!({"identity_provider": {"domain_id": "default"}}),
        )
        .await;
    assert_error(resp, 400, "'domain_id' was unexpected").await;
    let resp = app
        .patch(&format!("{IDPS}/first"), json!({"identity_provider": {}}))
        .await;
    assert_error(resp, 400, "does not have enough properties").await;
    let resp = app
        .patch(
            &format!("{IDPS}/missing"),
            json!({"identity_provider": {"enabled": true}}),
        )
        .await;
    assert_error(resp, 404, "Could not find Identity Provider: missing.").await;
    // A remote id another provider holds is refused on update too, and nothing changes.
    put(
        &app,
        &format!("{IDPS}/second"),
        json!({"identity_provider": {}}),
    )
    .await;
    let resp = app
        .patch(
            &format!("{IDPS}/second"),
            json!({"identity_provider": {"remote_ids": ["shared-issuer"], "enabled": true}}),
        )
        .await;
    assert_error(resp, 409, "Duplicate remote ID: shared-issuer").await;
    let second = json(app.get(&format!("{IDPS}/second")).await).await;
    assert_eq!(second["identity_provider"]["enabled"], false);
    assert_eq!(second["identity_provider"]["remote_ids"], json!([]));
}

async fn protocols_join_a_provider_to_a_mapping() {
    let app = spawn_app().await;
    put(
        &app,
        &format!("{IDPS}/acme"),
        json!({"identity_provider": {}}),
    )
    .await;
    create_mapping(&app, "m1").await;
    create_mapping(&app, "m2").await;
    let path = format!("{IDPS}/acme/protocols/openid");
    let resp = put(
        &app,
        &path,
        json!({"protocol": {"mapping_id": "m1", "remote_id_attribute": "iss"}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["protocol"].clone();
    assert_eq!(created["id"], "openid");
    assert_eq!(created["mapping_id"], "m1");
    assert_eq!(created["remote_id_attribute"], "iss");
    assert_eq!(
        created["links"]["self"],
        format!("{}{path}", app.base).as_str()
    );
    assert_eq!(
        created["links"]["identity_provider"],
        format!("{}{IDPS}/acme", app.base).as_str()
    );
    // A single protocol has no idp_id; the list has it, and always a remote_id_attribute.
    assert!(created.get("idp_id").is_none());
    let shown = json(app.get(&path).await).await["protocol"].clone();
    assert_eq!(shown, created);
    put(
        &app,
        &format!("{IDPS}/acme/protocols/saml2"),
        json!({"protocol": {"mapping_id": "m2"}}),
    )
    .await;
    let list = json(app.get(&format!("{IDPS}/acme/protocols")).await).await;
    let list = list["protocols"].as_array().expect("protocols").clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], "openid");
    assert_eq!(list[0]["idp_id"], "acme");
    assert_eq!(list[1]["id"], "saml2");
    assert_eq!(list[1]["remote_id_attribute"], Value::Null);

    // Update: Keystone requires the mapping; the attribute stays unless given.
    let resp = app
        .patch(&path, json!({"protocol": {"mapping_id": "m2"}}))
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["protocol"].clone();
    assert_eq!(updated["mapping_id"], "m2");
    assert_eq!(updated["remote_id_attribute"], "iss");
    let resp = app
        .patch(&path, json!({"protocol": {"remote_id_attribute": "aud"}}))
        .await;
    assert_error(resp, 400, "'mapping_id' is a required property").await;
    let resp = app
        .patch(
            &path,
            json!({"protocol": {"mapping_id": "m2", "remote_id_attribute": null}}),
        )
        .await;
    assert_error(resp, 400, "remote_id_attribute").await;

    // Refusals: unknown mapping (400, Keystone's words), unknown provider (404), twice (409).
    let resp = put(
        &app,
        &format!("{IDPS}/acme/protocols/x509"),
        json!({"protocol": {"mapping_id": "nope"}}),
    )
    .await;
    assert_error(resp, 400, "Invalid mapping id: nope").await;
    let resp = app
        .patch(&path, json!({"protocol": {"mapping_id": "nope"}}))
        .await;
    assert_error(resp, 400, "Invalid mapping id: nope").await;
    let resp = put(
        &app,
        &format!("{IDPS}/ghost/protocols/openid"),
        json!({"protocol": {"mapping_id": "m1"}}),
    )
    .await;
    assert_error(resp, 404, "Could not find Identity Provider: ghost.").await;
    assert_error(
        app.get(&format!("{IDPS}/ghost/protocols")).await,
        404,
        "ghost",
    )
    .await;
    let resp = put(&app, &path, json!({"protocol": {"mapping_id": "m1"}})).await;
    assert_error(resp, 409, "Duplicate entry").await;
    let resp = put(&app, &path, json!({"protocol": {}})).await;
    assert_error(resp, 400, "'mapping_id' is a required property").await;
    let resp = put(
        &app,
        &format!("{IDPS}/acme/protocols/long"),
        json!({"protocol": {"mapping_id": "m".repeat(65)}}),
    )
    .await;
    assert_error(resp, 400, "must have 1 to 64 characters").await;
    let resp = put(
        &app,
        &format!("{IDPS}/acme/protocols/extra"),
        json!({"protocol": {"mapping_id": "m1", "colour": 1}}),
    )
    .await;
    assert_error(resp, 400, "'colour' was unexpected").await;

    // Deleted.
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_error(
        app.get(&path).await,
        404,
        "Could not find federated protocol openid for Identity Provider: acme.",
    )
    .await;
    assert_error(app.delete(&path).await, 404, "federated protocol openid").await;
}

async fn mappings_are_validated_stored_and_replaced() {
    let app = spawn_app().await;
    let created = create_mapping(&app, "corp").await;
    assert_eq!(created["id"], "corp");
    assert_eq!(created["rules"], simple_rules());
    // Without one, the configured default schema version (Keystone's: 1.0) is stored.
    assert_eq!(created["schema_version"], "1.0");
    assert_eq!(
        created["links"]["self"],
        format!("{}{MAPPINGS}/corp", app.base).as_str()
    );
    let shown = json(app.get(&format!("{MAPPINGS}/corp")).await).await;
    assert_eq!(shown["mapping"], created);

    let v2 = json!({"mapping": {"schema_version": "2.0", "rules": [{
        "local": [{"user": {"name": "{0}"},
                   "projects": [{"name": "p-{0}", "roles": [{"name": "member"}],
                                 "domain": {"name": "corp"}}]}],
        "remote": [{"type": "preferred_username"}]
    }]}});
    let resp = put(&app, &format!("{MAPPINGS}/v2"), v2.clone()).await;
    assert_eq!(resp.status(), 201);
    let stored = json(resp).await["mapping"].clone();
    assert_eq!(stored["schema_version"], "2.0");
    assert_eq!(stored["rules"], v2["mapping"]["rules"]);

    let list = json(app.get(MAPPINGS).await).await;
    let ids: Vec<&str> = list["mappings"]
        .as_array()
        .expect("mappings")
        .iter()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["corp", "v2"]);

    // PATCH replaces the rules, validated as on create.
    let rules = json!([{"local": [{"group": {"id": "g9"}}],
                        "remote": [{"type": "groups", "any_one_of": ["admins"]}]}]);
    let resp = app
        .patch(
            &format!("{MAPPINGS}/corp"),
            json!({"mapping": {"rules": rules}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["mapping"]["rules"], rules);
    let resp = app
        .patch(
            &format!("{MAPPINGS}/corp"),
            json!({"mapping": {"rules": [{"local": [{"user": {"name": "{3}"}}],
                                           "remote": [{"type": "a"}]}]}}),
        )
        .await;
    assert_error(resp, 400, "rules[0].local[0].user.name").await;
    let kept = json(app.get(&format!("{MAPPINGS}/corp")).await).await;
    assert_eq!(kept["mapping"]["rules"], rules);
    let resp = app
        .patch(
            &format!("{MAPPINGS}/nope"),
            json!({"mapping": {"rules": simple_rules()}}),
        )
        .await;
    assert_error(resp, 404, "Could not find mapping: nope.").await;

    // Refusals name the rule and the property.
    let cases = [
        (json!({"mapping": {}}), "'rules' is a required property"),
        (json!({"mapping": {"rules": []}}), "too short"),
        (json!({"rules": []}), "mapping"),
        (json!({"mapping": []}), "is not of type 'object'"),
        (
            json!({"mapping": {"rules": [{"local": [], "remote": [{"type": "a", "whitelist": ["("], "regex": true}]}]}}),
            "rules[0].remote[0].whitelist[0]",
        ),
        (
            json!({"mapping": {"rules": [{"local": [{"usr": {}}], "remote": [{"type": "a"}]}]}}),
            "'usr' was unexpected",
        ),
        (
            json!({"mapping": {"schema_version": "4.0", "rules": simple_rules()}}),
            "'4.0' is not one of",
        ),
        (
            json!({"mapping": {"rules": [{"local": [{"projects": [{"name": "p", "roles": [], "domain": {"id": "d"}}]}],
                                          "remote": [{"type": "a"}]}]}}),
            "'domain' was unexpected",
        ),
    ];
    for (body, message) in cases {
        let resp = put(&app, &format!("{MAPPINGS}/bad"), body.clone()).await;
        assert_error(resp, 400, message).await;
    }
    assert_eq!(
        app.get(&format!("{MAPPINGS}/bad")).await.status(),
        404,
        "a refused mapping is not stored"
    );
    let resp = put(
        &app,
        &format!("{MAPPINGS}/corp"),
        json!({"mapping": {"rules": simple_rules()}}),
    )
    .await;
    assert_error(resp, 409, "Duplicate entry: corp").await;

    // Deleting a mapping a protocol names is allowed, as in Keystone: the protocol stays.
    put(
        &app,
        &format!("{IDPS}/acme"),
        json!({"identity_provider": {}}),
    )
    .await;
    put(
        &app,
        &format!("{IDPS}/acme/protocols/openid"),
        json!({"protocol": {"mapping_id": "corp"}}),
    )
    .await;
    assert_eq!(app.delete(&format!("{MAPPINGS}/corp")).await.status(), 204);
    assert_error(
        app.get(&format!("{MAPPINGS}/corp")).await,
        404,
        "Could not find mapping: corp.",
    )
    .await;
    let protocol = json(app.get(&format!("{IDPS}/acme/protocols/openid")).await).await;
    assert_eq!(protocol["protocol"]["mapping_id"], "corp");
}

async fn federation_changes_are_audited_and_refused_to_non_admins() {
    let app = spawn_app().await;
    let user = app.create_user("fed-member", "fed-member-password").await;
    let project = json(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "fed-project", "domain_id": "default"}}),
        )
        .await,
    )
    .await["project"]["id"]
        .as_str()
        .expect("project")
        .to_string();
    let roles = json(app.get("/v3/roles?name=member").await).await;
    let member = roles["roles"][0]["id"].as_str().expect("member role");
    let resp = app
        .put(&format!(
            "/v3/projects/{project}/users/{user}/roles/{member}"
        ))
        .await;
    assert_eq!(resp.status(), 204);
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "id": user, "password": "fed-member-password"}}},
                "scope": {"project": {"id": project}}}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string();
    let resp = app
        .call(
            Method::PUT,
            &format!("{IDPS}/sneaky"),
            &token,
            Some(json!({"identity_provider": {}})),
        )
        .await;
    assert_error(resp, 403, "identity:create_identity_provider").await;
    let resp = app.call(Method::GET, MAPPINGS, &token, None).await;
    assert_error(resp, 403, "identity:list_mappings").await;
    assert_eq!(app.get(&format!("{IDPS}/sneaky")).await.status(), 404);

    put(
        &app,
        &format!("{IDPS}/audited"),
        json!({"identity_provider": {}}),
    )
    .await;
    let events = json(
        app.get("/v3/audit-events?event_type=identity.identity_provider.created")
            .await,
    )
    .await;
    let events = events["audit_events"].as_array().expect("events").clone();
    let outcomes: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["target"]["id"].as_str().unwrap_or_default(),
                e["outcome"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(outcomes.contains(&("audited", "success")), "{outcomes:?}");
    assert!(outcomes.contains(&("sneaky", "failure")), "{outcomes:?}");
}

async fn deleting_a_domain_deletes_its_identity_providers() {
    let app = spawn_app().await;
    let corp = domain_id(&app, "corp").await;
    create_mapping(&app, "m1").await;
    put(
        &app,
        &format!("{IDPS}/corp-idp"),
        json!({"identity_provider": {"domain_id": corp, "remote_ids": ["https://corp.test"]}}),
    )
    .await;
    put(
        &app,
        &format!("{IDPS}/corp-idp/protocols/openid"),
        json!({"protocol": {"mapping_id": "m1"}}),
    )
    .await;
    let resp = app
        .patch(
            &format!("/v3/domains/{corp}"),
            json!({"domain": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.delete(&format!("/v3/domains/{corp}")).await.status(),
        204
    );
    assert_eq!(app.get(&format!("{IDPS}/corp-idp")).await.status(), 404);
    // Its remote id is free again.
    let resp = put(
        &app,
        &format!("{IDPS}/next"),
        json!({"identity_provider": {"remote_ids": ["https://corp.test"]}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    // The mapping is not the domain's: it stays.
    assert_eq!(app.get(&format!("{MAPPINGS}/m1")).await.status(), 200);
}

async fn federated_scopes_are_the_auth_scopes() {
    let app = spawn_app().await;
    for (federated, plain) in [
        ("/v3/OS-FEDERATION/projects", "/v3/auth/projects"),
        ("/v3/OS-FEDERATION/domains", "/v3/auth/domains"),
    ] {
        let key = plain.rsplit('/').next().expect("key");
        let a = json(app.get(federated).await).await;
        let b = json(app.get(plain).await).await;
        assert_eq!(a[key], b[key]);
        assert_eq!(
            a["links"]["self"],
            format!("{}{federated}", app.base).as_str()
        );
        assert!(!a[key].as_array().expect("list").is_empty() || key == "domains");
    }
}

crate::both_backends!(
    identity_providers_are_registered_shown_listed_updated_and_deleted,
    a_provider_without_a_domain_gets_one_of_its_own,
    identity_provider_bodies_are_checked,
    protocols_join_a_provider_to_a_mapping,
    mappings_are_validated_stored_and_replaced,
    federation_changes_are_audited_and_refused_to_non_admins,
    federated_scopes_are_the_auth_scopes,
    deleting_a_domain_deletes_its_identity_providers,
);
