//! The verifier against tokens signed here with fixed test keys, and a scripted [`Fetch`]
//! that counts what it is asked for.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;

const ISSUER: &str = "https://idp.example.test";
const CLIENT: &str = "iam-groups";
const NOW: i64 = 1_800_000_000;

/// RSA_A: an RSA 2048 key, its private half as PKCS#1 DER.
const RSA_A_DER: &str = "MIIEpAIBAAKCAQEAsEQL9L/At3byVm9uH71SoF2ZUzKe2PKEmMevaJE3jsaHL3OmX0Fean8P+a3jfsixVO9BtivZZHmoMSd8SfkyZAUIV0VHg3j7A9dDE1vxvlqdZvlzw5ZFTMnen+exfTXHxf6mW7mR3yoV/KUydLqkxHFfumHgA0Y6OITagNUKeohHORLF0CWuA5735PQxAiHbT6+ycWqU81Ls+zQcx1tYIlLDKJPOLxwNsYTJ9/WoMy5K6Ajkk4rSPiyIgirY3cp77/5TZOkvemOwYe6fPpH74UZK2BnkiWJjfF7PXTLyeaA3ee2PppV8CSazGhcIb7qkrgtNDpuYDa/qb2x5eKpQnQIDAQABAoIBAB75FhC/0SFr6VF+6x7wqaA8UkDoWDlPBDXEgPIi8lxITmDsNYPvfKPCCBCbmaohoeeG00krk1uwdPmOMqzc+RnSOJD9P3++tn0KSmMQeP419gquMsVflnXT0ybOE8YouR31jU344cURJCPs81zHn0RVl7iskiyBHqHn1m1lAh5doJus2AfgSUe5viJBC1XNkAkE+winm26tK5qX/YG9qp+SJLAhWRtF+xsN0Zzm3+5lY01zScL/foBBJ8pyXPtOTR/q6acv65nUOBdJkq/so9AIQGDP4ZVG7141P01MJOyvGyQDJWMBSrocdoyIupUWGL1+stRu3JEAG6FfWHsenRECgYEA9QVVgk6s0y+6zuwiplsJmHY9lN+ob03uFg8c7T7a9hK50zhy19dQSsWLb/JIfdrCVLda6y8IUA+UsOh5V6HFPjFaLtONCev6gMUAOBjpgm/0hr+pqRTGs6GpFnvsouKXjA+drecNING17AYnMCIVZnIthlncBzWQEx1qtq+4J4MCgYEAuCoDyJpGDk/d+7Y8Y0lxOpyDXWCdsCHeQNS2tJuMd9GacXGM+OhmVwoCI88/JzR4BFquWO439d9IyqB+CHG+c5Srk8J/Ysh6v9oSMZWIvGJhI9ahy9Xf9oUnxc5CFQ/2zPUnZGmTnFGwm3wqur3Y3WjIhGQmPvPDcH8F5h7GDV8CgYAr5FS5DxbujfJM9wgN/OjvIt9NN/OYXMF1uidYaJYY1qnrKIWKHMwJWPHtj91kjjeZrW7gCoDWtrPQLRTvmc8XoQeis8rkKB2ry56KbgwGjb+kE9l0rIAb1a3QlUqCs0yqjnGUoXs8kdSg/0kt2i0zOOjm1FoSAIpaoj5nk3rNuQKBgQCX+MvQgUZoTw3uxi5E/Hj8leVta+oUS459T0tJ9MZQpd3d2Ycsa5LwJmknpcEGmCyl4zLWXhY9xjjqRNBcJYi1Fi0ULL80BB4PLWQwGKaSVli020v+ygocAzuT5qXvfZH7Bh6wpNLTfzHOzQLxwPIxm2NEpOROtJdFwPxcLm7e3wKBgQCmUsW18h67M3uK6Ifk8sxooEmXZwgqQ+wn9lFdx5Zl1OCu2Wu1oGheqO71OkFgxJ/2Mdb26rDbuVkpC45rfMi8viRBZcwdNFlU5Mj6LkW8/wI6NJ/oVgep0iEGiumJbme0ZY7auQxVkzS1fd+M2csLpJSUsb5aYUqV5VWPsvk7rg==";
const RSA_A_N: &str = "sEQL9L_At3byVm9uH71SoF2ZUzKe2PKEmMevaJE3jsaHL3OmX0Fean8P-a3jfsixVO9BtivZZHmoMSd8SfkyZAUIV0VHg3j7A9dDE1vxvlqdZvlzw5ZFTMnen-exfTXHxf6mW7mR3yoV_KUydLqkxHFfumHgA0Y6OITagNUKeohHORLF0CWuA5735PQxAiHbT6-ycWqU81Ls-zQcx1tYIlLDKJPOLxwNsYTJ9_WoMy5K6Ajkk4rSPiyIgirY3cp77_5TZOkvemOwYe6fPpH74UZK2BnkiWJjfF7PXTLyeaA3ee2PppV8CSazGhcIb7qkrgtNDpuYDa_qb2x5eKpQnQ";

