use clap::{Parser, Subcommand};

use iam_groups::auth::password::PasswordHasher;
use iam_groups::config::Settings;
use iam_groups::db;
use iam_groups::startup::{self, Application};

/// An identity service speaking the OpenStack Keystone v3 API as Huawei Cloud IAM does,
/// centred on user groups.
///
/// Settings come from config/default.toml, config/$IAM_GROUPS_ENV.toml and IAM_GROUPS_*
/// environment variables; IAM_GROUPS_DATABASE_URL picks SQLite (a path) or PostgreSQL
/// (postgres://...).
#[derive(Parser)]
#[command(name = "iam-groups", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, bootstrap, and serve the API (the default).
    Serve,
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Create or update the default domain, admin project, roles and admin user, then exit.
    /// Idempotent. The service catalog is built from configuration and needs no records.
    Bootstrap,
}

#[derive(Subcommand)]
enum DbAction {
    /// Apply pending migrations and exit.
    Migrate,
    /// Report the schema version; exit status 1 if migrations are pending.
    Check,
}

fn exit_with(code: i32, message: impl std::fmt::Display) -> ! {
    eprintln!("iam-groups: {message}");
    std::process::exit(code)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load().unwrap_or_else(|e| exit_with(2, e));
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or(&settings.log.level),
    )
    .init();

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings)
                .await
                .unwrap_or_else(|e| exit_with(1, e));
            log::info!("iam-groups listening on http://{}", app.address());
            app.run().await
        }
        Command::Db {
            action: DbAction::Migrate,
        } => {
            let (_, applied) = startup::migrate(&settings).unwrap_or_else(|e| exit_with(1, e));
            if applied.is_empty() {
                println!("schema is up to date");
            } else {
                println!("applied migrations: {}", applied.join(", "));
            }
            Ok(())
        }
        Command::Db {
            action: DbAction::Check,
        } => {
            let pool = db::build_pool(&settings.database).unwrap_or_else(|e| exit_with(1, e));
            let (applied, pending) = db::schema_status(&pool).unwrap_or_else(|e| exit_with(1, e));
            let version = applied.last().map(String::as_str).unwrap_or("none");
            println!("schema version: {version}");
            if pending.is_empty() {
                println!("pending migrations: none");
                Ok(())
            } else {
                println!("pending migrations: {}", pending.join(", "));
                std::process::exit(1)
            }
        }
        Command::Bootstrap => {
            let hasher =
                PasswordHasher::new(&settings.identity).unwrap_or_else(|e| exit_with(2, e));
            let (pool, _) = startup::migrate(&settings).unwrap_or_else(|e| exit_with(1, e));
            let report = startup::run_bootstrap(&pool, &settings, &hasher)
                .unwrap_or_else(|e| exit_with(1, e));
            println!(
                "bootstrap complete: user '{}' ({}) has role admin on project '{}' ({})",
                settings.bootstrap.admin_user,
                report.admin_user_id,
                settings.bootstrap.admin_project,
                report.admin_project_id
            );
            Ok(())
        }
    }
}
