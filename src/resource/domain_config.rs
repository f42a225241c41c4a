//! Domain configuration: Keystone's `DomainConfigManager` (`/v3/domains/{id}/config`). A
//! domain may override the options of two groups, `identity` and `ldap`, each from a fixed
//! list (Keystone's whitelisted and sensitive options). The options are stored and
//! validated; this service does not itself switch a domain to another identity driver.
//! Sensitive options (`ldap.password`) are kept but never shown.

use serde_json::{json, Map, Value};

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::change::{self, Event};
use crate::db::domain_configs::{self as store, DomainConfigRow};
use crate::db::{self, resources};
use crate::error::ApiError;
use crate::state::AppState;

/// A configuration: group name to options, each option name to its value.
pub type Config = Map<String, Value>;

/// The options a domain may set, with Keystone's defaults (`keystone/conf/identity.py`,
/// `keystone/conf/ldap.py`), group by group.
const WHITELISTED: &[(&str, &[&str])] = &[
    ("identity", &["driver", "list_limit"]),
    (
        "ldap",
        &[
            "url",
            "user",
            "suffix",
            "query_scope",
            "page_size",
            "alias_dereferencing",
            "debug_level",
            "chase_referrals",
            "user_tree_dn",
            "user_filter",
            "user_objectclass",
            "user_id_attribute",
            "user_name_attribute",
            "user_mail_attribute",
            "user_description_attribute",
            "user_pass_attribute",
            "user_enabled_attribute",
            "user_enabled_invert",
            "user_enabled_mask",
            "user_enabled_default",
            "user_attribute_ignore",
            "user_default_project_id_attribute",
            "user_enabled_emulation",
            "user_enabled_emulation_dn",
            "user_enabled_emulation_use_group_config",
            "user_additional_attribute_mapping",
            "group_tree_dn",
            "group_filter",
            "group_objectclass",
            "group_id_attribute",
            "group_name_attribute",
            "group_members_are_ids",
            "group_member_attribute",
            "group_desc_attribute",
            "group_attribute_ignore",
            "group_additional_attribute_mapping",
            "tls_cacertfile",
            "tls_cacertdir",
            "use_tls",
            "tls_req_cert",
            "use_pool",
            "pool_size",
            "pool_retry_max",
            "pool_retry_delay",
            "pool_connection_timeout",
            "pool_connection_lifetime",
            "use_auth_pool",
            "auth_pool_size",
            "auth_pool_connection_lifetime",
        ],
    ),
];

/// Options a domain may set that are never shown (Keystone's `sensitive_options`).
const SENSITIVE: &[(&str, &[&str])] = &[("identity", &[]), ("ldap", &["password"])];

/// The group whose options are read from the service's own settings, by anyone, for the
/// default domain only (Keystone's `get_security_compliance_config`).
pub const SECURITY_COMPLIANCE: &str = "security_compliance";
const READABLE_SECURITY_OPTIONS: &[&str] = &["password_regex", "password_regex_description"];

fn options_of(table: &[(&str, &'static [&'static str])], group: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|(g, _)| *g == group)
        .map(|(_, options)| *options)
        .unwrap_or(&[])
}

fn is_whitelisted(group: &str, option: &str) -> bool {
    options_of(WHITELISTED, group).contains(&option)
}

fn is_sensitive(group: &str, option: &str) -> bool {
    options_of(SENSITIVE, group).contains(&option)
}

