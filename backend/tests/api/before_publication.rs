//! The court's duties before an announcement (R7, R31): the parties and the known priority holders told
//! of the draft's terms at least three Beijing days before (a public notice five), or their written waiver;
//! the collegial panel's decision; each refused at publication until done, and each in the ledger.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, WAIVER_PDF, code, rfc, upload};

/// A draft first round of a flat (reference ¥1,000,000), bidding 40 days on: what the tests publish.
async fn draft(app: &TestApp, judge: &Judge) -> (String, String) {
    let listing = app.new_listing(judge, "real_estate").await;
    app.appraise(judge, &listing, "1000000").await;
    let starts = app.now().await + Duration::days(40);
    let (status, round) = app
        .create_round(
            judge,
            &listing,
            json!({
                "starting_price": "700000", "deposit": "70000", "increment": "1000",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    (listing, round["id"].as_str().unwrap().to_owned())
}

async fn publish(app: &TestApp, judge: &Judge, id: &str) -> (u16, Value) {
    let (status, body) = app
        .post(&format!("/api/auctions/{id}/publish"), Some(&judge.token), json!({}))
        .await;
    (status.as_u16(), body)
}

fn missing(error: &Value) -> Vec<(String, String)> {
    error["error"]["details"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["party"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn record_panel(app: &TestApp, judge: &Judge, id: &str) {
    let now = rfc(app.now().await);
    app.post_ok(
        &format!("/api/auctions/{id}/panel"),
        Some(&judge.token),
        json!({ "members": ["王审判长", "李法官", "赵法官"], "decided_at": now }),
        201,
    )
    .await;
}

db_test!(
    async fn publication_waits_until_every_party_and_priority_holder_was_told_three_days_before(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (_, id) = draft(&app, &judge).await;
        let holder = app.new_bidder("钱优先").await;
        app.post_ok(
            &format!("/api/auctions/{id}/priority-holders"),
            Some(&judge.token),
            json!({ "email": holder.email, "rank": 1, "right": "承租人优先购买权" }),
            201,
        )
        .await;
        record_panel(&app, &judge, &id).await;

        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"), "{error}");
        assert_eq!(
            missing(&error),
            [
                ("applicant".to_owned(), "中国工商银行杭州分行".to_owned()),
                ("respondent".to_owned(), "张三".to_owned()),
                ("priority_holder".to_owned(), "钱优先".to_owned()),
            ]
        );

        // The terms go by email to each of them, recorded with the time.
        let sent = app.post_ok(&format!("/api/auctions/{id}/notices"), Some(&judge.token), json!({}), 201).await;
        let notices = sent["notices"].as_array().unwrap();
        assert_eq!(notices.len(), 3);
        assert!(notices.iter().all(|n| n["method"] == "email" && n["sent_at"].is_string()), "{sent}");
        for to in ["creditor@bank.test", "debtor@example.test", holder.email.as_str()] {
            let mail = app.mail_to(to, "terms_notice").await;
            assert_eq!(mail.len(), 1, "{to}");
            assert!(mail[0].raw.contains("700000.00") && mail[0].raw.contains("70000.00"), "the terms: {}", mail[0].raw);
        }

        // Not yet three Beijing days: refused, naming everyone still.
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"));
        assert_eq!(missing(&error).len(), 3);
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["notices"].as_array().unwrap().len(), 3);
        assert_eq!(court["not_yet_notified"].as_array().unwrap().len(), 3);
        let counts_from = crate::helpers::parse_time(&court["notices"][0]["counts_from"]);
        app.set_clock(counts_from - Duration::seconds(1)).await;
        assert_eq!(code(&publish(&app, &judge, &id).await.1), "parties_not_notified");

        // From the third Beijing day on, it may be announced.
        app.set_clock(counts_from).await;
        let (status, published) = publish(&app, &judge, &id).await;
        assert_eq!((status, published["status"].as_str()), (200, Some("announced")), "{published}");
        let entries = app.verified_ledger(&id).await;
        let notices: Vec<&Value> = entries.iter().filter(|e| e.kind.as_str() == "notice").map(|e| &e.payload).collect();
        assert_eq!(notices.len(), 3);
        let holders: Vec<&&Value> = notices.iter().filter(|n| n["party"] == "priority_holder").collect();
        assert_eq!(holders.len(), 1);
        assert!(holders[0]["name"].is_null(), "a priority holder is never named in public: {:?}", holders[0]);
        assert!(entries.iter().any(|e| e.kind.as_str() == "panel"));

        // The public sees no notices nor panel; the court still does; nothing more is sent once announced.
        let public = app.get_ok(&format!("/api/auctions/{id}"), None).await;
        assert!(public.get("notices").is_none() && public.get("panel").is_none(), "{public}");
        let (status, error) = app.post(&format!("/api/auctions/{id}/notices"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "round_not_draft"));
        app.finish().await;
    }
);

db_test!(
    async fn a_party_out_of_reach_is_told_by_a_five_day_public_notice_and_a_written_waiver_counts_at_once(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, id) = draft(&app, &judge).await;
        record_panel(&app, &judge, &id).await;
        let (status, file) = upload(&app, &judge.token, &listing, "放弃通知声明.pdf", WAIVER_PDF, Some("document")).await;
        assert_eq!(status, 201, "{file}");
        let now = app.now().await;
        let offline = format!("/api/auctions/{id}/notices/offline");
        let notice = |party: &str, name: &str, method: &str, at: chrono::DateTime<chrono::Utc>, file: &Value| {
            json!({ "party": party, "name": name, "method": method, "at": rfc(at), "file_id": file })
        };

        // What is refused, and changes nothing.
        let (status, error) = app.post(&offline, Some(&judge.token), notice("applicant", "中国工商银行杭州分行", "email", now, &file["id"])).await;
        assert_eq!((status.as_u16(), code(&error)), (400, "invalid_body"), "emails are sent by the platform: {error}");
        for (body, expected) in [
            (notice("applicant", "中国工商银行杭州分行", "waiver", now + Duration::hours(1), &file["id"]), "invalid_time"),
            (notice("applicant", "中国工商银行杭州分行", "waiver", now, &Value::Null), "proof_required"),
            (notice("applicant", "中国工商银行杭州分行", "served", now, &json!(uuid::Uuid::new_v4())), "invalid_file"),
            (notice("applicant", "工商银行", "waiver", now, &file["id"]), "unknown_party"),
            (notice("respondent", "中国工商银行杭州分行", "waiver", now, &file["id"]), "unknown_party"),
        ] {
            let (status, error) = app.post(&offline, Some(&judge.token), body).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected), "{error}");
        }
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["notices"], json!([]));

        // The applicant waived in writing: told at once. The respondent cannot be reached: a public notice.
        app.post_ok(&offline, Some(&judge.token), notice("applicant", "中国工商银行杭州分行", "waiver", now, &file["id"]), 201).await;
        let public = app.post_ok(&offline, Some(&judge.token), notice("respondent", "张三", "public_notice", now, &Value::Null), 201).await;
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"));
        assert_eq!(missing(&error), [("respondent".to_owned(), "张三".to_owned())]);
        let counts_from = crate::helpers::parse_time(&public["counts_from"]);
        assert_eq!(auction_core::time::beijing_days_between(now, counts_from), 5);
        app.set_clock(counts_from - Duration::seconds(1)).await;
        assert_eq!(code(&publish(&app, &judge, &id).await.1), "parties_not_notified");
        app.set_clock(counts_from).await;
        assert_eq!(publish(&app, &judge, &id).await.0, 200);
        app.finish().await;
    }
);

db_test!(
    async fn the_collegial_panel_decides_the_terms_before_they_are_announced(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (_, id) = draft(&app, &judge).await;
        let panel = format!("/api/auctions/{id}/panel");
        let now = app.now().await;
        for (members, decided_at, expected) in [
            (json!(["王审判长", "李法官"]), now, "panel_too_small"),
            (json!(["王审判长", "李法官", "王审判长"]), now, "invalid_panel"),
            (json!(["王审判长", "李法官", " "]), now, "invalid_panel"),
            (json!(["王审判长", "李法官", "赵法官"]), now + Duration::days(1), "invalid_decided_at"),
        ] {
            let (status, error) = app.post(&panel, Some(&judge.token), json!({ "members": members, "decided_at": rfc(decided_at) })).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected), "{error}");
        }
        // Told, but no panel: refused.
        app.ready_to_publish(&judge.token, &id).await;
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["panel"]["members"], json!(["王审判长", "李法官", "赵法官"]), "ready_to_publish records one");
        // Another court's judge sees no draft to record on.
        let stranger = app.new_judge().await;
        let (status, _) = app.post(&panel, Some(&stranger.token), json!({ "members": ["甲", "乙", "丙"], "decided_at": rfc(now) })).await;
        assert_eq!(status.as_u16(), 404);
        assert_eq!(publish(&app, &judge, &id).await.0, 200);
        let (status, error) = app.post(&panel, Some(&judge.token), json!({ "members": ["甲", "乙", "丙"], "decided_at": rfc(now) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "round_not_draft"));
        app.finish().await;
    }
);

