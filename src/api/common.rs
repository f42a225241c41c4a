//! What every handler shares: the request body, the base URL, list queries, and Keystone's
//! collection envelope `{"<things>": [...], "links": {"self", "previous", "next"}}`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::policy::{enforce, Policy, Target};
use crate::auth::AuthContext;
use crate::config::Settings;
use crate::domain::filter::{StringMatch, TimeMatch};
use crate::domain::page::{Page, PageRequest};
use crate::domain::proxies::is_valid_host;
use crate::domain::values::NameFilter;
use crate::error::ApiError;
use crate::state::AppState;

// The body parsers live in body.rs, which needs no HTTP server or database, so the fuzz
// target can build them alone; handlers keep reaching them here.
pub use crate::api::body::{is_secret_field, parse_json_body, BodyObject};

/// Enforces a rule on a loaded target. When the target does not exist, only a caller the
/// rule would allow without any target attributes (an admin, a system reader) learns that
/// with a 404; anyone else gets the 403, so existence does not leak.
pub fn authorize<T>(
    caller: &AuthContext,
    policy: &Policy,
    loaded: Result<T, ApiError>,
    target: impl for<'a> Fn(&'a T) -> Target<'a>,
) -> Result<T, ApiError> {
    match loaded {
        Ok(item) => {
            enforce(caller, policy, &target(&item))?;
            Ok(item)
        }
        Err(e @ (ApiError::NotFound { .. } | ApiError::NotFoundMessage(_))) => {
            enforce(caller, policy, &Target::default())?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// False when the rule allows the caller whatever the target (an admin, a system reader):
/// then the handler need not load the target just to check the policy.
pub fn needs_target(caller: &AuthContext, policy: &Policy) -> bool {
    !crate::auth::policy::allows(caller, policy, &Target::default())
}

/// The domain a list is restricted to: the one asked for, or, for a caller scoped to a
/// domain who asked for none, that domain (as Keystone narrows domain readers' lists).
pub fn list_domain(caller: &AuthContext, requested: Option<&str>) -> Option<String> {
    requested
        .map(str::to_owned)
        .or_else(|| caller.token_domain_id().map(str::to_owned))
}

/// The request body, read up to `max_request_body_size`. Parsing is deferred to
/// [`JsonBody::into_value`] so that the handler authenticates the caller first.
pub struct JsonBody(Result<Value, ApiError>);

impl JsonBody {
    /// The body as JSON, or the 400/413 that reading it produced.
    pub fn into_value(self) -> Result<Value, ApiError> {
        self.0
    }
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    match req.headers().get(header::CONTENT_TYPE) {
        // curl without -H sends no type for some verbs; accept a body that parses.
        None => true,
        Some(value) => {
            let Ok(text) = value.to_str() else {
                return false;
            };
            let essence = text
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        }
    }
}

/// How much body a request may send, and for how long: `max_request_body_size` and
/// `body_read_timeout_ms` (0: no time limit).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub timeout: Option<std::time::Duration>,
}

impl BodyLimits {
    /// The configured limits, or the defaults when the request has no application state.
    pub fn of(req: &HttpRequest) -> BodyLimits {
        match req.app_data::<web::Data<AppState>>() {
            Some(state) => BodyLimits::from_settings(&state.settings),
            None => BodyLimits {
                max_bytes: 114_688,
                timeout: Some(std::time::Duration::from_secs(30)),
            },
        }
    }

    pub fn from_settings(settings: &Settings) -> BodyLimits {
        let ms = settings.server.body_read_timeout_ms;
        BodyLimits {
            max_bytes: settings.server.max_request_body_size,
            timeout: (ms > 0).then(|| std::time::Duration::from_millis(ms)),
        }
    }
}

/// Reads a whole body within `limits`: 413 past the size, 408 past the time (actix-web
/// bounds only the headers, so a body trickled a byte at a time would otherwise hold its
/// connection for ever), 400 when the connection breaks. Stops reading at the first refusal.
pub async fn read_body(
    mut payload: Payload,
    declared_length: Option<usize>,
    limits: BodyLimits,
) -> Result<web::Bytes, ApiError> {
    if declared_length.is_some_and(|n| n > limits.max_bytes) {
        return Err(ApiError::PayloadTooLarge);
    }
    let read = async move {
        let mut bytes = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::Validation(format!("The request body could not be read: {e}"))
            })?;
            if bytes.len() + chunk.len() > limits.max_bytes {
                return Err(ApiError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes.freeze())
    };
    match limits.timeout {
        None => read.await,
        Some(limit) => tokio::time::timeout(limit, read)
            .await
            .unwrap_or(Err(ApiError::RequestTimeout)),
    }
}

/// The declared `Content-Length`, if it is a number.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

impl FromRequest for JsonBody {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<JsonBody, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = BodyLimits::of(req);
        let declared = declared_length(req);
        let json_type = is_json_content_type(req);
        let payload = payload.take();
        Box::pin(async move {
            let parsed = match read_body(payload, declared, limits).await {
                Err(e) => Err(e),
                Ok(_) if !json_type => Err(ApiError::expecting(
                    "application/json",
                    "Content-Type header",
                )),
                Ok(bytes) => parse_json_body(&bytes),
            };
            Ok(JsonBody(parsed))
        })
    }
}