/// The default of a whitelisted option: Keystone's, or this service's where it has one.
fn default_of(state: &AppState, group: &str, option: &str) -> Value {
    match (group, option) {
        ("identity", "driver") => json!("sql"),
        ("identity", "list_limit") => match state.settings.identity.list_limit {
            n if n > 0 => json!(n),
            _ => Value::Null,
        },
        ("ldap", o) => match o {
            "url" => json!("ldap://localhost"),
            "suffix" => json!("cn=example,cn=com"),
            "query_scope" => json!("one"),
            "page_size" | "user_enabled_mask" => json!(0),
            "alias_dereferencing" => json!("default"),
            "user_objectclass" => json!("inetOrgPerson"),
            "user_id_attribute" | "group_id_attribute" => json!("cn"),
            "user_name_attribute" => json!("sn"),
            "user_description_attribute" | "group_desc_attribute" => json!("description"),
            "user_mail_attribute" => json!("mail"),
            "user_pass_attribute" => json!("userPassword"),
            "user_enabled_attribute" => json!("enabled"),
            "user_enabled_default" => json!("True"),
            "user_attribute_ignore" => json!(["default_project_id"]),
            "user_additional_attribute_mapping"
            | "group_attribute_ignore"
            | "group_additional_attribute_mapping" => json!([]),
            "group_objectclass" => json!("groupOfNames"),
            "group_name_attribute" => json!("ou"),
            "group_member_attribute" => json!("member"),
            "tls_req_cert" => json!("demand"),
            "use_pool" | "use_auth_pool" => json!(true),
            "pool_size" => json!(10),
            "pool_retry_max" => json!(3),
            "pool_retry_delay" => json!(0.1),
            "pool_connection_timeout" => json!(-1),
            "pool_connection_lifetime" => json!(600),
            "auth_pool_size" => json!(100),
            "auth_pool_connection_lifetime" => json!(60),
            "user_enabled_invert"
            | "user_enabled_emulation"
            | "user_enabled_emulation_use_group_config"
            | "group_members_are_ids"
            | "use_tls" => json!(false),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// Keystone's `InvalidDomainConfig`, a 403.
fn invalid(reason: impl std::fmt::Display) -> ApiError {
    ApiError::Forbidden(format!("Invalid domain specific configuration: {reason}."))
}

/// Keystone's `DomainConfigNotFound`.
fn not_found(domain_id: &str, group: Option<&str>, option: Option<&str>) -> ApiError {
    let what = match (group, option) {
        (Some(g), Some(o)) => format!("option {o} in group {g}"),
        (Some(g), None) => format!("group {g}"),
        _ => "any options".to_string(),
    };
    ApiError::NotFoundMessage(format!(
        "Could not find {what} in domain configuration for domain {domain_id}."
    ))
}

/// Keystone's `_assert_valid_group_and_option`.
fn check_group_and_option(group: Option<&str>, option: Option<&str>) -> Result<(), ApiError> {
    let Some(group) = group else {
        return Ok(());
    };
    let known = |table: &[(&str, &[&str])]| table.iter().any(|(g, _)| *g == group);
    if !known(WHITELISTED) && !known(SENSITIVE) {
        return Err(invalid(format_args!(
            "Group {group} is not supported for domain specific configurations"
        )));
    }
    if let Some(option) = option {
        if !is_whitelisted(group, option) && !is_sensitive(group, option) {
            return Err(invalid(format_args!(
                "Option {option} in group {group} is not supported for domain specific \
                 configurations"
            )));
        }
    }
    Ok(())
}

/// Keystone's `_assert_valid_config`: some groups, each a non-empty object of known
/// options.
fn check_config(config: &Config) -> Result<(), ApiError> {
    if config.is_empty() {
        return Err(invalid("No options specified"));
    }
    for (group, options) in config {
        let options = match options {
            Value::Object(o) if !o.is_empty() => o,
            _ => {
                return Err(invalid(format_args!(
                    "The value of group {group} specified in the config should be a \
                     dictionary of options"
                )))
            }
        };
        for option in options.keys() {
            check_group_and_option(Some(group), Some(option))?;
        }
    }
    Ok(())
}

fn to_rows(domain_id: &str, config: &Config) -> Vec<DomainConfigRow> {
    let mut rows = Vec::new();
    for (group, options) in config {
        if let Value::Object(options) = options {
            for (option, value) in options {
                rows.push(DomainConfigRow {
                    domain_id: domain_id.to_owned(),
                    group_name: group.clone(),
                    option_name: option.clone(),
                    value: value.to_string(),
                    sensitive: is_sensitive(group, option),
                });
            }
        }
    }
    rows
}

/// Keystone's `_list_to_config`: grouped, or the one option alone when one was asked for.
fn to_config(rows: &[DomainConfigRow], one_option: bool) -> Config {
    let mut config = Config::new();
    for row in rows {
        let value: Value = serde_json::from_str(&row.value).unwrap_or(Value::Null);
        if one_option {
            config.insert(row.option_name.clone(), value);
            continue;
        }
        if let Value::Object(options) = config
            .entry(row.group_name.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            options.insert(row.option_name.clone(), value);
        }
    }
    config
}

fn enforce(caller: &AuthContext, rule: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, rule, &Target::default())
}

async fn load_domain(state: &AppState, domain_id: &str) -> Result<(), ApiError> {
    let id = domain_id.to_owned();
    db::run(&state.pool, move |conn| resources::get_domain(conn, &id))
        .await
        .map(|_| ())
        .map_err(ApiError::from)
}

async fn list(
    state: &AppState,
    domain_id: &str,
    group: Option<&str>,
    option: Option<&str>,
    sensitive: Option<bool>,
) -> Result<Vec<DomainConfigRow>, ApiError> {
    let (d, g, o) = (
        domain_id.to_owned(),
        group.map(str::to_owned),
        option.map(str::to_owned),
    );
    db::run(&state.pool, move |conn| {
        store::list_config_options(conn, &d, g.as_deref(), o.as_deref(), sensitive)
    })
    .await
    .map_err(ApiError::from)
}

/// What a domain's configuration change is audited as.
fn said(event: fn(&str, String) -> Event, domain_id: &str) {
    change::audit(event("domain_config", domain_id.to_owned()));
}

/// Keystone's `create_config` (`PUT /v3/domains/{id}/config`): the whole configuration is
/// replaced. Says whether there was one before (Keystone answers 200 then, 201 otherwise),
/// and the stored configuration without its sensitive options.
pub async fn create_config(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    config: Config,
) -> Result<(bool, Config), ApiError> {
    said(Event::created, &domain_id);
    enforce(caller, &policy::CREATE_DOMAIN_CONFIG)?;
    load_domain(state, &domain_id).await?;
    check_config(&config)?;
    let had = !list(state, &domain_id, None, None, None).await?.is_empty();
    let rows = to_rows(&domain_id, &config);
    let d = domain_id.clone();
    db::run(&state.pool, move |conn| {
        store::replace_config_options(conn, &d, rows)
    })
    .await?;
    // No cached answer is computed from a domain's configuration.
    state.changed(&[]);
    let shown = list(state, &domain_id, None, None, Some(false)).await?;
    Ok((had, to_config(&shown, false)))
}

/// Keystone's `get_config`: the whole configuration, a group or one option, without the
/// sensitive options; 404 when nothing matches. The domain is looked up before the rule is
/// enforced but its absence told only after, so existence does not leak.
pub async fn get_config(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    group: Option<String>,
    option: Option<String>,
) -> Result<Config, ApiError> {
    let exists = load_domain(state, &domain_id).await;
    if group.as_deref() == Some(SECURITY_COMPLIANCE) {
        policy::enforce(
            caller,
            &policy::GET_SECURITY_COMPLIANCE_CONFIG,
            &Target::default(),
        )?;
        exists?;
        return security_compliance(state, &domain_id, option.as_deref());
    }
    enforce(caller, &policy::GET_DOMAIN_CONFIG)?;
    exists?;
    check_group_and_option(group.as_deref(), option.as_deref())?;
    let rows = list(
        state,
        &domain_id,
        group.as_deref(),
        option.as_deref(),
        Some(false),
    )
    .await?;
    if rows.is_empty() {
        return Err(not_found(&domain_id, group.as_deref(), option.as_deref()));
    }
    Ok(to_config(&rows, option.is_some()))
}

/// Keystone's `get_security_compliance_config`: the password rules a client may show its
/// users, from the service's settings; for the default domain only.
fn security_compliance(
    state: &AppState,
    domain_id: &str,
    option: Option<&str>,
) -> Result<Config, ApiError> {
    if domain_id != state.settings.identity.default_domain_id {
        return Err(invalid(
            "Reading security compliance information for any domain other than the default \
             domain is not allowed or supported",
        ));
    }
    let sc = &state.settings.security_compliance;
    let value = |o: &str| {
        let v = if o == "password_regex" {
            &sc.password_regex
        } else {
            &sc.password_regex_description
        };
        // Keystone's unset option is None.
        if v.is_empty() {
            Value::Null
        } else {
            json!(v)
        }
    };
    match option {
        Some(o) if !READABLE_SECURITY_OPTIONS.contains(&o) => Err(invalid(
            "Reading security compliance values other than password_regex and \
             password_regex_description is not allowed",
        )),
        Some(o) => {
            let mut config = Config::new();
            config.insert(o.to_owned(), value(o));
            Ok(config)
        }
        None => {
            let options: Map<String, Value> = READABLE_SECURITY_OPTIONS
                .iter()
                .map(|o| (o.to_string(), value(o)))
                .collect();
            let mut config = Config::new();
            config.insert(SECURITY_COMPLIANCE.to_owned(), Value::Object(options));
            Ok(config)
        }
    }
}

/// Keystone's `update_config`: the options given are set. Naming a group (or an option)
/// in the URL limits the change to it, which must be the only one in the body and must
/// already be set. Answers the whole configuration without its sensitive options.
pub async fn update_config(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    config: Config,
    group: Option<String>,
    option: Option<String>,
) -> Result<Config, ApiError> {
    said(Event::updated, &domain_id);
    enforce(caller, &policy::UPDATE_DOMAIN_CONFIG)?;
    load_domain(state, &domain_id).await?;
    let config = match (&group, &option) {
        (Some(g), Some(_)) => {
            let mut wrapped = Config::new();
            wrapped.insert(g.clone(), Value::Object(config));
            wrapped
        }
        _ => config,
    };
    check_config(&config)?;
    check_group_and_option(group.as_deref(), option.as_deref())?;
    if let Some(g) = group.as_deref() {
        let given = config.get(g).and_then(Value::as_object);
        if config.len() != 1 || option.is_some() && given.is_some_and(|o| o.len() != 1) {
            return Err(match option.as_deref() {
                Some(o) => invalid(format_args!(
                    "Trying to update option {o} in group {g}, so that, and only that, option \
                     must be specified  in the config"
                )),
                None => invalid(format_args!(
                    "Trying to update group {g}, so that, and only that, group must be \
                     specified in the config"
                )),
            });
        }
        let Some(given) = given else {
            let other = config.keys().next().cloned().unwrap_or_default();
            return Err(invalid(format_args!(
                "request to update group {g}, but config provided contains group {other} \
                 instead"
            )));
        };
        if let Some(o) = option.as_deref() {
            if !given.contains_key(o) {
                let other = given.keys().next().cloned().unwrap_or_default();
                return Err(invalid(format_args!(
                    "Trying to update option {o} in group {g}, but config provided contains \
                     option {other} instead"
                )));
            }
        }
        if list(state, &domain_id, Some(g), option.as_deref(), None)
            .await?
            .is_empty()
        {
            return Err(not_found(&domain_id, Some(g), option.as_deref()));
        }
    }
    let rows = to_rows(&domain_id, &config);
    db::run(&state.pool, move |conn| {
        store::update_config_options(conn, rows)
    })
    .await?;
    state.changed(&[]);
    let shown = list(state, &domain_id, None, None, Some(false)).await?;
    if shown.is_empty() {
        return Err(not_found(&domain_id, None, None));
    }
    Ok(to_config(&shown, false))
}

/// Keystone's `delete_config`: the whole configuration, a group or one option; a group or
/// option named must be set.
pub async fn delete_config(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    group: Option<String>,
    option: Option<String>,
) -> Result<(), ApiError> {
    said(Event::deleted, &domain_id);
    enforce(caller, &policy::DELETE_DOMAIN_CONFIG)?;
    load_domain(state, &domain_id).await?;
    check_group_and_option(group.as_deref(), option.as_deref())?;
    if let Some(g) = group.as_deref() {
        if list(state, &domain_id, Some(g), None, None)
            .await?
            .is_empty()
        {
            return Err(not_found(&domain_id, Some(g), None));
        }
        if let Some(o) = option.as_deref() {
            if list(state, &domain_id, Some(g), Some(o), None)
                .await?
                .is_empty()
            {
                return Err(not_found(&domain_id, Some(g), Some(o)));
            }
        }
    }
    db::run(&state.pool, move |conn| {
        store::delete_config_options(conn, &domain_id, group.as_deref(), option.as_deref())
    })
    .await?;
    state.changed(&[]);
    Ok(())
}

/// Keystone's `get_config_default`: the defaults of the options a domain may set, all,
/// a group's, or one (sensitive options have none to show).
pub fn get_config_default(
    state: &AppState,
    caller: &AuthContext,
    group: Option<String>,
    option: Option<String>,
) -> Result<Config, ApiError> {
    enforce(caller, &policy::GET_DOMAIN_CONFIG_DEFAULT)?;
    check_group_and_option(group.as_deref(), option.as_deref())?;
    let group_defaults = |g: &str| -> Value {
        Value::Object(
            options_of(WHITELISTED, g)
                .iter()
                .map(|o| (o.to_string(), default_of(state, g, o)))
                .collect(),
        )
    };
    let mut config = Config::new();
    match (group.as_deref(), option.as_deref()) {
        (Some(g), Some(o)) => {
            if !is_whitelisted(g, o) {
                return Err(invalid(format_args!(
                    "Reading the default for option {o} in group {g} is not supported"
                )));
            }
            config.insert(o.to_owned(), default_of(state, g, o));
        }
        (Some(g), None) => {
            config.insert(g.to_owned(), group_defaults(g));
        }
        _ => {
            for (g, _) in WHITELISTED {
                config.insert(g.to_string(), group_defaults(g));
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identity_and_ldap_options_are_accepted() {
        assert!(check_group_and_option(Some("identity"), Some("driver")).is_ok());
        assert!(check_group_and_option(Some("ldap"), Some("password")).is_ok());
        let err = check_group_and_option(Some("assignment"), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "403 Forbidden: Invalid domain specific configuration: Group assignment is not \
             supported for domain specific configurations."
        );
        assert!(check_group_and_option(Some("ldap"), Some("nope")).is_err());
        assert!(check_config(&Config::new()).is_err());
        let mut empty_group = Config::new();
        empty_group.insert("ldap".into(), json!({}));
        assert!(check_config(&empty_group).is_err());
    }

    #[test]
    fn sensitive_options_are_marked_and_a_single_option_stands_alone() {
        let mut config = Config::new();
        config.insert("ldap".into(), json!({"password": "p", "url": "ldap://x"}));
        let rows = to_rows("d", &config);
        assert_eq!(rows.iter().filter(|r| r.sensitive).count(), 1);
        let url: Vec<_> = rows.into_iter().filter(|r| !r.sensitive).collect();
        assert_eq!(
            Value::Object(to_config(&url, true)),
            json!({"url": "ldap://x"})
        );
        assert_eq!(
            Value::Object(to_config(&url, false)),
            json!({"ldap": {"url": "ldap://x"}})
        );
    }
}
