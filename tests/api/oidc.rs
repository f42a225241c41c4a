//! `iam_groups::auth::oidc` against a real OpenID Connect provider (tests/oidc, npm's
//! certified `oidc-provider`): tokens from its token endpoint, verified through its real
//! discovery document and JWKS. These tests start no iam-groups server and touch no
//! database, so they run once, not per backend; the federated sign-in's own tests (which
//! call this module through the HTTP route) run on both.

use std::time::Duration;

use iam_groups::auth::oidc::{OidcError, ProviderConfig, Verifier, VerifierSettings};
use serde_json::json;

use crate::oidc_provider::{OidcProvider, Options, ALICE, BOB};

fn verifier() -> Verifier {
    Verifier::new(VerifierSettings::default()).expect("verifier")
}

/// A token with one character of its signature changed (in the middle, where every bit
/// counts).
fn tamper_signature(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').expect("a JWS");
    let mut chars: Vec<char> = signature.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    format!("{message}.{}", chars.into_iter().collect::<String>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_and_access_tokens_of_a_real_provider_are_accepted_with_their_claims() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    let verifier = verifier();
    let config = idp.config();
    config
        .validate()
        .expect("a loopback http issuer is a valid config");

    let tokens = idp.password_token(ALICE.0, ALICE.1).await;
    let id_token = tokens.id_token.expect("an id token with the openid scope");
    let claims = verifier.verify(&config, &id_token).await.expect("id token");
    assert_eq!(claims["iss"], json!(idp.issuer));
    assert_eq!(claims["aud"], json!(idp.client_id));
    assert_eq!(claims["sub"], "alice-sub");
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["email"], "alice@example.test");
    assert_eq!(claims["groups"], json!(["developers", "admins"]));

    // The JWT access token: the resource as audience, the same user claims.
    let claims = verifier
        .verify(&config, &tokens.access_token)
        .await
        .expect("access token");
    assert_eq!(claims["aud"], json!(idp.resource));
    assert_eq!(claims["client_id"], json!(idp.client_id));
    assert_eq!(claims["sub"], "alice-sub");
    assert_eq!(claims["groups"], json!(["developers", "admins"]));

    let bob = idp.password_token(BOB.0, BOB.1).await;
    let claims = verifier
        .verify(&config, &bob.access_token)
        .await
        .expect("bob's access token");
    assert_eq!(claims["preferred_username"], "bob");
    assert_eq!(claims["groups"], json!(["readers"]));

    // client_credentials: an access token for the client itself, no id token.
    let client = idp.client_credentials_token().await;
    assert!(client.id_token.is_none());
    let claims = verifier
        .verify(&config, &client.access_token)
        .await
        .expect("client_credentials access token");
    assert_eq!(claims["sub"], json!(idp.client_id));
    assert_eq!(claims["scope"], "groups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_keys_work_inline_without_discovery() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    // Huawei's signing_key: the JWKS given in the config, nothing fetched.
    let config = ProviderConfig {
        jwks: Some(idp.jwks().await),
        discovery: false,
        ..idp.config()
    };
    config
        .validate()
        .expect("the provider's JWKS is a valid signing_key");
    let tokens = idp.password_token(ALICE.0, ALICE.1).await;
    let id_token = tokens.id_token.expect("id token");
    let claims = verifier().verify(&config, &id_token).await.expect("inline");
    assert_eq!(claims["preferred_username"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_of_another_issuer_is_refused() {
    let Some(ours) = OidcProvider::start().await else {
        return;
    };
    let Some(theirs) = OidcProvider::start().await else {
        return;
    };
    assert_ne!(ours.issuer, theirs.issuer);
    let verifier = verifier();
    let tokens = theirs.password_token(ALICE.0, ALICE.1).await;
    for token in [tokens.access_token, tokens.id_token.expect("id token")] {
        let err = verifier.verify(&ours.config(), &token).await.unwrap_err();
        assert_eq!(
            err,
            OidcError::WrongIssuer {
                expected: ours.issuer.clone(),
                found: theirs.issuer.clone()
            }
        );
        assert_eq!(err.reason(), "wrong_issuer");
    }
    // Configured with the other issuer's name but our keys (a wrong signing_key): the
    // signature does not verify with any key it holds.
    let mixed = ProviderConfig {
        issuer: theirs.issuer.clone(),
        jwks: Some(ours.jwks().await),
        discovery: false,
        ..ours.config()
    };
    let token = theirs.password_token(BOB.0, BOB.1).await.access_token;
    let err = verifier.verify(&mixed, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_is_refused() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    let verifier = verifier();
    // The other client's id token (aud: other-client, signed with the provider's EC key).
    let other = idp
        .password_token_for(
            (&idp.other_client_id, &idp.other_client_secret),
            ALICE.0,
            ALICE.1,
        )
        .await;
    let id_token = other.id_token.expect("id token");
    let err = verifier.verify(&idp.config(), &id_token).await.unwrap_err();
    assert!(matches!(err, OidcError::WrongAudience(_)), "{err}");
    assert_eq!(err.reason(), "wrong_audience");
    // The same token is fine for a config of that client: ES256 verifies through the JWKS.
    let theirs = ProviderConfig {
        client_id: Some(idp.other_client_id.clone()),
        audiences: vec![],
        ..idp.config()
    };
    let claims = verifier.verify(&theirs, &id_token).await.expect("ES256");
    assert_eq!(claims["aud"], json!(idp.other_client_id));

    // An access token for the resource, checked by a config that allows only the client
    // id (no resource audience).
    let ours = idp.password_token(ALICE.0, ALICE.1).await;
    let client_only = ProviderConfig {
        audiences: vec![],
        ..idp.config()
    };
    let err = verifier
        .verify(&client_only, &ours.access_token)
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::WrongAudience(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused() {
    let Some(idp) = OidcProvider::start_with(Options {
        token_ttl: Some(1),
        ..Options::default()
    })
    .await
    else {
        return;
    };
    let strict = Verifier::new(VerifierSettings {
        leeway_secs: 0,
        ..VerifierSettings::default()
    })
    .expect("verifier");
    let tokens = idp.password_token(ALICE.0, ALICE.1).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for token in [tokens.access_token, tokens.id_token.expect("id token")] {
        let err = strict.verify(&idp.config(), &token).await.unwrap_err();
        assert!(matches!(err, OidcError::Expired { .. }), "{err}");
        assert_eq!(err.reason(), "expired");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_signature_is_refused() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    let verifier = verifier();
    let tokens = idp.password_token(BOB.0, BOB.1).await;
    for token in [tokens.access_token, tokens.id_token.expect("id token")] {
        assert!(verifier.verify(&idp.config(), &token).await.is_ok());
        let err = verifier
            .verify(&idp.config(), &tamper_signature(&token))
            .await
            .unwrap_err();
        assert_eq!(err, OidcError::BadSignature);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_jwks_no_longer_holds_is_refused_and_the_new_one_is_found() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    // Refetching on a kid miss at once, so the test need not wait for the interval.
    let verifier = Verifier::new(VerifierSettings {
        min_refetch_interval: Duration::ZERO,
        ..VerifierSettings::default()
    })
    .expect("verifier");
    let config = idp.config();
    let old = idp.password_token(ALICE.0, ALICE.1).await.access_token;
    verifier
        .verify(&config, &old)
        .await
        .expect("before rotation");

    // The provider restarts on the same port (same issuer) with new keys.
    let port = idp.port;
    idp.stop();
    let idp = OidcProvider::start_with(Options {
        port: Some(port),
        ..Options::default()
    })
    .await
    .expect("restarted");
    assert_eq!(idp.config(), config);
    let new = idp.password_token(ALICE.0, ALICE.1).await.access_token;
    verifier
        .verify(&config, &new)
        .await
        .expect("the new key, found by a refetch on its kid");
    let err = verifier.verify(&config, &old).await.unwrap_err();
    assert!(matches!(err, OidcError::UnknownKey(_)), "{err}");
    assert_eq!(err.reason(), "unknown_key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_gone_is_a_fetch_failure() {
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    let config = idp.config();
    let token = idp.password_token(ALICE.0, ALICE.1).await.access_token;
    idp.stop();
    let err = verifier().verify(&config, &token).await.unwrap_err();
    assert!(matches!(err, OidcError::FetchFailed(_)), "{err}");
    assert_eq!(err.reason(), "fetch_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystoneauths_oidc_plugins_get_tokens_that_verify() {
    let Some(python) = crate::helpers::venv_python("keystoneauth's OpenID Connect plugins") else {
        return;
    };
    let Some(idp) = OidcProvider::start().await else {
        return;
    };
    let input = json!({
        "discovery": format!("{}/.well-known/openid-configuration", idp.issuer),
        "client_id": idp.client_id,
        "client_secret": idp.client_secret,
        "username": ALICE.0,
        "password": ALICE.1,
    });
    let out = crate::helpers::run_sdk_script(python, "oidc_tokens.py", &input).await;
    let tokens: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    let verifier = verifier();
    let claims = verifier
        .verify(&idp.config(), tokens["password"].as_str().expect("token"))
        .await
        .expect("v3oidcpassword's access token");
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["groups"], json!(["developers", "admins"]));
    let claims = verifier
        .verify(
            &idp.config(),
            tokens["client_credentials"].as_str().expect("token"),
        )
        .await
        .expect("v3oidcclientcredentials's access token");
    assert_eq!(claims["sub"], json!(idp.client_id));
}
