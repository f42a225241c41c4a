//! Tokens are HS256 JWTs carrying Keystone's JWS claim names. The signing key lives in a
//! file: read if present, generated if not, so that instances sharing the file accept
//! each other's tokens.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Bytes of a generated signing key (HS256 wants at least 32).
const KEY_BYTES: usize = 64;

/// What a token says. Roles are not in it: they are read fresh on every validation, as
/// Keystone does, so a revoked grant takes effect at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at and expiry, in seconds (the JWT registered claims).
    pub iat: i64,
    pub exp: i64,
    pub openstack_methods: Vec<String>,
    /// The token's own audit id first; for a rescoped token, then the audit ids of the token
    /// it came from and of each of its ancestors, the first token's (Keystone's chain id)
    /// last. Revoking a token revokes every token that carries its id: itself and its
    /// descendants, at any depth. Token bodies show Keystone's two, own and chain.
    pub openstack_audit_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_domain_id: Option<String>,
    /// `"all"` for a system-scoped token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_system: Option<String>,
    /// Microsecond times, for Keystone's `issued_at` and `expires_at` and for revocation.
    pub openstack_issued_at_us: i64,
    pub openstack_expires_at_us: i64,
    /// When the password login behind this token (or behind the first token of its rescope
    /// chain) was made, in microseconds: what "a recent login" is measured by. Absent on
    /// tokens from before it was carried, which then count as old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_auth_at_us: Option<i64>,
    /// [`password_stamp`] of the password that login proved: a token whose stamp is no
    /// longer the user's was minted from a password since changed, and is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_password_stamp: Option<String>,
    /// The application credential the token was made from (Keystone's
    /// `application_credential_id`): checked again on every use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_app_cred_id: Option<String>,
    /// The trust of a trust-scoped token (OS-TRUST): `sub` is then its trustee, and the
    /// trust's project, roles and (when impersonating) trustor are read afresh on every
    /// validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_trust_id: Option<String>,
    /// OS-OAUTH1: the access token (and its consumer) a delegated token was issued from.
    /// Its roles are the access token's, and deleting the access token revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_oauth1_access_token_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openstack_oauth1_consumer_id: Option<String>,
}

/// The key that signs and checks tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

#[derive(Debug)]
pub struct KeyFileError(pub String);

impl std::fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "key file: {}", self.0)
    }
}

impl std::error::Error for KeyFileError {}

impl TokenKeys {
    /// Keys from raw secret bytes.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Reads the key file, or creates it (mode 0600) with a new random key.
    pub fn load_or_create(path: &Path) -> Result<TokenKeys, KeyFileError> {
        let secret = load_or_create_key_file(path, "token signing key")?;
        Ok(TokenKeys::from_secret(&secret))
    }

    /// Signs claims into a token.
    pub fn issue(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))
    }

    /// Checks signature, algorithm and expiry; any failure is a 401.
    pub fn verify(&self, token: &str, now_us: i64) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| ApiError::unauthorized(format!("token rejected: {e}")))?;
        if data.claims.openstack_expires_at_us <= now_us {
            return Err(ApiError::unauthorized("token expired"));
        }
        if data.claims.openstack_audit_ids.is_empty() {
            return Err(ApiError::unauthorized("token has no audit id"));
        }
        Ok(data.claims)
    }
}

