//! The signatures of `POST /v3/ec2tokens` and `POST /v3/s3tokens`: what the EC2 or S3
//! service (nova's ec2-api, Swift's s3api, Ceph RGW) forwards of a request its client
//! signed with an EC2 credential's secret, checked the way Keystone checks it.
//!
//! - ec2tokens sends the request's parts (`verb`, `host`, `path`, `params`, `headers`,
//!   `body_hash`); the signature is recomputed as python-keystoneclient's `Ec2Signer` does:
//!   AWS signature versions 0, 1, 2 (HmacSHA256, or HmacSHA1 when the request says so)
//!   and 4 (AWS4-HMAC-SHA256, from the `Authorization` header or the `X-Amz-*` query).
//! - s3tokens sends the string to sign itself (`token`, base64) and the signature: AWS
//!   signature v2 (base64 HMAC-SHA1) or, when it starts with `AWS4`, v4 over a scope of
//!   service `s3`, `iam` or `sts`.
//!
//! Signatures are compared in constant time. Nothing here reads a store.

use std::collections::BTreeMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::signature::encode;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was not accepted (the 401's logged detail; the client sees Keystone's
/// words only).
pub type Refusal = &'static str;

/// The parts of a signed request, as ec2tokens' `credentials` gives them.
#[derive(Debug, Clone, Default)]
pub struct SignedRequest {
    pub verb: String,
    pub host: String,
    pub path: String,
    /// The query (or form) parameters, without `Signature`.
    pub params: BTreeMap<String, String>,
    /// The request's headers as sent; names are matched without regard to case.
    pub headers: Vec<(String, String)>,
    /// Hex SHA-256 of the body (v4).
    pub body_hash: String,
}

/// A JSON value as Python's `str()` would give it to the signer (strings as they are).
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

impl SignedRequest {
    /// Reads the request parts of an ec2tokens `credentials` object; a missing part is
    /// empty, as the signature then fails to match.
    pub fn from_credentials(credentials: &Map<String, Value>) -> SignedRequest {
        let text = |key: &str| credentials.get(key).map(as_text).unwrap_or_default();
        let pairs = |key: &str| -> Vec<(String, String)> {
            match credentials.get(key) {
                Some(Value::Object(map)) => {
                    map.iter().map(|(k, v)| (k.clone(), as_text(v))).collect()
                }
                _ => Vec::new(),
            }
        };
        SignedRequest {
            verb: text("verb"),
            host: text("host"),
            path: text("path"),
            params: pairs("params").into_iter().collect(),
            headers: pairs("headers"),
            body_hash: text("body_hash"),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// `X-Amz-Date` (header, then query) or `Timestamp`: what Keystone checks the age of.
    pub fn timestamp(&self) -> Option<&str> {
        self.param("Timestamp")
            .or_else(|| self.header("X-Amz-Date"))
            .or_else(|| self.param("X-Amz-Date"))
    }

    /// True when the request is signed with AWS signature v4.
    fn is_v4(&self) -> bool {
        self.header("Authorization")
            .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"))
            || self.param("X-Amz-Algorithm") == Some("AWS4-HMAC-SHA256")
    }

    /// The signature `secret` gives this request, as `Ec2Signer.generate` computes it.
    pub fn expected_signature(&self, secret: &str) -> Result<String, Refusal> {
        let key = secret.as_bytes();
        match self.param("SignatureVersion") {
            Some("0") => {
                let action = self.param("Action").ok_or("v0 without Action")?;
                let timestamp = self.param("Timestamp").ok_or("v0 without Timestamp")?;
                Ok(STANDARD.encode(hmac_sha1(key, format!("{action}{timestamp}").as_bytes())))
            }
            Some("1") => {
                let mut keys: Vec<&String> = self.params.keys().collect();
                keys.sort_by_key(|k| k.to_lowercase());
                let mut data = Vec::new();
                for k in keys {
                    data.extend_from_slice(k.as_bytes());
                    data.extend_from_slice(self.params[k].as_bytes());
                }
                Ok(STANDARD.encode(hmac_sha1(key, &data)))
            }
            Some("2") => Ok(self.signature_v2(key)),
            _ if self.is_v4() => self.signature_v4(secret),
            Some(_) => Err("unknown signature version"),
            None => Err("unexpected signature format"),
        }
    }

    fn signature_v2(&self, key: &[u8]) -> String {
        let mut params = self.params.clone();
        let sha1 = params.get("SignatureMethod").map(String::as_str) == Some("HmacSHA1");
        if !sha1 {
            params.insert("SignatureMethod".into(), "HmacSHA256".into());
        }
        let to_sign = format!(
            "{}\n{}\n{}\n{}",
            self.verb,
            self.host,
            self.path,
            canonical_query(&params)
        );
        if sha1 {
            STANDARD.encode(hmac_sha1(key, to_sign.as_bytes()))
        } else {
            STANDARD.encode(hmac_sha256(key, to_sign.as_bytes()))
        }
    }

    /// An auth parameter of v4: from the `Authorization` header, else `X-Amz-<name>`.
    fn auth_param(&self, name: &str) -> Option<String> {
        match self.header("Authorization") {
            Some(auth) => {
                let marker = format!("{name}=");
                let after = auth.split_once(&marker).map(|(_, rest)| rest)?;
                Some(after.split(',').next().unwrap_or_default().to_string())
            }
            None => self.param(&format!("X-Amz-{name}")).map(str::to_string),
        }
    }

    fn signature_v4(&self, secret: &str) -> Result<String, Refusal> {
        let signed_headers = self.auth_param("SignedHeaders").ok_or("no SignedHeaders")?;
        let lower: BTreeMap<String, &str> = self
            .headers
            .iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim()))
            .collect();
        let mut canonical_headers = String::new();
        for h in signed_headers.split(';') {
            if let Some(v) = lower.get(h) {
                canonical_headers.push_str(&format!("{h}:{v}\n"));
            }
        }
        if canonical_headers.is_empty() {
            canonical_headers.push('\n');
        }
        // POST requests carry their parameters in the body.
        let query = if self.verb.eq_ignore_ascii_case("POST") {
            String::new()
        } else {
            canonical_query(&self.params)
        };
        let request = [
            self.verb.to_uppercase().as_str(),
            &self.path,
            &query,
            &canonical_headers,
            &signed_headers,
            &self.body_hash,
        ]
        .join("\n");
        let credential = self.auth_param("Credential").ok_or("no Credential")?;
        let parts: Vec<&str> = credential.split('/').collect();
        if parts.len() < 5 {
            return Err("malformed Credential scope");
        }
        let date = self
            .header("X-Amz-Date")
            .or_else(|| self.param("X-Amz-Date"))
            .ok_or("no X-Amz-Date")?;
        if !date.starts_with(parts[1]) {
            return Err("request date mismatch");
        }
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{}\n{}",
            parts[1..].join("/"),
            hex::encode(Sha256::digest(request.as_bytes()))
        );
        let key = v4_signing_key(secret, parts[1], parts[2], parts[3]);
        Ok(hex::encode(hmac_sha256(&key, to_sign.as_bytes())))
    }
}

