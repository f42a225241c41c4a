//! The audit middleware: once a change (or a failed login, or a refused change) through
//! either face is answered, records the event its operation said, with the request's facts:
//! who called, from where, the request id, the status. Routes whose operation says nothing
//! are read off the route template (`audit::event::classify`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use serde_json::Value;

use crate::api::http::caller::ActingUser;
use crate::api::http::middleware::RequestId;
use crate::audit::event::{classify, EventKind, Outcome};
use crate::audit::{self, NamedTarget};
use crate::change::{Action, Event};
use crate::db;
use crate::db::models::AuditEventRow;
use crate::state::AppState;

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
            (event.action == Action::Authenticate)
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
        audit::store(conn, sink.as_deref(), row)
    })
    .await;
    if let Err(e) = written {
        log::error!("audit event {event_type} not recorded: {e}");
    }
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
