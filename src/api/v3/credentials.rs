//! `/v3.0/OS-CREDENTIAL/credentials`: Huawei IAM's permanent access keys (AK/SK), which sign
//! requests instead of a token. Each handler extracts the typed request, calls the
//! credential manager and wraps its answer. The secret key is in the create response only.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::envelope;
use crate::api::http::extract::JsonBody;
use crate::api::http::openapi::wrapped;
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{BodyField, Patch};
use crate::auth::AuthContext;
use crate::credential::{self, Face, KeyRef};
use crate::db::credentials::CredentialChanges;
use crate::db::models::CredentialRow;
use crate::domain::credentials::CredentialStatus;
use crate::domain::keystone_time_from_micros;
use crate::domain::values::{Description, ResourceId};
use crate::error::ApiError;
use crate::identity::Ref;
use crate::state::AppState;

/// An access key as Huawei shows it, without the secret unless just made. `create_time` is
/// Huawei's ISO 8601 string here (its SDK models it as a string), unlike a group's integer.
#[derive(Serialize)]
pub struct CredentialView<'a> {
    user_id: &'a str,
    access: &'a str,
    status: &'a str,
    create_time: String,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

impl<'a> CredentialView<'a> {
    pub fn of(row: &'a CredentialRow, secret: Option<&'a str>) -> Self {
        CredentialView {
            user_id: &row.user_id,
            access: &row.access,
            status: &row.status,
            create_time: keystone_time_from_micros(row.create_time * 1000),
            description: &row.description,
            secret,
        }
    }

    pub fn schema() -> Value {
        json!({"type": "object",
        "required": ["user_id", "access", "status", "create_time", "description"],
        "properties": {
            "user_id": {"type": "string"},
            "access": {"type": "string"},
            "status": {"type": "string", "enum": ["active", "inactive"]},
            "create_time": {"type": "string"},
            "description": {"type": "string"},
            "secret": {"type": "string"},
        }})
    }
}

/// A key's `status`: `active` or `inactive`.
pub struct Status(pub CredentialStatus);

impl BodyField for Status {
    fn schema() -> Value {
        json!({"type": "string", "enum": ["active", "inactive"]})
    }
    fn take(
        body: &mut crate::api::http::body::BodyObject,
        field: &str,
    ) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(raw) => Ok(Some(Status(CredentialStatus::parse(field, &raw)?))),
        }
    }
}

crate::wire_body! {
    /// The body of `POST /v3.0/OS-CREDENTIAL/credentials`.
    pub struct CreateCredential in "credential" {
        required user_id: ResourceId,
        patch description: Description,
    }
}

crate::wire_body! {
    /// The body of `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}`: `status`,
    /// `description` (null clears it), at least one of them.
    pub struct UpdateCredential in "credential" {
        optional status: Status,
        patch description: Description,
    }
}

crate::wire_query! {
    /// `GET /v3.0/OS-CREDENTIAL/credentials` (Huawei's `user_id`).
    pub struct CredentialListQuery {
        user_id: Option<ResourceId> = "Whose keys; the caller's by default.",
    }
}

/// `POST /v3.0/OS-CREDENTIAL/credentials` (Huawei `CreatePermanentAccessKey`).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateCredential::from_body(body.into_value()?)?;
    let user = Ref::Id(body.user_id.into_inner());
    let description = match body.description {
        Patch::Value(d) => d.into_inner(),
        Patch::Absent | Patch::Null => String::new(),
    };
    let (row, secret) =
        credential::create_access_key(&state, &caller, Face::Huawei, user, description).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "credential",
        CredentialView::of(&row, Some(&secret)),
    ))
}

/// `GET /v3.0/OS-CREDENTIAL/credentials?user_id=` (Huawei `ListPermanentAccessKeys`): the
/// keys of `user_id`, or of the caller when it is not given.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = CredentialListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let user = query.user_id.map(|id| Ref::Id(id.into_inner()));
    let rows = credential::list_access_keys(&state, &caller, user).await?;
    let shown: Vec<CredentialView> = rows.iter().map(|r| CredentialView::of(r, None)).collect();
    Ok(HttpResponse::Ok().json(json!({ "credentials": shown })))
}

/// `GET /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei `ShowPermanentAccessKey`).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = KeyRef::Access(path.into_inner());
    let row = credential::get_access_key(&state, &caller, key).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "credential",
        CredentialView::of(&row, None),
    ))
}

/// `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei `UpdatePermanentAccessKey`):
/// `status` (`active` or `inactive`) and `description`.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = UpdateCredential::from_body(body.into_value()?)?;
    let changes = CredentialChanges {
        status: body.status.map(|s| s.0.as_str().to_string()),
        description: body
            .description
            .into_option()
            .map(|d| d.map(Description::into_inner).unwrap_or_default()),
    };
    let key = KeyRef::Access(path.into_inner());
    let row = credential::update_access_key(&state, &caller, Face::Huawei, key, changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "credential",
        CredentialView::of(&row, None),
    ))
}

/// `DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei
/// `DeletePermanentAccessKey`).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = KeyRef::Access(path.into_inner());
    credential::delete_access_key(&state, &caller, Face::Huawei, key).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Huawei's access-key routes.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("credentials");
    let one = || wrapped("credential", CredentialView::schema());
    t.at("/v3.0/OS-CREDENTIAL/credentials")
        .get(
            list,
            c("listPermanentAccessKeys", "A user's access keys (Huawei).")
                .query(&CredentialListQuery::filters())
                .answers(
                    200,
                    wrapped(
                        "credentials",
                        json!({"type": "array", "items": CredentialView::schema()}),
                    ),
                ),
        )
        .post(
            create,
            c(
                "createPermanentAccessKey",
                "Make an access key; the secret is shown once.",
            )
            .body(CreateCredential::schema())
            .answers(201, one()),
        );
    t.at("/v3.0/OS-CREDENTIAL/credentials/{access_key}")
        .get(
            show,
            c("showPermanentAccessKey", "One access key.").answers(200, one()),
        )
        .put(
            update,
            c(
                "updatePermanentAccessKey",
                "Activate or deactivate a key, or describe it.",
            )
            .body(at_least_one(UpdateCredential::schema()))
            .answers(200, one()),
        )
        .delete(
            delete,
            c("deletePermanentAccessKey", "Delete an access key.").empty(204),
        );
}

/// The server refuses an update naming neither field: the document says so.
fn at_least_one(mut schema: Value) -> Value {
    schema["properties"]["credential"]["anyOf"] =
        json!([{"required": ["status"]}, {"required": ["description"]}]);
    schema
}