db_test!(
    async fn without_the_panel_an_announcement_is_refused(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, id) = draft(&app, &judge).await;
        let (_, file) = upload(&app, &judge.token, &listing, "放弃通知声明.pdf", WAIVER_PDF, Some("document")).await;
        let now = rfc(app.now().await);
        for (party, name) in [("applicant", "中国工商银行杭州分行"), ("respondent", "张三")] {
            app.post_ok(
                &format!("/api/auctions/{id}/notices/offline"),
                Some(&judge.token),
                json!({ "party": party, "name": name, "method": "waiver", "at": now, "file_id": file["id"] }),
                201,
            )
            .await;
        }
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "panel_required"), "{error}");
        assert_eq!(app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await["status"], "draft");
        app.finish().await;
    }
);

db_test!(
    async fn the_announcement_carries_the_legal_document_the_notices_the_priority_rights_and_the_accounts(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        app.request(
            "PUT",
            "/api/court/settings",
            Some(&judge.token),
            Some(json!({ "panel_min_members": 3, "sell_off_window_days": 15, "payment_account": "杭州市上城区人民法院 工商银行 1202 0000 0000 0001" })),
        )
        .await;
        let case = app
            .post_ok(
                "/api/cases",
                Some(&judge.token),
                json!({
                    "case_number": "(2026)浙0102执4321号",
                    "applicant": { "name": "中国工商银行杭州分行", "email": "creditor@bank.test" },
                    "respondent": { "name": "张三", "email": "debtor@example.test" },
                    "enforcement_basis": "(2025)浙0102民初88号民事判决书",
                }),
                201,
            )
            .await;
        assert_eq!(case["enforcement_basis"], "(2025)浙0102民初88号民事判决书");
        let listing = app
            .post_ok(
                "/api/listings",
                Some(&judge.token),
                json!({ "case_id": case["id"], "title": "杭州市上城区望江路7号", "category": "real_estate", "description": "住宅", "location": "杭州" }),
                201,
            )
            .await;
        let listing = listing["id"].as_str().unwrap().to_owned();
        app.appraise(&judge, &listing, "1000000").await;
        let starts = app.now().await + Duration::days(40);
        let (_, round) = app
            .create_round(&judge, &listing, json!({
                "starting_price": "700000", "deposit": "70000", "increment": "1000",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }))
            .await;
        let id = round["id"].as_str().unwrap().to_owned();
        let holder = app.new_bidder("钱优先").await;
        app.post_ok(
            &format!("/api/auctions/{id}/priority-holders"),
            Some(&judge.token),
            json!({ "email": holder.email, "rank": 1, "right": "承租人优先购买权" }),
            201,
        )
        .await;
        app.post_ok(&format!("/api/auctions/{id}/notices"), Some(&judge.token), json!({}), 201).await;
        app.advance(4 * 86_400).await;
        let published = app.publish(&judge.token, &id).await;
        let announcement = app.auction(&id).await["announcement"].as_str().unwrap().to_owned();
        for needle in [
            "执行依据：(2025)浙0102民初88号民事判决书（执行案号 (2026)浙0102执4321号）",
            "已知优先购买权人 1 名（承租人优先购买权）",
            "申请执行人 中国工商银行杭州分行：",
            "被执行人 张三：",
            "书面（电子邮件）通知",
            "本院账户（杭州市上城区人民法院 工商银行 1202 0000 0000 0001）",
        ] {
            assert!(announcement.contains(needle), "{needle}\n{announcement}");
        }
        assert!(!announcement.contains("钱优先"), "a priority holder is never named: {announcement}");
        // The ledger's announcement entry covers the announcement as published.
        use sha2::{Digest, Sha256};
        let entries = app.verified_ledger(&id).await;
        let announced = entries.iter().find(|e| e.kind.as_str() == "status").unwrap();
        assert_eq!(announced.payload["terms"]["announcement_sha256"], hex::encode(Sha256::digest(announcement.as_bytes())));
        assert_eq!(published["status"], "announced");
        app.finish().await;
    }
);