/// RSA_B: an RSA 2048 key, its private half as PKCS#1 DER.
const RSA_B_DER: &str = "MIIEowIBAAKCAQEAsYwdaVLqzUJnyKqLz6Aap1dhxIfPQo7fJH51SbIgg0BW+qtCxvFJ/XvbyKYvegCeHa9FINvf+BXAIiP3MbMdShX214lju56qUaPcLhS1mjxmy9+5CmkXS/WJIVOnTw1zdEVGbPk9ujAEANFaJ/g1XnWyHka0pMBYJhBgZE68bEhCjqvppf94/GASWaFWHuha4nAFFMqUs69RQAg2NGQoGogSqcH1+ioneSd2/1WTjUGN83f4TWCjWJWDEZdONV99eZi1teZ8OXytJQtx+i5b4Ka30RU1Xt7fOjTpVMu8uJ33LKU7SDvP+XfDYIlEY11nlvXU86rO6jZ5dc/KrNY4aQIDAQABAoIBACrUl/jDP7Dd+t7h44HmB+AEGKn6MDHIeQSa/AzX63d2MzVb0Ktg5F5BvZqpGm1mTj5vfG/pkt1MU/H4dqa25JMtesNymYxWgZRZwOEd7lRDi3HVqdQc13mjxR20yjjsEATFvHBH7Q/oCuMunb7kJe3AW0Rp/qR64RjnnPU9uD8vhWzI+k22zcNQJJff9KVsPD8nLfUcM4so5OsQinvUZeu+US6qoqBEkX4LJlT/GiSP4SMWhrriWuPUrPe2mNvp5A/ZkNO58bgQvSuuAxNx1k0jCyCGsaQuT4qAEZWRKFDJlbVsnEuMHMqLRkEaQ51n43bnduSbwbuqcMhF1qG7rv0CgYEA3ZKuJAP5COWhw95cBzjt/oS5s8ub0OFG63DPaGXcx1mP1WEtKGpe3eDgSDl+CEXKmkHGQKg6Ulw7v9Q1E1/+/bs4RH2glP2jDejdKhtyw8Vu8sfTDvKitBzqGsllOAaLA3MvcStVsU0bMbxSCftdoxcaI+LR8U/GjbtVc6d3l70CgYEAzSJDkYnU7fWr8RMXWGfEY2lgRMGZl7xlIjXXv8YiiOvPsL+tIa76T3mXRNtpV+4Rv9eS8kaUbu5LYPw5UGwKWd2LmLiIqGsxlpTcPbv18az/bGe5enGgv7NB9MsMptKATvUF88HuQ2Moegr3FwwNwpFa+OxOZc/m8u9IqrPuqB0CgYAqleqKWYkfwKLatn4RlUuIw5G9kMCd4O50ifYTJqDMX9ZZOJgpUGhzVKlGuGYUyPUruMCV5L9w3PFO6UZaNvUXZ0hlQY//ktAn+D2pviTMo8GzP9y83r2OyI/mHhcqMXe+bgEMSzvpG9zCLmPGL13L3sDTbODU9HRBAWRnGiTOMQKBgQCpEcd86YwMwIIBhMml/Ih5ov1MTgCIdicophX3IpeOIEUimShZ7byyyjVp9CkD5tzMMCIV+yQVteN8wQWACjwRyy5mJhnELe1F/dT0MLnJgdtXfrn5eDOULGt9FemMiUxlRz+rozf8ZHqU8/qpDS8+IM1JAoKvGUZxDdTnlLtr5QKBgA3og3g/4zH2Xp+hpQeAAG2hFX0cZwcOfQ+YNGmEr/s2Q2lRNJhRbbcuU6/uswTerVGLKAOWSxa1G2Br+wDPrIfzNIxZIE2DxtSOCahiq7JQtsC2YrW2V+G9xEJE71kETvsAEMnvRIm+khb1Bma9GaY7z2ZVTr9hTsqxLHps8+R7";
const RSA_B_N: &str = "sYwdaVLqzUJnyKqLz6Aap1dhxIfPQo7fJH51SbIgg0BW-qtCxvFJ_XvbyKYvegCeHa9FINvf-BXAIiP3MbMdShX214lju56qUaPcLhS1mjxmy9-5CmkXS_WJIVOnTw1zdEVGbPk9ujAEANFaJ_g1XnWyHka0pMBYJhBgZE68bEhCjqvppf94_GASWaFWHuha4nAFFMqUs69RQAg2NGQoGogSqcH1-ioneSd2_1WTjUGN83f4TWCjWJWDEZdONV99eZi1teZ8OXytJQtx-i5b4Ka30RU1Xt7fOjTpVMu8uJ33LKU7SDvP-XfDYIlEY11nlvXU86rO6jZ5dc_KrNY4aQ";

