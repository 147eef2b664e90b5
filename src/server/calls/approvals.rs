//! Mid-call approvals: the engine asks, the user decides (or does not, in
//! time), and the decision travels to whichever process holds the call.

use super::transcript::LiveContext;
use crate::domain::enums::NotificationType;
use crate::domain::events::ServerEvent;
use crate::server::accounts::CurrentUser;
use crate::server::audit;
use crate::server::error::{ApiError, ApiResult};
use crate::server::notifications;
use crate::server::realtime::{publish, send_approval};
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

/// Opens an approval request: the user is notified and has until the
/// returned time to decide.
pub async fn request_approval(
    state: &AppState,
    ctx: &LiveContext,
    amount: f64,
    limit: f64,
    reason: &str,
) -> ApiResult<DateTime<Utc>> {
    let currency = ctx.plan.hard_constraints.currency.clone().unwrap_or_else(|| "USD".into());
    let mut tx = state.db.system().begin().await?;
    let expires_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO call_approvals (call_session_id, amount, limit_amount, currency, reason, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING expires_at",
    )
    .bind(ctx.session_id)
    .bind(amount)
    .bind(limit)
    .bind(&currency)
    // The reason may quote the business (a model words it): personal.
    .bind(state.cipher.encrypt(reason))
    .bind(state.config.calls.approval_timeout_secs as f64)
    .fetch_one(&mut *tx)
    .await?;
    audit::system(&mut tx, ctx.user_id, "call.approval_requested", ctx.session_id, json!({ "amount": amount, "limit": limit }))
        .await?;
    notifications::create(
        &mut tx,
        &state.cipher,
        ctx.user_id,
        Some(ctx.task_id),
        Some(ctx.session_id),
        NotificationType::ApprovalNeeded,
        &format!("Approval needed on your call: {reason}"),
    )
    .await?;
    publish(
        &mut tx,
        ctx.user_id,
        ServerEvent::ApprovalRequested {
            call_session_id: ctx.session_id,
            call_task_id: ctx.task_id,
            amount,
            limit,
            currency,
            reason: reason.to_owned(),
            expires_at,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(expires_at)
}

/// At the approval deadline: the decision if the user made one (in case its
/// notification never arrived), otherwise marks the request timed out.
pub async fn expire_approval(state: &AppState, ctx: &LiveContext) -> ApiResult<Option<bool>> {
    let mut tx = state.db.system().begin().await?;
    let decided: Option<Option<bool>> = sqlx::query_scalar(
        "SELECT decision FROM call_approvals WHERE call_session_id = $1 AND NOT timed_out ORDER BY requested_at DESC LIMIT 1 FOR UPDATE",
    )
    .bind(ctx.session_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(Some(decision)) = decided {
        tx.commit().await?;
        return Ok(Some(decision));
    }
    let n = sqlx::query(
        "UPDATE call_approvals SET timed_out = true WHERE call_session_id = $1 AND decision IS NULL AND NOT timed_out",
    )
    .bind(ctx.session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        audit::system(&mut tx, ctx.user_id, "call.approval_timed_out", ctx.session_id, json!({})).await?;
        publish(&mut tx, ctx.user_id, ServerEvent::ApprovalResolved { call_session_id: ctx.session_id, approved: None }).await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// The decision recorded on the call's latest approval request, if any:
/// what the engine acts on when woken (never what a NOTIFY said).
pub async fn recorded_decision(state: &AppState, session_id: Uuid) -> ApiResult<Option<bool>> {
    let decision: Option<Option<bool>> = sqlx::query_scalar(
        "SELECT decision FROM call_approvals WHERE call_session_id = $1 AND NOT timed_out ORDER BY requested_at DESC LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(state.db.system())
    .await?;
    Ok(decision.flatten())
}

/// The user's decision on a pending approval (409 when none is pending).
pub async fn decide(state: &AppState, user: &CurrentUser, session_id: Uuid, approve: bool) -> ApiResult<()> {
    let mut tx = state.db.begin_as(user.id).await?;
    let task_id: Uuid = sqlx::query_scalar("SELECT call_task_id FROM call_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("Call session"))?;
    let n = sqlx::query(
        "UPDATE call_approvals SET decision = $2, decided_at = now()
         WHERE call_session_id = $1 AND decision IS NULL AND NOT timed_out AND expires_at > now()",
    )
    .bind(session_id)
    .bind(approve)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::conflict("No approval is waiting on this call (it may have been answered or timed out)."));
    }
    send_approval(&mut tx, session_id).await?;
    publish(&mut tx, user.id, ServerEvent::ApprovalResolved { call_session_id: session_id, approved: Some(approve) }).await?;
    let action = if approve { "call.approve" } else { "call.reject" };
    audit::record(&mut tx, user.audit(action, "call_session", Some(session_id), json!({ "task": task_id }))).await?;
    tx.commit().await?;
    Ok(())
}
