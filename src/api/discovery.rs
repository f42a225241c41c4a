//! Version discovery: `GET /` and `GET /v3`, as keystoneauth expects them.

use actix_web::{HttpResponse, Responder};
use serde_json::{json, Value};

use crate::api::http::extract::BaseUrl;

/// The newest Keystone v3 minor version whose behaviour this service follows.
const VERSION_ID: &str = "v3.14";
const VERSION_UPDATED: &str = "2020-04-07T00:00:00Z";

fn version(base: &BaseUrl) -> Value {
    json!({
        "id": VERSION_ID,
        "status": "stable",
        "updated": VERSION_UPDATED,
        "links": [{"rel": "self", "href": format!("{}/v3/", base.as_str())}],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json"
        }]
    })
}

/// `GET /`: the list of versions, with Keystone's 300 Multiple Choices.
pub async fn versions(base: BaseUrl) -> impl Responder {
    HttpResponse::MultipleChoices().json(json!({"versions": {"values": [version(&base)]}}))
}

/// `GET /v3`: this version.
pub async fn v3(base: BaseUrl) -> impl Responder {
    HttpResponse::Ok().json(json!({"version": version(&base)}))
}
