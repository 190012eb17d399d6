//! A suspension has reasons, not a flag (R60, R61): the court's own and each pending objection's; the
//! round resumes only when the last is lifted. And the property is not handed over while an objection
//! waits, since the hand-over ends the enforcement and with it the objection's remedy (R63).

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, code, parse_time, rfc};

fn objection(auction_id: &str, role: &str) -> Value {
    json!({
        "auction_id": auction_id,
        "objector": { "name": "李四", "email": "lisi@example.test", "role": role },
        "grounds": ["untrue_description"],
        "statement": "拍卖标的系本人所有，请求停止拍卖。",
    })
}

struct Court<'a> {
    app: &'a TestApp,
    judge: String,
    id: String,
}

impl Court<'_> {
    async fn suspend(&self) -> (u16, Value) {
        let path = format!("/api/auctions/{}/suspend", self.id);
        let (status, body) = self
            .app
            .post(&path, Some(&self.judge), json!({ "reason": "法院决定暂缓拍卖" }))
            .await;
        (status.as_u16(), body)
    }

    async fn resume(&self) -> (u16, Value) {
        let (status, body) = self
            .app
            .post(
                &format!("/api/auctions/{}/resume", self.id),
                Some(&self.judge),
                json!({}),
            )
            .await;
        (status.as_u16(), body)
    }

    /// A third party's objection, which holds the round at once (R61); returns its id.
    async fn third_party_objects(&self) -> String {
        let filed = self
            .app
            .post_ok(
                "/api/objections",
                Some(&self.judge),
                objection(&self.id, "third_party"),
                201,
            )
            .await;
        assert_eq!(filed["suspended_round"], true, "{filed}");
        filed["id"].as_str().unwrap().to_owned()
    }

    async fn reject(&self, objection_id: &str) {
        let path = format!("/api/objections/{objection_id}/decision");
        self.app
            .post_ok(
                &path,
                Some(&self.judge),
                json!({ "outcome": "rejected", "reasoning": "异议人未提供权属证明。" }),
                200,
            )
            .await;
    }

    async fn status(&self) -> String {
        self.app.auction(&self.id).await["status"].as_str().unwrap().to_owned()
    }
}

async fn court_of(app: &TestApp) -> (Court<'_>, OpenRound) {
    let open = app.round_open_to_two().await;
    let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
    (
        Court {
            app,
            judge,
            id: open.id.clone(),
        },
        open,
    )
}

db_test!(
    async fn the_court_lifting_its_own_suspension_leaves_the_round_held_by_a_pending_objection(db) {
        let app = TestApp::spawn(db).await;
        let (court, open) = court_of(&app).await;
        assert_eq!(court.suspend().await.0, 200);
        let objection = court.third_party_objects().await;
        let (status, still) = court.resume().await;
        assert_eq!((status, still["status"].as_str()), (200, Some("suspended")), "{still}");
        let (status, error) = app.bid(&open.alice, &open.id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_bidding"));
        court.reject(&objection).await;
        assert_eq!(court.status().await, "bidding", "the last reason is lifted");
        assert_eq!(app.bid(&open.alice, &open.id, "700000").await.0, 201);

        // The ledger keeps each reason as it came and went.
        let holds: Vec<(String, String)> = app
            .verified_ledger(&open.id)
            .await
            .iter()
            .filter(|e| e.kind.as_str() == "suspension_hold")
            .map(|e| (e.payload["hold"].as_str().unwrap().to_owned(), e.payload["change"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(holds, [("objection".into(), "added".into()), ("court".into(), "lifted".into())]);
        let timeline: Vec<String> = app.auction(&open.id).await["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(timeline, ["announced", "opened", "suspended", "objection", "court_hold_lifted", "resumed"]);
        app.finish().await;
    }
);

db_test!(
    async fn rejecting_an_objection_leaves_the_round_held_by_the_courts_own_reason(db) {
        let app = TestApp::spawn(db).await;
        let (court, _open) = court_of(&app).await;
        let objection = court.third_party_objects().await;
        let (status, suspended) = court.suspend().await;
        assert_eq!((status, suspended["status"].as_str()), (200, Some("suspended")), "the court adds its own reason");
        let (status, error) = court.suspend().await;
        assert_eq!((status, code(&error)), (409, "invalid_status"), "the court holds a round once");
        court.reject(&objection).await;
        assert_eq!(court.status().await, "suspended", "the court's own reason stands");
        assert_eq!(court.resume().await.0, 200);
        assert_eq!(court.status().await, "bidding");
        app.finish().await;
    }
);

db_test!(
    async fn only_deciding_the_objection_resumes_a_round_it_alone_holds_and_two_objections_hold_it_twice(db) {
        let app = TestApp::spawn(db).await;
        let (court, _open) = court_of(&app).await;
        let first = court.third_party_objects().await;
        let second = court.third_party_objects().await;
        let (status, error) = court.resume().await;
        assert_eq!((status, code(&error)), (409, "objection_pending"), "{error}");
        assert_eq!(court.status().await, "suspended", "a refusal changes nothing");
        court.reject(&first).await;
        assert_eq!(court.status().await, "suspended", "the second objection still holds it");
        court.reject(&second).await;
        assert_eq!(court.status().await, "bidding");
        app.finish().await;
    }
);

db_test!(
    async fn no_hand_over_while_an_objection_waits_and_no_objection_after_the_hand_over(db) {
        let app = TestApp::spawn(db).await;
        let (court, open) = court_of(&app).await;
        let judge = court.judge.clone();
        assert_eq!(app.bid(&open.alice, &open.id, "700000").await.0, 201);
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.alice.token), json!({}), 201).await;
        let order_id = order["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order_id}/sandbox-complete"), Some(&open.alice.token), json!({}), 200).await;
        let step = |name: &str| format!("/api/deals/{deal_id}/{name}");
        app.post_ok(&step("qualification"), Some(&judge), json!({ "result": "qualified", "evidence": "住建局复函：符合购房条件" }), 200).await;
        app.post_ok(&step("ruling"), Some(&judge), json!({}), 200).await;
        let served = app.advance(3600).await;
        app.post_ok(&step("service"), Some(&judge), json!({ "served_at": rfc(served) }), 200).await;

        // A party objects before the hand-over: the property stays where it is until the court decides.
        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "party"), 201).await;
        let handover = json!({ "handed_over_at": rfc(served) });
        let (status, error) = app.post(&step("handover"), Some(&judge), handover.clone()).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "objection_pending"), "{error}");
        assert_eq!(app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await["status"], "ruling_issued");
        court.reject(filed["id"].as_str().unwrap()).await;
        let handed = app.post_ok(&step("handover"), Some(&judge), handover, 200).await;
        assert_eq!(handed["status"], "handed_over");

        // After the hand-over the enforcement has ended: an objection is refused (R63).
        let (status, error) = app.post("/api/objections", Some(&judge), objection(&open.id, "party")).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "enforcement_ended"), "{error}");
        assert_eq!(app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["status"], "sold");
        app.finish().await;
    }
);
