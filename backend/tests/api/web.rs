//! What the web app reads beyond the contract's core: courts for its filters, a round's sibling rounds and
//! cover photo, the caller's own bids; and the app itself, served at every GET outside `/api/`.

use serde_json::json;

use crate::db_test;
use crate::helpers::{PNG, TestApp, upload};

db_test!(
    async fn the_home_page_can_filter_by_court_and_show_each_listings_photo(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let listing = round["listing_id"].as_str().unwrap().to_owned();

        let courts = app.get_ok("/api/courts?per_page=100", None).await;
        assert!(
            courts["items"].as_array().unwrap().iter().any(|c| c["id"] == json!(judge.court_id)),
            "{courts}"
        );

        let (status, photo) = upload(&app, &judge.token, &listing, "客厅.png", PNG, None).await;
        assert_eq!(status, 201, "{photo}");
        let page = app.get_ok(&format!("/api/auctions?listing_id={listing}"), None).await;
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["id"], round["id"]);
        assert_eq!(page["items"][0]["photo_url"], photo["url"]);

        let other = app.get_ok(&format!("/api/auctions?listing_id={}", uuid::Uuid::new_v4()), None).await;
        assert_eq!(other["total"], 0);
        app.finish().await;
    }
);

db_test!(
    async fn a_bidder_sees_only_their_own_bids_with_their_standing(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        let bob = app.new_bidder("刘备").await;
        let alice_code = app.register_and_pay(&alice, &id).await;
        app.register_and_pay(&bob, &id).await;
        app.open_bidding(&round).await;
        app.bid(&alice, &id, "700000").await;
        app.bid(&bob, &id, "701000").await;
        app.bid(&alice, &id, "702000").await;

        let mine = app.get_ok(&format!("/api/me/bids?auction_id={id}"), Some(&alice.token)).await;
        assert_eq!(mine["total"], 2, "{mine}");
        let items = mine["items"].as_array().unwrap();
        assert_eq!(items[0]["amount"], "702000.00");
        assert_eq!(items[0]["status"], "leading");
        assert_eq!(items[1]["status"], "outbid");
        assert!(items.iter().all(|b| b["bidder_code"] == alice_code.as_str() && b["auction_id"] == id.as_str()));

        let bobs = app.get_ok("/api/me/bids", Some(&bob.token)).await;
        assert_eq!(bobs["total"], 1);
        let registrations = app
            .get_ok(&format!("/api/me/registrations?auction_id={id}"), Some(&bob.token))
            .await;
        assert_eq!(registrations["total"], 1);
        let none = app
            .get_ok(&format!("/api/me/registrations?auction_id={}", uuid::Uuid::new_v4()), Some(&bob.token))
            .await;
        assert_eq!(none["total"], 0);

        let (status, _) = app.get("/api/me/bids", None).await;
        assert_eq!(status.as_u16(), 401);
        app.finish().await;
    }
);

#[actix_web::test]
async fn every_get_outside_the_api_is_the_web_app_and_the_api_keeps_its_json_404() {
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await;
    for path in ["/", "/auctions/8d3c0b1e-0000-4000-8000-000000000000", "/no/such/page"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        // 200 with the app, or 503 with a page saying how to build it: HTML either way, never JSON.
        assert!(
            matches!(response.status().as_u16(), 200 | 503),
            "{path}: {}",
            response.status()
        );
        let content_type = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-cache", "{path}");
    }
    let (status, body) = app.get("/api/no-such-thing", None).await;
    assert_eq!(status.as_u16(), 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = app.post("/auctions", None, json!({})).await;
    assert_eq!(status.as_u16(), 404, "only GET is the app: {body}");
    assert_eq!(body["error"]["code"], "not_found");
    app.finish().await;
}

#[actix_web::test]
async fn a_wrong_method_on_an_api_path_is_405_with_the_methods_it_answers() {
    let app = TestApp::spawn(crate::helpers::Db::Sqlite).await;
    let send = |method: &str, path: &str| {
        let request = app.client.request(
            awc::http::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", app.address),
        );
        async move {
            let mut response = request.send().await.unwrap();
            let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (response.status().as_u16(), allow, body)
        }
    };
    let (status, allow, body) = send("DELETE", "/api/auctions").await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET")), "{body}");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (status, allow, _) = send("TRACE", "/api/auctions/8d3c0b1e-0000-4000-8000-000000000000/bids").await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET, POST")));
    // A literal path beats a template: the callback is POST only, not a payment order called "callback".
    let (status, allow, _) = send("GET", "/api/payments/callback").await;
    assert_eq!((status, allow.as_deref()), (405, Some("POST")));
    // A method the path answers, with something that is not an id: not found, not 405.
    let (status, allow, body) = send("GET", "/api/payments/not-an-order").await;
    assert_eq!((status, allow), (404, None), "{body}");
    app.finish().await;
}
