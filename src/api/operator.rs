//! The operator's endpoints, outside Keystone's API and without a token: liveness,
//! readiness and Prometheus metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /healthz`: the process is up and answering.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the database answers and no migration is pending, 503 otherwise
/// with the reason, so a load balancer sends no traffic to an instance that cannot serve.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let status = web::block(move || db::schema_status(&pool)).await;
    match status {
        Ok(Ok((applied, pending))) if pending.is_empty() => HttpResponse::Ok().json(json!({
            "status": "ready",
            "schema_version": applied.last(),
        })),
        Ok(Ok((applied, pending))) => {
            log::warn!("not ready: migrations pending: {}", pending.join(", "));
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "not ready",
                "reason": "migrations pending",
                "schema_version": applied.last(),
                "pending_migrations": pending,
            }))
        }
        Ok(Err(e)) => {
            log::warn!("not ready: {e}");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "not ready", "reason": "database unreachable"}))
        }
        Err(e) => {
            log::error!("readiness check failed: {e}");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "not ready", "reason": "check failed"}))
        }
    }
}

/// `GET /metrics`: Prometheus' text format. The pool state is read on each scrape; the
/// record counts at most every [`crate::metrics::COUNTS_MAX_AGE`].
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool_state = state.pool.state();
    state
        .metrics
        .set_pool_state(pool_state.connections, pool_state.idle_connections);
    if state.metrics.counts_due() {
        match db::run(&state.pool, db::record_counts).await {
            Ok(counts) => state.metrics.set_counts(counts),
            Err(e) => {
                // The rest of the metrics are still worth serving.
                log::warn!("metrics: counting records failed: {e}");
                state.metrics.counts_failed();
            }
        }
    }
    let text = state.metrics.render().map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
