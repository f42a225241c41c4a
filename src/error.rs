//! `ApiError`: the one place that knows the error JSON of each face: Keystone's
//! `{"error": {"code": N, "message": "...", "title": "..."}}`, and Baidu's
//! `{"code": "...", "message": "...", "requestId": "..."}` for the `/v1` face.
//!
//! Over 500 lines: the one error type, both faces' renderers and the mapping of storage's and
//! the values' errors, with the tests that pin every wording.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// Baidu's error codes that no Keystone error maps to: the `bce-auth-v1` refusals and the
/// delete of a group that still has members. Statuses and wording are Baidu's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BceCode {
    AccessDenied,
    InvalidAccessKeyId,
    InvalidHttpAuthHeader,
    SignatureDoesNotMatch,
    RequestExpired,
    BadDigest,
    DeleteConflict,
}

impl BceCode {
    pub fn as_str(self) -> &'static str {
        match self {
            BceCode::AccessDenied => "AccessDenied",
            BceCode::InvalidAccessKeyId => "InvalidAccessKeyId",
            BceCode::InvalidHttpAuthHeader => "InvalidHTTPAuthHeader",
            BceCode::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            BceCode::RequestExpired => "RequestExpired",
            BceCode::BadDigest => "BadDigest",
            BceCode::DeleteConflict => "DeleteConflict",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            BceCode::AccessDenied | BceCode::InvalidAccessKeyId => StatusCode::FORBIDDEN,
            BceCode::InvalidHttpAuthHeader
            | BceCode::SignatureDoesNotMatch
            | BceCode::RequestExpired
            | BceCode::BadDigest => StatusCode::BAD_REQUEST,
            BceCode::DeleteConflict => StatusCode::CONFLICT,
        }
    }

    /// Baidu's standard message for the code.
    fn message(self) -> &'static str {
        match self {
            BceCode::AccessDenied => "Access denied.",
            BceCode::InvalidAccessKeyId => {
                "The Access Key ID you provided does not exist in our records."
            }
            BceCode::InvalidHttpAuthHeader => {
                "The HTTP authorization header is invalid. Consult the service documentation \
                 for details."
            }
            BceCode::SignatureDoesNotMatch => {
                "The request signature we calculated does not match the signature you \
                 provided. Check your Secret Access Key and signing method. Consult the \
                 service documentation for details."
            }
            BceCode::RequestExpired => "Request has expired.",
            BceCode::BadDigest => "The Content-MD5 you specified did not match what we received.",
            BceCode::DeleteConflict => "The entity cannot be deleted while it is in use.",
        }
    }
}

