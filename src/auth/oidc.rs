//! OpenID Connect: verifying a JWT (an id token, or a JWT access token) that an identity
//! provider signed, for the federated sign-in.
//!
//! A [`ProviderConfig`] says who the provider is (issuer, client id, allowed audiences) and
//! where its keys are: inline (Huawei's `signing_key`, a JWKS) or from its discovery
//! document's `jwks_uri`. A [`Verifier`] (cheap to clone, shared by every worker) checks a
//! token against one: the signature with the key whose `kid` matches, the algorithm the key
//! allows (never `none`, never a shared secret), then `iss`, `aud` (and `azp`), `exp`, `nbf`
//! and `iat`. Fetched keys are cached per issuer for a while; a `kid` the cache does not hold
//! refetches them at most once per minimum interval, so unknown kids cannot make the service
//! hammer the provider. Every refusal is an [`OidcError`] saying why, for the 401 and the
//! audit event.

mod fetch;
mod keys;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::domain::error::ValueError;

pub use fetch::{Fetch, HttpFetch};
pub use keys::{signature_algorithm, KeySet, VerifyKey};

/// A verified token's claims, under their own names.
pub type Claims = Map<String, Value>;

/// One identity provider, as far as verifying its tokens goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The `iss` its tokens carry, exactly (an `https://` URL, or `http://` on loopback).
    pub issuer: String,
    /// This service's client id at the provider: an `aud` an id token may carry, and the
    /// `azp` a token with several audiences must carry.
    pub client_id: Option<String>,
    /// Other accepted `aud` values (the resource indicator of JWT access tokens).
    pub audiences: Vec<String>,
    /// The provider's public keys as a JWKS document (Huawei's `signing_key`). When given,
    /// these are the keys: nothing is fetched.
    pub jwks: Option<String>,
    /// Without inline keys: fetch them from `<issuer>/.well-known/openid-configuration`'s
    /// `jwks_uri`. A config with neither is invalid.
    pub discovery: bool,
}

impl ProviderConfig {
    /// Checks the config as an API would before storing it: a `ValueError` names the field
    /// (`issuer`, `client_id`, `audiences`, `jwks`, `discovery`) and says what is wrong.
    pub fn validate(&self) -> Result<(), ValueError> {
        check_url("issuer", &self.issuer)?;
        if let Some(client_id) = &self.client_id {
            if client_id.trim().is_empty() {
                return Err(ValueError::invalid("client_id", "must not be empty"));
            }
        }
        if self.audiences.iter().any(|aud| aud.trim().is_empty()) {
            return Err(ValueError::invalid(
                "audiences",
                "must not hold an empty value",
            ));
        }
        if self.client_id.is_none() && self.audiences.is_empty() {
            return Err(ValueError::invalid(
                "audiences",
                "a client id or at least one audience is required, \
                 or no token could ever be accepted",
            ));
        }
        match &self.jwks {
            Some(jwks) => {
                KeySet::from_json(jwks).map_err(|why| ValueError::invalid("jwks", why))?;
            }
            None if !self.discovery => {
                return Err(ValueError::invalid(
                    "discovery",
                    "without inline keys (jwks) the keys must come from discovery",
                ));
            }
            None => {}
        }
        Ok(())
    }

