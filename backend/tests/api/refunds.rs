//! Released deposits paid back (R53): through the gateway, tried again with growing waits when it refuses
//! and shown to the court when it keeps refusing; by the court's own bank when the court received the money
//! by transfer, confirmed 已退. Each completed refund is in the round's ledger.

use auction_core::payment::{MoneyEvent, MoneyPaid};
use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, code, parse_time};

/// Closes `open` with Alice the buyer at the opening bid; Bob's deposit is released.
async fn sold_to_alice(app: &TestApp, open: &OpenRound) {
    let minimum = open.round["minimum_next_bid"].as_str().unwrap().to_owned();
    let (status, body) = app.bid(&open.alice, &open.id, &minimum).await;
    assert_eq!(status, 201, "{body}");
    app.set_clock(parse_time(&open.round["bidding_ends_at"]) + Duration::seconds(1))
        .await;
}

/// The court's refunds of the round `id`.
async fn refunds_of(app: &TestApp, judge: &str, id: &str) -> Vec<Value> {
    let all = app.get_ok("/api/court/refunds", Some(judge)).await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["auction_id"] == id)
        .cloned()
        .collect()
}

fn refund_entries(entries: &[auction_core::ledger::LedgerEntry]) -> Vec<&auction_core::ledger::LedgerEntry> {
    entries.iter().filter(|e| e.kind.as_str() == "refund").collect()
}

db_test!(
    async fn a_released_deposit_goes_back_through_the_gateway_and_into_the_ledger(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        sold_to_alice(&app, &open).await;

        let refunds = refunds_of(&app, &judge, &open.id).await;
        assert_eq!(refunds.len(), 1, "Bob's deposit only; Alice's is applied to the price: {refunds:?}");
        let bobs = &refunds[0];
        assert_eq!(
            (&bobs["status"], &bobs["method"], &bobs["reason"], &bobs["purpose"]),
            (&json!("completed"), &json!("gateway"), &json!("deposit_released"), &json!("deposit")),
        );
        assert_eq!(bobs["amount"], open.round["deposit"]);
        assert_eq!(bobs["needs_court"], false);
        assert!(bobs["gateway_reference"].as_str().unwrap().starts_with("SANDBOX-REFUND-"), "{bobs}");
        let ends = parse_time(&open.round["bidding_ends_at"]);
        assert_eq!(parse_time(&bobs["due_at"]), ends + Duration::seconds(1) + Duration::hours(24));

        let entries = app.verified_ledger(&open.id).await;
        let paid = refund_entries(&entries);
        assert_eq!(paid.len(), 1);
        assert_eq!(paid[0].payload["refund_id"], bobs["id"]);
        assert_eq!(paid[0].payload["reason"], "deposit_released");

        // Nothing is paid twice: more worker passes find nothing due.
        app.advance(3600).await;
        assert_eq!(refund_entries(&app.verified_ledger(&open.id).await).len(), 1);

        // Replayed through the core's rule for money, each deposit's story is balanced and over.
        let deposit = auction_core::Money::parse_positive(open.round["deposit"].as_str().unwrap()).unwrap();
        let refunded = auction_core::Money::parse_positive(bobs["amount"].as_str().unwrap()).unwrap();
        let bobs_money = MoneyPaid::replay(&[MoneyEvent::Received(deposit), MoneyEvent::Released(deposit), MoneyEvent::PaidBack(refunded)]).unwrap();
        let alices_money = MoneyPaid::replay(&[MoneyEvent::Received(deposit), MoneyEvent::Applied(deposit)]).unwrap();
        for money in [bobs_money, alices_money] {
            assert!(money.is_balanced() && money.is_settled(), "{money:?}");
        }
        app.finish().await;
    }
);