db_test!(
    async fn a_court_sets_its_panels_size_and_its_account(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let settings = app.get_ok("/api/court/settings", Some(&judge.token)).await;
        assert_eq!((settings["panel_min_members"].as_i64(), settings["sell_off_window_days"].as_i64()), (Some(3), Some(15)), "the law's defaults");
        for (body, expected) in [
            (json!({ "panel_min_members": 2, "sell_off_window_days": 15 }), "invalid_panel_size"),
            (json!({ "panel_min_members": 3, "sell_off_window_days": 0 }), "invalid_sell_off_window"),
        ] {
            let (status, error) = app.request("PUT", "/api/court/settings", Some(&judge.token), Some(body)).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected));
        }
        let (status, _) = app.request("PUT", "/api/court/settings", Some(&judge.token), Some(json!({ "panel_min_members": 5, "sell_off_window_days": 20 }))).await;
        assert_eq!(status, 200);
        let (_, id) = draft(&app, &judge).await;
        let now = rfc(app.now().await);
        let (status, error) = app
            .post(&format!("/api/auctions/{id}/panel"), Some(&judge.token), json!({ "members": ["甲", "乙", "丙"], "decided_at": now }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "panel_too_small"));
        app.post_ok(&format!("/api/auctions/{id}/panel"), Some(&judge.token), json!({ "members": ["甲", "乙", "丙", "丁", "戊"], "decided_at": now }), 201).await;
        app.finish().await;
    }
);

