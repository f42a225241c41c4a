//! Headers every response carries: the request id (also in the access log line),
//! `Vary: X-Auth-Token`, and on a 401 Keystone's `WWW-Authenticate`; the access log line and
//! request metrics of every request; and the copy of a signed request's path and body that
//! its signature check needs.

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION, VARY, WWW_AUTHENTICATE};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, Error, HttpMessage};

use crate::api::http::caller::ActingUser;
use crate::api::http::extract::{declared_length, read_body, BaseUrl, BodyLimits};
use crate::auth::bce_signature::is_bce_auth;
use crate::auth::password::{ClientProbe, CLIENT_GONE};
use crate::auth::signature::is_signature;
use crate::error::ApiError;
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-openstack-request-id";
/// The same id under the name Huawei's SDKs read into their exceptions.
pub const HUAWEI_REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of one request, `req-<uuid>`, as OpenStack services write it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The route label of a request that matched no route: one label, however many URLs.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The label of an HTTP method in metrics and the access log: the methods HTTP defines keep
/// their names, anything else (a client may send any token up to the header limit) is one
/// `OTHER`, so made-up methods cannot grow the label set without bound.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

/// Writes the access log line and counts the request: request id, method, route template
/// (never the raw path, so ids do not spread into labels), status, latency and the acting
/// user's id once a token was verified. Tokens and query strings are never written.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // The request must not be cloned before routing (actix fills in its path parameters
    // then), so what the log needs is read from the response's request afterwards.
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    let (status, route, request_id, user) = match &result {
        Ok(res) => {
            let request = res.request();
            let extensions = request.extensions();
            (
                res.status().as_u16(),
                request.match_pattern(),
                extensions.get::<RequestId>().map(|r| r.0.clone()),
                extensions.get::<ActingUser>().map(|u| u.0.clone()),
            )
        }
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            None,
            None,
            None,
        ),
    };
    let route = route.unwrap_or_else(|| UNMATCHED_ROUTE.to_string());
    log::info!(
        target: "iam_groups::access",
        "{} {} {method} {route} {status} {:.1}ms user={}",
        request_id.as_deref().unwrap_or("-"),
        peer.as_deref().unwrap_or("-"),
        elapsed.as_secs_f64() * 1000.0,
        user.as_deref().unwrap_or("-"),
    );
    if let Some(state) = state {
        state
            .metrics
            .observe_request(&route, method, status, elapsed);
    }
    result
}

/// True if `raw` (a path or query as sent) holds `%00`, the only way a NUL reaches a URI.
fn has_encoded_nul(raw: &str) -> bool {
    raw.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// A NUL in the path or the query (an id, a marker, a filter) names nothing: every stored
/// string is NUL-free, as the domain values refuse it on the way in. PostgreSQL refuses even
/// to compare text holding one, with an error (SQLSTATE 22021) that diesel reports without
/// its code, so storage could not tell it from any other failure: the request is answered
/// here, before any query, with the 404 both backends would give (in the face's shape).
pub async fn nul_names_nothing(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let uri = req.uri();
    if has_encoded_nul(uri.path()) || uri.query().is_some_and(has_encoded_nul) {
        let refusal = ApiError::NotFoundMessage("The resource could not be found.".into());
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

pub async fn response_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = format!("req-{}", uuid::Uuid::new_v4());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let base = state
        .as_ref()
        .map(|state| BaseUrl::of(req.request(), &state.settings));
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let is_login = req.method() == Method::POST && req.path() == "/v3/auth/tokens";
    let changes_state = !is_read && !is_login;
    let (res, record) = crate::change::scope(next.call(req)).await;
    let declared = record.declared;
    let mut res = res?;
    if changes_state && !declared && res.status().is_success() {
        // A write that did not say what it changed: whatever was cached may be stale now.
        if let Some(state) = &state {
            state.changes.invalidate_all();
        }
    }
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value.clone());
        headers.insert(HeaderName::from_static(HUAWEI_REQUEST_ID_HEADER), value);
    }
    headers.insert(VARY, HeaderValue::from_static("X-Auth-Token"));
    if res.status() == StatusCode::UNAUTHORIZED && !res.headers().contains_key(WWW_AUTHENTICATE) {
        if let Some(base) = base {
            if let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{}\"", base.as_str()))
            {
                res.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
    }
    Ok(res)
}

