//! `GET /v3/audit-events`: the audit trail, for admins.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::http::envelope::collection;
use crate::api::http::extract::BaseUrl;
use crate::api::http::query::ListQuery;
use crate::audit::EventView;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::db;
use crate::db::audit::{self as store, AuditFilter};
use crate::error::ApiError;
use crate::state::AppState;

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
