//! The database: creation, migrations, the two role-bound pools and the
//! per-transaction user context that Row Level Security keys on.

use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The database roles the server works as (created by the first migration).
#[derive(Debug, Clone, Copy)]
enum Role {
    /// Ordinary signed-in requests: RLS shows it one user's rows.
    App,
    /// Work that belongs to no signed-in request (webhooks, the call engine,
    /// jobs, sign-in look-ups).
    System,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::App => "callwright_app",
            Role::System => "callwright_system",
        }
    }

    fn set_role(self) -> &'static str {
        match self {
            Role::App => "SET ROLE callwright_app",
            Role::System => "SET ROLE callwright_system",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "DATABASE_URL: cannot reach {url}: {source}; is PostgreSQL running? (scripts/ensure-postgres.sh starts the local one)"
    )]
    Unreachable { url: String, source: sqlx::Error },
    #[error("DATABASE_URL: cannot create database {url}: {source}")]
    Create { url: String, source: sqlx::Error },
    #[error("database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "DATABASE_URL: cannot switch to role {role} ({source}); migrations grant it to the connecting user, so run `callwright migrate` as the database owner"
    )]
    Role { role: &'static str, source: sqlx::Error },
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Creates the database if it is missing and applies pending migrations.
/// Safe to run again: applied migrations are skipped.
pub async fn prepare(url: &str) -> Result<(), DbError> {
    let exists = Postgres::database_exists(url).await.map_err(|source| DbError::Unreachable { url: redact(url), source })?;
    if !exists {
        match Postgres::create_database(url).await {
            Ok(()) => tracing::info!(url = %redact(url), "created database"),
            // Another process created it in the meantime.
            Err(e) if Postgres::database_exists(url).await.unwrap_or(false) => {
                tracing::debug!(error = %e, "database appeared concurrently")
            }
            Err(source) => return Err(DbError::Create { url: redact(url), source }),
        }
    }
    let options = PgConnectOptions::from_str(url).map_err(|source| DbError::Unreachable { url: redact(url), source })?;
    let owner = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|source| DbError::Unreachable { url: redact(url), source })?;
    MIGRATOR.run(&owner).await?;
    owner.close().await;
    Ok(())
}

/// Connection pools, each switched to its role on connect.
#[derive(Clone, Debug)]
pub struct Db {
    app: PgPool,
    system: PgPool,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        let app = role_pool(url, Role::App, max_connections).await?;
        let system = role_pool(url, Role::System, max_connections).await?;
        Ok(Db { app, system })
    }

    /// Starts a transaction in which Row Level Security shows `user_id`'s rows
    /// and nothing else.
    pub async fn begin_as(&self, user_id: Uuid) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.app.begin().await?;
        act_as(&mut tx, user_id).await?;
        Ok(tx)
    }

    /// Like [`Db::begin_as`], but read-only and on one snapshot: every query
    /// in it sees the database as its first query did. For a view assembled
    /// from several queries while a live call writes, so it never shows a
    /// later row (an approval request) without an earlier one (the words
    /// that led to it).
    pub async fn snapshot_as(&self, user_id: Uuid) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.app.begin().await?;
        // Must come before the first query, which takes the snapshot.
        sqlx::raw_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        act_as(&mut tx, user_id).await?;
        Ok(tx)
    }

    /// The system context, for work that belongs to no signed-in request.
    /// Only server modules that act for the platform itself may use it.
    pub(in crate::server) fn system(&self) -> &PgPool {
        &self.system
    }

    /// Whether the database answers and every embedded migration is applied.
    pub async fn readiness(&self) -> Readiness {
        let applied: Result<Vec<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(&self.app).await;
        match applied {
            Err(e) => Readiness::DatabaseDown(e.to_string()),
            Ok(applied) => {
                let missing: Vec<i64> = MIGRATOR.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect();
                if missing.is_empty() { Readiness::Ready } else { Readiness::MigrationsPending(missing) }
            }
        }
    }

    pub async fn close(&self) {
        self.app.close().await;
        self.system.close().await;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    DatabaseDown(String),
    MigrationsPending(Vec<i64>),
}

async fn role_pool(url: &str, role: Role, max_connections: u32) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(url).map_err(|source| DbError::Unreachable { url: redact(url), source })?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(role.set_role()).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|source| match &source {
            sqlx::Error::Database(_) => DbError::Role { role: role.name(), source },
            _ => DbError::Unreachable { url: redact(url), source },
        })?;
    Ok(pool)
}

/// Escapes `%`, `_` and `\` so user text matches literally in LIKE/ILIKE.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Row Level Security shows `user_id`'s rows for the rest of the transaction.
async fn act_as(tx: &mut Transaction<'static, Postgres>, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('callwright.user_id', $1, true)").bind(user_id.to_string()).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{escape_like, redact};

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("postgres://u:pw@h:5432/d"), "postgres://u:***@h:5432/d");
        assert_eq!(redact("postgres://postgres@127.0.0.1/db"), "postgres://postgres@127.0.0.1/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
