//! Throwaway PostgreSQL clusters for the tests, made with `initdb` in a temporary folder
//! on a free port. A watchdog process stops each cluster and removes its folder when the
//! test process exits, however it exits.
//!
//! `IAM_GROUPS_TEST_POSTGRES_URL` (a URL whose user may CREATE DATABASE) points the tests
//! at an existing server instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A PostgreSQL cluster started by the tests.
pub struct PgCluster {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    as_postgres_user: bool,
}

fn is_root() -> bool {
    // The cluster's files must not belong to root: postgres refuses to run as root.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The folder holding `initdb`, `pg_ctl` and `postgres`, if PostgreSQL is installed.
fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    candidates.sort();
    if let Some(newest) = candidates.pop() {
        return Some(newest);
    }
    let which = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&which.stdout).trim().to_string();
    Path::new(&path).parent().map(Path::to_path_buf)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PgCluster {
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Creates and starts a new cluster; `None` if PostgreSQL is not installed.
    pub fn start_new() -> Option<PgCluster> {
        let bin = find_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("iam-groups-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let as_postgres_user = is_root();
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["-R", "postgres:", dir.to_str().unwrap()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the cluster folder");
        }
        let cluster = PgCluster {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
        };
        let out = cluster
            .command("initdb")
            .args(["-D", cluster.data().to_str().unwrap()])
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.start();
        cluster.spawn_watchdog();
        Some(cluster)
    }

    /// Starts (or restarts) the server and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400",
            self.port,
            self.dir.display()
        );
        let out = self
            .command("pg_ctl")
            .args(["-D", self.data().to_str().unwrap()])
            .args(["-l", self.dir.join("server.log").to_str().unwrap()])
            .args(["-o", &options, "-w", "-t", "30", "start"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while PgConnection::establish(&self.url("postgres")).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server as a restart does: clients are cut off at once.
    pub fn stop(&self) {
        let out = self
            .command("pg_ctl")
            .args(["-D", self.data().to_str().unwrap()])
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .expect("pg_ctl runs");
        assert!(out.status.success(), "pg_ctl stop failed");
    }

    /// Stops the cluster and removes its folder once this test process has gone.
    fn spawn_watchdog(&self) {
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; \
             {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data().display(),
            dir = self.dir.display(),
        );
        let mut watchdog = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh", "-c", &script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", &script]);
            c
        };
        // Deliberately not waited for: it must outlive this process to clean up after it.
        #[allow(clippy::zombie_processes)]
        watchdog
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("watchdog starts");
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

/// The server the PostgreSQL half of the suite uses: `(url of the admin database, maker)`.
fn shared_server() -> &'static Option<String> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("IAM_GROUPS_TEST_POSTGRES_URL") {
            return Some(url);
        }
        let cluster = PgCluster::start_new()?;
        let url = cluster.url("postgres");
        // The shared cluster lives as long as the test process; the watchdog cleans up.
        std::mem::forget(cluster);
        Some(url)
    })
}

/// True when PostgreSQL tests must run (CI): a missing server is then a failure.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("IAM_GROUPS_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

pub fn available() -> bool {
    shared_server().is_some()
}

/// A fresh, empty database on the shared server; returns its URL.
pub fn fresh_database() -> String {
    let admin_url = shared_server().as_ref().expect("PostgreSQL available");
    let name = format!("iam_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::establish(admin_url).expect("connect to PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create database");
    match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("IAM_GROUPS_TEST_POSTGRES_URL must name a database"),
    }
}
