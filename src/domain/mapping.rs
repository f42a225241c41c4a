//! Keystone's federation mapping engine: a mapping's rules turn what an identity provider
//! said about a person (its assertion: claims, or a web server's environment) into a local
//! user, the groups it belongs to and the projects it gets.
//!
//! The semantics are Keystone's (`keystone/federation/utils.py`, `RuleProcessor` and its
//! schema-2.0 and 3.0 subclasses), so that a mapping written for Keystone means the same
//! here:
//! - every rule whose `remote` conditions all hold contributes its `local` entries, in order
//!   (the first `user` wins; groups and group ids accumulate);
//! - a remote entry with only a `type`, or with `whitelist`/`blacklist`, is a *direct map*
//!   that `{0}`, `{1}`, ... in the local entries refer to; `any_one_of`/`not_any_of` are
//!   conditions only and add no direct map;
//! - a multi-valued match substitutes as Python's list repr, which `groups` and `group_ids`
//!   read back as a list (Keystone's `ast.literal_eval`).
//!
//! Where Keystone only fails at sign-in, this module fails when the mapping is stored: a
//! placeholder that no remote entry provides, a regex that does not compile, a property the
//! schema does not have. Each refusal names the rule and the property.
//!
//! One deliberate difference: Keystone decides whether `groups` holds JSON group objects by
//! looking for the substring `name` anywhere in it, so a group called `username` mapped with
//! a domain is refused. Here an entry is a JSON group object only when it starts with `JSON:`.

use std::collections::HashMap;

use fancy_regex::Regex;
use serde_json::{Map, Value};

use crate::domain::error::ValueError;

/// The mapping schema versions Keystone has. 1.0 is Keystone's default
/// (`federation.attribute_mapping_default_schema_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVersion {
    /// Rules, users, groups and projects.
    V1,
    /// Adds `domain` on projects, and a `domain` in a local entry that users and projects
    /// without their own domain take.
    V2,
    /// Adds `projects_json`: the projects come from a claim holding JSON.
    V3,
}

impl SchemaVersion {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        match text {
            "1.0" => Ok(SchemaVersion::V1),
            "2.0" => Ok(SchemaVersion::V2),
            "3.0" => Ok(SchemaVersion::V3),
            other => Err(ValueError::invalid(
                "schema_version",
                format!("'{other}' is not one of ['1.0', '2.0', '3.0']"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V1 => "1.0",
            SchemaVersion::V2 => "2.0",
            SchemaVersion::V3 => "3.0",
        }
    }
}

/// How a remote entry tests the values of its attribute.
#[derive(Debug, Clone)]
enum Condition {
    /// Only that the attribute is present; its values are a direct map.
    Present,
    /// At least one value matches (a condition, no direct map).
    AnyOneOf(Matcher),
    /// No value matches (a condition, no direct map).
    NotAnyOf(Matcher),
    /// The values that match are dropped; the rest are a direct map.
    Blacklist(Matcher),
    /// Only the values that match are kept, as a direct map.
    Whitelist(Matcher),
}

impl Condition {
    fn direct(&self) -> bool {
        matches!(
            self,
            Condition::Present | Condition::Blacklist(_) | Condition::Whitelist(_)
        )
    }
}

/// Literal values, or regexes searched anywhere in a value (Python's `re.search`).
#[derive(Debug, Clone)]
enum Matcher {
    Literal(Vec<String>),
    Regex(Vec<Regex>),
}

impl Matcher {
    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Literal(values) => values.iter().any(|v| v == value),
            // A regex that fails at run time (fancy-regex's backtracking limit) matches
            // nothing, rather than admitting someone.
            Matcher::Regex(regexes) => regexes.iter().any(|r| r.is_match(value).unwrap_or(false)),
        }
    }
}

#[derive(Debug, Clone)]
struct Remote {
    attribute: String,
    condition: Condition,
}

#[derive(Debug, Clone)]
struct Rule {
    /// Each local entry, validated against the schema, still with its placeholders.
    local: Vec<Map<String, Value>>,
    remote: Vec<Remote>,
}

/// A validated mapping, ready to evaluate assertions.
#[derive(Debug, Clone)]
pub struct Mapping {
    version: SchemaVersion,
    rules: Vec<Rule>,
}

