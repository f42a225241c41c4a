//! Baidu AI Cloud's own Python SDK (`bce-python-sdk`, from tests/requirements.txt) against
//! the running service: tests/clients/baidu_sdk.py makes the owner's first access key with
//! a Keystone token, then drives every group call of the SDK's IamClient, its user and
//! access-key calls, and the errors it must report, signed with bce-auth-v1, and checks that
//! the Keystone face sees the same groups and memberships.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, run_sdk_script, spawn_app, venv_python};

async fn the_baidu_sdk_manages_groups_users_and_access_keys() {
    let Some(python) = venv_python("the Baidu AI Cloud SDK test") else {
        return;
    };
    let app = spawn_app().await;
    let owner = app.create_user("sdk-owner", "sdk-owner-pw-1").await;
    app.grant_domain_role(&owner, "default", "admin").await;
    let member = app.create_user("sdk-member", "sdk-member-pw-1").await;
    // The owner's token, scoped to its domain (its Baidu "account").
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

    let input = json!({
        "endpoint": app.base,
        "owner": "sdk-owner",
        "owner_id": owner,
        "token": token,
        "member": "sdk-member",
        "member_id": member,
    });
    let stdout = run_sdk_script(python, "baidu_sdk.py", &input).await;
    // Each check the script made, shown with --nocapture.
    println!("{stdout}");
    assert!(stdout.contains("checks passed"), "{stdout}");
    assert!(stdout.contains("bce-python-sdk 0.9.79"), "{stdout}");
    let result: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|l| serde_json::from_str(l).expect("RESULT is JSON"))
        .unwrap_or_else(|| panic!("no RESULT line\n{stdout}"));
    let owner_ak = result["owner_ak"].as_str().unwrap();
    let user_ak = result["user_ak"].as_str().unwrap();
    let kept = result["kept_group_id"].as_str().unwrap();
    let user_id = result["user_id"].as_str().unwrap();

    // What the SDK left behind is visible through the Keystone and Huawei faces.
    // The one group it kept, with the member in it; every other group is gone.
    let groups = json(app.get("/v3/groups").await).await;
    let groups = groups["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["id"], kept);
    assert_eq!(groups[0]["name"], "sdk-kept");
    assert_eq!(groups[0]["description"], "kept by the SDK");
    assert_eq!(groups[0]["domain_id"], "default");
    let users = json(app.get(&format!("/v3/groups/{kept}/users")).await).await;
    let ids: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [member.as_str()]);

    // The user it made, as it updated it, in the owner's domain.
    let shown = json(app.get(&format!("/v3/users/{user_id}")).await).await;
    assert_eq!(shown["user"]["name"], "sdk-user");
    assert_eq!(shown["user"]["domain_id"], "default");
    assert_eq!(shown["user"]["description"], "updated by the SDK");

    // The owner holds exactly its first key, enabled; the second is deleted.
    let keys = json(
        app.get(&format!("/v3.0/OS-CREDENTIAL/credentials?user_id={owner}"))
            .await,
    )
    .await;
    let keys = keys["credentials"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["access"], owner_ak);
    assert_eq!(keys[0]["status"], "active");
    // sdk-user's key is in the same store.
    let theirs = json(
        app.get(&format!("/v3.0/OS-CREDENTIAL/credentials/{user_ak}"))
            .await,
    )
    .await;
    assert_eq!(theirs["credential"]["user_id"], user_id);
    assert_eq!(theirs["credential"]["status"], "active");
}

both_backends!(the_baidu_sdk_manages_groups_users_and_access_keys);