/// The URL clients reach this service at, without a trailing slash: configured, or taken
/// from the request as Keystone does when `public_endpoint` is unset.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    /// `server.public_url` when set; else the scheme and host the request came with. Only
    /// a trusted proxy's `Forwarded` / `X-Forwarded-Host` / `X-Forwarded-Proto` count, and a
    /// host that is not a plain `host[:port]` gives way to the address the request reached.
    pub fn of(req: &HttpRequest, settings: &Settings) -> BaseUrl {
        if let Some(url) = settings.public_url() {
            return BaseUrl(url.to_string());
        }
        let local = || req.app_config().local_addr().to_string();
        let (scheme, host) = if from_trusted_proxy(req, settings) {
            let info = req.connection_info();
            (info.scheme().to_string(), info.host().to_string())
        } else {
            let scheme = if req.app_config().secure() {
                "https"
            } else {
                "http"
            };
            let host = req
                .headers()
                .get(actix_web::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
                .or_else(|| req.uri().authority().map(|a| a.to_string()))
                .unwrap_or_else(local);
            (scheme.to_string(), host)
        };
        let scheme = if scheme == "https" { "https" } else { "http" };
        let host = if is_valid_host(&host) { host } else { local() };
        BaseUrl(format!("{scheme}://{host}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base + path`, for a resource's `links.self`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }
}

impl FromRequest for BaseUrl {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<BaseUrl, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => Ok(BaseUrl::of(req, &state.settings)),
            None => Err(ApiError::Internal("application state missing".into()).into()),
        };
        std::future::ready(result)
    }
}

/// True if the peer of `req` is one of `server.trusted_proxies`.
pub fn from_trusted_proxy(req: &HttpRequest, settings: &Settings) -> bool {
    let proxies = &settings.server.trusted_proxies;
    !proxies.is_empty() && req.peer_addr().is_some_and(|p| proxies.contains(p.ip()))
}

/// The address a request comes from: the peer, or, when the peer is a trusted proxy, the
/// last address in `X-Forwarded-For` that is not itself a trusted proxy (the ones before it
/// are whatever the client wrote).
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !from_trusted_proxy(req, settings) {
        return Some(peer);
    }
    let proxies = &settings.server.trusted_proxies;
    let forwarded: Vec<std::net::IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !proxies.contains(*ip))
            .unwrap_or(peer),
    )
}

