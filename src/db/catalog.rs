//! The service catalog: regions, services and endpoints (Keystone's catalog SQL driver).

use diesel::prelude::*;

use super::error::StoreError;
use super::models::{EndpointRow, RegionRow, ServiceRow};
use super::names_no_row;
use super::schema::{endpoints, regions, services};
use super::{is_unique_violation, DbConn};

/// Placeholder in a stored endpoint URL for the service's public URL, filled in when a
/// catalog is rendered (so a catalog follows whatever URL clients reach the service at).
pub const PUBLIC_URL_PLACEHOLDER: &str = "$(public_url)s";

/// Keystone `create_region`.
pub fn create_region(conn: &mut DbConn, region: RegionRow) -> Result<RegionRow, StoreError> {
    if let Some(parent) = &region.parent_region_id {
        if parent == &region.id {
            return Err(StoreError::invalid(format!(
                "Circular reference or a repeated entry found in region tree - {parent}."
            )));
        }
        get_region(conn, parent)?;
    }
    match diesel::insert_into(regions::table)
        .values(&region)
        .execute(conn)
    {
        Ok(_) => Ok(region),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
            what: "region",
            detail: format!("Duplicate ID, {}", region.id),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Keystone `get_region`.
pub fn get_region(conn: &mut DbConn, region_id: &str) -> Result<RegionRow, StoreError> {
    if names_no_row(region_id) {
        return Err(StoreError::not_found("region", region_id));
    }
    regions::table
        .find(region_id)
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("region", region_id))
}

/// Keystone `list_regions`, optionally the children of one region.
pub fn list_regions(conn: &mut DbConn, parent: Option<&str>) -> Result<Vec<RegionRow>, StoreError> {
    let mut query = regions::table.select(RegionRow::as_select()).into_boxed();
    if let Some(parent) = parent {
        query = query.filter(regions::parent_region_id.eq(parent.to_string()));
    }
    Ok(query.order(regions::id.asc()).load(conn)?)
}

/// Keystone `update_region`: the whole row as changed by the caller.
pub fn update_region(conn: &mut DbConn, region: &RegionRow) -> Result<(), StoreError> {
    if let Some(parent) = &region.parent_region_id {
        // Walking up from the new parent must never reach this region.
        let mut next = Some(parent.clone());
        let mut steps = 0;
        while let Some(id) = next {
            if id == region.id || steps > 64 {
                return Err(StoreError::invalid(format!(
                    "Circular reference or a repeated entry found in region tree - {}.",
                    region.id
                )));
            }
            next = get_region(conn, &id)?.parent_region_id;
            steps += 1;
        }
    }
    diesel::update(regions::table.find(&region.id))
        .set((
            regions::description.eq(&region.description),
            regions::parent_region_id.eq(&region.parent_region_id),
            regions::extra.eq(&region.extra),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_region`: refused while child regions or endpoints use it.
pub fn delete_region(conn: &mut DbConn, region_id: &str) -> Result<(), StoreError> {
    get_region(conn, region_id)?;
    let children: i64 = regions::table
        .filter(regions::parent_region_id.eq(region_id))
        .count()
        .get_result(conn)?;
    let used: i64 = endpoints::table
        .filter(endpoints::region_id.eq(region_id))
        .count()
        .get_result(conn)?;
    if children > 0 || used > 0 {
        return Err(StoreError::forbidden(format!(
            "Unable to delete region {region_id} because it or its child regions have \
             associated endpoints."
        )));
    }
    diesel::delete(regions::table.find(region_id)).execute(conn)?;
    Ok(())
}

/// Keystone `create_service`.
pub fn create_service(conn: &mut DbConn, service: ServiceRow) -> Result<ServiceRow, StoreError> {
    diesel::insert_into(services::table)
        .values(&service)
        .execute(conn)?;
    Ok(service)
}

/// Keystone `get_service`.
pub fn get_service(conn: &mut DbConn, service_id: &str) -> Result<ServiceRow, StoreError> {
    if names_no_row(service_id) {
        return Err(StoreError::not_found("service", service_id));
    }
    services::table
        .find(service_id)
        .select(ServiceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("service", service_id))
}

/// Filters of `GET /v3/services`.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub service_type: Option<String>,
    pub name: Option<String>,
}

/// Keystone `list_services`. `type` is a column and filtered in SQL; `name` is one of a
/// service's extra attributes (as in Keystone's model, whose driver cannot filter on it
/// either), so the rows whose stored extras may hold it are narrowed in SQL and the exact
/// match is made on the parsed extras here. The list is not paged, so nothing is lost.
pub fn list_services(
    conn: &mut DbConn,
    filter: &ServiceFilter,
) -> Result<Vec<ServiceRow>, StoreError> {
    let mut query = services::table.select(ServiceRow::as_select()).into_boxed();
    if let Some(t) = &filter.service_type {
        query = query.filter(services::service_type.eq(t.clone()));
    }
    if filter.name.is_some() {
        query = query.filter(services::extra.like("%\"name\"%"));
    }
    let rows: Vec<ServiceRow> = query.order(services::id.asc()).load(conn)?;
    let Some(name) = &filter.name else {
        return Ok(rows);
    };
    Ok(rows
        .into_iter()
        .filter(|row| {
            serde_json::from_str::<serde_json::Value>(&row.extra)
                .ok()
                .and_then(|extra| extra.get("name").cloned())
                .is_some_and(|n| n.as_str() == Some(name.as_str()))
        })
        .collect())
}

/// Keystone `update_service`.
pub fn update_service(conn: &mut DbConn, service: &ServiceRow) -> Result<(), StoreError> {
    diesel::update(services::table.find(&service.id))
        .set((
            services::service_type.eq(&service.service_type),
            services::enabled.eq(service.enabled),
            services::extra.eq(&service.extra),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_service`: its endpoints go with it.
pub fn delete_service(conn: &mut DbConn, service_id: &str) -> Result<(), StoreError> {
    diesel::delete(endpoints::table.filter(endpoints::service_id.eq(service_id))).execute(conn)?;
    let deleted = diesel::delete(services::table.find(service_id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("service", service_id));
    }
    Ok(())
}

/// Creates a region that an endpoint names but that does not exist yet, as Keystone does
/// for the endpoint's `region` field.
fn ensure_region(conn: &mut DbConn, region_id: &str) -> Result<(), StoreError> {
    match get_region(conn, region_id) {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound { .. }) => create_region(
            conn,
            RegionRow {
                id: region_id.to_string(),
                description: String::new(),
                parent_region_id: None,
                extra: "{}".to_string(),
            },
        )
        .map(|_| ()),
        Err(e) => Err(e),
    }
}

/// Keystone `create_endpoint`: the service must exist; a region it names is created if
/// missing.
pub fn create_endpoint(
    conn: &mut DbConn,
    endpoint: EndpointRow,
) -> Result<EndpointRow, StoreError> {
    get_service(conn, &endpoint.service_id)?;
    if let Some(region) = &endpoint.region_id {
        ensure_region(conn, region)?;
    }
    diesel::insert_into(endpoints::table)
        .values(&endpoint)
        .execute(conn)?;
    Ok(endpoint)
}

/// Keystone `get_endpoint`.
pub fn get_endpoint(conn: &mut DbConn, endpoint_id: &str) -> Result<EndpointRow, StoreError> {
    if names_no_row(endpoint_id) {
        return Err(StoreError::not_found("endpoint", endpoint_id));
    }
    endpoints::table
        .find(endpoint_id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("endpoint", endpoint_id))
}

/// Filters of `GET /v3/endpoints`.
#[derive(Debug, Clone, Default)]
pub struct EndpointFilter {
    pub service_id: Option<String>,
    pub interface: Option<String>,
    pub region_id: Option<String>,
}

/// Keystone `list_endpoints`.
pub fn list_endpoints(
    conn: &mut DbConn,
    filter: &EndpointFilter,
) -> Result<Vec<EndpointRow>, StoreError> {
    let mut query = endpoints::table
        .select(EndpointRow::as_select())
        .into_boxed();
    if let Some(s) = &filter.service_id {
        query = query.filter(endpoints::service_id.eq(s.clone()));
    }
    if let Some(i) = &filter.interface {
        query = query.filter(endpoints::interface.eq(i.clone()));
    }
    if let Some(r) = &filter.region_id {
        query = query.filter(endpoints::region_id.eq(r.clone()));
    }
    Ok(query.order(endpoints::id.asc()).load(conn)?)
}

/// Keystone `update_endpoint`: the service must exist; a region it names is created if
/// missing.
pub fn update_endpoint(conn: &mut DbConn, endpoint: &EndpointRow) -> Result<(), StoreError> {
    get_service(conn, &endpoint.service_id)?;
    if let Some(region) = &endpoint.region_id {
        ensure_region(conn, region)?;
    }
    diesel::update(endpoints::table.find(&endpoint.id))
        .set((
            endpoints::service_id.eq(&endpoint.service_id),
            endpoints::interface.eq(&endpoint.interface),
            endpoints::region_id.eq(&endpoint.region_id),
            endpoints::url.eq(&endpoint.url),
            endpoints::enabled.eq(endpoint.enabled),
            endpoints::extra.eq(&endpoint.extra),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_endpoint`.
pub fn delete_endpoint(conn: &mut DbConn, endpoint_id: &str) -> Result<(), StoreError> {
    let deleted = diesel::delete(endpoints::table.find(endpoint_id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("endpoint", endpoint_id));
    }
    Ok(())
}

/// The enabled services with their enabled endpoints, for a token's catalog.
pub fn catalog(conn: &mut DbConn) -> Result<Vec<(ServiceRow, Vec<EndpointRow>)>, StoreError> {
    let services: Vec<ServiceRow> = services::table
        .filter(services::enabled.eq(true))
        .order(services::id.asc())
        .select(ServiceRow::as_select())
        .load(conn)?;
    let endpoints: Vec<EndpointRow> = endpoints::table
        .filter(endpoints::enabled.eq(true))
        .order(endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?;
    Ok(services
        .into_iter()
        .map(|s| {
            let mine = endpoints
                .iter()
                .filter(|e| e.service_id == s.id)
                .cloned()
                .collect();
            (s, mine)
        })
        .collect())
}