/// Keystone's check of an ec2tokens signature: recomputed over the request, and, as some
/// clients sign without the port, once more over the host without it.
pub fn check_ec2(request: &SignedRequest, secret: &str, signature: &str) -> Result<(), Refusal> {
    if signature.is_empty() {
        return Err("EC2 signature not supplied");
    }
    if constant_time_eq(&request.expected_signature(secret)?, signature) {
        return Ok(());
    }
    if let Some((host, port)) = request.host.rsplit_once(':') {
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            let mut portless = request.clone();
            portless.host = host.to_string();
            if constant_time_eq(&portless.expected_signature(secret)?, signature) {
                return Ok(());
            }
        }
    }
    Err("Invalid EC2 signature")
}

/// Keystone's check of an s3tokens signature over `token`, the base64 (URL-safe or
/// standard) string to sign.
pub fn check_s3(token: &str, secret: &str, signature: &str) -> Result<(), Refusal> {
    let to_sign = URL_SAFE
        .decode(token.trim())
        .or_else(|_| STANDARD.decode(token.trim()))
        .map_err(|_| "the string to sign is not base64")?;
    let expected = if to_sign.starts_with(b"AWS4") {
        s3_signature_v4(&to_sign, secret)?
    } else {
        STANDARD.encode(hmac_sha1(secret.as_bytes(), &to_sign))
    };
    if constant_time_eq(&expected, signature) {
        Ok(())
    } else {
        Err("Credential signature mismatch")
    }
}

fn s3_signature_v4(to_sign: &[u8], secret: &str) -> Result<String, Refusal> {
    let lines: Vec<&[u8]> = to_sign.split(|b| *b == b'\n').collect();
    if lines.len() != 4 || lines[0] != b"AWS4-HMAC-SHA256" {
        return Err("Invalid EC2 signature.");
    }
    let scope = std::str::from_utf8(lines[2]).map_err(|_| "Invalid EC2 signature.")?;
    let scope: Vec<&str> = scope.split('/').collect();
    if scope.len() != 4 || scope[3] != "aws4_request" {
        return Err("Invalid EC2 signature.");
    }
    if !matches!(scope[2], "s3" | "iam" | "sts") {
        return Err("Invalid EC2 signature.");
    }
    let key = v4_signing_key(secret, scope[0], scope[1], scope[2]);
    Ok(hex::encode(hmac_sha256(&key, to_sign)))
}

