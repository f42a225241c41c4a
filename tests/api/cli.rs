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
    assert!(stdout(&check).contains("pending migrations: 20261122000000, 20261122000100"));

    let migrate = run(&url, &["db", "migrate"]);
    assert!(migrate.status.success());
    assert!(stdout(&migrate).contains("applied migrations: 20261122000000, 20261122000100"));
    let again = run(&url, &["db", "migrate"]);
    assert!(stdout(&again).contains("schema is up to date"));

    let check = run(&url, &["db", "check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).contains("schema version: 20261122000100"));
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
