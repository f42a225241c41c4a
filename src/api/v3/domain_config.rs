//! `/v3/domains/{domain_id}/config`: a domain's own `identity` and `ldap` options, and
//! `/v3/domains/config/default`, their defaults. Each handler extracts the typed request,
//! calls the domain configuration manager and wraps its answer in `{"config": ...}`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::JsonBody;
use crate::api::http::openapi::any_object;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::any_json;
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::resource::domain_config::{self as manager, Config};
use crate::state::AppState;

/// The body's `config` object (Keystone reads `config`, or nothing).
fn config_of(body: JsonBody) -> Result<Config, ApiError> {
    match body.into_value()? {
        Value::Object(mut body) => match body.remove("config") {
            None => Ok(Config::new()),
            Some(Value::Object(config)) => Ok(config),
            Some(other) => Err(ApiError::invalid_field(
                "config",
                format_args!("{other} is not of type 'object'"),
            )),
        },
        other => Err(ApiError::Validation(format!(
            "{other} is not of type 'object'"
        ))),
    }
}

fn answer(status: StatusCode, config: Config) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "config": config }))
}

/// `PUT /v3/domains/{domain_id}/config`: 201 for a first configuration, 200 when it
/// replaces one.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let config = config_of(body)?;
    let (had, config) = manager::create_config(&state, &caller, path.into_inner(), config).await?;
    let status = if had {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(answer(status, config))
}

/// `GET /v3/domains/{domain_id}/config`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let config = manager::get_config(&state, &caller, path.into_inner(), None, None).await?;
    Ok(answer(StatusCode::OK, config))
}

/// `GET /v3/domains/{domain_id}/config/{group}`.
pub async fn show_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group) = path.into_inner();
    let config = manager::get_config(&state, &caller, domain_id, Some(group), None).await?;
    Ok(answer(StatusCode::OK, config))
}

/// `GET /v3/domains/{domain_id}/config/{group}/{option}`.
pub async fn show_option(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group, option) = path.into_inner();
    let config = manager::get_config(&state, &caller, domain_id, Some(group), Some(option)).await?;
    Ok(answer(StatusCode::OK, config))
}

/// `PATCH /v3/domains/{domain_id}/config`.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let config = config_of(body)?;
    let config =
        manager::update_config(&state, &caller, path.into_inner(), config, None, None).await?;
    Ok(answer(StatusCode::OK, config))
}

/// `PATCH /v3/domains/{domain_id}/config/{group}`.
pub async fn update_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group) = path.into_inner();
    let config = config_of(body)?;
    let config =
        manager::update_config(&state, &caller, domain_id, config, Some(group), None).await?;
    Ok(answer(StatusCode::OK, config))
}

/// `PATCH /v3/domains/{domain_id}/config/{group}/{option}`: the body's `config` holds the
/// one option.
pub async fn update_option(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group, option) = path.into_inner();
    let config = config_of(body)?;
    let config = manager::update_config(
        &state,
        &caller,
        domain_id,
        config,
        Some(group),
        Some(option),
    )
    .await?;
    Ok(answer(StatusCode::OK, config))
}

/// `DELETE /v3/domains/{domain_id}/config`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_config(&state, &caller, path.into_inner(), None, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v3/domains/{domain_id}/config/{group}`.
pub async fn delete_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group) = path.into_inner();
    manager::delete_config(&state, &caller, domain_id, Some(group), None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v3/domains/{domain_id}/config/{group}/{option}`.
pub async fn delete_option(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (domain_id, group, option) = path.into_inner();
    manager::delete_config(&state, &caller, domain_id, Some(group), Some(option)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/domains/config/default`.
pub async fn show_default(
    state: web::Data<AppState>,
    caller: AuthContext,
) -> Result<HttpResponse, ApiError> {
    let config = manager::get_config_default(&state, &caller, None, None)?;
    Ok(answer(StatusCode::OK, config))
}

/// `GET /v3/domains/config/{group}/default`.
pub async fn show_default_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let config = manager::get_config_default(&state, &caller, Some(path.into_inner()), None)?;
    Ok(answer(StatusCode::OK, config))
}

/// `GET /v3/domains/config/{group}/{option}/default`.
pub async fn show_default_option(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, option) = path.into_inner();
    let config = manager::get_config_default(&state, &caller, Some(group), Some(option))?;
    Ok(answer(StatusCode::OK, config))
}

/// `{"config": {...}}`, as both the body and the answer.
fn config_body() -> Value {
    json!({"type": "object", "required": ["config"], "properties": {"config": any_object()},
        "additionalProperties": any_json()})
}

/// The domain configuration routes; the defaults first, so a group named `config` is not
/// taken for a domain.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("domain_config").errors(&[403]);
    t.at("/v3/domains/config/default").get(
        show_default,
        c(
            "showDefaultDomainConfig",
            "The defaults of every option a domain may set.",
        )
        .answers(200, config_body()),
    );
    t.at("/v3/domains/config/{group}/default").get(
        show_default_group,
        c(
            "showDefaultDomainConfigGroup",
            "The defaults of a group's options.",
        )
        .answers(200, config_body()),
    );
    t.at("/v3/domains/config/{group}/{option}/default").get(
        show_default_option,
        c(
            "showDefaultDomainConfigOption",
            "The default of one option.",
        )
        .answers(200, config_body()),
    );
    t.at("/v3/domains/{domain_id}/config")
        .get(
            show,
            c(
                "showDomainConfig",
                "A domain's configuration, without sensitive options.",
            )
            .answers(200, config_body()),
        )
        .put(
            create,
            c("createDomainConfig", "Set a domain's whole configuration.")
                .body(config_body())
                .answers(201, config_body())
                .answers(200, config_body()),
        )
        .patch(
            update,
            c(
                "updateDomainConfig",
                "Set some options of a domain's configuration.",
            )
            .body(config_body())
            .answers(200, config_body()),
        )
        .delete(
            delete,
            c("deleteDomainConfig", "Delete a domain's configuration.").empty(204),
        );
    t.at("/v3/domains/{domain_id}/config/{group}")
        .get(
            show_group,
            c(
                "showDomainConfigGroup",
                "One group of a domain's configuration.",
            )
            .answers(200, config_body()),
        )
        .patch(
            update_group,
            c(
                "updateDomainConfigGroup",
                "Set options of one group already configured.",
            )
            .body(config_body())
            .answers(200, config_body()),
        )
        .delete(
            delete_group,
            c(
                "deleteDomainConfigGroup",
                "Delete one group of a domain's configuration.",
            )
            .empty(204),
        );
    t.at("/v3/domains/{domain_id}/config/{group}/{option}")
        .get(
            show_option,
            c(
                "showDomainConfigOption",
                "One option of a domain's configuration.",
            )
            .answers(200, config_body()),
        )
        .patch(
            update_option,
            c(
                "updateDomainConfigOption",
                "Set one option already configured.",
            )
            .body(config_body())
            .answers(200, config_body()),
        )
        .delete(
            delete_option,
            c(
                "deleteDomainConfigOption",
                "Delete one option of a domain's configuration.",
            )
            .empty(204),
        );
}
