//! `/v3/policies`: Keystone's policy blobs (`type`, `blob` and any other attributes). Each
//! handler extracts the typed request, calls the catalog manager's policy operations and
//! wraps its answer.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::envelope::{self, parse_extra};
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{BodyField, Extra, StoredText, Text};
use crate::auth::AuthContext;
use crate::catalog::policies::{self, NewPolicy, PolicyChanges};
use crate::db::policies::PolicyRow;
use crate::error::ApiError;
use crate::state::AppState;

/// A policy's `type`: at most 255 characters (Keystone's schema), no NUL.
pub struct PolicyType(pub String);

impl BodyField for PolicyType {
    fn schema() -> Value {
        json!({"type": "string", "maxLength": 255, "pattern": "^[^\\u0000]*$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.take_string(field)? else {
            return Ok(None);
        };
        if raw.chars().count() > 255 {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' is too long"),
            ));
        }
        if raw.contains('\0') {
            return Err(ApiError::invalid_field(
                field,
                "must not contain a NUL character",
            ));
        }
        Ok(Some(PolicyType(raw)))
    }
}

crate::wire_body! {
    /// The body of `POST /v3/policies`: `blob` and `type`, and any other attributes.
    pub struct CreatePolicy in "policy" {
        required blob: StoredText,
        required kind as "type": PolicyType,
        rest extra: Extra,
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/policies/{policy_id}`: at least one attribute.
    pub struct UpdatePolicy in "policy" {
        optional id: Text,
        optional blob: StoredText,
        optional kind as "type": PolicyType,
        rest extra: Extra,
    }
}

crate::wire_query! {
    /// `GET /v3/policies` (Keystone's api-ref: `type`).
    pub struct PolicyListQuery {
        kind as "type": Option<String> = "Only policies of this type.",
    }
}

/// A policy as Keystone shows it: its other attributes, then `id`, `type`, `blob`, links.
pub struct PolicyView<'a>(pub &'a PolicyRow, pub &'a BaseUrl);

impl PolicyView<'_> {
    pub fn schema() -> Value {
        json!({"type": "object", "required": ["id", "type", "blob", "links"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string"},
            "blob": {"type": "string"},
            "links": {"type": "object", "required": ["self"],
                "properties": {"self": {"type": "string"}}},
        }})
    }
}

impl Serialize for PolicyView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let PolicyView(row, base) = self;
        let mut map = parse_extra(&row.extra);
        map.insert("id".into(), json!(row.id));
        map.insert("type".into(), json!(row.policy_type));
        map.insert("blob".into(), json!(row.blob));
        map.insert(
            "links".into(),
            json!({"self": base.join(&format!("/v3/policies/{}", row.id))}),
        );
        map.serialize(serializer)
    }
}

/// `POST /v3/policies` (Keystone's create policy).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreatePolicy::from_body(body.into_value()?)?;
    let new = NewPolicy {
        policy_type: body.kind.0,
        blob: body.blob.0,
        extra: body.extra.0,
    };
    let row = policies::create_policy(&state, &caller, new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "policy",
        PolicyView(&row, &base),
    ))
}

/// `GET /v3/policies?type=` (Keystone's list policies).
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = PolicyListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = policies::list_policies(&state, &caller, query.kind).await?;
    let views: Vec<PolicyView> = rows.iter().map(|r| PolicyView(r, &base)).collect();
    let self_link = match req.query_string() {
        "" => base.join(req.path()),
        q => format!("{}?{q}", base.join(req.path())),
    };
    Ok(HttpResponse::Ok().json(json!({
        "policies": views,
        "links": {"self": self_link, "previous": null, "next": null},
    })))
}

/// `GET /v3/policies/{policy_id}` (Keystone's show policy).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = policies::get_policy(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "policy",
        PolicyView(&row, &base),
    ))
}

/// `PATCH /v3/policies/{policy_id}` (Keystone's update policy).
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = UpdatePolicy::from_body(body.into_value()?)?;
    let changes = PolicyChanges {
        id: body.id.map(|t| t.0),
        policy_type: body.kind.map(|t| t.0),
        blob: body.blob.map(|b| b.0),
        extra: body.extra.0,
    };
    let row = policies::update_policy(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "policy",
        PolicyView(&row, &base),
    ))
}

/// `DELETE /v3/policies/{policy_id}` (Keystone's delete policy).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    policies::delete_policy(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The routes of `/v3/policies`.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("policies");
    let one = || wrapped("policy", PolicyView::schema());
    t.at("/v3/policies")
        .get(
            list,
            c("listPolicies", "List policy blobs.")
                .query(&PolicyListQuery::filters())
                .answers(200, collection("policies", PolicyView::schema())),
        )
        .post(
            create,
            c("createPolicy", "Store a policy blob.")
                .body(CreatePolicy::schema())
                .answers(201, one()),
        );
    t.at("/v3/policies/{policy_id}")
        .get(
            show,
            c("showPolicy", "Show a policy blob.").answers(200, one()),
        )
        .patch(
            update,
            c(
                "updatePolicy",
                "Update a policy blob; its id cannot change.",
            )
            .body(at_least_one(UpdatePolicy::schema()))
            .answers(200, one()),
        )
        .delete(
            delete,
            c("deletePolicy", "Delete a policy blob.").empty(204),
        );
}

/// Keystone's update schema has `minProperties: 1`: the document says so.
fn at_least_one(mut schema: Value) -> Value {
    schema["properties"]["policy"]["minProperties"] = json!(1);
    schema
}