/// AWS's derived key: `AWS4<secret>`, then the date, region, service and `aws4_request`.
fn v4_signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// The sorted, RFC 3986-encoded query of v2 and v4.
fn canonical_query(params: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(k.as_bytes(), &mut out);
        out.push('=');
        encode(v.as_bytes(), &mut out);
    }
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// HMAC-SHA1 (RFC 2104) over the SHA-1 the dependency tree already has.
fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..20].copy_from_slice(&sha1_smol::Sha1::from(key).digest().bytes());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = sha1_smol::Sha1::new();
    inner.update(&block.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = sha1_smol::Sha1::new();
    outer.update(&block.map(|b| b ^ 0x5c));
    outer.update(&inner.digest().bytes());
    outer.digest().bytes().to_vec()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        assert_eq!(
            hex::encode(hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex::encode(hmac_sha1(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    /// AWS's documented example of a v4 signature (GET Object with a Range header).
    #[test]
    fn v4_header_signature_matches_aws_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let request = SignedRequest {
            verb: "GET".into(),
            host: "examplebucket.s3.amazonaws.com".into(),
            path: "/test.txt".into(),
            params: BTreeMap::new(),
            headers: vec![
                ("Host".into(), "examplebucket.s3.amazonaws.com".into()),
                ("Range".into(), "bytes=0-9".into()),
                ("x-amz-content-sha256".into(), empty.into()),
                ("X-Amz-Date".into(), "20130524T000000Z".into()),
                (
                    "Authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/\
                     aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
                     Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
                        .into(),
                ),
            ],
            body_hash: empty.into(),
        };
        let expected = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        assert_eq!(request.expected_signature(secret).unwrap(), expected);
        assert!(check_ec2(&request, secret, expected).is_ok());
        assert!(check_ec2(&request, "other", expected).is_err());
        let mut late = request.clone();
        late.headers[3].1 = "20130525T000000Z".into();
        assert!(
            late.expected_signature(secret).is_err(),
            "date outside scope"
        );
    }

    #[test]
    fn v2_signs_the_canonical_query_with_sha256_or_sha1() {
        let mut request = SignedRequest {
            verb: "GET".into(),
            host: "ec2.example.com:8773".into(),
            path: "/".into(),
            ..SignedRequest::default()
        };
        for (k, v) in [
            ("Action", "DescribeInstances"),
            ("AWSAccessKeyId", "AK"),
            ("SignatureVersion", "2"),
            ("Timestamp", "2026-01-01T00:00:00Z"),
        ] {
            request.params.insert(k.into(), v.into());
        }
        let to_sign = "GET\nec2.example.com:8773\n/\nAWSAccessKeyId=AK&Action=DescribeInstances\
                       &SignatureMethod=HmacSHA256&SignatureVersion=2\
                       &Timestamp=2026-01-01T00%3A00%3A00Z";
        let sha256 = STANDARD.encode(hmac_sha256(b"secret", to_sign.as_bytes()));
        assert_eq!(request.expected_signature("secret").unwrap(), sha256);
        assert!(check_ec2(&request, "secret", &sha256).is_ok());

        // Signed without the port: accepted on the second try, as Keystone does.
        let portless = to_sign.replace(":8773", "");
        let sig = STANDARD.encode(hmac_sha256(b"secret", portless.as_bytes()));
        assert!(check_ec2(&request, "secret", &sig).is_ok());
        assert!(check_ec2(&request, "secret", "").is_err());

        request
            .params
            .insert("SignatureMethod".into(), "HmacSHA1".into());
        let sha1_to_sign = to_sign.replace("HmacSHA256", "HmacSHA1");
        let sha1 = STANDARD.encode(hmac_sha1(b"secret", sha1_to_sign.as_bytes()));
        assert_eq!(request.expected_signature("secret").unwrap(), sha1);
    }

    #[test]
    fn s3_checks_v2_and_v4_strings_to_sign() {
        let v2 = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg";
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let token = URL_SAFE.encode(v2);
        // AWS's documented v2 example signature.
        assert!(check_s3(&token, secret, "bWq2s1WEIj+Ydj0vQ697zp+IXMU=").is_ok());
        assert!(check_s3(&token, secret, "bWq2s1WEIj+Ydj0vQ697zp+IXMV=").is_err());

        let v4 = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
                  7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972";
        let sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        assert!(check_s3(&URL_SAFE.encode(v4), secret, sig).is_ok());
        let ec2 = v4.replace("/s3/", "/ec2/");
        assert!(
            check_s3(&URL_SAFE.encode(ec2), secret, sig).is_err(),
            "service"
        );
        assert!(check_s3("not base64!", secret, sig).is_err());
    }
}
