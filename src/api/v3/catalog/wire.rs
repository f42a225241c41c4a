//! The request bodies and list queries of the catalog: one declaration each, from which
//! the parser and the document are generated.

use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::wire::{BodyField, Extra, Patch, StoredText, Text};
use crate::catalog::endpoints::{EndpointChanges, NewEndpoint};
use crate::catalog::regions::{NewRegion, RegionChanges, RegionFilter};
use crate::catalog::services::{NewService, ServiceChanges};
use crate::db::catalog::{EndpointFilter, ServiceFilter};
use crate::domain::values::Description;
use crate::domain::values::ResourceId;
use crate::error::ApiError;

/// The interfaces an endpoint may have.
const INTERFACES: &[&str] = &["public", "internal", "admin"];

/// A service's `type`: 1 to 255 characters.
pub struct ServiceType(pub String);

impl BodyField for ServiceType {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\u0000]*$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.take_string(field)? else {
            return Ok(None);
        };
        // A NUL is refused as in every other stored string: PostgreSQL cannot store one
        // (it answered a misleading 404) while SQLite stored it.
        if raw.is_empty() || raw.chars().count() > 255 || raw.contains('\0') {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' must have 1 to 255 characters"),
            ));
        }
        Ok(Some(ServiceType(raw)))
    }
}

/// An endpoint's `interface`: `public`, `internal` or `admin`.
pub struct Interface(pub String);

impl BodyField for Interface {
    fn schema() -> Value {
        json!({"type": "string", "enum": INTERFACES})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(raw) if INTERFACES.contains(&raw.as_str()) => Ok(Some(Interface(raw))),
            Some(raw) => Err(ApiError::invalid_field(
                field,
                format!("'{raw}' is not one of ['public', 'internal', 'admin']"),
            )),
        }
    }
}

/// An endpoint's `url`: 1 to 225 characters (Keystone's column).
pub struct EndpointUrl(pub String);

impl BodyField for EndpointUrl {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 225, "pattern": "^[^\\u0000]*$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.take_string(field)? else {
            return Ok(None);
        };
        if raw.is_empty() || raw.chars().count() > 225 || raw.contains('\0') {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' is not a valid URL"),
            ));
        }
        Ok(Some(EndpointUrl(raw)))
    }
}

/// The document of a PATCH the server refuses when empty: at least one property.
fn at_least_one(mut schema: Value, key: &str) -> Value {
    schema["properties"][key]["minProperties"] = json!(1);
    schema
}

/// The document of a body field that must repeat the id in the URL.
fn same_id(mut schema: Value, key: &str) -> Value {
    if let Some(id) = schema["properties"][key]["properties"].get_mut("id") {
        id["description"] = json!(
            "Must be the id in the URL, if given: any other is refused with 400 \
             \"Cannot change ID\"."
        );
    }
    schema
}

fn description(d: Patch<Description>) -> Option<String> {
    // A null description is an empty one, as before.
    d.into_option()
        .map(|d| d.map(Description::into_inner).unwrap_or_default())
}

crate::wire_body! {
    /// The body of `POST /v3/regions` and `PUT /v3/regions/{region_id}`.
    pub struct CreateRegion in "region" {
        optional id: ResourceId,
        patch description: Description,
        patch parent_region_id: Text,
        rest extra: Extra,
    }
}