db_test!(
    async fn a_refund_the_gateway_refuses_is_tried_again_later_and_shown_to_the_court(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        app.state().gateway.sandbox().expect("the sandbox").refuse_next_refunds(3);
        sold_to_alice(&app, &open).await;

        let pending = |refunds: &[Value]| (refunds[0]["status"].clone(), refunds[0]["attempts"].clone(), refunds[0]["needs_court"].clone());
        let refunds = refunds_of(&app, &judge, &open.id).await;
        assert_eq!(pending(&refunds), (json!("pending"), json!(1), json!(false)));
        assert!(refunds[0]["last_error"].as_str().unwrap().contains("refused"), "{refunds:?}");
        // The next try is a minute after the first, then five minutes after that.
        app.advance(30).await;
        assert_eq!(pending(&refunds_of(&app, &judge, &open.id).await).1, json!(1));
        app.advance(31).await;
        assert_eq!(pending(&refunds_of(&app, &judge, &open.id).await).1, json!(2));
        app.advance(4 * 60).await;
        assert_eq!(pending(&refunds_of(&app, &judge, &open.id).await).1, json!(2), "not before five minutes");
        app.advance(61).await;
        // Three refusals: the court sees it, first in its list, and the retries go on.
        let refunds = app.get_ok("/api/court/refunds", Some(&judge)).await;
        assert_eq!((&refunds[0]["auction_id"], &refunds[0]["attempts"], &refunds[0]["needs_court"]), (&json!(open.id), &json!(3), &json!(true)));
        assert!(refund_entries(&app.verified_ledger(&open.id).await).is_empty(), "nothing paid, nothing in the ledger");
        app.advance(25 * 60).await;
        let refunds = refunds_of(&app, &judge, &open.id).await;
        assert_eq!(pending(&refunds), (json!("completed"), json!(4), json!(false)));
        assert_eq!(refund_entries(&app.verified_ledger(&open.id).await).len(), 1);
        app.finish().await;
    }
);

db_test!(
    async fn money_received_by_bank_transfer_is_the_courts_to_pay_back_and_confirm(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let carol = app.new_bidder("林可").await;
        let registration = app
            .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&carol.token), json!({ "accept_terms": true }), 201)
            .await;
        let order = registration["payment"]["order_id"].as_str().unwrap();
        let today = app.now().await.format("%Y-%m-%d").to_string();
        let transfer = json!({
            "payer": "林可",
            "payer_account": "中国建设银行 6217 0000 1234 5678",
            "amount": registration["deposit"]["amount"],
            "bank_reference": "CCB-778",
            "received_on": today,
        });
        app.post_ok(&format!("/api/payments/{order}/offline"), Some(&judge.token), transfer, 200).await;
        app.post_ok(&format!("/api/auctions/{id}/withdraw"), Some(&judge.token), json!({ "reason": "被执行人已全部履行" }), 200)
            .await;

        let refunds = refunds_of(&app, &judge.token, &id).await;
        assert_eq!(refunds.len(), 1, "{refunds:?}");
        let task = &refunds[0];
        assert_eq!((&task["status"], &task["method"], &task["needs_court"]), (&json!("awaiting_court"), &json!("bank_transfer"), &json!(true)));
        assert_eq!((&task["payee"], &task["payee_account"]), (&json!("林可"), &json!("中国建设银行 6217 0000 1234 5678")));
        assert_eq!(parse_time(&task["due_at"]), app.now().await + Duration::hours(24));
        assert!(refund_entries(&app.verified_ledger(&id).await).is_empty());

        let path = format!("/api/court/refunds/{}/paid-back", task["id"].as_str().unwrap());
        let stranger = app.new_judge().await;
        let (status, _) = app.post(&path, Some(&stranger.token), json!({ "bank_reference": "X" })).await;
        assert_eq!(status, 403, "only the round's court");
        let (status, _) = app.post(&path, Some(&carol.token), json!({ "bank_reference": "X" })).await;
        assert_eq!(status, 403);
        let done = app.post_ok(&path, Some(&judge.token), json!({ "bank_reference": "CCB-RET-1" }), 200).await;
        assert_eq!((&done["status"], &done["bank_reference"]), (&json!("completed"), &json!("CCB-RET-1")));
        let (status, body) = app.post(&path, Some(&judge.token), json!({ "bank_reference": "CCB-RET-2" })).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "refund_not_awaiting_court"));
        let told = app.mail_to(&carol.email, "payment_refunded").await;
        assert_eq!(told.len(), 1);
        assert!(told[0].raw.contains("CCB-RET-1") && told[0].raw.contains(registration["deposit"]["amount"].as_str().unwrap()), "{}", told[0].raw);

        let entries = app.verified_ledger(&id).await;
        let paid = refund_entries(&entries);
        assert_eq!(paid.len(), 1);
        assert_eq!(paid[0].payload["reason"], "deposit_released");
        assert!(!paid[0].payload.to_string().contains("6217"), "the account stays off the public ledger");
        app.finish().await;
    }
);
