//! What a bidder sees before paying a deposit and after the sale (contract v1.3): watching and its two
//! reminders, the buyer's costs with the court's contact and the viewing, the status after a default,
//! photo variants, and the public discovery files (robots.txt, sitemap, feed).

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, code, parse_time, rfc, upload};

/// The demo flat's costs: two borne by the buyer (3 % deed tax, ¥5,432.10 arrears), one by the seller.
fn buyer_information() -> Value {
    json!({
        "costs": [
            { "name": "契税", "borne_by": "buyer", "kind": "percent_of_price", "percent": "3" },
            { "name": "物业欠费", "borne_by": "buyer", "kind": "fixed", "amount": "5432.10" },
            { "name": "增值税", "borne_by": "seller", "kind": "percent_of_price", "percent": "5.6" },
        ],
        "contact": { "name": "王法官", "phone": "0571-87065432" },
        "viewing": { "how": "工作日预约看样，携带身份证。" },
    })
}

/// A draft round of `listing` bidding from 31 days on for 24 hours.
async fn draft(app: &TestApp, judge: &Judge, listing: &str, starting: &str, deposit: &str, increment: &str) -> Value {
    let starts = app.now().await + Duration::days(31);
    let (status, draft) = app
        .create_round(
            judge,
            listing,
            json!({
                "starting_price": starting, "deposit": deposit, "increment": increment,
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    draft
}

db_test!(
    async fn a_listing_tells_buyers_its_costs_contact_and_viewing_and_the_estimate_follows_the_price(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let listing = open.round["listing_id"].as_str().unwrap().to_owned();
        let court = open.round["court_id"].as_str().unwrap().to_owned();
        let judge = app.judge_of(&court).await;
        let path = format!("/api/listings/{listing}/buyer-information");

        // Bad input changes nothing and says which cost is wrong.
        let mut wrong = buyer_information();
        wrong["costs"][1]["percent"] = json!("3");
        let (status, error) = app.request("PUT", &path, Some(&judge), Some(wrong)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_cost"), "{error}");
        assert_eq!(error["error"]["details"]["index"], 1, "{error}");
        let mut wrong = buyer_information();
        wrong["costs"][0]["percent"] = json!("101");
        let (status, error) = app.request("PUT", &path, Some(&judge), Some(wrong)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_cost"), "{error}");
        let mut wrong = buyer_information();
        wrong["contact"]["phone"] = json!("call me");
        let (status, error) = app.request("PUT", &path, Some(&judge), Some(wrong)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_phone"), "{error}");
        let mut wrong = buyer_information();
        wrong["viewing"] = json!({ "how": "现场看样", "from": "2027-02-10T02:00:00Z", "until": "2027-02-01T02:00:00Z" });
        let (status, error) = app.request("PUT", &path, Some(&judge), Some(wrong)).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_viewing"), "{error}");
        let (status, _) = app.request("PUT", &path, Some(&open.alice.token), Some(buyer_information())).await;
        assert_eq!(status.as_u16(), 403, "a bidder cannot edit a listing");
        assert_eq!(app.auction(&open.id).await["costs"], json!([]));

        let (status, saved) = app.request("PUT", &path, Some(&judge), Some(buyer_information())).await;
        assert_eq!(status.as_u16(), 200, "{saved}");
        assert_eq!(saved["costs"][1]["amount"], "5432.10");
        assert_eq!(saved["contact"], json!({ "name": "王法官", "phone": "0571-87065432" }));

        // At the starting price 700,000: 21,000 + 5,432.10; the seller's VAT is not the buyer's.
        let round = app.auction(&open.id).await;
        assert_eq!(round["costs"].as_array().unwrap().len(), 3);
        assert_eq!(round["contact"]["phone"], "0571-87065432");
        assert_eq!(round["viewing"]["how"], "工作日预约看样，携带身份证。");
        assert_eq!(round["buyer_costs_at_current"], "26432.10", "{round}");
        let estimate = &round["buyer_cost_estimate"];
        assert_eq!(estimate["price"], "700000.00");
        assert_eq!(estimate["items"], json!([{ "name": "契税", "amount": "21000.00" }, { "name": "物业欠费", "amount": "5432.10" }]));

        // The estimate follows the price: 3 % of 701,000 is 21,030.
        let (status, body) = app.bid(&open.alice, &open.id, "701000").await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(app.auction(&open.id).await["buyer_costs_at_current"], "26462.10");

        // A change made while the round runs is on its ledger, so nobody can alter it unseen.
        let entries = app.verified_ledger(&open.id).await;
        let entry = entries.iter().find(|e| e.kind.as_str() == "buyer_information").expect("a buyer_information entry");
        assert!(entry.payload.to_string().contains("0571-87065432"), "{:?}", entry.payload);
        app.finish().await;
    }
);

db_test!(
    async fn a_draft_announcement_states_the_costs_and_the_contact_with_amounts_in_words(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        app.appraise(&judge, &listing, "1000000").await;
        let draft = draft(&app, &judge, &listing, "3060000", "300000", "5000").await;
        let id = draft["id"].as_str().unwrap();
        let draft = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert!(draft["announcement"].as_str().unwrap().contains("¥3,060,000.00（叁佰零陆万元整）"), "{}", draft["announcement"]);

        let (status, _) = app
            .request(
                "PUT",
                &format!("/api/listings/{listing}/buyer-information"),
                Some(&judge.token),
                Some(buyer_information()),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let draft = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        let text = draft["announcement"].as_str().unwrap();
        for needle in ["契税", "买受人", "0571-87065432", "王法官", "工作日预约看样"] {
            assert!(text.contains(needle), "the announcement names {needle}: {text}");
        }
        app.finish().await;
    }
);

db_test!(
    async fn watchers_are_counted_and_reminded_once_when_bidding_opens_and_once_before_the_end(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let path = format!("/api/auctions/{id}/watch");
        let (watcher, other, registrant) = (app.new_bidder("关注人").await, app.new_bidder("另一人").await, app.new_bidder("报名人").await);

        let (status, _) = app.request("PUT", &path, None, None).await;
        assert_eq!(status.as_u16(), 401, "watching needs an account");
        let (status, body) = app.request("PUT", &path, Some(&watcher.token), None).await;
        assert_eq!((status.as_u16(), body.clone()), (200, json!({ "watching": true, "watch_count": 1 })));
        let (_, again) = app.request("PUT", &path, Some(&watcher.token), None).await;
        assert_eq!(again, json!({ "watching": true, "watch_count": 1 }), "watching twice counts once");
        app.request("PUT", &path, Some(&other.token), None).await;
        app.request("PUT", &path, Some(&registrant.token), None).await;
        app.register_and_pay(&registrant, &id).await;
        let (_, off) = app.request("DELETE", &path, Some(&other.token), None).await;
        assert_eq!(off, json!({ "watching": false, "watch_count": 2 }));

        assert_eq!(app.auction(&id).await["watch_count"], 2);
        let mine = app.get_ok(&format!("/api/auctions/{id}"), Some(&watcher.token)).await;
        assert_eq!(mine["watching"], true);
        assert_eq!(app.get_ok(&format!("/api/auctions/{id}"), Some(&other.token)).await["watching"], false);
        let list = app.get_ok("/api/me/watches", Some(&watcher.token)).await;
        assert_eq!((list["total"].as_u64(), list["items"][0]["id"].as_str()), (Some(1), Some(id.as_str())));
        assert_eq!(app.get_ok("/api/me/watches", Some(&other.token)).await["total"], 0);
        let cards = app.get_ok("/api/auctions?status=announced", None).await;
        assert_eq!(cards["items"][0]["watch_count"], 2, "the card shows the count");

        app.open_bidding(&round).await;
        let opened = app.mail_to(&watcher.email, "watch_reminder").await;
        assert_eq!(opened.len(), 1, "reminded when bidding opens");
        assert!(opened[0].raw.contains(&format!("/auctions/{id}")), "{}", opened[0].raw);
        assert!(app.mail_to(&registrant.email, "bidding_opens").await.len() == 1);
        assert_eq!(app.mail_to(&registrant.email, "watch_reminder").await.len(), 0, "a registrant has its own notice");
        assert_eq!(app.mail_to(&other.email, "watch_reminder").await.len(), 0, "no longer watching");

        let ends = parse_time(&round["bidding_ends_at"]);
        app.set_clock(ends - Duration::minutes(31)).await;
        assert_eq!(app.mail_to(&watcher.email, "watch_reminder").await.len(), 1, "not yet");
        app.set_clock(ends - Duration::minutes(30)).await;
        assert_eq!(app.mail_to(&watcher.email, "watch_reminder").await.len(), 2, "thirty minutes before the end");
        app.set_clock(ends - Duration::minutes(10)).await;
        app.set_clock(ends + Duration::minutes(1)).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(app.mail_to(&watcher.email, "watch_reminder").await.len(), 2, "each moment once");
        app.finish().await;
    }
);

db_test!(
    async fn after_a_default_the_public_round_says_so_names_no_buyer_and_links_the_reauction(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let listing = open.round["listing_id"].as_str().unwrap().to_owned();
        let court = open.round["court_id"].as_str().unwrap().to_owned();
        let judge = app.judge_of(&court).await;
        let (status, body) = app.bid(&open.alice, &open.id, "700000").await;
        assert_eq!(status, 201, "{body}");
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await;
        assert_eq!(result["buyer_name"], json!(open.alice.real_name));
        // The confirmation, whole for print and as an article for the app's frame, states the price in words.
        let url = result["confirmation_url"].as_str().unwrap();
        let (_, whole) = app.get(url, None).await;
        let (_, embedded) = app.get(&format!("{url}?embed=true"), None).await;
        let (whole, embedded) = (whole.as_str().unwrap(), embedded.as_str().unwrap());
        assert!(whole.contains("<html") && whole.contains("¥700,000.00（柒拾万元整）"), "{whole}");
        assert!(!embedded.contains("<html") && embedded.contains("<h1>") && embedded.contains("柒拾万元整"), "{embedded}");
        let deal = app.get_ok(&format!("/api/deals/{}", result["deal_id"].as_str().unwrap()), Some(&open.alice.token)).await;
        app.set_clock(parse_time(&deal["balance_due_at"])).await;

        let round = app.auction(&open.id).await;
        assert_eq!((round["status"].as_str(), round["deal_status"].as_str()), (Some("sold"), Some("defaulted")), "{round}");
        assert!(round["next_round_id"].is_null());
        let result = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await;
        assert_eq!((result["buyer_name"].clone(), result["deal_status"].clone()), (Value::Null, json!("defaulted")));

        let again = draft(&app, &Judge { token: judge.clone(), court_id: court.parse().unwrap() }, &listing, "700000", "70000", "1000").await;
        let again_id = again["id"].as_str().unwrap();
        assert!(app.auction(&open.id).await["next_round_id"].is_null(), "a draft is not public");
        app.publish(&judge, again_id).await;
        assert_eq!(app.auction(&open.id).await["next_round_id"], json!(again_id));
        let cards = app.get_ok(&format!("/api/auctions?listing_id={listing}"), None).await;
        let card = cards["items"].as_array().unwrap().iter().find(|c| c["id"] == json!(open.id)).unwrap().clone();
        assert_eq!((card["deal_status"].as_str(), card["next_round_id"].as_str()), (Some("defaulted"), Some(again_id)));
        app.finish().await;
    }
);

/// A real photo: `width`×`height` pixels of a gradient, PNG-encoded.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

db_test!(
    async fn an_uploaded_photo_is_served_at_the_widths_a_page_asks_for(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        let (status, file) = upload(&app, &judge.token, &listing, "flat.png", &photo(1200, 800), Some("photo")).await;
        assert_eq!(status, 201, "{file}");
        let widths: Vec<u64> = file["variants"].as_array().unwrap().iter().map(|v| v["width"].as_u64().unwrap()).collect();
        assert_eq!(widths, vec![320, 960]);
        let url = file["url"].as_str().unwrap();
        for (width, height) in [(320, 213), (960, 640)] {
            let mut response = app
                .client
                .get(format!("{}{url}?w={width}", app.address))
                .insert_header(("Authorization", format!("Bearer {}", judge.token)))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(response.headers().get("content-type").unwrap(), "image/jpeg");
            let bytes = response.body().limit(4 << 20).await.unwrap();
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (width, height));
        }

        // A small photo keeps only the variants narrower than itself; a file that is not an image is refused.
        let (status, small) = upload(&app, &judge.token, &listing, "small.png", &photo(400, 300), Some("photo")).await;
        assert_eq!(status, 201, "{small}");
        assert_eq!(small["variants"].as_array().unwrap().len(), 1);
        let mut broken = crate::helpers::PNG.to_vec();
        broken.truncate(20);
        let (status, error) = upload(&app, &judge.token, &listing, "broken.png", &broken, Some("photo")).await;
        assert_eq!((status, code(&error)), (422, "unsupported_file_type"), "{error}");
        app.finish().await;
    }
);

db_test!(
    async fn robots_sitemap_and_feed_list_the_public_rounds_and_no_draft(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let public = app.published_round_titled(&judge, "宁波市鄞州区天童路8号").await;
        let listing = app.new_listing_titled(&judge, "real_estate", "草稿标的").await;
        app.appraise(&judge, &listing, "1000000").await;
        let draft = draft(&app, &judge, &listing, "700000", "70000", "1000").await;

        let text = |path: &'static str| {
            let client = &app.client;
            let address = app.address.clone();
            async move {
                let mut response = client.get(format!("{address}{path}")).send().await.unwrap();
                let kind = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
                let body = response.body().limit(1 << 20).await.unwrap();
                (response.status().as_u16(), kind, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (status, kind, robots) = text("/robots.txt").await;
        assert_eq!((status, kind.starts_with("text/plain")), (200, true), "{kind}");
        assert!(robots.contains("Sitemap:") && robots.contains("Disallow: /court"), "{robots}");
        let (status, kind, sitemap) = text("/sitemap.xml").await;
        assert_eq!((status, kind.contains("xml")), (200, true), "{kind}");
        assert!(sitemap.contains(&format!("/auctions/{}", public["id"].as_str().unwrap())), "{sitemap}");
        assert!(!sitemap.contains(draft["id"].as_str().unwrap()), "a draft is not listed");
        let (status, kind, feed) = text("/feed.atom").await;
        assert_eq!((status, kind.starts_with("application/atom+xml")), (200, true), "{kind}");
        assert!(feed.contains("宁波市鄞州区天童路8号") && !feed.contains("草稿标的"), "{feed}");
        app.finish().await;
    }
);

db_test!(
    async fn rounds_are_listed_by_the_end_or_by_the_price_when_asked(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let first = app.published_round_titled(&judge, "先结束的标的").await;
        app.advance(3600).await;
        let second = app.published_round_titled(&judge, "后结束的标的").await;
        let ids = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect()
        };
        let (a, b) = (first["id"].as_str().unwrap().to_owned(), second["id"].as_str().unwrap().to_owned());
        assert_eq!(ids(&app.get_ok("/api/auctions", None).await), vec![b.clone(), a.clone()], "newest first");
        assert_eq!(ids(&app.get_ok("/api/auctions?sort=ending_soon", None).await), vec![a.clone(), b.clone()]);

        let bidder = app.new_bidder("出价人").await;
        app.register_and_pay(&bidder, &a).await;
        app.open_bidding(&first).await;
        let (status, body) = app.bid(&bidder, &a, "705000").await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(ids(&app.get_ok("/api/auctions?sort=price_desc", None).await), vec![a.clone(), b.clone()]);
        assert_eq!(ids(&app.get_ok("/api/auctions?sort=price_asc", None).await), vec![b, a]);
        let (status, error) = app.get("/api/auctions?sort=cheapest", None).await;
        assert_eq!((status.as_u16(), code(&error)), (400, "invalid_query"));
        app.finish().await;
    }
);
