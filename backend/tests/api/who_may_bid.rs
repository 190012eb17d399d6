//! Who may bid (contract v1.3, R37, R9, R71): organisations beside persons, nobody under 18, and nobody on
//! the court's exclusion list, nor the court's own judges and the platform's administrators.

use auction_core::identity::check_character;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::{Bidder, PASSWORD, TestApp, code, parse_time, rfc, synthetic_id_number};

/// A valid ID number of someone born on `birth`.
fn id_number_born(birth: NaiveDate) -> String {
    let serial = Uuid::new_v4().as_u128() % 1000;
    let first17 = format!("330106{}{serial:03}", birth.format("%Y%m%d"));
    let digits: Vec<u32> = first17.chars().map(|c| c.to_digit(10).unwrap()).collect();
    format!("{first17}{}", check_character(&digits.try_into().unwrap()))
}

/// A valid unified social credit code, different each call.
pub(crate) fn credit_code() -> String {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let first17 = format!("91330106{:09}", Uuid::new_v4().as_u128() % 1_000_000_000);
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| ALPHABET.find(c).unwrap() as u32 * w)
        .sum();
    let check = ALPHABET.as_bytes()[((31 - sum % 31) % 31) as usize] as char;
    format!("{first17}{check}")
}

fn organisation_sign_up(name: &str, code: &str, representative_id: &str) -> Value {
    json!({
        "email": format!("org-{}@example.test", Uuid::new_v4().simple()),
        "password": PASSWORD,
        "kind": "organisation",
        "organisation": { "name": name, "credit_code": code },
        "real_name": "周建国",
        "id_number": representative_id,
    })
}

/// Signs up an organisation and signs it in, as a [`Bidder`] (whose `real_name` is the organisation's).
async fn new_organisation(app: &TestApp, name: &str, code: &str) -> Bidder {
    let body = organisation_sign_up(name, code, &synthetic_id_number());
    let email = body["email"].as_str().unwrap().to_owned();
    let created = app.post_ok("/api/auth/register", None, body.clone(), 201).await;
    Bidder {
        id: serde_json::from_value(created["user"]["id"].clone()).unwrap(),
        email: email.clone(),
        real_name: name.to_owned(),
        id_number: body["id_number"].as_str().unwrap().to_owned(),
        token: app.login(&email, PASSWORD).await,
    }
}

pub(crate) async fn register(app: &TestApp, bidder_token: &str, auction_id: &str) -> (u16, Value) {
    let (status, body) = app
        .post(
            &format!("/api/auctions/{auction_id}/registrations"),
            Some(bidder_token),
            json!({ "accept_terms": true, "housing_qualification_commitment": true }),
        )
        .await;
    (status.as_u16(), body)
}