/// EC_P256: a P-256 key, its private half as PKCS#8 DER.
const EC_P256_DER: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVbyBozld7lXp67OEer1YlnmfLUO5jVksd72sjLHkjK2hRANCAARSG2CHvrowjAMKt1YcqJiGIPtnw82sdNsCI4EjBqUUu84ZBpnXsatw3N/VAkORyd9IAvY4iaTkFHEu2k1nAgOl";
const EC_P256_X: &str = "Uhtgh766MIwDCrdWHKiYhiD7Z8PNrHTbAiOBIwalFLs";
const EC_P256_Y: &str = "zhkGmdexq3Dc39UCQ5HJ30gC9jiJpOQUcS7aTWcCA6U";

/// ED25519: an Ed25519 key, its private half as PKCS#8 DER.
const ED25519_DER: &str = "MC4CAQAwBQYDK2VwBCIEIMCr9Eo0nznaBxbRIBN8HI2zOUbzmD9g4Z9qGdYX7XfM";
const ED25519_X: &str = "T3OUhn1K1giW5912OZOCEkos1GFoH4X8Uvmt1zdzqow";

/// A 1024-bit RSA modulus: too weak to be taken.
const RSA_1024_N: &str = "05pCFZDqQujGWfMK_Reg92TI6Xe9jH3-R5VinHlgtsCW02_1xDUTEvkmK1tSMXdBDLTEtjK23EiP_EP2NEDHeBg4k9_GIOtm8H-pXCQCcGPfd0jB-kAuIhiQNNFlMopGa_HcIPF2yfBrxqK8j1HiUEz1kbvZekMuTpjdWqNGZ5E";

fn der(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).expect("test key")
}

fn rsa_jwk(n: &str, kid: &str, alg: Option<&str>) -> Value {
    let mut key = json!({"kty": "RSA", "n": n, "e": "AQAB", "kid": kid, "use": "sig"});
    if let Some(alg) = alg {
        key["alg"] = json!(alg);
    }
    key
}

fn ec_jwk(kid: &str) -> Value {
    json!({"kty": "EC", "crv": "P-256", "x": EC_P256_X, "y": EC_P256_Y, "kid": kid})
}

fn ed_jwk(kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": ED25519_X, "kid": kid})
}

fn jwks(keys: Vec<Value>) -> Value {
    json!({ "keys": keys })
}

/// alice's id token, as the provider would sign it.
fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "alice-sub",
        "aud": CLIENT,
        "iat": NOW - 10,
        "exp": NOW + 300,
        "preferred_username": "alice",
        "email": "alice@example.test",
        "groups": ["developers", "admins"],
    })
}

fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

fn rsa_a() -> EncodingKey {
    EncodingKey::from_rsa_der(&der(RSA_A_DER))
}

fn rsa_b() -> EncodingKey {
    EncodingKey::from_rsa_der(&der(RSA_B_DER))
}

fn rs256(claims: &Value) -> String {
    sign(Algorithm::RS256, Some("a"), &rsa_a(), claims)
}

/// A token made by hand from a header and a payload, with `signature` as given.
fn raw(header: Value, payload: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

fn inline(keys: Vec<Value>) -> ProviderConfig {
    ProviderConfig {
        issuer: ISSUER.into(),
        client_id: Some(CLIENT.into()),
        audiences: vec!["urn:iam-groups".into()],
        jwks: Some(jwks(keys).to_string()),
        discovery: false,
    }
}

fn discovered() -> ProviderConfig {
    ProviderConfig {
        jwks: None,
        discovery: true,
        ..inline(vec![])
    }
}

/// A provider whose documents the test sets, counting every GET by URL.
#[derive(Default)]
struct Scripted {
    documents: Mutex<HashMap<String, Value>>,
    gets: Mutex<Vec<String>>,
}

const DISCOVERY: &str = "https://idp.example.test/.well-known/openid-configuration";
const JWKS_URI: &str = "https://idp.example.test/jwks";

impl Scripted {
    fn provider(keys: Vec<Value>) -> Arc<Scripted> {
        let scripted = Arc::new(Scripted::default());
        scripted.set(DISCOVERY, json!({"issuer": ISSUER, "jwks_uri": JWKS_URI}));
        scripted.set(JWKS_URI, jwks(keys));
        scripted
    }

    fn set(&self, url: &str, document: Value) {
        self.documents
            .lock()
            .unwrap()
            .insert(url.to_string(), document);
    }

    fn remove(&self, url: &str) {
        self.documents.lock().unwrap().remove(url);
    }

    fn count(&self, url: &str) -> usize {
        self.gets
            .lock()
            .unwrap()
            .iter()
            .filter(|u| *u == url)
            .count()
    }
}

impl Fetch for Scripted {
    fn get_json(&self, url: String) -> BoxFuture<'static, Result<Value, String>> {
        self.gets.lock().unwrap().push(url.clone());
        let found = self.documents.lock().unwrap().get(&url).cloned();
        Box::pin(async move { found.ok_or_else(|| format!("GET {url}: HTTP 404 Not Found")) })
    }
}

