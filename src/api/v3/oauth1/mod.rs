//! `/v3/OS-OAUTH1/consumers`: Keystone's OAuth 1.0a consumers. Each handler extracts the
//! typed request, calls the OS-OAUTH1 manager and wraps its answer. The secret is in the
//! create response only.

pub mod flow;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::envelope::{self, parse_extra};
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{Extra, Patch, Text};
use crate::auth::AuthContext;
use crate::db::oauth1::ConsumerRow;
use crate::domain::values::Description;
use crate::error::ApiError;
use crate::oauth1::{self as manager, ConsumerChanges};
use crate::state::AppState;

crate::wire_body! {
    /// The body of `POST /v3/OS-OAUTH1/consumers`: a `description`, and any other
    /// attributes (an `id` or `secret` given is not used).
    pub struct CreateConsumer in "consumer" {
        patch description: Description,
        rest extra: Extra,
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/OS-OAUTH1/consumers/{consumer_id}`: at least one attribute,
    /// never `secret`.
    pub struct UpdateConsumer in "consumer" {
        optional id: Text,
        patch description: Description,
        rest extra: Extra,
    }
}

/// A consumer as Keystone shows it, with its secret only when just made.
pub struct ConsumerView<'a>(pub &'a ConsumerRow, pub &'a BaseUrl, pub Option<&'a str>);

impl ConsumerView<'_> {
    pub fn schema() -> Value {
        json!({"type": "object", "required": ["id", "description", "links"],
        "properties": {
            "id": {"type": "string"},
            "description": {"type": ["string", "null"]},
            "secret": {"type": "string"},
            "links": {"type": "object", "required": ["self"],
                "properties": {"self": {"type": "string"}}},
        }})
    }
}

impl Serialize for ConsumerView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ConsumerView(row, base, secret) = self;
        let mut map = parse_extra(&row.extra);
        map.insert("id".into(), json!(row.id));
        map.insert("description".into(), json!(row.description));
        if let Some(secret) = secret {
            map.insert("secret".into(), json!(secret));
        }
        map.insert(
            "links".into(),
            json!({"self": base.join(&format!("/v3/OS-OAUTH1/consumers/{}", row.id))}),
        );
        map.serialize(serializer)
    }
}

/// `POST /v3/OS-OAUTH1/consumers`.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateConsumer::from_body(body.into_value()?)?;
    let description = match body.description {
        Patch::Value(d) => Some(d.into_inner()),
        Patch::Absent | Patch::Null => None,
    };
    let (row, secret) =
        manager::create_consumer(&state, &caller, description, body.extra.0).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "consumer",
        ConsumerView(&row, &base, Some(&secret)),
    ))
}

/// `GET /v3/OS-OAUTH1/consumers`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let rows = manager::list_consumers(&state, &caller).await?;
    let views: Vec<ConsumerView> = rows.iter().map(|r| ConsumerView(r, &base, None)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "consumers": views,
        "links": {"self": base.join(req.path()), "previous": null, "next": null},
    })))
}

/// `GET /v3/OS-OAUTH1/consumers/{consumer_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = manager::get_consumer(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "consumer",
        ConsumerView(&row, &base, None),
    ))
}

/// `PATCH /v3/OS-OAUTH1/consumers/{consumer_id}`.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = UpdateConsumer::from_body(body.into_value()?)?;
    let changes = ConsumerChanges {
        id: body.id.map(|t| t.0),
        description: body
            .description
            .into_option()
            .map(|d| d.map(Description::into_inner)),
        extra: body.extra.0,
    };
    let row = manager::update_consumer(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "consumer",
        ConsumerView(&row, &base, None),
    ))
}

/// `DELETE /v3/OS-OAUTH1/consumers/{consumer_id}`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_consumer(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The OS-OAUTH1 routes.
pub fn routes(t: &mut RouteTable<'_>) {
    flow::routes(t);
    let c = |id: &str, summary: &str| op(id, summary).tag("OS-OAUTH1");
    let one = || wrapped("consumer", ConsumerView::schema());
    t.at("/v3/OS-OAUTH1/consumers")
        .get(
            list,
            c("listConsumers", "List OAuth1 consumers.")
                .answers(200, collection("consumers", ConsumerView::schema())),
        )
        .post(
            create,
            c(
                "createConsumer",
                "Make a consumer; its secret is shown once.",
            )
            .body(CreateConsumer::schema())
            .answers(201, one()),
        );
    t.at("/v3/OS-OAUTH1/consumers/{consumer_id}")
        .get(
            show,
            c("showConsumer", "Show a consumer.").answers(200, one()),
        )
        .patch(
            update,
            c(
                "updateConsumer",
                "Update a consumer; its secret cannot change.",
            )
            .body(no_secret(UpdateConsumer::schema()))
            .answers(200, one()),
        )
        .delete(
            delete,
            c("deleteConsumer", "Delete a consumer and its tokens.").empty(204),
        );
}

/// Keystone's update schema: `minProperties: 1` and `not: {required: [secret]}`.
fn no_secret(mut schema: Value) -> Value {
    schema["properties"]["consumer"]["minProperties"] = json!(1);
    schema["properties"]["consumer"]["not"] = json!({"required": ["secret"]});
    schema
}
