//! `GET /v3/audit-events`: the audit trail, for admins.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::http::envelope::collection;
use crate::api::http::extract::BaseUrl;
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{Param, ParamKind};
use crate::api::http::wire::QueryField;
use crate::audit::EventView;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::db;
use crate::db::audit::{self as store, AuditFilter};
use crate::error::ApiError;
use crate::state::AppState;

/// An audit time filter: microseconds since the epoch, or an ISO 8601 time.
#[derive(Debug, Clone, Default)]
pub struct EventTime(pub Option<i64>);

/// Digits, or a UTC time every match of which is a real one (see `TIME_FILTER_PATTERN`).
const EVENT_TIME_PATTERN: &str = "^([0-9]{1,16}|(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)$";

impl QueryField for EventTime {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Pattern(EVENT_TIME_PATTERN),
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        let Some(raw) = query.get(name) else {
            return Ok(EventTime(None));
        };
        if let Ok(us) = raw.parse::<i64>() {
            return Ok(EventTime(Some(us)));
        }
        chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| EventTime(Some(t.timestamp_micros())))
            .map_err(|_| ApiError::invalid_field(name, format!("'{raw}' is not an ISO 8601 time")))
    }
}

crate::wire_query! {
    /// `GET /v3/audit-events`.
    pub struct EventQuery {
        event_type: Option<String> = "e.g. identity.group.created",
        outcome: Option<String> = "success or failure",
        initiator_id: Option<String> = "Who acted.",
        target_type: Option<String> = "e.g. group",
        target_id: Option<String> = "What was acted on.",
        request_id: Option<String> = "The request's id.",
        since: EventTime = "ISO 8601 time, or microseconds since the epoch.",
        until: EventTime = "ISO 8601 time, or microseconds since the epoch.",
    }
}

/// `GET /v3/audit-events`: admins only; the filters of [`EventQuery`], `limit` and `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    policy::enforce(&caller, &policy::LIST_AUDIT_EVENTS, &Target::default())?;
    let query = ListQuery::from_request(&req)?;
    let q = EventQuery::from_query(&query)?;
    let filter = AuditFilter {
        event_type: q.event_type,
        outcome: q.outcome,
        initiator_id: q.initiator_id,
        target_type: q.target_type,
        target_id: q.target_id,
        request_id: q.request_id,
        since_us: q.since.0,
        until_us: q.until.0,
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