db_test!(
    async fn an_objection_to_the_reference_price_in_its_five_days_holds_the_price_until_decided(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, id) = draft(&app, &judge).await;
        let (status, report) = upload(&app, &judge.token, &listing, "评估报告.pdf", WAIVER_PDF, Some("document")).await;
        assert_eq!(status, 201, "{report}");
        let delivered = app.now().await;
        app.post_ok(
            &format!("/api/listings/{listing}/valuation-report"),
            Some(&judge.token),
            json!({ "file_id": report["id"], "delivered_at": rfc(delivered) }),
            200,
        )
        .await;
        // The court sees when the parties' five days end: a Beijing midnight.
        let shown = app.get_ok(&format!("/api/listings/{listing}/valuation-report"), Some(&judge.token)).await;
        assert_eq!((&shown["file_id"], shown["objection_pending"].as_bool()), (&report["id"], Some(false)));
        let until = crate::helpers::parse_time(&shown["objections_until"]);
        assert!(until > delivered + Duration::days(4) && until <= delivered + Duration::days(5), "{shown}");
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        assert_eq!(until.with_timezone(&beijing).format("%H:%M").to_string(), "00:00");
        app.ready_to_publish(&judge.token, &id).await;
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "valuation_objection_window"), "{error}");

        // Within the five days, the respondent objects: the listing goes back to pricing.
        let objections = format!("/api/listings/{listing}/price-objections");
        let objector = json!({ "name": "张三", "email": "debtor@example.test", "role": "party" });
        let (status, error) = app.post(&objections, Some(&judge.token), json!({ "objector": objector, "grounds": [], "statement": "评估价过低。" })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_grounds"));
        let filed = app
            .post_ok(&objections, Some(&judge.token), json!({ "objector": objector, "grounds": ["method_or_result", "wrong_facts"], "statement": "评估价明显过低。" }), 201)
            .await;
        assert_eq!(app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await["status"], "pricing");
        app.set_clock(auction_core::time::beijing_midnight_after(delivered, 5)).await;
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "valuation_objection_pending"), "the window passed, but the objection waits");

        // Rejected: the price may be used, and the round is announced.
        let decision = format!("/api/price-objections/{}/decision", filed["id"].as_str().unwrap());
        let decided = app.post_ok(&decision, Some(&judge.token), json!({ "outcome": "rejected", "reasoning": "评估程序合法，结果合理。" }), 200).await;
        assert_eq!(decided["status"], "rejected");
        assert_eq!(app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await["status"], "priced");
        let (status, _) = app.post(&decision, Some(&judge.token), json!({ "outcome": "upheld", "reasoning": "再议" })).await;
        assert_eq!(status.as_u16(), 409);
        assert_eq!(publish(&app, &judge, &id).await.0, 200);

        // Past its five days, an objection is too late.
        let (status, error) = app.post(&objections, Some(&judge.token), json!({ "objector": objector, "grounds": ["wrong_facts"], "statement": "补充异议。" })).await;
        assert_eq!(status.as_u16(), 409, "a price whose round is announced is locked: {error}");
        app.finish().await;
    }
);