    /// The discovery document's URL.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// Checks that `value` is an absolute `https://` URL (or `http://` on a loopback address:
/// 127.0.0.0/8, ::1, `localhost`) without credentials, query or fragment, as OpenID Connect
/// Discovery wants an issuer to be.
pub fn check_url(field: &str, value: &str) -> Result<reqwest::Url, ValueError> {
    let url = reqwest::Url::parse(value)
        .map_err(|e| ValueError::invalid(field, format!("is not an absolute URL: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| ValueError::invalid(field, "has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(ValueError::invalid(
                field,
                "must be https:// (http:// only on a loopback address)",
            ))
        }
        other => {
            return Err(ValueError::invalid(
                field,
                format!("must be https://, not {other}://"),
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ValueError::invalid(field, "must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ValueError::invalid(
            field,
            "must not have a query or a fragment",
        ));
    }
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why a token was refused. [`OidcError::reason`] is a stable word for the audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcError {
    /// Not a compact JWS, not JSON, a claim missing or of the wrong type, too long.
    Malformed(String),
    /// `none`, a shared-secret algorithm, or one the key does not allow.
    AlgorithmNotAllowed(String),
    /// No key of the provider has the token's `kid` (even after a refetch).
    UnknownKey(String),
    /// The signature does not verify with the provider's key.
    BadSignature,
    /// `iss` is not the configured issuer.
    WrongIssuer { expected: String, found: String },
    /// No `aud` is the client id or an allowed audience, or `azp` names another party.
    WrongAudience(String),
    /// `exp` has passed (beyond the leeway).
    Expired { exp: i64, now: i64 },
    /// `nbf` (or `iat`) is still in the future (beyond the leeway).
    NotYetValid(String),
    /// The discovery document or the JWKS could not be had.
    FetchFailed(String),
    /// The provider's configuration itself is unusable (see [`ProviderConfig::validate`]).
    Misconfigured(String),
}

impl OidcError {
    /// One word per kind, for audit events and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            OidcError::Malformed(_) => "malformed",
            OidcError::AlgorithmNotAllowed(_) => "algorithm_not_allowed",
            OidcError::UnknownKey(_) => "unknown_key",
            OidcError::BadSignature => "bad_signature",
            OidcError::WrongIssuer { .. } => "wrong_issuer",
            OidcError::WrongAudience(_) => "wrong_audience",
            OidcError::Expired { .. } => "expired",
            OidcError::NotYetValid(_) => "not_yet_valid",
            OidcError::FetchFailed(_) => "fetch_failed",
            OidcError::Misconfigured(_) => "misconfigured",
        }
    }
}

impl fmt::Display for OidcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OidcError::Malformed(why) => write!(f, "malformed token: {why}"),
            OidcError::AlgorithmNotAllowed(why) => write!(f, "algorithm not allowed: {why}"),
            OidcError::UnknownKey(why) => write!(f, "unknown signing key: {why}"),
            OidcError::BadSignature => f.write_str("the token's signature does not verify"),
            OidcError::WrongIssuer { expected, found } => {
                write!(f, "wrong issuer: {found:?}, expected {expected:?}")
            }
            OidcError::WrongAudience(why) => write!(f, "wrong audience: {why}"),
            OidcError::Expired { exp, now } => {
                write!(f, "the token expired at {exp} (now {now})")
            }
            OidcError::NotYetValid(why) => write!(f, "the token is not valid yet: {why}"),
            OidcError::FetchFailed(why) => {
                write!(
                    f,
                    "the identity provider's keys could not be fetched: {why}"
                )
            }
            OidcError::Misconfigured(why) => {
                write!(f, "the identity provider is misconfigured: {why}")
            }
        }
    }
}

impl std::error::Error for OidcError {}

/// How a [`Verifier`] checks and caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierSettings {
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// How long fetched keys are used before they are fetched again.
    pub jwks_ttl: Duration,
    /// Least time between two fetches for one issuer, when a `kid` is not in the cache or a
    /// fetch failed.
    pub min_refetch_interval: Duration,
    /// Longest a fetch may take (connecting: half of it).
    pub fetch_timeout: Duration,
    /// Largest discovery document or JWKS taken, in bytes.
    pub max_document_bytes: usize,
    /// Longest token taken, in bytes.
    pub max_token_bytes: usize,
}

impl Default for VerifierSettings {
    fn default() -> Self {
        VerifierSettings {
            leeway_secs: 30,
            jwks_ttl: Duration::from_secs(600),
            min_refetch_interval: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(5),
            max_document_bytes: 256 * 1024,
            max_token_bytes: 16 * 1024,
        }
    }
}

impl From<&crate::config::OidcSettings> for VerifierSettings {
    /// The `[oidc]` section's values; sizes keep their defaults.
    fn from(config: &crate::config::OidcSettings) -> Self {
        VerifierSettings {
            leeway_secs: config.leeway_secs,
            jwks_ttl: Duration::from_secs(config.jwks_cache_ttl_secs),
            min_refetch_interval: Duration::from_secs(config.jwks_min_refetch_secs),
            fetch_timeout: Duration::from_millis(config.fetch_timeout_ms),
            ..VerifierSettings::default()
        }
    }
}

/// Verifies tokens of any number of providers; clones share one key cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    settings: VerifierSettings,
    fetch: Arc<dyn Fetch>,
    issuers: Mutex<HashMap<String, Arc<IssuerKeys>>>,
}

/// One issuer's fetched keys. `refresh` lets one fetch run at a time; the others wait for it
/// and use what it got.
#[derive(Default)]
struct IssuerKeys {
    refresh: tokio::sync::Mutex<()>,
    state: Mutex<FetchState>,
}

