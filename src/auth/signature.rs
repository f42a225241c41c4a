//! Huawei Cloud's AK/SK request signatures, `SDK-HMAC-SHA256` and `SDK-HMAC-SM3`, checked
//! the way the API gateway checks what Huawei's SDKs send:
//!
//! ```text
//! Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=a;b;c, Signature=<hex>
//! X-Sdk-Date: 20261122T111158Z
//! ```
//!
//! The signature is `hex(HMAC(SK, string_to_sign))` where
//! `string_to_sign = "<algorithm>\n<X-Sdk-Date>\n" + hex(hash(canonical_request))` and the
//! canonical request is, one per line: the method; the path with every segment decoded and
//! re-encoded (RFC 3986 unreserved characters kept), always ending in `/`; the query
//! parameters decoded, sorted and re-encoded; `name:value` of each signed header, then a blank
//! line; the signed header names joined by `;`; and `hex(hash(body))`. SM3 replaces SHA-256 in
//! every hash and in the HMAC.
//!
//! Pure functions over the request's parts: no HTTP framework and no database in here, so the
//! vectors captured from the real SDKs can be checked in unit tests.
//!
//! Over 500 lines: the canonical request is one algorithm, kept whole beside the tests that
//! replay the SDKs' captured requests against it.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sm3::Sm3;

use crate::error::ApiError;

/// How far `X-Sdk-Date` may be from the server's clock, either way (Huawei's 15 minutes).
pub const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// The header carrying the signing time, lower-cased as in `SignedHeaders`.
pub const DATE_HEADER: &str = "x-sdk-date";

/// Headers that choose the scope of a signed request; when sent they must be signed, or a
/// captured request could be replayed against another project or domain.
pub const SCOPE_HEADERS: [&str; 2] = ["x-project-id", "x-domain-id"];

const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const SCHEME_PREFIX: &str = "SDK-HMAC-";

/// The two algorithms Huawei's SDKs offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSm3,
}

impl Algorithm {
    /// The name in the `Authorization` header and the first line of the string to sign.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "SDK-HMAC-SHA256",
            Algorithm::HmacSm3 => "SDK-HMAC-SM3",
        }
    }

    fn from_name(name: &str) -> Option<Algorithm> {
        [Algorithm::HmacSha256, Algorithm::HmacSm3]
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// `hex(hash(data))`.
    pub fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::HmacSha256 => hex::encode(Sha256::digest(data)),
            Algorithm::HmacSm3 => hex::encode(Sm3::digest(data)),
        }
    }

    /// `HMAC(key, data)`.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            Algorithm::HmacSha256 => mac::<Hmac<Sha256>>(key, data)
                .finalize()
                .into_bytes()
                .to_vec(),
            Algorithm::HmacSm3 => mac::<Hmac<Sm3>>(key, data).finalize().into_bytes().to_vec(),
        }
    }

    /// Compares `HMAC(key, data)` with `expected` in constant time.
    fn verify_hmac(self, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
        match self {
            Algorithm::HmacSha256 => mac::<Hmac<Sha256>>(key, data)
                .verify_slice(expected)
                .is_ok(),
            Algorithm::HmacSm3 => mac::<Hmac<Sm3>>(key, data).verify_slice(expected).is_ok(),
        }
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> M {
    // HMAC takes keys of any length, so this cannot fail.
    let mut m = <M as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m
}

/// A parsed `Authorization: SDK-HMAC-...` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    pub algorithm: Algorithm,
    pub access: String,
    /// Lower-case header names, in the order the client listed them.
    pub signed_headers: Vec<String>,
    signature: Vec<u8>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("algorithm", &self.algorithm)
            .field("access", &self.access)
            .field("signed_headers", &self.signed_headers)
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// The signature's bytes, which name this one signed request (see `auth::replay`).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

fn refused(detail: impl Into<String>) -> ApiError {
    ApiError::unauthorized(format!("AK/SK signature refused: {}", detail.into()))
}

/// True if an `Authorization` value claims a Huawei AK/SK signature.
pub fn is_signature(authorization: &str) -> bool {
    authorization.trim_start().starts_with(SCHEME_PREFIX)
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; anything else is a
/// 401, as a request with unusable credentials.
pub fn parse_authorization(value: &str) -> Result<Authorization, ApiError> {
    let value = value.trim();
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or_else(|| refused("Authorization has no parameters"))?;
    let algorithm = Algorithm::from_name(scheme)
        .ok_or_else(|| refused(format!("unsupported algorithm {scheme:?}")))?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| refused("malformed Authorization parameter"))?;
        let slot = match key.trim() {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(refused("unknown Authorization parameter")),
        };
        if slot.replace(val.trim().to_string()).is_some() {
            return Err(refused("repeated Authorization parameter"));
        }
    }
    let access = access
        .filter(|a| !a.is_empty() && a.len() <= 128)
        .ok_or_else(|| refused("no Access in Authorization"))?;
    let signed_headers: Vec<String> = signed
        .ok_or_else(|| refused("no SignedHeaders in Authorization"))?
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(refused("empty name in SignedHeaders"));
    }
    let signature = signature
        .and_then(|s| hex::decode(s).ok())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| refused("no hex Signature in Authorization"))?;
    Ok(Authorization {
        algorithm,
        access,
        signed_headers,
        signature,
    })
}