/// What an identity provider asserted: each attribute with its values. Keystone splits every
/// value on `;`; [`Assertion::from_pairs`] does the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assertion(pub HashMap<String, Vec<String>>);

impl Assertion {
    /// Attributes given as single strings (a web server's environment, an input file),
    /// each split on `;` as Keystone does.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Assertion(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.split(';').map(str::to_string).collect()))
                .collect(),
        )
    }

    /// The claims of an OpenID Connect token. Each claim is there under its own name (as
    /// Huawei's mappings use them: `groups`, `preferred_username`) and as `OIDC-<name>` (as a
    /// Keystone behind mod_auth_openidc sees them). A list claim gives one value per item;
    /// a string is split on `;` as Keystone splits every value; numbers and booleans are
    /// their JSON text; objects and nulls are left out, since no rule could compare them.
    pub fn from_claims(claims: &Map<String, Value>) -> Self {
        let mut out = HashMap::new();
        for (name, value) in claims {
            let values: Vec<String> = match value {
                Value::String(s) => s.split(';').map(str::to_string).collect(),
                Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
                Value::Bool(_) | Value::Number(_) => scalar_text(value).into_iter().collect(),
                Value::Null | Value::Object(_) => continue,
            };
            out.insert(format!("OIDC-{name}"), values.clone());
            out.insert(name.clone(), values);
        }
        Assertion(out)
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        _ => None,
    }
}

/// A domain as a mapping names it: by id, by name, or (the schema allows it) neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Keystone's two kinds of federated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// Made on first sign-in, in the identity provider's domain (or the mapping's).
    Ephemeral,
    /// An existing local user, found by id or by name and domain.
    Local,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Ephemeral => "ephemeral",
            UserType::Local => "local",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedUser {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub domain: Option<DomainRef>,
    pub kind: UserType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupByName {
    pub name: String,
    pub domain: DomainRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedProject {
    pub name: String,
    pub roles: Vec<String>,
    pub domain: Option<DomainRef>,
}

/// The result of a mapping: who the person is here, and where they belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub user: MappedUser,
    pub group_ids: Vec<String>,
    pub group_names: Vec<GroupByName>,
    pub projects: Vec<MappedProject>,
}

/// Why an assertion could not be mapped (the sign-in is refused with a 401, and the audit
/// event says this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingError {
    /// No rule matched the assertion.
    NothingMapped,
    /// A matched rule's result is not what the schema allows once substituted (a `groups`
    /// entry without a domain, `projects_json` that is not a list of projects, ...).
    Invalid(String),
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Keystone's words.
            MappingError::NothingMapped => f.write_str(
                "Could not map any federated user properties to identity values. Check debug \
                 logs or the mapping used for additional details.",
            ),
            MappingError::Invalid(why) => write!(f, "Invalid mapping result: {why}"),
        }
    }
}

impl std::error::Error for MappingError {}

// ---------------------------------------------------------------------------------------
// Validation: the mapping schema of each version, checked property by property so that the
// refusal names the rule and the property.

fn invalid(path: &str, reason: impl std::fmt::Display) -> ValueError {
    ValueError::invalid(path, reason)
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ValueError> {
    value
        .as_object()
        .ok_or_else(|| invalid(path, format!("{value} is not of type 'object'")))
}

fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, ValueError> {
    value
        .as_str()
        .ok_or_else(|| invalid(path, format!("{value} is not of type 'string'")))
}

fn only(map: &Map<String, Value>, allowed: &[&str], path: &str) -> Result<(), ValueError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            path,
            format!("Additional properties are not allowed ('{k}' was unexpected)"),
        )),
        None => Ok(()),
    }
}

fn required(map: &Map<String, Value>, key: &str, path: &str) -> Result<(), ValueError> {
    if map.contains_key(key) {
        Ok(())
    } else {
        Err(invalid(path, format!("'{key}' is a required property")))
    }
}

fn check_domain(value: &Value, path: &str) -> Result<(), ValueError> {
    let map = object(value, path)?;
    only(map, &["id", "name"], path)?;
    for (k, v) in map {
        string(v, &format!("{path}.{k}"))?;
    }
    Ok(())
}

