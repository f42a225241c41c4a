//! OAuth 1.0a request signatures (RFC 5849 §3.4): the signature base string built from
//! the method, the base URI and the normalized parameters, HMAC-SHA1 over it keyed by the
//! consumer's and the token's secrets, and the `Authorization: OAuth ...` header's
//! parameters. Pure functions: the manager loads the secrets and checks time and nonce.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// RFC 5849 §3.6: everything but the unreserved characters is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 5849 §3.6 percent-encoding.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The `oauth_*` parameters of an `Authorization: OAuth k="v", ...` header (§3.5.1),
/// decoded; `realm` is left out. `None` when the header is not an OAuth one.
pub fn header_params(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim_start();
    let (scheme, rest) = rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len()));
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut params = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let name = decode(name.trim());
        if name == "realm" {
            continue;
        }
        params.push((name, decode(value)));
    }
    Some(params)
}

/// The parameters of a query string (`application/x-www-form-urlencoded`), decoded.
pub fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            let plus = |s: &str| decode(&s.replace('+', " "));
            (plus(n), plus(v))
        })
        .collect()
}

/// The signature base string (§3.4.1): `METHOD&base-uri&normalized-parameters`, where
/// the parameters are every one given except `oauth_signature`, encoded and sorted.
pub fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|(n, _)| n != "oauth_signature")
        .map(|(n, v)| (encode(n), encode(v)))
        .collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(base_uri),
        encode(&normalized)
    )
}

/// HMAC (RFC 2104) over SHA-1.
pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..20].copy_from_slice(&sha1_smol::Sha1::from(key).digest().bytes());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = sha1_smol::Sha1::new();
    inner.update(&block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = sha1_smol::Sha1::new();
    outer.update(&block.map(|b| b ^ 0x5c));
    outer.update(&inner.digest().bytes());
    outer.digest().bytes()
}

/// The HMAC-SHA1 signature (§3.4.2) of a base string, base64.
pub fn sign(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{}&{}", encode(consumer_secret), encode(token_secret));
    STANDARD.encode(hmac_sha1(key.as_bytes(), base.as_bytes()))
}

/// Whether `signature` is the one of `base` with these secrets, compared in constant time.
pub fn verify(base: &str, consumer_secret: &str, token_secret: &str, signature: &str) -> bool {
    let expected = sign(base, consumer_secret, token_secret);
    let (a, b) = (expected.as_bytes(), signature.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn rfc_2202_hmac_sha1() {
        assert_eq!(
            hex::encode(hmac_sha1(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex::encode(hmac_sha1(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    /// RFC 5849 §3.4.1.1's example: the header's, the query's and the body's parameters.
    #[test]
    fn rfc_5849_base_string() {
        let header = r#"OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D""#;
        let mut params = header_params(header).expect("an OAuth header");
        assert!(params.iter().all(|(n, _)| n != "realm"));
        params.extend(query_params("b5=%3D%253D&a3=a&c%40=&a2=r%20b"));
        params.extend(query_params("c2&a3=2+q"));
        assert_eq!(
            base_string("post", "http://example.com/request", &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    /// The signed example of OAuth Core 1.0 (RFC 5849 §1.2's photos request, HMAC-SHA1).
    #[test]
    fn oauth_core_example_signature() {
        let params = owned(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
        ]);
        let base = base_string("GET", "http://photos.example.net/photos", &params);
        let signature = sign(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00");
        assert_eq!(signature, "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
        assert!(verify(
            &base,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00",
            &signature
        ));
        assert!(!verify(&base, "kd94hf93k423kf44", "wrong", &signature));
        assert!(!verify(
            &base,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00",
            "tR3+"
        ));
    }

    #[test]
    fn a_header_that_is_not_oauth_is_none() {
        assert!(header_params("Bearer abc").is_none());
        assert!(header_params("OAuth oauth_nonce").is_none());
    }
}
