//! The audit log: who created, changed or deleted what, and when. Details
//! name the fields that changed, never their (possibly secret) values.

use sqlx::PgConnection;
use uuid::Uuid;

/// One audit entry, written in the caller's transaction so it commits (or
/// rolls back) with the change it describes.
pub struct Entry<'a> {
    pub user_id: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    pub details: serde_json::Value,
    pub request_id: Option<&'a str>,
}

/// Records what the system did on a user's call (a status the network
/// reported, a retry queued, an approval asked or timed out): no request,
/// the user it concerns.
pub async fn system(
    conn: &mut PgConnection,
    user_id: Uuid,
    action: &str,
    session_id: Uuid,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    record(
        conn,
        Entry {
            user_id: Some(user_id),
            action,
            entity_type: "call_session",
            entity_id: Some(session_id),
            details,
            request_id: None,
        },
    )
    .await
}

pub async fn record(conn: &mut PgConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (user_id, action, entity_type, entity_id, details, request_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.user_id)
    .bind(entry.action)
    .bind(entry.entity_type)
    .bind(entry.entity_id)
    .bind(entry.details)
    .bind(entry.request_id)
    .execute(conn)
    .await?;
    Ok(())
}
