//! `/v3/OS-TRUST/trusts`: Keystone's OS-TRUST extension. Each handler extracts the typed
//! request, calls the trust manager (`trust`), and wraps its answer as Keystone does.

pub mod wire;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::roles::{role_json, role_schema};
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::state::AppState;
use crate::trust::{self, TrustWithRoles};

use self::wire::{trust_json, trust_roles_json, trust_schema, CreateTrust, TrustListQuery};

fn trust_response(status: StatusCode, with: &TrustWithRoles, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({"trust": trust_json(&with.trust, Some(with), base)}))
}

/// `POST /v3/OS-TRUST/trusts`.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateTrust::from_body(body.into_value()?)?;
    let created = trust::create_trust(&state, &caller, body.into()).await?;
    Ok(trust_response(StatusCode::CREATED, &created, &base))
}

/// `GET /v3/OS-TRUST/trusts`: `trustor_user_id`, else `trustee_user_id`, else all.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = TrustListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = trust::list_trusts(&state, &caller, query.into()).await?;
    let trusts: Vec<Value> = rows.iter().map(|t| trust_json(t, None, &base)).collect();
    let own = match req.query_string() {
        "" => base.join(req.path()),
        q => format!("{}?{q}", base.join(req.path())),
    };
    Ok(HttpResponse::Ok().json(json!({
        "trusts": trusts,
        "links": {"self": own, "previous": null, "next": null},
    })))
}

/// `GET /v3/OS-TRUST/trusts/{trust_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let with = trust::get_trust(&state, &caller, path.into_inner()).await?;
    Ok(trust_response(StatusCode::OK, &with, &base))
}

/// `DELETE /v3/OS-TRUST/trusts/{trust_id}`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    trust::delete_trust(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/OS-TRUST/trusts/{trust_id}/roles`.
pub async fn list_roles(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let with = trust::list_roles_for_trust(&state, &caller, path.into_inner()).await?;
    let (roles, links) = trust_roles_json(&with, &base);
    Ok(HttpResponse::Ok().json(json!({"roles": roles, "links": links})))
}

/// `GET`/`HEAD /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}`.
pub async fn show_role(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (trust_id, role_id) = path.into_inner();
    let role = trust::get_role_for_trust(&state, &caller, trust_id, role_id).await?;
    Ok(HttpResponse::Ok().json(json!({"role": role_json(role, &base)})))
}

/// The routes of OS-TRUST, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let o = |id: &str, summary: &str| op(id, summary).tag("trusts");
    let one = || wrapped("trust", trust_schema(true));
    t.at("/v3/OS-TRUST/trusts")
        .get(
            list,
            o(
                "KeystoneListTrusts",
                "List trusts: a trustor's, a trustee's, or (admins) all.",
            )
            .query(&TrustListQuery::filters())
            .answers(200, collection("trusts", trust_schema(false))),
        )
        .post(
            create,
            o(
                "KeystoneCreateTrust",
                "Delegate roles on a project to a trustee.",
            )
            .body(CreateTrust::schema())
            .answers(201, one())
            .errors(&[409]),
        );
    t.at("/v3/OS-TRUST/trusts/{trust_id}")
        .get(
            show,
            o("KeystoneShowTrust", "Show a trust.").answers(200, one()),
        )
        .delete(
            delete,
            o(
                "KeystoneDeleteTrust",
                "Delete a trust (and those redelegated from it).",
            )
            .empty(204),
        );
    t.at("/v3/OS-TRUST/trusts/{trust_id}/roles").get(
        list_roles,
        o("KeystoneListTrustRoles", "The roles a trust delegates.").answers(
            200,
            json!({"type": "object", "required": ["roles"], "properties": {
                "roles": {"type": "array", "items": role_schema()},
                "links": {"type": "object"},
            }}),
        ),
    );
    t.at("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}").get(
        show_role,
        o(
            "KeystoneShowTrustRole",
            "A role the trust delegates; 404 if it does not.",
        )
        .answers(200, wrapped("role", role_schema())),
    );
}
