//! The HTTP API under `/api`, one module per resource; the OpenAPI description is collected from the
//! handlers' `#[utoipa::path]` annotations and served at `/api/openapi.json`, with a UI at `/api/docs`.

pub mod accounts;
pub mod court;
pub mod deals;
pub mod discovery;
mod files;
pub mod identity_claims;
pub mod listings;
pub mod live;
pub mod negotiations;
pub mod objections;
pub mod payments;
pub mod reconciliations;
mod request_rules;
pub mod rounds;
pub mod system;
pub mod watching;

use actix_web::web;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

pub use request_rules::RequestRules;

/// Request bodies over this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fapai 法拍 API",
        description = "Online judicial auctions: courts list seized property, bidders register and bid live, buyers pay online. \
                       Money is a decimal string with two fraction digits; times are RFC 3339 UTC.",
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, sign-in, the caller's own data"),
        (name = "admin", description = "Courts, judges, identity claims and reconciliation with the gateway"),
        (name = "listings", description = "Cases, listings, reference prices"),
        (name = "auctions", description = "Rounds as the court manages them, and the public views"),
        (name = "bidding", description = "Registration, deposits, bids, the ledger, results"),
        (name = "payments", description = "Payment orders, the gateway (Alipay or the sandbox) and bank transfers"),
        (name = "deals", description = "After a sale"),
        (name = "objections", description = "Objections to a round and the court's decisions (R61–R65)"),
        (name = "court", description = "A judge's own court"),
        (name = "system", description = "Health and time"),
        (name = "test", description = "The manual test clock"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Declares the refusals every operation can give, so the description matches what the server does and
/// clients generated from it expect them: 400 for a body or query it cannot read, 401 for a bad token
/// (a public route refuses one too), 403 where a role is needed, 404 where a path names something, 413
/// and 422 where there is a body. An operation's own, more specific descriptions are kept. Applied to the
/// description once the handlers' paths are collected (`startup`).
pub struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::content::ContentBuilder;
        use utoipa::openapi::{Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let names_something = path.contains('{');
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let has_body = operation.request_body.is_some();
                let secured = operation.security.is_some();
                let mut add = |code: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                add(
                    "400",
                    "malformed_json, invalid_body or invalid_query: the request could not be read",
                );
                add("401", "unauthenticated: the token is missing, expired or invalid");
                if secured {
                    add("403", "forbidden: the account may not do this");
                }
                if names_something {
                    add("404", "not_found");
                }
                if has_body {
                    add("413", "payload_too_large: the body is over 1 MiB");
                    add("422", "the body's values are refused; the code says which rule");
                }
            }
        }
    }
}

/// Every endpoint of the API.
/// The API's routes: each module registers its own.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .content_type_required(false)
            .error_handler(crate::error::json_error),
    )
    .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
    .app_data(web::PathConfig::default().error_handler(crate::error::path_error))
    .app_data(web::QueryConfig::default().error_handler(crate::error::query_error))
    .app_data(
        actix_multipart::form::MultipartFormConfig::default()
            .total_limit(21 << 20)
            .memory_limit(1 << 20)
            .error_handler(crate::error::multipart_error),
    );
    // The router tries resources in this order, each dynamic one with a regex: the bid path's resources
    // come first (the profile showed route matching at 7 % of a bid's CPU when they came sixth).
    rounds::config(cfg);
    live::config(cfg);
    system::config(cfg);
    accounts::config(cfg);
    identity_claims::config(cfg);
    listings::config(cfg);
    court::config(cfg);
    negotiations::config(cfg);
    payments::config(cfg);
    reconciliations::config(cfg);
    deals::config(cfg);
    objections::config(cfg);
    watching::config(cfg);
}
