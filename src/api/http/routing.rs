//! The route table: every route is declared once, with its handler and its documentation,
//! through [`RouteTable`]. Serving registers the handlers with actix; `GET /openapi.json`
//! runs the same declarations to collect the documentation, so the document cannot miss or
//! invent a route.

use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::{guard, web, FromRequest, Handler, Responder};
use serde_json::Value;

use crate::error::ApiError;

/// How a route is authenticated, for the document's security requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No credentials (version discovery, health, the console, this document).
    Public,
    /// `X-Auth-Token`, or a Huawei AK/SK signature.
    Token,
    /// The Baidu face: `bce-auth-v1`, or `X-Auth-Token`.
    Baidu,
}

/// A query parameter of a list.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: ParamKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Text,
    /// A string of `min` to `max` characters, as the parser enforces.
    Sized {
        min: u32,
        max: u32,
    },
    /// A string matching this regular expression (ECMA 262, as OpenAPI's `pattern`).
    Pattern(&'static str),
    /// An id: 1 to 64 of `[a-zA-Z0-9_-]`, refused with 400 otherwise.
    Id,
    PositiveInteger,
    Boolean,
    /// One of these words (a value the server refuses otherwise).
    OneOf(&'static [&'static str]),
}

/// The documentation of one operation.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: String,
    pub summary: String,
    pub tag: &'static str,
    pub auth: Auth,
    pub query: Vec<Param>,
    /// JSON Schema of the request body, if it takes one.
    pub body: Option<Value>,
    pub ok: u16,
    /// JSON Schema of the success body; `None` for an empty answer.
    pub answer: Option<Value>,
    /// Error statuses besides the ones every authenticated route can answer.
    pub extra_errors: Vec<u16>,
    /// Headers the operation reads.
    pub headers: Vec<(&'static str, bool)>,
}

/// `op("listGroups", "List groups")`, then the builder methods below.
pub fn op(id: impl Into<String>, summary: impl Into<String>) -> Doc {
    Doc {
        id: id.into(),
        summary: summary.into(),
        tag: "identity",
        auth: Auth::Token,
        query: Vec::new(),
        body: None,
        ok: 200,
        answer: None,
        extra_errors: Vec::new(),
        headers: Vec::new(),
    }
}

impl Doc {
    pub fn tag(mut self, tag: &'static str) -> Self {
        self.tag = tag;
        self
    }
    pub fn public(mut self) -> Self {
        self.auth = Auth::Public;
        self
    }
    pub fn baidu(mut self) -> Self {
        self.auth = Auth::Baidu;
        self.tag = "baidu";
        self
    }
    pub fn query(mut self, params: &[Param]) -> Self {
        self.query.extend_from_slice(params);
        self
    }
    pub fn body(mut self, schema: Value) -> Self {
        self.body = Some(schema);
        self
    }
    /// Answers `status` with a body of `schema`.
    pub fn answers(mut self, status: u16, schema: Value) -> Self {
        self.ok = status;
        self.answer = Some(schema);
        self
    }
    /// Answers `status` with no body (204, or a 300 document).
    pub fn empty(mut self, status: u16) -> Self {
        self.ok = status;
        self.answer = None;
        self
    }
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.extra_errors.extend_from_slice(statuses);
        self
    }
    pub fn header(mut self, name: &'static str, required: bool) -> Self {
        self.headers.push((name, required));
        self
    }
}

/// One documented operation: where, which method, what it does.
#[derive(Debug, Clone)]
pub struct Operation {
    pub path: String,
    pub method: &'static str,
    pub doc: Doc,
}

/// Keystone's 405 for a method the path does not serve, with the `Allow` header RFC 9110
/// requires (the methods declared on the path). The error stays attached to the response, so
/// the Baidu face still reshapes it (and keeps `Allow`).
fn method_not_allowed(allow: HeaderValue) -> actix_web::Route {
    web::to(move || {
        let allow = allow.clone();
        async move {
            let mut res = actix_web::HttpResponse::from_error(ApiError::MethodNotAllowed);
            res.headers_mut().insert(ALLOW, allow);
            res
        }
    })
}