db_test!(
    async fn an_organisation_signs_up_bids_wins_is_named_on_the_sale_and_is_barred_by_its_code_after_a_default(db) {
        let app = TestApp::spawn(db).await;
        let org_code = credit_code();
        let representative = synthetic_id_number();

        // Bad input changes nothing.
        let mut wrong = organisation_sign_up("杭州望江贸易有限公司", &org_code, &representative);
        let other_check = if org_code.ends_with('0') { '1' } else { '0' };
        wrong["organisation"]["credit_code"] = json!(format!("{}{other_check}", &org_code[..17]));
        let (status, error) = app.post("/api/auth/register", None, wrong).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_credit_code"), "{error}");
        let mut wrong = organisation_sign_up("杭州望江贸易有限公司", &org_code, &representative);
        wrong.as_object_mut().unwrap().remove("organisation");
        let (status, error) = app.post("/api/auth/register", None, wrong).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "missing_field"), "{error}");
        let (status, error) =
            app.post("/api/auth/register", None, organisation_sign_up("公", &org_code, &representative)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "identity_not_verified"), "{error}");

        let body = organisation_sign_up("杭州望江贸易有限公司", &org_code.to_lowercase(), &representative);
        let created = app.post_ok("/api/auth/register", None, body.clone(), 201).await;
        assert_eq!(created["user"]["kind"], "organisation", "{created}");
        assert_eq!(created["user"]["organisation"], json!({ "name": "杭州望江贸易有限公司", "credit_code": org_code }));
        assert_eq!(created["user"]["real_name"], "周建国");
        // One account per credit code; the representative may still bid in their own name.
        let (status, error) =
            app.post("/api/auth/register", None, organisation_sign_up("杭州望江贸易有限公司", &org_code, &synthetic_id_number())).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "identity_in_use"), "{error}");
        app.new_bidder_with_id("周建国", &representative).await;
        let email = body["email"].as_str().unwrap();
        let company = Bidder {
            id: serde_json::from_value(created["user"]["id"].clone()).unwrap(),
            email: email.to_owned(),
            real_name: "杭州望江贸易有限公司".into(),
            id_number: representative.clone(),
            token: app.login(email, PASSWORD).await,
        };
        let me = app.get_ok("/api/me", Some(&company.token)).await;
        assert_eq!((me["kind"].as_str(), me["organisation"]["name"].as_str()), (Some("organisation"), Some("杭州望江贸易有限公司")), "{me}");

        // It registers, pays and wins like a person; the sale is published under its name.
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let person = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&company, &id).await;
        app.register_and_pay(&person, &id).await;
        app.open_bidding(&round).await;
        let (status, bid) = app.bid(&company, &id, round["starting_price"].as_str().unwrap()).await;
        assert_eq!(status, 201, "{bid}");
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!(result["buyer_name"], "杭州望江贸易有限公司", "{result}");
        let (_, confirmation) = app.get(result["confirmation_url"].as_str().unwrap(), None).await;
        assert!(confirmation.as_str().unwrap().contains("杭州望江贸易有限公司"), "{confirmation}");
        let registrants = app.get_ok(&format!("/api/auctions/{id}/registrants"), Some(&judge.token)).await;
        let listed = registrants.as_array().unwrap().iter().find(|r| r["kind"] == "organisation").unwrap();
        assert_eq!(listed["organisation"]["credit_code"], json!(org_code), "{registrants}");
        assert_eq!(listed["id_number"], json!(representative), "the representative's");

        // It does not pay: the re-auction of the listing is closed to its credit code (R55).
        let deal = app.get_ok(&format!("/api/deals/{}", result["deal_id"].as_str().unwrap()), Some(&company.token)).await;
        app.set_clock(parse_time(&deal["balance_due_at"])).await;
        let starts = app.now().await + Duration::days(31);
        let (status, again) = app
            .create_round(
                &judge,
                round["listing_id"].as_str().unwrap(),
                json!({
                    "starting_price": round["starting_price"], "deposit": round["deposit"], "increment": round["increment"],
                    "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
                }),
            )
            .await;
        assert_eq!(status, 201, "{again}");
        let again_id = again["id"].as_str().unwrap();
        app.publish(&judge.token, again_id).await;
        let (status, error) = register(&app, &company.token, again_id).await;
        assert_eq!((status, code(&error)), (403, "barred"), "{error}");
        app.finish().await;
    }
);

db_test!(
    async fn two_sign_ups_with_one_credit_code_at_once_make_one_account(db) {
        let app = TestApp::spawn(db).await;
        let org_code = credit_code();
        let first = organisation_sign_up("杭州望江贸易有限公司", &org_code, &synthetic_id_number());
        let second = organisation_sign_up("杭州望江贸易有限公司", &org_code, &synthetic_id_number());
        let (a, b) = tokio::join!(
            app.post("/api/auth/register", None, first),
            app.post("/api/auth/register", None, second),
        );
        let mut statuses = [a.0.as_u16(), b.0.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{} / {}", a.1, b.1);
        let loser = if a.0.as_u16() == 409 { a.1 } else { b.1 };
        assert_eq!(code(&loser), "identity_in_use", "{loser}");
        app.finish().await;
    }
);

db_test!(
    async fn nobody_under_eighteen_on_the_day_of_sign_up_by_the_test_clock(db) {
        let app = TestApp::spawn(db).await;
        // The birth date is a Beijing date; so is the day of sign-up.
        let today = (app.now().await + Duration::hours(8)).date_naive();
        let eighteenth = today.with_year(today.year() - 18).unwrap_or_else(|| today - Duration::days(365 * 18));
        let tomorrows_eighteen = id_number_born(eighteenth + Duration::days(1));
        let body = json!({
            "email": "young@example.test", "password": PASSWORD, "real_name": "林小雨", "id_number": tomorrows_eighteen,
        });
        let (status, error) = app.post("/api/auth/register", None, body.clone()).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "underage"), "{error}");
        let (status, error) = app
            .post("/api/auth/register", None, organisation_sign_up("杭州望江贸易有限公司", &credit_code(), &tomorrows_eighteen))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "underage"), "a representative too: {error}");

        // A day later the same person is of age, on the clock's day, not the machine's.
        app.advance(24 * 3600).await;
        app.post_ok("/api/auth/register", None, body, 201).await;
        app.new_bidder_with_id("林大雨", &id_number_born(eighteenth)).await;
        app.finish().await;
    }
);

