//! Reconciliation with the gateway's books: each kind of difference planted — on the platform's side in
//! its rows, on the gateway's in the simulator's books — and found, named, on the administrator's run.

use std::collections::BTreeSet;

use auction_core::Money;
use auction_core::refund::{RefundMethod, RefundStatus};
use auction_core::time::beijing_date;
use backend::gateway::alipay::protocol::{self, TradeStatus};
use backend::persistence::entities::refund;
use chrono::Duration;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::db_test;
use crate::helpers::alipay::keys;
use crate::helpers::{TestApp, code, parse_time};

async fn refund_of(app: &TestApp, order: &str) -> refund::Model {
    refund::Entity::find()
        .filter(refund::Column::PaymentOrderId.eq(Uuid::parse_str(order).unwrap()))
        .one(app.state().db.conn())
        .await
        .unwrap()
        .expect("the order's refund")
}

fn yuan(text: &str) -> Money {
    Money::parse_positive(text).unwrap()
}

db_test!(
    async fn each_kind_of_difference_planted_on_either_side_is_found(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let mut order = std::collections::HashMap::new();
        for name in ["alice", "bob", "carol", "dave", "erin", "frank", "george", "harry"] {
            let bidder = app.new_bidder(name).await;
            let paid = app.register(&bidder, &id).await;
            if name == "carol" {
                // Carol pays, but the notification is lost.
                app.open_checkout(&bidder.token, &paid, "desktop").await;
                app.simulator().hold_notifications(true);
                app.simulator().pay(&paid).await.unwrap();
                app.simulator().hold_notifications(false);
            } else {
                assert_eq!(app.pay_through_alipay(&bidder.token, &paid).await["status"], "paid");
            }
            order.insert(name, (bidder, paid));
        }
        let registered = app.now().await;
        app.open_bidding(&round).await;
        assert_eq!(app.bid(&order["alice"].0, &id, "700000").await.0, 201);
        app.set_clock(parse_time(&round["bidding_ends_at"]) + Duration::seconds(1)).await;
        let db = app.state().db.conn();

        // The platform's side. Bob's refund, paid by Alipay, is recorded as still pending (its answer lost).
        let bobs = refund_of(&app, &order["bob"].1).await;
        assert_eq!(bobs.status, RefundStatus::Completed);
        let mut pending = bobs.into_active_model();
        pending.status = Set(RefundStatus::Pending);
        pending.next_attempt_at = Set(Some(i64::MAX / 2));
        pending.update(db).await.unwrap();
        // Harry's released deposit loses its refund: stranded.
        refund::Entity::delete_by_id(refund_of(&app, &order["harry"].1).await.id).exec(db).await.unwrap();
        // Alice's deposit, applied to the price, is also "paid back" by the court: one refund too many.
        let template = refund_of(&app, &order["dave"].1).await;
        refund::ActiveModel {
            id: Set(Uuid::new_v4()),
            payment_order_id: Set(Some(Uuid::parse_str(&order["alice"].1).unwrap())),
            method: Set(RefundMethod::BankTransfer),
            ..template.into_active_model()
        }
        .insert(db)
        .await
        .unwrap();

        // The gateway's side.
        let simulator = app.simulator();
        simulator.plant_trade(&order["dave"].1, yuan("69000"), TradeStatus::Success);
        let erins = refund_of(&app, &order["erin"].1).await;
        simulator.forget_refund(&order["erin"].1, &erins.id.to_string());
        let franks = refund_of(&app, &order["frank"].1).await;
        simulator.forget_refund(&order["frank"].1, &franks.id.to_string());
        simulator.plant_refund(&order["frank"].1, &franks.id.to_string(), yuan("60000"));
        simulator.plant_trade(&order["george"].1, yuan("70000"), TradeStatus::WaitBuyerPay);
        // A notification for an order number the platform never issued.
        let stranger = Uuid::new_v4().to_string();
        let genuine = simulator.notification_of(&order["alice"].1, None).unwrap();
        let mut unknown: Vec<(String, String)> = genuine
            .into_iter()
            .filter(|(name, _)| name != "sign")
            .map(|(name, value)| if name == "out_trade_no" { (name, stranger.clone()) } else { (name, value) })
            .collect();
        protocol::sign_params(&keys().gateway, &mut unknown, &["sign", "sign_type"]);
        assert_eq!(app.notify(&unknown).await.0, 404);

        // Every Beijing day from the registrations to the close, compared.
        let admin = app.admin_token().await;
        let mut found = BTreeSet::new();
        let mut day = beijing_date(registered);
        while day <= beijing_date(app.now().await) {
            let run = app.post_ok("/api/admin/reconciliations", Some(&admin), json!({ "day": day.to_string() }), 201).await;
            assert!(run["failure"].is_null(), "{run}");
            assert_eq!(run["difference_count"].as_u64().unwrap() as usize, run["differences"].as_array().unwrap().len());
            for difference in run["differences"].as_array().unwrap() {
                let kind = difference["kind"].as_str().unwrap().to_owned();
                let who = order
                    .iter()
                    .find(|(_, (_, paid))| difference["order_id"] == paid.as_str())
                    .map_or("-", |(name, _)| *name);
                found.insert((kind, who.to_owned()));
            }
            day = day.succ_opt().unwrap();
        }
        let expected: BTreeSet<(String, String)> = [
            ("paid_at_gateway_only", "carol"),
            ("paid_on_platform_only", "george"),
            ("amount_differs", "dave"),
            ("refund_at_gateway_only", "bob"),
            ("refund_on_platform_only", "erin"),
            ("refund_amount_differs", "frank"),
            ("unmatched_notification", "-"),
            ("stranded", "harry"),
            ("over_refunded", "alice"),
        ]
        .into_iter()
        .map(|(kind, who)| (kind.to_owned(), who.to_owned()))
        .collect();
        assert_eq!(found, expected);

        // The runs are listed for the administrator, each with its differences; nobody else sees them.
        let runs = app.get_ok("/api/admin/reconciliations", Some(&admin)).await;
        let latest = runs[0]["id"].as_str().unwrap();
        let one = app.get_ok(&format!("/api/admin/reconciliations/{latest}"), Some(&admin)).await;
        assert_eq!(one["differences"].as_array().unwrap().len() as u64, one["difference_count"].as_u64().unwrap());
        let (status, _) = app.get("/api/admin/reconciliations", Some(&judge.token)).await;
        assert_eq!(status.as_u16(), 403);
        app.finish().await;
    }
);

db_test!(
    async fn books_that_agree_show_no_difference_and_the_sandbox_has_none_to_compare(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let open = app.round_open_to_two().await;
        let registered = app.now().await;
        app.bid(&open.alice, &open.id, "700000").await;
        app.set_clock(parse_time(&open.round["bidding_ends_at"]) + Duration::seconds(1)).await;
        let admin = app.admin_token().await;
        for day in [beijing_date(registered - Duration::days(31)), beijing_date(registered), beijing_date(app.now().await)] {
            let run = app.post_ok("/api/admin/reconciliations", Some(&admin), json!({ "day": day.to_string() }), 201).await;
            assert_eq!(run["differences"], json!([]), "{day}: {run}");
        }
        let tomorrow = beijing_date(app.now().await) + Duration::days(1);
        let (status, error) = app.post("/api/admin/reconciliations", Some(&admin), json!({ "day": tomorrow.to_string() })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_day"));
        app.finish().await;

        let sandbox = TestApp::spawn(db).await;
        let admin = sandbox.admin_token().await;
        let (status, error) = sandbox.post("/api/admin/reconciliations", Some(&admin), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "reconciliation_unavailable"));
        sandbox.finish().await;
    }
);
