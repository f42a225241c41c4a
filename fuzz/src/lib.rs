//! The service's parsers, compiled from their own source files under the module paths they
//! have in the service, so that their `crate::` imports resolve here as they do there. Only
//! files that need neither the server nor the database belong here; a parser that starts
//! to need more fails this build, which `.ci/run` makes on every run. (A `path` on an inline
//! module names the folder its own `path`s are relative to.)
// The parsers' callers are in the service, not here: what the target does not reach is fine.
#![allow(dead_code)]

#[path = "../../src/api"]
pub mod api {
    #[path = "http"]
    pub mod http {
        #[path = "body.rs"]
        pub mod body;
    }
    #[path = "v3"]
    pub mod v3 {
        #[path = "auth_request.rs"]
        pub mod auth_request;
    }
}

#[path = "../../src/auth"]
pub mod auth {
    #[path = "bce_signature.rs"]
    pub mod bce_signature;
    #[path = "refs.rs"]
    pub mod refs;
    #[path = "signature.rs"]
    pub mod signature;
}

#[path = "../../src/config.rs"]
pub mod config;

#[path = "../../src/domain"]
pub mod domain {
    #[path = "error.rs"]
    pub mod error;
    #[path = "lockout.rs"]
    pub mod lockout;
    #[path = "proxies.rs"]
    pub mod proxies;
    #[path = "values.rs"]
    pub mod values;
}

#[path = "../../src/error.rs"]
pub mod error;
