//! What a test reads or runs beside the app: the outbox's emails, a `fapai` process of its own, uploads.

use super::*;

/// One `.eml` file of the outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub kind: String,
    /// The whole message; bodies are 8-bit UTF-8, so text can be searched as it is.
    pub raw: String,
}

impl Mail {
    /// The first `…/negotiate/<token>` link in the message.
    pub fn negotiation_token(&self) -> Option<String> {
        let at = self.raw.find("/negotiate/")? + "/negotiate/".len();
        Some(
            self.raw[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect(),
        )
    }
}

pub fn read_outbox(dir: &std::path::Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            (
                e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH),
                e.path(),
            )
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .map(|raw| {
            let header = |name: &str| {
                raw.lines()
                    .take_while(|l| !l.is_empty())
                    .find(|l| {
                        l.to_ascii_lowercase()
                            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
                    })
                    .map(|l| l[name.len() + 1..].trim().to_owned())
                    .unwrap_or_default()
            };
            Mail {
                to: header("To"),
                kind: header("X-Fapai-Kind"),
                raw: raw.clone(),
            }
        })
        .collect()
}

/// A `fapai serve` child process, for tests that kill it. Its log is kept for inspection.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the binary with `env` and waits for the address it logs.
    pub fn start(env: HashMap<String, String>) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        // scripts/stress.sh runs copies of the binaries, so that a rebuild meanwhile changes nothing.
        let binary = std::env::var("FAPAI_TEST_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_fapai").to_owned());
        let mut child = std::process::Command::new(binary)
            .arg("serve")
            .envs(env)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start fapai");
        let stdout = child.stdout.take().expect("stdout");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            // Keep draining the log so the child never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == '\u{1b}')
                        .unwrap_or(rest.len());
                    let _ = found.send(rest[..end].to_owned());
                }
                lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .expect("fapai logs its address");
        ServerProcess { child, address, log }
    }

    /// SIGKILL: no shutdown, no flushing, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
    }

    /// SIGTERM, as a service manager stops it; waits up to `within` for the process to exit and
    /// returns whether it did (a clean stop) — it is killed otherwise.
    pub async fn terminate(&mut self, within: Duration) -> bool {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill();
        false
    }

    /// The process's resident memory (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The smallest valid PNG: a 1×1 transparent pixel.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Uploads a file to a listing as `multipart/form-data`; returns the status and the JSON answer.
pub async fn upload(
    app: &TestApp,
    token: &str,
    listing: &str,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
) -> (u16, Value) {
    upload_to(app, token, &format!("/api/listings/{listing}/files"), name, bytes, kind).await
}

/// Posts a file as the `file` field of a `multipart/form-data` body to `path`.
pub async fn upload_to(
    app: &TestApp,
    token: &str,
    path: &str,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
) -> (u16, Value) {
    let boundary = "fapai-test-boundary";
    let mut body = Vec::new();
    if let Some(kind) = kind {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n").as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut response = app
        .client
        .post(format!("{}{path}", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(body)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let value = response.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
    (status, value)
}
