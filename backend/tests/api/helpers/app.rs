//! What a test does through the API: sign in, set up a case to a round, register, pay, bid, read.

use super::*;

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        let database = TestDatabase::create(db).await;
        let settings = test_settings(&database.url, &database.data_dir());
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A server whose background worker never gets round to anything: only requests act.
    pub async fn spawn_with_idle_worker(db: Db) -> TestApp {
        let database = TestDatabase::create(db).await;
        let mut settings = test_settings(&database.url, &database.data_dir());
        settings.worker_interval_ms = 3_600_000;
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A second instance on the same database: its own pool, clock, workers and live hub; the same keys.
    pub async fn spawn_sibling(&self) -> TestApp {
        let settings = (*self.state().settings).clone();
        TestApp::spawn_with(self.db, settings, None).await
    }

    /// Drives a server that runs elsewhere (a child process) at `address`.
    pub fn attach(db: Db, address: String) -> TestApp {
        let client = test_client();
        TestApp {
            address,
            db,
            client,
            state: None,
            task: None,
            database: None,
            admin: OnceCell::new(),
            alipay: None,
        }
    }

    pub fn state(&self) -> &actix_web::web::Data<backend::state::AppState> {
        self.state.as_ref().expect("an in-process server")
    }

    /// A server on its own database with some settings changed from the tests' defaults.
    pub async fn spawn_tuned(db: Db, tune: impl FnOnce(&mut Settings)) -> TestApp {
        let database = TestDatabase::create(db).await;
        let mut settings = test_settings(&database.url, &database.data_dir());
        tune(&mut settings);
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A published round whose bidding is open, with two bidders registered and their deposits paid.
    pub async fn round_open_to_two(&self) -> OpenRound {
        let judge = self.new_judge().await;
        let round = self.published_round(&judge).await;
        let id = round["id"].as_str().expect("auction id").to_owned();
        let alice = self.new_bidder("陈爱丽").await;
        let bob = self.new_bidder("刘博").await;
        self.register_and_pay(&alice, &id).await;
        self.register_and_pay(&bob, &id).await;
        self.open_bidding(&round).await;
        OpenRound { round, id, alice, bob }
    }

    pub async fn spawn_with(db: Db, settings: Settings, database: Option<TestDatabase>) -> TestApp {
        let app = Application::build(settings).await.expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let task = tokio::spawn(app.run_until_stopped());
        let client = test_client();
        TestApp {
            address,
            db,
            client,
            state: Some(state),
            task: Some(task),
            database,
            admin: OnceCell::new(),
            alipay: None,
        }
    }

    /// Stops the server and removes its database.
    pub async fn finish(mut self) {
        if let Some(state) = &self.state {
            state.shutdown.begin();
        }
        if let Some(alipay) = self.alipay.take() {
            alipay.stop().await;
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(database) = self.database.take() {
            database.drop_database().await;
        }
    }

    /// A request; `None` if no answer came back (connection refused or cut).
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Option<(StatusCode, Value)> {
        let url = format!("{}{}", self.address, path);
        let mut request = match method {
            "GET" => self.client.get(&url),
            "POST" => self.client.post(&url),
            "PUT" => self.client.put(&url),
            "DELETE" => self.client.delete(&url),
            other => panic!("unsupported method {other}"),
        };
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        // Say why there was no answer: a refused or cut connection, a timeout.
        let mut response = sent.map_err(|e| eprintln!("{method} {path}: no answer: {e}")).ok()?;
        let status = response.status();
        let bytes = response.body().limit(64 << 20).await.ok()?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Some((status, value))
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.try_request(method, path, token, body)
            .await
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request("POST", path, token, Some(body)).await
    }

    /// A POST that must succeed with `expected`; returns the body.
    pub async fn post_ok(&self, path: &str, token: Option<&str>, body: Value, expected: u16) -> Value {
        let (status, value) = self.post(path, token, body).await;
        assert_eq!(status.as_u16(), expected, "POST {path}: {value}");
        value
    }

    pub async fn get_ok(&self, path: &str, token: Option<&str>) -> Value {
        let (status, value) = self.get(path, token).await;
        assert_eq!(status.as_u16(), 200, "GET {path}: {value}");
        value
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .post_ok(
                "/api/auth/login",
                None,
                json!({ "email": email, "password": password }),
                200,
            )
            .await;
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.admin
            .get_or_init(|| self.login(ADMIN_EMAIL, ADMIN_PASSWORD))
            .await
            .clone()
    }

    pub async fn new_judge(&self) -> Judge {
        let admin = self.admin_token().await;
        let court = self
            .post_ok(
                "/api/admin/courts",
                Some(&admin),
                json!({ "name": "杭州市上城区人民法院" }),
                201,
            )
            .await;
        let court_id: Uuid = serde_json::from_value(court["id"].clone()).expect("court id");
        Judge {
            court_id,
            token: self.judge_of(&court_id.to_string()).await,
        }
    }

    /// Another judge of the court `court_id`, signed in; returns the token.
    pub async fn judge_of(&self, court_id: &str) -> String {
        let admin = self.admin_token().await;
        let email = format!("judge-{}@court.test", Uuid::new_v4().simple());
        self.post_ok(
            "/api/admin/judges",
            Some(&admin),
            json!({ "email": email, "password": PASSWORD, "real_name": "王法官", "court_id": court_id }),
            201,
        )
        .await;
        self.login(&email, PASSWORD).await
    }

    pub async fn new_bidder(&self, real_name: &str) -> Bidder {
        self.new_bidder_with_id(real_name, &synthetic_id_number()).await
    }

    pub async fn new_bidder_with_id(&self, real_name: &str, id_number: &str) -> Bidder {
        let email = format!("bidder-{}@example.test", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD, "real_name": real_name, "id_number": id_number });
        let created = self.post_ok("/api/auth/register", None, body, 201).await;
        let id = serde_json::from_value(created["user"]["id"].clone()).expect("user id");
        Bidder {
            id,
            email: email.clone(),
            real_name: real_name.to_owned(),
            id_number: id_number.to_owned(),
            token: self.login(&email, PASSWORD).await,
        }
    }

    pub async fn now(&self) -> DateTime<Utc> {
        parse_time(&self.get_ok("/api/time", None).await["now"])
    }

    pub async fn advance(&self, seconds: i64) -> DateTime<Utc> {
        parse_time(
            &self
                .post_ok("/api/test/clock", None, json!({ "advance_seconds": seconds }), 200)
                .await["now"],
        )
    }

    pub async fn set_clock(&self, to: DateTime<Utc>) -> DateTime<Utc> {
        parse_time(
            &self
                .post_ok("/api/test/clock", None, json!({ "now": rfc(to) }), 200)
                .await["now"],
        )
    }

    /// A case and a listing of `category` in the judge's court; returns the listing id.
    pub async fn new_listing(&self, judge: &Judge, category: &str) -> String {
        self.new_listing_titled(judge, category, "杭州市上城区望江路1号3幢1单元1201室")
            .await
    }

    pub async fn new_listing_titled(&self, judge: &Judge, category: &str, title: &str) -> String {
        let case = self
            .post_ok(
                "/api/cases",
                Some(&judge.token),
                json!({
                    "case_number": format!("(2026)浙0102执{}号", Uuid::new_v4().as_u128() % 10000),
                    "applicant": { "name": "中国工商银行杭州分行", "email": "creditor@bank.test" },
                    "respondent": { "name": "张三", "email": "debtor@example.test" },
                }),
                201,
            )
            .await;
        let listing = self
            .post_ok(
                "/api/listings",
                Some(&judge.token),
                json!({
                    "case_id": case["id"],
                    "title": title,
                    "category": category,
                    "description": "住宅，建筑面积120.5平方米，现空置。",
                    "location": "浙江省杭州市上城区",
                    "encumbrances": "抵押权人：中国工商银行杭州分行",
                    "is_housing": true,
                }),
                201,
            )
            .await;
        listing["id"].as_str().expect("listing id").to_owned()
    }

    /// Fixes a listing's reference price by appraisal.
    pub async fn appraise(&self, judge: &Judge, listing_id: &str, amount: &str) -> Value {
        self.post_ok(
            &format!("/api/listings/{listing_id}/valuations"),
            Some(&judge.token),
            json!({ "method": "appraisal", "quotes": [{ "source": "浙江某资产评估有限公司", "amount": amount }] }),
            201,
        )
        .await
    }

    /// Creates a draft round; returns the raw response.
    pub async fn create_round(&self, judge: &Judge, listing_id: &str, terms: Value) -> (StatusCode, Value) {
        self.post(
            &format!("/api/listings/{listing_id}/auctions"),
            Some(&judge.token),
            terms,
        )
        .await
    }

    /// A published round of a fresh real-estate listing (reference ¥1,000,000, start ¥700,000, deposit
    /// ¥70,000, increment ¥1,000), bidding from 31 days from now for 24 hours. Returns the auction.
    pub async fn published_round(&self, judge: &Judge) -> Value {
        self.published_round_titled(judge, "杭州市上城区望江路1号3幢1单元1201室")
            .await
    }

    /// As [`TestApp::published_round`], with the listing's title.
    pub async fn published_round_titled(&self, judge: &Judge, title: &str) -> Value {
        let listing = self.new_listing_titled(judge, "real_estate", title).await;
        self.appraise(judge, &listing, "1000000").await;
        let starts = self.now().await + chrono::Duration::days(31);
        let (status, round) = self
            .create_round(
                judge,
                &listing,
                json!({
                    "starting_price": "700000",
                    "deposit": "70000",
                    "increment": "1000",
                    "bidding_starts_at": rfc(starts),
                    "bidding_ends_at": rfc(starts + chrono::Duration::hours(24)),
                    "balance_due_days": 10,
                }),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{round}");
        let id = round["id"].as_str().expect("auction id");
        self.publish(&judge.token, id).await
    }

    /// Does what publication asks of the court (R7, R31): the collegial panel's decision and, for each party
    /// and known priority holder not yet told, a written waiver of the notice (a file of the listing), so the
    /// round may be announced today. The emailed notices and their three days have tests of their own
    /// (`before_publication.rs`).
    pub async fn ready_to_publish(&self, judge: &str, round_id: &str) {
        let round = self.get_ok(&format!("/api/auctions/{round_id}"), Some(judge)).await;
        let listing = round["listing_id"].as_str().expect("listing id");
        let now = rfc(self.now().await);
        let parties = round["not_yet_notified"].as_array().cloned().unwrap_or_default();
        if !parties.is_empty() {
            let (status, file) = upload(self, judge, listing, "放弃通知声明.pdf", WAIVER_PDF, Some("document")).await;
            assert_eq!(status, 201, "{file}");
            for party in parties {
                self.post_ok(
                    &format!("/api/auctions/{round_id}/notices/offline"),
                    Some(judge),
                    json!({ "party": party["party"], "name": party["name"], "method": "waiver", "at": now, "file_id": file["id"] }),
                    201,
                )
                .await;
            }
        }
        if round["panel"].is_null() {
            self.post_ok(
                &format!("/api/auctions/{round_id}/panel"),
                Some(judge),
                json!({ "members": ["王审判长", "李法官", "赵法官"], "decided_at": now }),
                201,
            )
            .await;
        }
    }

    /// Makes the round ready (`ready_to_publish`) and publishes it; the announced round.
    pub async fn publish(&self, judge: &str, round_id: &str) -> Value {
        self.ready_to_publish(judge, round_id).await;
        self.post_ok(
            &format!("/api/auctions/{round_id}/publish"),
            Some(judge),
            json!({}),
            200,
        )
        .await
    }

    /// Registers the bidder for the round; returns the deposit's payment order.
    pub async fn register(&self, bidder: &Bidder, auction_id: &str) -> String {
        let registration = self
            .post_ok(
                &format!("/api/auctions/{auction_id}/registrations"),
                Some(&bidder.token),
                json!({ "accept_terms": true, "housing_qualification_commitment": true }),
                201,
            )
            .await;
        registration["payment"]["order_id"]
            .as_str()
            .expect("order id")
            .to_owned()
    }

    /// Registers the bidder for the round and pays the deposit; returns the bidder code.
    pub async fn register_and_pay(&self, bidder: &Bidder, auction_id: &str) -> String {
        let registration = self
            .post_ok(
                &format!("/api/auctions/{auction_id}/registrations"),
                Some(&bidder.token),
                json!({ "accept_terms": true, "housing_qualification_commitment": true }),
                201,
            )
            .await;
        let order = registration["payment"]["order_id"].as_str().expect("order id");
        let paid = match &self.alipay {
            Some(_) => self.pay_through_alipay(&bidder.token, order).await,
            None => {
                self.post_ok(
                    &format!("/api/payments/{order}/sandbox-complete"),
                    Some(&bidder.token),
                    json!({}),
                    200,
                )
                .await
            }
        };
        assert_eq!(paid["status"], "paid");
        registration["bidder_code"].as_str().expect("code").to_owned()
    }

    /// Moves the clock to the round's bidding start.
    pub async fn open_bidding(&self, auction: &Value) {
        self.set_clock(parse_time(&auction["bidding_starts_at"])).await;
    }

    pub async fn bid(&self, bidder: &Bidder, auction_id: &str, amount: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/api/auctions/{auction_id}/bids"),
            Some(&bidder.token),
            json!({ "amount": amount, "request_id": Uuid::new_v4() }),
        )
        .await
    }

    pub async fn auction(&self, auction_id: &str) -> Value {
        self.get_ok(&format!("/api/auctions/{auction_id}"), None).await
    }

    /// The messages in the `file:` outbox, oldest first.
    pub fn outbox(&self) -> Vec<Mail> {
        read_outbox(&self.state().settings.data_dir.join("outbox"))
    }

    /// The messages of `kind` sent to `to`. A message is written by whichever of the request and the
    /// outbox worker claims it first, so one that is due may still be on its way: wait up to 5 s for one.
    pub async fn mail_to(&self, to: &str, kind: &str) -> Vec<Mail> {
        self.mails_to(to, kind, 1).await
    }

    /// The messages of `kind` to `to`, once there are at least `count` of them (or after 5 s).
    pub async fn mails_to(&self, to: &str, kind: &str, count: usize) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let found: Vec<Mail> = self
                .outbox()
                .into_iter()
                .filter(|m| m.to.contains(to) && m.kind == kind)
                .collect();
            if found.len() >= count || std::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The round's ledger, verified with `auction-core`'s chain check; returns its entries.
    pub async fn verified_ledger(&self, auction_id: &str) -> Vec<auction_core::ledger::LedgerEntry> {
        let ledger = self.get_ok(&format!("/api/auctions/{auction_id}/ledger"), None).await;
        let entries: Vec<auction_core::ledger::LedgerEntry> =
            serde_json::from_value(ledger["entries"].clone()).expect("entries");
        let head = auction_core::ledger::verify(&entries).expect("the ledger chain verifies");
        assert_eq!(ledger["head"], json!(head));
        entries
    }
}
