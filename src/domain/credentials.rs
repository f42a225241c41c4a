//! Access keys as Huawei IAM makes them: a 20-character access key id of capitals and digits,
//! a 40-character secret key, and a status of `active` or `inactive`.

use super::error::ValueError;

const ACCESS_KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const ACCESS_KEY_LEN: usize = 20;
pub const SECRET_KEY_LEN: usize = 40;

/// `len` characters drawn uniformly from `alphabet` by the OS generator. Bytes past the
/// largest multiple of the alphabet's size are redrawn, so no character is favoured.
fn random_string(alphabet: &[u8], len: usize) -> Result<String, ValueError> {
    let n = alphabet.len();
    let cutoff = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).map_err(|e| ValueError::NoRandomness(e.to_string()))?;
        for &b in buf.iter().filter(|&&b| (b as usize) < cutoff) {
            if out.len() == len {
                break;
            }
            out.push(alphabet[b as usize % n] as char);
        }
    }
    Ok(out)
}

/// A new access key id (AK).
pub fn new_access_key() -> Result<String, ValueError> {
    random_string(ACCESS_KEY_CHARS, ACCESS_KEY_LEN)
}

/// A new secret key (SK): 40 characters of 62, about 238 bits.
pub fn new_secret_key() -> Result<String, ValueError> {
    random_string(SECRET_KEY_CHARS, SECRET_KEY_LEN)
}

/// Whether an access key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    Active,
    Inactive,
}

impl CredentialStatus {
    /// Huawei's spelling, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Inactive => "inactive",
        }
    }

    /// Parses a request's `status`; anything but `active` or `inactive` is a 400.
    pub fn parse(field: &str, raw: &str) -> Result<CredentialStatus, ValueError> {
        match raw {
            "active" => Ok(CredentialStatus::Active),
            "inactive" => Ok(CredentialStatus::Inactive),
            _ => Err(ValueError::invalid(
                field,
                format!("'{raw}' is not one of ['active', 'inactive']"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_look_like_huaweis_and_differ() {
        let ak = new_access_key().unwrap();
        assert_eq!(ak.len(), ACCESS_KEY_LEN);
        assert!(ak
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        let sk = new_secret_key().unwrap();
        assert_eq!(sk.len(), SECRET_KEY_LEN);
        assert!(sk.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(ak, new_access_key().unwrap());
        assert_ne!(sk, new_secret_key().unwrap());
    }

    #[test]
    fn statuses_parse_strictly() {
        assert_eq!(
            CredentialStatus::parse("status", "active").unwrap(),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::parse("status", "inactive")
                .unwrap()
                .as_str(),
            "inactive"
        );
        for bad in ["Active", "", "disabled"] {
            let err = CredentialStatus::parse("status", bad).unwrap_err();
            assert!(matches!(err, ValueError::Invalid { .. }), "{err}");
        }
    }
}
