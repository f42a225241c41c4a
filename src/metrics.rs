//! The operator's numbers, served by `GET /metrics` in Prometheus' text format: requests by
//! route template, latency, token validations, the database pool, and cached counts of the
//! main records. Each application owns its registry, so two services in one process (as in
//! the tests) keep separate numbers.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// How long the record counts are reused before a scrape counts again.
pub const COUNTS_MAX_AGE: Duration = Duration::from_secs(5);

/// Latency buckets in seconds, from a cached read to a slow password hash.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every metric of one running service.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    token_validations: IntCounterVec,
    pool_connections: IntGaugeVec,
    pool_wait: Histogram,
    pool_timeouts: IntCounter,
    records: IntGaugeVec,
    hash_jobs: IntCounterVec,
    counts_taken: Mutex<Option<Instant>>,
}

// The record counts shown as `iam_groups_records{kind}` are storage's to count.
pub use crate::db::RecordCounts;

fn registered<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<T>,
) -> prometheus::Result<T> {
    let metric = metric?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl Metrics {
    /// Creates the metrics and their registry.
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new_custom(Some("iam_groups".into()), None)?;
        let requests = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "HTTP requests answered, by route template, method and status.",
                ),
                &["route", "method", "status"],
            ),
        )?;
        let latency = registered(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time to answer an HTTP request, by route template and method.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["route", "method"],
            ),
        )?;
        let token_validations = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "token_validations_total",
                    "X-Auth-Token and X-Subject-Token checks, by outcome \
                     (valid, rejected, error).",
                ),
                &["outcome"],
            ),
        )?;
        let pool_connections = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "db_pool_connections",
                    "Database pool connections, by state (in_use, idle).",
                ),
                &["state"],
            ),
        )?;
        let pool_wait = registered(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "db_pool_wait_seconds",
                    "Time spent waiting for a pooled database connection.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            ),
        )?;
        let pool_timeouts = registered(
            &registry,
            IntCounter::new(
                "db_pool_timeouts_total",
                "Requests that found no free database connection in time.",
            ),
        )?;
        let records = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "records",
                    "Stored records, by kind (groups, users, memberships); counted at most \
                     every few seconds.",
                ),
                &["kind"],
            ),
        )?;
        let hash_jobs = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "password_hash_jobs_total",
                    "Password hashing jobs, by outcome (hashed; abandoned: the client had \
                     gone before a thread took it; refused: the queue was full).",
                ),
                &["outcome"],
            ),
        )?;
        for outcome in ["hashed", "abandoned", "refused"] {
            hash_jobs.with_label_values(&[outcome]);
        }
        Ok(Metrics {
            registry,
            requests,
            latency,
            token_validations,
            pool_connections,
            pool_wait,
            pool_timeouts,
            records,
            hash_jobs,
            counts_taken: Mutex::new(None),
        })
    }

    /// Counts one answered request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one token check by its outcome.
    pub fn observe_token_validation(&self, outcome: &str) {
        self.token_validations.with_label_values(&[outcome]).inc();
    }

    /// Records the pool's current connections.
    pub fn set_pool_state(&self, connections: u32, idle: u32) {
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(connections.saturating_sub(idle)));
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
    }

    /// The pool's event hook, recording checkout waits and timeouts.
    pub fn pool_events(&self) -> PoolEvents {
        PoolEvents {
            wait: self.pool_wait.clone(),
            timeouts: self.pool_timeouts.clone(),
        }
    }

    /// The hashing threads' hook, counting their jobs by outcome.
    pub fn hash_events(&self) -> HashEvents {
        HashEvents {
            jobs: Some(self.hash_jobs.clone()),
        }
    }

    /// True when the record counts are missing or older than [`COUNTS_MAX_AGE`]; marks
    /// them as being taken now, so concurrent scrapes count once.
    pub fn counts_due(&self) -> bool {
        let Ok(mut taken) = self.counts_taken.lock() else {
            return false;
        };
        match *taken {
            Some(at) if at.elapsed() < COUNTS_MAX_AGE => false,
            _ => {
                *taken = Some(Instant::now());
                true
            }
        }
    }

    /// Stores freshly taken record counts.
    pub fn set_counts(&self, counts: RecordCounts) {
        self.records
            .with_label_values(&["groups"])
            .set(counts.groups);
        self.records.with_label_values(&["users"]).set(counts.users);
        self.records
            .with_label_values(&["memberships"])
            .set(counts.memberships);
    }

    /// Forgets when counts were last taken, so a failed count is retried on the next scrape.
    pub fn counts_failed(&self) {
        if let Ok(mut taken) = self.counts_taken.lock() {
            *taken = None;
        }
    }

    /// Everything, in Prometheus' text exposition format.
    pub fn render(&self) -> Result<String, String> {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}

/// r2d2's event handler feeding the pool metrics.
#[derive(Debug, Clone)]
pub struct PoolEvents {
    wait: Histogram,
    timeouts: IntCounter,
}

/// Counts password hashing jobs by outcome; `default()` counts nothing.
#[derive(Debug, Clone, Default)]
pub struct HashEvents {
    jobs: Option<IntCounterVec>,
}

impl HashEvents {
    /// Counts one job with `outcome`: `hashed`, `abandoned` or `refused`.
    pub fn count(&self, outcome: &str) {
        if let Some(jobs) = &self.jobs {
            jobs.with_label_values(&[outcome]).inc();
        }
    }
}

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, event: r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
        self.wait.observe(event.timeout().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_requests_with_route_templates_and_counts() {
        let metrics = Metrics::new().unwrap();
        metrics.observe_request(
            "/v3/groups/{group_id}",
            "GET",
            200,
            Duration::from_millis(3),
        );
        metrics.observe_token_validation("valid");
        metrics.set_pool_state(3, 1);
        metrics.set_counts(RecordCounts {
            groups: 2,
            users: 5,
            memberships: 7,
        });
        let text = metrics.render().unwrap();
        assert!(text.contains(
            "iam_groups_http_requests_total{method=\"GET\",route=\"/v3/groups/{group_id}\",status=\"200\"} 1"
        ));
        assert!(text.contains("iam_groups_http_request_duration_seconds_bucket{"));
        assert!(text.contains("iam_groups_token_validations_total{outcome=\"valid\"} 1"));
        assert!(text.contains("iam_groups_db_pool_connections{state=\"in_use\"} 2"));
        assert!(text.contains("iam_groups_records{kind=\"memberships\"} 7"));
    }

    #[test]
    fn counts_are_due_once_per_period() {
        let metrics = Metrics::new().unwrap();
        assert!(metrics.counts_due());
        assert!(!metrics.counts_due());
        metrics.counts_failed();
        assert!(metrics.counts_due());
    }
}
