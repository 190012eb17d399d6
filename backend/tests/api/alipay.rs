//! Payments through Alipay's protocol (RSA2), against the simulator: the payer sent to the cashier page
//! with a signed request, the signed notification, signatures checked both ways, notifications for
//! another merchant, amount or order refused and kept, repeats and notifications out of order harmless,
//! a lost notification and a timed-out answer found by asking, refunds in part and in full paid once.

use std::time::Duration as StdDuration;

use auction_core::payment::{MoneyEvent, MoneyPaid};
use backend::gateway::alipay::protocol::{self, SigningKey, TradeStatus};
use chrono::Duration;
use serde_json::{Value, json};

use crate::after_failure::published_sell_off;
use crate::db_test;
use crate::helpers::alipay::keys;
use crate::helpers::{Bidder, TestApp, code, parse_time};

/// `params` with `changes` made, signed again with `key` (as the gateway signs a notification).
fn resigned(params: &[(String, String)], changes: &[(&str, &str)], key: &SigningKey) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = params.iter().filter(|(name, _)| name != "sign").cloned().collect();
    for (name, value) in changes {
        match params.iter_mut().find(|(n, _)| n == name) {
            Some(param) => param.1 = (*value).to_owned(),
            None => params.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    protocol::sign_params(key, &mut params, &["sign", "sign_type"]);
    params
}

/// On `app` (a server with the simulator), a published round and a bidder whose deposit Alipay was paid on
/// the `device`'s page, its notification held back: the app, the bidder, the order and the notification.
async fn paid_but_not_notified(app: TestApp, device: &str) -> (TestApp, Bidder, String, Vec<(String, String)>) {
    let judge = app.new_judge().await;
    let round = app.published_round(&judge).await;
    let alice = app.new_bidder("陈爱丽").await;
    let order = app.register(&alice, round["id"].as_str().unwrap()).await;
    app.open_checkout(&alice.token, &order, device).await;
    app.simulator().hold_notifications(true);
    let notification = app.simulator().pay(&order).await.unwrap();
    (app, alice, order, notification)
}

async fn payment(app: &TestApp, bidder: &Bidder, order: &str) -> Value {
    app.get_ok(&format!("/api/payments/{order}"), Some(&bidder.token)).await
}

async fn deposit_status(app: &TestApp, bidder: &Bidder) -> String {
    let mine = app.get_ok("/api/me/registrations", Some(&bidder.token)).await;
    mine["items"][0]["deposit"]["status"].as_str().unwrap().to_owned()
}

db_test!(
    async fn a_deposit_is_paid_on_alipays_cashier_page_and_confirmed_by_its_signed_notification(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let alice = app.new_bidder("陈爱丽").await;
        let order = app.register(&alice, id).await;
        assert_eq!(payment(&app, &alice, &order).await["gateway"], "alipay");

        // The payer is sent to the cashier page with a signed page-pay request (on a phone, the H5 one).
        let url = app.open_checkout(&alice.token, &order, "desktop").await;
        assert!(url.starts_with(&app.simulator().gateway_url()), "{url}");
        assert!(url.contains("method=alipay.trade.page.pay") && url.contains("sign="), "{url}");
        assert!(app.open_checkout(&alice.token, &order, "phone").await.contains("method=alipay.trade.wap.pay"));
        let (status, error) = app.post(&format!("/api/payments/{order}/sandbox-complete"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "sandbox_disabled"), "no paying for free");
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending");

        // Paid on the page: the notification reaches the platform, which answers `success`.
        let notification = app.simulator().pay(&order).await.unwrap();
        let trade = app.simulator().trade(&order).unwrap();
        assert_eq!(trade.notification_answers, ["success"]);
        assert_eq!(trade.total_amount.to_string(), "70000.00");
        assert_eq!(payment(&app, &alice, &order).await["status"], "paid");
        assert_eq!(deposit_status(&app, &alice).await, "frozen");

        // The same notification again (Alipay repeats until answered): `success`, nothing happens twice.
        assert_eq!(app.notify(&notification).await, (200, "success".to_owned()));
        assert_eq!(app.mails_to(&alice.email, "deposit_frozen", 2).await.len(), 1);
        // A paid order cannot be sent to the gateway again.
        let (status, error) = app.post(&format!("/api/payments/{order}/checkout"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "payment_not_pending"));
        app.finish().await;
    }
);

db_test!(
    async fn only_what_alipay_signed_is_believed_and_alipay_believes_only_what_the_platform_signed(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let alice = app.new_bidder("陈爱丽").await;
        let order = app.register(&alice, round["id"].as_str().unwrap()).await;
        let url = app.open_checkout(&alice.token, &order, "desktop").await;

        // Alipay refuses a request whose parameters were changed after the platform signed them.
        let tampered = url.replace("70000.00", "7.00");
        assert_ne!(tampered, url);
        let mut page = app.client.get(&tampered).send().await.unwrap();
        let html = String::from_utf8_lossy(&page.body().await.unwrap()).into_owned();
        assert_eq!(page.status(), 400, "{html}");
        assert!(html.contains("isv.invalid-signature"), "{html}");

        // The platform refuses a notification signed by any other key, or changed after Alipay signed it.
        app.simulator().hold_notifications(true);
        let genuine = app.simulator().pay(&order).await.unwrap();
        let forged = resigned(&genuine, &[], &SigningKey::generate().unwrap());
        assert_eq!(app.notify(&forged).await.0, 400);
        let mut altered = genuine.clone();
        altered.iter_mut().find(|(n, _)| n == "trade_status").unwrap().1 = "TRADE_FINISHED".into();
        assert_eq!(app.notify(&altered).await.0, 400);
        let mut unsigned = genuine.clone();
        unsigned.retain(|(n, _)| n != "sign");
        assert_eq!(app.notify(&unsigned).await.0, 400);
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending", "nothing believed");

        assert_eq!(app.notify(&genuine).await, (200, "success".to_owned()));
        assert_eq!(payment(&app, &alice, &order).await["status"], "paid");
        app.finish().await;
    }
);

db_test!(
    async fn an_answer_not_signed_with_alipays_key_is_not_believed(db) {
        // This server checks the gateway's answers with another key than the one the simulator signs with.
        let impostor = SigningKey::generate().unwrap();
        let app = TestApp::spawn_with_alipay_key(db, &impostor).await;
        let (app, alice, order, _) = paid_but_not_notified(app, "desktop").await;
        let (status, error) = app.post(&format!("/api/payments/{order}/refresh"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (503, "gateway_unavailable"), "{error}");
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending");
        app.finish().await;
    }
);

db_test!(
    async fn notifications_for_another_app_amount_or_order_are_refused_and_kept_for_reconciliation(db) {
        let (app, alice, order, genuine) = paid_but_not_notified(TestApp::spawn_with_alipay(db).await, "desktop").await;
        let gateway = &keys().gateway;

        let other_app = resigned(&genuine, &[("app_id", "2021000000009999"), ("notify_id", "n-app")], gateway);
        let (status, answer) = app.notify(&other_app).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer.contains("other_merchant"), "{answer}");
        let other_amount = resigned(&genuine, &[("total_amount", "7.00"), ("notify_id", "n-amount")], gateway);
        let (status, answer) = app.notify(&other_amount).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer.contains("amount_mismatch"), "{answer}");
        // Repeated, it is kept once.
        assert_eq!(app.notify(&other_amount).await.0, 422);
        let stranger = uuid::Uuid::new_v4().to_string();
        let unknown = resigned(&genuine, &[("out_trade_no", &stranger), ("notify_id", "n-unknown")], gateway);
        assert_eq!(app.notify(&unknown).await.0, 404);
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending");

        let admin = app.admin_token().await;
        let today = auction_core::time::beijing_date(app.now().await).to_string();
        let run = app.post_ok("/api/admin/reconciliations", Some(&admin), json!({ "day": today }), 201).await;
        let unmatched: Vec<&Value> = run["differences"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "unmatched_notification")
            .collect();
        assert_eq!(unmatched.len(), 3, "{run}");
        for problem in ["other_merchant", "amount_differs", "unknown_order"] {
            assert!(unmatched.iter().any(|d| d["detail"].as_str().unwrap().starts_with(problem)), "{problem}: {run}");
        }
        assert!(unmatched.iter().any(|d| d["out_trade_no"] == stranger.as_str()));
        app.finish().await;
    }
);