use futures_util::future::BoxFuture;

fn verifier(fetch: Arc<Scripted>, settings: VerifierSettings) -> Verifier {
    Verifier::with_fetch(settings, fetch)
}

fn quiet() -> VerifierSettings {
    VerifierSettings {
        leeway_secs: 30,
        ..VerifierSettings::default()
    }
}

async fn check(config: &ProviderConfig, token: &str) -> Result<Claims, OidcError> {
    verifier(Arc::new(Scripted::default()), quiet())
        .verify_at(config, token, NOW)
        .await
}

#[tokio::test]
async fn a_valid_rs256_id_token_gives_its_claims() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", Some("RS256"))]);
    let claims = check(&config, &rs256(&claims())).await.expect("valid");
    assert_eq!(claims["sub"], "alice-sub");
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["groups"], json!(["developers", "admins"]));
}

#[tokio::test]
async fn every_asymmetric_algorithm_verifies_with_its_key() {
    let config = inline(vec![
        rsa_jwk(RSA_A_N, "a", None),
        ec_jwk("ec"),
        ed_jwk("ed"),
    ]);
    let ec = EncodingKey::from_ec_der(&der(EC_P256_DER));
    let ed = EncodingKey::from_ed_der(&der(ED25519_DER));
    for (alg, kid, key) in [
        (Algorithm::RS256, "a", rsa_a()),
        (Algorithm::RS384, "a", rsa_a()),
        (Algorithm::RS512, "a", rsa_a()),
        (Algorithm::PS256, "a", rsa_a()),
        (Algorithm::PS512, "a", rsa_a()),
        (Algorithm::ES256, "ec", ec),
        (Algorithm::EdDSA, "ed", ed),
    ] {
        let token = sign(alg, Some(kid), &key, &claims());
        let verified = check(&config, &token).await;
        assert!(verified.is_ok(), "{alg:?}: {verified:?}");
    }
}

#[tokio::test]
async fn the_algorithm_is_the_keys_not_the_tokens() {
    // The key says RS256: a PS256 signature by the same key is refused.
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", Some("RS256")), ec_jwk("ec")]);
    let token = sign(Algorithm::PS256, Some("a"), &rsa_a(), &claims());
    let err = check(&config, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
    // An EC algorithm named on an RSA key's kid.
    let ec = EncodingKey::from_ec_der(&der(EC_P256_DER));
    let token = sign(Algorithm::ES256, Some("a"), &ec, &claims());
    let err = check(&config, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    for header in [json!({"alg": "none"}), json!({"alg": "none", "kid": "a"})] {
        let token = raw(header, &claims(), "");
        let err = check(&config, &token).await.unwrap_err();
        assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
        assert_eq!(err.reason(), "algorithm_not_allowed");
    }
}

#[tokio::test]
async fn hs256_forged_with_the_public_key_as_secret_is_refused() {
    let jwk = rsa_jwk(RSA_A_N, "a", None);
    let config = inline(vec![jwk.clone()]);
    let secrets = [
        jwk.to_string().into_bytes(),
        URL_SAFE_NO_PAD.decode(RSA_A_N).unwrap(),
        RSA_A_N.as_bytes().to_vec(),
    ];
    for secret in secrets {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let token = sign(
                alg,
                Some("a"),
                &EncodingKey::from_secret(&secret),
                &claims(),
            );
            let err = check(&config, &token).await.unwrap_err();
            assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
        }
    }
}

#[tokio::test]
async fn a_symmetric_key_in_the_jwks_is_never_used() {
    let secret = b"a shared secret of thirty-two bytes!";
    let oct = json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(secret), "kid": "s"});
    let config = inline(vec![oct.clone(), rsa_jwk(RSA_A_N, "a", None)]);
    let token = sign(
        Algorithm::HS256,
        Some("s"),
        &EncodingKey::from_secret(secret),
        &claims(),
    );
    let err = check(&config, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
    // A JWKS of only that key is not a usable configuration.
    let err = inline(vec![oct]).validate().unwrap_err();
    assert!(err.to_string().contains("'jwks'"), "{err}");
    assert!(err.to_string().contains("symmetric"), "{err}");
}

