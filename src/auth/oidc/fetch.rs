//! Getting an identity provider's JSON documents (discovery, JWKS) over HTTP: async, so no
//! actix thread waits on a provider, with short timeouts, no redirects, no proxy and a cap on
//! the size of an answer. [`Fetch`] is the seam the unit tests replace.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

/// Gets one JSON document. `Err` says why in words for the audit trail (never a secret: these
/// URLs are public).
pub trait Fetch: Send + Sync + 'static {
    fn get_json(&self, url: String) -> BoxFuture<'static, Result<Value, String>>;
}

/// [`Fetch`] over HTTP(S) with reqwest and rustls.
#[derive(Clone)]
pub struct HttpFetch {
    client: reqwest::Client,
    max_bytes: usize,
}

impl HttpFetch {
    /// A client that gives up after `timeout` (connecting: at most half of it) and refuses
    /// answers over `max_bytes`.
    pub fn new(timeout: Duration, max_bytes: usize) -> Result<HttpFetch, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout / 2)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("iam-groups/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpFetch { client, max_bytes })
    }
}

impl Fetch for HttpFetch {
    fn get_json(&self, url: String) -> BoxFuture<'static, Result<Value, String>> {
        let client = self.client.clone();
        let max = self.max_bytes;
        Box::pin(async move {
            let mut response = client
                .get(&url)
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let status = response.status();
            if status != reqwest::StatusCode::OK {
                return Err(format!("GET {url}: HTTP {status}"));
            }
            if response.content_length().is_some_and(|n| n > max as u64) {
                return Err(format!("GET {url}: the answer is over {max} bytes"));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?
            {
                if body.len() + chunk.len() > max {
                    return Err(format!("GET {url}: the answer is over {max} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON: {e}"))
        })
    }
}
