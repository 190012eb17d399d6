//! The signals of shill bidding and collusion (see `docs/signals.md`): the court's, after the end, each with
//! ledger entries that the public ledger confirms.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Bidder, OpenRound, TestApp, parse_time};

/// The signals of one kind in an answer.
fn of_kind<'a>(answer: &'a Value, kind: &str) -> Vec<&'a Value> {
    answer["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .filter(|s| s["kind"] == kind)
        .collect()
}

db_test!(
    async fn signals_are_the_courts_after_the_end_and_nobody_elses(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let id = &open.id;
        let court_id = open.round["court_id"].as_str().unwrap().to_owned();
        let judge = app.judge_of(&court_id).await;
        let path = format!("/api/auctions/{id}/signals");

        // While bidding runs, who registered is nobody's to know (R40), the court's neither.
        let (status, error) = app.get(&path, Some(&judge)).await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (409, Some("auction_not_closed")), "{error}");

        let minimum = open.round["minimum_next_bid"].as_str().unwrap().to_owned();
        assert_eq!(app.bid(&open.alice, id, &minimum).await.0, 201);
        app.set_clock(parse_time(&open.round["bidding_ends_at"]) + Duration::seconds(1)).await;

        // A bidder of the round, another court's judge and an anonymous visitor see no such thing.
        assert_eq!(app.get(&path, Some(&open.alice.token)).await.0.as_u16(), 404);
        let other = app.new_judge().await;
        assert_eq!(app.get(&path, Some(&other.token)).await.0.as_u16(), 404);
        assert_eq!(app.get(&path, None).await.0.as_u16(), 401);

        let answer = app.get_ok(&path, Some(&judge)).await;
        assert_eq!(answer["auction_id"], open.id.as_str());
        assert!(answer["signals"].is_array(), "{answer}");
        // Nothing that the public record does not have: no name, no ID number.
        for secret in [&open.alice.real_name, &open.alice.id_number, &open.bob.id_number] {
            assert!(!answer.to_string().contains(secret.as_str()), "{answer}");
        }
        app.finish().await;
    }
);

/// The round of `open` ended with Alice's one bid at the starting price: its signals, as its court reads them.
async fn ended_at_the_start(app: &TestApp, open: &OpenRound) -> Value {
    let start = open.round["starting_price"].as_str().unwrap().to_owned();
    assert_eq!(app.bid(&open.alice, &open.id, &start).await.0, 201);
    app.set_clock(parse_time(&open.round["bidding_ends_at"]) + Duration::seconds(1))
        .await;
    let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
    app.get_ok(&format!("/api/auctions/{}/signals", open.id), Some(&judge))
        .await
}

db_test!(
    async fn a_price_stopped_at_the_start_among_several_registrants_is_flagged_with_its_ledger_entry(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let id = &open.id;
        // A third registrant who pays and never bids.
        let carol = app.new_bidder("王卡罗").await;
        app.register_and_pay(&carol, id).await;
        let answer = ended_at_the_start(&app, &open).await;
        let stopped = of_kind(&answer, "stopped_at_start");
        let [signal] = stopped.as_slice() else { panic!("one stopped_at_start signal: {answer}") };
        assert_eq!(signal["score"], 50);
        assert!(signal["explanation"].as_str().unwrap().contains("3 人"), "{signal}");
        // Its evidence is the bid's entry in the public ledger, hash and all.
        let ledger = app.verified_ledger(id).await;
        let evidence = &signal["evidence"][0];
        let entry = ledger
            .iter()
            .find(|e| e.seq == evidence["ledger_seq"].as_u64().unwrap())
            .expect("the entry is in the ledger");
        assert_eq!(entry.hash, evidence["hash"].as_str().unwrap());
        assert_eq!(entry.kind, auction_core::ledger::LedgerKind::Bid);
        assert_eq!(signal["codes"][0], entry.payload["bidder_code"]);
        app.finish().await;
    }
);

db_test!(
    async fn registrants_on_one_rare_email_domain_are_paired(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let answer = ended_at_the_start(&app, &open).await;
        // The tests' bidders all write from example.test, which is no public provider.
        let shared = of_kind(&answer, "shared_traces");
        let [signal] = shared.as_slice() else { panic!("one pair: {answer}") };
        assert!(signal["explanation"].as_str().unwrap().contains("example.test"), "{signal}");
        assert_eq!(signal["codes"].as_array().unwrap().len(), 2);
        app.finish().await;
    }
);

db_test!(
    async fn two_registrants_from_one_device_are_paired_and_the_device_is_never_shown(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        // A third and a fourth registrant, both from the browser with one device id.
        let mut codes = Vec::new();
        for name in ["周一", "吴二"] {
            let bidder = app.new_bidder(name).await;
            let mut answer = app
                .client
                .post(format!("{}/api/auctions/{}/registrations", app.address, open.id))
                .insert_header(("Authorization", format!("Bearer {}", bidder.token)))
                .insert_header(("X-Fapai-Device", "device-of-one-person"))
                .send_json(&serde_json::json!({ "accept_terms": true, "housing_qualification_commitment": true }))
                .await
                .expect("an answer");
            assert_eq!(answer.status().as_u16(), 201);
            let registration: Value = answer.json().await.expect("json");
            codes.push(registration["bidder_code"].as_str().unwrap().to_owned());
        }
        let answer = ended_at_the_start(&app, &open).await;
        let device: Vec<&Value> = of_kind(&answer, "shared_traces")
            .into_iter()
            .filter(|s| s["explanation"].as_str().unwrap().contains("同一设备"))
            .collect();
        let [signal] = device.as_slice() else { panic!("one pair on one device: {answer}") };
        let mut paired: Vec<String> = serde_json::from_value(signal["codes"].clone()).unwrap();
        paired.sort();
        codes.sort();
        assert_eq!(paired, codes);
        assert!(signal["score"].as_u64().unwrap() >= 80, "{signal}");
        assert!(!answer.to_string().contains("device-of-one-person"), "{answer}");
        app.finish().await;
    }
);