/// The query string of a list request: filters plus `limit` and `marker`.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    pub fn from_request(req: &HttpRequest) -> Result<ListQuery, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
            .map_err(|e| ApiError::Validation(format!("The query string is malformed: {e}")))?;
        Ok(ListQuery { pairs })
    }

    /// The last value given for a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean filter in Keystone's spelling (`true`/`false`, `1`/`0`, any case).
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "" => Ok(Some(true)),
                "false" | "0" | "no" | "off" => Ok(Some(false)),
                _ => Err(ApiError::invalid_field(
                    key,
                    format!("'{v}' is not a boolean"),
                )),
            },
        }
    }

    /// Keystone's string comparators on `field`: `name__contains=x`, `name__istartswith=x`,
    /// and the rest. Unknown comparators are ignored, as Keystone ignores unknown filters.
    pub fn string_matches(&self, field: &str) -> Result<Vec<StringMatch>, ApiError> {
        let prefix = format!("{field}__");
        let mut found = Vec::new();
        for (key, value) in &self.pairs {
            let Some(suffix) = key.strip_prefix(&prefix) else {
                continue;
            };
            let Some((op, case_sensitive)) = StringMatch::comparator(suffix) else {
                continue;
            };
            let value = NameFilter::parse(key, value)?;
            found.push(StringMatch {
                op,
                case_sensitive,
                value: value.as_str().to_owned(),
            });
        }
        Ok(found)
    }

    /// Keystone's time filters on `field`: every `field=[op:]timestamp` given, all of which
    /// must hold (`password_expires_at=gt:...&password_expires_at=lt:...` is a range).
    pub fn time_matches(&self, field: &str) -> Result<Vec<TimeMatch>, ApiError> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == field)
            .map(|(_, v)| TimeMatch::parse(v).map_err(|why| ApiError::invalid_field(field, why)))
            .collect()
    }

    /// `limit` and `marker`, with `limit` capped by `identity.list_limit`.
    pub fn page(&self, settings: &Settings) -> Result<PageRequest, ApiError> {
        let cap = settings.identity.list_limit;
        let limit = match self.get("limit") {
            None => None,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    return Err(ApiError::invalid_field(
                        "limit",
                        format!("'{raw}' is not a positive integer"),
                    ))
                }
            },
        };
        let limit = match (limit, cap) {
            (Some(n), c) if c > 0 => Some(n.min(c)),
            (None, c) if c > 0 => Some(c),
            (n, _) => n,
        };
        let marker = match self.get("marker") {
            None => None,
            Some("") => {
                return Err(ApiError::invalid_field("marker", "'' is too short"));
            }
            Some(m) => Some(m.to_string()),
        };
        Ok(PageRequest { limit, marker })
    }

    /// This query with `marker` replaced (or removed) and `limit` set, for page links.
    fn with_marker(&self, marker: Option<&str>, limit: Option<i64>) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "marker" && k != "limit")
            .cloned()
            .collect();
        if let Some(limit) = limit {
            pairs.push(("limit".into(), limit.to_string()));
        }
        if let Some(marker) = marker {
            pairs.push(("marker".into(), marker.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// Keystone's collection envelope, `{"<key>": [...], "links": {...}, "truncated"?: true}`,
/// serialized straight from the typed items.
pub struct Collection<T> {
    key: &'static str,
    items: Vec<T>,
    links: Links,
    truncated: bool,
}

/// `{"self", "previous", "next"}`, as Keystone and Huawei write them.
#[derive(Serialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_link: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// `{"self": url}`: the links of one resource.
#[derive(Serialize)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_link: String,
}

impl<T: Serialize> Serialize for Collection<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2 + usize::from(self.truncated)))?;
        map.serialize_entry(self.key, &self.items)?;
        map.serialize_entry("links", &self.links)?;
        if self.truncated {
            map.serialize_entry("truncated", &true)?;
        }
        map.end()
    }
}

/// Keystone's collection envelope with working `previous` and `next` links.
pub fn collection<T: Serialize>(
    key: &'static str,
    page: Page<T>,
    request: &PageRequest,
    base: &BaseUrl,
    req: &HttpRequest,
    query: &ListQuery,
) -> Collection<T> {
    let path = base.join(req.path());
    let self_link = match req.query_string() {
        "" => path.clone(),
        q => format!("{path}?{q}"),
    };
    let link = |marker: Option<&str>| {
        let q = query.with_marker(marker, request.limit);
        if q.is_empty() {
            path.clone()
        } else {
            format!("{path}?{q}")
        }
    };
    let next = page.next_marker.as_deref().map(|m| link(Some(m)));
    let previous = page.previous_marker.as_ref().map(|m| link(m.as_deref()));
    Collection {
        key,
        items: page.items,
        links: Links {
            self_link,
            previous,
            next,
        },
        truncated: page.truncated,
    }
}

/// The cache key of a rendered list page: `read` (the filters as applied and the page),
/// then the base URL and the request's path and query, which the links are made of.
pub fn page_key(read: &str, base: &BaseUrl, req: &HttpRequest) -> String {
    format!(
        "{read}|{}{}?{}",
        base.as_str(),
        req.path(),
        req.query_string()
    )
}

/// A page of rows rendered as Keystone's collection, each row through `view`.
pub fn render_page<'a, R, V: Serialize>(
    key: &'static str,
    rows: &'a Page<R>,
    view: impl Fn(&'a R, &'a BaseUrl) -> V,
    request: &PageRequest,
    base: &'a BaseUrl,
    req: &HttpRequest,
    query: &ListQuery,
) -> Result<Bytes, ApiError> {
    let page = Page {
        items: rows.items.iter().map(|row| view(row, base)).collect(),
        truncated: rows.truncated,
        next_marker: rows.next_marker.clone(),
        previous_marker: rows.previous_marker.clone(),
    };
    let body = serde_json::to_vec(&collection(key, page, request, base, req, query))
        .map_err(|e| ApiError::Internal(format!("rendering {key}: {e}")))?;
    Ok(Bytes::from(body))
}

