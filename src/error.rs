//! `ApiError`: the one place that knows the error JSON of each face: Keystone's
//! `{"error": {"code": N, "message": "...", "title": "..."}}`, and Baidu's
//! `{"code": "...", "message": "...", "requestId": "..."}` for the `/v1` face.

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

// Left out of the fuzz target's build (cargo-fuzz sets `cfg(fuzzing)`), which compiles this
// file with the parsers and without the database layer.
#[cfg(not(fuzzing))]
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            // SQLite reports a locked database this way once busy_timeout has run out.
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("locked") || info.message().contains("busy") =>
            {
                ApiError::Unavailable(format!("database busy: {}", info.message()))
            }
            // Every stored string is checked NUL-free on the way in, so a NUL reaching
            // PostgreSQL (which refuses to even compare one) is in an id or name from a path
            // or marker, and names nothing: not found, as SQLite answers the same lookup.
            Error::DatabaseError(_, ref info)
                if info.message().contains("invalid byte sequence")
                    && info.message().contains("0x00") =>
            {
                ApiError::NotFoundMessage("The resource could not be found.".into())
            }
            // SQLite on a full or read-only disk: the database is unavailable for writes
            // until the operator makes room; nothing was written (the transaction failed).
            Error::DatabaseError(_, ref info)
                if [
                    "database or disk is full",
                    "readonly database",
                    "disk I/O error",
                    "unable to open database file",
                ]
                .iter()
                .any(|needle| info.message().contains(needle)) =>
            {
                ApiError::Unavailable(format!("database not writable: {}", info.message()))
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::Unavailable(e.to_string())
            }
            // PostgreSQL going away mid-request (restart, failover, admin shutdown).
            Error::DatabaseError(_, ref info)
                if [
                    "terminating connection",
                    "server closed the connection",
                    "connection to server",
                    "no connection to the server",
                    "could not connect",
                    "the database system is",
                ]
                .iter()
                .any(|needle| info.message().contains(needle)) =>
            {
                ApiError::Unavailable(format!("database unavailable: {}", info.message()))
            }
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

#[cfg(not(fuzzing))]
impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::Unavailable(format!("no database connection: {e}"))
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

    #[test]
    fn a_nul_that_reached_postgresql_names_nothing() {
        use diesel::result::{DatabaseErrorKind, Error};
        let pg = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(String::from(
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            )),
        );
        assert!(matches!(ApiError::from(pg), ApiError::NotFoundMessage(_)));
        let other = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(String::from(
                "invalid byte sequence for encoding \"UTF8\": 0xff",
            )),
        );
        assert!(matches!(ApiError::from(other), ApiError::Internal(_)));
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
