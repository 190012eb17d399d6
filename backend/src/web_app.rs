//! The bidders' and courts' web app (`frontend/`, a SvelteKit single-page app) served at every `GET`
//! outside `/api/`. Release builds carry the built app inside the binary; debug builds read it from
//! `frontend/build` on disk, so a rebuilt app shows without recompiling the server.
//!
//! Hashed assets under `_app/immutable/` never change and are cached for a year; everything else,
//! `index.html` above all, is revalidated on each visit so a new release is picked up at once. A path
//! that is no file of the app gets `index.html`, and the app shows its own page (or its not-found page).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::Embed;

use crate::error::ApiError;

#[derive(Embed)]
#[folder = "../frontend/build/"]
#[allow_missing = true]
struct AppFiles;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Whether `path` belongs to the API rather than to the app.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The app's file for a request path, if it names one safely (no `..`, no backslashes).
fn asset_name(path: &str) -> Option<&str> {
    let name = path.trim_start_matches('/');
    let safe = !name.is_empty() && !name.contains('\\') && name.split('/').all(|part| !part.is_empty() && part != "..");
    safe.then_some(name)
}

fn file_response(name: &str, file: rust_embed::EmbeddedFile) -> HttpResponse {
    let cache = if name.starts_with("_app/immutable/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)));
    response.body(file.data.into_owned())
}

/// Shown when the server was built without the app: say how to build it, not a bare 404.
const NOT_BUILT: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>法拍 Fapai</title>\
<body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem\">\
<h1>法拍 Fapai</h1><p>网页应用尚未构建。The web app has not been built: run <code>scripts/demo.sh</code> \
(or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>) and reload.</p>\
<p>The API is at <a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

/// Everything no API route matched: the app for `GET`/`HEAD` outside `/api/`, the API's 404 otherwise.
pub async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if is_api(path) || !(req.method() == Method::GET || req.method() == Method::HEAD) {
        return Err(ApiError::not_found("resource"));
    }
    if let Some(name) = asset_name(path)
        && let Some(file) = AppFiles::get(name)
    {
        return Ok(file_response(name, file));
    }
    match AppFiles::get("index.html") {
        Some(file) => Ok(file_response("index.html", file)),
        None => Ok(HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, REVALIDATE))
            .body(NOT_BUILT)),
    }
}

#[cfg(test)]
mod tests {
    use super::{asset_name, is_api};

    #[test]
    fn api_paths_are_never_the_app() {
        assert!(is_api("/api") && is_api("/api/nothing/here"));
        assert!(!is_api("/apiary") && !is_api("/auctions/1"));
    }

    #[test]
    fn only_plain_relative_names_are_looked_up() {
        assert_eq!(asset_name("/_app/immutable/a.js"), Some("_app/immutable/a.js"));
        assert_eq!(asset_name("/"), None);
        assert_eq!(asset_name("/../Cargo.toml"), None);
        assert_eq!(asset_name("/a//b"), None);
        assert_eq!(asset_name("/a\\b"), None);
    }
}
