//! One test binary: each test starts the real server on 127.0.0.1 with its own database
//! and talks to it over HTTP.

#[macro_use]
mod helpers;
mod postgres;

mod cli;
mod cluster;
mod credentials;
mod discovery;
mod errors;
mod groups;
mod huawei_sdk;
mod memberships;
mod pagination;
mod signed;
mod tokens;
mod users;
