//! The private calendar feed: one secret URL per user that calendar apps
//! subscribe to and poll, listing the appointments the assistant booked and
//! the business confirmed when it was read back to them. Whoever has the URL
//! can read those appointments, as with any calendar app's secret address;
//! making a new one (or turning it off) stops the old one at once.

use crate::domain::calendar::{Appointment, CalendarFeed, calendar};
use crate::domain::enums::DataType;
use crate::server::accounts::CurrentUser;
use crate::server::audit;
use crate::server::crypto::{random_token, token_digest};
use crate::server::error::{ApiError, ApiResult, internal};
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

/// Where feeds are served: `/calendar/<secret>.ics`.
pub const FEED_PATH: &str = "/calendar";
/// Secrets start with this, so that one pasted anywhere is recognisable.
const PREFIX: &str = "cwcal_";
/// The most events a feed lists (the latest ones).
const MAX_EVENTS: i64 = 500;

fn bad_stored(e: impl std::fmt::Display) -> ApiError {
    internal("a stored calendar feed or appointment cannot be read", e)
}

fn feed_url(state: &AppState, token: &str) -> String {
    format!("{}{FEED_PATH}/{token}.ics", state.public_url.trim_end_matches('/'))
}

/// The user's feed, if they made one.
pub async fn get(state: &AppState, user: &CurrentUser) -> ApiResult<Option<CalendarFeed>> {
    let mut tx = state.db.begin_as(user.id).await?;
    let row: Option<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT token, polled_at FROM calendar_feeds").fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.map(|(token, polled_at)| {
        let token = state.cipher.decrypt(&token).map_err(bad_stored)?;
        Ok(CalendarFeed { url: feed_url(state, &token), polled_at })
    })
    .transpose()
}

/// A new secret URL for the user's feed; an earlier one stops working.
pub async fn create(state: &AppState, user: &CurrentUser) -> ApiResult<CalendarFeed> {
    let token = random_token(PREFIX);
    let mut tx = state.db.begin_as(user.id).await?;
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, token_hash, token) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, token = $3, created_at = now(), polled_at = NULL",
    )
    .bind(user.id)
    .bind(token_digest(&token))
    .bind(state.cipher.encrypt(&token))
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, user.audit("calendar_feed.create", "calendar_feed", None, json!({}))).await?;
    tx.commit().await?;
    Ok(CalendarFeed { url: feed_url(state, &token), polled_at: None })
}

/// Turns the feed off: its URL answers 404 from now on.
pub async fn remove(state: &AppState, user: &CurrentUser) -> ApiResult<()> {
    let mut tx = state.db.begin_as(user.id).await?;
    let gone = sqlx::query("DELETE FROM calendar_feeds").execute(&mut *tx).await?.rows_affected();
    if gone > 0 {
        audit::record(&mut tx, user.audit("calendar_feed.delete", "calendar_feed", None, json!({}))).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One booked appointment of the user's as an `.ics` to download (`file`
/// is `<fact id>.ics`); 404 for anything else, another user's included.
pub async fn event(state: &AppState, user: &CurrentUser, file: &str) -> ApiResult<String> {
    let not_found = || ApiError::not_found("Appointment");
    let id: Uuid = file.strip_suffix(".ics").and_then(|id| id.parse().ok()).ok_or_else(not_found)?;
    let mut tx = state.db.begin_as(user.id).await?;
    let row: Option<(serde_json::Value, String)> = sqlx::query_as(
        "SELECT e.extracted_value, t.title FROM call_extracted_data e
         JOIN call_sessions s ON s.id = e.call_session_id JOIN call_tasks t ON t.id = s.call_task_id
         WHERE e.id = $1 AND e.data_type = $2",
    )
    .bind(id)
    .bind(DataType::Appointment.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let (value, title) = row.ok_or_else(not_found)?;
    let value = state.cipher.open_json(value).map_err(bad_stored)?;
    let title = state.cipher.open(&title).map_err(bad_stored)?;
    let appointment = Appointment::from_extracted(&value, &title, &id.to_string()).ok_or_else(not_found)?;
    Ok(appointment.to_ics())
}

/// The `.ics` of the feed `file` (`<secret>.ics`) names; 404 for anything
/// else, the same for a malformed name as for a secret that was replaced.
pub async fn feed(state: &AppState, file: &str) -> ApiResult<String> {
    let not_found = || ApiError::not_found("Calendar feed");
    let token = file.strip_suffix(".ics").filter(|t| t.starts_with(PREFIX) && t.len() <= 100).ok_or_else(not_found)?;
    // The secret is the credential: it is looked up, then the feed is read
    // as its owner, under Row Level Security like any request of theirs.
    let owner: Option<Uuid> =
        sqlx::query_scalar("UPDATE calendar_feeds SET polled_at = now() WHERE token_hash = $1 RETURNING user_id")
            .bind(token_digest(token))
            .fetch_optional(state.db.system())
            .await?;
    let owner = owner.ok_or_else(not_found)?;
    let mut tx = state.db.snapshot_as(owner).await?;
    let rows: Vec<(Uuid, serde_json::Value, String)> = sqlx::query_as(
        "SELECT e.id, e.extracted_value, t.title FROM call_extracted_data e
         JOIN call_sessions s ON s.id = e.call_session_id JOIN call_tasks t ON t.id = s.call_task_id
         WHERE e.data_type = $1 AND e.confirmed ORDER BY e.created_at DESC LIMIT $2",
    )
    .bind(DataType::Appointment.as_str())
    .bind(MAX_EVENTS)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut events = Vec::with_capacity(rows.len());
    for (id, value, title) in rows {
        let value = state.cipher.open_json(value).map_err(bad_stored)?;
        let title = state.cipher.open(&title).map_err(bad_stored)?;
        // A value with no usable date is left out, not guessed.
        events.extend(Appointment::from_extracted(&value, &title, &id.to_string()));
    }
    Ok(calendar(&events, Some("Callwright appointments")))
}
