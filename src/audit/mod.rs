//! The audit trail: events modelled on Keystone's CADF notifications (initiator, action,
//! target, outcome, when, and the request id that ties them to the access log), stored in
//! the database and, when `audit.log_file` is set, appended to a JSON-lines file. The
//! operations say their events (`crate::change`); `api::http::audit` records them as each
//! request is answered, and `api::v3::audit_events` lists them.

use std::io::Write;

use serde::Serialize;

use crate::db::models::AuditEventRow;
use crate::db::{self, DbConn};
use crate::domain::keystone_time_from_micros;
use crate::error::ApiError;

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

/// How an audited operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
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

/// Stores one event, and appends it to the log file when there is one. Blocking: it runs
/// on the database thread.
pub fn store(
    conn: &mut DbConn,
    sink: Option<&AuditLog>,
    row: AuditEventRow,
) -> Result<(), ApiError> {
    db::audit::record_event(conn, &row)?;
    if let Some(sink) = sink {
        sink.append(&EventView::from(row));
    }
    Ok(())
}
