//! After a failure (R27, R58, R59): the windows for the next round bind its announcement too, not only its
//! draft; past them the court has ways out rather than a dead end — a round held late for its written
//! reason, the release of the property, or its taking by a creditor in settlement of the debt — each in the
//! ledger and the listing's status.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, code, parse_time, rfc};

fn terms(start: &str, deposit: &str, starts: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "starting_price": start, "deposit": deposit, "increment": "1000",
        "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
    })
}

/// A flat whose first round (start 700,000) failed; the clock at its close. The listing and the round.
async fn failed_once(app: &TestApp, judge: &Judge) -> (String, String) {
    let first = app.published_round(judge).await;
    app.set_clock(parse_time(&first["bidding_ends_at"])).await;
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(app.auction(&id).await["status"], "failed");
    (first["listing_id"].as_str().unwrap().to_owned(), id)
}

db_test!(
    async fn a_second_round_drafted_in_time_is_announced_in_time_or_held_late_for_the_courts_reason(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, _) = failed_once(&app, &judge).await;
        let failed_at = app.now().await;
        // Drafted the next day, within the 30 days.
        app.set_clock(failed_at + Duration::days(1)).await;
        let (status, draft) = app.create_round(&judge, &listing, terms("560000", "56000", failed_at + Duration::days(60))).await;
        assert_eq!(status, 201, "{draft}");
        let draft_id = draft["id"].as_str().unwrap().to_owned();
        app.ready_to_publish(&judge.token, &draft_id).await;
        // Its announcement comes a day too late: refused, though the draft was made in time.
        app.set_clock(failed_at + Duration::days(30) + Duration::seconds(1)).await;
        let (status, error) = app.post(&format!("/api/auctions/{draft_id}/publish"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "second_round_too_late"), "{error}");

        // The way out: a round held late, for the court's written reason.
        app.post_ok(&format!("/api/auctions/{draft_id}/withdraw"), Some(&judge.token), json!({ "reason": "逾期" }), 200).await;
        let limits = format!("/api/listings/{listing}/round-limits");
        let (status, error) = app.get(&limits, Some(&judge.token)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "second_round_too_late"));
        let late_limits = app.get_ok(&format!("{limits}?late=true"), Some(&judge.token)).await;
        assert_eq!((late_limits["late"].as_bool(), late_limits["round_kind"].as_str()), (Some(true), Some("second")));
        let (status, error) = app.create_round(&judge, &listing, terms("560000", "56000", app.now().await + Duration::days(20))).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "second_round_too_late"));
        let mut late_terms = terms("560000", "56000", app.now().await + Duration::days(20));
        late_terms["late_reason"] = json!("案外人异议审查期间暂缓，异议已驳回。");
        let (status, late) = app.create_round(&judge, &listing, late_terms).await;
        assert_eq!(status, 201, "{late}");
        let late_id = late["id"].as_str().unwrap();
        app.publish(&judge.token, late_id).await;
        let entries = app.verified_ledger(late_id).await;
        let held = entries.iter().find(|e| e.kind.as_str() == "late_round").expect("the late round's entry");
        assert_eq!(held.payload["reason"], "案外人异议审查期间暂缓，异议已驳回。");
        assert_eq!(parse_time(&held.payload["deadline"]), failed_at + Duration::days(30));
        app.finish().await;
    }
);

db_test!(
    async fn past_the_window_the_court_may_release_the_property_instead(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, first) = failed_once(&app, &judge).await;
        let release = format!("/api/listings/{listing}/release");
        // Within the window a second round may still come: no release yet.
        let (status, error) = app.post(&release, Some(&judge.token), json!({ "reason": "申请执行人不申请再拍" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "release_not_allowed"));
        app.advance(31 * 86_400).await;
        let released = app.post_ok(&release, Some(&judge.token), json!({ "reason": "申请执行人不申请再拍" }), 200).await;
        assert_eq!(released["status"], "released");
        let entry = app.verified_ledger(&first).await.into_iter().last().unwrap();
        assert_eq!((entry.kind.as_str(), entry.payload["reason"].as_str()), ("release", Some("申请执行人不申请再拍")));
        let mut late = terms("560000", "56000", app.now().await + Duration::days(20));
        late["late_reason"] = json!("补拍");
        let (status, error) = app.create_round(&judge, &listing, late).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "listing_released"));
        app.finish().await;
    }
);

db_test!(
    async fn after_a_failure_a_creditor_may_take_the_property_at_the_reserve_in_settlement(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        // Before any failure there is nothing to settle with.
        let fresh = app.published_round(&judge).await;
        let (status, error) = app
            .post(
                &format!("/api/listings/{}/settlement", fresh["listing_id"].as_str().unwrap()),
                Some(&judge.token),
                json!({ "creditor": "中国工商银行杭州分行", "claim_amount": "500000" }),
            )
            .await;
        assert_eq!((status.as_u16(), code(&error)), (409, "settlement_not_allowed"));

        let (listing, first) = failed_once(&app, &judge).await;
        let settle = format!("/api/listings/{listing}/settlement");
        // The flat is housing: the creditor takes it only with evidence that it may buy it (R32).
        let (status, error) = app.post(&settle, Some(&judge.token), json!({ "creditor": "中国工商银行杭州分行", "claim_amount": "500000" })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "qualification_required"));
        let settled = app
            .post_ok(
                &settle,
                Some(&judge.token),
                json!({
                    "creditor": "中国工商银行杭州分行", "claim_amount": "500000", "reason": "申请执行人申请以物抵债",
                    "qualification": "法人购房不受本市限购政策限制（住建部门证明）",
                }),
                200,
            )
            .await;
        assert_eq!(settled["status"], "settled");
        let entry = app.verified_ledger(&first).await.into_iter().last().unwrap();
        assert_eq!(entry.kind.as_str(), "settlement");
        assert_eq!((entry.payload["price"].as_str(), entry.payload["excess_due"].as_str()), (Some("700000.00"), Some("200000.00")), "the reserve, less the claim");
        assert_eq!(entry.payload["creditor"], "中国工商银行杭州分行");
        let (status, error) = app.create_round(&judge, &listing, terms("560000", "56000", app.now().await + Duration::days(20))).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "listing_settled"));
        let (status, error) = app.post(&settle, Some(&judge.token), json!({ "creditor": "另一债权人", "claim_amount": "1" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "listing_settled"));
        app.finish().await;
    }
);
