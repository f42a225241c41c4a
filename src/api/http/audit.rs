//! The audit middleware: once a change (or a failed login, or a refused change) through
//! either face is answered, records the event its operation said (`crate::change::audit`),
//! with the request's facts: who called, from where, the request id, the status. A request
//! whose operation said no event is not audited: reads, and routes that change nothing.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use crate::api::http::caller::ActingUser;
use crate::api::http::middleware::RequestId;
use crate::audit::{self, Outcome};
use crate::change::{Action, Event};
use crate::db;
use crate::db::models::AuditEventRow;
use crate::state::AppState;

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
    Ok(match crate::change::recorded_event() {
        Some(event) => record_said(res, event, method, status, address).await,
        None => res.map_into_boxed_body(),
    })
}

/// The outcome an answer shows for an operation's event: a success, a refused change
/// (403), or a refused proof of a password (401); other failures are not audited.
fn outcome_of(event: &Event, status: u16) -> Option<Outcome> {
    match status {
        200..=299 => Some(Outcome::Success),
        403 => Some(Outcome::Failure),
        401 if event.proves_password => Some(Outcome::Failure),
        _ => None,
    }
}

/// Records the event the operation said it was, with the outcome its answer shows.
async fn record_said(
    res: ServiceResponse<impl MessageBody + 'static>,
    event: Event,
    method: String,
    status: u16,
    address: Option<String>,
) -> ServiceResponse<BoxBody> {
    let Some(outcome) = outcome_of(&event, status) else {
        return res.map_into_boxed_body();
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
    // A 401 other than a login's is audited only when a caller was known (a wrong original
    // password): an unauthenticated change is not anyone's.
    if status == 401 && event.action != Action::Authenticate && initiator.is_none() {
        return res.map_into_boxed_body();
    }
    let event_type = event.event_type();
    let row = AuditEventRow {
        id: uuid::Uuid::now_v7().simple().to_string(),
        occurred_at: chrono::Utc::now().timestamp_micros(),
        event_type: event_type.clone(),
        action: event.action_name().to_string(),
        outcome: outcome.as_str().to_string(),
        initiator_id: initiator,
        initiator_address: address,
        target_type: event.target_type,
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
        write_event(state, row, &event_type).await;
    }
    res.map_into_boxed_body()
}

async fn write_event(state: &AppState, row: AuditEventRow, event_type: &str) {
    let sink = state.audit_log.clone();
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

    #[test]
    fn only_successes_refusals_and_failed_password_proofs_are_audited() {
        let change = Event::updated("group", "g");
        let login = Event::authenticate(None);
        assert_eq!(outcome_of(&change, 204), Some(Outcome::Success));
        assert_eq!(outcome_of(&change, 403), Some(Outcome::Failure));
        assert_eq!(outcome_of(&change, 401), None);
        assert_eq!(outcome_of(&login, 401), Some(Outcome::Failure));
        for status in [400, 404, 409, 500, 503] {
            assert_eq!(outcome_of(&change, status), None, "{status}");
        }
    }
}
