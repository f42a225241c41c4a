//! Failure: the real binary killed with SIGKILL under write load (every acknowledged write
//! is there after a restart, the database is intact), stopped with SIGTERM (the request in
//! flight finishes, new connections are refused), and SQLite on a full or read-only disk
//! (clear 503s, reads go on, writes come back when the disk does).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, backend, fresh_database_url, password_auth, spawn_app_with, Backend,
    ADMIN_PASSWORD,
};

/// The service as its own process, so it can be killed.
struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    /// Starts the binary on `database_url` with its key files in `dir`, and waits until
    /// it answers.
    async fn start(database_url: &str, dir: &Path) -> Server {
        let port = free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_iam-groups"))
            .env("IAM_GROUPS_ENV", "test")
            .env(
                "IAM_GROUPS_CONFIG_DIR",
                concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
            )
            .env("IAM_GROUPS_DATABASE_URL", database_url)
            .env("IAM_GROUPS_TOKEN_KEY_FILE", dir.join("token.key"))
            .env("IAM_GROUPS_CREDENTIAL_KEY_FILE", dir.join("credential.key"))
            .env("IAM_GROUPS_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("IAM_GROUPS_BIND", format!("127.0.0.1:{port}"))
            .env("IAM_GROUPS_SERVER__WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the binary starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(resp) = server.client.get(server.url("/healthz")).send().await {
                if resp.status() == 200 {
                    return server;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the server did not come up; see {}",
                dir.join("server.log").display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    async fn login(&self) -> String {
        let resp = self
            .client
            .post(self.url("/v3/auth/tokens"))
            .json(&password_auth("admin", ADMIN_PASSWORD))
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 201);
        resp.headers()["x-subject-token"]
            .to_str()
            .expect("token")
            .to_string()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
    }

    /// Waits for the process to end, at most `limit`.
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the load acknowledged: groups created (201) and memberships added (204).
#[derive(Default)]
struct Acknowledged {
    groups: Vec<String>,
    memberships: Vec<(String, String)>,
}

/// Four writers create groups and put a user into each until the server goes away.
async fn write_until_gone(server: &Server, token: &str, users: &[String]) -> Acknowledged {
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, base, token) = (
            server.client.clone(),
            server.base.clone(),
            token.to_string(),
        );
        let (acked, users) = (acked.clone(), users.to_vec());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let created = client
                    .post(format!("{base}/v3/groups"))
                    .header("X-Auth-Token", &token)
                    .json(&json!({"group": {"name": format!("load-{w}-{i}")}}))
                    .send()
                    .await;
                let Ok(resp) = created else { break };
                if resp.status() != 201 {
                    continue;
                }
                let Ok(body) = resp.json::<Value>().await else {
                    break;
                };
                let id = body["group"]["id"].as_str().expect("id").to_string();
                acked.lock().expect("lock").groups.push(id.clone());
                let user = &users[i % users.len()];
                let added = client
                    .put(format!("{base}/v3/groups/{id}/users/{user}"))
                    .header("X-Auth-Token", &token)
                    .send()
                    .await;
                match added {
                    Ok(resp) if resp.status() == 204 => acked
                        .lock()
                        .expect("lock")
                        .memberships
                        .push((id, user.clone())),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }));
    }
    // Enough load to be killed in the middle of it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().expect("lock").groups.len() < 60 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = server.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(30), writer)
            .await
            .expect("writers stop once the server is gone")
            .expect("writer");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    acked
}

/// The database's own integrity check, and no membership without its group and user.
fn assert_database_intact(database_url: &str) {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let orphans = "SELECT count(*) AS n FROM user_group_membership m \
                   WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = m.group_id) \
                   OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id)";
    match backend() {
        Backend::Sqlite => {
            #[derive(diesel::QueryableByName)]
            struct Check {
                #[diesel(sql_type = diesel::sql_types::Text)]
                integrity_check: String,
            }
            let path = database_url.trim_start_matches("sqlite://");
            let mut conn = diesel::SqliteConnection::establish(path).expect("open sqlite");
            let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
                .load(&mut conn)
                .expect("integrity_check");
            assert_eq!(check.len(), 1);
            assert_eq!(check[0].integrity_check, "ok");
            let n: Count = diesel::sql_query(orphans)
                .get_result(&mut conn)
                .expect("orphans");
            assert_eq!(n.n, 0, "memberships without their group or user");
        }
        Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(database_url).expect("open pg");
            let n: Count = diesel::sql_query(orphans)
                .get_result(&mut conn)
                .expect("orphans");
            assert_eq!(n.n, 0, "memberships without their group or user");
        }
    }
}

async fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = tokio::task::block_in_place(|| fresh_database_url(dir.path()));
    let server = Server::start(&url, dir.path()).await;
    let token = server.login().await;
    let mut users = Vec::new();
    for i in 0..3 {
        let resp = server
            .client
            .post(server.url("/v3/users"))
            .header("X-Auth-Token", &token)
            .json(&json!({"user": {"name": format!("member-{i}")}}))
            .send()
            .await
            .expect("create user");
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.expect("json");
        users.push(body["user"]["id"].as_str().expect("id").to_string());
    }

    let acked = write_until_gone(&server, &token, &users).await;
    drop(server);
    assert!(acked.groups.len() >= 60, "{} writes", acked.groups.len());

    let server = Server::start(&url, dir.path()).await;
    let token = server.login().await;
    for id in &acked.groups {
        let resp = server
            .client
            .get(server.url(&format!("/v3/groups/{id}")))
            .header("X-Auth-Token", &token)
            .send()
            .await
            .expect("show");
        assert_eq!(resp.status(), 200, "acknowledged group {id} is gone");
    }
    for (group, user) in &acked.memberships {
        let resp = server
            .client
            .head(server.url(&format!("/v3/groups/{group}/users/{user}")))
            .header("X-Auth-Token", &token)
            .send()
            .await
            .expect("check");
        assert_eq!(resp.status(), 204, "acknowledged membership {group}/{user}");
    }
    // Whatever was in flight at the kill either happened whole or not at all: every group
    // stored is one the load made, and the count matches the list.
    let resp = server
        .client
        .get(server.url("/v3/groups?name__startswith=load-"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .expect("list");
    let listed: Value = resp.json().await.expect("json");
    let stored = listed["groups"].as_array().expect("groups").len();
    // At most one request per writer was in flight when the process died.
    assert!(
        (acked.groups.len()..=acked.groups.len() + 4).contains(&stored),
        "{stored} stored, {} acknowledged",
        acked.groups.len()
    );
    drop(server);
    eprintln!(
        "kill -9 under load: {} groups and {} memberships acknowledged, all present after restart",
        acked.groups.len(),
        acked.memberships.len()
    );
    tokio::task::block_in_place(|| assert_database_intact(&url));
}

/// SIGTERM: a request already being received is answered, a new connection is refused,
/// and the process exits cleanly.
async fn sigterm_finishes_the_request_in_flight_and_refuses_new_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = tokio::task::block_in_place(|| fresh_database_url(dir.path()));
    let mut server = Server::start(&url, dir.path()).await;
    let token = server.login().await;
    let port = server.port();

    let body = json!({"group": {"name": "in-flight"}}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let (first, rest) = (first.to_string(), rest.to_string());
    let head = format!(
        "POST /v3/groups HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = tokio::task::block_in_place(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        stream.write_all(head.as_bytes()).expect("head");
        stream.write_all(first.as_bytes()).expect("half the body");
        std::thread::sleep(Duration::from_millis(300));
        server.signal("TERM");
        std::thread::sleep(Duration::from_millis(500));
        let refused = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(2),
        )
        .is_err();
        stream.write_all(rest.as_bytes()).expect("the rest");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        let status = server.wait(Duration::from_secs(40));
        (answer, refused, status)
    });
    let (answer, refused, status) = answer;
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight: {answer}"
    );
    assert!(refused, "a new connection after SIGTERM was accepted");
    assert!(status.success(), "exit status {status}");

    let server = Server::start(&url, dir.path()).await;
    let token = server.login().await;
    let listed: Value = server
        .client
        .get(server.url("/v3/groups?name=in-flight"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["groups"].as_array().expect("groups").len(), 1);
}

both_backends!(
    kill_9_under_write_load_loses_no_acknowledged_write,
    sigterm_finishes_the_request_in_flight_and_refuses_new_ones,
);

/// A small filesystem of its own, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
    _holder: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where this user may not mount (a developer's machine without root).
    fn mount(size: &str) -> Option<SmallDisk> {
        let holder = tempfile::tempdir().ok()?;
        let dir = holder.path().join("disk");
        std::fs::create_dir(&dir).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallDisk {
            dir,
            _holder: holder,
        })
    }

    fn remount(&self, mode: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Fills the rest of the disk with a file.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// SQLite on a full disk, then a read-only one: writes are 503 in both faces' shapes,
/// reads go on, nothing half-written shows, and writes work again once the disk does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_or_read_only_disk_gives_503_and_recovers() {
    let Some(disk) = SmallDisk::mount("6m") else {
        assert!(
            !crate::postgres::required(),
            "mounting a small tmpfs is needed in CI (runs as root)"
        );
        eprintln!("\n*** SKIPPED full-disk test: this user cannot mount a tmpfs. ***\n");
        crate::skips::record(crate::skips::Missing::Tmpfs);
        return;
    };
    let url = format!("sqlite://{}", disk.dir.join("iam.sqlite").display());
    let app = spawn_app_with(&[
        ("IAM_GROUPS_DATABASE_URL", url.as_str()),
        // Reads straight from the database, so what they show is what is stored.
        ("IAM_GROUPS_TOKEN_CACHE_TTL_MS", "0"),
    ])
    .await;
    app.create_group("before-full").await;

    let filler = disk.fill();
    // The WAL may still have room for a few pages: write until the disk says no.
    let mut statuses = Vec::new();
    for i in 0..400 {
        let resp = app
            .post(
                "/v3/groups",
                json!({"group": {"name": format!("while-full-{i}"), "description": "x".repeat(200)}}),
            )
            .await;
        let status = resp.status().as_u16();
        statuses.push(status);
        if status == 503 {
            assert_error(resp, 503, "temporarily unavailable").await;
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "{statuses:?}"
    );
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    // Reads go on while writes cannot.
    let listed = app.get("/v3/groups").await;
    assert_eq!(listed.status(), 200);
    let names: Vec<String> = listed.json::<Value>().await.expect("json")["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(names.len(), 1 + accepted, "{names:?}");
    // The Baidu face says the same in its own shape.
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &app.admin_token,
            Some(json!({"name": "baidu-while-full"})),
        )
        .await;
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "ServiceUnavailable", "{body}");

    std::fs::remove_file(filler).expect("make room");
    app.create_group("after-room").await;

    // A read-only disk: the same clear 503, and writes again once it is writable.
    if disk.remount("ro") {
        let resp = app
            .post("/v3/groups", json!({"group": {"name": "while-read-only"}}))
            .await;
        assert_error(resp, 503, "temporarily unavailable").await;
        assert_eq!(app.get("/v3/groups?name=after-room").await.status(), 200);
        assert!(disk.remount("rw"), "remount rw");
        app.create_group("after-read-only").await;
    } else {
        eprintln!("note: could not remount the tmpfs read-only; the full-disk half ran");
    }
}
