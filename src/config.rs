//! Settings, read once at start: the embedded `config/default.toml`, then
//! `config/<IAM_GROUPS_ENV>.toml`, then `IAM_GROUPS_*` environment variables.
//! Nothing else in the crate reads the environment.
//!
//! Over 500 lines: one reader for every setting (the guide's rule), with the tests that load
//! `config/default.toml` and each override.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::lockout::Lockout;
use crate::domain::proxies::TrustedProxies;
use crate::domain::values::PasswordRules;

const DEFAULT_TOML: &str = include_str!("../config/default.toml");
const ENV_PREFIX: &str = "IAM_GROUPS_";

/// Named environment variables that operators' scripts rely on, and the key each sets.
const NAMED_ENV: &[(&str, &str, &str)] = &[
    ("IAM_GROUPS_BIND", "server", "bind"),
    ("IAM_GROUPS_PUBLIC_URL", "server", "public_url"),
    ("IAM_GROUPS_DATABASE_URL", "database", "url"),
    ("IAM_GROUPS_TOKEN_EXPIRATION", "token", "expiration"),
    ("IAM_GROUPS_TOKEN_KEY_FILE", "token", "key_file"),
    ("IAM_GROUPS_TOKEN_CACHE_TTL_MS", "token", "cache_ttl_ms"),
    ("IAM_GROUPS_CREDENTIAL_KEY_FILE", "credentials", "key_file"),
    ("IAM_GROUPS_ADMIN_PASSWORD", "bootstrap", "admin_password"),
    ("IAM_GROUPS_REGION", "bootstrap", "region"),
    ("IAM_GROUPS_AUDIT_LOG", "audit", "log_file"),
    (
        "IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS",
        "security_compliance",
        "lockout_failure_attempts",
    ),
    (
        "IAM_GROUPS_LOCKOUT_DURATION",
        "security_compliance",
        "lockout_duration",
    ),
    (
        "IAM_GROUPS_PASSWORD_REGEX",
        "security_compliance",
        "password_regex",
    ),
    (
        "IAM_GROUPS_PASSWORD_REGEX_DESCRIPTION",
        "security_compliance",
        "password_regex_description",
    ),
    (
        "IAM_GROUPS_PASSWORD_MIN_LENGTH",
        "security_compliance",
        "password_min_length",
    ),
];

/// Keys the defaults leave out because absent means "unlimited" ([`QuotaSettings`]).
const OPTIONAL_INTEGER_KEYS: &[(&str, &str)] = &[
    ("quota", "groups_per_domain"),
    ("quota", "users_per_domain"),
    ("quota", "groups_per_user"),
    ("quota", "users_per_group"),
    ("quota", "grants_per_group"),
    ("quota", "policies_per_group"),
    ("quota", "policies_per_domain"),
    ("quota", "access_keys_per_user"),
];

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub token: TokenSettings,
    pub credentials: CredentialSettings,
    pub identity: IdentitySettings,
    pub bootstrap: BootstrapSettings,
    pub security_compliance: SecurityComplianceSettings,
    pub log: LogSettings,
    pub audit: AuditSettings,
    pub signing: SigningSettings,
    pub login: LoginSettings,
    pub federation: FederationSettings,
    #[serde(default)]
    pub trust: TrustSettings,
    pub oidc: OidcSettings,
    pub unified_limit: UnifiedLimitSettings,
    #[serde(default)]
    pub quota: QuotaSettings,
}

/// Federation (OS-FEDERATION): mappings and the memberships they give.
#[derive(Debug, Clone, Deserialize)]
pub struct FederationSettings {
    /// The schema version of a mapping stored without one (Keystone's
    /// `attribute_mapping_default_schema_version`): 1.0, 2.0 or 3.0.
    pub attribute_mapping_default_schema_version: String,
}