db_test!(
    async fn the_courts_exclusion_list_its_judges_and_the_administrators_cannot_register(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let other_court = app.new_judge().await;
        let elsewhere = app.published_round(&other_court).await;
        let elsewhere = elsewhere["id"].as_str().unwrap().to_owned();
        let relative = app.new_bidder("陈爱丽").await;
        let company_code = credit_code();
        let company = new_organisation(&app, "杭州望江贸易有限公司", &company_code).await;
        let represented = new_organisation(&app, "杭州钱塘拍卖辅助服务有限公司", &credit_code()).await;

        // Bad input changes nothing; a bidder cannot edit the list.
        for (wrong, expected) in [
            (json!({ "reason": "近亲属" }), "missing_field"),
            (json!({ "id_number": relative.id_number, "credit_code": company_code, "reason": "近亲属" }), "missing_field"),
            (json!({ "id_number": "110105194912310021", "reason": "近亲属" }), "invalid_id_number"),
            (json!({ "credit_code": "91350100M000100Y44", "reason": "辅助机构" }), "invalid_credit_code"),
            (json!({ "id_number": relative.id_number, "reason": " " }), "invalid_reason"),
        ] {
            let (status, error) = app.post("/api/court/exclusions", Some(&judge.token), wrong).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected), "{error}");
        }
        let (status, _) = app
            .post("/api/court/exclusions", Some(&relative.token), json!({ "id_number": relative.id_number, "reason": "x" }))
            .await;
        assert_eq!(status.as_u16(), 403);
        assert_eq!(app.get_ok("/api/court/exclusions", Some(&judge.token)).await, json!([]));

        for (body, reason) in [
            (json!({ "id_number": relative.id_number, "reason": "承办法官之配偶" }), "承办法官之配偶"),
            (json!({ "credit_code": company_code.to_lowercase(), "reason": "本案评估机构" }), "本案评估机构"),
            (json!({ "id_number": represented.id_number, "reason": "辅助机构工作人员" }), "辅助机构工作人员"),
        ] {
            let added = app.post_ok("/api/court/exclusions", Some(&judge.token), body, 201).await;
            assert_eq!(added["reason"], reason);
        }
        let list = app.get_ok("/api/court/exclusions", Some(&judge.token)).await;
        assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
        assert!(list.as_array().unwrap().iter().any(|e| e["credit_code"] == json!(company_code)), "stored upper case");
        assert_eq!(app.get_ok("/api/court/exclusions", Some(&other_court.token)).await, json!([]), "per court");

        // The person, the organisation by its code, the organisation by its representative: refused, no reason given.
        for excluded in [&relative, &company, &represented] {
            let (status, error) = register(&app, &excluded.token, &id).await;
            assert_eq!((status, code(&error)), (403, "excluded_person"), "{error}");
            let message = error["error"]["message"].as_str().unwrap();
            assert!(!message.contains("配偶") && !message.contains("评估") && !message.contains("辅助"), "{message}");
            // Another court's sale is open to them.
            let (status, body) = register(&app, &excluded.token, &elsewhere).await;
            assert_eq!(status, 201, "{body}");
        }
        assert_eq!(app.auction(&id).await["registrations_count"], 0);

        // Judges and administrators run sales; they never register for one.
        let admin = app.admin_token().await;
        for token in [&judge.token, &other_court.token, &admin] {
            let (status, error) = register(&app, token, &id).await;
            assert_eq!((status, code(&error)), (403, "excluded_person"), "{error}");
        }

        // A judge made with an ID number: a bidder account with that number is refused in the judge's court.
        let judge_id = synthetic_id_number();
        let email = format!("judge-{}@court.test", Uuid::new_v4().simple());
        let (status, error) = app
            .post(
                "/api/admin/judges",
                Some(&admin),
                json!({ "email": email, "password": PASSWORD, "real_name": "李法官", "court_id": judge.court_id, "id_number": "123" }),
            )
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_id_number"), "{error}");
        app.post_ok(
            "/api/admin/judges",
            Some(&admin),
            json!({ "email": email, "password": PASSWORD, "real_name": "李法官", "court_id": judge.court_id, "id_number": judge_id }),
            201,
        )
        .await;
        let judge_as_bidder = app.new_bidder_with_id("李法官", &judge_id).await;
        let (status, error) = register(&app, &judge_as_bidder.token, &id).await;
        assert_eq!((status, code(&error)), (403, "excluded_person"), "{error}");
        let (status, body) = register(&app, &judge_as_bidder.token, &elsewhere).await;
        assert_eq!(status, 201, "{body}");
        let list = app.get_ok("/api/court/exclusions", Some(&judge.token)).await;
        assert!(list.as_array().unwrap().iter().any(|e| e["id_number"] == json!(judge_id) && e["created_by"].is_null()), "{list}");
        app.finish().await;
    }
);

