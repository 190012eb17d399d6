//! The API's edges under hostile or careless clients: bounded input, throttles with Retry-After, one
//! account per person, paging limits, canonical money, what is public, literal search, clean text,
//! security headers, and no duplicate balance order.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Db, OpenRound, TestApp, code, synthetic_id_number};

/// A status, its `Retry-After` header and its body, for a raw POST.
async fn post_raw(app: &TestApp, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let mut response = app
        .client
        .post(format!("{}{path}", app.address))
        .send_json(&body)
        .await
        .expect("an answer");
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = response.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
    (response.status().as_u16(), retry, body)
}

db_test!(
    async fn oversized_emails_are_refused_before_anything_else(db) {
        let app = TestApp::spawn(db).await;
        let huge = format!("{}@example.test", "a".repeat(1 << 20 >> 1));
        let (status, body) = app.post("/api/auth/login", None, json!({ "email": huge, "password": "whatever-it-is" })).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_email"));
        let long = format!("{}@example.test", "a".repeat(250));
        let body = json!({ "email": long, "password": "a-long-password", "real_name": "张三", "id_number": synthetic_id_number() });
        let (status, body) = app.post("/api/auth/register", None, body).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_email"));
        app.finish().await;
    }
);

#[actix_web::test]
async fn an_address_that_signs_in_or_up_too_often_is_told_when_to_come_back() {
    let app = TestApp::spawn_tuned(Db::Sqlite, |settings| {
        settings.logins_per_address_per_minute = 3;
        settings.signups_per_address_per_hour = 2;
    })
    .await;
    for attempt in 0..3 {
        let (status, _, body) = post_raw(
            &app,
            "/api/auth/login",
            json!({ "email": format!("n{attempt}@example.test"), "password": "wrong-password" }),
        )
        .await;
        assert_eq!((status, code(&body)), (401, "invalid_credentials"));
    }
    let (status, retry, body) = post_raw(
        &app,
        "/api/auth/login",
        json!({ "email": "another@example.test", "password": "wrong-password" }),
    )
    .await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "{body}");
    let seconds: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&seconds));

    let signup = || json!({ "email": format!("{}@example.test", uuid::Uuid::new_v4().simple()), "password": "a-long-password", "real_name": "张三", "id_number": synthetic_id_number() });
    assert_eq!(post_raw(&app, "/api/auth/register", signup()).await.0, 201);
    assert_eq!(post_raw(&app, "/api/auth/register", signup()).await.0, 201);
    let (status, retry, body) = post_raw(&app, "/api/auth/register", signup()).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"));
    assert!(retry.is_some());
    app.finish().await;
}

db_test!(
    async fn one_person_has_one_account_and_the_answer_names_nobody(db) {
        let app = TestApp::spawn(db).await;
        let first = app.new_bidder("陈爱丽").await;
        let squatter = json!({ "email": "squatter@example.test", "password": "a-long-password", "real_name": "陈爱丽", "id_number": first.id_number });
        let (status, body) = app.post("/api/auth/register", None, squatter).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "identity_in_use"));
        assert!(!body.to_string().contains(&first.email), "no account named: {body}");
        let lower = first.id_number.to_lowercase();
        let (status, body) = app.post("/api/auth/register", None, json!({ "email": "x2@example.test", "password": "a-long-password", "real_name": "陈爱丽", "id_number": lower })).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "identity_in_use"), "the check character's case does not matter");
        app.finish().await;
    }
);

db_test!(
    async fn deep_pages_are_refused_and_nothing_drops_the_connection(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        for path in [
            "/api/auctions?page=99999999999999999&per_page=100".to_owned(),
            format!("/api/auctions/{id}/bids?page=99999999999999999&per_page=100"),
            "/api/auctions?page=1001&per_page=100".to_owned(),
            "/api/auctions?page=0".to_owned(),
            "/api/auctions?per_page=101".to_owned(),
            "/api/courts?page=100001&per_page=1".to_owned(),
        ] {
            let answer = app.try_request("GET", &path, None, None).await;
            let (status, body) = answer.unwrap_or_else(|| panic!("{path}: the connection dropped"));
            assert_eq!((status.as_u16(), code(&body)), (400, "invalid_query"), "{path}");
        }
        assert_eq!(app.get_ok("/api/auctions?page=1000&per_page=100", None).await["items"], json!([]));
        app.finish().await;
    }
);

