//! One test binary: each test starts the real server on 127.0.0.1 with its own database
//! and talks to it over HTTP.

#[macro_use]
mod helpers;
mod postgres;
mod skips;

mod application_credentials;
mod architecture;
mod audit;
mod authz_matrix;
mod baidu;
mod baidu_sdk;
mod catalog;
mod ceiling;
mod cli;
mod clients;
mod cluster;
mod console;
mod contract;
mod credentials;
mod discovery;
mod domain_config;
mod domains;
mod ec2_credentials;
mod edge;
mod errors;
mod failure;
mod federation;
mod grants;
mod group_filters;
mod groups;
mod hostile;
mod huawei_sdk;
mod invalidation;
mod lockout;
mod memberships;
mod oauth1;
mod oidc;
mod oidc_provider;
mod operator;
mod pagination;
mod password_rules;
mod policies;
mod project_hierarchy;
mod project_tags;
mod projects;
mod role_assignments;
mod roles;
mod secrets;
mod signed;
mod store_errors;
mod token_security;
mod tokens;
mod trusts;
mod user_filters;
mod users;
