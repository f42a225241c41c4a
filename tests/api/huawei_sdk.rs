//! Huawei Cloud's own Python SDK (`huaweicloudsdkiam`, from tests/requirements.txt) against
//! the running service: tests/clients/huawei_sdk.py drives every group operation of its
//! IamClient with SHA256 and SM3 signatures, a token, and domain discovery, plus the
//! access-key calls and the 401s it must report.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{json, run_sdk_script, spawn_app, venv_python};

async fn the_huawei_sdk_manages_groups_with_access_keys_and_tokens() {
    let Some(python) = venv_python("the Huawei Cloud SDK test") else {
        return;
    };
    let app = spawn_app().await;
    let owner = app.create_user("sdk-owner", "sdk-owner-pw-1").await;
    app.grant_domain_role(&owner, "default", "admin").await;
    let member = app.create_user("sdk-member", "sdk-member-pw-1").await;
    // The owner makes their own keys, as a Huawei IAM user does.
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"id": owner, "password": "sdk-owner-pw-1"}}},
                "scope": {"domain": {"id": "default"}}}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    let _ = json(resp).await;
    let first = app.create_access_key(&token, &owner).await;
    let second = app.create_access_key(&token, &owner).await;

    let input = json!({
        "endpoint": app.base,
        "domain_id": "default",
        "user_id": owner,
        "member_id": member,
        "ak": first.access, "sk": first.secret,
        "ak2": second.access, "sk2": second.secret,
        "token": token,
    });
    let stdout = run_sdk_script(python, "huawei_sdk.py", &input).await;
    assert!(stdout.contains("checks passed"), "{stdout}");

    // What the SDK did is visible through the API: the second key is inactive, and every
    // group it created is gone again.
    let shown = json(
        app.get(&format!(
            "/v3.0/OS-CREDENTIAL/credentials/{}",
            second.access
        ))
        .await,
    )
    .await;
    assert_eq!(shown["credential"]["status"], "inactive");
    assert_eq!(app.group_count().await, 0);
}

both_backends!(the_huawei_sdk_manages_groups_with_access_keys_and_tokens);
