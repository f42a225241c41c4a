//! The authorization matrix: every route times every kind of caller, each cell an exact
//! status. The expectations are data: each route names the default rule it follows (read
//! off `src/auth/policy.rs`, Keystone's defaults), each persona passes the rules its roles
//! and scope satisfy, and a token that should be dead is a 401 wherever a token is needed.
//! The whole table is printed with its totals.
//!
//! Targets live in domain A. Routes that change state get fresh targets in every cell, so
//! each cell tests one thing. The Baidu face resolves names in the caller's account (the
//! token's domain, else its user's), so its targets are made in A, or in the Default
//! domain for the cloud admin, whose token is scoped to a project there. The whole matrix
//! runs on both backends (about 40 s each, side by side).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{backend, spawn_app, TestApp, ADMIN_PASSWORD};

/// The password of every user the matrix makes with one.
const PASSWORD: &str = "matrix-user-password";
/// The password `<new_user_pw>` users start with, for the change-password route.
const OLD_PASSWORD: &str = "matrix-old-password";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    NoToken,
    Garbage,
    Expired,
    Revoked,
    OtherKey,
    AlgNone,
    AlgSwapped,
    DeletedUser,
    DisabledUser,
    PasswordChanged,
    Member,
    ManagerOfB,
    ManagerOfA,
    Reader,
    CloudAdmin,
}

use Caller::*;

const CALLERS: [Caller; 15] = [
    NoToken,
    Garbage,
    Expired,
    Revoked,
    OtherKey,
    AlgNone,
    AlgSwapped,
    DeletedUser,
    DisabledUser,
    PasswordChanged,
    Member,
    ManagerOfB,
    ManagerOfA,
    Reader,
    CloudAdmin,
];

impl Caller {
    fn column(self) -> &'static str {
        match self {
            NoToken => "none",
            Garbage => "garbage",
            Expired => "expired",
            Revoked => "revoked",
            OtherKey => "otherkey",
            AlgNone => "alg:none",
            AlgSwapped => "HS512",
            DeletedUser => "deleted",
            DisabledUser => "disabled",
            PasswordChanged => "pw-chg",
            Member => "member",
            ManagerOfB => "mgr-B",
            ManagerOfA => "mgr-A",
            Reader => "reader",
            CloudAdmin => "admin",
        }
    }

    /// True for the callers whose token is valid: the personas.
    fn is_persona(self) -> bool {
        matches!(self, Member | ManagerOfB | ManagerOfA | Reader | CloudAdmin)
    }
}

/// The rule a route follows, as far as it tells the personas apart. The personas:
/// - member: `member` on project PA in A, a token scoped to PA (effective member, reader);
/// - mgr-B: `manager` on domain B, a token scoped to B (effective manager, member, reader);
/// - mgr-A: the same on domain A, where the targets live;
/// - reader: `reader` on the system, a system-scoped token; their user lives in A;
/// - admin: the bootstrap admin, `admin` on the admin project (effective all four roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// No token needed: discovery, the operator's endpoints, password login.
    Public,
    /// Any valid token: an empty check string, or the caller's own things (`user_id:%(...)`).
    Anyone,
    /// `rule:admin_required`.
    Admin,
    /// `rule:admin_required or (role:reader and system_scope:all)`.
    SystemReader,
    /// ... `or (role:reader and domain_id:A)` (a manager of A holds reader by inference).
    ReaderOfA,
    /// `(rule:admin_required) or (role:manager and domain_id:A)`.
    ManagerOfA,
    /// `... or (role:reader and domain_id:%(target.domain_id)s)` where the list is narrowed
    /// to the caller's own domain (no filter given, or the Baidu account).
    ReaderOfOwnDomain,
    /// `... or (role:manager and domain_id:...)` creating in the caller's own Baidu account.
    ManagerOfOwnDomain,
    /// get_domain of A and get_project of PA: the readers of A, and also a token scoped to a
    /// project of A (`token.project.domain.id:A`) or to PA itself (`project_id:PA`).
    ReaderOfAOrProjectInA,
    /// get_role of a domain-managed role and list_roles: `role:manager` in any domain
    /// (`rule:domain_managed_target_role`, `not domain_id:None`), or a system reader.
    AnyManagerOrSystemReader,
    /// `user_id:%(user_id)s` (create_application_credential) and
    /// `(role:admin and system_scope:all) or user_id:...` (delete_access_rule) on another
    /// user's target: no persona passes.
    OwnerOnly,
    /// create_application_credential for oneself: the owner, with a project-scoped token.
    ProjectScopedOwner,
    /// get/list_access_rules: `(role:reader and system_scope:all) or user_id:...`, with no
    /// `rule:admin_required`: the system reader only, on another user's rules.
    SystemScopedReader,
    /// A rule no persona passes here: `identity:create_trust` for another trustor
    /// (`user_id:%(trust.trustor_user_id)s`), which not even an admin may.
    Nobody,
}

impl Rule {
    /// Does `caller` (a persona) pass this rule for the route's target?
    fn passes(self, caller: Caller) -> bool {
        match self {
            Rule::Public | Rule::Anyone => true,
            Rule::Admin => caller == CloudAdmin,
            Rule::SystemReader => matches!(caller, Reader | CloudAdmin),
            Rule::ReaderOfA => matches!(caller, ManagerOfA | Reader | CloudAdmin),
            Rule::ManagerOfA => matches!(caller, ManagerOfA | CloudAdmin),
            Rule::ReaderOfOwnDomain | Rule::AnyManagerOrSystemReader => {
                matches!(caller, ManagerOfA | ManagerOfB | Reader | CloudAdmin)
            }
            Rule::ManagerOfOwnDomain => matches!(caller, ManagerOfA | ManagerOfB | CloudAdmin),
            Rule::ReaderOfAOrProjectInA => caller != ManagerOfB,
            Rule::OwnerOnly => false,
            Rule::ProjectScopedOwner => matches!(caller, Member | CloudAdmin),
            Rule::SystemScopedReader => caller == Reader,
            Rule::Nobody => false,
        }
    }
}

/// One route: its request (templates with `<placeholders>`), its rule, and the status an
/// allowed caller gets.
#[derive(Debug, Clone)]
struct Row {
    method: Method,
    path: String,
    body: Option<&'static str>,
    /// The `X-Subject-Token` of the token routes.
    subject: Option<&'static str>,
    rule: Rule,
    ok: u16,
    /// The admin PUTs the same path first (a grant, a membership, an implied role), so the
    /// cell's check or delete finds it.
    put_first: bool,
    /// Tells apart rows of one route, in the printed table.
    note: &'static str,
}

impl Row {
    /// The status `caller` must get.
    fn expected(&self, caller: Caller) -> u16 {
        if self.rule == Rule::Public {
            self.ok
        } else if !caller.is_persona() {
            401
        } else if self.rule.passes(caller) {
            self.ok
        } else {
            403
        }
    }

    fn label(&self) -> String {
        match self.note {
            "" => format!("{} {}", self.method, self.path),
            note => format!("{} {} ({note})", self.method, self.path),
        }
    }
}

fn row(method: Method, path: &str, rule: Rule, ok: u16) -> Row {
    Row {
        method,
        path: path.to_string(),
        body: None,
        subject: None,
        rule,
        ok,
        put_first: false,
        note: "",
    }
}

impl Row {
    fn body(mut self, body: &'static str) -> Row {
        self.body = Some(body);
        self
    }
    fn subject(mut self, subject: &'static str) -> Row {
        self.subject = Some(subject);
        self
    }
    fn put_first(mut self) -> Row {
        self.put_first = true;
        self
    }
    fn note(mut self, note: &'static str) -> Row {
        self.note = note;
        self
    }
}

/// A read route: its GET and its HEAD, which answers the same status without a body.
fn read(path: &str, rule: Rule, ok: u16) -> [Row; 2] {
    [
        row(Method::GET, path, rule, ok),
        row(Method::HEAD, path, rule, ok),
    ]
}

/// The OS-OAUTH1 delegated flow: the signed routes need no token (unsigned, they are a 400
/// for anyone); authorizing and a user's access tokens are `rule:admin_required`. The
/// access tokens are the admin's, made fresh by the whole signed flow.
fn oauth1_flow_rows(rows: &mut Vec<Row>) {
    use Method as M;
    use Rule::*;
    rows.push(row(M::POST, "/v3/OS-OAUTH1/request_token", Public, 400).note("unsigned"));
    rows.push(row(M::POST, "/v3/OS-OAUTH1/access_token", Public, 400).note("unsigned"));
    rows.push(
        row(
            M::PUT,
            "/v3/OS-OAUTH1/authorize/<new_request_token>",
            Admin,
            200,
        )
        .body(r#"{"roles": [{"name": "reader"}]}"#),
    );
    rows.push(
        row(M::PUT, "/v3/OS-OAUTH1/authorize/<missing>", Admin, 404)
            .body(r#"{"roles": []}"#)
            .note("missing"),
    );
    let list = "/v3/users/<admin_id>/OS-OAUTH1/access_tokens";
    rows.extend(read(list, Admin, 200));
    rows.extend(read(&format!("{list}/<new_access_token>"), Admin, 200));
    rows.extend(read(
        &format!("{list}/<new_access_token>/roles"),
        Admin,
        200,
    ));
    rows.extend(read(
        &format!("{list}/<new_access_token>/roles/<role:reader>"),
        Admin,
        200,
    ));
    rows.push(row(
        M::DELETE,
        &format!("{list}/<new_access_token>"),
        Admin,
        204,
    ));
    rows.extend(read(&format!("{list}/<missing>"), Admin, 404).map(|r| r.note("missing")));
}

/// Signs `POST url` for OAuth1 (HMAC-SHA1) with a consumer and, maybe, a token.
fn oauth1_header(
    url: &str,
    consumer: (&str, &str),
    token: Option<(&str, &str)>,
    extra: &[(&str, &str)],
) -> String {
    use iam_groups::oauth1::signature;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut params: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), consumer.0.into()),
        ("oauth_signature_method".into(), "HMAC-SHA1".into()),
        ("oauth_timestamp".into(), now.to_string()),
        ("oauth_nonce".into(), unique("nonce")),
    ];
    if let Some((key, _)) = token {
        params.push(("oauth_token".into(), key.into()));
    }
    params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let base = signature::base_string("POST", url, &params);
    let sig = signature::sign(&base, consumer.1, token.map(|t| t.1).unwrap_or(""));
    params.push(("oauth_signature".into(), sig));
    let parts: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", signature::encode(k), signature::encode(v)))
        .collect();
    format!("OAuth {}", parts.join(", "))
}

/// A signed POST's form-encoded `oauth_token` and `oauth_token_secret`.
async fn oauth1_post(
    app: &TestApp,
    path: &str,
    header: String,
    project: Option<&str>,
) -> (String, String) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("Authorization", header);
    if let Some(p) = project {
        req = req.header("Requested-Project-Id", p);
    }
    let resp = req.send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 201, "set-up {path}");
    let text = resp.text().await.expect("body");
    let get = |name: &str| {
        text.split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .expect("form field")
            .to_string()
    };
    (get("oauth_token"), get("oauth_token_secret"))
}

/// A fresh consumer and a request token of it for the admin project: (consumer id,
/// consumer secret, request token, request token secret).
async fn new_request_token(app: &TestApp) -> (String, String, String, String) {
    let c = admin(
        app,
        Method::POST,
        "/v3/OS-OAUTH1/consumers",
        json!({"consumer": {}}),
        201,
    )
    .await;
    let (id, secret) = (
        id_of(&c, "consumer"),
        c["consumer"]["secret"]
            .as_str()
            .expect("secret")
            .to_string(),
    );
    let path = "/v3/OS-OAUTH1/request_token";
    let header = oauth1_header(
        &app.url(path),
        (&id, &secret),
        None,
        &[("oauth_callback", "oob")],
    );
    let (rt, rs) = oauth1_post(app, path, header, Some(&app.admin_project_id)).await;
    (id, secret, rt, rs)
}