/// The `Allow` value for the methods declared on a path, in a fixed order; `get` also
/// serves HEAD.
fn allow_value(methods: &[&'static str]) -> HeaderValue {
    const ORDER: [(&str, &str); 6] = [
        ("get", "GET"),
        ("head", "HEAD"),
        ("post", "POST"),
        ("put", "PUT"),
        ("patch", "PATCH"),
        ("delete", "DELETE"),
    ];
    let has = |m: &str| methods.contains(&m) || (m == "head" && methods.contains(&"get"));
    let names: Vec<&str> = ORDER
        .iter()
        .filter(|(m, _)| has(m))
        .map(|(_, name)| *name)
        .collect();
    // Only ASCII method names from the table above: always a valid header value.
    HeaderValue::from_str(&names.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Collects the operations, and registers them with actix when serving.
pub struct RouteTable<'c> {
    cfg: Option<&'c mut web::ServiceConfig>,
    pub operations: Vec<Operation>,
}

impl<'c> RouteTable<'c> {
    /// Registers with `cfg` as it goes.
    pub fn serving(cfg: &'c mut web::ServiceConfig) -> Self {
        RouteTable {
            cfg: Some(cfg),
            operations: Vec::new(),
        }
    }

    /// Only collects the documentation.
    pub fn documenting() -> RouteTable<'static> {
        RouteTable {
            cfg: None,
            operations: Vec::new(),
        }
    }

    /// The routes of one path; registered when the returned value is dropped, so a path
    /// cannot be declared and forgotten. Other methods on the path answer Keystone's 405,
    /// with `Allow` naming the declared ones.
    pub fn at(&mut self, path: impl Into<String>) -> At<'_, 'c> {
        let path = path.into();
        let resource = self.cfg.is_some().then(|| web::resource(path.as_str()));
        At {
            table: self,
            path: documented_path(&path),
            resource,
            data: Vec::new(),
            methods: Vec::new(),
        }
    }
}

/// The path as OpenAPI writes it: `{file:.+}` (an actix pattern) is `{file}`.
fn documented_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(inner) => format!(
                "{{{}}}",
                inner
                    .split(':')
                    .next()
                    .unwrap_or(inner)
                    .trim_end_matches('}')
            ),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

type DataFn = Box<dyn FnOnce(actix_web::Resource) -> actix_web::Resource>;

/// The routes of one path being declared.
pub struct At<'t, 'c> {
    table: &'t mut RouteTable<'c>,
    path: String,
    resource: Option<actix_web::Resource>,
    data: Vec<DataFn>,
    /// The methods declared so far, for the 405's `Allow`.
    methods: Vec<&'static str>,
}

impl At<'_, '_> {
    fn route<F, Args>(
        mut self,
        method: &'static str,
        route: actix_web::Route,
        handler: F,
        doc: Doc,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(resource) = self.resource.take() {
            self.resource = Some(resource.route(route.to(handler)));
        }
        self.methods.push(method);
        self.table.operations.push(Operation {
            path: self.path.clone(),
            method,
            doc,
        });
        self
    }

    /// GET, and HEAD with the same answer less its body (as Keystone's routes do).
    pub fn get<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::route().guard(guard::Any(guard::Get()).or(guard::Head()));
        self.route("get", route, handler, doc)
    }

    /// GET only (a route whose HEAD means something else).
    pub fn get_only<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("get", web::get(), handler, doc)
    }

    pub fn head<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("head", web::head(), handler, doc)
    }

    pub fn post<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("post", web::post(), handler, doc)
    }

    pub fn put<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("put", web::put(), handler, doc)
    }

    pub fn patch<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("patch", web::patch(), handler, doc)
    }

    pub fn delete<F, Args>(self, handler: F, doc: Doc) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("delete", web::delete(), handler, doc)
    }

    /// Data the handlers of this path read (`web::Data<T>`).
    pub fn data<T: 'static>(mut self, value: T) -> Self {
        self.data.push(Box::new(move |r: actix_web::Resource| {
            r.app_data(web::Data::new(value))
        }));
        self
    }
}

impl Drop for At<'_, '_> {
    fn drop(&mut self) {
        if let (Some(cfg), Some(mut resource)) = (self.table.cfg.as_mut(), self.resource.take()) {
            resource = resource.default_service(method_not_allowed(allow_value(&self.methods)));
            for add in self.data.drain(..) {
                resource = add(resource);
            }
            cfg.service(resource);
        }
    }
}
