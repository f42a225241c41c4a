//! Keystone's v3 API as Huawei Cloud IAM serves it: one module per resource, each with its
//! handlers; the route table in `api` lists them.

pub mod application_credentials;
pub mod audit_events;
pub mod auth;
pub mod auth_request;
pub mod auth_scopes;
pub mod catalog;
pub mod credentials;
pub mod domain_config;
pub mod domains;
pub mod ec2;
pub mod endpoint_filter;
pub mod federation;
pub mod grants;
pub mod groups;
pub mod limits;
pub mod oauth1;
pub mod policies;
pub mod project_tags;
pub mod projects;
pub mod quotas;
pub mod role_assignments;
pub mod roles;
pub mod trusts;
pub mod users;
