//! The wire contract of Baidu's group and user calls: their bodies (Baidu ignores fields it
//! does not know, so none are kept), Baidu's `GroupModel` and `UserModel` with their
//! schemas, and Baidu's list.

use actix_web::web::Bytes;
use serde::Serialize;
use serde_json::{json, Value};

use super::bce_time;
use crate::api::http::wire::Patch;
use crate::db::models::{GroupRow, UserRow};
use crate::domain::page::Page;
use crate::domain::values::{Description, Name};
use crate::error::ApiError;

crate::wire_body! {
    /// The body of `POST /v1/group` and `POST /v1/user`.
    pub struct BceCreate {
        required name: Name,
        patch description: Description,
    }
}

crate::wire_body! {
    /// The body of `PUT /v1/group/{groupName}` and `PUT /v1/user/{userName}`.
    pub struct BceUpdate {
        optional name: Name,
        patch description: Description,
    }
}

/// A description as the manager takes it: absent, cleared (null), or set.
pub fn described(d: Patch<Description>) -> Option<Option<Description>> {
    d.into_option()
}

/// Baidu's `GroupModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupModel {
    id: String,
    name: String,
    description: String,
    create_time: String,
}

impl From<GroupRow> for GroupModel {
    fn from(group: GroupRow) -> Self {
        GroupModel {
            create_time: bce_time(group.create_time),
            id: group.id,
            name: group.name,
            description: group.description,
        }
    }
}

/// Baidu's `UserModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserModel {
    id: String,
    name: String,
    description: String,
    create_time: String,
    enabled: bool,
}

impl From<UserRow> for UserModel {
    fn from(user: UserRow) -> Self {
        UserModel {
            create_time: bce_time(user.created_at),
            id: user.id,
            name: user.name,
            description: user.description,
            enabled: user.enabled,
        }
    }
}

impl GroupModel {
    /// The document's schema of Baidu's `GroupModel`.
    pub fn schema() -> Value {
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "createTime": {"type": "string"},
        }, "required": ["id", "name", "description", "createTime"]})
    }
}

impl UserModel {
    /// The document's schema of Baidu's `UserModel`.
    pub fn schema() -> Value {
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "createTime": {"type": "string"},
            "enabled": {"type": "boolean"},
        }, "required": ["id", "name", "description", "createTime", "enabled"]})
    }
}

/// `{"<key>": [...]}` from a page of rows. Baidu's lists have no paging; they are capped by
/// `identity.list_limit` like Keystone's, and say `"truncated": true` when the cap cut them.
pub fn bce_list<R, M: Serialize + From<R>>(key: &str, page: Page<R>) -> Result<Bytes, ApiError> {
    let items: Vec<M> = page.items.into_iter().map(M::from).collect();
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), json!(items));
    if page.truncated {
        body.insert("truncated".into(), json!(true));
    }
    serde_json::to_vec(&body)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(format!("rendering a list: {e}")))
}
