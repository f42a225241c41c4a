//! HTTP: the routes, and one module of thin handlers per resource.

pub mod auth;
pub mod auth_scopes;
pub mod caller;
pub mod common;
pub mod credentials;
pub mod discovery;
pub mod groups;
pub mod middleware;
pub mod users;

use actix_web::{guard, web, HttpRequest};

use crate::error::ApiError;

/// A route answering GET and HEAD alike, as Keystone's do.
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn method_not_allowed() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// Answers a URL that matches no route.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    log::debug!("no route for {} {}", req.method(), req.path());
    Err(ApiError::NotFoundMessage(
        "The resource could not be found.".into(),
    ))
}

/// A resource whose other methods get Keystone's 405.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(get_or_head().to(discovery::versions)))
        .service(resource("/v3").route(get_or_head().to(discovery::v3)))
        .service(
            resource("/v3/auth/tokens")
                .route(web::post().to(auth::issue))
                .route(get_or_head().to(auth::validate))
                .route(web::delete().to(auth::revoke)),
        )
        .service(resource("/v3/auth/catalog").route(get_or_head().to(auth::get_catalog)))
        .service(resource("/v3/auth/domains").route(get_or_head().to(auth_scopes::domains)))
        .service(resource("/v3/auth/projects").route(get_or_head().to(auth_scopes::projects)))
        .service(
            resource("/v3.0/OS-CREDENTIAL/credentials")
                .route(get_or_head().to(credentials::list))
                .route(web::post().to(credentials::create)),
        )
        .service(
            resource("/v3.0/OS-CREDENTIAL/credentials/{access_key}")
                .route(get_or_head().to(credentials::show))
                .route(web::put().to(credentials::update))
                .route(web::delete().to(credentials::delete)),
        )
        .service(
            resource("/v3/groups")
                .route(get_or_head().to(groups::list))
                .route(web::post().to(groups::create)),
        )
        .service(
            resource("/v3/groups/{group_id}")
                .route(get_or_head().to(groups::show))
                .route(web::patch().to(groups::update))
                .route(web::delete().to(groups::delete)),
        )
        .service(
            resource("/v3/groups/{group_id}/users").route(get_or_head().to(groups::list_users)),
        )
        .service(
            resource("/v3/groups/{group_id}/users/{user_id}")
                .route(web::put().to(groups::add_user))
                .route(get_or_head().to(groups::check_user))
                .route(web::delete().to(groups::remove_user)),
        )
        .service(
            resource("/v3/users")
                .route(get_or_head().to(users::list))
                .route(web::post().to(users::create)),
        )
        .service(
            resource("/v3/users/{user_id}")
                .route(get_or_head().to(users::show))
                .route(web::patch().to(users::update))
                .route(web::delete().to(users::delete)),
        )
        .service(
            resource("/v3/users/{user_id}/groups").route(get_or_head().to(groups::list_for_user)),
        )
        .service(
            resource("/v3/users/{user_id}/password").route(web::post().to(users::change_password)),
        );
}
