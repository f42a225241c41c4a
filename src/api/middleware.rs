//! Headers every response carries: the request id (also in the access log line),
//! `Vary: X-Auth-Token`, and on a 401 Keystone's `WWW-Authenticate`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, VARY, WWW_AUTHENTICATE};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use crate::api::common::BaseUrl;
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-openstack-request-id";

/// The id of one request, `req-<uuid>`, as OpenStack services write it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Access log format: the request id leads so a log line can be found from a response.
pub const ACCESS_LOG_FORMAT: &str =
    "%{x-openstack-request-id}o %a \"%r\" %s %b %Dms \"%{User-Agent}i\"";

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
    let mut res = next.call(req).await?;
    if changes_state && res.status().is_success() {
        // Whatever was cached before this change may be stale now.
        if let Some(state) = &state {
            state.generation.bump();
        }
    }
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
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
