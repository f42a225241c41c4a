//! One test binary: each test starts the real server on 127.0.0.1 with its own database
//! and talks to it over HTTP.

#[macro_use]
mod helpers;
mod postgres;
mod skips;

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
mod domains;
mod edge;
mod endpoint_groups;
mod errors;
mod failure;
mod grants;
mod group_filters;
mod groups;
mod hostile;
mod huawei_sdk;
mod invalidation;
mod limits;
mod lockout;
mod memberships;
mod operator;
mod pagination;
mod password_rules;
mod projects;
mod role_assignments;
mod roles;
mod secrets;
mod signed;
mod store_errors;
mod token_security;
mod tokens;
mod user_filters;
mod users;