/// Per-account (domain) quotas, `[quota]`: `None` is unlimited. Enforced by the managers of
/// every face, inside the write's transaction, as `StoreError::limit_reached`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct QuotaSettings {
    /// Groups in one domain (Huawei 20, Baidu 50).
    pub groups_per_domain: Option<u32>,
    /// Users in one domain (Huawei 50).
    pub users_per_domain: Option<u32>,
    /// Groups one user may belong to (Huawei 10).
    pub groups_per_user: Option<u32>,
    /// Members of one group (Baidu 20).
    pub users_per_group: Option<u32>,
    /// Role assignments held by one group (Huawei 200).
    pub grants_per_group: Option<u32>,
    /// Identity policies attached to one group (Baidu 5).
    pub policies_per_group: Option<u32>,
    /// Custom identity policies one domain may define.
    pub policies_per_domain: Option<u32>,
    /// Access keys one user may hold (2, as both vendors allow).
    pub access_keys_per_user: Option<u32>,
}

impl QuotaSettings {
    /// Whether `current` items already use up `limit` (so one more would exceed it).
    pub fn reached(limit: Option<u32>, current: i64) -> bool {
        limit.is_some_and(|l| current >= i64::from(l))
    }
}

/// OS-TRUST (Keystone's `[trust]`).
#[derive(Debug, Clone, Deserialize)]
pub struct TrustSettings {
    /// Most times a trust may be redelegated down a chain (Keystone's default, 3).
    pub max_redelegation_count: i32,
}

impl Default for TrustSettings {
    fn default() -> Self {
        TrustSettings {
            max_redelegation_count: 3,
        }
    }
}

/// Signed requests (AK/SK): replay and validity rules.
#[derive(Debug, Clone, Deserialize)]
pub struct SigningSettings {
    /// Longest `expirationPeriodInSeconds` a `bce-auth-v1` signature may claim.
    pub bce_max_expiration_secs: u32,
    /// How long after its first use a signature is still taken, in milliseconds; 0: once.
    pub replay_grace_ms: u64,
}

/// Unified limits (Keystone's `[unified_limit]`).
#[derive(Debug, Clone, Deserialize)]
pub struct UnifiedLimitSettings {
    /// How limits are validated against the project tree. Only `flat` is implemented; any
    /// other name (Keystone's `strict_two_level` included) refuses to start.
    pub enforcement_model: EnforcementModel,
}

/// An enforcement model of unified limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnforcementModel {
    /// Keystone's `flat`: each limit stands alone, the project tree is not considered.
    Flat,
}

/// Password logins: the hashing queue and the failed-login limit per source.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginSettings {
    /// Password checks that may wait for a hashing thread; beyond, 503 with Retry-After.
    pub hash_queue_limit: usize,
    /// The Retry-After of that 503, in seconds.
    pub hash_retry_after_secs: u64,
    /// Failed password logins one source may make per window; 0 turns the limit off.
    pub failed_login_limit: u32,
    /// The window of `failed_login_limit`, in seconds.
    pub failed_login_window_secs: u64,
}