db_test!(
    async fn money_has_one_spelling(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&alice, &id).await;
        app.open_bidding(&round).await;
        for amount in ["700000.000", "+700000", ".5", "700000.", " 700000", "0700000"] {
            let (status, body) = app.bid(&alice, &id, amount).await;
            assert_eq!((status.as_u16(), code(&body)), (422, "invalid_amount"), "{amount:?}");
        }
        assert_eq!(app.auction(&id).await["bid_count"], 0, "nothing changed");
        let (status, body) = app.bid(&alice, &id, "700000.0").await;
        assert_eq!(status.as_u16(), 201, "{body}");
        app.finish().await;
    }
);

db_test!(
    async fn a_round_withdrawn_before_publication_never_becomes_public(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        app.appraise(&judge, &listing, "1000000").await;
        let starts = app.now().await + chrono::Duration::days(31);
        let (_, draft) = app
            .create_round(
                &judge,
                &listing,
                json!({ "starting_price": "700000", "deposit": "70000", "increment": "1000",
                        "bidding_starts_at": crate::helpers::rfc(starts),
                        "bidding_ends_at": crate::helpers::rfc(starts + chrono::Duration::hours(24)) }),
            )
            .await;
        let id = draft["id"].as_str().unwrap();
        app.post_ok(&format!("/api/auctions/{id}/withdraw"), Some(&judge.token), json!({ "reason": "内部草稿作废" }), 200).await;
        let (status, _) = app.get(&format!("/api/auctions/{id}"), None).await;
        assert_eq!(status.as_u16(), 404);
        let (status, _) = app.get(&format!("/api/listings/{listing}"), None).await;
        assert_eq!(status.as_u16(), 404);
        assert_eq!(app.get_ok("/api/auctions?status=withdrawn", None).await["total"], 0);
        let own = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(own["status"], "withdrawn", "its court still sees it");
        app.finish().await;
    }
);

db_test!(
    async fn search_words_are_literal_and_text_is_clean(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        app.published_round(&judge).await;
        for (q, expected) in [("%", 0), ("_", 0), ("望江路", 1)] {
            let page = app.get_ok(&format!("/api/auctions?q={}", urlencode(q)), None).await;
            assert_eq!(page["total"], expected, "q={q}");
        }
        let body = json!({ "email": "nul@example.test", "password": "a-long-password", "real_name": "张\u{0}三", "id_number": synthetic_id_number() });
        let (status, body) = app.post("/api/auth/register", None, body).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_text"));
        let body = json!({ "email": "bidi@example.test", "password": "a-long-password", "real_name": "张\u{202E}三", "id_number": synthetic_id_number() });
        let (status, body) = app.post("/api/auth/register", None, body).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_text"));
        app.finish().await;
    }
);

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn(Db::Sqlite).await;
    for path in ["/api/health", "/", "/api/no-such-thing"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{path}");
        assert_eq!(
            header("content-security-policy").as_deref(),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
    }
    app.finish().await;
}

db_test!(
    async fn two_balance_payments_at_once_share_one_order(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&alice, &id).await;
        app.open_bidding(&round).await;
        app.bid(&alice, &id, "700000").await;
        app.set_clock(crate::helpers::parse_time(&app.auction(&id).await["bidding_ends_at"])).await;
        let deal = app.get_ok(&format!("/api/auctions/{id}/result"), None).await["deal_id"].as_str().unwrap().to_owned();
        let path = format!("/api/deals/{deal}/balance-payment");
        let answers = futures_util::future::join_all((0..8).map(|_| app.post(&path, Some(&alice.token), json!({})))).await;
        let orders: std::collections::HashSet<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(status.as_u16(), 201, "{body}");
                body["order_id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(orders.len(), 1, "one pending order: {orders:?}");
        app.finish().await;
    }
);