#[tokio::test]
async fn a_tampered_token_does_not_verify() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let token = rs256(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    // Another payload under the original signature.
    let mut admin = claims();
    admin["groups"] = json!(["cloud-admins"]);
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(admin.to_string()),
        parts[2]
    );
    assert_eq!(
        check(&config, &swapped).await.unwrap_err(),
        OidcError::BadSignature
    );
    // A signature with one byte changed.
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[10] ^= 0x01;
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(signature)
    );
    assert_eq!(
        check(&config, &flipped).await.unwrap_err(),
        OidcError::BadSignature
    );
    // Signed by another key under the trusted key's kid.
    let forged = sign(Algorithm::RS256, Some("a"), &rsa_b(), &claims());
    let err = check(&config, &forged).await.unwrap_err();
    assert_eq!(err, OidcError::BadSignature);
    assert_eq!(err.reason(), "bad_signature");
}

#[tokio::test]
async fn another_issuer_is_refused_before_any_fetch() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let verifier = verifier(fetch.clone(), quiet());
    let mut other = claims();
    other["iss"] = json!("https://other.example.test");
    let err = verifier
        .verify_at(&discovered(), &rs256(&other), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::WrongIssuer { found, .. } if found == "https://other.example.test"),
        "{err}"
    );
    assert_eq!(err.reason(), "wrong_issuer");
    assert_eq!(fetch.count(DISCOVERY), 0);
    // A trailing slash is another issuer too (the comparison is exact).
    other["iss"] = json!(format!("{ISSUER}/"));
    let err = verifier
        .verify_at(&discovered(), &rs256(&other), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::WrongIssuer { .. }), "{err}");
    let mut none = claims();
    none.as_object_mut().unwrap().remove("iss");
    let err = verifier
        .verify_at(&discovered(), &rs256(&none), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::WrongIssuer { .. }), "{err}");
}

#[tokio::test]
async fn the_audience_must_be_the_client_or_an_allowed_one() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let with = |aud: Value, azp: Option<&str>| {
        let mut c = claims();
        c["aud"] = aud;
        if let Some(azp) = azp {
            c["azp"] = json!(azp);
        }
        rs256(&c)
    };
    // Accepted: the client id, the resource indicator (a JWT access token), a list with
    // the client and azp naming it.
    for token in [
        with(json!(CLIENT), None),
        with(json!("urn:iam-groups"), None),
        with(json!(["urn:iam-groups", "https://other-api"]), None),
        with(json!([CLIENT, "https://other-api"]), Some(CLIENT)),
    ] {
        let verified = check(&config, &token).await;
        assert!(verified.is_ok(), "{verified:?}");
    }
    // Refused: another client, a list without us, several audiences without azp, azp
    // naming another client, no aud at all.
    let mut no_aud = claims();
    no_aud.as_object_mut().unwrap().remove("aud");
    for token in [
        with(json!("other-client"), None),
        with(json!(["other-client", "https://other-api"]), None),
        with(json!([CLIENT, "other-client"]), None),
        with(json!(CLIENT), Some("other-client")),
        rs256(&no_aud),
    ] {
        let err = check(&config, &token).await.unwrap_err();
        assert!(matches!(err, OidcError::WrongAudience(_)), "{err}");
        assert_eq!(err.reason(), "wrong_audience");
    }
    let err = check(&config, &with(json!(42), None)).await.unwrap_err();
    assert!(matches!(err, OidcError::Malformed(_)), "{err}");
}

#[tokio::test]
async fn exp_nbf_and_iat_are_checked_with_the_leeway() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let with = |name: &str, value: Value| {
        let mut c = claims();
        c["iat"] = json!(NOW - 100);
        c[name] = value;
        rs256(&c)
    };
    // Within the 30 s leeway: accepted.
    for token in [
        with("exp", json!(NOW - 30)),
        with("nbf", json!(NOW + 30)),
        with("iat", json!(NOW + 30)),
        with("exp", json!((NOW + 60) as f64 + 0.5)),
    ] {
        let verified = check(&config, &token).await;
        assert!(verified.is_ok(), "{verified:?}");
    }
    let err = check(&config, &with("exp", json!(NOW - 31)))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        OidcError::Expired {
            exp: NOW - 31,
            now: NOW
        }
    );
    assert_eq!(err.reason(), "expired");
    let err = check(&config, &with("nbf", json!(NOW + 31)))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::NotYetValid(_)), "{err}");
    assert_eq!(err.reason(), "not_yet_valid");
    let err = check(&config, &with("iat", json!(NOW + 31)))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::NotYetValid(_)), "{err}");
    // Missing or not numbers: malformed.
    for name in ["exp", "iat", "sub"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(name);
        let err = check(&config, &rs256(&c)).await.unwrap_err();
        assert!(matches!(err, OidcError::Malformed(_)), "{name}: {err}");
    }
    let err = check(&config, &with("exp", json!("tomorrow")))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::Malformed(_)), "{err}");
    // Issued after it expires.
    let mut c = claims();
    c["iat"] = json!(NOW);
    c["exp"] = json!(NOW - 5);
    let err = check(&config, &rs256(&c)).await.unwrap_err();
    assert!(matches!(err, OidcError::Malformed(_)), "{err}");
    // A leeway of 0 is exact.
    let strict = Verifier::with_fetch(
        VerifierSettings {
            leeway_secs: 0,
            ..VerifierSettings::default()
        },
        Arc::new(Scripted::default()),
    );
    let err = strict
        .verify_at(&config, &with("exp", json!(NOW - 1)), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::Expired { .. }), "{err}");
}

