//! Audit events: appended by the audit middleware, listed by `GET /v3/audit-events`.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::AuditEventRow;
use super::schema::audit_events;
use super::{paginate, DbConn};
use crate::domain::page::{Page, PageRequest};

/// Filters of `GET /v3/audit-events`; times in microseconds since the epoch.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub event_type: Option<String>,
    pub outcome: Option<String>,
    pub initiator_id: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
}

/// Appends one event.
pub fn record_event(conn: &mut DbConn, event: &AuditEventRow) -> Result<(), StoreError> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// Events in the order they happened (their UUIDv7 ids), filtered, paged.
pub fn list_events(
    conn: &mut DbConn,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEventRow>, StoreError> {
    if let Some(marker) = &page.marker {
        let found: Option<String> = audit_events::table
            .find(marker)
            .select(audit_events::id)
            .first(conn)
            .optional()?;
        found.ok_or_else(|| StoreError::not_found("audit event", marker))?;
    }
    paginate(
        page,
        |e: &AuditEventRow| &e.id,
        |window| {
            let mut query = audit_events::table
                .select(AuditEventRow::as_select())
                .into_boxed();
            if let Some(v) = &filter.event_type {
                query = query.filter(audit_events::event_type.eq(v.clone()));
            }
            if let Some(v) = &filter.outcome {
                query = query.filter(audit_events::outcome.eq(v.clone()));
            }
            if let Some(v) = &filter.initiator_id {
                query = query.filter(audit_events::initiator_id.eq(v.clone()));
            }
            if let Some(v) = &filter.target_type {
                query = query.filter(audit_events::target_type.eq(v.clone()));
            }
            if let Some(v) = &filter.target_id {
                query = query.filter(audit_events::target_id.eq(v.clone()));
            }
            if let Some(v) = &filter.request_id {
                query = query.filter(audit_events::request_id.eq(v.clone()));
            }
            if let Some(v) = filter.since_us {
                query = query.filter(audit_events::occurred_at.ge(v));
            }
            if let Some(v) = filter.until_us {
                query = query.filter(audit_events::occurred_at.lt(v));
            }
            windowed!(query, audit_events::id, window).load(conn)
        },
    )
}
