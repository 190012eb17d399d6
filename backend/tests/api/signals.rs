//! The signals of shill bidding and collusion (see `docs/signals.md`): the court's, after the end, each with
//! ledger entries that the public ledger confirms.

use chrono::Duration;
use serde_json::Value;

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, parse_time};

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
