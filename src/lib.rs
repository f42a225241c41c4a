//! iam-groups: an identity service that speaks the OpenStack Keystone v3 API as Huawei
//! Cloud IAM does, centred on user groups.
//!
//! A request goes `api/` (HTTP in and out) -> `auth/` (who is calling, may they) ->
//! `db/` (storage), with the rules on values in `domain/` and one error type in `error`.

pub mod api;
pub mod assignment;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod catalog;
pub mod change;
pub mod config;
pub mod credential;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod identity;
pub mod limit;
pub mod metrics;
pub mod oauth1;
pub mod resource;
pub mod startup;
pub mod state;
pub mod token;
pub mod trust;