fn check_projects(value: &Value, path: &str, version: SchemaVersion) -> Result<(), ValueError> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid(path, format!("{value} is not of type 'array'")))?;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let map = object(item, &p)?;
        let allowed: &[&str] = if version == SchemaVersion::V1 {
            &["name", "roles"]
        } else {
            &["name", "roles", "domain"]
        };
        only(map, allowed, &p)?;
        required(map, "name", &p)?;
        required(map, "roles", &p)?;
        string(&map["name"], &format!("{p}.name"))?;
        if let Some(domain) = map.get("domain") {
            check_domain(domain, &format!("{p}.domain"))?;
        }
        let roles = map["roles"]
            .as_array()
            .ok_or_else(|| invalid(&format!("{p}.roles"), "is not of type 'array'"))?;
        for (j, role) in roles.iter().enumerate() {
            let rp = format!("{p}.roles[{j}]");
            let role = object(role, &rp)?;
            only(role, &["name"], &rp)?;
            required(role, "name", &rp)?;
            string(&role["name"], &format!("{rp}.name"))?;
        }
    }
    Ok(())
}

fn check_local(
    value: &Value,
    path: &str,
    version: SchemaVersion,
) -> Result<Map<String, Value>, ValueError> {
    let map = object(value, path)?;
    let mut allowed = vec!["user", "projects", "group", "groups", "group_ids", "domain"];
    if version == SchemaVersion::V3 {
        allowed.push("projects_json");
    }
    only(map, &allowed, path)?;
    if let Some(user) = map.get("user") {
        let p = format!("{path}.user");
        let user = object(user, &p)?;
        only(user, &["id", "name", "email", "domain", "type"], &p)?;
        for key in ["id", "name", "email"] {
            if let Some(v) = user.get(key) {
                string(v, &format!("{p}.{key}"))?;
            }
        }
        if let Some(domain) = user.get("domain") {
            check_domain(domain, &format!("{p}.domain"))?;
        }
        if let Some(kind) = user.get("type") {
            let kind = string(kind, &format!("{p}.type"))?;
            if kind != "ephemeral" && kind != "local" {
                return Err(invalid(
                    &format!("{p}.type"),
                    format!("'{kind}' is not one of ['ephemeral', 'local']"),
                ));
            }
        }
    }
    if let Some(group) = map.get("group") {
        let p = format!("{path}.group");
        let g = object(group, &p)?;
        // oneOf: by id alone, or by name and domain.
        if g.contains_key("id") {
            only(g, &["id"], &p)?;
            string(&g["id"], &format!("{p}.id"))?;
        } else if g.contains_key("name") {
            only(g, &["name", "domain"], &p)?;
            required(g, "domain", &p)?;
            string(&g["name"], &format!("{p}.name"))?;
            check_domain(&g["domain"], &format!("{p}.domain"))?;
        } else {
            return Err(invalid(
                &p,
                "a group is named by 'id', or by 'name' and 'domain'",
            ));
        }
    }
    for key in ["groups", "group_ids", "projects_json"] {
        if let Some(v) = map.get(key) {
            string(v, &format!("{path}.{key}"))?;
        }
    }
    if let Some(projects) = map.get("projects") {
        check_projects(projects, &format!("{path}.projects"), version)?;
    }
    if let Some(domain) = map.get("domain") {
        check_domain(domain, &format!("{path}.domain"))?;
    }
    if map.contains_key("groups") && !map.contains_key("domain") {
        // Keystone finds this only at sign-in. A substituted `groups` may bring `JSON:`
        // group objects that carry their own domains (keystone-to-keystone does), so only
        // names written into the mapping itself are refused here.
        let groups = map["groups"].as_str().unwrap_or_default();
        let substituted = placeholders(groups).is_ok_and(|p| !p.is_empty());
        if !substituted && !groups.contains("JSON:") {
            return Err(invalid(
                path,
                "Both 'groups' and 'domain' keywords must be specified.",
            ));
        }
    }
    Ok(map.clone())
}