#[derive(Default, Clone)]
struct FetchState {
    keys: Option<(Arc<KeySet>, Instant)>,
    /// The last fetch's failure and when: repeated within the minimum interval, not retried.
    failed: Option<(String, Instant)>,
}

/// Where the keys of one verification came from.
enum Source {
    Inline,
    /// Fetched at that instant.
    Fetched(Instant),
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// The parts of a token read before any key is chosen.
struct Parsed<'a> {
    alg: Algorithm,
    kid: Option<String>,
    /// Unverified: only `iss` is read from it before the signature is checked.
    payload: Claims,
    token: &'a str,
}

impl Verifier {
    /// A verifier that fetches over HTTP(S).
    pub fn new(settings: VerifierSettings) -> Result<Verifier, String> {
        let fetch = HttpFetch::new(settings.fetch_timeout, settings.max_document_bytes)?;
        Ok(Verifier::with_fetch(settings, Arc::new(fetch)))
    }

    /// A verifier that gets documents through `fetch` (tests count and script it).
    pub fn with_fetch(settings: VerifierSettings, fetch: Arc<dyn Fetch>) -> Verifier {
        Verifier {
            inner: Arc::new(Inner {
                settings,
                fetch,
                issuers: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn settings(&self) -> &VerifierSettings {
        &self.inner.settings
    }

    /// Verifies `token` for the provider `config` now.
    pub async fn verify(&self, config: &ProviderConfig, token: &str) -> Result<Claims, OidcError> {
        self.verify_at(config, token, chrono::Utc::now().timestamp())
            .await
    }

    /// Verifies `token` as of `now` (seconds since the epoch).
    pub async fn verify_at(
        &self,
        config: &ProviderConfig,
        token: &str,
        now: i64,
    ) -> Result<Claims, OidcError> {
        let parsed = self.parse(token)?;
        // The issuer first: a token of another provider is refused without fetching keys.
        let iss = parsed.payload.get("iss").and_then(Value::as_str);
        if iss != Some(config.issuer.as_str()) {
            return Err(OidcError::WrongIssuer {
                expected: config.issuer.clone(),
                found: iss.unwrap_or_default().to_string(),
            });
        }
        let (keys, source) = self.keys(config).await?;
        let claims = match self.check_signature(&parsed, &keys) {
            Err(OidcError::UnknownKey(why)) => match source {
                Source::Fetched(at) => match self.refetch_on_miss(config, at).await? {
                    Some(keys) => self.check_signature(&parsed, &keys)?,
                    None => return Err(OidcError::UnknownKey(why)),
                },
                Source::Inline => return Err(OidcError::UnknownKey(why)),
            },
            other => other?,
        };
        check_claims(config, &claims, now, self.inner.settings.leeway_secs as i64)?;
        Ok(claims)
    }

    /// Splits the token and reads its header and (unverified) payload.
    fn parse<'a>(&self, token: &'a str) -> Result<Parsed<'a>, OidcError> {
        let max = self.inner.settings.max_token_bytes;
        if token.len() > max {
            return Err(OidcError::Malformed(format!("longer than {max} bytes")));
        }
        let parts: Vec<&str> = token.split('.').collect();
        match parts.len() {
            3 => {}
            5 => {
                return Err(OidcError::Malformed(
                    "an encrypted token (JWE) is not accepted".into(),
                ))
            }
            _ => {
                return Err(OidcError::Malformed(
                    "not a compact JWS (three parts)".into(),
                ))
            }
        }
        let header = json_part(parts[0], "header")?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::Malformed("the header has no \"alg\"".into()))?;
        let alg = signature_algorithm(alg).map_err(OidcError::AlgorithmNotAllowed)?;
        if header.contains_key("crit") {
            return Err(OidcError::Malformed(
                "the header has critical extensions (\"crit\") this service does not know".into(),
            ));
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(OidcError::Malformed("\"kid\" is not a string".into())),
        };
        let payload = json_part(parts[1], "payload")?;
        Ok(Parsed {
            alg,
            kid,
            payload,
            token,
        })
    }

    /// The keys to check with: inline, cached, or fetched now.
    async fn keys(&self, config: &ProviderConfig) -> Result<(Arc<KeySet>, Source), OidcError> {
        if let Some(jwks) = &config.jwks {
            let keys = KeySet::from_json(jwks)
                .map_err(|why| OidcError::Misconfigured(format!("jwks {why}")))?;
            return Ok((Arc::new(keys), Source::Inline));
        }
        if !config.discovery {
            return Err(OidcError::Misconfigured(
                "neither inline keys nor discovery".into(),
            ));
        }
        let entry = self.issuer_entry(&config.issuer);
        let ttl = self.inner.settings.jwks_ttl;
        if let Some((keys, at)) = fresh(&entry, ttl) {
            return Ok((keys, Source::Fetched(at)));
        }
        let _one_fetch = entry.refresh.lock().await;
        // Another request may have fetched while this one waited.
        if let Some((keys, at)) = fresh(&entry, ttl) {
            return Ok((keys, Source::Fetched(at)));
        }
        let (keys, at) = self.fetch_into(&entry, config).await?;
        Ok((keys, Source::Fetched(at)))
    }

    /// After a `kid` miss on keys fetched at `seen`: fetches them again, unless that was less
    /// than the minimum interval ago (`None`), or another request already did (its keys).
    async fn refetch_on_miss(
        &self,
        config: &ProviderConfig,
        seen: Instant,
    ) -> Result<Option<Arc<KeySet>>, OidcError> {
        let entry = self.issuer_entry(&config.issuer);
        let _one_fetch = entry.refresh.lock().await;
        let current = lock(&entry.state).keys.clone();
        if let Some((keys, at)) = current {
            if at != seen {
                return Ok(Some(keys));
            }
            if at.elapsed() < self.inner.settings.min_refetch_interval {
                return Ok(None);
            }
        }
        let (keys, _) = self.fetch_into(&entry, config).await?;
        Ok(Some(keys))
    }

    /// Fetches the issuer's keys (the caller holds `refresh`) and stores them, or the failure.
    async fn fetch_into(
        &self,
        entry: &IssuerKeys,
        config: &ProviderConfig,
    ) -> Result<(Arc<KeySet>, Instant), OidcError> {
        let failed = lock(&entry.state).failed.clone();
        if let Some((why, at)) = failed {
            if at.elapsed() < self.inner.settings.min_refetch_interval {
                return Err(OidcError::FetchFailed(why));
            }
        }
        match self.fetch_keys(config).await {
            Ok(keys) => {
                let keys = Arc::new(keys);
                let at = Instant::now();
                let mut state = lock(&entry.state);
                state.keys = Some((keys.clone(), at));
                state.failed = None;
                Ok((keys, at))
            }
            Err(why) => {
                log::warn!("OpenID Connect keys of {}: {why}", config.issuer);
                lock(&entry.state).failed = Some((why.clone(), Instant::now()));
                Err(OidcError::FetchFailed(why))
            }
        }
    }

    /// The discovery document, then the JWKS it names.
    async fn fetch_keys(&self, config: &ProviderConfig) -> Result<KeySet, String> {
        check_url("issuer", &config.issuer).map_err(|e| e.to_string())?;
        let url = config.discovery_url();
        let document = self.inner.fetch.get_json(url.clone()).await?;
        let issuer = document.get("issuer").and_then(Value::as_str);
        if issuer != Some(config.issuer.as_str()) {
            return Err(format!(
                "{url} names issuer {:?}, not {:?}",
                issuer.unwrap_or_default(),
                config.issuer
            ));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{url} has no jwks_uri"))?;
        check_url("jwks_uri", jwks_uri).map_err(|e| format!("{url}: {e}"))?;
        let jwks = self.inner.fetch.get_json(jwks_uri.to_string()).await?;
        KeySet::from_value(&jwks).map_err(|why| format!("the JWKS at {jwks_uri} {why}"))
    }

    fn issuer_entry(&self, issuer: &str) -> Arc<IssuerKeys> {
        lock(&self.inner.issuers)
            .entry(issuer.to_string())
            .or_default()
            .clone()
    }

    /// Checks the signature with the key the token names (or the only key that fits its
    /// algorithm) and returns the verified claims.
    fn check_signature(&self, parsed: &Parsed<'_>, keys: &KeySet) -> Result<Claims, OidcError> {
        let kid = parsed.kid.as_deref();
        let named: Vec<&VerifyKey> = keys.with_kid(kid).collect();
        let fitting: Vec<&VerifyKey> = named
            .iter()
            .copied()
            .filter(|key| key.algorithms.contains(&parsed.alg))
            .collect();
        let candidates = match (kid, named.len(), fitting.len()) {
            (Some(kid), 0, _) => {
                return Err(OidcError::UnknownKey(format!("no key with kid {kid:?}")))
            }
            (_, _, 0) if !named.is_empty() => {
                return Err(OidcError::AlgorithmNotAllowed(format!(
                    "{:?} is not what the {} key{} allows ({})",
                    parsed.alg,
                    named[0].kty,
                    kid.map(|k| format!(" {k:?}")).unwrap_or_default(),
                    named[0]
                        .algorithms
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            (None, _, n) if n != 1 => {
                return Err(OidcError::UnknownKey(format!(
                    "the token names no kid and {n} keys could have signed it"
                )))
            }
            _ => fitting,
        };
        let mut validation = Validation::new(parsed.alg);
        // Claims are checked by `check_claims`, with reasons of their own.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let mut last = OidcError::BadSignature;
        for key in candidates {
            match jsonwebtoken::decode::<Claims>(parsed.token, &key.decoding, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => last = signature_error(e),
            }
        }
        Err(last)
    }
}

/// The issuer's keys if fetched less than `ttl` ago.
fn fresh(entry: &IssuerKeys, ttl: Duration) -> Option<(Arc<KeySet>, Instant)> {
    lock(&entry.state)
        .keys
        .clone()
        .filter(|(_, at)| at.elapsed() < ttl)
}

/// A poisoned lock still holds a usable cache: a panic elsewhere must not stop sign-ins.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn json_part(part: &str, what: &str) -> Result<Claims, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| OidcError::Malformed(format!("the {what} is not base64url: {e}")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(OidcError::Malformed(format!(
            "the {what} is not a JSON object"
        ))),
        Err(e) => Err(OidcError::Malformed(format!("the {what} is not JSON: {e}"))),
    }
}

fn signature_error(e: jsonwebtoken::errors::Error) -> OidcError {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => OidcError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            OidcError::AlgorithmNotAllowed(e.to_string())
        }
        _ => OidcError::Malformed(e.to_string()),
    }
}

