//! How the user's calls went: counted in SQL over their own rows (Row
//! Level Security), in one snapshot, days read in their time zone.

use crate::domain::insights::{ApprovalCounts, Insights, KindTally, MonthSpend, ReasonCount, RetryCounts, Tally, WeekTally};
use crate::server::accounts::CurrentUser;
use crate::server::error::{ApiError, ApiResult};
use crate::server::settings;
use crate::server::state::AppState;
use chrono::{Duration, NaiveDate, Utc};

/// The longest period asked about at once.
pub const MAX_DAYS: i64 = 731;
/// The period when none is given: the last twelve weeks.
const DEFAULT_DAYS: i64 = 84;

#[derive(sqlx::FromRow)]
struct Totals {
    calls: i64,
    achieved: i64,
    average_duration: Option<f64>,
    average_hold: Option<f64>,
    retries: i64,
    retries_helped: i64,
}

/// The user's insights for the days `from` to `to` (inclusive; by default
/// the last twelve weeks up to today).
pub async fn insights(
    state: &AppState,
    user: &CurrentUser,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ApiResult<Insights> {
    let mut tx = state.db.snapshot_as(user.id).await?;
    let zone = settings::load(&mut tx).await?.time_zone;
    let today = Utc::now().with_timezone(&settings::time_zone(&zone)?).date_naive();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(ApiError::validation("from", "from must be on or before to."));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::validation("from", format!("Ask for at most {MAX_DAYS} days at once.")));
    }
    // The period as instants: from the start of `from` to the end of `to`, where the user is.
    let (start, end): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) =
        sqlx::query_as("SELECT $1::date::timestamp AT TIME ZONE $3, ($2::date + 1)::timestamp AT TIME ZONE $3")
            .bind(from)
            .bind(to)
            .bind(&zone)
            .fetch_one(&mut *tx)
            .await?;

    // One pass over the period's calls for the totals.
    let totals: Totals = sqlx::query_as(
        "SELECT count(*) AS calls, count(*) FILTER (WHERE r.goal_achieved) AS achieved,
                (avg(s.duration_seconds) FILTER (WHERE s.status = 'completed'))::float8 AS average_duration,
                (avg(s.hold_seconds) FILTER (WHERE s.hold_seconds > 0))::float8 AS average_hold,
                count(*) FILTER (WHERE s.retry_count > 0) AS retries,
                count(*) FILTER (WHERE s.retry_count > 0 AND r.goal_achieved) AS retries_helped
         FROM call_sessions s LEFT JOIN call_transcripts r ON r.call_session_id = s.id
         WHERE s.started_at >= $1 AND s.started_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_one(&mut *tx)
    .await?;
    let tally = |(calls, achieved): (i64, i64)| Tally { calls, achieved };

    let weeks: Vec<(NaiveDate, i64, i64)> = sqlx::query_as(
        "SELECT date_trunc('week', s.started_at AT TIME ZONE $3)::date, count(*), count(*) FILTER (WHERE r.goal_achieved)
         FROM call_sessions s LEFT JOIN call_transcripts r ON r.call_session_id = s.id
         WHERE s.started_at >= $1 AND s.started_at < $2 GROUP BY 1 ORDER BY 1",
    )
    .bind(start)
    .bind(end)
    .bind(&zone)
    .fetch_all(&mut *tx)
    .await?;

    let kinds: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT coalesce(t.task_kind, 'unknown'), count(*), count(*) FILTER (WHERE r.goal_achieved)
         FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
         LEFT JOIN call_transcripts r ON r.call_session_id = s.id
         WHERE s.started_at >= $1 AND s.started_at < $2 GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *tx)
    .await?;

    // Calls that failed, and calls that ended without reaching the goal.
    let failures: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CASE WHEN s.status = 'failed' THEN coalesce(s.failure_reason, 'failed')
                     WHEN EXISTS (SELECT 1 FROM call_approvals a WHERE a.call_session_id = s.id AND (a.decision = false OR a.timed_out))
                       THEN 'over_limit'
                     ELSE 'not_achieved' END AS reason, count(*)
         FROM call_sessions s LEFT JOIN call_transcripts r ON r.call_session_id = s.id
         WHERE s.started_at >= $1 AND s.started_at < $2
           AND (s.status = 'failed' OR (s.status = 'completed' AND r.goal_achieved = false))
         GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *tx)
    .await?;

    let approvals: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE a.decision), count(*) FILTER (WHERE a.decision = false),
                count(*) FILTER (WHERE a.timed_out)
         FROM call_approvals a JOIN call_sessions s ON s.id = a.call_session_id
         WHERE s.started_at >= $1 AND s.started_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_one(&mut *tx)
    .await?;

    // Spending by month: the phone network's prices of the period's calls
    // and the model's priced usage recorded in it.
    let spend: Vec<(String, f64, f64)> = sqlx::query_as(
        "SELECT month, sum(telephony)::float8, sum(ai)::float8 FROM (
           SELECT to_char(s.started_at AT TIME ZONE $3, 'YYYY-MM') AS month, s.telephony_price AS telephony, 0 AS ai
           FROM call_sessions s
           WHERE s.started_at >= $1 AND s.started_at < $2 AND s.telephony_price > 0 AND s.telephony_price_unit = 'USD'
           UNION ALL
           SELECT to_char(u.created_at AT TIME ZONE $3, 'YYYY-MM'), 0, u.cost
           FROM ai_usage u WHERE u.user_id = $4 AND u.created_at >= $1 AND u.created_at < $2 AND u.cost > 0
         ) spent GROUP BY month ORDER BY month",
    )
    .bind(start)
    .bind(end)
    .bind(&zone)
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let total = Tally { calls: totals.calls, achieved: totals.achieved };
    Ok(Insights {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        success_rate: (total.calls > 0).then(|| total.achieved as f64 / total.calls as f64),
        total,
        per_week: weeks
            .into_iter()
            .map(|(week, calls, achieved)| WeekTally {
                week: week.format("%Y-%m-%d").to_string(),
                tally: tally((calls, achieved)),
            })
            .collect(),
        by_kind: kinds.into_iter().map(|(kind, calls, achieved)| KindTally { kind, tally: tally((calls, achieved)) }).collect(),
        failures: failures.into_iter().map(|(reason, calls)| ReasonCount { reason, calls }).collect(),
        retries: RetryCounts { retries: totals.retries, helped: totals.retries_helped },
        average_duration_secs: totals.average_duration,
        average_hold_secs: totals.average_hold,
        spend_by_month: spend.into_iter().map(|(month, telephony, ai)| MonthSpend { month, telephony, ai }).collect(),
        approvals: ApprovalCounts { asked: approvals.0, granted: approvals.1, declined: approvals.2, timed_out: approvals.3 },
    })
}
