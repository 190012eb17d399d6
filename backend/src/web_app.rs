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

/// The methods of each API path, from the OpenAPI description, to answer a wrong method with 405 and
/// the `Allow` header rather than 404.
pub struct ApiMethods(Vec<(Vec<String>, String)>);

impl ApiMethods {
    pub fn of(api: &utoipa::openapi::OpenApi) -> ApiMethods {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect::<Vec<_>>()
                .join(", ");
                (path.split('/').map(str::to_owned).collect(), methods)
            })
            .collect();
        ApiMethods(routes)
    }

    /// The methods `path` answers to, if it is a path of the API (`{…}` segments match any one segment;
    /// of two matching paths the one with more literal segments wins, as `/api/payments/callback` over
    /// `/api/payments/{order_id}`).
    fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(_, methods)| methods.as_str())
    }
}

/// Everything no API route matched: the app for `GET`/`HEAD` outside `/api/`; for an API path that exists
/// with other methods, 405 with `Allow`; otherwise the API's 404.
pub async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let allowed = req
        .app_data::<actix_web::web::Data<ApiMethods>>()
        .and_then(|methods| methods.allowed(path).map(str::to_owned));
    let method_allowed = allowed
        .as_deref()
        .is_some_and(|methods| methods.split(", ").any(|m| m == req.method().as_str()));
    if let (true, Some(allowed), false) = (is_api(path), allowed, method_allowed) {
        let body = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} is not an operation of {path}; it answers {allowed}", req.method()),
        );
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allowed))
            .json(body.body()));
    }
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
    use super::{ApiMethods, asset_name, is_api};

    #[test]
    fn a_literal_path_wins_over_a_template() {
        let route = |path: &str, methods: &str| (path.split('/').map(str::to_owned).collect(), methods.to_owned());
        let methods = ApiMethods(vec![
            route("/api/payments/{order_id}", "GET"),
            route("/api/payments/callback", "POST"),
        ]);
        assert_eq!(methods.allowed("/api/payments/callback"), Some("POST"));
        assert_eq!(methods.allowed("/api/payments/0c1d"), Some("GET"));
        assert_eq!(methods.allowed("/api/payments"), None);
    }

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
