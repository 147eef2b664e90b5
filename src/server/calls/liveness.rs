//! Calls whose server process died: each live call's engine beats while it
//! holds the call, and a sweep fails (and so retries, per the user's
//! settings) the calls whose holder stopped beating or that never connected.

use super::progress::{Report, set_status};
use super::transcript::LiveContext;
use crate::domain::enums::{FailureReason, SessionStatus};
use crate::server::ai::ModelUsage;
use crate::server::config::Config;
use crate::server::error::ApiResult;
use crate::server::state::AppState;
use crate::server::usage;
use std::time::Duration;
use uuid::Uuid;

/// How often a process reports that its live calls are alive (a third of
/// the time after which a call counts as lost, at most twice a second).
pub fn heartbeat_interval(config: &Config) -> Duration {
    Duration::from_millis((config.calls.heartbeat_stale_secs * 1000 / 3).max(500))
}

/// The first heartbeat of a live call this process has taken; the
/// process's journal beats for all its calls after that.
pub async fn heartbeat(state: &AppState, session_id: Uuid) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO call_session_progress (call_session_id, engine_instance, heartbeat_at) VALUES ($1, $2, now())
         ON CONFLICT (call_session_id) DO UPDATE SET engine_instance = $2, heartbeat_at = now()",
    )
    .bind(session_id)
    .bind(state.instance)
    .execute(state.db.system())
    .await?;
    Ok(())
}

/// The engine let go of the call (it ended, or its socket closed): no more
/// beats are due, and the network's own report of the end is awaited. If
/// that never comes, the call is failed once its time limit has passed,
/// as a call that never got anywhere is. How long the call waited on hold,
/// in whole seconds, is kept with it when it waited at all, and what the
/// model used on it, when it was asked. One statement, so the end of a call
/// costs the database one round trip (two when the model's use has a price
/// and the budget is looked at).
pub async fn engine_done(state: &AppState, ctx: &LiveContext, on_hold_secs: i32, used: Option<&ModelUsage>) -> ApiResult<()> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            // Rows are locked in the order the other writers take them, so
            // none waits for another in a circle: the task (as a purge of it
            // does, before its sessions; and the use of the model refers to
            // it) before the session, and the session before its progress
            // row (as the network's report of the end, which comes at this
            // moment, does). A purged call has nothing left to record.
            "WITH task AS (SELECT id FROM call_tasks WHERE id = $2 FOR KEY SHARE),
                  session AS (SELECT s.id FROM call_sessions s JOIN task ON task.id = s.call_task_id
                              WHERE s.id = $3 FOR NO KEY UPDATE OF s),
                  used AS ({} AND EXISTS (SELECT 1 FROM session)),
                  held AS (UPDATE call_sessions s SET hold_seconds = $10 FROM session WHERE s.id = session.id AND $10 > 0)
             UPDATE call_session_progress p SET heartbeat_at = NULL, engine_instance = NULL
             FROM session WHERE p.call_session_id = session.id",
            usage::INSERT
        )
    });
    let owner = usage::Owner { user_id: ctx.user_id, task_id: Some(ctx.task_id), session_id: Some(ctx.session_id) };
    let nothing = ModelUsage { model: String::new(), usage: Default::default() };
    let used = used.unwrap_or(&nothing);
    let (query, cost) =
        usage::bind(sqlx::query(sqlx::AssertSqlSafe(SQL.as_str())), state, owner, usage::Purpose::Conversation, used);
    let mut conn = state.db.system().acquire().await?;
    query.bind(on_hold_secs.max(0)).execute(&mut *conn).await?;
    usage::spent(&mut conn, state, ctx.user_id, cost.filter(|_| !used.usage.is_empty())).await
}

/// Fails the lost calls: live calls whose engine stopped beating (its
/// process died, or its task did in this very process), and calls that
/// never got anywhere within their time limit.
pub async fn sweep(state: &AppState) -> ApiResult<()> {
    let lost: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM call_sessions s LEFT JOIN call_session_progress p ON p.call_session_id = s.id
         WHERE s.status IN ('initiated', 'ringing', 'connected')
           AND ((p.heartbeat_at IS NOT NULL AND p.heartbeat_at < now() - make_interval(secs => $1))
             OR (p.heartbeat_at IS NULL AND s.started_at < now() - make_interval(secs => $2)))",
    )
    .bind(state.config.calls.heartbeat_stale_secs as f64)
    .bind((state.config.calls.max_call_secs + 120) as f64)
    .fetch_all(state.db.system())
    .await?;
    for session_id in lost {
        tracing::warn!(%session_id, "recovering a call lost with its server process");
        set_status(
            state,
            session_id,
            SessionStatus::Failed,
            Report { failure_reason: Some(FailureReason::ConnectionLost), ..Report::default() },
        )
        .await?;
    }
    Ok(())
}

/// Sweeps every heartbeat interval until the process stops.
pub async fn run_sweeper(state: AppState) {
    let mut every = tokio::time::interval(heartbeat_interval(&state.config));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e.message, "call recovery sweep failed");
        }
    }
}