/// A 200 with a JSON body already rendered.
pub fn json_body(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(body)
}

/// `{"self": base + path + id}`, written into the output without building the URL first.
pub struct LinkTo<'a> {
    pub base: &'a BaseUrl,
    pub path: &'static str,
    pub id: &'a str,
}

impl Serialize for LinkTo<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Url<'a>(&'a LinkTo<'a>);
        impl Serialize for Url<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let l = self.0;
                serializer.collect_str(&format_args!("{}{}{}", l.base.as_str(), l.path, l.id))
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("self", &Url(self))?;
        map.end()
    }
}

/// Parses a stored `extra` column; a damaged one reads as empty rather than failing reads.
pub fn parse_extra(extra: &str) -> Map<String, Value> {
    if extra == "{}" {
        return Map::new();
    }
    match serde_json::from_str::<Value>(extra) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_fields_of_the_wrong_type_are_not_echoed() {
        let mut o = BodyObject::from_body(json!({"password": 8041739526u64, "name": 17})).unwrap();
        let err = o.take_string("password").unwrap_err().to_string();
        assert!(!err.contains("8041739526"), "{err}");
        assert!(
            err.contains("Invalid input for field 'password': the value is not of type 'string'"),
            "{err}"
        );
        let err = o.take_string("name").unwrap_err().to_string();
        assert!(err.contains("17 is not of type 'string'"), "{err}");
        assert!(is_secret_field("auth.identity.password.user.password"));
        assert!(is_secret_field("original_password"));
        assert!(!is_secret_field("auth.identity.password.user"));
    }

    #[test]
    fn wrapper_and_types_are_checked() {
        assert!(BodyObject::unwrap_from(json!({"name": "x"}), "group").is_err());
        assert!(BodyObject::unwrap_from(json!({"group": "x"}), "group").is_err());
        assert!(BodyObject::unwrap_from(Value::Null, "group").is_err());
        let mut o = BodyObject::unwrap_from(
            json!({"group": {"name": 1, "description": null, "x": true, "id": "forged"}}),
            "group",
        )
        .unwrap();
        let err = o.take_string("name").unwrap_err().to_string();
        assert!(
            err.contains("Invalid input for field 'name': 1 is not of type 'string'"),
            "{err}"
        );
        assert_eq!(o.take_nullable_string("description").unwrap(), Some(None));
        let extra = o.into_extra();
        assert_eq!(extra.get("x"), Some(&json!(true)));
        assert!(!extra.contains_key("id"));
    }

    #[test]
    fn numbers_are_kept_exactly_or_refused() {
        for exact in [
            "0",
            "-0",
            "1.5",
            "1.50",
            "1E2",
            "0.1",
            "-9223372036854775808",
            "18446744073709551615",
            "5e-324",
            "1.7976931348623157e308",
            "[1, 2.25, {\"a\": -3}]",
            "\"1e400\"",
        ] {
            assert!(parse_json_body(exact.as_bytes()).is_ok(), "{exact}");
        }
        for inexact in [
            "123456789012345678901234567890",
            "18446744073709551616",
            "1.0000000000000000000001",
            "4.9e-324",
            "1e-400",
            "{\"x\": [\"\\\"\", 9007199254740993.0]}",
        ] {
            let e = parse_json_body(inexact.as_bytes()).unwrap_err().to_string();
            assert!(e.contains("cannot be stored exactly"), "{inexact}: {e}");
        }
        // Found by the fuzzer: the same number in two spellings must read as one double, or
        // what is stored (the second spelling) reads back as something else.
        let first = parse_json_body(b"[-50e-62, 1.7976931348623157e308]").unwrap();
        let again = parse_json_body(first.to_string().as_bytes()).unwrap();
        assert_eq!(first, again);
        // Out of a double's range: not JSON serde_json can read at all.
        assert!(matches!(
            parse_json_body(b"1e400"),
            Err(ApiError::MalformedJson)
        ));
    }

    #[test]
    fn damaged_extra_reads_as_empty() {
        assert!(parse_extra("not json").is_empty());
        assert!(parse_extra("[1]").is_empty());
        assert_eq!(parse_extra(r#"{"a":1}"#).get("a"), Some(&json!(1)));
    }
}
