//! Notifications: recorded with the change they tell of, listed and read.
//! Their messages may name the task, so they are encrypted at rest.

use super::accounts::CurrentUser;
use super::audit;
use super::crypto::Cipher;
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::domain::enums::{NotificationPriority, NotificationType};
use crate::domain::notification::{DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, Notification};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    call_task_id: Option<Uuid>,
    call_session_id: Option<Uuid>,
    notification_type: String,
    message: String,
    is_read: bool,
    priority: String,
    created_at: DateTime<Utc>,
}

impl Row {
    fn open(self, cipher: &Cipher) -> ApiResult<Notification> {
        let bad = |e| super::error::internal("stored notification has an unknown enum value", e);
        let unreadable = |e| super::error::internal("stored notification cannot be decrypted", e);
        Ok(Notification {
            id: self.id,
            call_task_id: self.call_task_id,
            call_session_id: self.call_session_id,
            notification_type: self.notification_type.parse().map_err(bad)?,
            message: cipher.open(&self.message).map_err(unreadable)?,
            is_read: self.is_read,
            priority: self.priority.parse().map_err(bad)?,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str = "id, call_task_id, call_session_id, notification_type, message, is_read, priority, created_at";

/// Records a notification for `user_id` in the caller's transaction.
pub async fn create(
    conn: &mut sqlx::PgConnection,
    cipher: &Cipher,
    user_id: Uuid,
    call_task_id: Option<Uuid>,
    call_session_id: Option<Uuid>,
    kind: NotificationType,
    message: &str,
) -> ApiResult<Uuid> {
    let priority = match kind {
        NotificationType::ApprovalNeeded | NotificationType::CallFailed | NotificationType::ClarificationNeeded => {
            NotificationPriority::High
        }
        NotificationType::CallCompleted | NotificationType::BudgetWarning => NotificationPriority::Normal,
        NotificationType::TaskCreated | NotificationType::CallStarted => NotificationPriority::Low,
    };
    // Published with the new row's id, which the statement itself puts in.
    let mark = super::realtime::MARKS[2];
    let event = crate::domain::events::ServerEvent::NotificationCreated {
        notification_id: mark,
        notification_type: kind,
        message: String::new(),
        call_task_id,
        call_session_id,
    };
    let id: Uuid = sqlx::query_scalar(
        "WITH created AS (
             INSERT INTO notifications (user_id, call_task_id, call_session_id, notification_type, message, priority)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
         )
         SELECT id, pg_notify($7, replace($8, $9, id::text)) FROM created",
    )
    .bind(user_id)
    .bind(call_task_id)
    .bind(call_session_id)
    .bind(kind.as_str())
    .bind(cipher.encrypt(message))
    .bind(priority.as_str())
    .bind(super::realtime::CHANNEL)
    .bind(super::realtime::payload_of(user_id, event))
    .bind(mark.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Newest first; with `unread_only`, only unread ones. Also returns the
/// total unread count (for the header badge).
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    unread_only: bool,
    limit: Option<u32>,
) -> ApiResult<(Vec<Notification>, i64)> {
    let limit = limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("limit must be between 1 and {MAX_LIST_LIMIT}")));
    }
    // One snapshot: the unread count agrees with the list.
    let mut tx = state.db.snapshot_as(user.id).await?;
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE NOT ($1 AND is_read)
         ORDER BY created_at DESC, id DESC LIMIT $2"
    )))
    .bind(unread_only)
    .bind(limit as i64)
    .fetch_all(&mut *tx)
    .await?;
    let unread: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE NOT is_read").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    let items = rows.into_iter().map(|r| r.open(&state.cipher)).collect::<ApiResult<Vec<_>>>()?;
    Ok((items, unread))
}

pub async fn set_read(state: &AppState, user: &CurrentUser, id: Uuid, is_read: bool) -> ApiResult<Notification> {
    let mut tx = state.db.begin_as(user.id).await?;
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("UPDATE notifications SET is_read = $2 WHERE id = $1 RETURNING {COLUMNS}")))
            .bind(id)
            .bind(is_read)
            .fetch_optional(&mut *tx)
            .await?;
    let row = row.ok_or_else(|| ApiError::not_found("Notification"))?;
    audit::record(&mut tx, user.audit("notification.update", "notification", Some(id), json!({ "is_read": is_read }))).await?;
    tx.commit().await?;
    row.open(&state.cipher)
}

/// Marks every unread notification read; returns how many changed.
pub async fn read_all(state: &AppState, user: &CurrentUser) -> ApiResult<u64> {
    let mut tx = state.db.begin_as(user.id).await?;
    let n = sqlx::query("UPDATE notifications SET is_read = true WHERE NOT is_read").execute(&mut *tx).await?.rows_affected();
    if n > 0 {
        audit::record(&mut tx, user.audit("notification.read_all", "notification", None, json!({ "count": n }))).await?;
    }
    tx.commit().await?;
    Ok(n)
}