db_test!(
    async fn the_applicant_bids_against_its_claim_pays_the_rest_of_the_deposit_and_has_the_claim_set_off(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let path = format!("/api/auctions/{id}/applicant");
        let bank = app.new_bidder("杭州银行").await;
        let rival = app.new_bidder("刘博").await;

        // Bad input and the wrong caller change nothing.
        for (body, status, expected) in [
            (json!({ "email": bank.email, "claim_amount": 50000 }), 422, "invalid_amount"),
            (json!({ "email": bank.email, "claim_amount": "-1" }), 422, "invalid_amount"),
            (json!({ "email": "nobody@example.test", "claim_amount": "50000" }), 404, "not_found"),
        ] {
            let (got, error) = app.post(&path, Some(&judge.token), body).await;
            assert_eq!((got.as_u16(), code(&error)), (status, expected), "{error}");
        }
        let (got, _) = app.post(&path, Some(&bank.token), json!({ "email": bank.email, "claim_amount": "50000" })).await;
        assert_eq!(got.as_u16(), 403, "a bidder cannot mark itself");
        let other = app.new_judge().await;
        let (got, _) = app.post(&path, Some(&other.token), json!({ "email": bank.email, "claim_amount": "50000" })).await;
        assert_eq!(got.as_u16(), 403, "another court's judge");

        // Marked before it registers: it owes 70,000 − 50,000 and pays that.
        let marked = app.post_ok(&path, Some(&judge.token), json!({ "email": bank.email, "claim_amount": "50000" }), 200).await;
        assert_eq!((marked["claim_amount"].as_str(), marked["deposit_due"].as_str()), (Some("50000.00"), Some("20000.00")), "{marked}");
        let (status, registration) = register(&app, &bank.token, &id).await;
        assert_eq!(status, 201, "{registration}");
        assert_eq!(registration["deposit"]["amount"], "20000.00", "{registration}");
        let order = registration["payment"]["order_id"].as_str().unwrap();
        let pending = app.get_ok(&format!("/api/payments/{order}"), Some(&bank.token)).await;
        assert_eq!(pending["amount"], "20000.00", "{pending}");
        app.post_ok(&format!("/api/payments/{order}/sandbox-complete"), Some(&bank.token), json!({}), 200).await;
        app.register_and_pay(&rival, &id).await;

        // Bidding has opened: the mark is closed.
        app.open_bidding(&round).await;
        let (got, error) = app.post(&path, Some(&judge.token), json!({ "email": rival.email, "claim_amount": "1000" })).await;
        assert_eq!((got.as_u16(), code(&error)), (409, "bidding_started"), "{error}");

        let (status, bid) = app.bid(&bank, &id, "700000").await;
        assert_eq!(status, 201, "{bid}");
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        let deal = app.get_ok(&format!("/api/deals/{}", result["deal_id"].as_str().unwrap()), Some(&bank.token)).await;
        assert_eq!(
            (deal["deposit_applied"].as_str(), deal["claim_offset"].as_str(), deal["balance_due"].as_str()),
            (Some("20000.00"), Some("50000.00"), Some("630000.00")),
            "{deal}"
        );
        let (_, confirmation) = app.get(result["confirmation_url"].as_str().unwrap(), None).await;
        assert!(confirmation.as_str().unwrap().contains("申请执行人债权抵扣"), "{confirmation}");
        let ledger = app.verified_ledger(&id).await;
        let kinds: Vec<&str> = ledger.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"applicant_marked") && kinds.contains(&"claim_offset"), "{kinds:?}");
        let marked_entry = ledger.iter().find(|e| e.kind.as_str() == "applicant_marked").unwrap();
        assert!(!marked_entry.payload.to_string().contains(&bank.email), "the public ledger names nobody (R40)");
        app.finish().await;
    }
);

