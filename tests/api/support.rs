//! The test harness: a fresh database per test and the server started
//! in-process on port 0 against it ([`TestApp`]), typed helpers for what
//! most tests do, and the real `callwright` binary for the few tests about
//! the process itself ([`ProcessApp`], [`command`]).
#![allow(dead_code)] // not every helper is used by every module

use callwright::server::config::Config;
use callwright::server::{Running, start};
use reqwest::Method;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A fixed data key: servers sharing a database must share one, and a test
/// that signs like the sandbox derives the sandbox's key from it.
pub const DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

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

    /// A connection as the database owner.
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

/// A PostgreSQL server of its own for one test (initdb into a scratch
/// directory, on a free port), which the test may restart: the shared
/// server must stay up for every other test. Stopped and removed at drop.
pub struct OwnPostgres {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
}

impl OwnPostgres {
    pub fn start() -> OwnPostgres {
        let bin = std::env::var_os("PG_BINDIR").map(PathBuf::from).unwrap_or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .expect("PostgreSQL's programs under /usr/lib/postgresql (or set PG_BINDIR)")
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|b| b.join("initdb").exists())
                .collect();
            found.sort();
            found.pop().expect("initdb under /usr/lib/postgresql/*/bin")
        });
        let dir = std::env::temp_dir().join(format!("callwright-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("cluster dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = OwnPostgres { bin, dir, port };
        if Self::as_root() {
            // PostgreSQL refuses to run as root: its directory goes to the postgres user.
            let ok = std::process::Command::new("chown").arg("postgres:postgres").arg(&pg.dir).status().expect("chown").success();
            assert!(ok, "chown the cluster directory to postgres");
        }
        let data = pg.dir.join("data");
        pg.run("initdb", &["-D", &data.display().to_string(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        pg.ctl(&["start"]);
        pg
    }

    fn as_root() -> bool {
        std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let out = if Self::as_root() {
            std::process::Command::new("runuser").arg("-u").arg("postgres").arg("--").arg(&path).args(args).output()
        } else {
            std::process::Command::new(&path).args(args).output()
        }
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn ctl(&self, action: &[&str]) {
        let data = self.dir.join("data").display().to_string();
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", self.port, self.dir.display());
        let log = self.dir.join("log").display().to_string();
        let mut args = vec!["-D", &data, "-l", &log, "-o", &options, "-w", "-m", "fast"];
        args.extend_from_slice(action);
        self.run("pg_ctl", &args);
    }

    /// Restarts the server (every connection is cut), waiting until it answers again.
    pub fn restart(&self) {
        self.ctl(&["restart"]);
    }

    /// A fresh database name on this server.
    pub fn db(&self) -> TestDb {
        let name = format!("cw_test_{}", uuid::Uuid::new_v4().simple());
        TestDb { url: format!("postgres://postgres@127.0.0.1:{}/{name}", self.port), name }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let path = self.bin.join("pg_ctl");
        let _ = if Self::as_root() {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            std::process::Command::new(&path).args(["-D", &data, "-m", "immediate", "stop"]).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

thread_local! {
    /// The log of the servers this test thread started. `#[tokio::test]`
    /// runs the test and every task it spawns (the server's included) on
    /// its own thread, so a thread-local subscriber sees exactly this test's
    /// servers.
    static LOG: RefCell<Option<(LogBuffer, tracing::subscriber::DefaultGuard)>> = const { RefCell::new(None) };
}

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log buffer of this test thread, capturing from now on.
fn capture_logs() -> LogBuffer {
    LOG.with(|log| {
        let mut log = log.borrow_mut();
        if let Some((buffer, _)) = log.as_ref() {
            return buffer.clone();
        }
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn,tower_http::trace=info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        *log = Some((buffer.clone(), guard));
        buffer
    })
}

/// Where a server's log is read from.
enum LogSource {
    /// This test thread's buffer, from this offset on.
    Buffer(LogBuffer, usize),
    /// A process's stderr, in this file.
    File(PathBuf),
}

/// A running server as a client sees it: its address, its log, and the
/// requests most tests make. [`TestApp`] and [`ProcessApp`] are both one.
pub struct Api {
    pub base: String,
    log: LogSource,
}

/// A server running in this process, on port 0, against its own database.
pub struct TestApp {
    api: Api,
    pub db: TestDb,
    pub dir: TempDir,
    running: Option<Running>,
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(TestDb::new(), &[]).await
    }

    /// A server with these configuration variables on top of the test
    /// defaults (its own database and data directory, any free port, and
    /// simulated businesses that answer at once). Nothing is read from the
    /// environment or a `.env` file.
    pub async fn spawn_with(db: TestDb, env: &[(&str, &str)]) -> TestApp {
        let log = capture_logs();
        let log_from = log.0.lock().expect("log").len();
        let dir = TempDir::new();
        let data = dir.0.join("data").display().to_string();
        let mut vars: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
            ("CALLWRIGHT_DATA_DIR".into(), data),
            ("SANDBOX_SPEECH_MS_PER_CHAR".into(), "0".into()),
            // Every test's users come from 127.0.0.1: the per-client limits
            // are tested on their own (accounts.rs), with their own values.
            ("RATE_LIMIT_SIGNUPS_PER_CLIENT_HOUR".into(), "1000".into()),
            ("RATE_LIMIT_LOGINS_PER_CLIENT_15_MIN".into(), "1000".into()),
        ];
        vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let lookup = |name: &str| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let config = Config::from_lookup(lookup).unwrap_or_else(|e| panic!("test configuration: {e}"));
        let running = start(config).await.unwrap_or_else(|e| panic!("the server did not start: {e}"));
        let api = Api { base: format!("http://{}", running.addr), log: LogSource::Buffer(log, log_from) };
        TestApp { api, db, dir, running: Some(running) }
    }

    /// The running server's state, for calling its services directly.
    pub fn state(&self) -> &callwright::server::state::AppState {
        &self.running.as_ref().expect("running").state
    }

    /// Stops the server, leaving its database (for another server to use).
    pub async fn shut_down(mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown().await;
        }
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown().await;
        }
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

/// The `cw_session` value from a response's Set-Cookie.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cw_session=").map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
        .filter(|v| !v.is_empty())
}

/// A response's JSON body, whatever its status.
pub async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// Sends `request` and reads the answer as JSON, whatever its status.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    body(request.send().await.unwrap()).await
}

/// A failure in the API's error shape, with this code and a message.
pub fn assert_error(v: &Value, code: &str) {
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server logged (for an in-process one: what this test's
    /// servers logged since it started).
    pub fn log(&self) -> String {
        match &self.log {
            LogSource::Buffer(buffer, from) => {
                let bytes = buffer.0.lock().expect("log").clone();
                String::from_utf8_lossy(&bytes[(*from).min(bytes.len())..]).into_owned()
            }
            LogSource::File(path) => std::fs::read_to_string(path).unwrap_or_default(),
        }
    }

    /// Signs up a new user and returns its session.
    pub async fn signup(&self, name: &str) -> Session {
        let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
        let res = http()
            .post(self.url("/api/auth/signup"))
            .json(&json!({"email": email, "password": "correct horse battery", "display_name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "signup of {name}");
        let cookie = session_cookie(&res).expect("session cookie");
        let body: Value = res.json().await.unwrap();
        Session { cookie, user_id: body["user"]["id"].as_str().unwrap().to_owned(), email }
    }

    /// A request carrying the session cookie.
    pub fn as_user(&self, session: &Session, method: Method, path: &str) -> reqwest::RequestBuilder {
        http().request(method, self.url(path)).header("cookie", format!("cw_session={}", session.cookie))
    }

    /// `POST /api/call-tasks` with `payload`; the answer, whatever it is.
    pub async fn create_task(&self, user: &Session, payload: Value) -> (u16, Value) {
        let res = self.as_user(user, Method::POST, "/api/call-tasks").json(&payload).send().await.unwrap();
        (res.status().as_u16(), body(res).await)
    }

    /// Creates a task that must come out ready to call; returns its id.
    pub async fn ready_task(&self, user: &Session, payload: Value) -> String {
        let (status, v) = self.create_task(user, payload).await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["call_task"]["status"], "ready_to_call", "{v}");
        v["call_task"]["id"].as_str().unwrap().to_owned()
    }

    /// `GET /api/call-tasks/{id}`.
    pub async fn task(&self, user: &Session, id: &str) -> Value {
        json_of(self.as_user(user, Method::GET, &format!("/api/call-tasks/{id}"))).await
    }

    /// Starts the task's call, which must be accepted; returns the session id.
    pub async fn start_call(&self, user: &Session, task: &str) -> String {
        let res = self.as_user(user, Method::POST, &format!("/api/call-tasks/{task}/start-call")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let started = body(res).await;
        assert_eq!(started["call_session"]["status"], "initiated");
        assert!(started["call_session"]["provider_call_sid"].as_str().unwrap().starts_with("CA"));
        started["call_session"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates a ready task from `instruction` and starts its call;
    /// returns (task id, session id).
    pub async fn call(&self, user: &Session, instruction: &str) -> (String, String) {
        let task = self.ready_task(user, json!({ "raw_instruction": instruction })).await;
        let session = self.start_call(user, &task).await;
        (task, session)
    }

    /// `POST /api/call-sessions/{id}/approval`: the user's decision on an
    /// amount past their limit; the answer, whatever it is.
    pub async fn decide(&self, user: &Session, id: &str, approve: bool) -> reqwest::Response {
        self.as_user(user, Method::POST, &format!("/api/call-sessions/{id}/approval"))
            .json(&json!({ "approve": approve }))
            .send()
            .await
            .unwrap()
    }

    /// Lets the user's failed calls be retried, up to `attempts` times.
    pub async fn allow_retries(&self, user: &Session, attempts: u32) {
        let res = self
            .as_user(user, Method::PATCH, "/api/settings")
            .json(&json!({"auto_retry_failed_calls": true, "max_retry_attempts": attempts}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "settings");
    }

    /// A page as a browser gets it (no redirects followed), signed in as
    /// `user` or not: its status, `Location` and HTML.
    pub async fn page(&self, user: Option<&Session>, path: &str) -> (u16, Option<String>, String) {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut request = client.get(self.url(path));
        if let Some(user) = user {
            request = request.header("cookie", format!("cw_session={}", user.cookie));
        }
        let res = request.send().await.unwrap();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        (res.status().as_u16(), location, res.text().await.unwrap())
    }

    /// `GET /api/call-sessions/{id}`.
    pub async fn session(&self, user: &Session, id: &str) -> Value {
        json_of(self.as_user(user, Method::GET, &format!("/api/call-sessions/{id}"))).await
    }

    /// Polls the session until `done` holds; panics with the session and
    /// the server log after `secs` seconds.
    pub async fn wait_session(&self, user: &Session, id: &str, what: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
        self.poll(what, secs, Duration::from_millis(100), || self.session(user, id), done).await
    }

    /// Polls the task until `done` holds; panics after `secs` seconds.
    pub async fn wait_task(&self, user: &Session, id: &str, what: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
        self.poll(what, secs, Duration::from_millis(150), || self.task(user, id), done).await
    }

    async fn poll<F: Future<Output = Value>>(
        &self,
        what: &str,
        secs: u64,
        every: Duration,
        fetch: impl Fn() -> F,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let v = fetch().await;
            if done(&v) {
                return v;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {what}: {v:#}\nserver log:\n{}", self.log());
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The user's live-event websocket (`/ws`).
    pub async fn events_socket(
        &self,
        user: &Session,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.base.replace("http://", "ws://") + "/ws";
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("cookie", format!("cw_session={}", user.cookie).parse().unwrap());
        tokio_tungstenite::connect_async(request).await.expect("ws connect").0
    }
}

/// Waits, if need be, until the current fixed rate-limit window of length
/// `window` has at least `need` left (windows start at whole multiples of
/// their length since 2000-01-01 UTC), so that a test's hits all fall in
/// one window instead of a new one opening halfway through.
pub async fn in_one_window(window: Duration, need: Duration) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    let into = Duration::from_nanos((now.as_nanos() % window.as_nanos()) as u64);
    let left = window - into;
    if left < need {
        tokio::time::sleep(left + Duration::from_millis(100)).await;
    }
}

/// Whether post-call processing has stored the summary.
pub fn processed(session: &Value) -> bool {
    session["transcript"]["ai_summary"].is_string()
}

/// Whether the call is over and, if it connected, processed.
pub fn finished(s: &Value) -> bool {
    matches!(s["call_session"]["status"].as_str(), Some("failed" | "cancelled")) || processed(s)
}

/// What `speaker` said on the call, in order.
pub fn said(s: &Value, speaker: &str) -> Vec<String> {
    s["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["speaker"] == speaker)
        .map(|g| g["content"].as_str().unwrap().to_owned())
        .collect()
}

/// The first extracted fact of `kind`.
pub fn extracted<'a>(s: &'a Value, kind: &str) -> Option<&'a Value> {
    s["extracted_data"].as_array().unwrap().iter().find(|i| i["data_type"] == kind).map(|i| &i["extracted_value"])
}

/// The sandbox's signing key for a server with [`DATA_KEY`], so a test can
/// sign webhooks as the sandbox does.
pub fn sandbox_token() -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let key = base64::engine::general_purpose::STANDARD.decode(DATA_KEY).unwrap();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(b"sandbox-auth-token");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A `callwright` command isolated from the developer's environment: no
/// `.env` (runs in a scratch directory), no inherited Callwright settings.
pub fn command(dir: &TempDir, db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callwright"));
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
        .env("SANDBOX_SPEECH_MS_PER_CHAR", "0")
        .kill_on_drop(true);
    cmd
}

/// The real binary serving on port 0: for what only a process shows (its
/// signals, its death, its log on stderr).
pub struct ProcessApp {
    api: Api,
    pub db: TestDb,
    pub child: Child,
    pub dir: TempDir,
}

impl std::ops::Deref for ProcessApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl ProcessApp {
    pub async fn spawn_with(db: TestDb, env: &[(&str, &str)]) -> ProcessApp {
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
        let api = Api { base, log: LogSource::File(dir.0.join("server.log")) };
        ProcessApp { api, db, child, dir }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
    }

    /// Kills the process at once (as a crash would), leaving its database.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}