#[tokio::test]
async fn malformed_tokens_are_refused_as_such() {
    let config = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let token = rs256(&claims());
    let long = "a".repeat(20_000);
    for bad in [
        "",
        "not a token",
        "a.b",
        "a.b.c.d",
        "!!!.@@@.###",
        &format!("{token}.x.y"),
        &raw(json!("RS256"), &claims(), "c2ln"),
        &raw(json!({"kid": "a"}), &claims(), "c2ln"),
        &raw(json!({"alg": "RS256", "crit": ["exp"]}), &claims(), "c2ln"),
        &raw(json!({"alg": "RS256", "kid": 7}), &claims(), "c2ln"),
        &long,
    ] {
        let err = check(&config, bad).await.unwrap_err();
        assert!(matches!(err, OidcError::Malformed(_)), "{bad:.40}: {err}");
    }
    let err = check(&config, "h.e.a.d.er").await.unwrap_err();
    assert!(err.to_string().contains("JWE"), "{err}");
    let err = check(&config, &raw(json!({"alg": "RS1"}), &claims(), "c2ln"))
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::AlgorithmNotAllowed(_)), "{err}");
}

#[tokio::test]
async fn without_a_kid_only_a_single_fitting_key_is_used() {
    let token = sign(Algorithm::RS256, None, &rsa_a(), &claims());
    let one = inline(vec![rsa_jwk(RSA_A_N, "a", None)]);
    assert!(check(&one, &token).await.is_ok());
    // An EC key beside it does not fit RS256: still one candidate.
    let mixed = inline(vec![rsa_jwk(RSA_A_N, "a", None), ec_jwk("ec")]);
    assert!(check(&mixed, &token).await.is_ok());
    let two = inline(vec![
        rsa_jwk(RSA_A_N, "a", None),
        rsa_jwk(RSA_B_N, "b", None),
    ]);
    let err = check(&two, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
}

#[tokio::test]
async fn discovery_fetches_once_and_then_uses_the_cache() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None), ec_jwk("ec")]);
    let verifier = verifier(fetch.clone(), quiet());
    let token = rs256(&claims());
    for _ in 0..3 {
        let verified = verifier.verify_at(&discovered(), &token, NOW).await;
        assert!(verified.is_ok(), "{verified:?}");
    }
    // A clone shares the cache.
    let clone = verifier.clone();
    assert!(clone.verify_at(&discovered(), &token, NOW).await.is_ok());
    assert_eq!(fetch.count(DISCOVERY), 1);
    assert_eq!(fetch.count(JWKS_URI), 1);
}

