//! The resource manager (Keystone's `resource/core.py`): domains and projects, with their
//! rules once for every face: ids, name rules, the domain a new project falls back to, the
//! fields that cannot change, the hierarchy, and what a delete takes with it. Each
//! operation loads its target, enforces Keystone's rule against the caller and the target,
//! acts in one transaction (the store's), and says what it changed ([`crate::change`]).
//! Nothing here knows HTTP.

pub mod domain_config;
pub mod domains;
pub mod project_tags;
pub mod project_tree;
pub mod projects;
pub mod quotas;

use serde_json::{json, Map, Value};

/// The `extra` text a domain or project is stored with: its extra attributes, with
/// Keystone's `tags` kept among them when given.
pub(crate) fn stored_extra(mut extra: Map<String, Value>, tags: Option<Vec<String>>) -> String {
    if let Some(tags) = tags {
        extra.insert("tags".into(), json!(tags));
    }
    Value::Object(extra).to_string()
}

/// Extra attributes with `tags`, as the store merges them into a PATCH.
pub(crate) fn extra_changes(
    mut extra: Map<String, Value>,
    tags: Option<Vec<String>>,
) -> Map<String, Value> {
    if let Some(tags) = tags {
        extra.insert("tags".into(), json!(tags));
    }
    extra
}
