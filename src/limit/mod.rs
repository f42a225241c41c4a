//! The unified limit manager (Keystone's `limit/core.py`): registered limits (a service's
//! default for one resource, in one region or all) and limits (a project's or a domain's
//! override of one registered limit), and the enforcement model. The services, regions,
//! projects and domains a body names must exist (400); a limit needs its registered limit
//! (403); a registered limit that limits refer to cannot change or go (403).

pub mod limits;
pub mod registered_limits;

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::config::EnforcementModel;
use crate::db::{catalog, resources, DbConn, StoreError};
use crate::error::ApiError;
use crate::state::AppState;

/// The rules about unified limits take no target, except `get_limit`.
fn enforce(caller: &AuthContext, rule: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, rule, &Target::default())
}

/// The things a limit or registered limit names, checked as Keystone's
/// `_assert_resource_exist`: a missing one is a 400 naming the field.
#[derive(Debug, Default)]
struct Named<'a> {
    service_id: Option<&'a str>,
    region_id: Option<&'a str>,
    project_id: Option<&'a str>,
    domain_id: Option<&'a str>,
}

fn assert_exist(conn: &mut DbConn, named: &Named<'_>, target: &str) -> Result<(), ApiError> {
    fn check<T>(
        found: Result<T, StoreError>,
        attribute: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        match found {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Err(ApiError::expecting(attribute, target)),
            Err(e) => Err(e.into()),
        }
    }
    if let Some(s) = named.service_id {
        check(catalog::get_service(conn, s), "service_id", target)?;
    }
    if let Some(r) = named.region_id {
        check(catalog::get_region(conn, r), "region_id", target)?;
    }
    if let Some(p) = named.project_id {
        check(resources::get_project(conn, p), "project_id", target)?;
    }
    if let Some(d) = named.domain_id {
        check(resources::get_domain(conn, d), "domain_id", target)?;
    }
    Ok(())
}

/// The configured enforcement model: its name and Keystone's description of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub name: &'static str,
    pub description: &'static str,
}

/// Keystone `get_model` (`GET /v3/limits/model`): any authenticated caller.
pub fn get_model(state: &AppState, caller: &AuthContext) -> Result<Model, ApiError> {
    enforce(caller, &policy::GET_LIMIT_MODEL)?;
    Ok(match state.settings.unified_limit.enforcement_model {
        EnforcementModel::Flat => Model {
            name: "flat",
            description: "Limit enforcement and validation does not take project hierarchy \
                          into consideration.",
        },
    })
}
