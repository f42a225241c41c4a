//! The wire contract of `/v3/groups`: one type per request body and per list query, from
//! which the parser and the document both come, and the group's view with its schema.

use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::envelope::{parse_extra, LinkTo};
use crate::api::http::extract::BaseUrl;
use crate::api::http::wire::{Extra, NameMatches, Text};
use crate::db::models::GroupRow;
use crate::domain::values::{Description, Name, ResourceId};
use crate::identity::groups::{GroupFilter, GroupUpdate, NewGroup};

crate::wire_body! {
    /// The body of `POST /v3/groups` (KeystoneCreateGroup).
    pub struct CreateGroup in "group" {
        required name: Name,
        patch description: Description,
        optional domain_id: ResourceId,
        rest extra: Extra,
    }
}

impl From<CreateGroup> for NewGroup {
    fn from(body: CreateGroup) -> NewGroup {
        NewGroup {
            name: body.name,
            description: body.description.into_option().flatten(),
            domain_id: body.domain_id.map(ResourceId::into_inner),
            extra: body.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/groups/{group_id}` (KeystoneUpdateGroup): at least one field.
    pub struct UpdateGroup in "group" {
        optional name: Name,
        patch description: Description,
        optional id: Text,
        optional domain_id: Text,
        rest extra: Extra,
    }
}

impl UpdateGroup {
    /// Reads the body; `{}` is refused as Keystone's schema (`minProperties: 1`) refuses it.
    pub fn read(body: Value) -> Result<UpdateGroup, crate::error::ApiError> {
        refuse_empty(&body, "group")?;
        UpdateGroup::from_body(body)
    }
    /// The document's schema: what [`UpdateGroup::read`] takes.
    pub fn document() -> Value {
        non_empty(UpdateGroup::schema(), "group")
    }
}

impl From<UpdateGroup> for GroupUpdate {
    fn from(body: UpdateGroup) -> GroupUpdate {
        GroupUpdate {
            name: body.name,
            description: body.description.into_option(),
            id: body.id.map(|t| t.0),
            domain_id: body.domain_id.map(|t| t.0),
            extra: body.extra.0,
        }
    }
}

/// Refuses `{"<key>": {}}` in Keystone's words (a PATCH must change something).
pub fn refuse_empty(body: &Value, key: &str) -> Result<(), crate::error::ApiError> {
    match body.get(key).and_then(Value::as_object) {
        Some(fields) if fields.is_empty() => Err(crate::error::ApiError::Validation(format!(
            "Invalid input for field '{key}': {{}} does not have enough properties"
        ))),
        _ => Ok(()),
    }
}

/// A wrapped body schema whose inner object must have a field.
pub fn non_empty(mut schema: Value, key: &str) -> Value {
    schema["properties"][key]["minProperties"] = json!(1);
    schema
}

crate::wire_query! {
    /// `GET /v3/groups` (KeystoneListGroups): Keystone's `name` and `domain_id`.
    pub struct GroupListQuery {
        name: NameMatches = "Only groups of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only groups of this domain.",
    }
}

impl From<GroupListQuery> for GroupFilter {
    fn from(q: GroupListQuery) -> GroupFilter {
        GroupFilter {
            name: q.name.exact,
            domain_id: q.domain_id,
            name_matches: q.name.patterns,
        }
    }
}

crate::wire_query! {
    /// `GET /v3/users/{user_id}/groups` (KeystoneListGroupsForUser): Keystone's `name`.
    pub struct UserGroupsQuery {
        name: NameMatches = "Only groups of this name; with name__contains etc., a pattern.",
    }
}

impl From<UserGroupsQuery> for GroupFilter {
    fn from(q: UserGroupsQuery) -> GroupFilter {
        GroupFilter {
            name: q.name.exact,
            domain_id: None,
            name_matches: q.name.patterns,
        }
    }
}

/// A group as every response shows it: Keystone's fields, Huawei's `create_time` and
/// `links`, and any extra attributes it was given. It borrows the row, and its self link
/// is written straight into the output, so a page of 1,000 groups allocates no strings.
pub struct GroupView<'a> {
    group: &'a GroupRow,
    base: &'a BaseUrl,
}

pub fn group_json<'a>(group: &'a GroupRow, base: &'a BaseUrl) -> GroupView<'a> {
    GroupView { group, base }
}

impl GroupView<'_> {
    /// The document's schema of a group.
    pub fn schema() -> Value {
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "domain_id": {"type": "string"},
            "create_time": {"type": "integer"},
            "links": {"type": "object", "properties": {"self": {"type": "string"}},
                      "required": ["self"]},
        }, "required": ["id", "name", "description", "domain_id", "create_time", "links"]})
    }
}

impl Serialize for GroupView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let g = self.group;
        // Extra attributes first, as `#[serde(flatten)]` wrote them before.
        let extra = parse_extra(&g.extra);
        let mut map = serializer.serialize_map(Some(extra.len() + 6))?;
        for (key, value) in &extra {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("id", &g.id)?;
        map.serialize_entry("name", &g.name)?;
        map.serialize_entry("description", &g.description)?;
        map.serialize_entry("domain_id", &g.domain_id)?;
        map.serialize_entry("create_time", &g.create_time)?;
        map.serialize_entry(
            "links",
            &LinkTo {
                base: self.base,
                path: "/v3/groups/",
                id: &g.id,
            },
        )?;
        map.end()
    }
}