/// Verifying identity providers' OpenID Connect tokens (`auth::oidc`).
#[derive(Debug, Clone, Deserialize)]
pub struct OidcSettings {
    /// Clock skew allowed on a token's `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// How long a provider's fetched keys are used before they are fetched again, in seconds.
    pub jwks_cache_ttl_secs: u64,
    /// Least time between two fetches of one provider's keys (on an unknown `kid`, after a
    /// failure), in seconds.
    pub jwks_min_refetch_secs: u64,
    /// Longest a fetch of a discovery document or JWKS may take, in milliseconds.
    pub fetch_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub workers: usize,
    pub max_request_body_size: usize,
    pub client_request_timeout_ms: u64,
    pub client_disconnect_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are believed: IPs or CIDR ranges,
    /// comma-separated in the file; empty: nobody's.
    #[serde(deserialize_with = "trusted_proxies")]
    pub trusted_proxies: TrustedProxies,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub connection_timeout: u64,
    pub busy_timeout_ms: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenSettings {
    pub expiration: i64,
    pub key_file: PathBuf,
    pub cache_ttl_ms: u64,
    pub cache_size: usize,
}

impl TokenSettings {
    /// How long a token lives, in milliseconds: what storage needs to know which
    /// revocation records can expire.
    pub fn lifetime_ms(&self) -> i64 {
        self.expiration * 1000
    }
}

/// Access keys (AK/SK) for Huawei-style signed requests.
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialSettings {
    /// The file of the key that encrypts access-key secrets at rest.
    pub key_file: PathBuf,
    /// Seconds since a password login within which its tokens may make access keys.
    pub mint_login_window: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdentitySettings {
    pub default_domain_id: String,
    pub list_limit: i64,
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    pub password_hash_parallelism: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BootstrapSettings {
    pub admin_user: String,
    pub admin_password: Secret,
    pub admin_project: String,
    pub region: String,
}

/// Keystone's `[security_compliance]`: account lockout and password rules.
#[derive(Debug, Clone, Deserialize)]
pub struct SecurityComplianceSettings {
    /// Failed password logins in a row that lock the account; 0 turns lockout off.
    pub lockout_failure_attempts: u32,
    /// Seconds a locked account stays locked; 0 keeps it locked until an admin acts.
    pub lockout_duration: u64,
    /// A new password must match this (from its first character); empty: no pattern.
    pub password_regex: String,
    /// Said to the user whose new password does not match `password_regex`.
    pub password_regex_description: String,
    /// Fewest characters a new password may have; 0 or 1: any non-empty password.
    pub password_min_length: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub level: String,
}

/// The audit trail: always in the database; also as JSON lines in `log_file` when set.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditSettings {
    /// Empty: no file.
    pub log_file: PathBuf,
}

/// A configured secret: usable, but never printed by `Debug`.
#[derive(Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl SecurityComplianceSettings {
    /// The account lockout these settings ask for (`None`: off).
    pub fn lockout(&self) -> Option<Lockout> {
        Lockout::new(self.lockout_failure_attempts, self.lockout_duration)
    }

    /// The rules for a password being set, compiled; the error names the key at fault.
    pub fn password_rules(&self) -> Result<PasswordRules, String> {
        PasswordRules::new(
            self.password_min_length,
            &self.password_regex,
            &self.password_regex_description,
        )
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("[redacted]")
        }
    }
}

#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL, passed to libpq as it is.
    Postgres(String),
}

impl DatabaseSettings {
    /// Interprets `url`: `postgres://...`, `sqlite://PATH`, `sqlite:PATH` or a plain path.
    pub fn location(&self) -> Result<DatabaseLocation, ConfigError> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err(ConfigError("database.url is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseLocation::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path == ":memory:" || path.is_empty() {
            // Each pooled connection would get its own empty database.
            return Err(ConfigError(
                "an in-memory SQLite database cannot be shared by a pool; give a file path".into(),
            ));
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
    }
}

impl Settings {
    /// Reads the settings from `config/` in the working directory and the process environment.
    pub fn load() -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let dir = env
            .get("IAM_GROUPS_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("config"));
        Settings::from_sources(&dir, &env)
    }

    /// Builds settings from a config directory and an environment map (testable without
    /// touching the process environment).
    pub fn from_sources(
        config_dir: &Path,
        env: &HashMap<String, String>,
    ) -> Result<Settings, ConfigError> {
        let mut merged: toml::Table = DEFAULT_TOML
            .parse()
            .map_err(|e| ConfigError(format!("built-in defaults: {e}")))?;

        let environment = env
            .get("IAM_GROUPS_ENV")
            .cloned()
            .unwrap_or_else(|| "development".to_string());
        if !environment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError(format!(
                "IAM_GROUPS_ENV must be a plain name, got {environment:?}"
            )));
        }
        let overlay_path = config_dir.join(format!("{environment}.toml"));
        if overlay_path.is_file() {
            let text = std::fs::read_to_string(&overlay_path)
                .map_err(|e| ConfigError(format!("{}: {e}", overlay_path.display())))?;
            let overlay: toml::Table = text
                .parse()
                .map_err(|e| ConfigError(format!("{}: {e}", overlay_path.display())))?;
            merge(&mut merged, overlay);
        }

