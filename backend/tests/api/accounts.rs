//! Accounts, sign-in and who may do what.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use crate::db_test;
use crate::helpers::{JWT_SECRET, PASSWORD, TestApp, synthetic_id_number};

db_test!(
    async fn a_bidder_registers_signs_in_and_reads_itself(db) {
        let app = TestApp::spawn(db).await;
        let id_number = synthetic_id_number();
        let body = json!({ "email": "Zhang.San@Example.test", "password": PASSWORD, "real_name": "张三", "id_number": id_number, "phone": "138-0000-0000" });
        let created = app.post_ok("/api/auth/register", None, body, 201).await;
        assert_eq!(created["user"]["email"], "zhang.san@example.test");
        assert_eq!(created["user"]["role"], "bidder");
        assert!(created["user"].get("id_number").is_none(), "the ID number is never sent back");

        let login = app.post_ok("/api/auth/login", None, json!({ "email": "zhang.san@example.test", "password": PASSWORD }), 200).await;
        assert!(login["expires_at"].as_str().unwrap().ends_with('Z'));
        let me = app.get_ok("/api/me", login["token"].as_str()).await;
        assert_eq!(me["real_name"], "张三");
        assert_eq!(me["id"], created["user"]["id"]);
        app.finish().await;
    }
);

db_test!(
    async fn registration_refuses_bad_input_with_its_codes(db) {
        let app = TestApp::spawn(db).await;
        let good = |field: &str, value: serde_json::Value| {
            let mut body = json!({ "email": "li.si@example.test", "password": PASSWORD, "real_name": "李四", "id_number": synthetic_id_number() });
            body[field] = value;
            body
        };
        let cases = [
            (good("email", json!("not-an-email")), 422, "invalid_email"),
            (good("password", json!("short")), 422, "weak_password"),
            (good("id_number", json!("110105194912310021")), 422, "invalid_id_number"),
            (good("id_number", json!("12345")), 422, "invalid_id_number"),
        ];
        for (body, status, code) in cases {
            let (got, error) = app.post("/api/auth/register", None, body).await;
            assert_eq!((got.as_u16(), error["error"]["code"].as_str().unwrap()), (status, code), "{error}");
            assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        app.post_ok("/api/auth/register", None, good("email", json!("li.si@example.test")), 201).await;
        let (status, error) = app.post("/api/auth/register", None, good("email", json!("LI.SI@example.test"))).await;
        assert_eq!(status.as_u16(), 409);
        assert_eq!(error["error"]["code"], "email_taken");
        app.finish().await;
    }
);

db_test!(
    async fn wrong_credentials_get_the_same_401(db) {
        let app = TestApp::spawn(db).await;
        let bidder = app.new_bidder("王五").await;
        for (email, password) in [(bidder.email.as_str(), "wrong password"), ("nobody@example.test", PASSWORD)] {
            let (status, error) = app.post("/api/auth/login", None, json!({ "email": email, "password": password })).await;
            assert_eq!(status.as_u16(), 401);
            assert_eq!(error["error"]["code"], "invalid_credentials");
        }
        app.finish().await;
    }
);

db_test!(
    async fn bad_tokens_get_401(db) {
        let app = TestApp::spawn(db).await;
        let bidder = app.new_bidder("赵六").await;
        let now = chrono::Utc::now().timestamp();
        let claims = |exp: i64| json!({ "sub": bidder.id, "role": "admin", "iat": now, "exp": exp });
        let forged = encode(&Header::new(Algorithm::HS256), &claims(now + 3600), &EncodingKey::from_secret(b"not the server's key")).unwrap();
        let expired = encode(&Header::new(Algorithm::HS256), &claims(now - 600), &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap();
        let other_alg = encode(&Header::new(Algorithm::HS384), &claims(now + 3600), &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap();
        let payload = encode(&Header::new(Algorithm::HS256), &claims(now + 3600), &EncodingKey::from_secret(b"x")).unwrap();
        let body = payload.split('.').nth(1).unwrap();
        let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{body}.");
        for token in [forged.as_str(), expired.as_str(), other_alg.as_str(), alg_none.as_str(), "garbage"] {
            let (status, error) = app.get("/api/me", Some(token)).await;
            assert_eq!(status.as_u16(), 401, "{token}: {error}");
            assert_eq!(error["error"]["code"], "unauthenticated");
        }
        let (status, _) = app.get("/api/me", None).await;
        assert_eq!(status.as_u16(), 401);
        // A token signed with the server's key for a role the person does not have is still just a token:
        // roles come from sign-in, and an admin claim forged without the key never verifies (above).
        app.finish().await;
    }
);

db_test!(
    async fn only_an_admin_creates_courts_and_judges(db) {
        let app = TestApp::spawn(db).await;
        let bidder = app.new_bidder("钱七").await;
        let judge = app.new_judge().await;
        for token in [&bidder.token, &judge.token] {
            let (status, error) = app.post("/api/admin/courts", Some(token), json!({ "name": "某法院" })).await;
            assert_eq!(status.as_u16(), 403, "{error}");
            assert_eq!(error["error"]["code"], "forbidden");
        }
        let admin = app.admin_token().await;
        let (status, error) = app
            .post("/api/admin/judges", Some(&admin), json!({ "email": "j@court.test", "password": PASSWORD, "real_name": "法官", "court_id": uuid::Uuid::new_v4() }))
            .await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (404, Some("not_found")));
        let me = app.get_ok("/api/me", Some(&judge.token)).await;
        assert_eq!(me["role"], "judge");
        assert_eq!(me["court_id"], json!(judge.court_id));
        app.finish().await;
    }
);

db_test!(
    async fn judges_act_only_on_their_own_court(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let other = app.new_judge().await;
        let bidder = app.new_bidder("孙八").await;
        let listing = app.new_listing(&judge, "movable").await;

        let quote = json!({ "method": "appraisal", "quotes": [{ "source": "评估公司", "amount": "100000" }] });
        let (status, _) = app.post(&format!("/api/listings/{listing}/valuations"), Some(&other.token), quote.clone()).await;
        assert_eq!(status.as_u16(), 403);
        let (status, _) = app.post(&format!("/api/listings/{listing}/valuations"), Some(&bidder.token), quote.clone()).await;
        assert_eq!(status.as_u16(), 403);
        // Before any round is published, the listing is the court's alone.
        assert_eq!(app.get(&format!("/api/listings/{listing}"), Some(&other.token)).await.0.as_u16(), 404);
        assert_eq!(app.get(&format!("/api/listings/{listing}"), None).await.0.as_u16(), 404);
        app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await;

        // A case of another court cannot carry this judge's listing.
        let case = app
            .post_ok("/api/cases", Some(&judge.token), json!({ "case_number": "(2026)浙01执1号", "applicant": { "name": "甲", "email": "a@x.test" }, "respondent": { "name": "乙", "email": "b@x.test" } }), 201)
            .await;
        let (status, _) = app
            .post("/api/listings", Some(&other.token), json!({ "case_id": case["id"], "title": "车", "category": "movable", "description": "d", "location": "l" }))
            .await;
        assert_eq!(status.as_u16(), 403);
        let (status, _) = app.post("/api/cases", Some(&bidder.token), json!({ "case_number": "x", "applicant": { "name": "甲", "email": "a@x.test" }, "respondent": { "name": "乙", "email": "b@x.test" } })).await;
        assert_eq!(status.as_u16(), 403);
        app.finish().await;
    }
);

db_test!(
    async fn password_guessing_is_throttled(db) {
        let app = TestApp::spawn(db).await;
        let victim = app.new_bidder("被猜者").await;
        let other = app.new_bidder("旁人").await;
        for _ in 0..10 {
            let (status, _) = app.post("/api/auth/login", None, json!({ "email": victim.email, "password": "guess" })).await;
            assert_eq!(status.as_u16(), 401);
        }
        // Even the right password waits now; the error says how long.
        let (status, error) = app.post("/api/auth/login", None, json!({ "email": victim.email, "password": PASSWORD })).await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (429, Some("rate_limited")));
        assert!(error["error"]["details"]["retry_after_seconds"].as_u64().is_some_and(|s| s > 0 && s <= 900));
        // Other accounts are not affected.
        app.post_ok("/api/auth/login", None, json!({ "email": other.email, "password": PASSWORD }), 200).await;
        app.finish().await;
    }
);
