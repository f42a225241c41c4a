//! The audit trail: a middleware that records one event per change (and per failed login
//! and refused change) through either face, and `GET /v3/audit-events` for admins. Events are
//! modelled on Keystone's CADF notifications: initiator, action, target, outcome, when, and
//! the request id that ties them to the access log.

pub mod event;

use std::io::Write;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::api::http::caller::ActingUser;
use crate::api::http::envelope::collection;
use crate::api::http::extract::BaseUrl;
use crate::api::http::middleware::RequestId;
use crate::api::http::query::ListQuery;
use crate::audit::event::{classify, EventKind, Outcome};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::change::{Action, Event};
use crate::db::audit::{self as store, AuditFilter};
use crate::db::models::AuditEventRow;
use crate::db::{self};
use crate::domain::keystone_time_from_micros;
use crate::error::ApiError;
use crate::state::AppState;

/// The JSON-lines file of `audit.log_file`, written by one writer at a time.
pub struct AuditLog {
    file: std::sync::Mutex<std::fs::File>,
}

impl AuditLog {
    /// Opens `path` for appending, creating it (and its folder) if needed.
    pub fn open(path: &std::path::Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Events name users and addresses: the file is the owner's alone.
        db::create_private_file(path)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AuditLog {
            file: std::sync::Mutex::new(file),
        })
    }

    /// Appends one event as a line; blocking, so it runs on the database thread.
    fn append(&self, event: &EventView) {
        let line = match serde_json::to_string(event) {
            Ok(mut line) => {
                line.push('\n');
                line
            }
            Err(e) => return log::error!("audit event not serialized: {e}"),
        };
        let mut file = match self.file.lock() {
            Ok(file) => file,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = file.write_all(line.as_bytes()) {
            log::error!("audit log not written: {e}");
        }
    }
}

/// The target of a request's audit event when the path does not name it, set by the
/// handler in the request's extensions: the account a login tried.
#[derive(Debug, Clone, Default)]
pub struct NamedTarget {
    /// The user, when it exists.
    pub id: Option<String>,
    /// Else the user name (or id) the request gave, and its domain as given.
    pub name: Option<String>,
    pub domain: Option<String>,
}

impl NamedTarget {
    /// An existing user.
    pub fn user(id: &str) -> NamedTarget {
        NamedTarget {
            id: Some(id.to_string()),
            ..NamedTarget::default()
        }
    }
}

/// An event as `GET /v3/audit-events` and the audit log show it: CADF's shape.
#[derive(Serialize)]
pub struct EventView {
    id: String,
    #[serde(rename = "typeURI")]
    type_uri: &'static str,
    #[serde(rename = "eventType")]
    cadf_event_type: &'static str,
    event_type: String,
    action: String,
    outcome: String,
    occurred_at: String,
    initiator: Initiator,
    target: EventTarget,
    request_id: String,
    method: String,
    status: i32,
}

#[derive(Serialize)]
struct Initiator {
    id: Option<String>,
    address: Option<String>,
}

#[derive(Serialize)]
struct EventTarget {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    /// A failed login's account that does not exist: the name and domain it gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    path: String,
}

impl From<AuditEventRow> for EventView {
    fn from(row: AuditEventRow) -> Self {
        EventView {
            type_uri: "http://schemas.dmtf.org/cloud/audit/1.0/event",
            cadf_event_type: "activity",
            occurred_at: keystone_time_from_micros(row.occurred_at),
            id: row.id,
            event_type: row.event_type,
            action: row.action,
            outcome: row.outcome,
            initiator: Initiator {
                id: row.initiator_id,
                address: row.initiator_address,
            },
            target: EventTarget {
                kind: row.target_type,
                id: row.target_id,
                name: row.target_name,
                domain: row.target_domain,
                path: row.target_path,
            },
            request_id: row.request_id,
            method: row.method,
            status: row.status,
        }
    }
}

