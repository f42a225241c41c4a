//! `ValueError`: why a value was refused, in Keystone's words but without any HTTP. The API
//! maps it (`impl From<ValueError> for ApiError` in `error.rs`) to a 400, or a 500 when no
//! value could be made at all.

use std::fmt;

/// Why a value could not be made from what was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// `field` breaks a rule of its kind (length, characters, one of a set): `reason` says
    /// which, and never repeats a secret.
    Invalid { field: String, reason: String },
    /// A new password breaks a configured rule; `detail` says which (never the password).
    PasswordRequirements(String),
    /// A new password could not be checked against the configured rules.
    PasswordUnverifiable(String),
    /// The operating system's random generator failed: no key could be drawn.
    NoRandomness(String),
}

impl ValueError {
    /// `field` refused for `reason`.
    pub fn invalid(field: &str, reason: impl fmt::Display) -> Self {
        ValueError::Invalid {
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for ValueError {
    /// Keystone's message for each case, as the API sends it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Invalid { field, reason } => {
                write!(f, "Invalid input for field '{field}': {reason}")
            }
            ValueError::PasswordRequirements(detail) => {
                write!(f, "The password does not match the requirements: {detail}.")
            }
            ValueError::PasswordUnverifiable(detail) => {
                write!(f, "Password validation error: {detail}.")
            }
            ValueError::NoRandomness(detail) => write!(f, "no randomness: {detail}"),
        }
    }
}

impl std::error::Error for ValueError {}
