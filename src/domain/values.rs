//! Validated values. Each is checked once where a request enters; the inside trusts them.

use std::fmt;

use validator::ValidateLength;

use crate::error::ApiError;

/// Longest name Huawei IAM accepts for a group or user.
pub const NAME_MAX_CHARS: u64 = 128;
/// Longest project or domain name Keystone accepts.
pub const RESOURCE_NAME_MAX_CHARS: u64 = 64;
/// Longest name accepted as a list filter (`GET /v3/groups?name=`).
pub const NAME_FILTER_MAX_CHARS: u64 = 64;
/// Longest description Huawei IAM accepts.
pub const DESCRIPTION_MAX_CHARS: u64 = 255;
/// Keystone's `id_string`: at most 64 characters.
pub const ID_MAX_CHARS: u64 = 64;
/// Keystone's default `max_password_length`.
pub const PASSWORD_MAX_CHARS: u64 = 4096;

fn reject_nul(field: &str, raw: &str) -> Result<(), ApiError> {
    if raw.contains('\0') {
        return Err(ApiError::invalid_field(
            field,
            "NUL characters are not allowed",
        ));
    }
    Ok(())
}

fn check_length(field: &str, raw: &str, min: u64, max: u64) -> Result<(), ApiError> {
    if raw.validate_length(Some(min), Some(max), None) {
        return Ok(());
    }
    let n = raw.chars().count();
    let reason = if (n as u64) < min {
        format!("'{raw}' is too short")
    } else {
        format!("the value is too long ({n} characters; at most {max})")
    };
    Err(ApiError::invalid_field(field, reason))
}

/// A group, user, project or role name: surrounding white space trimmed, then 1 to 128
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> Result<Name, ApiError> {
        Name::parse_up_to(field, raw, NAME_MAX_CHARS)
    }

    /// A project or domain name: at most 64 characters, as Keystone's schema says.
    pub fn parse_resource(field: &str, raw: &str) -> Result<Name, ApiError> {
        Name::parse_up_to(field, raw, RESOURCE_NAME_MAX_CHARS)
    }

    fn parse_up_to(field: &str, raw: &str, max: u64) -> Result<Name, ApiError> {
        reject_nul(field, raw)?;
        let trimmed = raw.trim();
        check_length(field, trimmed, 1, max)?;
        Ok(Name(trimmed.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A name used to filter a list: at most 64 characters, compared exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameFilter(String);

impl NameFilter {
    pub fn parse(field: &str, raw: &str) -> Result<NameFilter, ApiError> {
        reject_nul(field, raw)?;
        check_length(field, raw, 0, NAME_FILTER_MAX_CHARS)?;
        Ok(NameFilter(raw.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A description: at most 255 characters, stored exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    pub fn parse(field: &str, raw: &str) -> Result<Description, ApiError> {
        reject_nul(field, raw)?;
        check_length(field, raw, 0, DESCRIPTION_MAX_CHARS)?;
        Ok(Description(raw.to_string()))
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A reference to a resource by id (`domain_id`, `default_project_id`): Keystone's
/// `id_string`, 1 to 64 letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId(String);

impl ResourceId {
    pub fn parse(field: &str, raw: &str) -> Result<ResourceId, ApiError> {
        check_length(field, raw, 1, ID_MAX_CHARS)?;
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' does not match '^[a-zA-Z0-9_-]+$'"),
            ));
        }
        Ok(ResourceId(raw.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A clear-text password on its way to the hasher. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(field: &str, raw: &str) -> Result<Password, ApiError> {
        if raw.contains('\0') {
            return Err(ApiError::invalid_field(
                field,
                "NUL characters are not allowed",
            ));
        }
        if !raw.validate_length(Some(1), Some(PASSWORD_MAX_CHARS), None) {
            // Never echo the password back.
            return Err(ApiError::invalid_field(
                field,
                format!("a password must have 1 to {PASSWORD_MAX_CHARS} characters"),
            ));
        }
        Ok(Password(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("name", "  ops  ").unwrap().as_str(), "ops");
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", "").is_err());
        assert!(Name::parse("name", &"x".repeat(128)).is_ok());
        assert!(Name::parse("name", &"x".repeat(129)).is_err());
        // Characters, not bytes.
        assert!(Name::parse("name", &"é".repeat(128)).is_ok());
        assert!(Name::parse("name", "a\0b").is_err());
        assert!(Name::parse_resource("name", &"p".repeat(64)).is_ok());
        assert!(Name::parse_resource("name", &"p".repeat(65)).is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let m = message(Name::parse("group.name", "").unwrap_err());
        assert!(m.contains("Invalid input for field 'group.name'"), "{m}");
    }

    #[test]
    fn name_filters_allow_64_characters() {
        assert!(NameFilter::parse("name", &"n".repeat(64)).is_ok());
        assert!(NameFilter::parse("name", &"n".repeat(65)).is_err());
    }

    #[test]
    fn descriptions_allow_255_characters_verbatim() {
        assert!(Description::parse("d", &"d".repeat(255)).is_ok());
        assert!(Description::parse("d", &"d".repeat(256)).is_err());
        assert_eq!(
            Description::parse("d", "  spaced  ").unwrap().into_inner(),
            "  spaced  "
        );
    }

    #[test]
    fn resource_ids_follow_keystone_id_string() {
        assert!(ResourceId::parse("domain_id", "default").is_ok());
        assert!(ResourceId::parse("domain_id", "a1b2-c3_d4").is_ok());
        assert!(ResourceId::parse("domain_id", "").is_err());
        assert!(ResourceId::parse("domain_id", "bad id").is_err());
        assert!(ResourceId::parse("domain_id", &"a".repeat(65)).is_err());
    }

    #[test]
    fn passwords_are_never_echoed() {
        let long = "p".repeat(5000);
        let m = message(Password::parse("password", &long).unwrap_err());
        assert!(!m.contains("ppppp"));
        assert_eq!(
            format!("{:?}", Password::parse("p", "secret").unwrap()),
            "Password([redacted])"
        );
    }
}
