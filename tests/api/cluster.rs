//! Several instances behind one database, sharing the signing key file: what one does,
//! the others see at the next request.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, json, spawn_app_with, TestApp};
use crate::postgres::PgCluster;

/// `n` instances on one fresh database and one key file, caching validated tokens for
/// `cache_ttl_ms` (0: every request goes to the database).
async fn instances_with_cache(n: usize, cache_ttl_ms: &str) -> Vec<TestApp> {
    let ttl = ("IAM_GROUPS_TOKEN_CACHE_TTL_MS", cache_ttl_ms);
    let first = spawn_app_with(&[ttl]).await;
    let key_file = first.dir.path().join("token.key").display().to_string();
    let database_url = first.database_url.clone();
    let mut apps = vec![first];
    for _ in 1..n {
        apps.push(
            spawn_app_with(&[
                ("IAM_GROUPS_TOKEN_KEY_FILE", key_file.as_str()),
                ("IAM_GROUPS_DATABASE_URL", database_url.as_str()),
                ttl,
            ])
            .await,
        );
    }
    apps
}

async fn instances(n: usize) -> Vec<TestApp> {
    instances_with_cache(n, "0").await
}

/// With the token cache on, a change is seen at once by the instance that made it and
/// within the cache lifetime by the others.
async fn cached_tokens_see_changes_at_once_here_and_within_the_ttl_elsewhere() {
    let apps = instances_with_cache(2, "700").await;
    let (a, b) = (&apps[0], &apps[1]);
    let uid = a.create_user("rita", "rita-pw-1").await;
    let rita = a.login("rita", "rita-pw-1").await;
    let path = format!("/v3/users/{uid}");
    // Both instances have now validated (and cached) the token.
    assert_eq!(a.call(Method::GET, &path, &rita, None).await.status(), 200);
    assert_eq!(b.call(Method::GET, &path, &rita, None).await.status(), 200);

    let started = std::time::Instant::now();
    a.patch(&path, json!({"user": {"enabled": false}})).await;
    assert_eq!(
        a.call(Method::GET, &path, &rita, None).await.status(),
        401,
        "at once here"
    );
    loop {
        let status = b
            .call(Method::GET, &path, &rita, None)
            .await
            .status()
            .as_u16();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "the other instance still accepts the token after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// What the cached reads answer on one instance: the group list's names, the group's
/// members, the user's groups, and the membership check's status.
async fn cached_reads(
    app: &TestApp,
    gid: &str,
    uid: &str,
) -> (Vec<String>, Vec<String>, Vec<String>, u16) {
    let names = |body: serde_json::Value, key: &str, field: &str| -> Vec<String> {
        let mut out: Vec<String> = body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[field].as_str().unwrap().to_string())
            .collect();
        out.sort();
        out
    };
    let groups = names(json(app.get("/v3/groups").await).await, "groups", "name");
    let members = names(
        json(app.get(&format!("/v3/groups/{gid}/users?limit=10")).await).await,
        "users",
        "id",
    );
    let of_user = names(
        json(app.get(&format!("/v3/users/{uid}/groups")).await).await,
        "groups",
        "id",
    );
    let check = app
        .head(&format!("/v3/groups/{gid}/users/{uid}"))
        .await
        .status()
        .as_u16();
    (groups, members, of_user, check)
}

/// With the read cache on, a change to groups or memberships is seen by the next request
/// on the instance that made it and within the cache lifetime on the others, for every
/// cached read: the group list, a group's members, a user's groups, the membership check.
async fn cached_reads_see_changes_at_once_here_and_within_the_ttl_elsewhere() {
    let apps = instances_with_cache(2, "700").await;
    let (a, b) = (&apps[0], &apps[1]);
    let gid = a.create_group("cached").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = a.create_user("carla", "carla-pw-1").await;
    // Both instances now hold the reads in their caches.
    let before = cached_reads(a, &gid, &uid).await;
    assert_eq!(before, cached_reads(b, &gid, &uid).await);
    assert!(before.1.is_empty() && before.2.is_empty());
    assert_eq!(before.3, 404);

    let started = std::time::Instant::now();
    assert_eq!(
        a.put(&format!("/v3/groups/{gid}/users/{uid}"))
            .await
            .status(),
        204
    );
    a.create_group("cached-2").await;
    let after = cached_reads(a, &gid, &uid).await;
    assert_eq!(after.1, vec![uid.clone()], "members, at once here");
    assert_eq!(
        after.2,
        vec![gid.clone()],
        "the user's groups, at once here"
    );
    assert_eq!(after.3, 204, "the membership check, at once here");
    assert!(
        after.0.contains(&"cached-2".to_string()),
        "the group list, at once here"
    );
    loop {
        if cached_reads(b, &gid, &uid).await == after {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "the other instance still answers from before the change after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // And back: a removal and a deletion, through the other instance this time.
    let started = std::time::Instant::now();
    assert_eq!(
        b.delete(&format!("/v3/groups/{gid}/users/{uid}"))
            .await
            .status(),
        204
    );
    let second = json(a.get("/v3/groups?name=cached-2").await).await;
    let second = second["groups"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        b.delete(&format!("/v3/groups/{second}")).await.status(),
        204
    );
    let emptied = cached_reads(b, &gid, &uid).await;
    assert_eq!((emptied.1.len(), emptied.2.len(), emptied.3), (0, 0, 404));
    assert!(!emptied.0.contains(&"cached-2".to_string()));
    loop {
        if cached_reads(a, &gid, &uid).await == emptied {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "the first instance still answers from before the removal after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn tokens_revocations_and_disabled_users_hold_across_instances() {
    let apps = instances(3).await;
    let (a, b, c) = (&apps[0], &apps[1], &apps[2]);
    let token = a.login("admin", crate::helpers::ADMIN_PASSWORD).await;
    for app in [a, b, c] {
        assert_eq!(
            app.call(Method::GET, "/v3/groups", &token, None)
                .await
                .status(),
            200
        );
    }

    let resp = b
        .client
        .delete(b.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &b.admin_token)
        .header("X-Subject-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    for app in [a, b, c] {
        let resp = app.call(Method::GET, "/v3/groups", &token, None).await;
        assert_error(resp, 401, "requires authentication").await;
    }

    let uid = a.create_user("pat", "pat-pw-1").await;
    let pat = b.login("pat", "pat-pw-1").await;
    let path = format!("/v3/users/{uid}");
    assert_eq!(a.call(Method::GET, &path, &pat, None).await.status(), 200);
    c.patch(&path, json!({"user": {"enabled": false}})).await;
    for app in [a, b, c] {
        assert_eq!(app.call(Method::GET, &path, &pat, None).await.status(), 401);
        let resp = app
            .call(
                Method::POST,
                "/v3/auth/tokens",
                "",
                Some(crate::helpers::password_auth("pat", "pat-pw-1")),
            )
            .await;
        assert_eq!(resp.status(), 401);
    }
}

async fn fifty_concurrent_creates_of_one_name_across_instances_yield_one_group() {
    let apps = instances(3).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let app = &apps[i % apps.len()];
        let (client, url, token) = (
            app.client.clone(),
            app.url("/v3/groups"),
            app.admin_token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-Auth-Token", token)
                .json(&json!({"group": {"name": "contested"}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    for app in &apps {
        let body = json(app.get("/v3/groups?name=contested").await).await;
        assert_eq!(body["groups"].as_array().unwrap().len(), 1);
    }
}

/// Forty creates at once on one instance (on SQLite they queue for its one writer and
/// commit in groups): each distinct name is stored and acknowledged, and the duplicates of
/// one name fail alone with Keystone's 409, without failing the writes committed with them.
async fn concurrent_writes_on_one_instance_each_get_their_own_answer() {
    let app = spawn_app_with(&[]).await;
    let names: Vec<String> = (0..40)
        .map(|i| match i % 4 {
            0 => "contested".to_string(),
            _ => format!("distinct-{i}"),
        })
        .collect();
    let tasks: Vec<_> = names
        .iter()
        .map(|name| {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/v3/groups"),
                app.admin_token.clone(),
            );
            let name = name.clone();
            tokio::spawn(async move {
                let resp = client
                    .post(url)
                    .header("X-Auth-Token", token)
                    .json(&json!({"group": {"name": name}}))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                (status, resp.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => created.push(body["group"]["name"].as_str().unwrap().to_string()),
            409 => {
                conflicts += 1;
                assert_eq!(
                    body,
                    json!({"error": {
                        "code": 409,
                        "title": "Conflict",
                        "message": "Conflict occurred attempting to store group - Duplicate \
                                    entry found with name contested at domain ID default.",
                    }})
                );
            }
            other => panic!("status {other}: {body}"),
        }
    }
    assert_eq!(conflicts, 9);
    created.sort();
    let mut expected: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with("distinct"))
        .cloned()
        .collect();
    expected.push("contested".into());
    expected.sort();
    assert_eq!(created, expected);
    let listed = json(app.get("/v3/groups").await).await;
    let mut stored: Vec<String> = listed["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    stored.sort();
    assert_eq!(
        stored, expected,
        "every acknowledged write is stored, nothing else"
    );
}

async fn concurrent_membership_changes_across_instances_stay_consistent() {
    let apps = instances(3).await;
    let gid = apps[0].create_group("shared").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(
            apps[i % 3]
                .create_user(&format!("c{i}"), "pw-cluster")
                .await,
        );
    }
    // Every instance adds every user at once, then every instance removes the odd ones.
    for add in [true, false] {
        let mut tasks = Vec::new();
        for app in &apps {
            for (i, uid) in users.iter().enumerate() {
                if !add && i % 2 == 0 {
                    continue;
                }
                let (client, token) = (app.client.clone(), app.admin_token.clone());
                let url = app.url(&format!("/v3/groups/{gid}/users/{uid}"));
                tasks.push(tokio::spawn(async move {
                    let req = if add {
                        client.put(url)
                    } else {
                        client.delete(url)
                    };
                    req.header("X-Auth-Token", token)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                }));
            }
        }
        let statuses: Vec<u16> = futures_join(tasks).await;
        if add {
            assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
        } else {
            // Exactly one remover of each user wins; the others find nothing to remove.
            assert_eq!(
                statuses.iter().filter(|s| **s == 204).count(),
                3,
                "{statuses:?}"
            );
            assert!(
                statuses.iter().all(|s| *s == 204 || *s == 404),
                "{statuses:?}"
            );
        }
    }
    let mut expected: Vec<String> = users.iter().step_by(2).cloned().collect();
    expected.sort();
    for app in &apps {
        let body = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
        let mut ids: Vec<String> = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        assert_eq!(ids, expected);
    }
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How long after a change made on one instance another answers with it. `None`: not
/// within `wait`.
async fn seen_after(
    wait: std::time::Duration,
    mut seen: impl AsyncFnMut() -> bool,
) -> Option<std::time::Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < wait {
        if seen().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    None
}

/// A new group in a list, a new membership and a disabled user's token, each changed on one
/// instance while the other had it cached for a minute: on PostgreSQL the instances announce
/// their changes to each other (LISTEN/NOTIFY), so the other sees each within milliseconds;
/// on SQLite, one node, another process sees them only when its entries expire.
async fn instances_agree_within_milliseconds_on_postgres_and_within_the_ttl_on_sqlite() {
    let apps = instances_with_cache(2, "60000").await;
    let (a, b) = (&apps[0], &apps[1]);
    let gid = a.create_group("agreed").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = a.create_user("dana", "dana-pw-1").await;
    let dana = a.login("dana", "dana-pw-1").await;
    let own = format!("/v3/users/{uid}");
    let member = format!("/v3/groups/{gid}/users/{uid}");
    let group_count = async |app: &TestApp| -> usize {
        let body = json(app.get("/v3/groups").await).await;
        body["groups"].as_array().map_or(0, Vec::len)
    };
    // B caches the list, dana's token and the membership check.
    assert_eq!(group_count(b).await, 1);
    assert_eq!(b.call(Method::GET, &own, &dana, None).await.status(), 200);
    assert_eq!(b.head(&member).await.status(), 404);

    a.create_group("announced").await;
    assert_eq!(a.put(&member).await.status(), 204);
    let resp = a.patch(&own, json!({"user": {"enabled": false}})).await;
    assert_eq!(resp.status(), 200);

    let wait = std::time::Duration::from_secs(2);
    let group = seen_after(wait, async || group_count(b).await == 2).await;
    let membership = seen_after(wait, async || b.head(&member).await.status() == 204).await;
    let token = seen_after(wait, async || {
        b.call(Method::GET, &own, &dana, None).await.status() == 401
    })
    .await;
    match crate::helpers::backend() {
        crate::helpers::Backend::Postgres => {
            for (what, seen) in [
                ("group", group),
                ("membership", membership),
                ("token", token),
            ] {
                let seen = seen.unwrap_or_else(|| panic!("{what}: not seen on B within {wait:?}"));
                // Milliseconds in practice; a generous bound for a shared machine.
                assert!(seen < std::time::Duration::from_secs(1), "{what}: {seen:?}");
            }
        }
        crate::helpers::Backend::Sqlite => {
            assert_eq!((group, token), (None, None), "cached on B for the minute");
            // A "not a member" answer is an error, and errors are never cached.
            assert!(membership.is_some());
        }
    }
}

both_backends!(
    concurrent_writes_on_one_instance_each_get_their_own_answer,
    instances_agree_within_milliseconds_on_postgres_and_within_the_ttl_on_sqlite,
    tokens_revocations_and_disabled_users_hold_across_instances,
    cached_tokens_see_changes_at_once_here_and_within_the_ttl_elsewhere,
    cached_reads_see_changes_at_once_here_and_within_the_ttl_elsewhere,
    fifty_concurrent_creates_of_one_name_across_instances_yield_one_group,
    concurrent_membership_changes_across_instances_stay_consistent,
);

/// PostgreSQL restarted under load: requests during the outage get a 503 in Keystone's
/// shape within the configured timeout, and the service recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_gives_503_and_the_service_recovers() {
    let Some(cluster) = tokio::task::block_in_place(PgCluster::start_new) else {
        assert!(!crate::postgres::required(), "PostgreSQL is required in CI");
        eprintln!("\n*** SKIPPED postgres_outage test: PostgreSQL is not installed. ***\n");
        crate::skips::record(crate::skips::Missing::Postgres);
        return;
    };
    let url = cluster.url("postgres");
    let app = spawn_app_with(&[
        ("IAM_GROUPS_DATABASE_URL", url.as_str()),
        ("IAM_GROUPS_DATABASE__CONNECTION_TIMEOUT", "2"),
        ("IAM_GROUPS_DATABASE__POOL_SIZE", "3"),
        // Every request goes to the database, so the outage shows at once (with the cache
        // on, recent reads are answered for up to cache_ttl_ms more).
        ("IAM_GROUPS_TOKEN_CACHE_TTL_MS", "0"),
    ])
    .await;
    assert_eq!(app.get("/v3/groups").await.status(), 200);

    // Load from four clients for the whole outage and recovery.
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut load = Vec::new();
    for _ in 0..4 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/v3/groups"),
            app.admin_token.clone(),
        );
        let running = running.clone();
        load.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = client
                    .get(&url)
                    .header("X-Auth-Token", &token)
                    .send()
                    .await
                    .unwrap();
                statuses.push(resp.status().as_u16());
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            statuses
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    tokio::task::block_in_place(|| cluster.stop());
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let resp = app.get("/v3/groups").await;
        let waited = started.elapsed();
        assert_error(resp, 503, "temporarily unavailable").await;
        assert!(
            waited < std::time::Duration::from_secs(5),
            "answered in {waited:?}"
        );
    }
    let resp = app
        .post("/v3/groups", json!({"group": {"name": "during-outage"}}))
        .await;
    assert_error(resp, 503, "temporarily unavailable").await;

    tokio::task::block_in_place(|| cluster.start());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let resp = app.get("/v3/groups").await;
        let status = resp.status().as_u16();
        if status == 200 {
            break;
        }
        assert_eq!(
            status,
            503,
            "only 503 while recovering: {}",
            resp.text().await.unwrap()
        );
        assert!(std::time::Instant::now() < deadline, "did not recover");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut seen = Vec::new();
    for task in load {
        seen.extend(task.await.unwrap());
    }
    assert!(seen.iter().all(|s| *s == 200 || *s == 503), "{seen:?}");
    assert!(seen.contains(&503) && seen.contains(&200), "{seen:?}");

    app.create_group("after-outage").await;
    let names: Vec<String> = json(app.get("/v3/groups").await).await["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["after-outage"],
        "nothing half-written during the outage"
    );
}

/// PostgreSQL stopped while many requests miss the token cache at once: they share one
/// load, and when it fails they all get its 503, none waiting more than
/// `database.connection_timeout` plus a second (a waiter used to load again after its
/// leader failed: two pool timeouts back to back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_shared_load_fails_its_waiters_within_the_timeout() {
    let Some(cluster) = tokio::task::block_in_place(PgCluster::start_new) else {
        assert!(!crate::postgres::required(), "PostgreSQL is required in CI");
        eprintln!("\n*** SKIPPED shared-load failure test: PostgreSQL is not installed. ***\n");
        crate::skips::record(crate::skips::Missing::Postgres);
        return;
    };
    let url = cluster.url("postgres");
    let app = spawn_app_with(&[
        ("IAM_GROUPS_DATABASE_URL", url.as_str()),
        ("IAM_GROUPS_DATABASE__CONNECTION_TIMEOUT", "2"),
        ("IAM_GROUPS_DATABASE__POOL_SIZE", "3"),
        ("IAM_GROUPS_TOKEN_CACHE_TTL_MS", "200"),
    ])
    .await;
    assert_eq!(app.get("/v3/groups").await.status(), 200);
    tokio::task::block_in_place(|| cluster.stop());
    // The admin's cached token context expires: the next requests all miss it together.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let limit = std::time::Duration::from_secs(2 + 1);
    let requests = (0..16).map(|_| {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/v3/groups"),
            app.admin_token.clone(),
        );
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let resp = client
                .get(&url)
                .header("X-Auth-Token", &token)
                .send()
                .await
                .unwrap();
            (resp, started.elapsed())
        })
    });
    let answers = futures_util::future::join_all(requests).await;
    for answer in answers {
        let (resp, waited) = answer.unwrap();
        assert!(waited < limit, "answered in {waited:?}");
        let body = assert_error(resp, 503, "temporarily unavailable").await;
        assert_eq!(
            body,
            json!({"error": {
                "code": 503,
                "title": "Service Unavailable",
                "message": "The service is temporarily unavailable; please retry shortly.",
            }})
        );
    }

    tokio::task::block_in_place(|| cluster.start());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get("/v3/groups").await.status() != 200 {
        assert!(std::time::Instant::now() < deadline, "did not recover");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