        for (var, section, key) in NAMED_ENV {
            if let Some(value) = env.get(*var) {
                set_key(&mut merged, section, key, value)?;
            }
        }
        for (var, value) in env {
            let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if let Some((section, key)) = rest.split_once("__") {
                set_key(
                    &mut merged,
                    &section.to_ascii_lowercase(),
                    &key.to_ascii_lowercase(),
                    value,
                )?;
            }
        }

        let settings: Settings = toml::Value::Table(merged)
            .try_into()
            .map_err(|e| ConfigError(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.token.expiration <= 0 {
            return Err(ConfigError("token.expiration must be positive".into()));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError("database.pool_size must be at least 1".into()));
        }
        if self.identity.list_limit < 0 {
            return Err(ConfigError("identity.list_limit must be 0 or more".into()));
        }
        let url = &self.server.public_url;
        if !url.is_empty() && !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(ConfigError(
                "server.public_url must start with http:// or https://".into(),
            ));
        }
        self.database.location()?;
        if self.signing.bce_max_expiration_secs == 0 {
            return Err(ConfigError(
                "signing.bce_max_expiration_secs must be at least 1".into(),
            ));
        }
        if self.login.failed_login_limit > 0 && self.login.failed_login_window_secs == 0 {
            return Err(ConfigError(
                "login.failed_login_window_secs must be at least 1".into(),
            ));
        }
        self.security_compliance
            .password_rules()
            .map_err(ConfigError)?;
        if !["1.0", "2.0", "3.0"].contains(
            &self
                .federation
                .attribute_mapping_default_schema_version
                .as_str(),
        ) {
            return Err(ConfigError(
                "federation.attribute_mapping_default_schema_version must be 1.0, 2.0 or 3.0"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The public URL without a trailing slash, if one is configured.
    pub fn public_url(&self) -> Option<&str> {
        let url = self.server.public_url.trim_end_matches('/');
        (!url.is_empty()).then_some(url)
    }
}

fn trusted_proxies<'de, D: serde::Deserializer<'de>>(d: D) -> Result<TrustedProxies, D::Error> {
    let list = String::deserialize(d)?;
    TrustedProxies::parse(&list)
        .map_err(|e| serde::de::Error::custom(format!("server.trusted_proxies: {e}")))
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table)) => {
                merge(base_table, overlay_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets `section.key` from an environment string, keeping the type the default has.
fn set_key(
    table: &mut toml::Table,
    section: &str,
    key: &str,
    raw: &str,
) -> Result<(), ConfigError> {
    let Some(toml::Value::Table(section_table)) = table.get_mut(section) else {
        return Err(ConfigError(format!(
            "unknown configuration section {section:?}"
        )));
    };
    // Optional integers (quotas) are absent from the defaults when unlimited: an
    // environment variable may still set them.
    let unset_integer = toml::Value::Integer(0);
    let current = match section_table.get(key) {
        Some(current) => current,
        None if OPTIONAL_INTEGER_KEYS.contains(&(section, key)) => &unset_integer,
        None => {
            return Err(ConfigError(format!(
                "unknown configuration key {section}.{key}"
            )))
        }
    };
    let bad = |what: &str| ConfigError(format!("{section}.{key} must be {what}, got {raw:?}"));
    let value = match current {
        toml::Value::Integer(_) => {
            toml::Value::Integer(raw.trim().parse().map_err(|_| bad("an integer"))?)
        }
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(bad("a boolean")),
        }),
        _ => toml::Value::String(raw.to_string()),
    };
    section_table.insert(key.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn config_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn defaults_load_and_match_the_documented_values() {
        let s = Settings::from_sources(Path::new("/nonexistent"), &env(&[])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:5000");
        assert_eq!(s.server.max_request_body_size, 114688);
        assert_eq!(s.server.client_request_timeout_ms, 5000);
        assert_eq!(s.server.client_disconnect_timeout_ms, 1000);
        assert_eq!(s.server.body_read_timeout_ms, 30000);
        assert_eq!(s.token.expiration, 3600);
        assert_eq!(s.credentials.key_file, PathBuf::from("data/credential.key"));
        assert_eq!(s.credentials.mint_login_window, 600);
        assert_eq!(s.identity.default_domain_id, "default");
        assert_eq!(s.identity.list_limit, 1000, "lists are bounded by default");
        assert_eq!(
            s.database.location().unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("data/iam-groups.sqlite"))
        );
        assert!(s.public_url().is_none());
        assert!(s.server.trusted_proxies.is_empty());
        assert_eq!(
            s.signing.bce_max_expiration_secs, 1800,
            "bce-python-sdk's default"
        );
        assert_eq!(s.signing.replay_grace_ms, 2000);
        assert_eq!(s.login.hash_queue_limit, 64);
        assert_eq!(s.login.failed_login_limit, 300);
    }

    #[test]
    fn every_shipped_environment_file_parses() {
        for name in ["development", "test", "production", "huawei", "baidu"] {
            let s = Settings::from_sources(&config_dir(), &env(&[("IAM_GROUPS_ENV", name)]));
            assert!(s.is_ok(), "{name}: {s:?}");
        }
        let test =
            Settings::from_sources(&config_dir(), &env(&[("IAM_GROUPS_ENV", "test")])).unwrap();
        assert_eq!(test.identity.password_hash_iterations, 1);
    }

    #[test]
    fn quotas_are_unlimited_by_default_and_the_vendor_files_set_theirs() {
        let s = Settings::from_sources(&config_dir(), &env(&[])).unwrap();
        assert_eq!(
            s.quota,
            QuotaSettings {
                access_keys_per_user: Some(2),
                ..QuotaSettings::default()
            },
            "only the two access keys are limited by default"
        );
        let huawei =
            Settings::from_sources(&config_dir(), &env(&[("IAM_GROUPS_ENV", "huawei")])).unwrap();
        assert_eq!(huawei.quota.groups_per_domain, Some(20));
        assert_eq!(huawei.quota.users_per_domain, Some(50));
        assert_eq!(huawei.quota.groups_per_user, Some(10));
        assert_eq!(huawei.quota.grants_per_group, Some(200));
        let baidu =
            Settings::from_sources(&config_dir(), &env(&[("IAM_GROUPS_ENV", "baidu")])).unwrap();
        assert_eq!(baidu.quota.groups_per_domain, Some(50));
        assert_eq!(baidu.quota.users_per_group, Some(20));
        assert_eq!(baidu.quota.policies_per_group, Some(5));
        let overridden = Settings::from_sources(
            &config_dir(),
            &env(&[
                ("IAM_GROUPS_ENV", "huawei"),
                ("IAM_GROUPS_QUOTA__GROUPS_PER_DOMAIN", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(overridden.quota.groups_per_domain, Some(3));
        let from_env = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_QUOTA__USERS_PER_GROUP", "7")]),
        )
        .unwrap();
        assert_eq!(from_env.quota.users_per_group, Some(7));
        assert!(QuotaSettings::reached(Some(2), 2));
        assert!(!QuotaSettings::reached(Some(2), 1));
        assert!(!QuotaSettings::reached(None, i64::MAX));
    }

    #[test]
    fn named_and_generic_environment_variables_override_files() {
        let s = Settings::from_sources(
            &config_dir(),
            &env(&[
                ("IAM_GROUPS_BIND", "0.0.0.0:9999"),
                ("IAM_GROUPS_DATABASE_URL", "/tmp/x.db"),
                ("IAM_GROUPS_TOKEN_EXPIRATION", "60"),
                ("IAM_GROUPS_ADMIN_PASSWORD", "s3cret"),
                ("IAM_GROUPS_PUBLIC_URL", "https://iam.example.test/"),
                ("IAM_GROUPS_DATABASE__POOL_SIZE", "3"),
                ("IAM_GROUPS_CREDENTIAL_KEY_FILE", "/tmp/cred.key"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9999");
        assert_eq!(
            s.database.location().unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(s.token.expiration, 60);
        assert_eq!(s.bootstrap.admin_password.expose(), "s3cret");
        assert_eq!(s.public_url(), Some("https://iam.example.test"));
        assert_eq!(s.database.pool_size, 3);
        assert_eq!(s.credentials.key_file, PathBuf::from("/tmp/cred.key"));
    }

    #[test]
    fn security_compliance_is_off_by_default_and_set_by_environment() {
        let s = Settings::from_sources(Path::new("/nonexistent"), &env(&[])).unwrap();
        let sc = &s.security_compliance;
        assert_eq!(
            sc.lockout_failure_attempts, 0,
            "lockout off, as in Keystone"
        );
        assert_eq!(sc.lockout_duration, 1800, "Keystone's default");
        assert_eq!(sc.password_regex, "");
        assert_eq!(sc.password_min_length, 0);
        let s = Settings::from_sources(
            &config_dir(),
            &env(&[
                ("IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS", "5"),
                ("IAM_GROUPS_LOCKOUT_DURATION", "60"),
                ("IAM_GROUPS_PASSWORD_REGEX", r"^(?=.*\d).+$"),
                ("IAM_GROUPS_PASSWORD_REGEX_DESCRIPTION", "a digit"),
                ("IAM_GROUPS_SECURITY_COMPLIANCE__PASSWORD_MIN_LENGTH", "12"),
            ]),
        )
        .unwrap();
        let sc = &s.security_compliance;
        assert_eq!(sc.lockout_failure_attempts, 5);
        assert_eq!(sc.lockout_duration, 60);
        assert_eq!(sc.password_regex, r"^(?=.*\d).+$");
        assert_eq!(sc.password_regex_description, "a digit");
        assert_eq!(sc.password_min_length, 12);
    }

    #[test]
    fn bad_password_rules_stop_the_start() {
        let err = Settings::from_sources(
            &config_dir(),
            &env(&[
                ("IAM_GROUPS_PASSWORD_REGEX", "(unclosed"),
                ("IAM_GROUPS_PASSWORD_REGEX_DESCRIPTION", "x"),
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("password_regex"), "{err}");
        let err = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_PASSWORD_REGEX", ".{8}")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("password_regex_description"),
            "{err}"
        );
        let err = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS", "-1")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("lockout_failure_attempts"),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_ADMIN_PASSWORD", "hunter2-very-secret")]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2-very-secret"));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn bad_values_are_refused_with_the_key_named() {
        let err = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_TOKEN_EXPIRATION", "soon")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("token.expiration"), "{err}");
        let err =
            Settings::from_sources(&config_dir(), &env(&[("IAM_GROUPS_DATABASE__NOPE", "1")]))
                .unwrap_err();
        assert!(err.to_string().contains("database.nope"), "{err}");
        let err = Settings::from_sources(
            &config_dir(),
            &env(&[("IAM_GROUPS_DATABASE_URL", "sqlite://:memory:")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("in-memory"), "{err}");
    }

    #[test]
    fn database_urls_take_every_documented_form() {
        let mut d = Settings::from_sources(Path::new("/nonexistent"), &env(&[]))
            .unwrap()
            .database;
        d.url = "sqlite:///var/lib/iam.db".into();
        assert_eq!(
            d.location().unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/var/lib/iam.db"))
        );
        d.url = "postgres://iam@127.0.0.1:5432/iam".into();
        assert_eq!(
            d.location().unwrap(),
            DatabaseLocation::Postgres("postgres://iam@127.0.0.1:5432/iam".into())
        );
        d.url = "relative/iam.db".into();
        assert_eq!(
            d.location().unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("relative/iam.db"))
        );
    }
}