/// A numeric date claim, in whole seconds.
fn seconds(claims: &Claims, name: &str) -> Result<Option<i64>, OidcError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| OidcError::Malformed(format!("\"{name}\" is not a number"))),
    }
}

/// The registered claims of verified `claims`, as of `now` with `leeway` seconds of skew.
fn check_claims(
    config: &ProviderConfig,
    claims: &Claims,
    now: i64,
    leeway: i64,
) -> Result<(), OidcError> {
    let exp =
        seconds(claims, "exp")?.ok_or_else(|| OidcError::Malformed("\"exp\" is missing".into()))?;
    if now > exp.saturating_add(leeway) {
        return Err(OidcError::Expired { exp, now });
    }
    if let Some(nbf) = seconds(claims, "nbf")? {
        if nbf > now.saturating_add(leeway) {
            return Err(OidcError::NotYetValid(format!("nbf {nbf}, now {now}")));
        }
    }
    let iat =
        seconds(claims, "iat")?.ok_or_else(|| OidcError::Malformed("\"iat\" is missing".into()))?;
    if iat > now.saturating_add(leeway) {
        return Err(OidcError::NotYetValid(format!(
            "issued in the future (iat {iat}, now {now})"
        )));
    }
    if iat > exp {
        return Err(OidcError::Malformed(format!(
            "issued (iat {iat}) after it expires (exp {exp})"
        )));
    }
    match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => {}
        _ => return Err(OidcError::Malformed("\"sub\" is missing or empty".into())),
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| OidcError::Malformed("\"aud\" holds a non-string".into()))
            })
            .collect::<Result<_, _>>()?,
        None => return Err(OidcError::WrongAudience("the token has no \"aud\"".into())),
        Some(_) => {
            return Err(OidcError::Malformed(
                "\"aud\" is not a string or a list".into(),
            ))
        }
    };
    let accepted = |aud: &&str| {
        config.client_id.as_deref() == Some(*aud) || config.audiences.iter().any(|a| a == aud)
    };
    if !audiences.iter().any(accepted) {
        return Err(OidcError::WrongAudience(format!(
            "{audiences:?} names neither the client id nor an allowed audience"
        )));
    }
    // The authorized party (OpenID Connect Core 3.1.3.7): when present it must be this
    // client; a token for this client among several audiences must carry it. A JWT access
    // token for an allowed audience (RFC 9068) may come from any client of the provider.
    if let Some(client_id) = &config.client_id {
        match claims.get("azp") {
            Some(azp) if azp.as_str() != Some(client_id.as_str()) => {
                return Err(OidcError::WrongAudience(format!(
                    "authorized party {azp}, not {client_id:?}"
                )))
            }
            None if audiences.len() > 1 && audiences.contains(&client_id.as_str()) => {
                return Err(OidcError::WrongAudience(
                    "several audiences and no \"azp\"".into(),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
