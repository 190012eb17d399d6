//! A server that takes payments through Alipay's protocol, against the in-process simulator: the keys are
//! made once per test run (the application's and the simulator's, 2048-bit), each test gets its own
//! simulator, and a payment goes as a payer's would — the checkout's signed redirect opened, the payment
//! confirmed on the simulator's page, its signed notification posted to the platform.

use std::sync::OnceLock;
use std::time::Duration;

use backend::gateway::alipay::protocol::SigningKey;
use backend::gateway::alipay::simulator::{AlipaySimulator, SimulatorConfig};

use super::*;

pub const APP_ID: &str = "2021000000000001";
pub const SELLER_ID: &str = "2088102000000001";

/// The application's key and the simulator's ("Alipay's").
pub struct Keys {
    pub app: SigningKey,
    pub gateway: SigningKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        app: SigningKey::generate().expect("app key"),
        gateway: SigningKey::generate().expect("gateway key"),
    })
}

/// A running simulator and its server.
pub struct Simulator {
    pub gateway: AlipaySimulator,
    server: actix_web::dev::ServerHandle,
}

impl Simulator {
    pub fn start() -> Simulator {
        let keys = keys();
        let config = SimulatorConfig {
            app_id: APP_ID.into(),
            app_public_key: keys.app.verifying_key(),
            gateway_key: keys.gateway.clone(),
            seller_id: SELLER_ID.into(),
        };
        let (gateway, server) = AlipaySimulator::start(config, "127.0.0.1:0").expect("simulator starts");
        let handle = server.handle();
        tokio::spawn(server);
        Simulator {
            gateway,
            server: handle,
        }
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// The settings of a server that pays through `simulator`, its keys written to `dir`; `alipay_key` is the
/// key it checks the gateway's signatures with (the simulator's own, unless a test swaps it).
pub fn alipay_settings(
    settings: &mut Settings,
    simulator: &AlipaySimulator,
    alipay_key: &SigningKey,
    dir: &std::path::Path,
) {
    std::fs::create_dir_all(dir).expect("data dir");
    let app_key = dir.join("alipay-app-private.pem");
    let alipay_public = dir.join("alipay-public.pem");
    std::fs::write(&app_key, keys().app.to_pem().expect("pem")).expect("write key");
    std::fs::write(&alipay_public, alipay_key.verifying_key().to_pem().expect("pem")).expect("write key");
    settings.payments = "alipay".into();
    settings.alipay_gateway_url = simulator.gateway_url();
    settings.alipay_app_id = APP_ID.into();
    settings.alipay_seller_id = SELLER_ID.into();
    settings.alipay_app_private_key_file = app_key.display().to_string();
    settings.alipay_public_key_file = alipay_public.display().to_string();
    settings.alipay_timeout_seconds = 2;
}

impl TestApp {
    /// A server that takes payments through Alipay's protocol, against its own simulator.
    pub async fn spawn_with_alipay(db: Db) -> TestApp {
        TestApp::spawn_with_alipay_key(db, &keys().gateway).await
    }

    /// The same, but checking the gateway's signatures with `alipay_key`.
    pub async fn spawn_with_alipay_key(db: Db, alipay_key: &SigningKey) -> TestApp {
        let simulator = Simulator::start();
        let database = TestDatabase::create(db).await;
        let mut settings = test_settings(&database.url, &database.data_dir());
        alipay_settings(&mut settings, &simulator.gateway, alipay_key, &database.data_dir());
        // The gateway calls the platform back at its public address: a port known before the start.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        settings.listen = format!("127.0.0.1:{port}");
        settings.public_url = format!("http://127.0.0.1:{port}");
        let mut app = TestApp::spawn_with(db, settings, Some(database)).await;
        app.alipay = Some(simulator);
        app
    }

    pub fn simulator(&self) -> &AlipaySimulator {
        &self
            .alipay
            .as_ref()
            .expect("a server with the Alipay simulator")
            .gateway
    }

    /// Opens the order's checkout as the payer's browser would (the simulator checks the signed request
    /// and opens the trade), and returns the address it was sent to.
    pub async fn open_checkout(&self, token: &str, order: &str, device: &str) -> String {
        let checkout = self
            .post_ok(
                &format!("/api/payments/{order}/checkout"),
                Some(token),
                json!({ "device": device, "next": "/me" }),
                200,
            )
            .await;
        let url = checkout["redirect_url"].as_str().expect("redirect_url").to_owned();
        let mut page = self.client.get(&url).send().await.expect("the cashier page");
        let html = page.body().await.expect("page");
        assert_eq!(page.status(), 200, "{}", String::from_utf8_lossy(&html));
        assert!(String::from_utf8_lossy(&html).contains("确认付款"));
        url
    }

    /// Pays the order on the simulator's page; its notification reaches the platform. Returns the order.
    pub async fn pay_through_alipay(&self, token: &str, order: &str) -> Value {
        self.open_checkout(token, order, "desktop").await;
        self.simulator().pay(order).await.expect("paid at the gateway");
        self.get_ok(&format!("/api/payments/{order}"), Some(token)).await
    }

    /// Posts a notification to the platform as the gateway does; the status and the answer's text.
    pub async fn notify(&self, params: &[(String, String)]) -> (u16, String) {
        let mut response = self
            .client
            .post(format!("{}/api/payments/alipay/notify", self.address))
            .timeout(Duration::from_secs(30))
            .send_form(&params)
            .await
            .expect("the notification is answered");
        let body = response.body().await.expect("answer");
        (response.status().as_u16(), String::from_utf8_lossy(&body).into_owned())
    }
}
