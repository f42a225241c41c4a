//! Validated values. Each is checked once where a request enters; the inside trusts them.

use std::fmt;

use validator::ValidateLength;

use super::error::ValueError;

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

/// Refuses a NUL anywhere in `raw`: no stored string holds one (PostgreSQL cannot store it,
/// and cannot say so with a code storage could classify), so every text bound for the
/// database goes through this or a value that calls it.
pub fn reject_nul(field: &str, raw: &str) -> Result<(), ValueError> {
    if raw.contains('\0') {
        return Err(ValueError::invalid(field, "NUL characters are not allowed"));
    }
    Ok(())
}

fn check_length(field: &str, raw: &str, min: u64, max: u64) -> Result<(), ValueError> {
    if raw.validate_length(Some(min), Some(max), None) {
        return Ok(());
    }
    let n = raw.chars().count();
    let reason = if (n as u64) < min {
        format!("'{raw}' is too short")
    } else {
        format!("the value is too long ({n} characters; at most {max})")
    };
    Err(ValueError::invalid(field, reason))
}

/// A group, user, project or role name: surrounding white space trimmed, then 1 to 128
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> Result<Name, ValueError> {
        Name::parse_up_to(field, raw, NAME_MAX_CHARS)
    }

    /// A project or domain name: at most 64 characters, as Keystone's schema says.
    pub fn parse_resource(field: &str, raw: &str) -> Result<Name, ValueError> {
        Name::parse_up_to(field, raw, RESOURCE_NAME_MAX_CHARS)
    }

    fn parse_up_to(field: &str, raw: &str, max: u64) -> Result<Name, ValueError> {
        reject_nul(field, raw)?;
        // The length is the value's as sent (Keystone's schema checks it before the manager
        // trims, and the document says maxLength of what is sent); then it must not be blank.
        check_length(field, raw, 1, max)?;
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
    pub fn parse(field: &str, raw: &str) -> Result<NameFilter, ValueError> {
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
    pub fn parse(field: &str, raw: &str) -> Result<Description, ValueError> {
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
    pub fn parse(field: &str, raw: &str) -> Result<ResourceId, ValueError> {
        check_length(field, raw, 1, ID_MAX_CHARS)?;
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ValueError::invalid(
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
    pub fn parse(field: &str, raw: &str) -> Result<Password, ValueError> {
        if raw.contains('\0') {
            return Err(ValueError::invalid(field, "NUL characters are not allowed"));
        }
        if !raw.validate_length(Some(1), Some(PASSWORD_MAX_CHARS), None) {
            // Never echo the password back.
            return Err(ValueError::invalid(
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

/// The configured rules for a password someone is setting (`[security_compliance]`): built
/// once at start, so a bad pattern stops the service instead of every request.
pub struct PasswordRules {
    min_chars: u64,
    pattern: Option<(fancy_regex::Regex, String)>,
}

impl fmt::Debug for PasswordRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordRules")
            .field("min_chars", &self.min_chars)
            .field("pattern", &self.pattern.as_ref().map(|(re, _)| re.as_str()))
            .finish()
    }
}

impl PasswordRules {
    /// Compiles Keystone's `[security_compliance]` password rules (`password_min_length`,
    /// `password_regex`, `password_regex_description`); the error names the key at fault.
    pub fn new(
        min_length: u32,
        regex: &str,
        regex_description: &str,
    ) -> Result<PasswordRules, String> {
        let pattern = match regex {
            "" => None,
            raw => {
                // Keystone uses Python's re.match: anchored at the start, not at the end.
                let anchored = format!(r"\A(?:{raw})");
                let regex = fancy_regex::Regex::new(&anchored).map_err(|e| {
                    format!("security_compliance.password_regex is not a valid pattern: {e}")
                })?;
                let description = regex_description.trim();
                if description.is_empty() {
                    return Err(
                        "security_compliance.password_regex_description must say what \
                                password_regex asks for: it is what users are told"
                            .into(),
                    );
                }
                // Keystone's message adds its own full stop.
                let description = description.trim_end_matches('.').to_string();
                Some((regex, description))
            }
        };
        Ok(PasswordRules {
            min_chars: u64::from(min_length),
            pattern,
        })
    }

    /// Checks a password being set (create user, update user, change password) against the
    /// base limits and then the configured rules. Logins never call this: a password set
    /// before a rule existed still signs in.
    pub fn parse(&self, field: &str, raw: &str) -> Result<NewPassword, ValueError> {
        let password = Password::parse(field, raw)?;
        if self.min_chars > 1 && !raw.validate_length(Some(self.min_chars), None, None) {
            return Err(ValueError::PasswordRequirements(format!(
                "a password must have at least {} characters",
                self.min_chars
            )));
        }
        if let Some((regex, description)) = &self.pattern {
            match regex.is_match(raw) {
                Ok(true) => {}
                Ok(false) => return Err(ValueError::PasswordRequirements(description.clone())),
                Err(e) => {
                    // The backtracking limit, reached on this password: neither accepted nor
                    // the user's fault. Never log the password itself.
                    log::error!("password_regex could not be evaluated: {e}");
                    return Err(ValueError::PasswordUnverifiable(
                        "Unable to validate password due to invalid configuration".into(),
                    ));
                }
            }
        }
        Ok(NewPassword(password))
    }
}

/// A password that passed [`PasswordRules::parse`]: the only kind the API hashes and stores,
/// so no handler can store one that skipped the rules.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(Password);

impl NewPassword {
    /// The password, for the hasher.
    pub fn into_password(self) -> Password {
        self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: ValueError) -> String {
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
        // The bound is on what was sent: white space around a long name does not make room
        // (found by the contract run: 129 characters sent, 128 once trimmed).
        assert!(Name::parse("name", &format!("\u{b}{}", "x".repeat(128))).is_err());
        assert!(Name::parse("name", &format!(" {} ", "x".repeat(126))).is_ok());
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

    fn rules(regex: &str, description: &str, min: u32) -> Result<PasswordRules, String> {
        PasswordRules::new(min, regex, description)
    }

    #[test]
    fn password_rules_are_off_by_default() {
        let r = rules("", "", 0).unwrap();
        assert!(r.parse("password", "x").is_ok());
        assert!(
            r.parse("password", "").is_err(),
            "the base limits still hold"
        );
    }

    #[test]
    fn password_regex_matches_from_the_start_like_python_re_match() {
        let r = rules(r"[a-z]+\d", "letters then a digit", 0).unwrap();
        assert!(r.parse("password", "abc1").is_ok());
        assert!(
            r.parse("password", "abc1-and-more").is_ok(),
            "the end is free"
        );
        let m = message(r.parse("password", "-abc1").unwrap_err());
        assert_eq!(
            m,
            "The password does not match the requirements: letters then a digit."
        );
    }

    #[test]
    fn keystone_lookahead_example_works() {
        let r = rules(
            r"^(?=.*\d)(?=.*[a-zA-Z]).{7,}$",
            "at least 7 characters, a letter and a digit.",
            0,
        )
        .unwrap();
        assert!(r.parse("password", "abcdef1").is_ok());
        assert!(r.parse("password", "abcdefg").is_err());
        assert!(r.parse("password", "1234567").is_err());
        assert!(r.parse("password", "abc1").is_err());
        let m = message(r.parse("password", "abc").unwrap_err());
        assert!(m.ends_with("a letter and a digit."), "one full stop: {m}");
    }

    #[test]
    fn minimum_length_counts_characters() {
        let r = rules("", "", 4).unwrap();
        assert!(r.parse("password", "éééé").is_ok());
        let m = message(r.parse("password", "abc").unwrap_err());
        assert_eq!(
            m,
            "The password does not match the requirements: a password must have at least 4 \
             characters."
        );
    }

    #[test]
    fn bad_rules_are_refused_with_the_key_named() {
        let e = rules("(", "x", 0).unwrap_err();
        assert!(e.contains("password_regex"), "{e}");
        let e = rules("a+", " ", 0).unwrap_err();
        assert!(e.contains("password_regex_description"), "{e}");
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