/// What an AK/SK signature covers that the handler's extractors would otherwise consume or
/// rewrite: the path and query as sent, and the whole body, or why it was not read.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub path: String,
    pub query: String,
    pub body: Result<Bytes, BodyRefused>,
}

/// Why the body of a signed request was not read. The refusal is answered by the caller
/// extractor, inside the face's own error handling, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRefused {
    /// Over `max_request_body_size`.
    TooLarge,
    /// Not all in within `body_read_timeout_ms`.
    TimedOut,
}

impl BodyRefused {
    pub fn to_error(self) -> ApiError {
        match self {
            BodyRefused::TooLarge => ApiError::PayloadTooLarge,
            BodyRefused::TimedOut => ApiError::RequestTimeout,
        }
    }
}

/// For a request with an `Authorization: SDK-HMAC-...` or `bce-auth-v1/...` header, reads the body (within
/// [`BodyLimits`]), keeps a copy with the original path in the request's
/// extensions for [`crate::api::http::caller`], and hands the same bytes on to the handler.
/// Other requests pass untouched, their bodies streamed as before.
pub async fn keep_signed_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let signed = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| is_signature(v) || is_bce_auth(v));
    if signed {
        let limits = BodyLimits::of(req.request());
        let declared = declared_length(req.request());
        let body = match read_body(req.take_payload(), declared, limits).await {
            Ok(body) => Ok(body),
            Err(ApiError::PayloadTooLarge) => Err(BodyRefused::TooLarge),
            Err(ApiError::RequestTimeout) => Err(BodyRefused::TimedOut),
            // The connection broke: no one is left to answer.
            Err(e) => return Err(e.into()),
        };
        let kept = SignedRequest {
            path: req.uri().path().to_string(),
            query: req.uri().query().unwrap_or("").to_string(),
            body: body.clone(),
        };
        req.extensions_mut().insert(kept);
        req.set_payload(Payload::from(body.unwrap_or_default()));
    }
    next.call(req).await
}

/// A duplicate of a connection's socket, kept in the connection's data (see
/// [`connection_socket`]) so a request can ask whether its client is still there.
pub struct PeerSocket(std::net::TcpStream);

impl PeerSocket {
    /// True once the peer has closed or reset the connection: a peek reads end-of-stream or
    /// fails. Pending bytes (a pipelined request) or nothing yet both mean it is there. The
    /// socket is non-blocking already (tokio's), and a peek takes nothing from actix.
    pub fn is_gone(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.0.peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => false,
            Err(_) => true,
        }
    }
}

/// `HttpServer::on_connect`: keeps a duplicate of each TCP connection's socket (one more
/// descriptor per connection, closed with it) for [`watch_client`].
pub fn connection_socket(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    use std::os::fd::AsFd;
    let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    match stream.as_fd().try_clone_to_owned() {
        Ok(fd) => {
            data.insert(std::sync::Arc::new(PeerSocket(std::net::TcpStream::from(
                fd,
            ))));
        }
        // Out of descriptors: the request is served, only without the check.
        Err(e) => log::warn!("could not watch a connection: {e}"),
    }
}

/// Runs the request with a [`ClientProbe`] on its connection, so that a password hash queued
/// for a client that has hung up is dropped instead of run (`auth::password::HashWorkers`).
pub async fn watch_client(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let socket = req.conn_data::<std::sync::Arc<PeerSocket>>().cloned();
    match socket {
        Some(socket) => {
            let probe = ClientProbe(std::sync::Arc::new(move || socket.is_gone()));
            CLIENT_GONE.scope(probe, next.call(req)).await
        }
        None => next.call(req).await,
    }
}
