//! OS-FEDERATION: `/v3/OS-FEDERATION/identity_providers`, their `protocols`, `mappings`,
//! and the scopes a federated user may take (`/v3/OS-FEDERATION/projects` and `/domains`,
//! the same as `/v3/auth/projects` and `/domains`). Each handler extracts the typed
//! request, calls the federation manager and wraps its answer.

pub mod wire;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::auth_scopes;
use crate::api::v3::domains::domain_schema;
use crate::api::v3::projects::project_schema;
use crate::auth::AuthContext;
use crate::db::federation::{IdentityProvider, MappingRow, ProtocolRow};
use crate::error::ApiError;
use crate::federation;
use crate::state::AppState;
use wire::{
    mapping_body, mapping_schema, CreateIdentityProvider, CreateProtocol, IdpListQuery,
    UpdateIdentityProvider, UpdateProtocol,
};

const IDPS: &str = "/v3/OS-FEDERATION/identity_providers";
const MAPPINGS: &str = "/v3/OS-FEDERATION/mappings";

fn idp_json(idp: &IdentityProvider, base: &BaseUrl) -> Value {
    let row = &idp.row;
    let this = base.join(&format!("{IDPS}/{}", row.id));
    json!({
        "id": row.id,
        "enabled": row.enabled,
        "description": row.description,
        "domain_id": row.domain_id,
        "authorization_ttl": row.authorization_ttl,
        "remote_ids": idp.remote_ids,
        "links": {"self": this, "protocols": format!("{this}/protocols")},
    })
}

fn idp_schema() -> Value {
    json!({"type": "object", "required": ["id", "enabled", "domain_id", "remote_ids", "links"],
    "properties": {
        "id": {"type": "string"},
        "enabled": {"type": "boolean"},
        "description": {"type": ["string", "null"]},
        "domain_id": {"type": "string"},
        "authorization_ttl": {"type": ["integer", "null"]},
        "remote_ids": {"type": "array", "items": {"type": "string"}},
        "links": {"type": "object", "properties": {
            "self": {"type": "string"}, "protocols": {"type": "string"}}},
    }})
}

fn mapping_json(m: &MappingRow, base: &BaseUrl) -> Value {
    // Stored by this service from JSON it parsed: it is JSON.
    let rules: Value = serde_json::from_str(&m.rules).unwrap_or(Value::Null);
    json!({
        "id": m.id,
        "rules": rules,
        "schema_version": m.schema_version,
        "links": {"self": base.join(&format!("{MAPPINGS}/{}", m.id))},
    })
}

fn mapping_view_schema() -> Value {
    json!({"type": "object", "required": ["id", "rules", "schema_version", "links"],
    "properties": {
        "id": {"type": "string"},
        "rules": {"type": "array"},
        "schema_version": {"type": "string"},
        "links": {"type": "object", "properties": {"self": {"type": "string"}}},
    }})
}

/// A protocol as Keystone shows one: its list adds `idp_id` and always carries
/// `remote_id_attribute`; a single protocol has it only when set.
fn protocol_json(p: &ProtocolRow, base: &BaseUrl, in_list: bool) -> Value {
    let idp = base.join(&format!("{IDPS}/{}", p.idp_id));
    let mut v = json!({
        "id": p.id,
        "mapping_id": p.mapping_id,
        "links": {"self": format!("{idp}/protocols/{}", p.id), "identity_provider": idp},
    });
    if in_list {
        v["idp_id"] = json!(p.idp_id);
        v["remote_id_attribute"] = json!(p.remote_id_attribute);
    } else if let Some(attr) = &p.remote_id_attribute {
        v["remote_id_attribute"] = json!(attr);
    }
    v
}

fn protocol_schema() -> Value {
    json!({"type": "object", "required": ["id", "mapping_id", "links"], "properties": {
        "id": {"type": "string"},
        "idp_id": {"type": "string"},
        "mapping_id": {"type": "string"},
        "remote_id_attribute": {"type": ["string", "null"]},
        "links": {"type": "object", "properties": {
            "self": {"type": "string"}, "identity_provider": {"type": "string"}}},
    }})
}