db_test!(
    async fn an_upheld_objection_sets_the_price_aside_and_a_negotiated_one_is_not_open_to_objection(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        app.appraise(&judge, &listing, "1000000").await;
        let (_, report) = upload(&app, &judge.token, &listing, "评估报告.pdf", WAIVER_PDF, Some("document")).await;
        let delivered = app.now().await;
        app.post_ok(&format!("/api/listings/{listing}/valuation-report"), Some(&judge.token), json!({ "file_id": report["id"], "delivered_at": rfc(delivered) }), 200).await;
        let objections = format!("/api/listings/{listing}/price-objections");
        let objector = json!({ "name": "中国工商银行杭州分行", "email": "creditor@bank.test", "role": "party" });
        app.advance(5 * 86_400).await;
        let (status, error) = app.post(&objections, Some(&judge.token), json!({ "objector": objector, "grounds": ["wrong_scope"], "statement": "漏评附属用房。" })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "objection_too_late"), "{error}");

        // A new appraisal, delivered today: objected to in time, and upheld.
        app.appraise(&judge, &listing, "1100000").await;
        let delivered = app.now().await;
        app.post_ok(&format!("/api/listings/{listing}/valuation-report"), Some(&judge.token), json!({ "file_id": report["id"], "delivered_at": rfc(delivered) }), 200).await;
        let filed = app.post_ok(&objections, Some(&judge.token), json!({ "objector": objector, "grounds": ["wrong_scope"], "statement": "漏评附属用房。" }), 201).await;
        // While it waits, no round is made on the price.
        let starts = app.now().await + Duration::days(40);
        let (status, error) = app
            .create_round(&judge, &listing, json!({
                "starting_price": "770000", "deposit": "77000", "increment": "1000",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "valuation_objection_pending"));
        app.post_ok(&format!("/api/price-objections/{}/decision", filed["id"].as_str().unwrap()), Some(&judge.token), json!({ "outcome": "upheld", "reasoning": "确有漏评。" }), 200).await;
        let set_aside = app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await;
        assert_eq!((set_aside["status"].as_str(), &set_aside["reference_price"]), (Some("pricing"), &Value::Null));
        let listed = app.get_ok(&objections, Some(&judge.token)).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);

        // A targeted inquiry is not open to objection.
        app.post_ok(&format!("/api/listings/{listing}/valuations"), Some(&judge.token), json!({ "method": "targeted_inquiry", "quotes": [{ "source": "房管局", "amount": "1050000" }] }), 201).await;
        let (status, error) = app.post(&format!("/api/listings/{listing}/valuation-report"), Some(&judge.token), json!({ "file_id": report["id"], "delivered_at": rfc(app.now().await) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "not_objectionable"));
        app.finish().await;
    }
);
