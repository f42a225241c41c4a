//! First-start setup (Keystone's `keystone-manage bootstrap`): the default domain, the admin
//! project, the roles `admin`, `manager`, `member`, `reader` and `service` with their
//! inference rules, and the admin user with `admin` on the admin project and the system. Idempotent: every start checks each record and creates what is
//! missing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::db::assignments::{
    create_grant, create_implied_role, AssignmentKind, Grant, SYSTEM_TARGET,
};
use crate::db::catalog::PUBLIC_URL_PLACEHOLDER;
use crate::db::models::UserRow;
use crate::db::{bootstrap as ensure, users, write_tx, DbConn};
use crate::domain::values::Password;
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;

/// What bootstrap did.
#[derive(Debug)]
pub struct BootstrapReport {
    pub admin_user_id: String,
    pub admin_project_id: String,
    /// Set only when the admin was created just now with a generated password.
    pub generated_password: Option<String>,
}

fn generate_password() -> Result<String, ApiError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates whatever of the bootstrap records is missing. A configured admin password is
/// (re)applied when it does not match the stored one, as `keystone-manage bootstrap` does.
pub fn run(
    conn: &mut DbConn,
    settings: &Settings,
    hasher: &PasswordHasher,
) -> Result<BootstrapReport, ApiError> {
    let boot = &settings.bootstrap;
    let domain_id = settings.identity.default_domain_id.clone();
    write_tx(conn, |conn| {
        ensure::ensure_domain(conn, &domain_id, "Default")?;
        let project = ensure::ensure_project(conn, &boot.admin_project, &domain_id)?;
        // Keystone's default personas: admin implies manager implies member implies reader.
        let admin_role = ensure::ensure_role(conn, "admin")?;
        let manager = ensure::ensure_role(conn, "manager")?;
        let member = ensure::ensure_role(conn, "member")?;
        let reader = ensure::ensure_role(conn, "reader")?;
        ensure::ensure_role(conn, "service")?;
        // The identity service in the catalog. Without a configured public URL the
        // endpoints follow the URL each request came in on.
        let url = match settings.public_url() {
            Some(url) => format!("{url}/v3"),
            None => format!("{PUBLIC_URL_PLACEHOLDER}/v3"),
        };
        ensure::ensure_region(conn, &boot.region)?;
        ensure::ensure_identity_service(conn, &boot.region, &url)?;
        for (prior, implied) in [
            (&admin_role, &manager),
            (&manager, &member),
            (&member, &reader),
        ] {
            create_implied_role(conn, &prior.id, &implied.id)?;
        }

        let configured = (!boot.admin_password.is_empty())
            .then(|| Password::parse("admin_password", boot.admin_password.expose()))
            .transpose()?;
        let mut generated_password = None;
        let user = match users::find_user_by_name(conn, &boot.admin_user, &domain_id)? {
            Some(user) => {
                if let Some(password) = &configured {
                    if !hasher.verify(password.expose(), user.password_hash.as_deref()) {
                        let hash = hasher.hash(password)?;
                        users::update_user(
                            conn,
                            &user.id,
                            users::UserChanges {
                                password_hash: Some(hash),
                                enabled: Some(true),
                                ..Default::default()
                            },
                            settings.token.lifetime_ms(),
                        )?;
                    }
                }
                user
            }
            None => {
                let password = match configured {
                    Some(p) => p,
                    None => {
                        let p = generate_password()?;
                        generated_password = Some(p.clone());
                        Password::parse("admin_password", &p)?
                    }
                };
                users::create_user(
                    conn,
                    UserRow {
                        id: new_id(),
                        name: boot.admin_user.clone(),
                        domain_id: domain_id.clone(),
                        enabled: true,
                        description: "Bootstrap administrator".to_string(),
                        password_hash: Some(hasher.hash(&password)?),
                        password_expires_at: None,
                        default_project_id: Some(project.id.clone()),
                        extra: "{}".to_string(),
                        created_at: now_ms(),
                        failed_auth_count: 0,
                        failed_auth_at: None,
                    },
                    // The operator's own account is never refused by a quota.
                    None,
                )?
            }
        };
        // The admin holds admin on the admin project and on the system, as after
        // keystone-manage bootstrap.
        for (kind, target) in [
            (AssignmentKind::UserProject, project.id.as_str()),
            (AssignmentKind::UserSystem, SYSTEM_TARGET),
        ] {
            create_grant(
                conn,
                &Grant {
                    kind,
                    actor_id: user.id.clone(),
                    target_id: target.to_string(),
                    role_id: admin_role.id.clone(),
                    inherited: false,
                },
                None,
            )?;
        }
        Ok(BootstrapReport {
            admin_user_id: user.id,
            admin_project_id: project.id,
            generated_password,
        })
    })
}