/// A fresh access token of the admin's, delegating `reader` on the admin project.
async fn new_access_token(app: &TestApp) -> String {
    let (id, secret, rt, rs) = new_request_token(app).await;
    let body = json!({"roles": [{"name": "reader"}]});
    let v = admin(
        app,
        Method::PUT,
        &format!("/v3/OS-OAUTH1/authorize/{rt}"),
        body,
        200,
    )
    .await;
    let verifier = v["token"]["oauth_verifier"]
        .as_str()
        .expect("verifier")
        .to_string();
    let path = "/v3/OS-OAUTH1/access_token";
    let header = oauth1_header(
        &app.url(path),
        (&id, &secret),
        Some((&rt, &rs)),
        &[("oauth_verifier", &verifier)],
    );
    oauth1_post(app, path, header, None).await.0
}

/// `/v3/policies`, domain configuration and the OS-OAUTH1 consumers: none of their rules
/// reads a target, so each target is made fresh (or named, for the defaults).
fn other_resource_rows(rows: &mut Vec<Row>) {
    use Method as M;
    use Rule::*;
    rows.extend(read("/v3/policies", Admin, 200));
    rows.push(
        row(M::POST, "/v3/policies", Admin, 201)
            .body(r#"{"policy": {"blob": "{}", "type": "application/json"}}"#),
    );
    rows.extend(read("/v3/policies/<new_policy>", Admin, 200));
    rows.push(
        row(M::PATCH, "/v3/policies/<new_policy>", Admin, 200)
            .body(r#"{"policy": {"blob": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/policies/<new_policy>", Admin, 204));
    rows.push(row(M::GET, "/v3/policies/<missing>", Admin, 404).note("missing"));

    rows.extend(read("/v3/OS-OAUTH1/consumers", SystemReader, 200));
    rows.push(
        row(M::POST, "/v3/OS-OAUTH1/consumers", Admin, 201)
            .body(r#"{"consumer": {"description": "matrix"}}"#),
    );
    rows.extend(read(
        "/v3/OS-OAUTH1/consumers/<new_consumer>",
        SystemReader,
        200,
    ));
    rows.push(
        row(
            M::PATCH,
            "/v3/OS-OAUTH1/consumers/<new_consumer>",
            Admin,
            200,
        )
        .body(r#"{"consumer": {"description": "patched"}}"#),
    );
    rows.push(row(
        M::DELETE,
        "/v3/OS-OAUTH1/consumers/<new_consumer>",
        Admin,
        204,
    ));
    rows.push(
        row(
            M::GET,
            "/v3/OS-OAUTH1/consumers/<missing>",
            SystemReader,
            404,
        )
        .note("missing"),
    );
    rows.push(row(M::DELETE, "/v3/OS-OAUTH1/consumers/<missing>", Admin, 404).note("missing"));
    oauth1_flow_rows(rows);

    // Domain configuration: system readers read, admins write; the defaults likewise; the
    // password rules of the default domain are anyone's.
    rows.push(
        row(M::PUT, "/v3/domains/<new_domain>/config", Admin, 201)
            .body(r#"{"config": {"identity": {"driver": "ldap"}}}"#),
    );
    rows.push(
        row(
            M::PUT,
            "/v3/domains/<new_configured_domain>/config",
            Admin,
            200,
        )
        .body(r#"{"config": {"identity": {"driver": "ldap"}}}"#)
        .note("replaces"),
    );
    for path in [
        "/v3/domains/<new_configured_domain>/config",
        "/v3/domains/<new_configured_domain>/config/identity",
        "/v3/domains/<new_configured_domain>/config/identity/driver",
    ] {
        rows.extend(read(path, SystemReader, 200));
        rows.push(row(M::DELETE, path, Admin, 204));
    }
    rows.push(
        row(
            M::PATCH,
            "/v3/domains/<new_configured_domain>/config",
            Admin,
            200,
        )
        .body(r#"{"config": {"ldap": {"url": "ldap://matrix/"}}}"#),
    );
    rows.push(
        row(
            M::PATCH,
            "/v3/domains/<new_configured_domain>/config/identity",
            Admin,
            200,
        )
        .body(r#"{"config": {"identity": {"driver": "sql"}}}"#),
    );
    rows.push(
        row(
            M::PATCH,
            "/v3/domains/<new_configured_domain>/config/identity/driver",
            Admin,
            200,
        )
        .body(r#"{"config": {"driver": "sql"}}"#),
    );
    rows.extend(read("/v3/domains/config/default", SystemReader, 200));
    rows.extend(read("/v3/domains/config/ldap/default", SystemReader, 200));
    rows.extend(read(
        "/v3/domains/config/ldap/url/default",
        SystemReader,
        200,
    ));
    rows.extend(read(
        "/v3/domains/default/config/security_compliance",
        Anyone,
        200,
    ));
    rows.extend(read(
        "/v3/domains/default/config/security_compliance/password_regex",
        Anyone,
        200,
    ));
    rows.push(row(M::GET, "/v3/domains/<missing>/config", SystemReader, 404).note("missing"));
    rows.push(
        row(M::PUT, "/v3/domains/<missing>/config", Admin, 404)
            .body(r#"{"config": {"identity": {"driver": "ldap"}}}"#)
            .note("missing"),
    );
}

/// Every route of the service: src/api/mod.rs, grants::routes(), the catalog, the
/// credentials, the audit events and the Baidu face.
fn routes() -> Vec<Row> {
    use Method as M;
    use Rule::*;
    let mut rows: Vec<Row> = Vec::new();
    // Discovery and the operator's endpoints need no token, and ignore a bad one.
    for (path, ok) in [
        ("/", 300),
        ("/v3", 200),
        ("/healthz", 200),
        ("/readyz", 200),
        ("/metrics", 200),
        ("/console", 200),
        ("/console/app.js", 200),
        ("/openapi.json", 200),
    ] {
        rows.extend(read(path, Public, ok));
    }
    // Tokens.
    rows.push(
        row(M::POST, "/v3/auth/tokens", Public, 201)
            .body(r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "<subject_user>", "password": "matrix-user-password"}}}}}"#)
            .note("password"),
    );
    rows.push(
        row(M::POST, "/v3/auth/tokens", Anyone, 201)
            .body(r#"{"auth": {"identity": {"methods": ["token"], "token": {"id": "<own_token>"}}, "scope": "unscoped"}}"#)
            .note("token, rescope"),
    );
    for r in read("/v3/auth/tokens", Anyone, 200) {
        rows.push(r.subject("<own_token>").note("own token"));
    }
    // identity:validate_token: admin, system reader, service, or the token's own user.
    for r in read("/v3/auth/tokens", SystemReader, 200) {
        rows.push(r.subject("<subject_token>").note("another's"));
    }
    // identity:revoke_token: admin or the token's own user.
    rows.push(
        row(M::DELETE, "/v3/auth/tokens", Admin, 204)
            .subject("<new_subject>")
            .note("another's"),
    );
    rows.extend(read("/v3/auth/catalog", Anyone, 200));
    rows.extend(read("/v3/auth/system", Anyone, 200));
    rows.extend(read("/v3/auth/domains", Anyone, 200));
    rows.extend(read("/v3/auth/projects", Anyone, 200));
    rows.extend(read("/v3/role_assignments", ReaderOfOwnDomain, 200));
    rows.extend(read(
        "/v3/role_assignments?scope.domain.id=<A>",
        ReaderOfA,
        200,
    ));
    rows.extend(read("/v3/audit-events", Admin, 200));
    application_credential_rows(&mut rows);
    // Huawei's access keys: identity:get_credential / create_credential (owner or admin).
    rows.extend(read("/v3.0/OS-CREDENTIAL/credentials", Anyone, 200));
    rows.extend(read(
        "/v3.0/OS-CREDENTIAL/credentials?user_id=<uA>",
        SystemReader,
        200,
    ));
    rows.push(
        row(M::POST, "/v3.0/OS-CREDENTIAL/credentials", Admin, 201)
            .body(r#"{"credential": {"user_id": "<new_user>"}}"#)
            .note("another's"),
    );
    rows.push(
        row(M::POST, "/v3.0/OS-CREDENTIAL/credentials", Anyone, 201)
            .body(r#"{"credential": {"user_id": "<me>"}}"#)
            .note("own"),
    );
    rows.extend(read(
        "/v3.0/OS-CREDENTIAL/credentials/<credA>",
        SystemReader,
        200,
    ));
    rows.push(
        row(
            M::PUT,
            "/v3.0/OS-CREDENTIAL/credentials/<new_cred>",
            Admin,
            200,
        )
        .body(r#"{"credential": {"status": "inactive"}}"#),
    );
    rows.push(row(
        M::DELETE,
        "/v3.0/OS-CREDENTIAL/credentials/<new_cred>",
        Admin,
        204,
    ));
    // OS-TRUST (Keystone's policies/trust.py): <trustA> is a trust between two users who
    // are none of the personas.
    rows.push(
        row(M::POST, "/v3/OS-TRUST/trusts", Anyone, 201)
            .body(r#"{"trust": {"trustor_user_id": "<me>", "trustee_user_id": "<new_user>", "impersonation": false}}"#)
            .note("own"),
    );
    rows.push(
        row(M::POST, "/v3/OS-TRUST/trusts", Nobody, 403)
            .body(r#"{"trust": {"trustor_user_id": "<trust_trustor>", "trustee_user_id": "<new_user>", "impersonation": false}}"#)
            .note("another's"),
    );
    rows.extend(read("/v3/OS-TRUST/trusts", SystemReader, 200));
    rows.extend(read(
        "/v3/OS-TRUST/trusts?trustor_user_id=<me>",
        Anyone,
        200,
    ));
    rows.extend(read(
        "/v3/OS-TRUST/trusts?trustee_user_id=<me>",
        Anyone,
        200,
    ));
    rows.extend(read(
        "/v3/OS-TRUST/trusts?trustor_user_id=<trust_trustor>",
        SystemReader,
        200,
    ));
    rows.extend(read(
        "/v3/OS-TRUST/trusts?trustee_user_id=<trust_trustee>",
        SystemReader,
        200,
    ));
    rows.extend(read("/v3/OS-TRUST/trusts/<trustA>", SystemReader, 200));
    rows.extend(read(
        "/v3/OS-TRUST/trusts/<trustA>/roles",
        SystemReader,
        200,
    ));
    rows.extend(read(
        "/v3/OS-TRUST/trusts/<trustA>/roles/<role:member>",
        SystemReader,
        200,
    ));
    rows.push(row(
        M::DELETE,
        "/v3/OS-TRUST/trusts/<new_trust>",
        Admin,
        204,
    ));
    // Groups and memberships.
    rows.extend(read("/v3/groups", ReaderOfOwnDomain, 200));
    rows.extend(read("/v3/groups?domain_id=<A>", ReaderOfA, 200));
    rows.push(
        row(M::POST, "/v3/groups", ManagerOfA, 201)
            .body(r#"{"group": {"name": "<name>", "domain_id": "<A>"}}"#),
    );
    rows.extend(read("/v3/groups/<gA>", ReaderOfA, 200));
    rows.push(
        row(M::PATCH, "/v3/groups/<new_group>", ManagerOfA, 200)
            .body(r#"{"group": {"description": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/groups/<new_group>", ManagerOfA, 204));
    rows.extend(read("/v3/groups/<gA>/users", ReaderOfA, 200));
    rows.push(row(
        M::PUT,
        "/v3/groups/<new_group>/users/<new_user>",
        ManagerOfA,
        204,
    ));
    rows.extend(read("/v3/groups/<gA>/users/<uA>", ReaderOfA, 204));
    rows.push(
        row(
            M::DELETE,
            "/v3/groups/<new_group>/users/<new_user>",
            ManagerOfA,
            204,
        )
        .put_first(),
    );
    // Users.
    rows.extend(read("/v3/users", ReaderOfOwnDomain, 200));
    rows.extend(read("/v3/users?domain_id=<A>", ReaderOfA, 200));
    rows.push(
        row(M::POST, "/v3/users", ManagerOfA, 201)
            .body(r#"{"user": {"name": "<name>", "domain_id": "<A>"}}"#),
    );
    rows.extend(read("/v3/users/<uA>", ReaderOfA, 200));
    rows.extend(read("/v3/users/<me>", Anyone, 200));
    rows.push(
        row(M::PATCH, "/v3/users/<new_user>", ManagerOfA, 200)
            .body(r#"{"user": {"description": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/users/<new_user>", ManagerOfA, 204));
    rows.extend(read("/v3/users/<uA>/groups", ReaderOfA, 200));
    rows.extend(read("/v3/users/<me>/groups", Anyone, 200));
    rows.extend(read("/v3/users/<uA>/projects", ReaderOfA, 200));
    rows.extend(read("/v3/users/<me>/projects", Anyone, 200));
    // identity:change_password is admin_or_owner; only the admin may change another's.
    rows.push(
        row(M::POST, "/v3/users/<new_user_pw>/password", Admin, 204)
            .body(r#"{"user": {"original_password": "matrix-old-password", "password": "matrix-new-password"}}"#),
    );
    // Domains.
    rows.extend(read("/v3/domains", ReaderOfOwnDomain, 200));
    rows.push(row(M::POST, "/v3/domains", Admin, 201).body(r#"{"domain": {"name": "<name>"}}"#));
    rows.extend(read("/v3/domains/<A>", ReaderOfAOrProjectInA, 200));
    // Huawei's account quota is read like the domain (identity:get_domain).
    rows.extend(read(
        "/v3.0/OS-QUOTA/domains/<A>",
        ReaderOfAOrProjectInA,
        200,
    ));
    rows.extend(read(
        "/v3.0/OS-QUOTA/domains/<A>?type=group",
        ReaderOfAOrProjectInA,
        200,
    ));
    // The Default domain holds the cloud admin: only callers of that domain (none of the
    // domain A personas) or the system reader see it.
    rows.extend(read("/v3.0/OS-QUOTA/domains/default", SystemReader, 200));
    rows.push(
        row(M::PATCH, "/v3/domains/<new_domain>", Admin, 200)
            .body(r#"{"domain": {"description": "patched"}}"#),
    );
    rows.push(row(
        M::DELETE,
        "/v3/domains/<new_disabled_domain>",
        Admin,
        204,
    ));
    // Projects.
    rows.extend(read("/v3/projects", ReaderOfOwnDomain, 200));
    rows.extend(read("/v3/projects?domain_id=<A>", ReaderOfA, 200));
    rows.push(
        row(M::POST, "/v3/projects", ManagerOfA, 201)
            .body(r#"{"project": {"name": "<name>", "domain_id": "<A>"}}"#),
    );
    rows.extend(read("/v3/projects/<PA>", ReaderOfAOrProjectInA, 200));
    rows.push(
        row(M::PATCH, "/v3/projects/<new_project>", ManagerOfA, 200)
            .body(r#"{"project": {"description": "patched"}}"#),
    );
    rows.push(row(
        M::DELETE,
        "/v3/projects/<new_project>",
        ManagerOfA,
        204,
    ));
    // Projects acting as domains: domain A seen as a project has a null domain_id, so only
    // the admin rules (get_project: also the system reader) match it.
    rows.push(
        row(M::POST, "/v3/projects", Admin, 201)
            .body(r#"{"project": {"name": "<name>", "is_domain": true}}"#)
            .note("is_domain"),
    );
    for r in read("/v3/projects/<A>", SystemReader, 200) {
        rows.push(r.note("domain A as a project"));
    }
    for r in read(
        "/v3/projects/<PA>?parents_as_ids&subtree_as_list",
        ReaderOfAOrProjectInA,
        200,
    ) {
        rows.push(r.note("hierarchy"));
    }
    // Project tags: read as get_project, changed as update_project.
    rows.extend(read("/v3/projects/<PA>/tags", ReaderOfAOrProjectInA, 200));
    // (A fresh project each cell: adding a tag a project has is a 400, as in Keystone.)
    for r in read("/v3/projects/<new_project>/tags/t1", ReaderOfA, 204) {
        rows.push(r.put_first());
    }
    rows.push(row(
        M::PUT,
        "/v3/projects/<new_project>/tags/t1",
        ManagerOfA,
        201,
    ));
    rows.push(
        row(M::PUT, "/v3/projects/<new_project>/tags", ManagerOfA, 200)
            .body(r#"{"tags": ["t1", "t2"]}"#),
    );
    rows.push(
        row(
            M::DELETE,
            "/v3/projects/<new_project>/tags/t1",
            ManagerOfA,
            204,
        )
        .put_first(),
    );
    rows.push(row(
        M::DELETE,
        "/v3/projects/<new_project>/tags",
        ManagerOfA,
        204,
    ));
    rows.push(row(M::PUT, "/v3/projects/<A>/tags/t1", Admin, 201).note("domain A as a project"));
    // Roles and implied roles.
    rows.extend(read("/v3/roles", AnyManagerOrSystemReader, 200));
    rows.push(row(M::POST, "/v3/roles", Admin, 201).body(r#"{"role": {"name": "<name>"}}"#));
    rows.extend(read(
        "/v3/roles/<role:reader>",
        AnyManagerOrSystemReader,
        200,
    ));
    rows.extend(read("/v3/roles/<role:admin>", SystemReader, 200));
    rows.push(
        row(M::PATCH, "/v3/roles/<new_role>", Admin, 200)
            .body(r#"{"role": {"description": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/roles/<new_role>", Admin, 204));
    rows.extend(read("/v3/roles/<role:admin>/implies", SystemReader, 200));
    rows.push(row(
        M::PUT,
        "/v3/roles/<new_role>/implies/<new_role2>",
        Admin,
        201,
    ));
    rows.push(row(
        M::GET,
        "/v3/roles/<role:admin>/implies/<role:manager>",
        SystemReader,
        200,
    ));
    // check_implied_role answers 204 without a body.
    rows.push(row(
        M::HEAD,
        "/v3/roles/<role:admin>/implies/<role:manager>",
        SystemReader,
        204,
    ));
    rows.push(
        row(
            M::DELETE,
            "/v3/roles/<new_role>/implies/<new_role2>",
            Admin,
            204,
        )
        .put_first(),
    );
    rows.extend(read("/v3/role_inferences", SystemReader, 200));
    // Grants on PA and on A, direct and inherited, to users and groups of A:
    // check/list_grants are readers of A, create/revoke_grant managers of A (the role,
    // member, is one a domain manager may hand out).
    for target in ["projects/<PA>", "domains/<A>"] {
        for actor in ["users/<new_user>", "groups/<new_group>"] {
            for (prefix, suffix) in [("/v3", ""), ("/v3/OS-INHERIT", "/inherited_to_projects")] {
                let base = format!("{prefix}/{target}/{actor}/roles");
                let one = format!("{base}/<role:member>{suffix}");
                rows.push(row(M::PUT, &one, ManagerOfA, 204));
                for r in read(&one, ReaderOfA, 204) {
                    rows.push(r.put_first());
                }
                rows.push(row(M::DELETE, &one, ManagerOfA, 204).put_first());
                rows.extend(read(&format!("{base}{suffix}"), ReaderOfA, 200));
            }
        }
    }
    // System grants: admins write, system readers read.
    for actor in ["users/<new_user>", "groups/<new_group>"] {
        let base = format!("/v3/system/{actor}/roles");
        let one = format!("{base}/<role:reader>");
        rows.push(row(M::PUT, &one, Admin, 204));
        for r in read(&one, SystemReader, 204) {
            rows.push(r.put_first());
        }
        rows.push(row(M::DELETE, &one, Admin, 204).put_first());
        rows.extend(read(&base, SystemReader, 200));
    }
    // Escalations a domain manager must not get: a role that is not domain-managed, a
    // grant on a project of another domain, a member from another domain.
    rows.push(
        row(
            M::PUT,
            "/v3/projects/<PA>/users/<new_user>/roles/<role:admin>",
            Admin,
            204,
        )
        .note("not domain-managed"),
    );
    rows.push(
        row(
            M::PUT,
            "/v3/projects/<PB>/users/<new_user>/roles/<role:member>",
            Admin,
            204,
        )
        .note("user of A on B"),
    );
    rows.push(
        row(
            M::PUT,
            "/v3/groups/<new_group>/users/<new_user_b>",
            Admin,
            204,
        )
        .note("user of B into A"),
    );
    // The manager's ceiling (beyond Keystone): targets in A that hold more than a manager
    // may grant, directly, through a group, by inheritance or on the system, are the
    // admin's alone; so is a group holding admin, for anyone joining it (the caller too).
    // The bootstrap admin lives in Default, out of every domain manager's reach here;
    // tests/api/ceiling.rs has the manager of Default.
    for (user, note) in [
        ("<new_admin_user>", "holds admin"),
        ("<new_system_user>", "holds a system role"),
        ("<new_group_admin_user>", "admin through a group"),
        ("<new_inherited_admin_user>", "admin inherited"),
    ] {
        rows.push(
            row(M::PATCH, &format!("/v3/users/{user}"), Admin, 200)
                .body(r#"{"user": {"description": "patched"}}"#)
                .note(note),
        );
        rows.push(row(M::DELETE, &format!("/v3/users/{user}"), Admin, 204).note(note));
        rows.push(
            row(
                M::PUT,
                &format!("/v3/groups/<new_group>/users/{user}"),
                Admin,
                204,
            )
            .note(note),
        );
    }
    rows.push(
        row(M::PATCH, "/v3/users/<new_admin_user>", Admin, 200)
            .body(r#"{"user": {"password": "matrix-taken-over"}}"#)
            .note("holds admin, password"),
    );
    rows.push(
        row(M::PATCH, "/v3/users/<new_admin_user>", Admin, 200)
            .body(r#"{"user": {"enabled": false}}"#)
            .note("holds admin, disable"),
    );
    rows.push(
        row(
            M::DELETE,
            "/v3/groups/<new_group>/users/<new_admin_user>",
            Admin,
            204,
        )
        .put_first()
        .note("holds admin"),
    );
    rows.push(row(M::DELETE, "/v3/groups/<admin_group_pair>", Admin, 204).note("admin through it"));
    rows.push(
        row(M::POST, "/v3.0/OS-CREDENTIAL/credentials", Admin, 201)
            .body(r#"{"credential": {"user_id": "<new_admin_user>"}}"#)
            .note("holds admin"),
    );
    rows.push(
        row(M::PATCH, "/v3/users/<admin_id>", Admin, 200)
            .body(r#"{"user": {"description": "Bootstrap administrator"}}"#)
            .note("bootstrap admin"),
    );
    rows.push(
        row(
            M::PUT,
            "/v3/groups/<new_group>/users/<admin_id>",
            Admin,
            204,
        )
        .note("bootstrap admin"),
    );
    rows.push(
        row(M::PATCH, "/v3/groups/<new_admin_group>", Admin, 200)
            .body(r#"{"group": {"description": "patched"}}"#)
            .note("holds admin"),
    );
    rows.push(row(M::DELETE, "/v3/groups/<new_admin_group>", Admin, 204).note("holds admin"));
    rows.push(
        row(
            M::PUT,
            "/v3/groups/<new_admin_group>/users/<new_user>",
            Admin,
            204,
        )
        .note("group holds admin"),
    );
    rows.push(
        row(
            M::PUT,
            "/v3/groups/<new_admin_group>/users/<me>",
            Admin,
            204,
        )
        .note("group holds admin, self"),
    );
    // Within the ceiling, nothing changes: a user and a group holding `member` are still
    // the manager's.
    rows.push(
        row(M::PATCH, "/v3/users/<new_member_user>", ManagerOfA, 200)
            .body(r#"{"user": {"password": "matrix-reset-password"}}"#)
            .note("holds member"),
    );
    rows.push(row(M::DELETE, "/v3/users/<new_member_user>", ManagerOfA, 204).note("holds member"));
    rows.push(
        row(
            M::PUT,
            "/v3/groups/<new_member_group>/users/<new_member_user>",
            ManagerOfA,
            204,
        )
        .note("both hold member"),
    );
    // The same on the Baidu face, in the caller's account.
    rows.push(
        row(M::PUT, "/v1/user/<b_admin_user>", Admin, 200)
            .body(r#"{"description": "patched"}"#)
            .note("holds admin"),
    );
    rows.push(row(M::DELETE, "/v1/user/<b_admin_user>", Admin, 204).note("holds admin"));
    rows.push(row(M::POST, "/v1/user/<b_admin_user>/accesskey", Admin, 201).note("holds admin"));
    rows.push(row(M::PUT, "/v1/user/<b_admin_key>?disable", Admin, 200).note("holds admin"));
    rows.push(row(M::DELETE, "/v1/user/<b_admin_key>", Admin, 204).note("holds admin"));
    rows.push(
        row(M::PUT, "/v1/group/<b_admin_group>", Admin, 200)
            .body(r#"{"description": "patched"}"#)
            .note("holds admin"),
    );
    // Baidu refuses to delete a group that still has grants, even for the admin.
    rows.push(row(M::DELETE, "/v1/group/<b_admin_group>", Admin, 409).note("holds admin"));
    rows.push(row(M::PUT, "/v1/group/<b_admin_pair>", Admin, 204).note("group holds admin"));
    rows.push(
        row(M::DELETE, "/v1/group/<b_admin_member_pair>", Admin, 204).note("admin through it"),
    );
    rows.push(
        row(M::PUT, "/v1/user/<b_member_user>", ManagerOfA, 200)
            .body(r#"{"description": "patched"}"#)
            .note("holds member"),
    );
    // Missing targets: a 404 only for callers the rule allows without reading the target
    // (admins, system readers; anyone for an empty rule), a 403 for everyone else, so
    // that existence does not leak.
    for path in [
        "/v3/groups/<missing>",
        "/v3/groups/<missing>/users",
        "/v3/groups/<missing>/users/<uA>",
        "/v3/groups/<gA>/users/<missing>",
        "/v3/users/<missing>",
        "/v3/users/<missing>/groups",
        "/v3/users/<missing>/projects",
        "/v3/projects/<missing>",
        "/v3/projects/<missing>/tags",
        "/v3/projects/<missing>/tags/t1",
        "/v3/domains/<missing>",
        "/v3.0/OS-QUOTA/domains/<missing>",
        "/v3/roles/<missing>",
        "/v3/roles/<missing>/implies",
        "/v3/roles/<missing>/implies/<role:manager>",
        "/v3.0/OS-CREDENTIAL/credentials/<missing>",
        "/v3.0/OS-CREDENTIAL/credentials?user_id=<missing>",
        "/v3/projects/<missing>/users/<uA>/roles",
        "/v3/projects/<PA>/users/<missing>/roles/<role:member>",
        "/v3/domains/<A>/groups/<missing>/roles",
        "/v3/system/users/<missing>/roles",
        "/v3/system/users/<uA>/roles/<missing>",
        "/v3/services/<missing>",
        "/v3/endpoints/<missing>",
        "/v1/group/<missing_name>",
        "/v1/group/<missing_name>/user",
        "/v1/user/<missing_name>",
        "/v1/user/<missing_name>/group",
        "/v1/user/<missing_name>/accesskey",
    ] {
        rows.push(row(M::GET, path, SystemReader, 404).note("missing"));
    }
    rows.push(row(M::GET, "/v3/regions/<missing>", Anyone, 404).note("missing"));
    for r in read("/v3/auth/tokens", Anyone, 404) {
        rows.push(r.subject("<missing>").note("missing subject"));
    }
    for (method, path, body) in [
        (
            M::PATCH,
            "/v3/groups/<missing>",
            Some(r#"{"group": {"description": "x"}}"#),
        ),
        (M::DELETE, "/v3/groups/<missing>", None),
        (M::PUT, "/v3/groups/<missing>/users/<uA>", None),
        (M::DELETE, "/v3/groups/<gA>/users/<missing>", None),
        (
            M::PATCH,
            "/v3/users/<missing>",
            Some(r#"{"user": {"description": "x"}}"#),
        ),
        (M::DELETE, "/v3/users/<missing>", None),
        (M::DELETE, "/v3/projects/<missing>", None),
        (M::PUT, "/v3/projects/<missing>/tags/t1", None),
        (M::DELETE, "/v3/projects/<missing>/tags", None),
        (M::DELETE, "/v3/domains/<missing>", None),
        (M::DELETE, "/v3/roles/<missing>", None),
        (
            M::PUT,
            "/v3/projects/<PA>/users/<missing>/roles/<role:member>",
            None,
        ),
        (
            M::DELETE,
            "/v3/domains/<A>/users/<uA>/roles/<missing>",
            None,
        ),
        (M::DELETE, "/v3.0/OS-CREDENTIAL/credentials/<missing>", None),
        (M::DELETE, "/v3/regions/<missing>", None),
        (M::DELETE, "/v3/services/<missing>", None),
        (M::DELETE, "/v3/endpoints/<missing>", None),
        (
            M::PUT,
            "/v1/group/<missing_name>",
            Some(r#"{"description": "x"}"#),
        ),
        (M::DELETE, "/v1/group/<missing_name>", None),
        (M::DELETE, "/v1/user/<missing_name>", None),
        (M::POST, "/v1/user/<missing_name>/accesskey", None),
    ] {
        let mut r = row(method, path, Admin, 404).note("missing");
        r.body = body;
        rows.push(r);
    }
    other_resource_rows(&mut rows);
    // The catalog: regions are readable by anyone (Keystone's empty rule), services and
    // endpoints by system readers; admins write.
    rows.extend(read("/v3/regions", Anyone, 200));
    rows.push(row(M::POST, "/v3/regions", Admin, 201).body(r#"{"region": {"id": "<name>"}}"#));
    rows.extend(read("/v3/regions/<R>", Anyone, 200));
    rows.push(row(M::PUT, "/v3/regions/<name>", Admin, 201).body(r#"{"region": {}}"#));
    rows.push(
        row(M::PATCH, "/v3/regions/<new_region>", Admin, 200)
            .body(r#"{"region": {"description": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/regions/<new_region>", Admin, 204));
    rows.extend(read("/v3/services", SystemReader, 200));
    rows.push(row(M::POST, "/v3/services", Admin, 201).body(r#"{"service": {"type": "<name>"}}"#));
    rows.extend(read("/v3/services/<S>", SystemReader, 200));
    rows.push(
        row(M::PATCH, "/v3/services/<new_service>", Admin, 200)
            .body(r#"{"service": {"description": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/services/<new_service>", Admin, 204));
    rows.extend(read("/v3/endpoints", SystemReader, 200));
    rows.push(
        row(M::POST, "/v3/endpoints", Admin, 201)
            .body(r#"{"endpoint": {"service_id": "<S>", "interface": "public", "url": "http://matrix.test/<name>"}}"#),
    );
    rows.extend(read("/v3/endpoints/<E>", SystemReader, 200));
    rows.push(
        row(M::PATCH, "/v3/endpoints/<new_endpoint>", Admin, 200)
            .body(r#"{"endpoint": {"url": "http://matrix.test/patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/endpoints/<new_endpoint>", Admin, 204));
    // Federation: identity providers, protocols and mappings are the deployment's, like
    // the catalog: system readers read, admins write.
    let idps = "/v3/OS-FEDERATION/identity_providers";
    rows.extend(read(idps, SystemReader, 200));
    rows.extend(read(&format!("{idps}/<IDP>"), SystemReader, 200));
    rows.push(
        row(M::PUT, &format!("{idps}/<name>"), Admin, 201)
            .body(r#"{"identity_provider": {"domain_id": "<A>"}}"#),
    );
    rows.push(
        row(M::PATCH, &format!("{idps}/<new_idp>"), Admin, 200)
            .body(r#"{"identity_provider": {"enabled": true}}"#),
    );
    rows.push(row(M::DELETE, &format!("{idps}/<new_idp>"), Admin, 204));
    rows.extend(read(&format!("{idps}/<IDP>/protocols"), SystemReader, 200));
    rows.extend(read(
        &format!("{idps}/<IDP>/protocols/openid"),
        SystemReader,
        200,
    ));
    rows.push(
        row(
            M::PUT,
            &format!("{idps}/<IDP>/protocols/<name>"),
            Admin,
            201,
        )
        .body(r#"{"protocol": {"mapping_id": "<MAP>"}}"#),
    );
    rows.push(
        row(M::PATCH, &format!("{idps}/<new_protocol_pair>"), Admin, 200)
            .body(r#"{"protocol": {"mapping_id": "<MAP>"}}"#),
    );
    rows.push(row(
        M::DELETE,
        &format!("{idps}/<new_protocol_pair>"),
        Admin,
        204,
    ));
    let mappings = "/v3/OS-FEDERATION/mappings";
    rows.extend(read(mappings, SystemReader, 200));
    rows.extend(read(&format!("{mappings}/<MAP>"), SystemReader, 200));
    rows.push(
        row(M::PUT, &format!("{mappings}/<name>"), Admin, 201)
            .body(r#"{"mapping": {"rules": [{"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "sub"}]}]}}"#),
    );
    rows.push(
        row(M::PATCH, &format!("{mappings}/<new_mapping>"), Admin, 200)
            .body(r#"{"mapping": {"rules": [{"local": [{"user": {"name": "x-{0}"}}], "remote": [{"type": "sub"}]}]}}"#),
    );
    rows.push(row(
        M::DELETE,
        &format!("{mappings}/<new_mapping>"),
        Admin,
        204,
    ));
    for path in [
        format!("{idps}/<missing>"),
        format!("{idps}/<missing>/protocols"),
        format!("{mappings}/<missing>"),
    ] {
        rows.push(row(M::GET, &path, SystemReader, 404).note("missing"));
    }
    rows.push(row(M::DELETE, &format!("{idps}/<missing>"), Admin, 404).note("missing"));
    rows.push(row(M::DELETE, &format!("{mappings}/<missing>"), Admin, 404).note("missing"));
    rows.extend(read("/v3/OS-FEDERATION/projects", Anyone, 200));
    rows.extend(read("/v3/OS-FEDERATION/domains", Anyone, 200));
    rows.extend(limit_and_endpoint_filter_rows());
    // The Baidu face, with X-Auth-Token. Named targets are in the caller's account.
    rows.extend(read("/v1/group", ReaderOfOwnDomain, 200));
    rows.push(row(M::POST, "/v1/group", ManagerOfOwnDomain, 201).body(r#"{"name": "<name>"}"#));
    rows.extend(read("/v1/group/<b_group>", ReaderOfA, 200));
    rows.push(
        row(M::PUT, "/v1/group/<b_group>", ManagerOfA, 200).body(r#"{"description": "patched"}"#),
    );
    rows.push(row(M::DELETE, "/v1/group/<b_group>", ManagerOfA, 204));
    rows.extend(read("/v1/group/<b_group>/user", ReaderOfA, 200));
    rows.push(row(M::PUT, "/v1/group/<b_pair>", ManagerOfA, 204));
    rows.push(row(M::DELETE, "/v1/group/<b_member_pair>", ManagerOfA, 204));
    rows.extend(read("/v1/user", ReaderOfOwnDomain, 200));
    rows.push(row(M::POST, "/v1/user", ManagerOfOwnDomain, 201).body(r#"{"name": "<name>"}"#));
    rows.extend(read("/v1/user/<b_user>", ReaderOfA, 200));
    rows.extend(read("/v1/user/<my_name>", Anyone, 200));
    rows.push(
        row(M::PUT, "/v1/user/<b_user>", ManagerOfA, 200).body(r#"{"description": "patched"}"#),
    );
    rows.push(row(M::DELETE, "/v1/user/<b_user>", ManagerOfA, 204));
    rows.extend(read("/v1/user/<b_user>/group", ReaderOfA, 200));
    rows.extend(read("/v1/user/<b_user>/accesskey", SystemReader, 200));
    rows.extend(read("/v1/user/<my_name>/accesskey", Anyone, 200));
    rows.push(row(M::POST, "/v1/user/<b_user>/accesskey", Admin, 201));
    rows.push(row(M::PUT, "/v1/user/<b_key>?disable", Admin, 200));
    rows.push(row(M::DELETE, "/v1/user/<b_key>", Admin, 204));
    os_credential_rows(&mut rows);
    rows
}

/// Keystone's `/v3/credentials` and OS-EC2 (identity:*_credential, identity:ec2_*: the
/// owner or an admin; reads also a system reader), and ec2tokens/s3tokens, which need no
/// token and answer a bad signature 401 whoever calls.
fn os_credential_rows(rows: &mut Vec<Row>) {
    use Method as M;
    use Rule::*;
    rows.extend(read("/v3/credentials", Anyone, 200));
    rows.extend(
        read("/v3/credentials?user_id=<uA>", Anyone, 200).map(|r| r.note("filtered to own")),
    );
    rows.push(
        row(M::POST, "/v3/credentials", Admin, 201)
            .body(r#"{"credential": {"type": "totp", "user_id": "<new_user>", "blob": "matrix"}}"#)
            .note("another's"),
    );
    rows.push(
        row(M::POST, "/v3/credentials", Anyone, 201)
            .body(r#"{"credential": {"type": "totp", "user_id": "<me>", "blob": "matrix"}}"#)
            .note("own"),
    );
    rows.extend(read("/v3/credentials/<os_cred>", SystemReader, 200));
    rows.push(
        row(M::PATCH, "/v3/credentials/<os_cred>", Admin, 200)
            .body(r#"{"credential": {"blob": "patched"}}"#),
    );
    rows.push(row(M::DELETE, "/v3/credentials/<os_cred>", Admin, 204));
    rows.extend(read("/v3/users/<uA>/credentials/OS-EC2", SystemReader, 200));
    rows.extend(read("/v3/users/<me>/credentials/OS-EC2", Anyone, 200));
    rows.push(
        row(
            M::POST,
            "/v3/users/<new_user>/credentials/OS-EC2",
            Admin,
            201,
        )
        .body(r#"{"tenant_id": "<PA>"}"#)
        .note("another's"),
    );
    rows.push(
        row(M::POST, "/v3/users/<me>/credentials/OS-EC2", Anyone, 201)
            .body(r#"{"tenant_id": "<PA>"}"#)
            .note("own"),
    );
    rows.extend(read("/v3/users/<ec2_pair>", SystemReader, 200));
    rows.push(row(M::DELETE, "/v3/users/<ec2_pair>", Admin, 204));
    for path in [
        "/v3/credentials/<missing>",
        "/v3/users/<missing>/credentials/OS-EC2",
        "/v3/users/<uA>/credentials/OS-EC2/<missing>",
    ] {
        rows.push(row(M::GET, path, SystemReader, 404).note("missing"));
    }
    for (method, path, body) in [
        (
            M::PATCH,
            "/v3/credentials/<missing>",
            Some(r#"{"credential": {"blob": "x"}}"#),
        ),
        (M::DELETE, "/v3/credentials/<missing>", None),
        (
            M::DELETE,
            "/v3/users/<uA>/credentials/OS-EC2/<missing>",
            None,
        ),
        (
            M::POST,
            "/v3/users/<missing>/credentials/OS-EC2",
            Some(r#"{"tenant_id": "<PA>"}"#),
        ),
    ] {
        let mut r = row(method, path, Admin, 404).note("missing");
        r.body = body;
        rows.push(r);
    }
    rows.push(
        row(M::POST, "/v3/ec2tokens", Public, 401)
            .body(r#"{"credentials": {"access": "<missing>", "signature": "x", "host": "h", "verb": "GET", "path": "/", "params": {"SignatureVersion": "2"}}}"#)
            .note("unknown access"),
    );
    rows.push(
        row(M::POST, "/v3/s3tokens", Public, 401)
            .body(r#"{"credentials": {"access": "<ec2_access>", "signature": "x", "token": "R0VUCgoKL2J1Y2tldA=="}}"#)
            .note("wrong signature"),
    );
}

/// Application credentials and access rules: a member of PA (the subject user, whom no
/// persona is) owns the targets; every persona also acts on its own.
fn application_credential_rows(rows: &mut Vec<Row>) {
    use Method as M;
    use Rule::*;
    let theirs = "/v3/users/<subject_user>/application_credentials";
    let rules = "/v3/users/<subject_user>/access_rules";
    rows.extend(read(theirs, SystemReader, 200));
    rows.extend(read("/v3/users/<me>/application_credentials", Anyone, 200));
    rows.push(
        row(M::POST, theirs, OwnerOnly, 201)
            .body(r#"{"application_credential": {"name": "<name>"}}"#)
            .note("another's"),
    );
    rows.push(
        row(
            M::POST,
            "/v3/users/<me>/application_credentials",
            ProjectScopedOwner,
            201,
        )
        .body(r#"{"application_credential": {"name": "<name>"}}"#)
        .note("own"),
    );
    rows.extend(read(&format!("{theirs}/<app_credS>"), SystemReader, 200));
    rows.push(row(
        M::DELETE,
        &format!("{theirs}/<new_app_cred>"),
        Admin,
        204,
    ));
    rows.extend(read(rules, SystemScopedReader, 200));
    rows.extend(read("/v3/users/<me>/access_rules", Anyone, 200));
    rows.extend(read(&format!("{rules}/<ruleS>"), SystemScopedReader, 200));
    rows.push(row(
        M::DELETE,
        &format!("{rules}/<new_access_rule>"),
        OwnerOnly,
        204,
    ));
    // Missing targets: 404 for those the rule lets through on the path's user.
    rows.push(row(M::GET, &format!("{theirs}/<missing>"), SystemReader, 404).note("missing"));
    rows.push(row(M::DELETE, &format!("{theirs}/<missing>"), Admin, 404).note("missing"));
    rows.push(
        row(
            M::GET,
            &format!("{rules}/<missing>"),
            SystemScopedReader,
            404,
        )
        .note("missing"),
    );
}

/// The subject user makes an application credential (with an access rule); returns its
/// body.
async fn new_app_cred(world: &World, rule_path: &str) -> Value {
    let path = format!(
        "/v3/users/{}/application_credentials",
        world.vars["subject_user"]
    );
    let body = json!({"application_credential": {"name": unique("appcred"), "access_rules": [
        {"service": "identity", "method": "GET", "path": rule_path}]}});
    let resp = world
        .app
        .call(
            Method::POST,
            &path,
            &world.vars["subject_token"],
            Some(body),
        )
        .await;
    assert_eq!(resp.status(), 201, "set-up application credential");
    resp.json::<Value>().await.expect("json")["application_credential"].clone()
}

/// Unified limits (Keystone's registered_limit.py and limit.py) and OS-EP-FILTER
/// (endpoint_group.py, project_endpoint.py). The shared limit `<L>` is project PA's, so
/// `get_limit` lets in PA's token and A's domain tokens but not B's manager.
fn limit_and_endpoint_filter_rows() -> Vec<Row> {
    use Method as M;
    use Rule::*;
    let mut rows = Vec::new();
    rows.extend(read("/v3/registered_limits", Anyone, 200));
    rows.push(
        row(M::POST, "/v3/registered_limits", Admin, 201).body(
            r#"{"registered_limits": [{"service_id": "<S>", "resource_name": "<name>", "default_limit": 1}]}"#,
        ),
    );
    rows.extend(read("/v3/registered_limits/<RL>", Anyone, 200));
    rows.push(
        row(
            M::PATCH,
            "/v3/registered_limits/<new_registered_limit>",
            Admin,
            200,
        )
        .body(r#"{"registered_limit": {"default_limit": 3}}"#),
    );
    rows.push(row(
        M::DELETE,
        "/v3/registered_limits/<new_registered_limit>",
        Admin,
        204,
    ));
    rows.extend(read("/v3/limits/model", Anyone, 200));
    rows.extend(read("/v3/limits", Anyone, 200));
    rows.push(
        row(M::POST, "/v3/limits", Admin, 201).body(
            r#"{"limits": [{"project_id": "<new_project>", "service_id": "<S>", "resource_name": "<RL_name>", "resource_limit": 1}]}"#,
        ),
    );
    rows.extend(read("/v3/limits/<L>", ReaderOfAOrProjectInA, 200));
    rows.push(
        row(M::PATCH, "/v3/limits/<new_limit>", Admin, 200)
            .body(r#"{"limit": {"resource_limit": 2}}"#),
    );
    rows.push(row(M::DELETE, "/v3/limits/<new_limit>", Admin, 204));
    rows.push(row(M::GET, "/v3/limits/<missing>", SystemReader, 404).note("missing"));

    let ep = "/v3/OS-EP-FILTER";
    rows.extend(read(&format!("{ep}/endpoint_groups"), SystemReader, 200));
    rows.push(
        row(M::POST, &format!("{ep}/endpoint_groups"), Admin, 201)
            .body(r#"{"endpoint_group": {"name": "<name>", "filters": {"service_id": "<S>"}}}"#),
    );
    rows.extend(read(
        &format!("{ep}/endpoint_groups/<EG>"),
        SystemReader,
        200,
    ));
    rows.push(
        row(
            M::PATCH,
            &format!("{ep}/endpoint_groups/<new_endpoint_group>"),
            Admin,
            200,
        )
        .body(r#"{"endpoint_group": {"name": "patched"}}"#),
    );
    rows.push(row(
        M::DELETE,
        &format!("{ep}/endpoint_groups/<new_endpoint_group>"),
        Admin,
        204,
    ));
    rows.push(
        row(
            M::GET,
            &format!("{ep}/endpoint_groups/<missing>"),
            SystemReader,
            404,
        )
        .note("missing"),
    );
    rows.extend(read(
        &format!("{ep}/endpoint_groups/<EG>/projects"),
        SystemReader,
        200,
    ));
    rows.extend(read(
        &format!("{ep}/endpoint_groups/<EG>/endpoints"),
        SystemReader,
        200,
    ));
    let group_pair = format!("{ep}/endpoint_groups/<new_endpoint_group>/projects/<new_project>");
    for r in read(&group_pair, SystemReader, 200) {
        rows.push(r.put_first());
    }
    rows.push(row(M::PUT, &group_pair, Admin, 204));
    rows.push(row(M::DELETE, &group_pair, Admin, 204).put_first());
    rows.extend(read(
        &format!("{ep}/projects/<PA>/endpoint_groups"),
        SystemReader,
        200,
    ));
    rows.extend(read(
        &format!("{ep}/projects/<PA>/endpoints"),
        SystemReader,
        200,
    ));
    let endpoint_pair = format!("{ep}/projects/<new_project>/endpoints/<E>");
    for r in read(&endpoint_pair, SystemReader, 204) {
        rows.push(r.put_first());
    }
    rows.push(row(M::PUT, &endpoint_pair, Admin, 204));
    rows.push(row(M::DELETE, &endpoint_pair, Admin, 204).put_first());
    rows.extend(read(
        &format!("{ep}/endpoints/<E>/projects"),
        SystemReader,
        200,
    ));
    rows
}

/// The placeholders of the limit and endpoint filter rows made fresh for a cell.
async fn limit_and_endpoint_filter_value(world: &World, name: &str) -> Option<String> {
    let app = &world.app;
    Some(match name {
        "new_registered_limit" => {
            let body = json!({"registered_limits": [{"service_id": world.vars["S"],
                "resource_name": unique("fresh"), "default_limit": 1}]});
            let made = admin(app, Method::POST, "/v3/registered_limits", body, 201).await;
            made["registered_limits"][0]["id"]
                .as_str()
                .expect("id")
                .to_string()
        }
        "new_limit" => {
            let project = json!({"project": {"name": unique("project"), "domain_id": world.a}});
            let project = id_of(
                &admin(app, Method::POST, "/v3/projects", project, 201).await,
                "project",
            );
            let body = json!({"limits": [{"project_id": project, "service_id": world.vars["S"],
                "resource_name": world.vars["RL_name"], "resource_limit": 1}]});
            let made = admin(app, Method::POST, "/v3/limits", body, 201).await;
            made["limits"][0]["id"].as_str().expect("id").to_string()
        }
        "new_endpoint_group" => {
            let body = json!({"endpoint_group": {"name": unique("group"),
                "filters": {"interface": "admin"}}});
            id_of(
                &admin(
                    app,
                    Method::POST,
                    "/v3/OS-EP-FILTER/endpoint_groups",
                    body,
                    201,
                )
                .await,
                "endpoint_group",
            )
        }
        _ => return None,
    })
}

/// The shared targets of the limit and endpoint filter rows: a registered limit `<RL>`
/// (named `<RL_name>`), PA's limit of it `<L>`, an endpoint group `<EG>`.
async fn limit_and_endpoint_filter_targets(
    app: &TestApp,
    service: &str,
    pa: &str,
) -> Vec<(&'static str, String)> {
    let rl_name = unique("matrix-cores");
    let body = json!({"registered_limits": [{"service_id": service, "resource_name": rl_name,
        "default_limit": 10}]});
    let made = admin(app, Method::POST, "/v3/registered_limits", body, 201).await;
    let rl = made["registered_limits"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let body = json!({"limits": [{"project_id": pa, "service_id": service,
        "resource_name": rl_name, "resource_limit": 5}]});
    let made = admin(app, Method::POST, "/v3/limits", body, 201).await;
    let limit = made["limits"][0]["id"].as_str().expect("id").to_string();
    let body = json!({"endpoint_group": {"name": "matrix", "filters": {"service_id": service}}});
    let group = id_of(
        &admin(
            app,
            Method::POST,
            "/v3/OS-EP-FILTER/endpoint_groups",
            body,
            201,
        )
        .await,
        "endpoint_group",
    );
    vec![
        ("RL", rl),
        ("RL_name", rl_name),
        ("L", limit),
        ("EG", group),
    ]
}

/// What the matrix sets up once: domains, personas and their tokens, shared targets.
struct World {
    app: TestApp,
    tokens: HashMap<Caller, String>,
    /// The user behind each caller's token, id and name (the subject user for the
    /// callers without one).
    users: HashMap<Caller, (String, String)>,
    vars: HashMap<String, String>,
    a: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Sends a request as the admin and insists on `status`; returns the body.
async fn admin(app: &TestApp, method: Method, path: &str, body: Value, status: u16) -> Value {
    let body = (!body.is_null()).then_some(body);
    let resp = app.call(method, path, &app.admin_token, body).await;
    let got = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "set-up {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn id_of(body: &Value, kind: &str) -> String {
    body[kind]["id"].as_str().expect("id").to_string()
}

async fn new_user(app: &TestApp, domain: &str, password: Option<&str>) -> (String, String) {
    let name = unique("user");
    let mut user = json!({"name": name, "domain_id": domain});
    if let Some(p) = password {
        user["password"] = json!(p);
    }
    let body = admin(app, Method::POST, "/v3/users", json!({ "user": user }), 201).await;
    (id_of(&body, "user"), name)
}

async fn new_group(app: &TestApp, domain: &str) -> (String, String) {
    let name = unique("group");
    let body = admin(
        app,
        Method::POST,
        "/v3/groups",
        json!({"group": {"name": name, "domain_id": domain}}),
        201,
    )
    .await;
    (id_of(&body, "group"), name)
}

async fn new_key(app: &TestApp, user_id: &str) -> String {
    let body = admin(
        app,
        Method::POST,
        "/v3.0/OS-CREDENTIAL/credentials",
        json!({"credential": {"user_id": user_id}}),
        201,
    )
    .await;
    body["credential"]["access"]
        .as_str()
        .expect("access")
        .to_string()
}

/// A trust from the matrix's trustor (`member` on PA) to `trustee`; its id.
async fn new_trust(
    app: &TestApp,
    trustor_token: &str,
    vars: &HashMap<String, String>,
    trustee: &str,
) -> String {
    let token = jwt_part(trustor_token, 1);
    let body = json!({"trust": {"trustor_user_id": token["sub"], "trustee_user_id": trustee,
        "project_id": vars["PA"], "impersonation": true, "roles": [{"name": "member"}]}});
    let resp = app
        .call(
            Method::POST,
            "/v3/OS-TRUST/trusts",
            trustor_token,
            Some(body),
        )
        .await;
    assert_eq!(resp.status(), 201, "set-up trust");
    let body: Value = resp.json().await.expect("json");
    id_of(&body, "trust")
}

/// A password token for a user id with a scope; panics unless 201.
async fn login(app: &TestApp, user_id: &str, password: &str, scope: Value) -> String {
    let mut body = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": user_id, "password": password}}}}});
    if !scope.is_null() {
        body["auth"]["scope"] = scope;
    }
    let resp = app
        .call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await;
    assert_eq!(resp.status(), 201, "login of {user_id}");
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string()
}

fn jwt_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

/// The secret the service signs tokens with, from its key file.
fn token_key(app: &TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(app.dir.path().join("token.key")).expect("token key");
    STANDARD.decode(text.trim()).expect("base64 key")
}

/// Text that must never appear in a response: passwords, hashes, the key files.
fn secrets(app: &TestApp) -> Vec<String> {
    let mut found = vec![
        ADMIN_PASSWORD.to_string(),
        PASSWORD.to_string(),
        OLD_PASSWORD.to_string(),
        "$argon2".to_string(),
    ];
    for file in ["token.key", "credential.key"] {
        let text = std::fs::read_to_string(app.dir.path().join(file)).expect("key file");
        let raw = STANDARD.decode(text.trim()).expect("base64 key");
        found.push(text.trim().to_string());
        found.push(URL_SAFE_NO_PAD.encode(&raw));
        found.push(hex::encode(&raw));
    }
    found
}

impl World {
    async fn build() -> World {
        let app = spawn_app().await;
        let post = Method::POST;
        let a = id_of(
            &admin(
                &app,
                post.clone(),
                "/v3/domains",
                json!({"domain": {"name": unique("domain-a")}}),
                201,
            )
            .await,
            "domain",
        );
        let b = id_of(
            &admin(
                &app,
                post.clone(),
                "/v3/domains",
                json!({"domain": {"name": unique("domain-b")}}),
                201,
            )
            .await,
            "domain",
        );
        let pa = id_of(
            &admin(
                &app,
                post.clone(),
                "/v3/projects",
                json!({"project": {"name": "pa", "domain_id": a}}),
                201,
            )
            .await,
            "project",
        );
        let pb = id_of(
            &admin(
                &app,
                post.clone(),
                "/v3/projects",
                json!({"project": {"name": "pb", "domain_id": b}}),
                201,
            )
            .await,
            "project",
        );
        let mut vars: HashMap<String, String> = HashMap::new();
        let roles = admin(&app, Method::GET, "/v3/roles", Value::Null, 200).await;
        for r in roles["roles"].as_array().expect("roles") {
            vars.insert(
                format!("role:{}", r["name"].as_str().expect("name")),
                r["id"].as_str().expect("id").to_string(),
            );
        }
        let role = |name: &str| vars[&format!("role:{name}")].clone();
        let grant = |target: String, user: &str, role: String| {
            let path = format!("/v3/{target}/users/{user}/roles/{role}");
            let app = &app;
            async move { admin(app, Method::PUT, &path, Value::Null, 204).await }
        };
        let mut tokens = HashMap::new();
        let mut users = HashMap::new();
        let project_pa = json!({"project": {"id": pa}});

        let member = new_user(&app, &a, Some(PASSWORD)).await;
        grant(format!("projects/{pa}"), &member.0, role("member")).await;
        tokens.insert(
            Member,
            login(&app, &member.0, PASSWORD, project_pa.clone()).await,
        );
        users.insert(Member, member);

        for (caller, domain) in [(ManagerOfA, &a), (ManagerOfB, &b)] {
            let manager = new_user(&app, domain, Some(PASSWORD)).await;
            grant(format!("domains/{domain}"), &manager.0, role("manager")).await;
            let scope = json!({"domain": {"id": domain}});
            tokens.insert(caller, login(&app, &manager.0, PASSWORD, scope).await);
            users.insert(caller, manager);
        }

        let reader = new_user(&app, &a, Some(PASSWORD)).await;
        admin(
            &app,
            Method::PUT,
            &format!("/v3/system/users/{}/roles/{}", reader.0, role("reader")),
            Value::Null,
            204,
        )
        .await;
        let system = json!({"system": {"all": true}});
        tokens.insert(Reader, login(&app, &reader.0, PASSWORD, system).await);
        users.insert(Reader, reader);

        tokens.insert(CloudAdmin, app.admin_token.clone());
        users.insert(CloudAdmin, (app.admin_id.clone(), "admin".to_string()));

        // Tokens that must be dead. Each would carry admin powers if it were accepted, so
        // a wrongly accepted one shows as a success, not as a 403.
        let revoked = login(&app, &app.admin_id, ADMIN_PASSWORD, Value::Null).await;
        let resp = app
            .client
            .delete(app.url("/v3/auth/tokens"))
            .header("X-Auth-Token", &app.admin_token)
            .header("X-Subject-Token", &revoked)
            .send()
            .await
            .expect("revoke");
        assert_eq!(resp.status(), 204, "revoke");
        tokens.insert(Revoked, revoked);
        users.insert(Revoked, users[&CloudAdmin].clone());

        let mut doomed = Vec::new();
        for caller in [DeletedUser, DisabledUser, PasswordChanged] {
            let user = new_user(&app, &a, Some(PASSWORD)).await;
            grant(format!("projects/{pa}"), &user.0, role("admin")).await;
            tokens.insert(
                caller,
                login(&app, &user.0, PASSWORD, project_pa.clone()).await,
            );
            doomed.push((caller, user.0.clone()));
            users.insert(caller, user);
        }
        for (caller, user_id) in doomed {
            match caller {
                DeletedUser => {
                    admin(
                        &app,
                        Method::DELETE,
                        &format!("/v3/users/{user_id}"),
                        Value::Null,
                        204,
                    )
                    .await;
                }
                DisabledUser => {
                    admin(
                        &app,
                        Method::PATCH,
                        &format!("/v3/users/{user_id}"),
                        json!({"user": {"enabled": false}}),
                        200,
                    )
                    .await;
                }
                _ => {
                    // The user changes their own password with the token about to go stale.
                    let resp = app
                        .call(
                            Method::POST,
                            &format!("/v3/users/{user_id}/password"),
                            &tokens[&caller],
                            Some(json!({"user": {"original_password": PASSWORD,
                                "password": "matrix-changed-password"}})),
                        )
                        .await;
                    assert_eq!(resp.status(), 204, "password change");
                }
            }
        }

        // Forged from the admin's own claims: only the one flaw differs.
        let claims = jwt_part(&app.admin_token, 1);
        let key = token_key(&app);
        let mut expired = claims.clone();
        let now_us = chrono::Utc::now().timestamp_micros();
        expired["iat"] = json!(now_us / 1_000_000 - 7200);
        expired["exp"] = json!(now_us / 1_000_000 - 3600);
        expired["openstack_issued_at_us"] = json!(now_us - 7_200_000_000);
        expired["openstack_expires_at_us"] = json!(now_us - 3_600_000_000);
        let sign = |alg: Algorithm, claims: &Value, key: &[u8]| {
            jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key))
                .expect("sign")
        };
        tokens.insert(Expired, sign(Algorithm::HS256, &expired, &key));
        tokens.insert(OtherKey, sign(Algorithm::HS256, &claims, &[0x5a; 64]));
        tokens.insert(AlgSwapped, sign(Algorithm::HS512, &claims, &key));
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = app.admin_token.split('.').nth(1).expect("payload");
        tokens.insert(AlgNone, format!("{none_header}.{payload}."));
        for caller in [Expired, OtherKey, AlgSwapped, AlgNone] {
            users.insert(caller, users[&CloudAdmin].clone());
        }
        // Controls for the forgeries: the same claims re-signed as the service signs are
        // accepted, so each forged column fails for its one flaw alone; and an RS256
        // header over an HS256 signature made with the real key is refused too.
        let resigned = sign(Algorithm::HS256, &claims, &key);
        let resp = app.call(Method::GET, "/v3/groups", &resigned, None).await;
        assert_eq!(resp.status(), 200, "a faithful re-signing is accepted");
        let rs_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let signing_input = format!("{rs_header}.{payload}");
        let signature = jsonwebtoken::crypto::sign(
            signing_input.as_bytes(),
            &EncodingKey::from_secret(&key),
            Algorithm::HS256,
        )
        .expect("sign");
        let rs256 = format!("{signing_input}.{signature}");
        let resp = app.call(Method::GET, "/v3/groups", &rs256, None).await;
        assert_eq!(resp.status(), 401, "RS256 header, HS256 signature");
        tokens.insert(Garbage, "garbage".to_string());
        tokens.insert(NoToken, String::new());

        // Shared targets in A.
        let (g_a, _) = new_group(&app, &a).await;
        let (u_a, u_a_name) = new_user(&app, &a, None).await;
        admin(
            &app,
            Method::PUT,
            &format!("/v3/groups/{g_a}/users/{u_a}"),
            Value::Null,
            204,
        )
        .await;
        let cred_a = new_key(&app, &u_a).await;
        let subject = new_user(&app, &a, Some(PASSWORD)).await;
        grant(format!("projects/{pa}"), &subject.0, role("member")).await;
        let subject_token = login(&app, &subject.0, PASSWORD, project_pa).await;
        for caller in [NoToken, Garbage] {
            users.insert(caller, (u_a.clone(), u_a_name.clone()));
        }
        let region = unique("region");
        admin(
            &app,
            Method::PUT,
            &format!("/v3/regions/{region}"),
            json!({"region": {}}),
            201,
        )
        .await;
        let service = id_of(
            &admin(
                &app,
                post.clone(),
                "/v3/services",
                json!({"service": {"type": "matrix"}}),
                201,
            )
            .await,
            "service",
        );
        let endpoint = id_of(
            &admin(
                &app,
                post,
                "/v3/endpoints",
                json!({"endpoint": {"service_id": service, "interface": "public",
                    "url": "http://matrix.test/shared"}}),
                201,
            )
            .await,
            "endpoint",
        );
        // Federation: a provider in A with an `openid` protocol, and its mapping.
        let mapping = unique("mapping");
        admin(
            &app,
            Method::PUT,
            &format!("/v3/OS-FEDERATION/mappings/{mapping}"),
            json!({"mapping": {"rules": [{"local": [{"user": {"name": "{0}"}}],
                                          "remote": [{"type": "sub"}]}]}}),
            201,
        )
        .await;
        let idp = unique("idp");
        admin(
            &app,
            Method::PUT,
            &format!("/v3/OS-FEDERATION/identity_providers/{idp}"),
            json!({"identity_provider": {"domain_id": a}}),
            201,
        )
        .await;
        admin(
            &app,
            Method::PUT,
            &format!("/v3/OS-FEDERATION/identity_providers/{idp}/protocols/openid"),
            json!({"protocol": {"mapping_id": mapping}}),
            201,
        )
        .await;
        // OS-TRUST: a trustor with `member` on PA, and its trust to another user.
        let trustor = new_user(&app, &a, Some(PASSWORD)).await;
        grant(format!("projects/{pa}"), &trustor.0, role("member")).await;
        let trustor_token = login(&app, &trustor.0, PASSWORD, json!({"project": {"id": pa}})).await;
        let trustee = new_user(&app, &a, None).await;
        vars.insert("PA".into(), pa.clone());
        let trust_a = new_trust(&app, &trustor_token, &vars, &trustee.0).await;
        for (k, v) in limit_and_endpoint_filter_targets(&app, &service, &pa).await {
            vars.insert(k.to_string(), v);
        }
        for (k, v) in [
            ("trust_trustor", trustor.0),
            ("trust_trustor_token", trustor_token),
            ("trust_trustee", trustee.0),
            ("trustA", trust_a),
        ] {
            vars.insert(k.to_string(), v);
        }
        for (k, v) in [
            ("IDP", idp),
            ("MAP", mapping),
            ("A", a.clone()),
            ("PA", pa),
            ("B", b),
            ("PB", pb),
            ("gA", g_a),
            ("uA", u_a),
            ("credA", cred_a),
            ("R", region),
            ("S", service),
            ("E", endpoint),
            ("subject_user", subject.0),
            ("subject_token", subject_token),
        ] {
            vars.insert(k.to_string(), v);
        }
        World {
            app,
            tokens,
            users,
            vars,
            a,
        }
    }

    /// The domain the Baidu face looks names up in for this caller.
    fn bce_account(&self, caller: Caller) -> &str {
        if caller == CloudAdmin {
            "default"
        } else {
            &self.a
        }
    }

    /// The admin grants the global role `role` at `/v3/{on}/roles/{role}`.
    async fn grant(&self, on: &str, role: &str) {
        let path = format!("/v3/{on}/roles/{}", self.vars[&format!("role:{role}")]);
        admin(&self.app, Method::PUT, &path, Value::Null, 204).await;
    }

    /// The value of one placeholder for one cell: shared, about the caller, or made fresh.
    async fn resolve(&self, name: &str, caller: Caller) -> String {
        let app = &self.app;
        let a = self.a.as_str();
        if let Some(v) = self.vars.get(name) {
            return v.clone();
        }
        let post = Method::POST;
        match name {
            "me" => self.users[&caller].0.clone(),
            "my_name" => self.users[&caller].1.clone(),
            "own_token" => self.tokens[&caller].clone(),
            "name" => unique("made"),
            "missing" => "0badc0de0badc0de0badc0de0badc0de".to_string(),
            "missing_name" => "no-such-name".to_string(),
            "new_user" => new_user(app, a, None).await.0,
            "new_user_b" => new_user(app, &self.vars["B"], None).await.0,
            "new_user_pw" => new_user(app, a, Some(OLD_PASSWORD)).await.0,
            "new_group" => new_group(app, a).await.0,
            "new_role" | "new_role2" => id_of(
                &admin(
                    app,
                    post,
                    "/v3/roles",
                    json!({"role": {"name": unique("role")}}),
                    201,
                )
                .await,
                "role",
            ),
            "new_project" => id_of(
                &admin(
                    app,
                    post,
                    "/v3/projects",
                    json!({"project": {"name": unique("project"), "domain_id": a}}),
                    201,
                )
                .await,
                "project",
            ),
            "new_domain" | "new_disabled_domain" => {
                let enabled = name == "new_domain";
                let domain = json!({"domain": {"name": unique("domain"), "enabled": enabled}});
                id_of(
                    &admin(app, post, "/v3/domains", domain, 201).await,
                    "domain",
                )
            }
            "new_idp" => {
                let id = unique("idp");
                let path = format!("/v3/OS-FEDERATION/identity_providers/{id}");
                let body = json!({"identity_provider": {"domain_id": self.vars["A"]}});
                admin(app, Method::PUT, &path, body, 201).await;
                id
            }
            "new_protocol_pair" => {
                let id = unique("protocol");
                let rel = format!("{}/protocols/{id}", self.vars["IDP"]);
                let path = format!("/v3/OS-FEDERATION/identity_providers/{rel}");
                let body = json!({"protocol": {"mapping_id": self.vars["MAP"]}});
                admin(app, Method::PUT, &path, body, 201).await;
                rel
            }
            "new_mapping" => {
                let id = unique("mapping");
                let path = format!("/v3/OS-FEDERATION/mappings/{id}");
                let body = json!({"mapping": {"rules": [{"local": [{"user": {"name": "{0}"}}],
                                                          "remote": [{"type": "sub"}]}]}});
                admin(app, Method::PUT, &path, body, 201).await;
                id
            }
            "new_region" => {
                let id = unique("region");
                let path = format!("/v3/regions/{id}");
                admin(app, Method::PUT, &path, json!({"region": {}}), 201).await;
                id
            }
            "new_service" => id_of(
                &admin(
                    app,
                    post,
                    "/v3/services",
                    json!({"service": {"type": "fresh"}}),
                    201,
                )
                .await,
                "service",
            ),
            "new_endpoint" => {
                let endpoint = json!({"endpoint": {"service_id": self.vars["S"],
                    "interface": "internal", "url": "http://matrix.test/fresh"}});
                id_of(
                    &admin(app, post, "/v3/endpoints", endpoint, 201).await,
                    "endpoint",
                )
            }
            "new_cred" => {
                let (user, _) = new_user(app, a, None).await;
                new_key(app, &user).await
            }
            "os_cred" => {
                let (user, _) = new_user(app, a, None).await;
                let cred = json!({"credential": {"type": "totp", "user_id": user, "blob": "m"}});
                id_of(
                    &admin(app, post, "/v3/credentials", cred, 201).await,
                    "credential",
                )
            }
            "ec2_pair" | "ec2_access" => {
                let (user, _) = new_user(app, a, None).await;
                let path = format!("/v3/users/{user}/credentials/OS-EC2");
                let body = json!({"tenant_id": self.vars["PA"]});
                let made = admin(app, post, &path, body, 201).await;
                let access = made["credential"]["access"].as_str().expect("access");
                if name == "ec2_access" {
                    access.to_string()
                } else {
                    format!("{user}/credentials/OS-EC2/{access}")
                }
            }
            "app_credS" | "ruleS" => {
                let cred = new_app_cred(self, "/v3/shared").await;
                if name == "ruleS" {
                    cred["access_rules"][0]["id"]
                        .as_str()
                        .expect("id")
                        .to_string()
                } else {
                    cred["id"].as_str().expect("id").to_string()
                }
            }
            "new_app_cred" => new_app_cred(self, "/v3").await["id"]
                .as_str()
                .expect("id")
                .to_string(),
            "new_access_rule" => {
                // A rule no credential uses any more: its credential is deleted.
                let cred = new_app_cred(self, &format!("/v3/{}", unique("rule"))).await;
                let path = format!(
                    "/v3/users/{}/application_credentials/{}",
                    self.vars["subject_user"],
                    cred["id"].as_str().expect("id")
                );
                admin(app, Method::DELETE, &path, Value::Null, 204).await;
                cred["access_rules"][0]["id"]
                    .as_str()
                    .expect("id")
                    .to_string()
            }
            "new_trust" => {
                let (trustee, _) = new_user(app, a, None).await;
                new_trust(app, &self.vars["trust_trustor_token"], &self.vars, &trustee).await
            }
            "new_subject" => {
                let scope = json!({"project": {"id": self.vars["PA"]}});
                login(app, &self.vars["subject_user"], PASSWORD, scope).await
            }
            "admin_id" => app.admin_id.clone(),
            "new_admin_user" | "new_member_user" => {
                let (user, _) = new_user(app, a, None).await;
                let role = if name == "new_admin_user" {
                    "admin"
                } else {
                    "member"
                };
                self.grant(&format!("projects/{}/users/{user}", self.vars["PA"]), role)
                    .await;
                user
            }
            "new_system_user" => {
                let (user, _) = new_user(app, a, None).await;
                self.grant(&format!("system/users/{user}"), "reader").await;
                user
            }
            "new_inherited_admin_user" => {
                let (user, _) = new_user(app, a, None).await;
                let path = format!(
                    "/v3/OS-INHERIT/domains/{a}/users/{user}/roles/{}/inherited_to_projects",
                    self.vars["role:admin"]
                );
                admin(app, Method::PUT, &path, Value::Null, 204).await;
                user
            }
            "new_admin_group" | "new_member_group" => {
                let (group, _) = new_group(app, a).await;
                let role = if name == "new_admin_group" {
                    "admin"
                } else {
                    "member"
                };
                self.grant(
                    &format!("projects/{}/groups/{group}", self.vars["PA"]),
                    role,
                )
                .await;
                group
            }
            "new_group_admin_user" | "admin_group_pair" => {
                let (group, _) = new_group(app, a).await;
                self.grant(
                    &format!("projects/{}/groups/{group}", self.vars["PA"]),
                    "admin",
                )
                .await;
                let (user, _) = new_user(app, a, None).await;
                let pair = format!("{group}/users/{user}");
                admin(
                    app,
                    Method::PUT,
                    &format!("/v3/groups/{pair}"),
                    Value::Null,
                    204,
                )
                .await;
                if name == "admin_group_pair" {
                    pair
                } else {
                    user
                }
            }
            "b_admin_user" | "b_member_user" | "b_admin_key" => {
                let account = self.bce_account(caller);
                let (uid, user) = new_user(app, account, None).await;
                let role = if name == "b_member_user" {
                    "member"
                } else {
                    "admin"
                };
                self.grant(&format!("domains/{account}/users/{uid}"), role)
                    .await;
                if name == "b_admin_key" {
                    let key = new_key(app, &uid).await;
                    format!("{user}/accesskey/{key}")
                } else {
                    user
                }
            }
            "b_admin_group" | "b_admin_pair" | "b_admin_member_pair" => {
                let account = self.bce_account(caller);
                let (gid, group) = new_group(app, account).await;
                self.grant(&format!("domains/{account}/groups/{gid}"), "admin")
                    .await;
                if name == "b_admin_group" {
                    return group;
                }
                let (uid, user) = new_user(app, account, None).await;
                if name == "b_admin_member_pair" {
                    let path = format!("/v3/groups/{gid}/users/{uid}");
                    admin(app, Method::PUT, &path, Value::Null, 204).await;
                }
                format!("{group}/user/{user}")
            }
            "b_group" => new_group(app, self.bce_account(caller)).await.1,
            "b_user" => new_user(app, self.bce_account(caller), None).await.1,
            "b_pair" | "b_member_pair" => {
                let account = self.bce_account(caller);
                let (gid, group) = new_group(app, account).await;
                let (uid, user) = new_user(app, account, None).await;
                if name == "b_member_pair" {
                    let path = format!("/v3/groups/{gid}/users/{uid}");
                    admin(app, Method::PUT, &path, Value::Null, 204).await;
                }
                format!("{group}/user/{user}")
            }
            "b_key" => {
                let (uid, user) = new_user(app, self.bce_account(caller), None).await;
                let key = new_key(app, &uid).await;
                format!("{user}/accesskey/{key}")
            }
            "new_policy" => id_of(
                &admin(
                    app,
                    post,
                    "/v3/policies",
                    json!({"policy": {"blob": "{}", "type": "application/json"}}),
                    201,
                )
                .await,
                "policy",
            ),
            "new_consumer" => id_of(
                &admin(
                    app,
                    post,
                    "/v3/OS-OAUTH1/consumers",
                    json!({"consumer": {"description": "fresh"}}),
                    201,
                )
                .await,
                "consumer",
            ),
            "new_request_token" => new_request_token(app).await.2,
            "new_access_token" => new_access_token(app).await,
            "new_configured_domain" => {
                let domain = json!({"domain": {"name": unique("domain")}});
                let id = id_of(
                    &admin(app, post, "/v3/domains", domain, 201).await,
                    "domain",
                );
                let config = json!({"config": {"identity": {"driver": "ldap", "list_limit": 5},
                    "ldap": {"url": "ldap://fresh/"}}});
                let path = format!("/v3/domains/{id}/config");
                admin(app, Method::PUT, &path, config, 201).await;
                id
            }
            other => match limit_and_endpoint_filter_value(self, other).await {
                Some(value) => value,
                None => panic!("unknown placeholder <{other}>"),
            },
        }
    }

    /// Fills a template's placeholders, one value per name for the whole cell.
    async fn fill(
        &self,
        template: &str,
        caller: Caller,
        values: &mut HashMap<String, String>,
    ) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("closed placeholder") + start;
            let name = &rest[start + 1..end];
            if !values.contains_key(name) {
                let value = self.resolve(name, caller).await;
                values.insert(name.to_string(), value);
            }
            out.push_str(&rest[..start]);
            out.push_str(&values[name]);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Runs one cell: its status and its body.
    async fn cell(&self, row: &Row, caller: Caller) -> (u16, String) {
        let mut values = HashMap::new();
        let path = self.fill(&row.path, caller, &mut values).await;
        let body = match row.body {
            Some(t) => Some(self.fill(t, caller, &mut values).await),
            None => None,
        };
        let subject = match row.subject {
            Some(t) => Some(self.fill(t, caller, &mut values).await),
            None => None,
        };
        let app = &self.app;
        if row.put_first {
            let resp = app.call(Method::PUT, &path, &app.admin_token, None).await;
            assert!(resp.status().is_success(), "set-up PUT {path}");
        }
        let mut req = app.client.request(row.method.clone(), app.url(&path));
        let token = &self.tokens[&caller];
        if !token.is_empty() {
            req = req.header("X-Auth-Token", token);
        }
        if let Some(subject) = subject {
            req = req.header("X-Subject-Token", subject);
        }
        if let Some(body) = body {
            req = req.header("Content-Type", "application/json").body(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }
}

/// Prints the table: one line per route, one column per caller; a cell that differs from
/// its expectation shows `expected!got`.
fn render(rows: &[Row], got: &[Vec<u16>]) -> String {
    let label_width = rows.iter().map(|r| r.label().len()).max().unwrap_or(0);
    let widths: Vec<usize> = CALLERS.iter().map(|c| c.column().len().max(7)).collect();
    let mut out = format!("{:label_width$}", "route");
    for (c, w) in CALLERS.iter().zip(&widths) {
        out.push_str(&format!(" {:>w$}", c.column()));
    }
    out.push('\n');
    for (row, statuses) in rows.iter().zip(got) {
        out.push_str(&format!("{:label_width$}", row.label()));
        for ((caller, w), status) in CALLERS.iter().zip(&widths).zip(statuses) {
            let expected = row.expected(*caller);
            let cell = if expected == *status {
                status.to_string()
            } else {
                format!("{expected}!{status}")
            };
            out.push_str(&format!(" {cell:>w$}"));
        }
        out.push('\n');
    }
    out
}

async fn authorization_matrix() {
    let started = Instant::now();
    let world = World::build().await;
    let secrets = secrets(&world.app);

    // A token carries who and where, never a secret.
    let allowed_claims = [
        "sub",
        "iat",
        "exp",
        "openstack_methods",
        "openstack_audit_ids",
        "openstack_project_id",
        "openstack_domain_id",
        "openstack_system",
        "openstack_issued_at_us",
        "openstack_expires_at_us",
        // The time of the password login, and a fingerprint of the salted password hash it
        // proved (never the password, which the loop below checks).
        "openstack_auth_at_us",
        "openstack_password_stamp",
    ];
    for caller in CALLERS.iter().filter(|c| c.is_persona()) {
        let token = &world.tokens[caller];
        assert_eq!(jwt_part(token, 0), json!({"typ": "JWT", "alg": "HS256"}));
        let claims = jwt_part(token, 1);
        for key in claims.as_object().expect("claims").keys() {
            assert!(allowed_claims.contains(&key.as_str()), "claim {key}");
        }
        let text = claims.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret in a token");
        }
    }

    let rows = routes();
    let mut got: Vec<Vec<u16>> = Vec::new();
    let mut wrong = Vec::new();
    for row in &rows {
        let mut statuses = Vec::new();
        for caller in CALLERS {
            let (status, body) = world.cell(row, caller).await;
            for secret in &secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "{} as {}: the response shows a secret: {body}",
                    row.label(),
                    caller.column()
                );
            }
            if status != row.expected(caller) {
                wrong.push(format!(
                    "{} as {}: expected {}, got {status}: {body}",
                    row.label(),
                    caller.column(),
                    row.expected(caller)
                ));
            }
            statuses.push(status);
        }
        got.push(statuses);
    }
    let cells = rows.len() * CALLERS.len();
    let table = render(&rows, &got);
    let verdict = if wrong.is_empty() {
        "all as expected".to_string()
    } else {
        format!("{} NOT as expected", wrong.len())
    };
    eprintln!(
        "\nAuthorization matrix ({:?}):\n{table}{} routes x {} callers = {cells} cells, {verdict} ({:.1} s)\n",
        backend(),
        rows.len(),
        CALLERS.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

both_backends!(authorization_matrix);

/// True if the matrix row's path (placeholders as `<x>`, maybe a query) is an instance of
/// the route template: a `{param}` matches any one segment, and the Baidu placeholders that
/// fill several segments (`<b_pair>` is `<group>/user/<user>`, `<b_key>` is
/// `<user>/accesskey/<key>`) stand for as many.
fn instance_of(row_path: &str, template: &str) -> bool {
    fn matches(got: &[&str], want: &[&str]) -> bool {
        match (got.split_first(), want.split_first()) {
            (None, None) => true,
            (Some((g, got_rest)), Some((w, want_rest))) => {
                let placeholder = g.starts_with('<') && g.ends_with('>');
                let spans = placeholder && (g.ends_with("_pair>") || g.ends_with("_key>"));
                let one = placeholder || (w.starts_with('{') && w.ends_with('}')) || g == w;
                (one && matches(got_rest, want_rest)) || (spans && matches(got, want_rest))
            }
            _ => false,
        }
    }
    let path = row_path.split('?').next().unwrap_or(row_path);
    let got: Vec<&str> = path.split('/').collect();
    let want: Vec<&str> = template.split('/').collect();
    matches(&got, &want)
}

/// The guard of the matrix: every operation of the route table (the same declarations that
/// serve and that `GET /openapi.json` documents) has at least one row above, so a new route
/// cannot ship without its authorization rule being tried for every kind of caller.
#[test]
fn the_matrix_covers_every_route_of_the_route_table() {
    let mut table = iam_groups::api::http::routing::RouteTable::documenting();
    iam_groups::api::declare_routes(&mut table);
    let rows = routes();
    let missing: Vec<String> = table
        .operations
        .iter()
        .filter(|op| {
            !rows.iter().any(|r| {
                r.method.as_str().eq_ignore_ascii_case(op.method) && instance_of(&r.path, &op.path)
            })
        })
        .map(|op| format!("{} {}", op.method.to_uppercase(), op.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes of the route table with no row in the authorization matrix:\n{}",
        missing.join("\n")
    );
    assert!(instance_of(
        "/v3/groups/<gA>/users/<uA>?x=1",
        "/v3/groups/{group_id}/users/{user_id}"
    ));
    assert!(!instance_of(
        "/v3/groups/<gA>",
        "/v3/groups/{group_id}/users/{user_id}"
    ));
    assert!(!instance_of(
        "/v1/group/<b_group>",
        "/v1/group/{group_name}/user/{user_name}"
    ));
    assert!(instance_of(
        "/v1/group/<b_pair>",
        "/v1/group/{group_name}/user/{user_name}"
    ));
    assert!(!instance_of("/v1/group/<b_pair>", "/v1/user"));
}
