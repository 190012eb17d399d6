//! Health, time, the test clock, body limits and the OpenAPI description.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::TestApp;

db_test!(
    async fn health_names_the_database(db) {
        let app = TestApp::spawn(db).await;
        let health = app.get_ok("/api/health", None).await;
        let expected = match db { crate::helpers::Db::Sqlite => "sqlite", crate::helpers::Db::Postgres => "postgres" };
        assert_eq!(health, json!({ "status": "ok", "database": expected, "payments": "sandbox", "sandbox_payments_warning": false }));
        app.finish().await;
    }
);

db_test!(
    async fn the_test_clock_only_moves_forward(db) {
        let app = TestApp::spawn(db).await;
        let now = app.now().await;
        let later = app.advance(3600).await;
        assert_eq!(later - now, chrono::Duration::hours(1));
        let clock = app.get_ok("/api/test/clock", None).await;
        assert_eq!(clock["now"], json!(crate::helpers::rfc(later)));
        for body in [json!({ "now": crate::helpers::rfc(now) }), json!({ "advance_seconds": -1 })] {
            let (status, error) = app.post("/api/test/clock", None, body).await;
            assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (409, Some("clock_backwards")));
        }
        // N8: a move no legal period needs is refused, not a panic, and leaves the clock where it was.
        for body in [
            json!({ "advance_seconds": i64::MAX }),
            json!({ "advance_seconds": 101_i64 * 366 * 86_400 }),
            json!({ "now": "9999-12-31T00:00:00Z" }),
        ] {
            let (status, error) = app.post("/api/test/clock", None, body.clone()).await;
            assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (400, Some("invalid_clock_move")), "{body}");
        }
        assert_eq!(app.now().await, later);
        app.finish().await;
    }
);

db_test!(
    async fn malformed_and_oversized_bodies_are_refused_in_the_error_shape(db) {
        let app = TestApp::spawn(db).await;
        let url = format!("{}/api/auth/register", app.address);
        let mut response = app.client.post(&url).insert_header(("content-type", "application/json")).send_body("{\"email\":").await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "malformed_json");

        let huge = format!("{{\"email\":\"{}\"}}", "x".repeat(1 << 20));
        let mut response = app.client.post(&url).insert_header(("content-type", "application/json")).send_body(huge).await.unwrap();
        assert_eq!(response.status().as_u16(), 413);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");

        let (status, body) = app.post("/api/auth/register", None, json!({ "email": "a@b.test" })).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (400, Some("invalid_body")));
        let (status, body) = app.get("/api/auctions/not-a-uuid", None).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (404, Some("not_found")));
        app.finish().await;
    }
);

/// Production mode (the real clock, no demo) refuses the sandbox gateway unless it is allowed outright.
#[actix_web::test]
async fn production_mode_refuses_the_sandbox_gateway_unless_allowed() {
    let database = crate::helpers::TestDatabase::create(crate::helpers::Db::Sqlite).await;
    let mut settings = crate::helpers::test_settings(&database.url, &database.data_dir());
    settings.clock = backend::config::ClockMode::System;
    let refused = backend::startup::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        refused.to_string().contains("FAPAI_PAYMENTS_SANDBOX=allow"),
        "{refused}"
    );
    database.drop_database().await;
}

#[actix_web::test]
async fn the_test_clock_is_absent_with_the_system_clock() {
    let database = crate::helpers::TestDatabase::create(crate::helpers::Db::Sqlite).await;
    let mut settings = crate::helpers::test_settings(&database.url, &database.data_dir());
    settings.clock = backend::config::ClockMode::System;
    settings.payments_sandbox = "allow".into();
    let app = TestApp::spawn_with(crate::helpers::Db::Sqlite, settings, Some(database)).await;
    let (status, body) = app.get("/api/test/clock", None).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(
        app.post("/api/test/clock", None, json!({ "advance_seconds": 60 }))
            .await
            .0
            .as_u16(),
        404
    );
    app.get_ok("/api/time", None).await;
    let description = app.get_ok("/api/openapi.json", None).await;
    assert!(description["paths"]["/api/time"].is_object());
    assert!(
        description["paths"].get("/api/test/clock").is_none(),
        "not described where it does not exist"
    );
    // The sandbox with the real clock: allowed, and said (every page shows it from here).
    let health = app.get_ok("/api/health", None).await;
    assert_eq!(
        (
            health["payments"].as_str(),
            health["sandbox_payments_warning"].as_bool()
        ),
        (Some("sandbox"), Some(true))
    );
    app.finish().await;
}

/// Every path of the contract is described in the OpenAPI document, and it is served with a UI.
#[actix_web::test]
async fn the_openapi_description_covers_the_contract() {
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await;
    let spec = app.get_ok("/api/openapi.json", None).await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/health", "get"),
        ("/api/time", "get"),
        ("/api/test/clock", "post"),
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/me", "get"),
        ("/api/admin/courts", "post"),
        ("/api/admin/judges", "post"),
        ("/api/cases", "post"),
        ("/api/listings", "post"),
        ("/api/listings/{id}", "get"),
        ("/api/listings/{id}/valuations", "post"),
        ("/api/listings/{id}/auctions", "post"),
        ("/api/auctions/{id}/publish", "post"),
        ("/api/auctions/{id}/suspend", "post"),
        ("/api/auctions/{id}/resume", "post"),
        ("/api/auctions/{id}/withdraw", "post"),
        ("/api/auctions/{id}/priority-holders", "post"),
        ("/api/auctions", "get"),
        ("/api/auctions/{id}", "get"),
        ("/api/auctions/{id}/registrations", "post"),
        ("/api/payments/{order_id}/sandbox-complete", "post"),
        ("/api/me/registrations", "get"),
        ("/api/auctions/{id}/bids", "post"),
        ("/api/auctions/{id}/bids", "get"),
        ("/api/auctions/{id}/ledger", "get"),
        ("/api/auctions/{id}/live", "get"),
        ("/api/auctions/{id}/result", "get"),
        ("/api/deals/{id}", "get"),
        ("/api/deals/{id}/confirmation", "get"),
        ("/api/deals/{id}/balance-payment", "post"),
        ("/api/me/deals", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.snapshot.json");
    let pretty = serde_json::to_string_pretty(&spec).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") || !snapshot.exists() {
        std::fs::write(&snapshot, &pretty).unwrap();
    } else {
        let stored = std::fs::read_to_string(&snapshot).unwrap();
        assert!(
            stored == pretty,
            "the API changed: review the diff and run with UPDATE_SNAPSHOTS=1 to accept it"
        );
    }
    let (status, html) = app.get("/api/docs/", None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        html.as_str().unwrap().contains("swagger"),
        "the docs page is served from the binary"
    );
    app.finish().await;
}
