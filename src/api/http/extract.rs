//! What a handler extracts from a request besides its caller: the body (read, parsed
//! later), the base URL its links use, and the client's address behind trusted proxies.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde_json::Value;

use crate::config::Settings;
use crate::domain::proxies::is_valid_host;
use crate::error::ApiError;
use crate::state::AppState;

// The body parsers live in body.rs, which needs no HTTP server or database, so the fuzz
// target can build them alone; handlers reach them here too.
pub use crate::api::http::body::{is_secret_field, parse_json_body, BodyObject};

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
}