fn check_remote(value: &Value, path: &str) -> Result<Remote, ValueError> {
    let map = object(value, path)?;
    required(map, "type", path)?;
    let attribute = string(&map["type"], &format!("{path}.type"))?.to_string();
    let kinds = ["any_one_of", "not_any_of", "blacklist", "whitelist"];
    let present: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .collect();
    if present.len() > 1 {
        return Err(invalid(
            path,
            format!(
                "only one of 'any_one_of', 'not_any_of', 'blacklist' and 'whitelist' may be given, \
                 not {}",
                present.join(" and ")
            ),
        ));
    }
    let Some(kind) = present.first().copied() else {
        only(map, &["type"], path)?;
        return Ok(Remote {
            attribute,
            condition: Condition::Present,
        });
    };
    only(map, &["type", kind, "regex"], path)?;
    let regex = match map.get("regex") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid(
                &format!("{path}.regex"),
                format!("{other} is not of type 'boolean'"),
            ))
        }
    };
    let p = format!("{path}.{kind}");
    let items = map[kind]
        .as_array()
        .ok_or_else(|| invalid(&p, format!("{} is not of type 'array'", map[kind])))?;
    let mut values = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        // Keystone compares these with the assertion's strings, so anything else could
        // never match: refuse it rather than store a rule that silently never applies.
        values.push(string(item, &format!("{p}[{i}]"))?.to_string());
    }
    let matcher = if regex {
        let mut compiled = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            let r = Regex::new(v).map_err(|e| {
                invalid(
                    &format!("{p}[{i}]"),
                    format!("'{v}' is not a valid regular expression: {e}"),
                )
            })?;
            compiled.push(r);
        }
        Matcher::Regex(compiled)
    } else {
        Matcher::Literal(values)
    };
    let condition = match kind {
        "any_one_of" => Condition::AnyOneOf(matcher),
        "not_any_of" => Condition::NotAnyOf(matcher),
        "blacklist" => Condition::Blacklist(matcher),
        _ => Condition::Whitelist(matcher),
    };
    Ok(Remote {
        attribute,
        condition,
    })
}

/// Every placeholder of every string under `value` must name a direct map the rule has.
fn check_placeholders(value: &Value, path: &str, direct: usize) -> Result<(), ValueError> {
    match value {
        Value::String(s) => {
            let indices = placeholders(s).map_err(|why| invalid(path, why))?;
            if let Some(i) = indices.into_iter().find(|i| *i >= direct) {
                return Err(invalid(
                    path,
                    format!(
                        "'{s}' refers to {{{i}}}, but the rule's remote has {direct} direct \
                         match{} (an entry with only 'type', or with 'whitelist' or 'blacklist'); \
                         {{0}} is the first",
                        if direct == 1 { "" } else { "es" }
                    ),
                ));
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_placeholders(v, &format!("{path}[{i}]"), direct)),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_placeholders(v, &format!("{path}.{k}"), direct)),
        _ => Ok(()),
    }
}

