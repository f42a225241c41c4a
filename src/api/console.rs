//! The web console: static HTML, CSS and JavaScript embedded in the binary (no CDN, no
//! separate server) and served under `/console/`. It talks to the public API only.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::ApiError;

/// The files of `console/`, compiled in.
#[derive(RustEmbed)]
#[folder = "console/"]
struct Assets;

/// Scripts, styles and API calls from this origin only; nothing inline, nothing framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn serve(path: &str) -> Result<HttpResponse, ApiError> {
    let file = Assets::get(path)
        .ok_or_else(|| ApiError::NotFoundMessage("The resource could not be found.".into()))?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type(path))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ));
    Ok(response.body(file.data.into_owned()))
}

/// `GET /console/`: the console's page.
pub async fn index() -> Result<HttpResponse, ApiError> {
    serve("index.html")
}

/// `GET /console/{file}`: one of its scripts or style sheets.
pub async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&path.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_known_type() {
        let files: Vec<_> = Assets::iter().collect();
        assert!(files.iter().any(|f| f == "index.html"));
        for file in files {
            assert_ne!(content_type(&file), "application/octet-stream", "{file}");
        }
    }
}