db_test!(
    async fn a_lost_notification_and_a_timed_out_answer_are_found_by_asking_after_the_order(db) {
        // Paid, but the notification never comes.
        let (app, alice, order, _) = paid_but_not_notified(TestApp::spawn_with_alipay(db).await, "phone").await;
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending");

        // Back on the platform, the payer's page asks: Alipay's answer comes after the client's 2 s.
        app.simulator().delay_answers(StdDuration::from_secs(3));
        let (status, error) = app.post(&format!("/api/payments/{order}/refresh"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (503, "gateway_unavailable"), "{error}");
        assert_eq!(payment(&app, &alice, &order).await["status"], "pending");

        // Asked again in time, the answer says paid: the deposit is frozen, once.
        app.simulator().delay_answers(StdDuration::ZERO);
        let paid = app.post_ok(&format!("/api/payments/{order}/refresh"), Some(&alice.token), json!({}), 200).await;
        assert_eq!(paid["status"], "paid");
        assert_eq!(deposit_status(&app, &alice).await, "frozen");
        let again = app.post_ok(&format!("/api/payments/{order}/refresh"), Some(&alice.token), json!({}), 200).await;
        assert_eq!(again["status"], "paid");
        // The notification, when it comes at last, changes nothing.
        let late = app.simulator().notification_of(&order, None).unwrap();
        assert_eq!(app.notify(&late).await, (200, "success".to_owned()));
        assert_eq!(app.mails_to(&alice.email, "deposit_frozen", 2).await.len(), 1);
        app.finish().await;
    }
);

db_test!(
    async fn refunds_go_back_through_alipay_in_full_and_in_part_each_once_even_after_a_timeout(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let judge = app.new_judge().await;
        let sell_off = published_sell_off(&app, &judge).await;
        let id = sell_off["id"].as_str().unwrap().to_owned();
        let (alice, bob) = (app.new_bidder("艾丽斯").await, app.new_bidder("鲍勃").await);
        let alices = app.register(&alice, &id).await;
        app.pay_through_alipay(&alice.token, &alices).await;
        let bobs = app.register(&bob, &id).await;
        app.pay_through_alipay(&bob.token, &bobs).await;
        let t = app.set_clock(parse_time(&sell_off["bidding_starts_at"])).await;
        assert_eq!(app.bid(&alice, &id, "560000").await.0, 201);
        assert_eq!(app.bid(&bob, &id, "561000").await.0, 201);
        app.set_clock(t + Duration::hours(24)).await;

        // Alice's prepayment, released at the close, goes back whole: Alipay closes her trade.
        let trade = app.simulator().trade(&alices).unwrap();
        assert_eq!(trade.refunds.len(), 1);
        assert_eq!(trade.refunds[0].amount.to_string(), "560000.00");
        assert_eq!(trade.refunds[0].out_request_no, app.get_ok("/api/court/refunds", Some(&app.judge_of(&judge.court_id.to_string()).await)).await.as_array().unwrap().iter().find(|r| r["amount"] == "560000.00").unwrap()["id"]);
        assert_eq!(trade.status, TradeStatus::Closed);
        // Its refund notification is answered `success` and is no stranger to the platform.
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        assert_eq!(app.simulator().trade(&alices).unwrap().notification_answers.last().map(String::as_str), Some("success"));

        // Bob defaults: the deposit's part is kept, the rest goes back — Alipay's answer comes too late, but
        // the refund was made; the next try asks first, and nothing is paid twice.
        let deal_id = app.get_ok(&format!("/api/auctions/{id}/result"), None).await["deal_id"].as_str().unwrap().to_owned();
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&bob.token)).await;
        app.simulator().delay_answers(StdDuration::from_secs(3));
        app.set_clock(parse_time(&deal["balance_due_at"])).await;
        app.simulator().delay_answers(StdDuration::ZERO);
        let refund = &app.get_ok("/api/me/deals", Some(&bob.token)).await["items"][0]["refunds"][0];
        assert_eq!((refund["amount"].as_str(), refund["status"].as_str()), (Some("504000.00"), Some("pending")), "{refund}");
        let trade = app.simulator().trade(&bobs).unwrap();
        assert_eq!(trade.refunds.len(), 1, "made, though its answer was lost");
        app.advance(60).await;
        let refund = &app.get_ok("/api/me/deals", Some(&bob.token)).await["items"][0]["refunds"][0];
        assert_eq!(refund["status"], "completed", "{refund}");
        assert!(refund["gateway_reference"].as_str().unwrap().starts_with(&format!("ALIPAY-{}", trade.trade_no)), "{refund}");
        let trade = app.simulator().trade(&bobs).unwrap();
        assert_eq!(trade.refunds.len(), 1, "not paid twice");
        assert_eq!(trade.refunds[0].amount.to_string(), "504000.00");
        assert_eq!(trade.status, TradeStatus::Success, "a part refunded: the trade stays open");
        app.advance(3600).await;
        assert_eq!(app.simulator().trade(&bobs).unwrap().refunds.len(), 1);

        // Each prepayment's story, replayed: every 分 in one place, nothing owed.
        let price = auction_core::Money::parse_positive("560000").unwrap();
        let kept = auction_core::Money::parse_positive("56000").unwrap();
        let rest = auction_core::Money::parse_positive("504000").unwrap();
        let bobs_money = MoneyPaid::replay(&[MoneyEvent::Received(price), MoneyEvent::Forfeited(kept), MoneyEvent::Released(rest), MoneyEvent::PaidBack(rest)]).unwrap();
        assert!(bobs_money.is_balanced() && bobs_money.is_settled());
        let entries = app.verified_ledger(&id).await;
        assert_eq!(entries.iter().filter(|e| e.kind.as_str() == "refund").count(), 2, "one entry per refund");
        app.finish().await;
    }
);

