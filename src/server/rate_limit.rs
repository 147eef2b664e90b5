//! Per-subject fixed-window rate limits, counted in PostgreSQL so that they
//! hold across any number of server processes.

use super::db::Db;
use super::error::{ApiError, ApiResult};

/// What is being limited, and over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Task creation, per user per minute.
    TaskCreate,
    /// Plan previews that are not reused, per user per minute.
    PlanPreview,
    /// Calls placed, per user per day.
    CallStart,
    /// Sign-in attempts, per e-mail address and client per 15 minutes.
    Login,
    /// Sign-in attempts, per client address per 15 minutes.
    LoginClient,
    /// Sign-ups, per client address per hour.
    Signup,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Bucket::TaskCreate => "task_create",
            Bucket::PlanPreview => "plan_preview",
            Bucket::CallStart => "call_start",
            Bucket::Login => "login",
            Bucket::LoginClient => "login_client",
            Bucket::Signup => "signup",
        }
    }

    fn window(self) -> &'static str {
        match self {
            Bucket::TaskCreate | Bucket::PlanPreview => "1 minute",
            Bucket::CallStart => "1 day",
            Bucket::Login | Bucket::LoginClient => "15 minutes",
            Bucket::Signup => "1 hour",
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Bucket::TaskCreate => "You are creating tasks too quickly.",
            Bucket::PlanPreview => "You are asking for plan previews too quickly.",
            Bucket::CallStart => "You have reached today's limit of calls.",
            Bucket::Login => "Too many sign-in attempts for this account.",
            Bucket::LoginClient => "Too many sign-in attempts from your network.",
            Bucket::Signup => "Too many accounts created from your network.",
        }
    }
}

/// Forgets counters whose window ended a day ago or more (the longest
/// window is a day), so subjects seen once leave no row behind.
pub async fn purge(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM rate_limit_counters WHERE window_start < now() - interval '2 days'")
        .execute(db.system())
        .await?
        .rows_affected())
}

/// Counts one hit for `subject`; refuses with 429 and `Retry-After` once the
/// window holds more than `limit` hits.
pub async fn hit(db: &Db, bucket: Bucket, subject: &str, limit: u32) -> ApiResult<()> {
    let (hits, retry_after): (i32, f64) = sqlx::query_as(
        "INSERT INTO rate_limit_counters AS c (bucket, subject, window_start)
         VALUES ($1, $2, date_bin($3::interval, now(), timestamptz '2000-01-01 00:00:00+00'))
         ON CONFLICT (bucket, subject, window_start) DO UPDATE SET hits = c.hits + 1
         RETURNING hits, extract(epoch FROM (window_start + $3::interval - now()))::float8",
    )
    .bind(bucket.name())
    .bind(subject)
    .bind(bucket.window())
    .fetch_one(db.system())
    .await?;
    if hits == 1 {
        // A new window began: forget this subject's older ones.
        sqlx::query(
            "DELETE FROM rate_limit_counters
             WHERE bucket = $1 AND subject = $2 AND window_start < now() - $3::interval",
        )
        .bind(bucket.name())
        .bind(subject)
        .bind(bucket.window())
        .execute(db.system())
        .await?;
    }
    if hits as i64 > limit as i64 {
        let secs = retry_after.ceil().max(1.0) as u64;
        return Err(ApiError::rate_limited(secs, format!("{} Try again in {}.", bucket.refusal(), human_seconds(secs))));
    }
    Ok(())
}

fn human_seconds(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} seconds"),
        60..=3599 => format!("{} minutes", secs.div_ceil(60)),
        _ => format!("{} hours", secs.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_are_said_in_human_units() {
        assert_eq!(super::human_seconds(42), "42 seconds");
        assert_eq!(super::human_seconds(61), "2 minutes");
        assert_eq!(super::human_seconds(7200), "2 hours");
    }
}