/// Every failure a request can meet, with Keystone's status and wording.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 400: the request is malformed or breaks a rule of the API.
    Validation(String),
    /// 401: no usable credentials. The `String` is logged, never sent: the client only
    /// ever sees Keystone's generic text, so accounts and tokens can't be probed.
    /// `WWW-Authenticate` is added by the middleware, which knows the public URL.
    Unauthorized(String),
    /// 403: authenticated, but policy says no.
    Forbidden(String),
    /// 404: `kind` and `id` of what was not found.
    NotFound { kind: &'static str, id: String },
    /// 404 with a message of its own (memberships, unknown routes).
    NotFoundMessage(String),
    /// 405.
    MethodNotAllowed,
    /// 409: `kind` is what was being stored.
    Conflict { kind: &'static str, detail: String },
    /// 413: body over `max_request_body_size`.
    PayloadTooLarge,
    /// 408: the body did not arrive within `body_read_timeout_ms`.
    RequestTimeout,
    /// 503: the database could not be reached in time.
    Unavailable(String),
    /// 503 with `Retry-After`: more work queued than the service takes at once (password
    /// hashing); `detail` is only logged.
    Busy {
        retry_after_secs: u64,
        detail: String,
    },
    /// 429 with `Retry-After`: one source made too many failed logins.
    TooManyRequests {
        retry_after_secs: u64,
        detail: String,
    },
    /// 500: a bug or an unexpected database failure; logged, never shown.
    Internal(String),
    /// 400: a request body that is not JSON at all (Baidu's `MalformedJSON`).
    MalformedJson,
    /// 400: a per-user limit is reached (two access keys); Baidu's `LimitExceeded`.
    QuotaExceeded(String),
    /// A refusal with a Baidu code: `message` is sent, `detail` only logged.
    Bce {
        code: BceCode,
        message: String,
        detail: String,
    },
}

impl ApiError {
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        ApiError::NotFound {
            kind,
            id: id.into(),
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::Unauthorized(detail.into())
    }

    pub fn forbidden_action(action: &str) -> Self {
        ApiError::Forbidden(format!(
            "You are not authorized to perform the requested action: {action}."
        ))
    }

    /// A Baidu refusal with the code's standard message; `detail` is only logged.
    pub fn bce(code: BceCode, detail: impl Into<String>) -> Self {
        ApiError::Bce {
            code,
            message: code.message().to_string(),
            detail: detail.into(),
        }
    }

    /// A Baidu refusal whose message says what to do (nothing secret in it).
    pub fn bce_with_message(code: BceCode, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Bce {
            code,
            detail: message.clone(),
            message,
        }
    }

    /// Keystone's message for a field that failed validation.
    pub fn invalid_field(field: &str, reason: impl fmt::Display) -> Self {
        ApiError::Validation(format!("Invalid input for field '{field}': {reason}"))
    }

    /// Keystone's `PasswordRequirementsValidationError`: a new password breaks a configured
    /// rule, and `detail` says which (never the password).
    pub fn password_requirements(detail: impl fmt::Display) -> Self {
        ApiError::Validation(format!(
            "The password does not match the requirements: {detail}."
        ))
    }

    /// Keystone's `PasswordValidationError`: a new password could not be checked.
    pub fn password_validation(detail: impl fmt::Display) -> Self {
        ApiError::Validation(format!("Password validation error: {detail}."))
    }

    /// Keystone's "Expecting to find X in Y" validation message.
    pub fn expecting(attribute: &str, target: &str) -> Self {
        ApiError::Validation(expecting_message(attribute, target))
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Validation(_) | ApiError::MalformedJson | ApiError::QuotaExceeded(_) => {
                "Bad Request"
            }
            ApiError::Unauthorized(_) => "Unauthorized",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::NotFound { .. } | ApiError::NotFoundMessage(_) => "Not Found",
            ApiError::MethodNotAllowed => "Method Not Allowed",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::PayloadTooLarge => "Request Entity Too Large",
            ApiError::RequestTimeout => "Request Timeout",
            ApiError::Unavailable(_) | ApiError::Busy { .. } => "Service Unavailable",
            ApiError::TooManyRequests { .. } => "Too Many Requests",
            ApiError::Internal(_) => "Internal Server Error",
            ApiError::Bce { code, .. } => code.status().canonical_reason().unwrap_or("Error"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Validation(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFoundMessage(m)
            | ApiError::QuotaExceeded(m) => m.clone(),
            ApiError::Unauthorized(_) => {
                "The request you have made requires authentication.".into()
            }
            ApiError::NotFound { kind, id } => format!("Could not find {kind}: {id}."),
            ApiError::MethodNotAllowed => "The method is not allowed for the requested URL.".into(),
            ApiError::Conflict { kind, detail } => {
                format!("Conflict occurred attempting to store {kind} - {detail}.")
            }
            ApiError::PayloadTooLarge => "Request is too large.".into(),
            ApiError::RequestTimeout => "The request body was not received in time.".into(),
            ApiError::Unavailable(_) | ApiError::Busy { .. } => {
                "The service is temporarily unavailable; please retry shortly.".into()
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => format!(
                "Too many failed authentication attempts from this address; retry in \
                 {retry_after_secs} seconds."
            ),
            ApiError::Internal(_) => "An unexpected error prevented the server from fulfilling \
                                      your request."
                .into(),
            ApiError::MalformedJson => malformed_json_message(),
            ApiError::Bce { message, .. } => message.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized(detail) => write!(f, "401 Unauthorized: {detail}"),
            ApiError::Unavailable(detail) => write!(f, "503 Service Unavailable: {detail}"),
            ApiError::Busy { detail, .. } => write!(f, "503 Service Unavailable: {detail}"),
            ApiError::TooManyRequests { detail, .. } => {
                write!(f, "429 Too Many Requests: {detail}")
            }
            ApiError::Internal(detail) => write!(f, "500 Internal Server Error: {detail}"),
            ApiError::Bce { code, detail, .. } => {
                write!(f, "{} {}: {detail}", code.status().as_u16(), code.as_str())
            }
            other => write!(
                f,
                "{} {}: {}",
                other.status_code().as_u16(),
                other.title(),
                other.message()
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::MalformedJson | ApiError::QuotaExceeded(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } | ApiError::NotFoundMessage(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Bce { code, .. } => code.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        self.log();
        self.answer(status).json(json!({
            "error": {
                "code": status.as_u16(),
                "message": self.message(),
                "title": self.title(),
            }
        }))
    }
}

impl ApiError {
    /// A response builder with `status`, and `Retry-After` when the error says when.
    fn answer(&self, status: StatusCode) -> actix_web::HttpResponseBuilder {
        let mut builder = HttpResponse::build(status);
        if let ApiError::Busy {
            retry_after_secs, ..
        }
        | ApiError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            builder.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after_secs.to_string(),
            ));
        }
        builder
    }

    fn log(&self) {
        let status = self.status_code();
        match self {
            ApiError::Internal(detail) | ApiError::Unavailable(detail) => {
                log::error!("{status}: {detail}")
            }
            ApiError::Busy { detail, .. } | ApiError::TooManyRequests { detail, .. } => {
                log::warn!("{status}: {detail}")
            }
            ApiError::Unauthorized(detail) => log::info!("401: {detail}"),
            ApiError::Bce { .. } => log::info!("{self}"),
            other => log::debug!("{other}"),
        }
    }

    /// Baidu's code for this error, as the `/v1` face reports it.
    pub fn bce_code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "InappropriateJSON",
            ApiError::MalformedJson => "MalformedJSON",
            ApiError::QuotaExceeded(_) => "LimitExceeded",
            ApiError::Unauthorized(_) | ApiError::Forbidden(_) => "AccessDenied",
            ApiError::NotFound { .. } | ApiError::NotFoundMessage(_) => "NoSuchEntity",
            ApiError::MethodNotAllowed => "MethodNotAllowed",
            ApiError::Conflict { .. } => "EntityAlreadyExists",
            ApiError::PayloadTooLarge => "EntityTooLarge",
            ApiError::RequestTimeout => "RequestTimeout",
            ApiError::Unavailable(_) | ApiError::Busy { .. } => "ServiceUnavailable",
            ApiError::TooManyRequests { .. } => "RequestLimitExceeded",
            ApiError::Internal(_) => "InternalError",
            ApiError::Bce { code, .. } => code.as_str(),
        }
    }

    /// The error in Baidu's shape, `{"code", "message", "requestId"}`, which the Baidu SDK
    /// needs whole to raise its `BceServerError`.
    pub fn bce_response(&self, request_id: &str) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            ApiError::Internal(_) => "We encountered an internal error. Please try again.".into(),
            other => other.message(),
        };
        self.answer(status).json(json!({
            "code": self.bce_code(),
            "message": message,
            "requestId": request_id,
        }))
    }
}