#[tokio::test]
async fn expired_cached_keys_are_fetched_again() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let verifier = verifier(
        fetch.clone(),
        VerifierSettings {
            jwks_ttl: Duration::ZERO,
            ..quiet()
        },
    );
    let token = rs256(&claims());
    assert!(verifier.verify_at(&discovered(), &token, NOW).await.is_ok());
    assert!(verifier.verify_at(&discovered(), &token, NOW).await.is_ok());
    assert_eq!(fetch.count(JWKS_URI), 2);
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_then_waits_for_the_interval() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let verifier = verifier(
        fetch.clone(),
        VerifierSettings {
            min_refetch_interval: Duration::from_secs(3600),
            ..quiet()
        },
    );
    assert!(verifier
        .verify_at(&discovered(), &rs256(&claims()), NOW)
        .await
        .is_ok());
    assert_eq!(fetch.count(JWKS_URI), 1);
    // Many tokens with kids the provider never had: no fetch at all, the interval since
    // the first fetch has not passed.
    for n in 0..20 {
        let kid = format!("made-up-{n}");
        let token = sign(Algorithm::RS256, Some(&kid), &rsa_b(), &claims());
        let err = verifier
            .verify_at(&discovered(), &token, NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
        assert_eq!(err.reason(), "unknown_key");
    }
    assert_eq!(fetch.count(JWKS_URI), 1);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_one_refetch_and_a_removed_one_is_refused() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let verifier = verifier(
        fetch.clone(),
        VerifierSettings {
            min_refetch_interval: Duration::ZERO,
            ..quiet()
        },
    );
    let old = rs256(&claims());
    assert!(verifier.verify_at(&discovered(), &old, NOW).await.is_ok());
    assert_eq!(fetch.count(JWKS_URI), 1);
    // The provider rotates: key a is gone, key b signs.
    fetch.set(JWKS_URI, jwks(vec![rsa_jwk(RSA_B_N, "b", None)]));
    let new = sign(Algorithm::RS256, Some("b"), &rsa_b(), &claims());
    let verified = verifier.verify_at(&discovered(), &new, NOW).await;
    assert!(verified.is_ok(), "{verified:?}");
    assert_eq!(fetch.count(JWKS_URI), 2, "one refetch for the new kid");
    // A token of the removed key: one refetch (the interval is 0 here), still unknown.
    let err = verifier
        .verify_at(&discovered(), &old, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
    assert_eq!(fetch.count(JWKS_URI), 3);
    // And the new key keeps working from the cache.
    assert!(verifier.verify_at(&discovered(), &new, NOW).await.is_ok());
    assert_eq!(fetch.count(JWKS_URI), 3);
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    let verifier = verifier(fetch.clone(), quiet());
    let token = rs256(&claims());
    let config = discovered();
    let checks = (0..8).map(|_| verifier.verify_at(&config, &token, NOW));
    for verified in futures_util::future::join_all(checks).await {
        assert!(verified.is_ok(), "{verified:?}");
    }
    assert_eq!(fetch.count(JWKS_URI), 1);
}

#[tokio::test]
async fn a_failed_fetch_is_reported_and_not_retried_at_once() {
    let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
    fetch.remove(JWKS_URI);
    let verifier = verifier(fetch.clone(), quiet());
    let token = rs256(&claims());
    for _ in 0..5 {
        let err = verifier
            .verify_at(&discovered(), &token, NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OidcError::FetchFailed(why) if why.contains("404")),
            "{err}"
        );
        assert_eq!(err.reason(), "fetch_failed");
    }
    assert_eq!(fetch.count(JWKS_URI), 1);
}

#[tokio::test]
async fn the_discovery_document_must_name_the_issuer_and_a_safe_jwks_uri() {
    let token = rs256(&claims());
    for document in [
        json!({"issuer": "https://evil.example.test", "jwks_uri": JWKS_URI}),
        json!({"issuer": ISSUER}),
        json!({"issuer": ISSUER, "jwks_uri": "http://idp.example.test/jwks"}),
        json!({"issuer": ISSUER, "jwks_uri": "file:///etc/passwd"}),
    ] {
        let fetch = Scripted::provider(vec![rsa_jwk(RSA_A_N, "a", None)]);
        fetch.set(DISCOVERY, document.clone());
        let err = verifier(fetch.clone(), quiet())
            .verify_at(&discovered(), &token, NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(err, OidcError::FetchFailed(_)),
            "{document}: {err}"
        );
        assert_eq!(fetch.count(JWKS_URI), 0, "{document}");
    }
    // A JWKS with no usable key.
    let fetch = Scripted::provider(vec![json!({"kty": "oct", "k": "c2VjcmV0"})]);
    let err = verifier(fetch, quiet())
        .verify_at(&discovered(), &token, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::FetchFailed(_)), "{err}");
}

#[tokio::test]
async fn inline_keys_are_used_without_any_fetch() {
    let fetch = Scripted::provider(vec![]);
    let config = ProviderConfig {
        discovery: true,
        ..inline(vec![rsa_jwk(RSA_A_N, "a", None)])
    };
    let verifier = verifier(fetch.clone(), quiet());
    assert!(verifier
        .verify_at(&config, &rs256(&claims()), NOW)
        .await
        .is_ok());
    // A kid it does not hold is unknown at once: inline keys are not refetched.
    let token = sign(Algorithm::RS256, Some("b"), &rsa_b(), &claims());
    let err = verifier.verify_at(&config, &token, NOW).await.unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
    assert!(fetch.gets.lock().unwrap().is_empty());
}

fn field_of(err: ValueError) -> String {
    match err {
        ValueError::Invalid { field, .. } => field,
        other => panic!("not a field error: {other}"),
    }
}

#[test]
fn issuers_must_be_https_except_on_loopback() {
    for good in [
        "https://idp.example.test",
        "https://idp.example.test/realms/corp",
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://[::1]:9000/idp",
        "http://localhost:3000",
    ] {
        assert!(check_url("issuer", good).is_ok(), "{good}");
    }
    for bad in [
        "http://idp.example.test",
        "http://10.0.0.1",
        "http://[::2]",
        "http://localhost.example.test",
        "ftp://idp.example.test",
        "file:///etc/passwd",
        "idp.example.test",
        "",
        "https://user:pw@idp.example.test",
        "https://idp.example.test?x=1",
        "https://idp.example.test#top",
    ] {
        let err = check_url("issuer", bad).unwrap_err();
        assert_eq!(field_of(err.clone()), "issuer", "{bad}");
        assert!(
            err.to_string()
                .starts_with("Invalid input for field 'issuer'"),
            "{err}"
        );
    }
}