db_test!(
    async fn the_ledger_comes_in_pages_or_streamed_whole_and_both_verify(db) {
        let app = TestApp::spawn(db).await;
        let OpenRound { id, alice, bob, .. } = app.round_open_to_two().await;
        for step in 0..12 {
            let bidder = if step % 2 == 0 { &alice } else { &bob };
            app.bid(bidder, &id, &crate::helpers::plus("700000", step, "1000")).await;
        }
        // The whole chain, streamed, verifies (the helper checks every link and hash).
        let whole = app.verified_ledger(&id).await;
        let streamed = app.get_ok(&format!("/api/auctions/{id}/ledger"), None).await;
        assert_eq!(streamed["head"], streamed["entries"].as_array().unwrap().last().unwrap()["hash"]);

        // Pages of five, joined, are the same chain.
        let mut after = 0;
        let mut joined = Vec::new();
        loop {
            let page = app.get_ok(&format!("/api/auctions/{id}/ledger?after_seq={after}&limit=5"), None).await;
            let entries = page["entries"].as_array().unwrap().clone();
            if entries.is_empty() {
                break;
            }
            assert!(entries.len() <= 5);
            assert_eq!(page["head"], entries.last().unwrap()["hash"]);
            after = entries.last().unwrap()["seq"].as_i64().unwrap();
            joined.extend(entries);
        }
        assert_eq!(joined.len(), whole.len());
        assert_eq!(Value::Array(joined), streamed["entries"]);
        // N13: a page past the end is empty, and its head is the chain's.
        for past in [after, after + 1000] {
            let page = app.get_ok(&format!("/api/auctions/{id}/ledger?after_seq={past}"), None).await;
            assert_eq!((page["entries"].as_array().map(Vec::len), &page["head"]), (Some(0), &streamed["head"]));
        }

        for bad in ["limit=1001", "limit=0", "after_seq=-1"] {
            let (status, body) = app.get(&format!("/api/auctions/{id}/ledger?{bad}"), None).await;
            assert_eq!((status.as_u16(), code(&body)), (400, "invalid_query"), "{bad}");
        }
        app.finish().await;
    }
);

#[actix_web::test]
async fn live_connections_are_capped_per_address_and_a_closed_one_frees_its_place() {
    let app = TestApp::spawn_tuned(Db::Sqlite, |settings| {
        settings.websocket_max_per_address = 2;
    })
    .await;
    let judge = app.new_judge().await;
    let round = app.published_round(&judge).await;
    let url = format!(
        "{}/api/auctions/{}/live",
        app.address.replace("http://", "ws://"),
        round["id"].as_str().unwrap()
    );
    let (_, first) = app.client.ws(&url).connect().await.expect("first");
    let (_, _second) = app.client.ws(&url).connect().await.expect("second");
    match app.client.ws(&url).connect().await {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 429),
        Err(other) => panic!("refused for the wrong reason: {other}"),
        Ok(_) => panic!("a third connection from one address was admitted"),
    }
    drop(first);
    let mut admitted = false;
    for _ in 0..50 {
        if app.client.ws(&url).connect().await.is_ok() {
            admitted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(admitted, "the closed connection's place was freed");
    app.finish().await;
}

db_test!(
    async fn a_judge_moved_to_another_court_must_sign_in_again_at_once(db) {
        use backend::persistence::entities::user;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        let me = app.get_ok("/api/me", Some(&judge.token)).await;
        let other_court = app.new_judge().await.court_id;
        user::Entity::update_many()
            .col_expr(user::Column::CourtId, Expr::value(other_court))
            .filter(user::Column::Id.eq(me["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap()))
            .exec(app.state().db.conn())
            .await
            .unwrap();
        let (status, body) = app.get(&format!("/api/listings/{listing}"), Some(&judge.token)).await;
        assert_eq!((status.as_u16(), code(&body)), (401, "unauthenticated"), "the old court's token is dead");
        let (status, _) = app.get("/api/court/listings", Some(&judge.token)).await;
        assert_eq!(status.as_u16(), 401);
        app.finish().await;
    }
);