impl Mapping {
    /// A mapping from its JSON (`{"rules": [...], "schema_version"?}`), validated against
    /// its schema version (`default_version` when it names none).
    pub fn parse(value: &Value, default_version: SchemaVersion) -> Result<Mapping, ValueError> {
        let map = object(value, "mapping")?;
        only(map, &["rules", "schema_version"], "mapping")?;
        let version = match map.get("schema_version") {
            None => default_version,
            Some(v) => SchemaVersion::parse(string(v, "schema_version")?)?,
        };
        required(map, "rules", "mapping")?;
        let rules = map["rules"]
            .as_array()
            .ok_or_else(|| invalid("rules", format!("{} is not of type 'array'", map["rules"])))?;
        if rules.is_empty() {
            return Err(invalid("rules", "[] is too short"));
        }
        let mut parsed = Vec::with_capacity(rules.len());
        for (r, rule) in rules.iter().enumerate() {
            let path = format!("rules[{r}]");
            let rule = object(rule, &path)?;
            only(rule, &["local", "remote"], &path)?;
            required(rule, "local", &path)?;
            required(rule, "remote", &path)?;
            let remote_path = format!("{path}.remote");
            let remote = rule["remote"]
                .as_array()
                .ok_or_else(|| invalid(&remote_path, "is not of type 'array'"))?;
            if remote.is_empty() {
                return Err(invalid(&remote_path, "[] is too short"));
            }
            let remote = remote
                .iter()
                .enumerate()
                .map(|(i, v)| check_remote(v, &format!("{remote_path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let direct = remote.iter().filter(|r| r.condition.direct()).count();
            let local_path = format!("{path}.local");
            let local = rule["local"]
                .as_array()
                .ok_or_else(|| invalid(&local_path, "is not of type 'array'"))?;
            let mut locals = Vec::with_capacity(local.len());
            for (i, entry) in local.iter().enumerate() {
                let p = format!("{local_path}[{i}]");
                let entry = check_local(entry, &p, version)?;
                let mut templates = entry.clone();
                if let Some(Value::String(pj)) = templates.remove("projects_json") {
                    let pp = format!("{p}.projects_json");
                    match projects_json_index(&pj) {
                        Some(i) if i < direct => {}
                        Some(i) => {
                            return Err(invalid(
                                &pp,
                                format!("'{pj}' refers to {{{i}}}, but the rule's remote has {direct} direct match(es)"),
                            ))
                        }
                        None => {
                            return Err(invalid(
                                &pp,
                                format!("'{pj}' must name a remote match, such as {{0}}"),
                            ))
                        }
                    }
                }
                check_placeholders(&Value::Object(templates), &p, direct)?;
                locals.push(entry);
            }
            parsed.push(Rule {
                local: locals,
                remote,
            });
        }
        Ok(Mapping {
            version,
            rules: parsed,
        })
    }

    pub fn version(&self) -> SchemaVersion {
        self.version
    }

    /// Maps an assertion: the rules that match, combined as Keystone combines them.
    pub fn evaluate(&self, assertion: &Assertion) -> Result<Mapped, MappingError> {
        let mut identity_values: Vec<Map<String, Value>> = Vec::new();
        for rule in &self.rules {
            let Some(direct) = rule.direct_maps(assertion) else {
                continue;
            };
            for local in &rule.local {
                let mut local = local.clone();
                // `projects_json` is not a template: it names the direct map whose text is
                // the projects' JSON (Keystone's schema 3.0). The values were split on `;`,
                // so they are joined back.
                let projects_json = match local.remove("projects_json") {
                    Some(Value::String(pj)) => projects_json_index(&pj)
                        .and_then(|i| direct.get(i))
                        .map(|values| Value::String(values.join(";"))),
                    _ => None,
                };
                let substituted = substitute(&Value::Object(local), &direct)?;
                if let Value::Object(mut map) = substituted {
                    if let Some(pj) = projects_json {
                        map.insert("projects_json".into(), pj);
                    }
                    identity_values.push(map);
                }
            }
        }
        self.transform(identity_values)
    }

    fn transform(&self, values: Vec<Map<String, Value>>) -> Result<Mapped, MappingError> {
        if values.is_empty() {
            return Err(MappingError::NothingMapped);
        }
        let mut user: Option<Map<String, Value>> = None;
        let mut group_ids: Vec<String> = Vec::new();
        // Groups by name, one per (domain, name), in the order first seen.
        let mut group_names: Vec<GroupByName> = Vec::new();
        let mut projects: Vec<MappedProject> = Vec::new();
        for value in &values {
            if let Some(Value::Object(u)) = value.get("user") {
                if user.is_none() {
                    user = Some(u.clone());
                }
            }
            if let Some(Value::Object(group)) = value.get("group") {
                if let Some(Value::String(id)) = group.get("id") {
                    push_unique(&mut group_ids, id.clone());
                } else if let (Some(Value::String(name)), Some(domain)) =
                    (group.get("name"), group.get("domain"))
                {
                    // A multi-valued match names one group per value, as Keystone's
                    // documentation shows (its code would look for one group named like
                    // the list).
                    for name in literal_list(name) {
                        push_group(&mut group_names, name, domain_ref(domain));
                    }
                }
            }
            if let Some(Value::String(groups)) = value.get("groups") {
                for (name, domain) in normalize_groups(groups, value.get("domain"))? {
                    push_group(&mut group_names, name, domain);
                }
            }
            if let Some(Value::String(ids)) = value.get("group_ids") {
                for id in literal_list(ids) {
                    push_unique(&mut group_ids, id);
                }
            }
            if value.contains_key("projects") || value.contains_key("projects_json") {
                // As in Keystone, the last entry that names projects decides them.
                projects = self.extract_projects(value)?;
            }
        }
        // Keystone takes the default domain of the user from the last local entry.
        let default_domain = values.last().and_then(|v| v.get("domain"));
        let user = user.unwrap_or_default();
        let text = |k: &str| user.get(k).and_then(Value::as_str).map(str::to_string);
        let kind = match user.get("type").and_then(Value::as_str) {
            Some("local") => UserType::Local,
            _ => UserType::Ephemeral,
        };
        let mut domain = user.get("domain").map(domain_ref);
        if domain.is_none() && self.version != SchemaVersion::V1 {
            domain = default_domain.map(domain_ref);
        }
        Ok(Mapped {
            user: MappedUser {
                id: text("id"),
                name: text("name"),
                email: text("email"),
                domain,
                kind,
            },
            group_ids,
            group_names,
            projects,
        })
    }

    fn extract_projects(
        &self,
        value: &Map<String, Value>,
    ) -> Result<Vec<MappedProject>, MappingError> {
        let mut projects = Vec::new();
        if let Some(list) = value.get("projects") {
            projects.extend(parse_projects(list)?);
        }
        if self.version == SchemaVersion::V3 {
            if let Some(list) = value.get("projects_json") {
                // Substitution left the claim's text; it holds the projects as JSON.
                let parsed = match list {
                    Value::String(text) => serde_json::from_str::<Value>(text).map_err(|e| {
                        MappingError::Invalid(format!("projects_json is not JSON: {e}"))
                    })?,
                    other => other.clone(),
                };
                projects.extend(parse_projects(&parsed)?);
            }
        }
        if self.version != SchemaVersion::V1 {
            let default = value.get("domain").map(domain_ref);
            for p in &mut projects {
                if p.domain.is_none() {
                    p.domain = default.clone();
                }
            }
        }
        Ok(projects)
    }
}

impl Rule {
    /// The rule's direct maps when every remote entry holds, else `None`.
    fn direct_maps(&self, assertion: &Assertion) -> Option<Vec<Vec<String>>> {
        let mut direct = Vec::new();
        for remote in &self.remote {
            let values = assertion.0.get(&remote.attribute)?;
            if values.is_empty() {
                return None;
            }
            match &remote.condition {
                Condition::Present => direct.push(values.clone()),
                Condition::AnyOneOf(m) => {
                    if !values.iter().any(|v| m.matches(v)) {
                        return None;
                    }
                }
                Condition::NotAnyOf(m) => {
                    if values.iter().any(|v| m.matches(v)) {
                        return None;
                    }
                }
                Condition::Blacklist(m) => {
                    direct.push(dedup(values.iter().filter(|v| !m.matches(v))));
                }
                Condition::Whitelist(m) => {
                    direct.push(dedup(values.iter().filter(|v| m.matches(v))));
                }
            }
        }
        Some(direct)
    }
}

/// Keystone filters through Python sets: the values once each (here in the order given).
fn dedup<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        push_unique(&mut out, v.clone());
    }
    out
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn push_group(list: &mut Vec<GroupByName>, name: String, domain: DomainRef) {
    if !list.iter().any(|g| g.name == name && g.domain == domain) {
        list.push(GroupByName { name, domain });
    }
}

fn domain_ref(value: &Value) -> DomainRef {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    DomainRef {
        id: text("id"),
        name: text("name"),
    }
}

fn parse_projects(value: &Value) -> Result<Vec<MappedProject>, MappingError> {
    let bad = |why: &str| MappingError::Invalid(format!("projects: {why}"));
    let items = value.as_array().ok_or_else(|| bad("not a list"))?;
    items
        .iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("a project without a name"))?;
            let roles = item
                .get("roles")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("a project without roles"))?
                .iter()
                .map(|r| {
                    r.get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| bad("a role without a name"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(MappedProject {
                name: name.to_string(),
                roles,
                domain: item.get("domain").map(domain_ref),
            })
        })
        .collect()
}

/// `groups` once substituted: a list of names in the entry's domain, or of `JSON:{...}`
/// group objects that carry their own.
fn normalize_groups(
    groups: &str,
    domain: Option<&Value>,
) -> Result<Vec<(String, DomainRef)>, MappingError> {
    let mut out = Vec::new();
    for item in literal_list(groups) {
        if let Some(json) = item.strip_prefix("JSON:") {
            let group: Value = serde_json::from_str(json).map_err(|e| {
                MappingError::Invalid(format!("a JSON group in 'groups' is not JSON: {e}"))
            })?;
            match (
                group.get("name").and_then(Value::as_str),
                group.get("domain"),
            ) {
                (Some(name), Some(d)) => out.push((name.to_string(), domain_ref(d))),
                _ => {
                    return Err(MappingError::Invalid(
                        "Both 'groups' and 'domain' keywords must be specified.".into(),
                    ))
                }
            }
        } else {
            let Some(d) = domain else {
                return Err(MappingError::Invalid(
                    "Both 'groups' and 'domain' keywords must be specified.".into(),
                ));
            };
            out.push((item, domain_ref(d)));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Substitution: Python's `str.format(*direct_maps)`, as Keystone applies it.

enum Piece {
    Text(String),
    Index(usize),
}

/// The pieces of a template: `{N}` and `{}` (numbered in order), `{{` and `}}` for braces.
/// Anything else in braces (a format spec, an attribute, an item) is refused: Keystone
/// would answer a 500 at sign-in.
fn pieces(template: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut auto = 0usize;
    let (mut numbered, mut automatic) = (false, false);
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => return Err(format!("'{template}' has an unclosed '{{'")),
                    }
                }
                let index = if field.is_empty() {
                    automatic = true;
                    auto += 1;
                    auto - 1
                } else if field.chars().all(|c| c.is_ascii_digit()) {
                    numbered = true;
                    field
                        .parse()
                        .map_err(|_| format!("'{template}': {{{field}}} is too large"))?
                } else {
                    return Err(format!(
                        "'{template}': {{{field}}} is not a substitution this service makes \
                         (only {{0}}, {{1}}, ... and {{}})"
                    ));
                };
                if numbered && automatic {
                    return Err(format!(
                        "'{template}' mixes {{}} with numbered substitutions"
                    ));
                }
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Index(index));
            }
            '}' => return Err(format!("'{template}' has a single '}}'")),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn placeholders(template: &str) -> Result<Vec<usize>, String> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Index(i) => Some(i),
            Piece::Text(_) => None,
        })
        .collect())
}

