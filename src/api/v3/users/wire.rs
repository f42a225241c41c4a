//! The wire contract of `/v3/users`: one type per request body and per list query, from
//! which the parser and the document both come, and the user's view with its schema.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::api::http::envelope::{parse_extra, SelfLink};
use crate::api::http::extract::BaseUrl;
use crate::api::http::wire::{Extra, NameMatches, PasswordText, Text};
use crate::api::v3::groups::wire::{non_empty, refuse_empty};
use crate::db::models::UserRow;
use crate::domain::filter::TimeMatch;
use crate::domain::keystone_time_from_micros;
use crate::domain::values::{Description, Name, ResourceId};
use crate::identity::groups::UserFilter;
use crate::identity::users::{FederatedFilter, NewUser, UserUpdate};

crate::wire_body! {
    /// The body of `POST /v3/users` (KeystoneCreateUser).
    pub struct CreateUser in "user" {
        required name: Name,
        optional domain_id: ResourceId,
        optional enabled: bool,
        patch description: Description,
        patch password: PasswordText,
        patch default_project_id: ResourceId,
        rest extra: Extra,
    }
}

impl From<CreateUser> for NewUser {
    fn from(body: CreateUser) -> NewUser {
        NewUser {
            name: body.name,
            domain_id: body.domain_id.map(ResourceId::into_inner),
            enabled: body.enabled,
            description: body.description.into_option().flatten(),
            password: body.password.into_option().flatten().map(|t| t.0),
            default_project_id: body
                .default_project_id
                .into_option()
                .flatten()
                .map(ResourceId::into_inner),
            extra: body.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/users/{user_id}` (KeystoneUpdateUser): at least one field.
    pub struct UpdateUser in "user" {
        optional name: Name,
        optional enabled: bool,
        patch description: Description,
        patch password: PasswordText,
        patch default_project_id: ResourceId,
        optional id: Text,
        optional domain_id: Text,
        rest extra: Extra,
    }
}

impl UpdateUser {
    /// Reads the body; `{}` is refused as Keystone's schema (`minProperties: 1`) refuses it.
    pub fn read(body: Value) -> Result<UpdateUser, crate::error::ApiError> {
        refuse_empty(&body, "user")?;
        UpdateUser::from_body(body)
    }
    /// The document's schema: what [`UpdateUser::read`] takes.
    pub fn document() -> Value {
        non_empty(UpdateUser::schema(), "user")
    }
}

impl From<UpdateUser> for UserUpdate {
    fn from(body: UpdateUser) -> UserUpdate {
        UserUpdate {
            name: body.name,
            enabled: body.enabled,
            description: body.description.into_option(),
            password: body.password.into_option().flatten().map(|t| t.0),
            default_project_id: body
                .default_project_id
                .into_option()
                .map(|p| p.map(ResourceId::into_inner)),
            id: body.id.map(|t| t.0),
            domain_id: body.domain_id.map(|t| t.0),
            extra: body.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `POST /v3/users/{user_id}/password` (KeystoneChangePassword).
    pub struct ChangePassword in "user" {
        required original_password: PasswordText,
        required password: PasswordText,
    }
}

crate::wire_query! {
    /// `GET /v3/users` (KeystoneListUsers): every filter of Keystone's API reference.
    pub struct UserListQuery {
        name: NameMatches = "Only users of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only users of this domain.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) users.",
        password_expires_at: Vec<TimeMatch> = "`{lt,lte,gt,gte,eq,neq}:<ISO 8601 time>` (or a \
            bare time for eq): users whose password expires so; may repeat, all must hold.",
        idp_id: Option<String> = "Only users federated from this identity provider.",
        protocol_id: Option<String> = "Only users federated through this protocol.",
        unique_id: Option<String> = "Only the user of this federated unique id.",
    }
}

impl UserListQuery {
    /// The filters as the manager takes them.
    pub fn into_filters(self) -> (UserFilter, FederatedFilter) {
        let federated = FederatedFilter {
            idp_id: self.idp_id,
            protocol_id: self.protocol_id,
            unique_id: self.unique_id,
        };
        let filter = UserFilter {
            name: self.name.exact,
            domain_id: self.domain_id,
            name_matches: self.name.patterns,
            enabled: self.enabled,
            password_expires: self.password_expires_at,
        };
        (filter, federated)
    }
}

crate::wire_query! {
    /// `GET /v3/groups/{group_id}/users` (KeystoneListUsersForGroupByAdmin).
    pub struct GroupUsersQuery {
        name: NameMatches = "Only members of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only members of this domain.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) members.",
        password_expires_at: Vec<TimeMatch> = "`{lt,lte,gt,gte,eq,neq}:<ISO 8601 time>` (or a \
            bare time for eq): members whose password expires so; may repeat, all must hold.",
    }
}

impl From<GroupUsersQuery> for UserFilter {
    fn from(q: GroupUsersQuery) -> UserFilter {
        UserFilter {
            name: q.name.exact,
            domain_id: q.domain_id,
            name_matches: q.name.patterns,
            enabled: q.enabled,
            password_expires: q.password_expires_at,
        }
    }
}

/// A user as every response shows it. The password hash never leaves the database layer.
#[derive(Serialize)]
pub struct UserView {
    #[serde(flatten)]
    extra: Map<String, Value>,
    id: String,
    name: String,
    domain_id: String,
    enabled: bool,
    description: String,
    password_expires_at: Option<String>,
    options: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_project_id: Option<String>,
    links: SelfLink,
}

impl UserView {
    /// The document's schema of a user.
    pub fn schema() -> Value {
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "domain_id": {"type": "string"},
            "enabled": {"type": "boolean"},
            "description": {"type": "string"},
            "password_expires_at": {"type": ["string", "null"]},
            "options": {"type": "object"},
            "default_project_id": {"type": "string"},
            "links": {"type": "object", "properties": {"self": {"type": "string"}},
                      "required": ["self"]},
        }, "required": ["id", "name", "domain_id", "enabled", "description",
                        "password_expires_at", "options", "links"]})
    }
}

pub fn user_json(user: &UserRow, base: &BaseUrl) -> UserView {
    UserView {
        extra: parse_extra(&user.extra),
        links: SelfLink {
            self_link: base.join(&format!("/v3/users/{}", user.id)),
        },
        password_expires_at: user
            .password_expires_at
            .map(|ms| keystone_time_from_micros(ms * 1000)),
        id: user.id.clone(),
        name: user.name.clone(),
        domain_id: user.domain_id.clone(),
        enabled: user.enabled,
        description: user.description.clone(),
        options: Map::new(),
        default_project_id: user.default_project_id.clone(),
    }
}