db_test!(
    async fn a_balance_notification_racing_the_sales_revocation_leaves_the_money_paid_back_once(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        assert_eq!(app.bid(&open.bob, &open.id, "701000").await.0, 201);
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"].as_str().unwrap().to_owned();
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.bob.token), json!({}), 201).await;
        let order = order["order_id"].as_str().unwrap().to_owned();
        app.open_checkout(&open.bob.token, &order, "desktop").await;
        app.simulator().hold_notifications(true);
        let notification = app.simulator().pay(&order).await.unwrap();
        let filed = app
            .post_ok("/api/objections", Some(&judge), json!({
                "auction_id": open.id,
                "objector": { "name": "李四", "email": "lisi@example.test", "role": "party" },
                "grounds": ["untrue_description"],
                "statement": "公告严重失实。",
            }), 201)
            .await;
        let decision = format!("/api/objections/{}/decision", filed["id"].as_str().unwrap());
        // The balance's notification and the court's revocation arrive together.
        let (notified, decided) = tokio::join!(
            app.notify(&notification),
            app.post(&decision, Some(&judge), json!({ "outcome": "upheld", "reasoning": "公告严重失实。" })),
        );
        assert_eq!(notified, (200, "success".to_owned()));
        assert_eq!(decided.0.as_u16(), 200, "{}", decided.1);

        // Whichever came first, the balance (631,000) and the deposit (70,000) are each paid back once.
        let mine = app.get_ok("/api/me/deals", Some(&open.bob.token)).await;
        let refunds = mine["items"][0]["refunds"].as_array().unwrap().clone();
        let balance: Vec<&Value> = refunds.iter().filter(|r| r["purpose"] == "balance").collect();
        assert_eq!(balance.len(), 1, "{refunds:?}");
        assert_eq!((balance[0]["amount"].as_str(), balance[0]["status"].as_str()), (Some("631000.00"), Some("completed")));
        assert_eq!(refunds.iter().filter(|r| r["purpose"] == "deposit").count(), 1, "{refunds:?}");
        let trade = app.simulator().trade(&order).unwrap();
        assert_eq!(trade.refunds.len(), 1);
        assert_eq!(trade.status, TradeStatus::Closed);
        app.finish().await;
    }
);

