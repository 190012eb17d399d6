//! H2: someone signed up with another person's ID number. The person claims it with proof, the
//! administrator upholds the claim, the squatting account is frozen, its registrations are released or
//! stopped and the ledger says so, and the person signs up with their own number.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{PASSWORD, PNG, TestApp, code, synthetic_id_number};

/// A claim as the sign-up page's form sends it; `proof` is the file's bytes.
async fn file_claim(app: &TestApp, id_number: &str, proof: &[u8], proof_name: &str) -> (u16, Value) {
    let boundary = "fapai-claim-boundary";
    let mut body = Vec::new();
    for (name, value) in [
        ("email", "real-owner@example.test"),
        ("real_name", "王真名"),
        ("id_number", id_number),
        ("phone", "13800138000"),
        ("statement", "注册时提示身份证号已被使用，本人从未注册过。"),
    ] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"proof\"; filename=\"{proof_name}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend(proof);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut response = app
        .client
        .post(format!("{}/api/identity-claims", app.address))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(body)
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

db_test!(
    async fn a_claim_upheld_freezes_the_squatter_and_frees_the_number_for_its_owner(db) {
        let app = TestApp::spawn(db).await;
        let stolen = synthetic_id_number();
        let squatter = app.new_bidder_with_id("王真名", &stolen).await;
        let judge = app.new_judge().await;
        let open = app.round_open_to_two().await;
        let bidding_round = app.published_round_titled(&judge, "另一处房产").await;
        let bidding_id = bidding_round["id"].as_str().unwrap().to_owned();
        app.register_and_pay(&squatter, &bidding_id).await;
        app.open_bidding(&bidding_round).await;
        assert_eq!(app.bid(&squatter, &bidding_id, "700000").await.0, 201);
        // Published now, so it opens a month after the one bidding.
        let announced = app.published_round(&judge).await;
        let announced_id = announced["id"].as_str().unwrap().to_owned();
        app.register_and_pay(&squatter, &announced_id).await;

        // The owner cannot sign up, and files a claim instead; bad claims change nothing.
        let sign_up = json!({ "email": "real-owner@example.test", "password": PASSWORD, "real_name": "王真名", "id_number": stolen });
        let (status, error) = app.post("/api/auth/register", None, sign_up.clone()).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "identity_in_use"));
        let (status, error) = file_claim(&app, &synthetic_id_number(), PNG, "身份证.png").await;
        assert_eq!((status, code(&error)), (409, "identity_not_in_use"), "{error}");
        let (status, error) = file_claim(&app, &stolen, b"<html>", "x.html").await;
        assert_eq!((status, code(&error)), (422, "unsupported_file_type"), "{error}");
        let (status, receipt) = file_claim(&app, &stolen, PNG, "身份证.png").await;
        assert_eq!((status, receipt["status"].as_str()), (201, Some("pending")), "{receipt}");

        // Only the administrator sees the claims and their proof.
        let (status, _) = app.get("/api/admin/identity-claims", Some(&judge.token)).await;
        assert_eq!(status.as_u16(), 403);
        let admin = app.admin_token().await;
        let claims = app.get_ok("/api/admin/identity-claims", Some(&admin)).await;
        let claim = &claims[0];
        assert_eq!((claim["id_number"].as_str(), claim["holder"]["email"].as_str()), (Some(stolen.as_str()), Some(squatter.email.as_str())));
        let proof_url = format!("{}{}", app.address, claim["proof_url"].as_str().unwrap());
        let mut proof = app.client.get(&proof_url).insert_header(("Authorization", format!("Bearer {admin}"))).send().await.unwrap();
        assert_eq!(proof.status().as_u16(), 200);
        assert!(proof.headers().get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
        assert_eq!(proof.body().await.unwrap().as_ref(), PNG);
        let stranger = app.client.get(&proof_url).insert_header(("Authorization", format!("Bearer {}", open.alice.token))).send().await.unwrap();
        assert_eq!(stranger.status().as_u16(), 404);

        let decision = format!("/api/admin/identity-claims/{}/decision", claim["id"].as_str().unwrap());
        let (status, _) = app.post(&decision, Some(&judge.token), json!({ "outcome": "upheld" })).await;
        assert_eq!(status.as_u16(), 403);
        let decided = app.post_ok(&decision, Some(&admin), json!({ "outcome": "upheld", "note": "经公安机关核实" }), 200).await;
        assert_eq!((decided["status"].as_str(), decided["holder"]["frozen"].as_bool()), (Some("upheld"), Some(true)));
        let (status, error) = app.post(&decision, Some(&admin), json!({ "outcome": "rejected" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "claim_decided"));

        // The squatter can no longer sign in, register or bid.
        let (status, error) = app.post("/api/auth/login", None, json!({ "email": squatter.email, "password": PASSWORD })).await;
        assert_eq!((status.as_u16(), code(&error)), (401, "account_deactivated"));
        let (status, error) = app.bid(&squatter, &bidding_id, "701000").await;
        assert_eq!((status.as_u16(), code(&error)), (403, "account_frozen"), "{error}");
        let (status, error) = app
            .post(&format!("/api/auctions/{}/registrations", open.id), Some(&squatter.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (403, "account_frozen"));
        assert!(app.mail_to(&squatter.email, "account_frozen").await.len() == 1);

        // Each open round records it, by code: released before bidding, stopped once bidding.
        for (id, released) in [(&announced_id, true), (&bidding_id, false)] {
            let ledger = app.verified_ledger(id).await;
            let frozen: Vec<_> = ledger.iter().filter(|e| e.kind.as_str() == "registration_frozen").collect();
            assert_eq!(frozen.len(), 1, "{id}");
            assert_eq!(frozen[0].payload["freed"], released, "its place freed before bidding");
            assert!(!frozen[0].payload.to_string().contains(&stolen), "the ledger names nobody");
        }
        assert_eq!(app.auction(&bidding_id).await["bid_count"], 1, "its bids stand for the court");

        // The owner is told, signs up with the number and registers where the squatter had.
        let told = app.mail_to("real-owner@example.test", "identity_claim").await;
        assert!(told[0].raw.contains("经公安机关核实"), "{}", told[0].raw);
        let created = app.post_ok("/api/auth/register", None, sign_up, 201).await;
        assert_eq!(created["user"]["email"], "real-owner@example.test");
        let owner = app.login("real-owner@example.test", PASSWORD).await;
        let (status, registration) = app
            .post(&format!("/api/auctions/{announced_id}/registrations"), Some(&owner), json!({ "accept_terms": true, "housing_qualification_commitment": true }))
            .await;
        assert_eq!(status.as_u16(), 201, "the place is free: {registration}");
        app.finish().await;
    }
);

db_test!(
    async fn sign_ups_with_one_id_number_are_slowed_wherever_they_come_from(db) {
        let app = TestApp::spawn(db).await;
        let number = synthetic_id_number();
        app.new_bidder_with_id("赵一", &number).await;
        let attempt = |i: usize| json!({ "email": format!("probe{i}@example.test"), "password": PASSWORD, "real_name": "赵一", "id_number": number });
        for i in 0..4 {
            let (status, error) = app.post("/api/auth/register", None, attempt(i)).await;
            assert_eq!((status.as_u16(), code(&error)), (409, "identity_in_use"));
        }
        let (status, error) = app.post("/api/auth/register", None, attempt(9)).await;
        assert_eq!((status.as_u16(), code(&error)), (429, "rate_limited"), "the sixth try in an hour");
        // Another number is not slowed by it.
        app.new_bidder("钱二").await;
        app.finish().await;
    }
);

db_test!(
    async fn a_form_with_an_unnamed_part_is_refused_in_the_error_shape(db) {
        let app = TestApp::spawn(db).await;
        let body = "--B\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nnull\r\n--B\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.test\r\n--B--\r\n";
        let mut response = app
            .client
            .post(format!("{}/api/identity-claims", app.address))
            .insert_header(("Content-Type", "multipart/form-data; boundary=B"))
            .send_body(body)
            .await
            .expect("an answer, not a dropped connection");
        let error: Value = response.json().await.expect("the error shape");
        assert_eq!((response.status().as_u16(), code(&error)), (400, "invalid_body"), "{error}");
        app.get_ok("/api/health", None).await;
        app.finish().await;
    }
);