/// Reads a base64 key file of at least 32 bytes, or creates it (mode 0600) with
/// [`KEY_BYTES`] random bytes. Creation is exclusive, so instances starting together on one
/// file agree on one key. `what` names the key in the log line.
pub fn load_or_create_key_file(path: &Path, what: &str) -> Result<Vec<u8>, KeyFileError> {
    let describe = |e: std::io::Error| KeyFileError(format!("{}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(describe)?;
        }
    }
    let mut secret = [0u8; KEY_BYTES];
    getrandom::fill(&mut secret).map_err(|e| KeyFileError(format!("no randomness: {e}")))?;
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(STANDARD.encode(secret).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(describe)?;
            log::info!("generated a new {what} in {}", path.display());
            return Ok(secret.to_vec());
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(describe(e)),
    }
    // Another instance may be writing the file this instant: give it a moment.
    for _ in 0..50 {
        let text = std::fs::read_to_string(path).map_err(describe)?;
        let text = text.trim();
        if !text.is_empty() {
            let secret = STANDARD
                .decode(text)
                .map_err(|_| KeyFileError(format!("{}: not base64", path.display())))?;
            if secret.len() < 32 {
                return Err(KeyFileError(format!(
                    "{}: a key needs at least 32 bytes",
                    path.display()
                )));
            }
            return Ok(secret);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(KeyFileError(format!("{}: file is empty", path.display())))
}

/// A short fingerprint of a user's stored password hash, which every password change
/// replaces (a new salt even for the same password). It tells tokens minted from one
/// password from those of the next without any clock. The hash it is taken from holds a
/// random salt, so the stamp says nothing about the password.
pub fn password_stamp(password_hash: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(password_hash.unwrap_or_default().as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

/// A new audit id: 16 random bytes, URL-safe base64 without padding (22 characters), as
/// Keystone makes them.
pub fn new_audit_id() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now_us: i64, lifetime_s: i64) -> Claims {
        Claims {
            sub: "u1".into(),
            iat: now_us / 1_000_000,
            exp: (now_us / 1_000_000) + lifetime_s,
            openstack_methods: vec!["password".into()],
            openstack_audit_ids: vec![new_audit_id()],
            openstack_project_id: Some("p1".into()),
            openstack_domain_id: None,
            openstack_system: None,
            openstack_issued_at_us: now_us,
            openstack_expires_at_us: now_us + lifetime_s * 1_000_000,
            openstack_auth_at_us: Some(now_us),
            openstack_password_stamp: Some(password_stamp(Some("$argon2id$x"))),
            openstack_app_cred_id: None,
            openstack_trust_id: None,
            openstack_oauth1_access_token_id: None,
            openstack_oauth1_consumer_id: None,
        }
    }

    fn now_us() -> i64 {
        chrono::Utc::now().timestamp_micros()
    }

    #[test]
    fn issued_tokens_verify_and_round_trip() {
        let keys = TokenKeys::from_secret(&[7u8; 64]);
        let c = claims(now_us(), 3600);
        let token = keys.issue(&c).unwrap();
        assert_eq!(keys.verify(&token, now_us()).unwrap(), c);
    }

    #[test]
    fn another_key_expiry_and_tampering_are_refused() {
        let keys = TokenKeys::from_secret(&[7u8; 64]);
        let other = TokenKeys::from_secret(&[8u8; 64]);
        let token = keys.issue(&claims(now_us(), 3600)).unwrap();
        assert!(other.verify(&token, now_us()).is_err());

        let expired = keys.issue(&claims(now_us() - 7_200_000_000, 3600)).unwrap();
        assert!(keys.verify(&expired, now_us()).is_err());

        let mut tampered = token.clone().into_bytes();
        let i = tampered.len() / 2;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        assert!(keys
            .verify(&String::from_utf8(tampered).unwrap(), now_us())
            .is_err());
        assert!(keys.verify("garbage", now_us()).is_err());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let keys = TokenKeys::from_secret(&[7u8; 64]);
        let c = claims(now_us(), 3600);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        assert!(keys
            .verify(&format!("{header}.{payload}."), now_us())
            .is_err());
    }

    #[test]
    fn key_files_are_created_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/token.key");
        let a = TokenKeys::load_or_create(&path).unwrap();
        let b = TokenKeys::load_or_create(&path).unwrap();
        let token = a.issue(&claims(now_us(), 60)).unwrap();
        assert!(b.verify(&token, now_us()).is_ok());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn password_stamps_tell_hashes_apart() {
        assert_eq!(password_stamp(Some("a")), password_stamp(Some("a")));
        assert_ne!(password_stamp(Some("a")), password_stamp(Some("b")));
        assert_eq!(password_stamp(Some("a")).len(), 16);
    }

    #[test]
    fn audit_ids_look_like_keystones() {
        let id = new_audit_id();
        assert_eq!(id.len(), 22);
        assert!(!id.contains('='));
    }
}
