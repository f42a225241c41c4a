//! Access-key secrets at rest. Checking an AK/SK signature needs the plain secret (it is an
//! HMAC key), so it cannot be stored as a one-way hash: it is sealed with XChaCha20-Poly1305
//! under a key from the key file in `[credentials] key_file`, generated there on first start
//! like the token key, so instances sharing the file can read each other's secrets.
//!
//! A sealed secret is `base64(nonce || ciphertext)`. The access key and the owner's user id
//! are the associated data, so a ciphertext copied onto another row does not open.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::auth::token::{load_or_create_key_file, KeyFileError};
use crate::error::ApiError;

const NONCE_BYTES: usize = 24;
/// Separates this use of the key file from any other, should one file ever serve two.
const KEY_CONTEXT: &[u8] = b"iam-groups credential secrets v1\0";

/// Seals and opens access-key secrets.
pub struct CredentialCipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for CredentialCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialCipher([redacted])")
    }
}

fn associated_data(access: &str, user_id: &str) -> Vec<u8> {
    format!("{access}\0{user_id}").into_bytes()
}

impl CredentialCipher {
    /// A cipher from key-file bytes (at least 32); the AEAD key is SHA-256 of them, so a
    /// file of any length gives a full 256-bit key.
    pub fn from_key_material(material: &[u8]) -> CredentialCipher {
        let mut hasher = Sha256::new();
        hasher.update(KEY_CONTEXT);
        hasher.update(material);
        let key = hasher.finalize();
        CredentialCipher {
            aead: XChaCha20Poly1305::new(&key),
        }
    }

    /// Reads the key file, or creates it (mode 0600) with a new random key.
    pub fn load_or_create(path: &Path) -> Result<CredentialCipher, KeyFileError> {
        let material = load_or_create_key_file(path, "credential encryption key")?;
        Ok(CredentialCipher::from_key_material(&material))
    }

    /// Seals the secret of access key `access` owned by `user_id`.
    pub fn seal(&self, access: &str, user_id: &str, secret: &str) -> Result<String, ApiError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce)
            .map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
        let aad = associated_data(access, user_id);
        let sealed = self
            .aead
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| ApiError::Internal("credential encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Opens a sealed secret. Failure means the key file changed or the row was tampered
    /// with: a server-side fault, reported as a 500 that names the access key only.
    pub fn open(&self, access: &str, user_id: &str, sealed: &str) -> Result<Vec<u8>, ApiError> {
        let fail = || {
            ApiError::Internal(format!(
                "the secret of access key {access} does not decrypt: wrong credentials.key_file?"
            ))
        };
        let bytes = STANDARD.decode(sealed).map_err(|_| fail())?;
        if bytes.len() < NONCE_BYTES {
            return Err(fail());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| fail())?;
        let aad = associated_data(access, user_id);
        self.aead
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_row() {
        let cipher = CredentialCipher::from_key_material(&[1u8; 64]);
        let sealed = cipher.seal("AK1", "u1", "the-secret").unwrap();
        assert!(!sealed.contains("the-secret"));
        assert_ne!(
            sealed,
            cipher.seal("AK1", "u1", "the-secret").unwrap(),
            "fresh nonce"
        );
        assert_eq!(cipher.open("AK1", "u1", &sealed).unwrap(), b"the-secret");

        assert!(
            cipher.open("AK2", "u1", &sealed).is_err(),
            "other access key"
        );
        assert!(cipher.open("AK1", "u2", &sealed).is_err(), "other owner");
        let other = CredentialCipher::from_key_material(&[2u8; 64]);
        assert!(other.open("AK1", "u1", &sealed).is_err(), "other key");
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(cipher
            .open("AK1", "u1", &STANDARD.encode(tampered))
            .is_err());
        assert!(cipher.open("AK1", "u1", "not base64!").is_err());
        assert!(cipher.open("AK1", "u1", "AAAA").is_err());
    }

    #[test]
    fn key_files_are_created_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credential.key");
        let a = CredentialCipher::load_or_create(&path).unwrap();
        let b = CredentialCipher::load_or_create(&path).unwrap();
        let sealed = a.seal("AK", "u", "s").unwrap();
        assert_eq!(b.open("AK", "u", &sealed).unwrap(), b"s");
        assert_eq!(format!("{a:?}"), "CredentialCipher([redacted])");
    }
}