/// One direct map as `str.format` shows it: a single value as itself, several as Python's
/// list repr (which `groups` and `group_ids` read back as a list).
fn shown(values: &[String]) -> String {
    if values.len() == 1 {
        values[0].clone()
    } else {
        let items: Vec<String> = values.iter().map(|v| python_repr(v)).collect();
        format!("[{}]", items.join(", "))
    }
}

/// Python's `repr` of a str: single quotes unless the text has one and no double quote.
fn python_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn substitute(value: &Value, direct: &[Vec<String>]) -> Result<Value, MappingError> {
    Ok(match value {
        Value::String(s) => {
            let mut out = String::new();
            for piece in pieces(s).map_err(MappingError::Invalid)? {
                match piece {
                    Piece::Text(t) => out.push_str(&t),
                    Piece::Index(i) => {
                        // Checked when the mapping was stored.
                        let values = direct.get(i).ok_or_else(|| {
                            MappingError::Invalid(format!("{{{i}}} has no remote match"))
                        })?;
                        out.push_str(&shown(values));
                    }
                }
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, direct))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), substitute(v, direct)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// `projects_json`'s placeholder: Keystone reads it with `\{?(\d+)\}?` from the start: `{N}`
/// or a bare `N`.
fn projects_json_index(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('{').unwrap_or(text);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Keystone's `ast.literal_eval` of a `groups` or `group_ids` value: a Python list of
/// strings becomes its items; anything else is one value.
fn literal_list(text: &str) -> Vec<String> {
    parse_python_list(text).unwrap_or_else(|| vec![text.to_string()])
}

fn parse_python_list(text: &str) -> Option<Vec<String>> {
    let mut chars = text.trim().chars().peekable();
    if chars.next()? != '[' {
        return None;
    }
    let mut items = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next()? {
            ']' if items.is_empty() => break,
            q @ ('\'' | '"') => {
                let mut item = String::new();
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            'n' => item.push('\n'),
                            't' => item.push('\t'),
                            'r' => item.push('\r'),
                            'x' => {
                                let hex: String = [chars.next()?, chars.next()?].iter().collect();
                                item.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
                            }
                            c => item.push(c),
                        },
                        c if c == q => break,
                        c => item.push(c),
                    }
                }
                items.push(item);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                match chars.next()? {
                    ',' => continue,
                    ']' => break,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    if chars.any(|c| !c.is_whitespace()) {
        return None;
    }
    Some(items)
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
