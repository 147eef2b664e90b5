//! Test harness: a fresh database per test and the real `callwright` binary
//! serving on port 0 against it.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The server the tests may create databases on (`DATABASE_URL`'s server,
/// else the local one), as a URL without the database name.
fn server_url() -> String {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    match url.rfind('/') {
        Some(i) if i > "postgres://".len() => url[..i].to_owned(),
        _ => url,
    }
}

/// A database of its own for one test, dropped by [`TestDb::drop_db`].
#[derive(Clone)]
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// Picks a unique name; the server creates the database when it starts.
    pub fn new() -> TestDb {
        let name = format!("cw_test_{}", uuid::Uuid::new_v4().simple());
        TestDb { url: format!("{}/{name}", server_url()), name }
    }

    /// A connection as the database owner (bypasses nothing by itself: the
    /// owner is a superuser on the test machine).
    pub async fn owner(&self) -> sqlx::PgConnection {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&self.url).await.expect("connect as owner")
    }

    pub async fn drop_db(&self) {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", server_url())).await.expect("admin");
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("drop test database");
    }
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_callwright")
}

/// A scratch directory removed at drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("callwright-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `callwright` command isolated from the developer's environment: no
/// `.env` (runs in a scratch directory), no inherited Callwright settings.
pub fn command(dir: &TempDir, db: &TestDb) -> Command {
    let mut cmd = Command::new(binary());
    for var in [
        "AI_BACKEND",
        "AI_FALLBACK",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "TELEPHONY",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_PHONE_NUMBER",
        "TWILIO_API_BASE",
        "PUBLIC_URL",
        "CALLWRIGHT_DATA_KEY",
        "LOG_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(&dir.0)
        .env("DATABASE_URL", &db.url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("CALLWRIGHT_DATA_DIR", dir.0.join("data"))
        .env("RUST_LOG", "info")
        // Simulated businesses answer at once, so the tests do not wait on a human pace.
        .env("SANDBOX_SPEECH_MS_PER_CHAR", "0")
        .kill_on_drop(true);
    cmd
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub child: Child,
    pub dir: TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(TestDb::new(), &[]).await
    }

    pub async fn spawn_with(db: TestDb, env: &[(&str, &str)]) -> TestApp {
        let dir = TempDir::new();
        let log = std::fs::File::create(dir.0.join("server.log")).expect("log file");
        let mut cmd = command(&dir, &db);
        cmd.envs(env.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::from(log));
        let mut child = cmd.spawn().expect("spawn callwright");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let wait = async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(url) = line.strip_prefix("callwright listening on ") {
                    return Some(url.to_owned());
                }
            }
            None
        };
        let base = match tokio::time::timeout(Duration::from_secs(60), wait).await {
            Ok(Some(url)) => url,
            _ => panic!(
                "server did not start; its log:\n{}",
                std::fs::read_to_string(dir.0.join("server.log")).unwrap_or_default()
            ),
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestApp { base, db, child, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("server.log")).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
    }

    /// Stops the server, leaving its database (shared with another server).
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.db.drop_db().await;
    }
}

/// A signed-in browser-like client: keeps the session cookie.
pub struct Session {
    pub cookie: String,
    pub user_id: String,
    pub email: String,
}

/// An HTTP client (the server's TLS stack needs a process-wide crypto
/// provider, installed here once).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestApp {
    /// Signs up a new user and returns its session.
    pub async fn signup(&self, name: &str) -> Session {
        let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
        let res = http()
            .post(self.url("/api/auth/signup"))
            .json(&serde_json::json!({"email": email, "password": "correct horse battery", "display_name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "signup of {name}");
        let cookie = session_cookie(&res).expect("session cookie");
        let body: serde_json::Value = res.json().await.unwrap();
        Session { cookie, user_id: body["user"]["id"].as_str().unwrap().to_owned(), email }
    }

    /// A request carrying the session cookie.
    pub fn as_user(&self, session: &Session, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        http().request(method, self.url(path)).header("cookie", format!("cw_session={}", session.cookie))
    }
}

/// Sends `request` and reads the answer as JSON, whatever its status.
pub async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The `cw_session` value from a response's Set-Cookie.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cw_session=").map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
        .filter(|v| !v.is_empty())
}

impl TestApp {
    /// Polls `GET /api/call-sessions/{id}` until `done` holds; panics with
    /// the session and the server log after `secs` seconds.
    pub async fn wait_session(
        &self,
        user: &Session,
        id: &str,
        what: &str,
        secs: u64,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let start = std::time::Instant::now();
        loop {
            let s = json_of(self.as_user(user, reqwest::Method::GET, &format!("/api/call-sessions/{id}"))).await;
            if done(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {what}: {s:#}\nserver log:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Whether post-call processing has stored the summary.
pub fn processed(session: &serde_json::Value) -> bool {
    session["transcript"]["ai_summary"].is_string()
}