fn expecting_message(attribute: &str, target: &str) -> String {
    format!(
        "Expecting to find {attribute} in {target}. The server could not comply with the \
         request since it is either malformed or otherwise incorrect. The client is assumed \
         to be in error."
    )
}

/// Keystone's words for a body that is not JSON.
fn malformed_json_message() -> String {
    expecting_message("valid JSON", "request body")
}

impl From<crate::domain::error::ValueError> for ApiError {
    /// A refused value is Keystone's 400 for that field or rule; a key that could not be
    /// drawn at all is a 500.
    fn from(e: crate::domain::error::ValueError) -> Self {
        use crate::domain::error::ValueError;
        match e {
            ValueError::Invalid { field, reason } => ApiError::invalid_field(&field, reason),
            ValueError::PasswordRequirements(detail) => ApiError::password_requirements(detail),
            ValueError::PasswordUnverifiable(detail) => ApiError::password_validation(detail),
            ValueError::NoRandomness(detail) => {
                ApiError::Internal(format!("no randomness: {detail}"))
            }
        }
    }
}

// Left out of the fuzz target's build (cargo-fuzz sets `cfg(fuzzing)`), which compiles this
// file with the parsers and without the database layer.
#[cfg(not(fuzzing))]
impl From<crate::db::StoreError> for ApiError {
    /// Storage's outcomes in Keystone's words (Baidu's for a group still in use); what
    /// storage could not classify is an opaque 500.
    fn from(e: crate::db::StoreError) -> Self {
        use crate::db::{Refusal, StoreError};
        match e {
            StoreError::NotFound { kind, id } => ApiError::NotFound { kind, id },
            StoreError::NotFoundMessage(message) => ApiError::NotFoundMessage(message),
            StoreError::Conflict { what, detail } => ApiError::Conflict { kind: what, detail },
            // Keystone answers an integrity error other than a duplicate with its
            // UnexpectedError: a 500 whose detail is only logged.
            StoreError::ForeignKey(detail) => {
                ApiError::Internal(format!("foreign key violation: {detail}"))
            }
            StoreError::Unavailable(detail) => ApiError::Unavailable(detail),
            StoreError::Refused(Refusal::Invalid(message)) => ApiError::Validation(message),
            StoreError::Refused(Refusal::Forbidden(message)) => ApiError::Forbidden(message),
            StoreError::Refused(Refusal::LimitReached(message)) => ApiError::QuotaExceeded(message),
            StoreError::Refused(Refusal::InUse(message)) => {
                ApiError::bce_with_message(BceCode::DeleteConflict, message)
            }
            StoreError::Internal(detail) => ApiError::Internal(format!("database error: {detail}")),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(e: ApiError) -> (u16, serde_json::Value) {
        let resp = e.error_response();
        let status = resp.status().as_u16();
        let bytes = to_bytes(resp.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[actix_web::test]
    async fn not_found_uses_keystone_wording() {
        let (status, body) = body_of(ApiError::not_found("group", "abc")).await;
        assert_eq!(status, 404);
        assert_eq!(
            body,
            json!({"error": {"code": 404, "message": "Could not find group: abc.", "title": "Not Found"}})
        );
    }

    #[actix_web::test]
    async fn unauthorized_hides_the_detail() {
        let (status, body) = body_of(ApiError::unauthorized("signature mismatch for user x")).await;
        assert_eq!(status, 401);
        assert_eq!(
            body["error"]["message"],
            "The request you have made requires authentication."
        );
        assert!(!body.to_string().contains("signature"));
    }

    #[actix_web::test]
    async fn internal_errors_are_opaque() {
        let (status, body) =
            body_of(ApiError::Internal("table users has no column x".into())).await;
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("users"));
        assert_eq!(body["error"]["title"], "Internal Server Error");
    }

    #[actix_web::test]
    async fn storage_outcomes_keep_keystones_and_baidus_wording() {
        use crate::db::StoreError;
        let (status, body) = body_of(StoreError::not_found("group", "g1").into()).await;
        assert_eq!(
            (status, body["error"]["message"].as_str()),
            (404, Some("Could not find group: g1."))
        );
        let (status, body) = body_of(
            StoreError::Conflict {
                what: "group",
                detail: "Duplicate entry found with name g at domain ID default".into(),
            }
            .into(),
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(
            body["error"]["message"],
            "Conflict occurred attempting to store group - Duplicate entry found with name g \
             at domain ID default."
        );
        for (store, status) in [
            (StoreError::Unavailable("database is locked".into()), 503),
            (StoreError::ForeignKey("fk users.domain_id".into()), 500),
            (StoreError::Internal("no such column".into()), 500),
            (StoreError::invalid("Circular reference."), 400),
            (
                StoreError::forbidden("Cannot delete a domain that is enabled."),
                403,
            ),
        ] {
            let detail = store.to_string();
            let (got, body) = body_of(store.into()).await;
            assert_eq!(got, status, "{detail}");
            if status >= 500 {
                assert!(!body.to_string().contains("users"), "opaque: {body}");
            }
        }
        let in_use: ApiError = StoreError::in_use("Group g still has 1 member(s).").into();
        assert_eq!(in_use.bce_code(), "DeleteConflict");
        assert_eq!(in_use.status_code(), StatusCode::CONFLICT);
        let limit: ApiError = StoreError::limit_reached("akSkNumExceed: two keys.").into();
        assert_eq!(limit.bce_code(), "LimitExceeded");
    }

    #[actix_web::test]
    async fn refused_values_are_keystones_400s_word_for_word() {
        use crate::domain::error::ValueError;
        for value in [
            ValueError::invalid("group.name", "'' is too short"),
            ValueError::PasswordRequirements("letters then a digit".into()),
            ValueError::PasswordUnverifiable("Unable to validate password".into()),
        ] {
            let expected = value.to_string();
            let (status, body) = body_of(value.into()).await;
            assert_eq!(status, 400);
            assert_eq!(body["error"]["message"], expected.as_str());
        }
        let (status, _) = body_of(ValueError::NoRandomness("ENOSYS".into()).into()).await;
        assert_eq!(status, 500);
        assert_eq!(
            ValueError::invalid("group.name", "'' is too short").to_string(),
            "Invalid input for field 'group.name': '' is too short"
        );
    }

    /// Storage and the domain values speak their own errors: no line of `src/db` or
    /// `src/domain` names the API, its error type, HTTP or the web framework, and the
    /// domain does not reach up to configuration or storage either.
    #[test]
    fn storage_and_domain_name_no_http() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let http = [
            "crate::error",
            "crate::api",
            "actix",
            "ApiError",
            "BceCode",
            "HttpResponse",
            "StatusCode",
        ];
        let upward = ["crate::config", "crate::db", "crate::auth", "crate::state"];
        let mut offences = Vec::new();
        for (folder, banned) in [
            ("db", &http[..]),
            ("domain", &[&http[..], &upward[..]].concat()[..]),
        ] {
            let entries = std::fs::read_dir(root.join(folder)).expect("source folder");
            for entry in entries {
                let path = entry.expect("entry").path();
                let text = std::fs::read_to_string(&path).expect("source file");
                for (n, line) in text.lines().enumerate() {
                    // Doc comments may say where the mapping lives; code may not use it.
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    if let Some(word) = banned.iter().find(|w| line.contains(*w)) {
                        offences.push(format!("{}:{}: {word}", path.display(), n + 1));
                    }
                }
            }
        }
        assert!(offences.is_empty(), "{offences:#?}");
    }

    #[actix_web::test]
    async fn conflict_uses_keystone_wording() {
        let (status, body) = body_of(ApiError::Conflict {
            kind: "group",
            detail: "Duplicate entry found with name g at domain ID default".into(),
        })
        .await;
        assert_eq!(status, 409);
        assert_eq!(
            body["error"]["message"],
            "Conflict occurred attempting to store group - Duplicate entry found with name g at domain ID default."
        );
    }
}
