//! An identity provider's public signing keys (a JWKS), each with the algorithms it may
//! verify: taken from the key itself (`alg`, else what its `kty` and `crv` allow), never from
//! the token. Symmetric keys (`kty: oct`), encryption keys and weak or malformed keys are left
//! out, with the reason kept for the configuration's error message.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

/// Fewest bits of an RSA modulus (NIST SP 800-131A: 2048).
const MIN_RSA_BITS: usize = 2048;

/// Every RSA signature algorithm, for an RSA key that names none.
const RSA_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// One public key that can verify signatures.
#[derive(Clone)]
pub struct VerifyKey {
    /// The key's `kid`, if it has one.
    pub kid: Option<String>,
    /// `RSA`, `EC` or `OKP`.
    pub kty: &'static str,
    /// The algorithms this key verifies: its `alg` alone when it names one.
    pub algorithms: Vec<Algorithm>,
    pub(super) decoding: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("kty", &self.kty)
            .field("algorithms", &self.algorithms)
            .finish()
    }
}

/// The usable keys of a JWKS.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    pub keys: Vec<VerifyKey>,
    /// Why each left-out key was left out (`key 2 (kid "x"): ...`).
    pub skipped: Vec<String>,
}

impl KeySet {
    /// Reads a JWKS document (`{"keys": [...]}`); `Err` says what is wrong with it as a
    /// whole, or that it holds no usable signing key.
    pub fn from_json(text: &str) -> Result<KeySet, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}"))?;
        KeySet::from_value(&value)
    }

    /// As [`KeySet::from_json`], from parsed JSON.
    pub fn from_value(value: &Value) -> Result<KeySet, String> {
        let keys = value
            .as_object()
            .and_then(|doc| doc.get("keys"))
            .and_then(Value::as_array)
            .ok_or("is not a JWKS: an object with a \"keys\" list is expected")?;
        let mut set = KeySet::default();
        for (index, key) in keys.iter().enumerate() {
            match parse_key(key) {
                Ok(Some(key)) => set.keys.push(key),
                Ok(None) => {}
                Err(reason) => {
                    let kid = key
                        .get("kid")
                        .and_then(Value::as_str)
                        .map(|kid| format!(" (kid \"{kid}\")"))
                        .unwrap_or_default();
                    set.skipped.push(format!("key {index}{kid}: {reason}"));
                }
            }
        }
        if set.keys.is_empty() {
            let why = if set.skipped.is_empty() {
                String::new()
            } else {
                format!(" ({})", set.skipped.join("; "))
            };
            return Err(format!("holds no usable signing key{why}"));
        }
        Ok(set)
    }

    /// The keys whose `kid` is `kid`, or every key when the token names none.
    pub fn with_kid<'a>(&'a self, kid: Option<&'a str>) -> impl Iterator<Item = &'a VerifyKey> {
        self.keys
            .iter()
            .filter(move |key| kid.is_none() || key.kid.as_deref() == kid)
    }
}

fn string<'a>(key: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    key.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("\"{name}\" is missing or not a string"))
}

/// The bytes of a base64url member (no padding), or why not.
fn bytes(key: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(string(key, name)?)
        .map_err(|e| format!("\"{name}\" is not base64url: {e}"))
}

/// A key that verifies signatures; `Ok(None)` for a key that is not one (an encryption key),
/// `Err` for a signing key that cannot be used.
fn parse_key(key: &Value) -> Result<Option<VerifyKey>, String> {
    let key = key.as_object().ok_or("is not an object")?;
    if let Some(usage) = key.get("use") {
        if usage.as_str() != Some("sig") {
            return Ok(None);
        }
    }
    if let Some(ops) = key.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Ok(None);
        }
    }
    let named = match key.get("alg") {
        None => None,
        Some(Value::String(alg)) => match alg.as_str() {
            // Encryption algorithms: not a signing key.
            "RSA1_5" | "RSA-OAEP" | "RSA-OAEP-256" | "ECDH-ES" => return Ok(None),
            _ => Some(signature_algorithm(alg)?),
        },
        Some(_) => return Err("\"alg\" is not a string".into()),
    };
    let kid = match key.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err("\"kid\" is not a string".into()),
    };
    let kty = string(key, "kty")?;
    let (kty, allowed, decoding): (&'static str, Vec<Algorithm>, DecodingKey) = match kty {
        "RSA" => {
            let n = bytes(key, "n")?;
            bytes(key, "e")?;
            let bits = significant_bits(&n);
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "an RSA key of {bits} bits (at least {MIN_RSA_BITS} are required)"
                ));
            }
            let decoding = DecodingKey::from_rsa_components(string(key, "n")?, string(key, "e")?)
                .map_err(|e| format!("not an RSA public key: {e}"))?;
            ("RSA", RSA_ALGORITHMS.to_vec(), decoding)
        }
        "EC" => {
            let (alg, size) = match string(key, "crv")? {
                "P-256" => (Algorithm::ES256, 32),
                "P-384" => (Algorithm::ES384, 48),
                other => return Err(format!("curve {other} is not supported")),
            };
            if bytes(key, "x")?.len() != size || bytes(key, "y")?.len() != size {
                return Err(format!("\"x\" and \"y\" must be {size} bytes each"));
            }
            let decoding = DecodingKey::from_ec_components(string(key, "x")?, string(key, "y")?)
                .map_err(|e| format!("not an EC public key: {e}"))?;
            ("EC", vec![alg], decoding)
        }
        "OKP" => {
            match string(key, "crv")? {
                "Ed25519" => {}
                other => return Err(format!("curve {other} is not supported")),
            }
            if bytes(key, "x")?.len() != 32 {
                return Err("\"x\" must be 32 bytes".into());
            }
            let decoding = DecodingKey::from_ed_components(string(key, "x")?)
                .map_err(|e| format!("not an Ed25519 public key: {e}"))?;
            ("OKP", vec![Algorithm::EdDSA], decoding)
        }
        "oct" => return Err("a symmetric key (kty \"oct\") is never accepted".into()),
        other => return Err(format!("key type {other} is not supported")),
    };
    let algorithms = match named {
        Some(alg) if allowed.contains(&alg) => vec![alg],
        Some(alg) => return Err(format!("\"alg\" {alg:?} does not fit a {kty} key")),
        None => allowed,
    };
    Ok(Some(VerifyKey {
        kid,
        kty,
        algorithms,
        decoding,
    }))
}

/// A signature algorithm that a public key may name: asymmetric only.
pub fn signature_algorithm(name: &str) -> Result<Algorithm, String> {
    match name {
        "RS256" => Ok(Algorithm::RS256),
        "RS384" => Ok(Algorithm::RS384),
        "RS512" => Ok(Algorithm::RS512),
        "PS256" => Ok(Algorithm::PS256),
        "PS384" => Ok(Algorithm::PS384),
        "PS512" => Ok(Algorithm::PS512),
        "ES256" => Ok(Algorithm::ES256),
        "ES384" => Ok(Algorithm::ES384),
        "EdDSA" => Ok(Algorithm::EdDSA),
        "none" => Err("\"none\" (an unsigned token) is never accepted".into()),
        "HS256" | "HS384" | "HS512" => Err(format!(
            "{name} (a shared secret) is never accepted from an identity provider"
        )),
        other => Err(format!("{other} is not a supported signature algorithm")),
    }
}

/// Bits of a big-endian unsigned number, leading zero bits not counted.
fn significant_bits(n: &[u8]) -> usize {
    match n.iter().position(|b| *b != 0) {
        Some(first) => (n.len() - first) * 8 - n[first].leading_zeros() as usize,
        None => 0,
    }
}