// ---- identity providers ----

/// `PUT /v3/OS-FEDERATION/identity_providers/{idp_id}`.
pub async fn create_idp(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateIdentityProvider::parse(body.into_value()?)?;
    let idp = federation::create_identity_provider(&state, &caller, path.into_inner(), new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "identity_provider",
        idp_json(&idp, &base),
    ))
}

/// `GET /v3/OS-FEDERATION/identity_providers`: `id`, `enabled`.
pub async fn list_idps(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = IdpListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let idps = federation::list_identity_providers(&state, &caller, query.into()).await?;
    let views: Vec<Value> = idps.iter().map(|i| idp_json(i, &base)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"identity_providers": views, "links": envelope::unpaged_links(&base, &req)})))
}

/// `GET /v3/OS-FEDERATION/identity_providers/{idp_id}`.
pub async fn show_idp(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let idp = federation::get_identity_provider(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "identity_provider",
        idp_json(&idp, &base),
    ))
}

/// `PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}`.
pub async fn update_idp(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateIdentityProvider::parse(body.into_value()?)?;
    let idp =
        federation::update_identity_provider(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "identity_provider",
        idp_json(&idp, &base),
    ))
}

/// `DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}`.
pub async fn delete_idp(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    federation::delete_identity_provider(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- protocols ----

/// `GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols`.
pub async fn list_protocols(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = federation::list_protocols(&state, &caller, path.into_inner()).await?;
    let views: Vec<Value> = rows.iter().map(|p| protocol_json(p, &base, true)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"protocols": views, "links": envelope::unpaged_links(&base, &req)})))
}

/// `PUT /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}`.
pub async fn create_protocol(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let fields = CreateProtocol::parse(body.into_value()?)?;
    let (idp_id, protocol_id) = path.into_inner();
    let row = federation::create_protocol(&state, &caller, idp_id, protocol_id, fields).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "protocol",
        protocol_json(&row, &base, false),
    ))
}

/// `GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}`.
pub async fn show_protocol(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (idp_id, protocol_id) = path.into_inner();
    let row = federation::get_protocol(&state, &caller, idp_id, protocol_id).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "protocol",
        protocol_json(&row, &base, false),
    ))
}

/// `PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}`.
pub async fn update_protocol(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let fields = UpdateProtocol::parse(body.into_value()?)?;
    let (idp_id, protocol_id) = path.into_inner();
    let row = federation::update_protocol(&state, &caller, idp_id, protocol_id, fields).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "protocol",
        protocol_json(&row, &base, false),
    ))
}

/// `DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}`.
pub async fn delete_protocol(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (idp_id, protocol_id) = path.into_inner();
    federation::delete_protocol(&state, &caller, idp_id, protocol_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- mappings ----

/// `PUT /v3/OS-FEDERATION/mappings/{mapping_id}`.
pub async fn create_mapping(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mapping = mapping_body(body.into_value()?)?;
    let row = federation::create_mapping(&state, &caller, path.into_inner(), mapping).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "mapping",
        mapping_json(&row, &base),
    ))
}

/// `GET /v3/OS-FEDERATION/mappings`.
pub async fn list_mappings(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let rows = federation::list_mappings(&state, &caller).await?;
    let views: Vec<Value> = rows.iter().map(|m| mapping_json(m, &base)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"mappings": views, "links": envelope::unpaged_links(&base, &req)})))
}

/// `GET /v3/OS-FEDERATION/mappings/{mapping_id}`.
pub async fn show_mapping(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = federation::get_mapping(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "mapping",
        mapping_json(&row, &base),
    ))
}

/// `PATCH /v3/OS-FEDERATION/mappings/{mapping_id}`: the rules replaced.
pub async fn update_mapping(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mapping = mapping_body(body.into_value()?)?;
    let row = federation::update_mapping(&state, &caller, path.into_inner(), mapping).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "mapping",
        mapping_json(&row, &base),
    ))
}

