//! Keystone's envelopes: a collection `{"<things>": [...], "links": {"self", "previous",
//! "next"}}`, a resource's `links`, and pages rendered once and sent as bytes.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::http::query::ListQuery;
use crate::domain::page::{Page, PageRequest};
use crate::error::ApiError;

/// Keystone's collection envelope, `{"<key>": [...], "links": {...}, "truncated"?: true}`,
/// serialized straight from the typed items.
pub struct Collection<T> {
    key: &'static str,
    items: Vec<T>,
    links: Links,
    truncated: bool,
}

/// `{"self", "previous", "next"}`, as Keystone and Huawei write them.
#[derive(Serialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_link: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// `{"self": url}`: the links of one resource.
#[derive(Serialize)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_link: String,
}

impl<T: Serialize> Serialize for Collection<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2 + usize::from(self.truncated)))?;
        map.serialize_entry(self.key, &self.items)?;
        map.serialize_entry("links", &self.links)?;
        if self.truncated {
            map.serialize_entry("truncated", &true)?;
        }
        map.end()
    }
}

/// Keystone's collection envelope with working `previous` and `next` links.
pub fn collection<T: Serialize>(
    key: &'static str,
    page: Page<T>,
    request: &PageRequest,
    base: &BaseUrl,
    req: &HttpRequest,
    query: &ListQuery,
) -> Collection<T> {
    let path = base.join(req.path());
    let self_link = match req.query_string() {
        "" => path.clone(),
        q => format!("{path}?{q}"),
    };
    let link = |marker: Option<&str>| {
        let q = query.with_marker(marker, request.limit);
        if q.is_empty() {
            path.clone()
        } else {
            format!("{path}?{q}")
        }
    };
    let next = page.next_marker.as_deref().map(|m| link(Some(m)));
    let previous = page.previous_marker.as_ref().map(|m| link(m.as_deref()));
    Collection {
        key,
        items: page.items,
        links: Links {
            self_link,
            previous,
            next,
        },
        truncated: page.truncated,
    }
}

/// The links of a list Keystone does not page (regions, credentials, limits, ...): itself,
/// as asked, and no neighbours.
pub fn unpaged_links(base: &BaseUrl, req: &HttpRequest) -> Links {
    let path = base.join(req.path());
    let self_link = match req.query_string() {
        "" => path,
        q => format!("{path}?{q}"),
    };
    Links {
        self_link,
        previous: None,
        next: None,
    }
}

/// One resource in Keystone's member envelope, `{"<key>": view}`, with `status`.
pub fn member(
    status: actix_web::http::StatusCode,
    key: &str,
    view: impl Serialize,
) -> HttpResponse {
    let mut body = Map::new();
    match serde_json::to_value(view) {
        Ok(value) => {
            body.insert(key.to_string(), value);
            HttpResponse::build(status).json(Value::Object(body))
        }
        Err(e) => ApiError::Internal(format!("rendering {key}: {e}")).error_response(),
    }
}

/// The cache key of a rendered list page: `read` (the filters as applied and the page),
/// then the base URL and the request's path and query, which the links are made of.
pub fn page_key(read: &str, base: &BaseUrl, req: &HttpRequest) -> String {
    format!(
        "{read}|{}{}?{}",
        base.as_str(),
        req.path(),
        req.query_string()
    )
}

/// A page of rows rendered as Keystone's collection, each row through `view`.
pub fn render_page<'a, R, V: Serialize>(
    key: &'static str,
    rows: &'a Page<R>,
    view: impl Fn(&'a R, &'a BaseUrl) -> V,
    request: &PageRequest,
    base: &'a BaseUrl,
    req: &HttpRequest,
    query: &ListQuery,
) -> Result<Bytes, ApiError> {
    let page = Page {
        items: rows.items.iter().map(|row| view(row, base)).collect(),
        truncated: rows.truncated,
        next_marker: rows.next_marker.clone(),
        previous_marker: rows.previous_marker.clone(),
    };
    let body = serde_json::to_vec(&collection(key, page, request, base, req, query))
        .map_err(|e| ApiError::Internal(format!("rendering {key}: {e}")))?;
    Ok(Bytes::from(body))
}

/// A 200 with a JSON body already rendered.
pub fn json_body(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(body)
}

/// `{"self": base + path + id}`, written into the output without building the URL first.
pub struct LinkTo<'a> {
    pub base: &'a BaseUrl,
    pub path: &'static str,
    pub id: &'a str,
}

impl Serialize for LinkTo<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Url<'a>(&'a LinkTo<'a>);
        impl Serialize for Url<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let l = self.0;
                serializer.collect_str(&format_args!("{}{}{}", l.base.as_str(), l.path, l.id))
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("self", &Url(self))?;
        map.end()
    }
}

/// Parses a stored `extra` column; a damaged one reads as empty rather than failing reads.
pub fn parse_extra(extra: &str) -> Map<String, Value> {
    if extra == "{}" {
        return Map::new();
    }
    match serde_json::from_str::<Value>(extra) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn damaged_extra_reads_as_empty() {
        assert!(parse_extra("not json").is_empty());
        assert!(parse_extra("[1]").is_empty());
        assert_eq!(parse_extra(r#"{"a":1}"#).get("a"), Some(&json!(1)));
    }
}
