//! Email really crosses SMTP, and survives a crash between the commit and the send.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::db_test;
use crate::helpers::{Db, ServerProcess, TestApp, TestDatabase, read_outbox, rfc, test_env};

/// Where aiosmtpd is installed from PyPI for the tests (once), unless Python already has it.
fn aiosmtpd_path() -> String {
    let target = std::env::var("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir())
        .join(".cache/fapai-python");
    let importable = |path: &std::path::Path| {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .env("PYTHONPATH", path)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !importable(&target) {
        let installed = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
            ])
            .arg(&target)
            .arg("aiosmtpd==1.4.6")
            .status()
            .expect("python3 -m pip");
        assert!(
            installed.success() && importable(&target),
            "could not install aiosmtpd from PyPI"
        );
    }
    target.display().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// An aiosmtpd server on 127.0.0.1 that stores what it receives in a maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let python_path = aiosmtpd_path();
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!("fapai-smtp-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .env("PYTHONPATH", python_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(15), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, maildir }
    }

    /// The messages received so far, waiting up to thirty seconds for `count` of them. Waits without
    /// blocking the thread: the server's mail worker runs on this test's runtime.
    async fn received(&self, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let messages: Vec<String> = std::fs::read_dir(self.maildir.join("new"))
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                        .collect()
                })
                .unwrap_or_default();
            if messages.len() >= count || started.elapsed() > Duration::from_secs(30) {
                return messages;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

async fn open_negotiation(app: &TestApp, applicant: &str, respondent: &str) {
    let judge = app.new_judge().await;
    let case = app
        .post_ok(
            "/api/cases",
            Some(&judge.token),
            json!({ "case_number": "(2026)浙01执9号", "applicant": { "name": "银行", "email": applicant }, "respondent": { "name": "李四", "email": respondent } }),
            201,
        )
        .await;
    let listing = app
        .post_ok("/api/listings", Some(&judge.token), json!({ "case_id": case["id"], "title": "商铺", "category": "real_estate", "description": "d", "location": "l" }), 201)
        .await;
    let deadline = rfc(app.now().await + chrono::Duration::days(5));
    let id = listing["id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/listings/{id}/negotiation"),
        Some(&judge.token),
        json!({ "deadline": deadline }),
        201,
    )
    .await;
}

#[actix_web::test]
async fn negotiation_links_cross_a_real_smtp_server() {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_tuned(Db::Sqlite, |settings| {
        settings.mail = format!("smtp://127.0.0.1:{}", sink.port);
    })
    .await;
    open_negotiation(&app, "bank@creditor.test", "lisi@debtor.test").await;
    let messages = sink.received(2).await;
    assert_eq!(messages.len(), 2, "both parties' emails arrived");
    let to_bank = messages
        .iter()
        .find(|m| m.contains("To: bank@creditor.test"))
        .expect("the applicant's email");
    assert!(to_bank.contains("X-Fapai-Kind: negotiation_link"));
    assert!(
        to_bank.contains("/negotiate/") && to_bank.contains("multipart/alternative"),
        "{to_bank}"
    );
    assert!(to_bank.contains("text/plain") && to_bank.contains("text/html"));
    assert!(
        to_bank.contains("当事人") || to_bank.contains("协商"),
        "Chinese text arrives intact"
    );
    assert!(messages.iter().any(|m| m.contains("To: lisi@debtor.test")));
    app.finish().await;
}

db_test!(
    async fn a_crash_between_commit_and_send_loses_no_email(db) {
        let database = TestDatabase::create(db).await;
        let outbox = database.data_dir().join("outbox");
        // First run: the mail server is unreachable, so the committed messages stay in the outbox.
        let mut env = test_env(&database.url, &database.data_dir());
        env.insert("FAPAI_MAIL".into(), format!("smtp://127.0.0.1:{}", free_port()));
        let mut first = ServerProcess::start(env);
        let app = TestApp::attach(db, first.address.clone());
        open_negotiation(&app, "bank@creditor.test", "wangwu@debtor.test").await;
        first.kill();
        assert!(read_outbox(&outbox).is_empty(), "nothing was delivered before the crash");

        // Second run, with a working transport: the outbox is delivered after the back-off.
        let second = ServerProcess::start(test_env(&database.url, &database.data_dir()));
        let app = TestApp::attach(db, second.address.clone());
        app.advance(3600).await;
        let mails = read_outbox(&outbox);
        assert_eq!(mails.len(), 2, "both messages survived the crash and were sent once");
        let token = mails.iter().find_map(|m| m.negotiation_token()).expect("a link");
        // The link works, and its token never appeared in either process's log.
        let view = app.get_ok(&format!("/api/negotiation/{token}"), None).await;
        assert_eq!(view["status"], "open");
        for log in [first.log(), second.log()] {
            assert!(log.contains("/api/negotiation/{token}") || log.contains("listening on"), "the log is captured");
            assert!(!log.contains(&token), "a negotiation token leaked into the log");
        }
        drop(second);
        database.drop_database().await;
    }
);