impl CreateRegion {
    pub fn into_new(self) -> NewRegion {
        NewRegion {
            id: self.id.map(ResourceId::into_inner),
            description: description(self.description),
            parent_region_id: self.parent_region_id.into_option().flatten().map(|t| t.0),
            extra: self.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/regions/{region_id}`.
    pub struct UpdateRegion in "region" {
        optional id: Text,
        patch description: Description,
        patch parent_region_id: Text,
        rest extra: Extra,
    }
}

impl UpdateRegion {
    pub fn document() -> Value {
        same_id(UpdateRegion::schema(), "region")
    }
    pub fn into_changes(self) -> RegionChanges {
        RegionChanges {
            id: self.id.map(|t| t.0),
            description: description(self.description),
            parent_region_id: self.parent_region_id.into_option().map(|p| p.map(|t| t.0)),
            extra: self.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `POST /v3/services`; `name` and `description` are kept as extras.
    pub struct CreateService in "service" {
        required kind as "type": ServiceType,
        optional enabled: bool,
        rest extra: Extra,
    }
}

impl CreateService {
    pub fn into_new(self) -> NewService {
        NewService {
            service_type: self.kind.0,
            enabled: self.enabled,
            extra: self.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/services/{service_id}`.
    pub struct UpdateService in "service" {
        optional id: Text,
        optional kind as "type": ServiceType,
        optional enabled: bool,
        rest extra: Extra,
    }
}

impl UpdateService {
    pub fn document() -> Value {
        same_id(at_least_one(UpdateService::schema(), "service"), "service")
    }
    pub fn into_changes(self) -> ServiceChanges {
        ServiceChanges {
            id: self.id.map(|t| t.0),
            service_type: self.kind.map(|t| t.0),
            enabled: self.enabled,
            extra: self.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `POST /v3/endpoints`; `region` is the older name of `region_id`.
    pub struct CreateEndpoint in "endpoint" {
        required service_id: Text,
        required interface: Interface,
        required url: EndpointUrl,
        patch region_id: StoredText,
        patch region: StoredText,
        optional enabled: bool,
        rest extra: Extra,
    }
}

/// `region_id`, or the older `region`: absent, cleared or set.
fn region_of(by_id: Patch<StoredText>, legacy: Patch<StoredText>) -> Option<Option<String>> {
    let by_id = by_id.into_option().map(|r| r.map(|t| t.0));
    let legacy = legacy.into_option().map(|r| r.map(|t| t.0));
    by_id.or(legacy)
}

impl CreateEndpoint {
    pub fn into_new(self) -> NewEndpoint {
        NewEndpoint {
            service_id: self.service_id.0,
            interface: self.interface.0,
            url: self.url.0,
            region_id: region_of(self.region_id, self.region).flatten(),
            enabled: self.enabled,
            extra: self.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/endpoints/{endpoint_id}`.
    pub struct UpdateEndpoint in "endpoint" {
        optional id: Text,
        optional service_id: Text,
        optional interface: Interface,
        optional url: EndpointUrl,
        patch region_id: StoredText,
        patch region: StoredText,
        optional enabled: bool,
        rest extra: Extra,
    }
}

impl UpdateEndpoint {
    pub fn document() -> Value {
        same_id(
            at_least_one(UpdateEndpoint::schema(), "endpoint"),
            "endpoint",
        )
    }
    pub fn into_changes(self) -> EndpointChanges {
        EndpointChanges {
            id: self.id.map(|t| t.0),
            service_id: self.service_id.map(|t| t.0),
            interface: self.interface.map(|t| t.0),
            url: self.url.map(|t| t.0),
            region_id: region_of(self.region_id, self.region),
            enabled: self.enabled,
            extra: self.extra.0,
        }
    }
}

crate::wire_query! {
    /// `GET /v3/regions` (Keystone's api-ref: `parent_region_id`).
    pub struct RegionListQuery {
        parent_region_id: Option<String> = "Only the children of this region.",
    }
}

impl From<RegionListQuery> for RegionFilter {
    fn from(q: RegionListQuery) -> RegionFilter {
        RegionFilter {
            parent_region_id: q.parent_region_id,
        }
    }
}

crate::wire_query! {
    /// `GET /v3/services` (Keystone's api-ref: `type`; its controller also `name`).
    pub struct ServiceListQuery {
        kind as "type": Option<String> = "Only services of this type.",
        name: Option<String> = "Only services of this name.",
    }
}

impl From<ServiceListQuery> for ServiceFilter {
    fn from(q: ServiceListQuery) -> ServiceFilter {
        ServiceFilter {
            service_type: q.kind,
            name: q.name,
        }
    }
}

crate::wire_query! {
    /// `GET /v3/endpoints` (Keystone's api-ref: `interface`, `service_id`, `region_id`).
    pub struct EndpointListQuery {
        interface: Option<String> = "Only endpoints of this interface (public, internal, admin).",
        service_id: Option<String> = "Only endpoints of this service.",
        region_id: Option<String> = "Only endpoints in this region.",
    }
}

impl From<EndpointListQuery> for EndpointFilter {
    fn from(q: EndpointListQuery) -> EndpointFilter {
        EndpointFilter {
            service_id: q.service_id,
            interface: q.interface,
            region_id: q.region_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(raw: &str) -> Result<Option<ServiceType>, ApiError> {
        let mut body = BodyObject::from_body(json!({ "type": raw }))?;
        ServiceType::take(&mut body, "type")
    }

    #[test]
    fn service_types_refuse_nul_on_every_backend() {
        assert!(kind("identity").is_ok());
        assert!(kind("").is_err());
        assert!(kind("a\0b").is_err());
        assert!(kind(&"t".repeat(256)).is_err());
    }

    #[test]
    fn patches_keep_their_three_states() {
        let update = UpdateEndpoint::from_body(json!({"endpoint": {"region": null}}))
            .unwrap()
            .into_changes();
        assert_eq!(update.region_id, Some(None));
        let update = UpdateEndpoint::from_body(json!({"endpoint": {"enabled": true}}))
            .unwrap()
            .into_changes();
        assert_eq!(update.region_id, None);
        let region = UpdateRegion::from_body(json!({"region": {"description": null}}))
            .unwrap()
            .into_changes();
        assert_eq!(region.description.as_deref(), Some(""));
    }
}
