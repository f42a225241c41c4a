//! HTTP: the routes, and one module of thin handlers per resource.

pub mod audit;
pub mod auth;
pub mod auth_scopes;
pub mod baidu;
pub mod caller;
pub mod catalog;
pub mod common;
pub mod console;
pub mod credentials;
pub mod discovery;
pub mod domains;
pub mod grants;
pub mod groups;
pub mod middleware;
pub mod operator;
pub mod projects;
pub mod role_assignments;
pub mod roles;
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
    cfg.service(resource("/healthz").route(get_or_head().to(operator::healthz)))
        .service(resource("/readyz").route(get_or_head().to(operator::readyz)))
        .service(resource("/metrics").route(get_or_head().to(operator::metrics)))
        // The trailing slash is trimmed before routing, so `/console/` arrives as `/console`.
        .service(resource("/console").route(get_or_head().to(console::index)))
        .service(resource("/console/{file:.+}").route(get_or_head().to(console::asset)))
        .service(resource("/").route(get_or_head().to(discovery::versions)))
        .service(resource("/v3").route(get_or_head().to(discovery::v3)))
        .service(
            resource("/v3/auth/tokens")
                .route(web::post().to(auth::issue))
                .route(get_or_head().to(auth::validate))
                .route(web::delete().to(auth::revoke)),
        )
        .service(resource("/v3/auth/catalog").route(get_or_head().to(auth::get_catalog)))
        .service(resource("/v3/auth/system").route(get_or_head().to(auth::list_system)))
        .service(resource("/v3/role_assignments").route(get_or_head().to(role_assignments::list)))
        .service(resource("/v3/audit-events").route(get_or_head().to(audit::list)))
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
            resource("/v3/users/{user_id}/projects")
                .route(get_or_head().to(projects::list_for_user)),
        )
        .service(
            resource("/v3/domains")
                .route(get_or_head().to(domains::list))
                .route(web::post().to(domains::create)),
        )
        .service(
            resource("/v3/domains/{domain_id}")
                .route(get_or_head().to(domains::show))
                .route(web::patch().to(domains::update))
                .route(web::delete().to(domains::delete)),
        )
        .service(
            resource("/v3/projects")
                .route(get_or_head().to(projects::list))
                .route(web::post().to(projects::create)),
        )
        .service(
            resource("/v3/projects/{project_id}")
                .route(get_or_head().to(projects::show))
                .route(web::patch().to(projects::update))
                .route(web::delete().to(projects::delete)),
        )
        .service(
            resource("/v3/roles")
                .route(get_or_head().to(roles::list))
                .route(web::post().to(roles::create)),
        )
        .service(
            resource("/v3/roles/{role_id}")
                .route(get_or_head().to(roles::show))
                .route(web::patch().to(roles::update))
                .route(web::delete().to(roles::delete)),
        )
        .service(
            resource("/v3/roles/{prior_role_id}/implies")
                .route(get_or_head().to(roles::list_implied)),
        )
        .service(
            // HEAD answers 204 without a body here, as Keystone's check_implied_role does.
            resource("/v3/roles/{prior_role_id}/implies/{implied_role_id}")
                .route(web::put().to(roles::create_implied))
                .route(web::get().to(roles::show_implied))
                .route(web::head().to(roles::check_implied))
                .route(web::delete().to(roles::delete_implied)),
        )
        .service(resource("/v3/role_inferences").route(get_or_head().to(roles::list_inferences)))
        .service(
            resource("/v3/users/{user_id}/password").route(web::post().to(users::change_password)),
        );
    grants::routes(cfg, resource);
    catalog_routes(cfg);
    baidu::routes(cfg, resource, get_or_head);
}

fn catalog_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v3/regions")
            .route(get_or_head().to(catalog::list_regions))
            .route(web::post().to(catalog::create_region)),
    )
    .service(
        resource("/v3/regions/{region_id}")
            .route(get_or_head().to(catalog::show_region))
            .route(web::put().to(catalog::create_region))
            .route(web::patch().to(catalog::update_region))
            .route(web::delete().to(catalog::delete_region)),
    )
    .service(
        resource("/v3/services")
            .route(get_or_head().to(catalog::list_services))
            .route(web::post().to(catalog::create_service)),
    )
    .service(
        resource("/v3/services/{service_id}")
            .route(get_or_head().to(catalog::show_service))
            .route(web::patch().to(catalog::update_service))
            .route(web::delete().to(catalog::delete_service)),
    )
    .service(
        resource("/v3/endpoints")
            .route(get_or_head().to(catalog::list_endpoints))
            .route(web::post().to(catalog::create_endpoint)),
    )
    .service(
        resource("/v3/endpoints/{endpoint_id}")
            .route(get_or_head().to(catalog::show_endpoint))
            .route(web::patch().to(catalog::update_endpoint))
            .route(web::delete().to(catalog::delete_endpoint)),
    );
}