/// Registers `bidder` for the round: its deposit's payment order and its bidder code.
async fn registered(app: &TestApp, bidder: &Bidder, round: &str) -> (String, String) {
    let registration = app
        .post_ok(
            &format!("/api/auctions/{round}/registrations"),
            Some(&bidder.token),
            json!({ "accept_terms": true, "housing_qualification_commitment": true }),
            201,
        )
        .await;
    let text = |v: &Value| v.as_str().expect("text").to_owned();
    (
        text(&registration["payment"]["order_id"]),
        text(&registration["bidder_code"]),
    )
}

/// The round `round` opens, Alice's bid stands at the start, and the round ends: its court's signals that
/// name the same paying account.
async fn same_payer_after_the_end(app: &TestApp, judge: &str, round: &Value, alice: &Bidder) -> Vec<Value> {
    let id = round["id"].as_str().unwrap();
    app.open_bidding(round).await;
    let start = round["starting_price"].as_str().unwrap();
    assert_eq!(app.bid(alice, id, start).await.0, 201);
    app.set_clock(parse_time(&round["bidding_ends_at"]) + Duration::seconds(1))
        .await;
    let answer = app.get_ok(&format!("/api/auctions/{id}/signals"), Some(judge)).await;
    of_kind(&answer, "shared_traces")
        .into_iter()
        .filter(|s| s["explanation"].as_str().unwrap().contains("同一付款账户"))
        .cloned()
        .collect()
}

fn sorted_codes(signal: &Value) -> Vec<String> {
    let mut codes: Vec<String> = serde_json::from_value(signal["codes"].clone()).expect("codes");
    codes.sort();
    codes
}

db_test!(
    async fn deposits_paid_by_bank_transfer_from_one_account_are_paired_and_the_account_never_shown(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let today = app.now().await.format("%Y-%m-%d").to_string();
        let mut codes = Vec::new();
        let mut alice = None;
        // The same account written two ways on two bank slips, and a third registrant's own account.
        for (name, account) in [("陈爱丽", "6217 0000 1234 5678"), ("刘博", "6217-0000-1234-5678"), ("王卡罗", "6222 0202 0000 0001")] {
            let bidder = app.new_bidder(name).await;
            let (order, code) = registered(&app, &bidder, &id).await;
            let deposit = app.get_ok(&format!("/api/payments/{order}"), Some(&bidder.token)).await;
            let transfer = json!({
                "payer": name, "payer_account": account, "amount": deposit["amount"],
                "bank_reference": format!("CCB-{code}"), "received_on": today,
            });
            app.post_ok(&format!("/api/payments/{order}/offline"), Some(&judge.token), transfer, 200).await;
            if name != "王卡罗" {
                codes.push(code);
            }
            alice.get_or_insert(bidder);
        }
        let signals = same_payer_after_the_end(&app, &judge.token, &round, &alice.unwrap()).await;
        let [signal] = signals.as_slice() else { panic!("one pair paying from one account: {signals:?}") };
        codes.sort();
        assert_eq!(sorted_codes(signal), codes);
        assert!(signal["score"].as_u64().unwrap() >= 80, "{signal}");
        assert!(!signal.to_string().contains("1234"), "the account is never shown: {signal}");
        app.finish().await;
    }
);

db_test!(
    async fn deposits_paid_from_one_alipay_account_are_paired(db) {
        let app = TestApp::spawn_with_alipay(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let mut codes = Vec::new();
        let mut alice = None;
        for name in ["陈爱丽", "刘博", "王卡罗"] {
            let bidder = app.new_bidder(name).await;
            let (order, code) = registered(&app, &bidder, &id).await;
            app.open_checkout(&bidder.token, &order, "phone").await;
            if name == "王卡罗" {
                // Her own account: the simulator pays each trade from an account of its own.
                app.simulator().pay(&order).await.expect("paid");
            } else {
                app.simulator().pay_as(&order, "2088000011112222").await.expect("paid");
                codes.push(code);
            }
            let paid = app.get_ok(&format!("/api/payments/{order}"), Some(&bidder.token)).await;
            assert_eq!(paid["status"], "paid", "{paid}");
            alice.get_or_insert(bidder);
        }
        let signals = same_payer_after_the_end(&app, &judge.token, &round, &alice.unwrap()).await;
        let [signal] = signals.as_slice() else { panic!("one pair paying from one account: {signals:?}") };
        codes.sort();
        assert_eq!(sorted_codes(signal), codes);
        assert!(!signal.to_string().contains("2088000011112222"), "{signal}");
        app.finish().await;
    }
);
