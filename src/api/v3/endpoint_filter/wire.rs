//! The request bodies and list query of OS-EP-FILTER's endpoint groups, after Keystone's
//! `catalog/schema.py` and `_require_valid_filter`.

use serde_json::{json, Map, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::wire::{BodyField, Extra, Patch};
use crate::api::v3::limits::wire::{refuse_unknown, LongName};
use crate::catalog::endpoint_filter::{EndpointGroupChanges, NewEndpointGroup, FILTER_KEYS};
use crate::domain::values::Description;
use crate::error::ApiError;

/// An endpoint group's `filters`: an object of `service_id`, `region_id` and `interface`.
pub struct Filters(pub Map<String, Value>);

impl BodyField for Filters {
    fn schema() -> Value {
        json!({"type": "object", "minProperties": 1, "additionalProperties": false,
        "properties": {
            "interface": {"type": "string", "enum": ["admin", "internal", "public"]},
            "service_id": {"type": "string"},
            "region_id": {"type": ["string", "null"]},
        }})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let filters = match body.remove(field) {
            None => return Ok(None),
            Some(Value::Object(filters)) => filters,
            Some(other) => {
                return Err(ApiError::invalid_field(
                    field,
                    format!("{other} is not of type 'object'"),
                ))
            }
        };
        if filters.is_empty() {
            return Err(ApiError::Validation(format!(
                "{field} field is required and cannot be empty"
            )));
        }
        for (key, value) in &filters {
            if !FILTER_KEYS.contains(&key.as_str()) {
                return Err(ApiError::expecting(
                    &FILTER_KEYS.join(" or "),
                    "endpoint_group",
                ));
            }
            let fits = match key.as_str() {
                "interface" => value
                    .as_str()
                    .is_some_and(|i| ["admin", "internal", "public"].contains(&i)),
                "region_id" => value.is_string() || value.is_null(),
                _ => value.is_string(),
            };
            if !fits {
                return Err(ApiError::invalid_field(
                    &format!("{field}/{key}"),
                    format!("{value} is not valid here"),
                ));
            }
        }
        Ok(Some(Filters(filters)))
    }
}

/// Keystone's `additionalProperties: false`.
fn no_extra(extra: Extra) -> Result<(), ApiError> {
    match extra.0.keys().next() {
        None => Ok(()),
        Some(key) => Err(ApiError::invalid_field(
            "endpoint_group",
            format!("Additional properties are not allowed ('{key}' was unexpected)"),
        )),
    }
}

fn closed(mut schema: Value) -> Value {
    schema["properties"]["endpoint_group"]["additionalProperties"] = json!(false);
    schema
}

fn description(d: Patch<Description>) -> Option<Option<String>> {
    d.into_option().map(|d| d.map(Description::into_inner))
}

crate::wire_body! {
    /// The body of `POST /v3/OS-EP-FILTER/endpoint_groups`.
    pub struct CreateEndpointGroup in "endpoint_group" {
        required name: LongName,
        patch description: Description,
        required filters: Filters,
        rest extra: Extra,
    }
}

/// The fields of an endpoint group a body may give.
const GROUP_FIELDS: &[&str] = &["name", "description", "filters"];

/// Refuses any field of `{"endpoint_group": {...}}` Keystone's schema does not name.
pub fn closed_group(body: &Value) -> Result<(), ApiError> {
    match body.get("endpoint_group") {
        Some(inner) => refuse_unknown(inner, "endpoint_group", GROUP_FIELDS),
        None => Ok(()),
    }
}

impl CreateEndpointGroup {
    pub fn document() -> Value {
        closed(CreateEndpointGroup::schema())
    }
    pub fn into_new(self) -> Result<NewEndpointGroup, ApiError> {
        no_extra(self.extra)?;
        Ok(NewEndpointGroup {
            name: self.name.0,
            description: description(self.description).flatten(),
            filters: self.filters.0,
        })
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}`.
    pub struct UpdateEndpointGroup in "endpoint_group" {
        optional name: LongName,
        patch description: Description,
        optional filters: Filters,
        rest extra: Extra,
    }
}

impl UpdateEndpointGroup {
    pub fn document() -> Value {
        let mut schema = closed(UpdateEndpointGroup::schema());
        schema["properties"]["endpoint_group"]["minProperties"] = json!(1);
        schema
    }
    pub fn into_changes(self) -> Result<EndpointGroupChanges, ApiError> {
        no_extra(self.extra)?;
        let changes = EndpointGroupChanges {
            name: self.name.map(|n| n.0),
            description: description(self.description),
            filters: self.filters.map(|f| f.0),
        };
        if changes.name.is_none() && changes.description.is_none() && changes.filters.is_none() {
            return Err(ApiError::invalid_field(
                "endpoint_group",
                "{} does not have enough properties",
            ));
        }
        Ok(changes)
    }
}

crate::wire_query! {
    /// `GET /v3/OS-EP-FILTER/endpoint_groups` (Keystone's controller: `name`).
    pub struct EndpointGroupListQuery {
        name: Option<String> = "Only endpoint groups of this name.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(filters: Value) -> Result<NewEndpointGroup, ApiError> {
        CreateEndpointGroup::from_body(
            json!({"endpoint_group": {"name": "g", "filters": filters}}),
        )?
        .into_new()
    }

    #[test]
    fn filters_name_only_what_keystone_filters_by() {
        assert!(create(json!({"service_id": "s"})).is_ok());
        assert!(create(json!({"interface": "public", "region_id": null})).is_ok());
        assert!(create(json!({})).is_err());
        assert!(create(json!({"enabled": true})).is_err());
        assert!(create(json!({"interface": "private"})).is_err());
        assert!(create(json!("s")).is_err());
        assert!(closed_group(&json!({"endpoint_group": {"name": "g", "id": null}})).is_err());
        let update = UpdateEndpointGroup::from_body(json!({"endpoint_group": {}})).unwrap();
        assert!(update.into_changes().is_err());
    }
}
