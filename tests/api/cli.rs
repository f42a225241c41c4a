//! The operator subcommands, run as the real binary.

use std::process::{Command, Output};

use crate::helpers::fresh_database_url;

fn run(database_url: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_iam-groups"))
        .args(args)
        .env_clear()
        .env("IAM_GROUPS_ENV", "test")
        .env(
            "IAM_GROUPS_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        )
        .env("IAM_GROUPS_DATABASE_URL", database_url)
        .env("IAM_GROUPS_TOKEN_KEY_FILE", dir.path().join("token.key"))
        .output()
        .expect("binary runs")
}

/// Migration versions as diesel reports them (`2026-11-22-000000_x` is `20261122000000`),
/// read from the folder so that a new migration needs no change here.
fn migration_versions() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    let mut versions: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            name.split('_').next().unwrap().replace('-', "")
        })
        .collect();
    versions.sort();
    versions
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

async fn db_check_migrate_and_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let url = tokio::task::block_in_place(|| fresh_database_url(dir.path()));

    let check = run(&url, &["db", "check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "pending migrations: {}",
        stdout(&check)
    );
    assert!(stdout(&check).contains("schema version: none"));
    let versions = migration_versions();
    let all = versions.join(", ");
    let newest = versions.last().unwrap();
    assert!(
        stdout(&check).contains(&format!("pending migrations: {all}")),
        "{}",
        stdout(&check)
    );

    let migrate = run(&url, &["db", "migrate"]);
    assert!(migrate.status.success());
    assert!(stdout(&migrate).contains(&format!("applied migrations: {all}")));
    let again = run(&url, &["db", "migrate"]);
    assert!(stdout(&again).contains("schema is up to date"));

    let check = run(&url, &["db", "check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).contains(&format!("schema version: {newest}")));
    assert!(stdout(&check).contains("pending migrations: none"));

    // No password configured: one is generated and shown once; a second run keeps it.
    let first = run(&url, &["bootstrap"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout(&first).contains("with password: "));
    assert!(stdout(&first).contains("bootstrap complete: user 'admin'"));
    let second = run(&url, &["bootstrap"]);
    assert!(second.status.success());
    assert!(!stdout(&second).contains("with password"));
    let ids = |o: &Output| stdout(o).lines().last().unwrap_or_default().to_string();
    assert_eq!(
        ids(&first).split('(').nth(1),
        ids(&second).split('(').nth(1),
        "same admin"
    );
}

both_backends!(db_check_migrate_and_bootstrap);

#[test]
fn help_names_every_subcommand() {
    let out = Command::new(env!("CARGO_BIN_EXE_iam-groups"))
        .arg("--help")
        .output()
        .unwrap();
    let text = stdout(&out);
    for word in ["serve", "db", "bootstrap"] {
        assert!(text.contains(word), "{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_iam-groups"))
        .args(["db", "--help"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("migrate") && text.contains("check"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_iam-groups"))
        .arg("nonsense")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_configuration_is_reported_not_panicked() {
    let out = run("sqlite://:memory:", &["db", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in-memory"));
}
