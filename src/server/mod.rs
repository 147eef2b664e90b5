//! The server half (feature `ssr`): configuration, database, HTTP, and every
//! service behind them. Nothing in here is compiled into the browser bundle.

pub mod accounts;
pub mod ai;
pub mod audit;
pub mod bench;
pub mod breaker;
pub mod calendar;
pub mod calls;
pub mod cli;
pub mod config;
pub mod contacts;
pub mod crypto;
pub mod db;
pub mod engine;
pub mod error;
pub mod http;
pub mod insights;
pub mod jobs;
pub mod journal;
pub mod markup;
pub mod metrics;
pub mod notifications;
pub mod phone;
pub mod rate_limit;
pub mod realtime;
pub mod seal;
pub mod search;
pub mod settings;
pub mod state;
pub mod tasks;
pub mod telephony;
pub mod usage;

use config::{Config, LogFormat};
use db::Db;
use state::AppState;
use std::sync::Arc;
use std::time::Duration;

/// How long in-flight requests may take to finish after SIGTERM.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(25);

/// A failure that stops the process, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("LEPTOS_SITE_ADDR: cannot listen on {addr}: {source}; choose a free address")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Key(#[from] crypto::KeyError),
    #[error("Leptos.toml: {0}")]
    Leptos(String),
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("cannot seal personal text written before it was encrypted: {0}")]
    Seal(sqlx::Error),
}

pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn,tower_http::trace=info"));
    use std::io::IsTerminal;
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// `callwright migrate`: create the database if missing, apply migrations.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    db::prepare(&config.database_url).await?;
    tracing::info!(migrations = db::MIGRATOR.iter().count(), "database is current");
    Ok(())
}

/// A started server: its address and state, serving until `shutdown` fires.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    serve: tokio::task::JoinHandle<Result<(), StartError>>,
    background: Vec<tokio::task::JoinHandle<()>>,
    stop: tokio::sync::oneshot::Sender<()>,
}

impl Running {
    /// Stops accepting, drains in-flight requests, stops background work.
    pub async fn shutdown(self) -> Result<(), StartError> {
        let _ = self.stop.send(());
        let result = self.serve.await.unwrap_or(Ok(()));
        for task in self.background {
            task.abort();
        }
        self.state.db.close().await;
        result
    }
}

/// Prepares the database and starts serving (the HTTP server, the event
/// listener and the job worker) in the background.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let cipher = crypto::Cipher::load(config.data_key.as_ref().map(|k| k.expose()), &config.data_dir)?;
    db::prepare(&config.database_url).await?;
    let db = Db::connect(&config.database_url, config.pool_size).await?;
    seal::run(&db, &cipher).await.map_err(StartError::Seal)?;

    let mut leptos_options =
        leptos::config::get_config_from_str(include_str!("../../Leptos.toml")).map_err(|e| StartError::Leptos(e.to_string()))?;
    leptos_options.site_addr = config.site_addr;

    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| StartError::Bind { addr: config.site_addr, source })?;
    let addr = listener.local_addr().map_err(StartError::Serve)?;

    let ai = Arc::new(ai::Ai::from_config(&config.ai));
    let telephony = Arc::new(telephony::Telephony::from_config(&config, &cipher));
    let instance = uuid::Uuid::new_v4();
    let hub = realtime::Hub::new(instance);
    let store = realtime::Store { db: db.clone(), cipher: cipher.clone() };
    let event_listener = tokio::spawn(realtime::run_listener(config.database_url.clone(), hub.clone(), store));
    let public_url: Arc<str> = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}")).into();
    let (journal, journal_tasks) =
        journal::Journal::start(db.clone(), cipher.clone(), hub.clone(), instance, calls::heartbeat_interval(&config));
    let state = AppState {
        config: Arc::new(config),
        public_url,
        db: db.clone(),
        cipher,
        ai,
        previews: Arc::default(),
        telephony,
        hub,
        journal,
        instance,
        leptos_options,
    };
    let worker = tokio::spawn(jobs::run_worker(state.db.clone(), instance.to_string(), job_handler(state.clone())));
    let sweeper = tokio::spawn(calls::run_sweeper(state.clone()));
    let retention = tokio::spawn(run_retention(state.db.clone()));
    let insight_counter = tokio::spawn(insights::run_drain(state.db.clone()));
    let app = http::router(state.clone());

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serve = tokio::spawn(async move {
        let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
            tracing::info!("shutting down: draining in-flight requests");
            let _ = drained_tx.send(());
        });
        let deadline = async {
            if drained_rx.await.is_ok() {
                tokio::time::sleep(DRAIN_TIMEOUT).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result.map_err(StartError::Serve)?,
            () = deadline => tracing::warn!("drain timeout reached; closing remaining connections"),
        }
        Ok(())
    });
    let mut background = vec![event_listener, worker, sweeper, retention, insight_counter];
    background.extend(journal_tasks);
    Ok(Running { addr, state, serve, background, stop })
}

/// What each kind of queued job does.
/// How often old rows are forgotten.
const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Forgets what is no longer needed: old rate-limit counters, ended
/// sessions, finished jobs. Once at start, then every ten minutes.
async fn run_retention(db: Db) {
    let mut every = tokio::time::interval(RETENTION_EVERY);
    loop {
        every.tick().await;
        if let Err(e) = retention(&db).await {
            tracing::warn!(error = %e, "retention failed; trying again later");
        }
    }
}

/// One round of retention: how many rows of each were forgotten.
pub async fn retention(db: &Db) -> Result<(u64, u64, u64), sqlx::Error> {
    let counters = rate_limit::purge(db).await?;
    let sessions = accounts::service::purge_sessions(db).await?;
    let jobs = jobs::purge_finished(db).await?;
    if counters + sessions + jobs > 0 {
        tracing::info!(counters, sessions, jobs, "forgot old rows");
    }
    Ok((counters, sessions, jobs))
}

fn job_handler(state: AppState) -> impl Fn(jobs::Job) -> futures::future::BoxFuture<'static, error::ApiResult<()>> {
    move |job| {
        let state = state.clone();
        Box::pin(async move {
            match job {
                jobs::Job::StartCall { task_id } => calls::start_queued(&state, task_id).await,
                jobs::Job::ProcessCall { session_id } => calls::process(&state, session_id).await.map(|_| ()),
                jobs::Job::PriceCall { session_id, attempt } => calls::price(&state, session_id, attempt).await,
                jobs::Job::DeleteRecording { url } => calls::delete_recording(&state, &url).await,
            }
        })
    }
}

/// `callwright serve`: prepare the database, then serve until SIGTERM or
/// Ctrl-C, draining in-flight requests before returning.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let running = start(config).await?;
    tracing::info!(addr = %running.addr, "listening");
    // Scripts and tests read this line to learn the port (LEPTOS_SITE_ADDR may say :0).
    println!("callwright listening on http://{}", running.addr);
    shutdown_signal().await;
    running.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
