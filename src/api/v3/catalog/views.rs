//! How the catalog is shown: regions, services and endpoints (each with its schema for the
//! document), and the catalog rendered into tokens and `GET /v3/auth/catalog`.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::api::http::envelope::parse_extra;
use crate::api::http::extract::BaseUrl;
use crate::db::catalog::PUBLIC_URL_PLACEHOLDER;
use crate::db::models::{EndpointRow, RegionRow, ServiceRow};

fn fill_url(url: &str, base: &BaseUrl) -> String {
    url.replace(PUBLIC_URL_PLACEHOLDER, base.as_str())
}

fn self_link(base: &BaseUrl, path: &str, id: &str) -> Value {
    json!({"self": base.join(&format!("{path}{id}"))})
}

fn links_schema() -> Value {
    json!({"type": "object", "required": ["self"], "properties": {"self": {"type": "string"}}})
}

fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

/// A region as Keystone shows it: its extras, then its fields and self link.
pub struct RegionView<'a>(pub &'a RegionRow, pub &'a BaseUrl);

impl RegionView<'_> {
    pub fn schema() -> Value {
        json!({"type": "object", "required": ["id", "description", "parent_region_id", "links"],
        "properties": {
            "id": {"type": "string"},
            "description": {"type": "string"},
            "parent_region_id": nullable_string(),
            "links": links_schema(),
        }})
    }
}

impl Serialize for RegionView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let RegionView(region, base) = self;
        let mut map = parse_extra(&region.extra);
        map.insert("id".into(), json!(region.id));
        map.insert("description".into(), json!(region.description));
        map.insert("parent_region_id".into(), json!(region.parent_region_id));
        map.insert("links".into(), self_link(base, "/v3/regions/", &region.id));
        map.serialize(serializer)
    }
}

/// A service as Keystone shows it: its extras (`name`, `description`), then its fields.
pub struct ServiceView<'a>(pub &'a ServiceRow, pub &'a BaseUrl);

impl ServiceView<'_> {
    pub fn schema() -> Value {
        json!({"type": "object", "required": ["id", "type", "enabled", "links"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string"},
            "enabled": {"type": "boolean"},
            "links": links_schema(),
        }})
    }
}

impl Serialize for ServiceView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ServiceView(service, base) = self;
        let mut map = parse_extra(&service.extra);
        map.insert("id".into(), json!(service.id));
        map.insert("type".into(), json!(service.service_type));
        map.insert("enabled".into(), json!(service.enabled));
        map.insert(
            "links".into(),
            self_link(base, "/v3/services/", &service.id),
        );
        map.serialize(serializer)
    }
}

/// An endpoint as Keystone shows it, its URL's placeholder filled with the public URL.
pub struct EndpointView<'a>(pub &'a EndpointRow, pub &'a BaseUrl);

impl EndpointView<'_> {
    pub fn schema() -> Value {
        json!({"type": "object",
        "required": ["id", "interface", "region", "region_id", "service_id", "url",
            "enabled", "links"],
        "properties": {
            "id": {"type": "string"},
            "interface": {"type": "string", "enum": ["public", "internal", "admin"]},
            "region": nullable_string(),
            "region_id": nullable_string(),
            "service_id": {"type": "string"},
            "url": {"type": "string"},
            "enabled": {"type": "boolean"},
            "links": links_schema(),
        }})
    }
}

impl Serialize for EndpointView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let EndpointView(endpoint, base) = self;
        let mut map: Map<String, Value> = parse_extra(&endpoint.extra);
        map.insert("id".into(), json!(endpoint.id));
        map.insert("interface".into(), json!(endpoint.interface));
        map.insert("region".into(), json!(endpoint.region_id));
        map.insert("region_id".into(), json!(endpoint.region_id));
        map.insert("service_id".into(), json!(endpoint.service_id));
        map.insert("url".into(), json!(fill_url(&endpoint.url, base)));
        map.insert("enabled".into(), json!(endpoint.enabled));
        map.insert(
            "links".into(),
            self_link(base, "/v3/endpoints/", &endpoint.id),
        );
        map.serialize(serializer)
    }
}

/// The catalog of a scoped token, from the enabled services and endpoints.
pub fn render_catalog(entries: &[(ServiceRow, Vec<EndpointRow>)], base: &BaseUrl) -> Value {
    let services: Vec<Value> = entries
        .iter()
        .map(|(service, endpoints)| {
            let extra = parse_extra(&service.extra);
            let endpoints: Vec<Value> = endpoints
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "interface": e.interface,
                        "region": e.region_id,
                        "region_id": e.region_id,
                        "url": fill_url(&e.url, base),
                    })
                })
                .collect();
            json!({
                "endpoints": endpoints,
                "id": service.id,
                "type": service.service_type,
                "name": extra.get("name").cloned().unwrap_or(json!("")),
            })
        })
        .collect();
    Value::Array(services)
}

/// The schema of a token's catalog.
pub fn catalog_schema() -> Value {
    json!({"type": "array", "items": {"type": "object", "required": ["endpoints", "id", "type"],
    "properties": {
        "endpoints": {"type": "array", "items": {"type": "object"}},
        "id": {"type": "string"},
        "type": {"type": "string"},
        "name": {"type": "string"},
    }}})
}