db_test!(
    async fn a_second_payment_through_another_channel_goes_back_the_way_it_came(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let carol = app.new_bidder("张可乐").await;
        let carols = app.register(&carol, &open.id).await;
        app.pay_through_alipay(&carol.token, &carols).await;

        // The court records a bank transfer for Carol's deposit, which Alipay had taken already: the
        // transfer is a second payment, the court's to pay back to where it came from.
        let today = auction_core::time::beijing_date(app.now().await).to_string();
        let transfer = json!({
            "payer": "张可乐", "payer_account": "工商银行 6222 0001", "amount": "70000",
            "bank_reference": "ICBC-0001", "received_on": today,
        });
        let (status, error) = app.post(&format!("/api/payments/{carols}/offline"), Some(&judge), transfer).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "already_paid"), "{error}");
        let court = app.get_ok("/api/court/refunds", Some(&judge)).await;
        let second = court.as_array().unwrap().iter().find(|r| r["reason"] == "duplicate").expect("the court's refund task");
        assert_eq!((second["method"].as_str(), second["status"].as_str()), (Some("bank_transfer"), Some("awaiting_court")));
        assert_eq!((second["payee"].as_str(), second["payee_account"].as_str()), (Some("张可乐"), Some("工商银行 6222 0001")));
        assert_eq!(second["needs_court"], true);
        assert!(app.simulator().trade(&carols).unwrap().refunds.is_empty(), "Alipay's money stays: it paid the deposit");

        // Bob wins; he opens Alipay's page for the balance, the court records his bank transfer, and then he
        // pays on the page as well: Alipay's money goes back through Alipay.
        assert_eq!(app.bid(&open.bob, &open.id, "701000").await.0, 201);
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"].as_str().unwrap().to_owned();
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.bob.token), json!({}), 201).await;
        let order = order["order_id"].as_str().unwrap().to_owned();
        app.open_checkout(&open.bob.token, &order, "desktop").await;
        let today = auction_core::time::beijing_date(app.now().await).to_string();
        let transfer = json!({ "payer": "刘博", "amount": "631000", "bank_reference": "ICBC-0002", "received_on": today });
        app.post_ok(&format!("/api/deals/{deal_id}/offline-payment"), Some(&judge), transfer, 200).await;
        app.simulator().pay(&order).await.unwrap();
        let trade = app.simulator().trade(&order).unwrap();
        assert_eq!(trade.notification_answers.first().map(String::as_str), Some("success"));
        assert_eq!(trade.refunds.len(), 1, "the second payment went back");
        assert_eq!(trade.refunds[0].amount.to_string(), "631000.00");
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&open.bob.token)).await;
        assert_eq!(deal["status"], "paid", "by the transfer");
        let refund = deal["refunds"].as_array().unwrap().iter().find(|r| r["reason"] == "duplicate").expect("its refund").clone();
        assert_eq!((refund["method"].as_str(), refund["status"].as_str()), (Some("gateway"), Some("completed")));
        let told = app.mail_to(&open.bob.email, "payment_refunded").await;
        assert!(told.iter().any(|m| m.raw.contains("631000.00") && m.raw.contains("重复支付")), "{told:?}");
        app.finish().await;
    }
);
