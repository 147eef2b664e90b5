//! The assistant settings of a user (one row, created at sign-up).

use super::accounts::CurrentUser;
use super::audit::{self, Entry};
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::domain::settings::{AssistantSettings, Registry, SettingsPatch};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

#[derive(sqlx::FromRow)]
struct Row {
    voice_preference: String,
    default_tone: String,
    max_auto_approve_amount: f64,
    auto_retry_failed_calls: bool,
    max_retry_attempts: i32,
    business_hours_only: bool,
    language_preference: String,
    default_region: String,
    time_zone: String,
    business_hours_start: String,
    business_hours_end: String,
    updated_at: DateTime<Utc>,
}

impl From<Row> for AssistantSettings {
    fn from(r: Row) -> Self {
        AssistantSettings {
            voice_preference: r.voice_preference,
            default_tone: r.default_tone,
            max_auto_approve_amount: r.max_auto_approve_amount,
            auto_retry_failed_calls: r.auto_retry_failed_calls,
            max_retry_attempts: r.max_retry_attempts,
            business_hours_only: r.business_hours_only,
            language_preference: r.language_preference,
            default_region: r.default_region,
            time_zone: r.time_zone,
            business_hours_start: r.business_hours_start,
            business_hours_end: r.business_hours_end,
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str = "SELECT voice_preference, default_tone, max_auto_approve_amount::float8 AS max_auto_approve_amount,
    auto_retry_failed_calls, max_retry_attempts, business_hours_only, language_preference, default_region,
    time_zone, to_char(business_hours_start, 'HH24:MI') AS business_hours_start,
    to_char(business_hours_end, 'HH24:MI') AS business_hours_end, updated_at
    FROM assistant_settings";

/// The regions and time zones the server knows.
pub struct ServerRegistry;

impl Registry for ServerRegistry {
    fn is_region(&self, region: &str) -> bool {
        super::phone::is_known_region(region)
    }
    fn is_time_zone(&self, zone: &str) -> bool {
        zone.parse::<chrono_tz::Tz>().is_ok()
    }
}

/// The current user's settings, inside their transaction.
pub async fn load(conn: &mut PgConnection) -> ApiResult<AssistantSettings> {
    let row: Option<Row> = sqlx::query_as(SELECT).fetch_optional(conn).await?;
    row.map(Into::into).ok_or_else(|| ApiError::not_found("Settings"))
}

pub async fn get(state: &AppState, user: &CurrentUser) -> ApiResult<AssistantSettings> {
    let mut tx = state.db.begin_as(user.id).await?;
    let settings = load(&mut tx).await?;
    tx.commit().await?;
    Ok(settings)
}

pub async fn update(state: &AppState, user: &CurrentUser, patch: &SettingsPatch) -> ApiResult<AssistantSettings> {
    let mut tx = state.db.begin_as(user.id).await?;
    sqlx::query("SELECT 1 FROM assistant_settings FOR UPDATE").execute(&mut *tx).await?;
    let current = load(&mut tx).await?;
    let (next, changed) = patch.apply(&current, &ServerRegistry)?;
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(current);
    }
    sqlx::query(
        "UPDATE assistant_settings SET voice_preference = $1, default_tone = $2, max_auto_approve_amount = $3::numeric,
         auto_retry_failed_calls = $4, max_retry_attempts = $5, business_hours_only = $6, language_preference = $7,
         default_region = $8, time_zone = $9, business_hours_start = $10::time, business_hours_end = $11::time",
    )
    .bind(&next.voice_preference)
    .bind(&next.default_tone)
    .bind(next.max_auto_approve_amount)
    .bind(next.auto_retry_failed_calls)
    .bind(next.max_retry_attempts)
    .bind(next.business_hours_only)
    .bind(&next.language_preference)
    .bind(&next.default_region)
    .bind(&next.time_zone)
    .bind(&next.business_hours_start)
    .bind(&next.business_hours_end)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, Entry::by(user, "settings.update", "assistant_settings", None, json!({ "fields": changed }))).await?;
    let saved = load(&mut tx).await?;
    tx.commit().await?;
    Ok(saved)
}
