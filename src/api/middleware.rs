//! Headers every response carries: the request id (also in the access log line),
//! `Vary: X-Auth-Token`, and on a 401 Keystone's `WWW-Authenticate`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, VARY, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
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
    let base = req
        .app_data::<web::Data<AppState>>()
        .map(|state| BaseUrl::of(req.request(), &state.settings));
    let mut res = next.call(req).await?;
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