/// `DELETE /v3/OS-FEDERATION/mappings/{mapping_id}`.
pub async fn delete_mapping(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    federation::delete_mapping(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares OS-FEDERATION's routes.
pub fn routes(t: &mut RouteTable<'_>) {
    let f = |id: &str, summary: &str| op(id, summary).tag("federation");
    let idp = || wrapped("identity_provider", idp_schema());
    let protocol = || wrapped("protocol", protocol_schema());
    let mapping = || wrapped("mapping", mapping_view_schema());
    t.at(IDPS).get(
        list_idps,
        f("listIdentityProviders", "List identity providers.")
            .query(&IdpListQuery::filters())
            .answers(200, collection("identity_providers", idp_schema())),
    );
    t.at(format!("{IDPS}/{{idp_id}}"))
        .get(
            show_idp,
            f("showIdentityProvider", "Show an identity provider.").answers(200, idp()),
        )
        .put(
            create_idp,
            f(
                "createIdentityProvider",
                "Register an identity provider (disabled unless `enabled`); without a \
                 `domain_id` a domain is made for its users.",
            )
            .body(CreateIdentityProvider::document())
            .answers(201, idp())
            .errors(&[409]),
        )
        .patch(
            update_idp,
            f(
                "updateIdentityProvider",
                "Update an identity provider; its domain cannot change.",
            )
            .body(UpdateIdentityProvider::document())
            .answers(200, idp())
            .errors(&[409]),
        )
        .delete(
            delete_idp,
            f(
                "deleteIdentityProvider",
                "Delete an identity provider and its protocols.",
            )
            .empty(204),
        );
    t.at(format!("{IDPS}/{{idp_id}}/protocols")).get(
        list_protocols,
        f(
            "listProtocols",
            "List the protocols of an identity provider.",
        )
        .answers(200, collection("protocols", protocol_schema())),
    );
    t.at(format!("{IDPS}/{{idp_id}}/protocols/{{protocol_id}}"))
        .get(
            show_protocol,
            f("showProtocol", "Show a protocol of an identity provider.").answers(200, protocol()),
        )
        .put(
            create_protocol,
            f(
                "createProtocol",
                "Add a protocol to an identity provider, naming the mapping its sign-ins use.",
            )
            .body(CreateProtocol::document())
            .answers(201, protocol())
            .errors(&[409]),
        )
        .patch(
            update_protocol,
            f("updateProtocol", "Change a protocol's mapping.")
                .body(UpdateProtocol::document())
                .answers(200, protocol()),
        )
        .delete(
            delete_protocol,
            f("deleteProtocol", "Delete a protocol.").empty(204),
        );
    t.at(MAPPINGS).get(
        list_mappings,
        f("listMappings", "List mappings.")
            .answers(200, collection("mappings", mapping_view_schema())),
    );
    t.at(format!("{MAPPINGS}/{{mapping_id}}"))
        .get(
            show_mapping,
            f("showMapping", "Show a mapping.").answers(200, mapping()),
        )
        .put(
            create_mapping,
            f(
                "createMapping",
                "Store a mapping, validated first: a refusal names the rule and property.",
            )
            .body(mapping_schema())
            .answers(201, mapping())
            .errors(&[409]),
        )
        .patch(
            update_mapping,
            f("updateMapping", "Replace a mapping's rules.")
                .body(mapping_schema())
                .answers(200, mapping()),
        )
        .delete(
            delete_mapping,
            f("deleteMapping", "Delete a mapping.").empty(204),
        );
    // What a federated user may scope to: the same as /v3/auth/projects and /domains.
    t.at("/v3/OS-FEDERATION/projects").get(
        auth_scopes::projects,
        f(
            "federationProjects",
            "The projects the caller may scope to (as GET /v3/auth/projects).",
        )
        .answers(200, collection("projects", project_schema())),
    );
    t.at("/v3/OS-FEDERATION/domains").get(
        auth_scopes::domains,
        f(
            "federationDomains",
            "The domains the caller may scope to (as GET /v3/auth/domains).",
        )
        .answers(200, collection("domains", domain_schema())),
    );
}
