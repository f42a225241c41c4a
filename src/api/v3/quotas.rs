//! `/v3.0/OS-QUOTA/domains/{domain_id}`: Huawei IAM's `ShowDomainQuota`, what an account holds
//! of each counted kind and its limit under `[quota]`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::json;

use crate::api::http::openapi::wrapped;
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, Param, ParamKind, RouteTable};
use crate::api::http::wire::QueryField;
use crate::auth::AuthContext;
use crate::domain::quota::QuotaType;
use crate::error::ApiError;
use crate::resource::quotas::{self, QuotaLine};
use crate::state::AppState;

/// Huawei's `quota` and `max` are integers: an unlimited quota is shown as the largest one
/// its SDK's `int` takes.
const UNLIMITED: i64 = i32::MAX as i64;

/// Huawei's `type` filter: one of the kinds this service counts, refused (400) otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindFilter(Option<QuotaType>);

const KINDS: &[&str] = &["user", "group", "idp"];

impl QueryField for KindFilter {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::OneOf(KINDS),
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        match query.get(name) {
            None => Ok(KindFilter(None)),
            Some(t) => QuotaType::parse(t)
                .map(|k| KindFilter(Some(k)))
                .ok_or_else(|| {
                    ApiError::Validation(format!(
                    "Invalid type {t:?}: this service counts the quota types user, group and idp."
                ))
                }),
        }
    }
}

crate::wire_query! {
    /// `GET /v3.0/OS-QUOTA/domains/{domain_id}` (Huawei's `type`).
    pub struct QuotaQuery {
        kind as "type": KindFilter = "Only this kind: user, group or idp.",
    }
}

/// One of Huawei's `resources`.
#[derive(Serialize)]
struct ResourceView {
    #[serde(rename = "type")]
    kind: &'static str,
    used: i64,
    quota: i64,
    max: i64,
    min: i64,
}

impl From<&QuotaLine> for ResourceView {
    fn from(line: &QuotaLine) -> Self {
        let quota = line.quota.map_or(UNLIMITED, i64::from);
        ResourceView {
            kind: line.kind.as_str(),
            used: line.used,
            quota,
            max: quota,
            min: 0,
        }
    }
}

/// `GET /v3.0/OS-QUOTA/domains/{domain_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = QuotaQuery::from_query(&ListQuery::from_request(&req)?)?;
    let lines = quotas::domain_quota(&state, &caller, path.into_inner(), query.kind.0).await?;
    let resources: Vec<ResourceView> = lines.iter().map(ResourceView::from).collect();
    Ok(HttpResponse::Ok().json(json!({"quotas": {"resources": resources}})))
}

pub fn routes(t: &mut RouteTable<'_>) {
    let resource = json!({"type": "object",
    "required": ["type", "used", "quota", "max", "min"],
    "properties": {
        "type": {"type": "string", "enum": ["user", "group", "idp"]},
        "used": {"type": "integer"},
        "quota": {"type": "integer"},
        "max": {"type": "integer"},
        "min": {"type": "integer"},
    }});
    t.at("/v3.0/OS-QUOTA/domains/{domain_id}").get(
        show,
        op(
            "showDomainQuota",
            "An account's usage and quotas (Huawei); unlimited is 2147483647.",
        )
        .tag("quotas")
        .query(&QuotaQuery::filters())
        .answers(
            200,
            wrapped(
                "quotas",
                json!({"type": "object", "required": ["resources"],
                    "properties": {"resources": {"type": "array", "items": resource}}}),
            ),
        )
        .errors(&[400, 401, 403, 404]),
    );
}