db_test!(
    async fn a_claim_that_covers_the_deposit_qualifies_the_applicant_without_payment_even_after_it_registered(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let bank = app.new_bidder("杭州银行").await;

        // It registered first and has a 70,000 order open; the mark withdraws the order.
        let (status, registration) = register(&app, &bank.token, &id).await;
        assert_eq!(status, 201, "{registration}");
        let order = registration["payment"]["order_id"].as_str().unwrap().to_owned();
        let marked = app
            .post_ok(&format!("/api/auctions/{id}/applicant"), Some(&judge.token), json!({ "email": bank.email, "claim_amount": "3000000" }), 200)
            .await;
        assert_eq!(marked["deposit_due"], "0.00");
        let mine = app.get_ok(&format!("/api/me/registrations?auction_id={id}"), Some(&bank.token)).await;
        let mine = &mine["items"][0];
        assert_eq!((mine["deposit"]["amount"].as_str(), mine["deposit"]["status"].as_str()), (Some("0.00"), Some("frozen")), "{mine}");
        let (status, error) = app.post(&format!("/api/payments/{order}/sandbox-complete"), Some(&bank.token), json!({})).await;
        assert_ne!(status.as_u16(), 200, "the withdrawn order takes no money: {error}");

        // A second applicant marked before registering has nothing to pay at all.
        let second = app.new_bidder("杭州联合银行").await;
        app.post_ok(&format!("/api/auctions/{id}/applicant"), Some(&judge.token), json!({ "email": second.email, "claim_amount": "70000" }), 200)
            .await;
        let (status, registration) = register(&app, &second.token, &id).await;
        assert_eq!(status, 201, "{registration}");
        assert_eq!((registration["deposit"]["amount"].as_str(), registration["deposit"]["status"].as_str()), (Some("0.00"), Some("frozen")));
        assert!(registration["payment"].is_null(), "{registration}");

        // Both bid; the claim larger than the price pays for it whole.
        app.open_bidding(&round).await;
        let (status, bid) = app.bid(&second, &id, "700000").await;
        assert_eq!(status, 201, "{bid}");
        let (status, bid) = app.bid(&bank, &id, "701000").await;
        assert_eq!(status, 201, "{bid}");
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        let deal = app.get_ok(&format!("/api/deals/{}", result["deal_id"].as_str().unwrap()), Some(&bank.token)).await;
        assert_eq!(
            (deal["claim_offset"].as_str(), deal["balance_due"].as_str(), deal["status"].as_str()),
            (Some("701000.00"), Some("0.00"), Some("paid")),
            "{deal}"
        );
        app.finish().await;
    }
);
