//! The assistant settings of a user (one row, created at sign-up).

use super::accounts::CurrentUser;
use super::audit;
use super::error::{ApiError, ApiResult, internal};
use super::state::AppState;
use crate::domain::settings::{AssistantSettings, Registry, SettingsPatch};
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

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
    monthly_budget: Option<f64>,
    record_calls: bool,
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
            monthly_budget: r.monthly_budget,
            record_calls: r.record_calls,
            updated_at: r.updated_at,
        }
    }
}

/// The settings columns as [`Row`] reads them.
macro_rules! columns {
    () => {
        "voice_preference, default_tone, max_auto_approve_amount::float8 AS max_auto_approve_amount,
    auto_retry_failed_calls, max_retry_attempts, business_hours_only, language_preference, default_region,
    time_zone, to_char(business_hours_start, 'HH24:MI') AS business_hours_start,
    to_char(business_hours_end, 'HH24:MI') AS business_hours_end, monthly_budget::float8 AS monthly_budget, record_calls, updated_at"
    };
}
const SELECT: &str = concat!("SELECT ", columns!(), " FROM assistant_settings");
const SELECT_OWNED: &str = concat!("SELECT user_id, ", columns!(), " FROM assistant_settings");

/// The regions and time zones the server knows.
pub struct ServerRegistry;

impl Registry for ServerRegistry {
    fn is_region(&self, region: &str) -> bool {
        super::phone::is_known_region(region)
    }
    fn is_time_zone(&self, zone: &str) -> bool {
        zone.parse::<Tz>().is_ok()
    }
}

/// The current user's settings, inside their transaction.
pub async fn load(conn: &mut PgConnection) -> ApiResult<AssistantSettings> {
    let row: Option<Row> = sqlx::query_as(SELECT).fetch_optional(conn).await?;
    row.map(Into::into).ok_or_else(|| ApiError::not_found("Settings"))
}

/// A user's settings as work on their calls needs them: read once, the
/// time zone and business hours parsed once.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub user_id: Uuid,
    pub settings: AssistantSettings,
    pub time_zone: Tz,
    /// Opening and closing time, in `time_zone`.
    pub business_hours: (NaiveTime, NaiveTime),
}

impl Resolved {
    /// Whether "12/5" is December 5 (the US way) rather than 12 May.
    pub fn reads_month_first(&self) -> bool {
        self.settings.default_region == "US"
    }
}

/// A stored time zone name; one that no longer reads is an error, never a
/// silent midnight UTC.
pub fn time_zone(name: &str) -> ApiResult<Tz> {
    name.parse().map_err(|e| internal("stored time zone cannot be read", e))
}

fn clock_time(text: &str) -> ApiResult<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|e| internal("stored business hours cannot be read", e))
}

#[derive(sqlx::FromRow)]
struct OwnedRow {
    user_id: Uuid,
    #[sqlx(flatten)]
    row: Row,
}

/// The settings of the owner of `task_id` (system context).
pub async fn for_task(conn: &mut PgConnection, task_id: Uuid) -> ApiResult<Resolved> {
    let query = format!("{SELECT_OWNED} WHERE user_id = (SELECT user_id FROM call_tasks WHERE id = $1)");
    let row: Option<OwnedRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(task_id).fetch_optional(conn).await?;
    resolve(row.ok_or_else(|| ApiError::not_found("Call task"))?)
}

/// The settings of the owner of the call `session_id` (system context).
pub async fn for_session(conn: &mut PgConnection, session_id: Uuid) -> ApiResult<Resolved> {
    let query = format!(
        "{SELECT_OWNED} WHERE user_id = (SELECT t.user_id FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                                         WHERE s.id = $1)"
    );
    let row: Option<OwnedRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(session_id).fetch_optional(conn).await?;
    resolve(row.ok_or_else(|| ApiError::not_found("Call session"))?)
}

fn resolve(owned: OwnedRow) -> ApiResult<Resolved> {
    let settings = AssistantSettings::from(owned.row);
    Ok(Resolved {
        user_id: owned.user_id,
        time_zone: time_zone(&settings.time_zone)?,
        business_hours: (clock_time(&settings.business_hours_start)?, clock_time(&settings.business_hours_end)?),
        settings,
    })
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
         default_region = $8, time_zone = $9, business_hours_start = $10::time, business_hours_end = $11::time,
         monthly_budget = $12::float8::numeric, record_calls = $13",
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
    .bind(next.monthly_budget)
    .bind(next.record_calls)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, user.audit("settings.update", "assistant_settings", None, json!({ "fields": changed }))).await?;
    let saved = load(&mut tx).await?;
    tx.commit().await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_time_zone_is_read_or_refused_never_guessed() {
        assert_eq!(time_zone("America/New_York").unwrap(), chrono_tz::America::New_York);
        assert_eq!(time_zone("UTC").unwrap(), chrono_tz::UTC);
        for bad in ["", "Mars/Olympus_Mons", "america/new york", "UTC+25"] {
            let e = time_zone(bad).unwrap_err();
            assert_eq!(e.code.http_status(), 500, "{bad}");
        }
        assert_eq!(clock_time("09:30").unwrap(), NaiveTime::from_hms_opt(9, 30, 0).unwrap());
        assert!(clock_time("9am").is_err());
    }
}