/// The id of what a create made, from its answer: `{"group": {"id"}}`, Baidu's `{"id"}`,
/// an access key's `{"credential": {"access"}}`; for a login, the token's user.
fn created_id(body: &Value) -> Option<String> {
    let id_in = |v: &Value| {
        v.get("id")
            .or_else(|| v.get("access"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(user) = body.pointer("/token/user/id").and_then(Value::as_str) {
        return Some(user.to_string());
    }
    id_in(body).or_else(|| body.as_object()?.values().find_map(id_in))
}

/// Records the audit event of every audited request after it is answered. A change is
/// committed before its event is written, so a crash in between loses the event, not the
/// change; a failure to record is logged and does not turn a done change into an error.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let method = req.method().as_str().to_string();
    if matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    if let Some(event) = crate::change::recorded_event() {
        return Ok(record_said(res, event, method, status, address).await);
    }
    // A route whose manager does not yet say its event: read it off the route.
    let template = res.request().match_pattern();
    let Some(kind) = template
        .as_deref()
        .and_then(|t| classify(&method, t, status))
    else {
        return Ok(res.map_into_boxed_body());
    };
    let request = res.request().clone();
    // A create's new id, and a login's user, are only in the answer; everything else is
    // named by the path.
    let (res, target_id) = if kind.creates || kind.action == "authenticate" {
        let (res, body) = read_body(res).await?;
        (res, body.as_ref().and_then(created_id))
    } else {
        let last_param = request.match_info().iter().last();
        let target_id = last_param.map(|(_, value)| value.to_string());
        (res.map_into_boxed_body(), target_id)
    };
    let initiator = request
        .extensions()
        .get::<ActingUser>()
        .map(|u| u.0.clone())
        .or_else(|| {
            (kind.action == "authenticate")
                .then(|| target_id.clone())
                .flatten()
        });
    // A 401 other than a login's is audited only when a caller was known (a wrong original
    // password): an unauthenticated change is not anyone's.
    if status == 401 && kind.action != "authenticate" && initiator.is_none() {
        return Ok(res);
    }
    // A failed login names the account it tried, as the handler found it.
    let named = request
        .extensions()
        .get::<NamedTarget>()
        .cloned()
        .unwrap_or_default();
    let target_id = target_id.or(named.id);
    let row = AuditEventRow {
        id: uuid::Uuid::now_v7().simple().to_string(),
        occurred_at: chrono::Utc::now().timestamp_micros(),
        event_type: kind.event_type.clone(),
        action: kind.action.to_string(),
        outcome: kind.outcome.as_str().to_string(),
        initiator_id: initiator,
        initiator_address: address,
        target_type: kind.target_type.clone(),
        target_id,
        target_path: request.path().to_string(),
        method,
        status: i32::from(status),
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
        target_name: named.name,
        target_domain: named.domain,
    };
    if let Some(state) = request.app_data::<web::Data<AppState>>() {
        write_event(state, row, &kind).await;
    }
    Ok(res)
}

/// Records the event the operation said it was, with the outcome its answer shows: a
/// success, a refused change (403), or a refused proof of a password (401).
async fn record_said(
    res: ServiceResponse<impl MessageBody + 'static>,
    event: Event,
    method: String,
    status: u16,
    address: Option<String>,
) -> ServiceResponse<BoxBody> {
    let outcome = match status {
        200..=299 => Outcome::Success,
        403 => Outcome::Failure,
        401 if event.proves_password => Outcome::Failure,
        _ => return res.map_into_boxed_body(),
    };
    let request = res.request().clone();
    let initiator = request
        .extensions()
        .get::<ActingUser>()
        .map(|u| u.0.clone())
        .or_else(|| {
            // A login's initiator is the user it proved; a refused one proved no one.
            (event.action == Action::Authenticate && outcome == Outcome::Success)
                .then(|| event.target_id.clone())
                .flatten()
        });
    if status == 401 && event.action != Action::Authenticate && initiator.is_none() {
        return res.map_into_boxed_body();
    }
    let kind = EventKind {
        event_type: event.event_type(),
        action: event.action_name(),
        target_type: event.target_type.clone(),
        outcome,
        creates: false,
    };
    let row = AuditEventRow {
        id: uuid::Uuid::now_v7().simple().to_string(),
        occurred_at: chrono::Utc::now().timestamp_micros(),
        event_type: kind.event_type.clone(),
        action: kind.action.to_string(),
        outcome: outcome.as_str().to_string(),
        initiator_id: initiator,
        initiator_address: address,
        target_type: kind.target_type.clone(),
        target_id: event.target_id,
        target_path: request.path().to_string(),
        method,
        status: i32::from(status),
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
        target_name: event.target_name,
        target_domain: event.target_domain,
    };
    if let Some(state) = request.app_data::<web::Data<AppState>>() {
        write_event(state, row, &kind).await;
    }
    res.map_into_boxed_body()
}

/// The answer's body, read whole (a create's is small) and put back.
async fn read_body(
    res: ServiceResponse<impl MessageBody + 'static>,
) -> Result<(ServiceResponse<BoxBody>, Option<Value>), Error> {
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let parsed = serde_json::from_slice(&bytes).ok();
    let res = head.set_body(BoxBody::new(bytes));
    Ok((ServiceResponse::new(req, res), parsed))
}

async fn write_event(state: &AppState, row: AuditEventRow, kind: &EventKind) {
    let sink = state.audit_log.clone();
    let event_type = kind.event_type.clone();
    let written = db::run(&state.pool, move |conn| {
        store::record_event(conn, &row)?;
        if let Some(sink) = sink {
            sink.append(&EventView::from(row));
        }
        Ok(())
    })
    .await;
    if let Err(e) = written {
        log::error!("audit event {event_type} not recorded: {e}");
    }
}

/// A time filter: Keystone's ISO 8601 form, or microseconds since the epoch.
fn time_filter(query: &ListQuery, key: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = query.get(key) else {
        return Ok(None);
    };
    if let Ok(us) = raw.parse::<i64>() {
        return Ok(Some(us));
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| Some(t.timestamp_micros()))
        .map_err(|_| ApiError::invalid_field(key, format!("'{raw}' is not an ISO 8601 time")))
}

/// `GET /v3/audit-events`: admins only; filters `event_type`, `outcome`, `initiator_id`,
/// `target_type`, `target_id`, `request_id`, `since`, `until`; `limit` and `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    policy::enforce(&caller, &policy::LIST_AUDIT_EVENTS, &Target::default())?;
    let query = ListQuery::from_request(&req)?;
    let text = |key: &str| query.get(key).map(str::to_owned);
    let filter = AuditFilter {
        event_type: text("event_type"),
        outcome: text("outcome"),
        initiator_id: text("initiator_id"),
        target_type: text("target_type"),
        target_id: text("target_id"),
        request_id: text("request_id"),
        since_us: time_filter(&query, "since")?,
        until_us: time_filter(&query, "until")?,
    };
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let events = db::run(&state.pool, move |conn| {
        store::list_events(conn, &filter, &page)
    })
    .await?;
    let events = events.map(EventView::from);
    Ok(HttpResponse::Ok().json(collection(
        "audit_events",
        events,
        &request,
        &base,
        &req,
        &query,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_new_id_is_found_in_every_create_answer() {
        for (body, id) in [
            (json!({"group": {"id": "g1", "name": "x"}}), "g1"),
            (json!({"id": "b1", "name": "x", "createTime": "t"}), "b1"),
            (
                json!({"credential": {"access": "AK1", "user_id": "u"}}),
                "AK1",
            ),
            (
                json!({"token": {"user": {"id": "u1"}, "methods": []}}),
                "u1",
            ),
        ] {
            assert_eq!(created_id(&body).as_deref(), Some(id), "{body}");
        }
        assert_eq!(created_id(&json!({"error": {"code": 403}})), None);
    }
}