/// The parts of a request that a signature covers, as they came over the wire.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path, still percent-encoded.
    pub path: &'a str,
    /// The query string without `?`, still percent-encoded.
    pub query: &'a str,
    /// Header names (any case) and values, in arrival order.
    pub headers: Vec<(&'a str, &'a [u8])>,
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    /// The value of a header, repeated ones joined by `,` as HTTP allows.
    fn header(&self, name: &str) -> Option<Vec<u8>> {
        let mut found: Option<Vec<u8>> = None;
        for (_, value) in self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            let value = value.trim_ascii();
            match &mut found {
                Some(joined) => {
                    joined.push(b',');
                    joined.extend_from_slice(value);
                }
                None => found = Some(value.to_vec()),
            }
        }
        found
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters, which is what
/// the SDK's `quote(s, safe='~')` produces.
pub(crate) fn encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Percent-decoding that leaves a malformed escape as it is, as Python's `unquote` does.
pub(crate) fn decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The canonical URI: each `/`-separated segment decoded then encoded, ending in `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded = decode(path);
    let mut out = String::with_capacity(path.len() + 1);
    for (i, segment) in decoded.split(|&b| b == b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode(segment, &mut out);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query: parameters decoded (as the handlers decode them, `+` as a space),
/// sorted by name then value, encoded, joined by `&`.
pub fn canonical_query(query: &str) -> Result<String, ApiError> {
    let mut params: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| refused("unreadable query string"))?;
    params.sort();
    let mut out = String::with_capacity(query.len());
    for (i, (key, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(key.as_bytes(), &mut out);
        out.push('=');
        encode(value.as_bytes(), &mut out);
    }
    Ok(out)
}

/// The canonical request the client signed, as bytes (header values need not be UTF-8).
pub fn canonical_request(
    algorithm: Algorithm,
    parts: &RequestParts<'_>,
    signed_headers: &[String],
) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(512 + parts.path.len() + parts.query.len());
    out.extend_from_slice(parts.method.to_ascii_uppercase().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(parts.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(parts.query)?.as_bytes());
    out.push(b'\n');
    for name in signed_headers {
        let value = parts
            .header(name)
            .ok_or_else(|| refused(format!("signed header {name} is missing")))?;
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&value);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(algorithm.hash_hex(parts.body).as_bytes());
    Ok(out)
}

/// `<algorithm>\n<date>\n<hex(hash(canonical request))>`.
pub fn string_to_sign(algorithm: Algorithm, date: &str, canonical_request: &[u8]) -> String {
    format!(
        "{}\n{date}\n{}",
        algorithm.name(),
        algorithm.hash_hex(canonical_request)
    )
}

/// Reads `X-Sdk-Date` and checks it against the clock; returns it as the SDK formats it.
fn checked_date(parts: &RequestParts<'_>, now: DateTime<Utc>) -> Result<String, ApiError> {
    let raw = parts
        .header(DATE_HEADER)
        .ok_or_else(|| refused("no X-Sdk-Date header"))?;
    let raw = std::str::from_utf8(&raw).map_err(|_| refused("unreadable X-Sdk-Date"))?;
    let date = NaiveDateTime::parse_from_str(raw, DATE_FORMAT)
        .map_err(|_| refused("X-Sdk-Date is not YYYYMMDDTHHMMSSZ"))?
        .and_utc();
    let skew = (now - date).num_seconds().abs();
    if skew > MAX_CLOCK_SKEW_SECS {
        return Err(refused(format!(
            "X-Sdk-Date is {skew}s from the server clock"
        )));
    }
    Ok(date.format(DATE_FORMAT).to_string())
}

/// Refuses what the canonical form cannot tell apart but the handlers do: a query key given
/// twice (sorted, `name=a&name=b` and `name=b&name=a` sign alike, while handlers take the
/// last), and an encoded `/` in the path (`%2F` decodes to the `/` that separates
/// segments, so `/a%2Fb` signs as `/a/b` but routes elsewhere). `key_of` decodes a query key.
pub(crate) fn check_unambiguous(
    path: &str,
    query: &str,
    key_of: impl Fn(&str) -> Vec<u8>,
    refuse: impl Fn(&str) -> ApiError,
) -> Result<(), ApiError> {
    if path
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'2' && (w[2] | 0x20) == b'f')
    {
        return Err(refuse(
            "the path has an encoded '/' (%2F), which a signature cannot tell from '/'",
        ));
    }
    let mut keys: Vec<Vec<u8>> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| key_of(pair.split_once('=').map_or(pair, |(k, _)| k)))
        .collect();
    keys.sort();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(refuse(
            "a query parameter is given more than once, which a signature cannot order",
        ));
    }
    Ok(())
}

/// [`check_unambiguous`] for a Huawei-signed request: a 400 saying what to change (nothing
/// secret in it). Apart from [`verify`], which checks what the SDK signed, as it signed it.
pub fn check_unambiguous_request(path: &str, query: &str) -> Result<(), ApiError> {
    check_unambiguous(path, query, form_key, |why| {
        ApiError::Validation(format!("AK/SK signed request refused: {why}."))
    })
}

/// A query key decoded as the handlers decode it (`+` is a space).
fn form_key(key: &str) -> Vec<u8> {
    decode(&key.replace('+', " "))
}

/// Checks a signed request against the secret key of its access key: the date is signed
/// and fresh, the scope headers are signed, and the signature matches (compared in
/// constant time). Every failure is a 401 whose detail is only logged.
pub fn verify(
    auth: &Authorization,
    parts: &RequestParts<'_>,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if !auth.signed_headers.iter().any(|h| h == DATE_HEADER) {
        return Err(refused("X-Sdk-Date is not signed"));
    }
    for scope in SCOPE_HEADERS {
        if parts.header(scope).is_some() && !auth.signed_headers.iter().any(|h| h == scope) {
            return Err(refused(format!("{scope} is sent but not signed")));
        }
    }
    let date = checked_date(parts, now)?;
    let canonical = canonical_request(auth.algorithm, parts, &auth.signed_headers)?;
    let to_sign = string_to_sign(auth.algorithm, &date, &canonical);
    if auth
        .algorithm
        .verify_hmac(secret, to_sign.as_bytes(), &auth.signature)
    {
        Ok(())
    } else {
        Err(refused(format!(
            "signature mismatch for access key {}",
            auth.access
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::auth::test_vectors::{self, flip, Vector};

    fn huawei_vectors() -> Vec<Vector> {
        let vectors = test_vectors::load(&["hw_"]);
        assert!(vectors.len() >= 10, "expected the hw_ vectors");
        vectors
    }

    fn signed_at(v: &Vector) -> DateTime<Utc> {
        let date = v.headers.iter().find(|(n, _)| n == "X-Sdk-Date").unwrap();
        NaiveDateTime::parse_from_str(&date.1, DATE_FORMAT)
            .unwrap()
            .and_utc()
    }

    fn check(v: &Vector, parts: &RequestParts<'_>, authorization: &str) -> Result<(), ApiError> {
        let auth = parse_authorization(authorization)?;
        verify(&auth, parts, v.sk.as_bytes(), signed_at(v))
    }

    #[test]
    fn every_huawei_vector_verifies_and_canonicalises_as_the_sdk_did() {
        for v in huawei_vectors() {
            let auth = parse_authorization(&v.authorization).unwrap();
            let canonical =
                canonical_request(auth.algorithm, &v.parts(), &auth.signed_headers).unwrap();
            assert_eq!(
                String::from_utf8(canonical).unwrap(),
                v.canonical.clone().expect("the SDK's canonical request"),
                "{}",
                v.name
            );
            check(&v, &v.parts(), &v.authorization).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        }
    }

    #[test]
    fn one_changed_byte_anywhere_signed_is_refused() {
        for v in huawei_vectors() {
            let auth = parse_authorization(&v.authorization).unwrap();
            // The signature itself.
            let sig_at = v.authorization.len() - 1;
            let bad = flip(&v.authorization, sig_at);
            assert!(
                check(&v, &v.parts(), &bad).is_err(),
                "{}: signature",
                v.name
            );
            // The method, the path, the query and the body.
            let mut m = v.clone();
            m.method = if v.method == "GET" {
                "HEAD".into()
            } else {
                "GET".into()
            };
            assert!(
                check(&m, &m.parts(), &v.authorization).is_err(),
                "{}: method",
                v.name
            );
            for i in [1, v.target.len() - 1] {
                let mut m = v.clone();
                m.target = flip(&v.target, i);
                assert!(
                    check(&m, &m.parts(), &v.authorization).is_err(),
                    "{}: target {i}",
                    v.name
                );
            }
            if !v.body.is_empty() {
                for i in [0, v.body.len() / 2, v.body.len() - 1] {
                    let mut m = v.clone();
                    m.body = flip(&v.body, i);
                    assert!(
                        check(&m, &m.parts(), &v.authorization).is_err(),
                        "{}: body {i}",
                        v.name
                    );
                }
            }
            // Each signed header's value (the date moved by a second stays fresh).
            for name in &auth.signed_headers {
                let mut m = v.clone();
                let h = m
                    .headers
                    .iter_mut()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .unwrap();
                let last = h.1.len() - 1;
                h.1 = if name == DATE_HEADER {
                    let mut d = h.1.clone().into_bytes();
                    d[last - 1] = if d[last - 1] == b'0' { b'1' } else { b'0' };
                    String::from_utf8(d).unwrap()
                } else {
                    flip(&h.1, last)
                };
                assert!(
                    check(&m, &m.parts(), &v.authorization).is_err(),
                    "{}: header {name}",
                    v.name
                );
            }
        }
    }

    #[test]
    fn the_wrong_secret_a_stale_date_and_unsigned_scope_are_refused() {
        let v = huawei_vectors().into_iter().next().unwrap();
        let auth = parse_authorization(&v.authorization).unwrap();
        let at = signed_at(&v);
        assert!(verify(&auth, &v.parts(), b"another secret", at).is_err());
        let late = at + chrono::Duration::seconds(MAX_CLOCK_SKEW_SECS + 1);
        let early = at - chrono::Duration::seconds(MAX_CLOCK_SKEW_SECS + 1);
        assert!(verify(&auth, &v.parts(), v.sk.as_bytes(), late).is_err());
        assert!(verify(&auth, &v.parts(), v.sk.as_bytes(), early).is_err());
        let edge = at + chrono::Duration::seconds(MAX_CLOCK_SKEW_SECS);
        assert!(verify(&auth, &v.parts(), v.sk.as_bytes(), edge).is_ok());

        // Dropping X-Domain-Id from SignedHeaders while still sending it is refused even
        // before the signature is compared.
        let mut unsigned = auth.clone();
        unsigned.signed_headers.retain(|h| h != "x-domain-id");
        let err = verify(&unsigned, &v.parts(), v.sk.as_bytes(), at).unwrap_err();
        assert!(err.to_string().contains("not signed"), "{err}");
        let mut dateless = auth.clone();
        dateless.signed_headers.retain(|h| h != DATE_HEADER);
        assert!(verify(&dateless, &v.parts(), v.sk.as_bytes(), at).is_err());
    }

    #[test]
    fn malformed_authorization_headers_are_401() {
        for bad in [
            "",
            "SDK-HMAC-SHA256",
            "SDK-HMAC-MD5 Access=a, SignedHeaders=host, Signature=00",
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host",
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=xyz",
            "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=00",
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host;;x, Signature=00",
            "SDK-HMAC-SHA256 Access=a, Access=b, SignedHeaders=host, Signature=00",
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=00, Extra=1",
            "SDK-HMAC-SHA256 garbage",
        ] {
            let err = parse_authorization(bad).unwrap_err();
            assert!(matches!(err, ApiError::Unauthorized(_)), "{bad:?}: {err}");
        }
        assert!(is_signature("SDK-HMAC-SM3 Access=x"));
        assert!(!is_signature("Bearer x"));
    }

    #[test]
    fn the_debug_form_leaves_the_signature_out() {
        let v = huawei_vectors().into_iter().next().unwrap();
        let auth = parse_authorization(&v.authorization).unwrap();
        let shown = format!("{auth:?}");
        let sig = v.authorization.rsplit('=').next().unwrap();
        assert!(!shown.contains(sig), "{shown}");
    }

    #[test]
    fn canonical_uris_and_queries_match_the_sdk_encoding() {
        assert_eq!(canonical_uri("/v3/groups"), "/v3/groups/");
        assert_eq!(canonical_uri("/v3/groups/"), "/v3/groups/");
        assert_eq!(
            canonical_uri("/v3/groups/a%20b%2Fc~d"),
            "/v3/groups/a%20b/c~d/"
        );
        assert_eq!(canonical_uri("/x/%zz/%4"), "/x/%25zz/%254/");
        assert_eq!(canonical_uri("/x/%C3%A9*"), "/x/%C3%A9%2A/");
        assert_eq!(canonical_query("").unwrap(), "");
        assert_eq!(
            canonical_query("name=x%20y&domain_id=d&a=2&a=1&flag").unwrap(),
            "a=1&a=2&domain_id=d&flag=&name=x%20y"
        );
        assert_eq!(canonical_query("q=a+b").unwrap(), "q=a%20b");
    }

    #[test]
    fn sm3_and_sha256_hash_the_empty_body_as_the_sdk_does() {
        assert_eq!(
            Algorithm::HmacSha256.hash_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            Algorithm::HmacSm3.hash_hex(b""),
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        );
    }
}
