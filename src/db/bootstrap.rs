//! Idempotent creation of the records a fresh deployment needs (Keystone's
//! `keystone-manage bootstrap`): each call finds the record or creates it.

use super::error::StoreError;
use super::models::{DomainRow, EndpointRow, ProjectRow, RegionRow, RoleRow, ServiceRow};
use super::{catalog, resources, DbConn};
use crate::domain::{new_id, now_ms};

/// The domain with this id, created with `name` if missing.
pub fn ensure_domain(conn: &mut DbConn, id: &str, name: &str) -> Result<DomainRow, StoreError> {
    match resources::get_domain(conn, id) {
        Ok(domain) => Ok(domain),
        Err(StoreError::NotFound { .. }) => {
            let row = DomainRow {
                id: id.to_string(),
                name: name.to_string(),
                description: "The default domain".to_string(),
                enabled: true,
                extra: "{}".to_string(),
                created_at: now_ms(),
            };
            resources::insert_domain(conn, &row)?;
            Ok(row)
        }
        Err(e) => Err(e),
    }
}

/// The project named `name` in the domain, created if missing.
pub fn ensure_project(
    conn: &mut DbConn,
    name: &str,
    domain_id: &str,
) -> Result<ProjectRow, StoreError> {
    if let Some(project) = resources::find_project_by_name(conn, name, domain_id)? {
        return Ok(project);
    }
    let row = ProjectRow {
        id: new_id(),
        name: name.to_string(),
        domain_id: domain_id.to_string(),
        description: "Bootstrap project for initializing the cloud.".to_string(),
        enabled: true,
        parent_id: None,
        extra: "{}".to_string(),
        created_at: now_ms(),
    };
    resources::insert_project(conn, &row)?;
    Ok(row)
}

/// The global role named `name`, created if missing.
pub fn ensure_role(conn: &mut DbConn, name: &str) -> Result<RoleRow, StoreError> {
    if let Some(role) = resources::find_global_role_by_name(conn, name)? {
        return Ok(role);
    }
    let row = RoleRow {
        id: new_id(),
        name: name.to_string(),
        domain_id: resources::GLOBAL_ROLE_DOMAIN.to_string(),
        description: String::new(),
        extra: "{}".to_string(),
        created_at: now_ms(),
    };
    resources::insert_role(conn, &row)?;
    Ok(row)
}

/// The region, created if missing.
pub fn ensure_region(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    match catalog::get_region(conn, id) {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound { .. }) => catalog::create_region(
            conn,
            RegionRow {
                id: id.to_string(),
                description: String::new(),
                parent_region_id: None,
                extra: "{}".to_string(),
            },
        )
        .map(|_| ()),
        Err(e) => Err(e),
    }
}

/// The identity service with a public, an internal and an admin endpoint at `url` in
/// `region`, each created if missing (as `keystone-manage bootstrap --bootstrap-*-url`).
pub fn ensure_identity_service(
    conn: &mut DbConn,
    region: &str,
    url: &str,
) -> Result<(), StoreError> {
    let service = match catalog::list_services(
        conn,
        &catalog::ServiceFilter {
            service_type: Some("identity".into()),
            name: None,
        },
    )?
    .into_iter()
    .next()
    {
        Some(service) => service,
        None => catalog::create_service(
            conn,
            ServiceRow {
                id: new_id(),
                service_type: "identity".to_string(),
                enabled: true,
                extra: serde_json::json!({"name": "keystone", "description": "Identity"})
                    .to_string(),
            },
        )?,
    };
    let existing = catalog::list_endpoints(
        conn,
        &catalog::EndpointFilter {
            service_id: Some(service.id.clone()),
            ..Default::default()
        },
    )?;
    for interface in ["public", "internal", "admin"] {
        if existing
            .iter()
            .any(|e| e.interface == interface && e.region_id.as_deref() == Some(region))
        {
            continue;
        }
        catalog::create_endpoint(
            conn,
            EndpointRow {
                id: new_id(),
                service_id: service.id.clone(),
                interface: interface.to_string(),
                region_id: Some(region.to_string()),
                url: url.to_string(),
                enabled: true,
                extra: "{}".to_string(),
            },
        )?;
    }
    Ok(())
}