#[test]
fn configs_are_validated_with_the_field_named() {
    assert!(inline(vec![rsa_jwk(RSA_A_N, "a", None)]).validate().is_ok());
    assert!(discovered().validate().is_ok());
    let cases: Vec<(ProviderConfig, &str)> = vec![
        (
            ProviderConfig {
                issuer: "http://idp.example.test".into(),
                ..discovered()
            },
            "issuer",
        ),
        (
            ProviderConfig {
                discovery: false,
                ..discovered()
            },
            "discovery",
        ),
        (
            ProviderConfig {
                client_id: None,
                audiences: vec![],
                ..discovered()
            },
            "audiences",
        ),
        (
            ProviderConfig {
                client_id: Some(" ".into()),
                ..discovered()
            },
            "client_id",
        ),
        (
            ProviderConfig {
                audiences: vec!["".into()],
                ..discovered()
            },
            "audiences",
        ),
        (
            ProviderConfig {
                jwks: Some("{not json".into()),
                ..discovered()
            },
            "jwks",
        ),
        (
            ProviderConfig {
                jwks: Some(r#"{"keys": "none"}"#.into()),
                ..discovered()
            },
            "jwks",
        ),
        (inline(vec![]), "jwks"),
        (inline(vec![rsa_jwk(RSA_1024_N, "weak", None)]), "jwks"),
        (inline(vec![rsa_jwk(RSA_A_N, "a", Some("ES256"))]), "jwks"),
        (inline(vec![rsa_jwk(RSA_A_N, "a", Some("HS256"))]), "jwks"),
        (
            inline(vec![
                json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}),
            ]),
            "jwks",
        ),
        (
            inline(vec![json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})]),
            "jwks",
        ),
        (
            inline(vec![
                json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
            ]),
            "jwks",
        ),
    ];
    for (config, field) in cases {
        let err = config.validate().unwrap_err();
        assert_eq!(field_of(err), field, "{config:?}");
    }
    // A weak key says why.
    let err = inline(vec![rsa_jwk(RSA_1024_N, "weak", None)])
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("1024 bits"), "{err}");
}

#[test]
fn encryption_keys_are_left_out_quietly() {
    let set = KeySet::from_value(&jwks(vec![
        json!({"kty": "RSA", "n": RSA_B_N, "e": "AQAB", "use": "enc", "kid": "enc"}),
        json!({"kty": "RSA", "n": RSA_B_N, "e": "AQAB", "alg": "RSA-OAEP", "kid": "oaep"}),
        json!({"kty": "RSA", "n": RSA_B_N, "e": "AQAB", "key_ops": ["encrypt"], "kid": "ops"}),
        rsa_jwk(RSA_A_N, "a", None),
    ]))
    .expect("one signing key");
    assert_eq!(set.keys.len(), 1);
    assert_eq!(set.keys[0].kid.as_deref(), Some("a"));
    assert!(set.skipped.is_empty(), "{:?}", set.skipped);
}

#[test]
fn every_refusal_has_a_reason_word() {
    let all = [
        OidcError::Malformed(String::new()),
        OidcError::AlgorithmNotAllowed(String::new()),
        OidcError::UnknownKey(String::new()),
        OidcError::BadSignature,
        OidcError::WrongIssuer {
            expected: String::new(),
            found: String::new(),
        },
        OidcError::WrongAudience(String::new()),
        OidcError::Expired { exp: 0, now: 1 },
        OidcError::NotYetValid(String::new()),
        OidcError::FetchFailed(String::new()),
        OidcError::Misconfigured(String::new()),
    ];
    let reasons: std::collections::HashSet<&str> = all.iter().map(OidcError::reason).collect();
    assert_eq!(reasons.len(), all.len());
}

#[test]
fn the_oidc_section_of_the_config_gives_the_settings() {
    let dir = std::path::Path::new("/nonexistent");
    let settings = crate::config::Settings::from_sources(dir, &HashMap::new()).expect("defaults");
    assert_eq!(
        VerifierSettings::from(&settings.oidc),
        VerifierSettings::default(),
        "config/default.toml and VerifierSettings::default agree"
    );
    let env = HashMap::from([
        ("IAM_GROUPS_OIDC__LEEWAY_SECS".to_string(), "5".to_string()),
        (
            "IAM_GROUPS_OIDC__JWKS_MIN_REFETCH_SECS".to_string(),
            "0".to_string(),
        ),
    ]);
    let settings = crate::config::Settings::from_sources(dir, &env).expect("overrides");
    let verifier = VerifierSettings::from(&settings.oidc);
    assert_eq!(verifier.leeway_secs, 5);
    assert_eq!(verifier.min_refetch_interval, Duration::ZERO);
}
