//! The plumbing of every face: the middleware chain, the caller extractor, request bodies,
//! list queries, Keystone's envelopes, and the route table that also yields the OpenAPI
//! document.

pub mod audit;
pub mod body;
pub mod caller;
pub mod envelope;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod query;
pub mod routing;
pub mod wire;
