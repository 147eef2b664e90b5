//! How the user's calls went: read in one snapshot from the daily roll-up
//! the database keeps of the user's own rows (Row Level Security; migration
//! 0016 counts every call, approval, price and model use), days being the
//! user's, in their time zone. A change to a call only notes the call
//! (migration 0018), priced model use its day (0019); the notes are
//! counted before every read and, in the background, every few seconds.

pub mod report;

use crate::domain::insights::{ApprovalCounts, Insights, KindTally, MonthSpend, ReasonCount, RetryCounts, Tally, WeekTally};
use crate::server::accounts::CurrentUser;
use crate::server::db::Db;
use crate::server::error::{ApiError, ApiResult};
use crate::server::settings;
use crate::server::state::AppState;
use chrono::{Duration, NaiveDate, Utc};
use uuid::Uuid;

/// The longest period asked about at once.
pub const MAX_DAYS: i64 = 731;
/// The period when none is given: the last twelve weeks.
const DEFAULT_DAYS: i64 = 84;

/// One grouping of the roll-up's sums: the whole period (`grouping` 15),
/// a week (7), a kind of errand (11), a reason (13) or a month (14); the
/// number has a bit set for each of week, kind, reason, month left out.
#[derive(sqlx::FromRow)]
struct Sums {
    grouping: i32,
    week: Option<NaiveDate>,
    kind: Option<String>,
    reason: Option<String>,
    month: Option<String>,
    calls: i64,
    achieved: i64,
    timed: i64,
    duration_secs: i64,
    held: i64,
    hold_secs: i64,
    retried: i64,
    retried_helped: i64,
    telephony: f64,
    asked: i64,
    granted: i64,
    declined: i64,
    timed_out: i64,
}

/// The user's insights for the days `from` to `to` (inclusive; by default
/// the last twelve weeks up to today).
pub async fn insights(
    state: &AppState,
    user: &CurrentUser,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ApiResult<Insights> {
    drain(&state.db, user.id).await?;
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
    // Everything reads the daily roll-up the database keeps (migration
    // 0016), in one pass: a year is a few thousand rows whatever the number
    // of calls, summed once per grouping.
    let groups: Vec<Sums> = sqlx::query_as(
        "SELECT GROUPING(date_trunc('week', day), kind, reason, to_char(day, 'YYYY-MM')) AS grouping,
                date_trunc('week', day)::date AS week, kind, reason, to_char(day, 'YYYY-MM') AS month,
                coalesce(sum(calls), 0)::int8 AS calls, coalesce(sum(achieved), 0)::int8 AS achieved, coalesce(sum(timed), 0)::int8 AS timed,
                coalesce(sum(duration_secs), 0)::int8 AS duration_secs, coalesce(sum(held), 0)::int8 AS held, coalesce(sum(hold_secs), 0)::int8 AS hold_secs,
                coalesce(sum(retried), 0)::int8 AS retried, coalesce(sum(retried_helped), 0)::int8 AS retried_helped,
                coalesce(sum(telephony_usd), 0)::float8 AS telephony, coalesce(sum(asked), 0)::int8 AS asked, coalesce(sum(granted), 0)::int8 AS granted,
                coalesce(sum(declined), 0)::int8 AS declined, coalesce(sum(timed_out), 0)::int8 AS timed_out
         FROM insight_days WHERE user_id = $1 AND day BETWEEN $2 AND $3
         GROUP BY GROUPING SETS ((), (date_trunc('week', day)), (kind), (reason), (to_char(day, 'YYYY-MM')))",
    )
    .bind(user.id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    // The model's priced usage, by month.
    let ai_spend: Vec<(String, f64)> = sqlx::query_as(
        "SELECT to_char(day, 'YYYY-MM'), sum(ai_usd)::float8 FROM insight_spend_days
         WHERE user_id = $1 AND day BETWEEN $2 AND $3 AND ai_usd > 0 GROUP BY 1",
    )
    .bind(user.id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    Ok(assemble(from, to, groups, ai_spend))
}

/// Counts the calls that changed since the user's roll-up was last brought
/// up to date, as the user: after it, the roll-up holds every change
/// committed before it began.
async fn drain(db: &Db, user_id: Uuid) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_as(user_id).await?;
    sqlx::query("SELECT callwright_insight_drain($1)").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}

/// How often each server counts what changed, for every user.
const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Keeps every user's roll-up close behind their calls, so that a read
/// finds little left to count and notes do not pile up for users who never
/// look. One transaction per user, each holding only that user's lock.
pub async fn run_drain(db: Db) {
    let mut every = tokio::time::interval(DRAIN_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = drain_all(&db).await {
            tracing::warn!(error = %e, "counting calls for insights failed; trying again later");
        }
    }
}

/// One round of the background count: how many notes were counted (a call
/// noted, or a user noted whole by a new time zone). A user whose count
/// fails is tried again next round, after the others.
pub async fn drain_all(db: &Db) -> Result<i64, sqlx::Error> {
    let owners: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT user_id FROM insight_pending").fetch_all(db.system()).await?;
    let mut counted = 0;
    for owner in owners {
        match sqlx::query_scalar::<_, i32>("SELECT callwright_insight_drain($1)").bind(owner).fetch_one(db.system()).await {
            Ok(notes) => counted += i64::from(notes),
            Err(e) => tracing::warn!(error = %e, user = %owner, "cannot count a user's calls for insights; trying again later"),
        }
    }
    Ok(counted)
}

/// The period's numbers from its groupings (none at all for a period
/// without calls), in the order the page shows them.
fn assemble(from: NaiveDate, to: NaiveDate, groups: Vec<Sums>, ai_spend: Vec<(String, f64)>) -> Insights {
    let tally = |g: &Sums| Tally { calls: g.calls, achieved: g.achieved };
    let ratio = |sum: i64, count: i64| (count > 0).then(|| sum as f64 / count as f64);
    let mut insights = Insights {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        total: Tally::default(),
        success_rate: None,
        per_week: Vec::new(),
        by_kind: Vec::new(),
        failures: Vec::new(),
        retries: RetryCounts::default(),
        average_duration_secs: None,
        average_hold_secs: None,
        spend_by_month: Vec::new(),
        approvals: ApprovalCounts::default(),
    };
    let mut months: std::collections::BTreeMap<String, MonthSpend> = std::collections::BTreeMap::new();
    for g in groups.into_iter().filter(|g| g.calls > 0) {
        match (g.grouping, g.week, g.kind.clone(), g.reason.clone(), g.month.clone()) {
            (15, ..) => {
                insights.total = tally(&g);
                insights.success_rate = ratio(g.achieved, g.calls);
                insights.retries = RetryCounts { retries: g.retried, helped: g.retried_helped };
                insights.average_duration_secs = ratio(g.duration_secs, g.timed);
                insights.average_hold_secs = ratio(g.hold_secs, g.held);
                insights.approvals =
                    ApprovalCounts { asked: g.asked, granted: g.granted, declined: g.declined, timed_out: g.timed_out };
            }
            (7, Some(week), ..) => {
                insights.per_week.push(WeekTally { week: week.format("%Y-%m-%d").to_string(), tally: tally(&g) })
            }
            (11, _, Some(kind), ..) => insights.by_kind.push(KindTally { kind, tally: tally(&g) }),
            (13, _, _, Some(reason), _) if !reason.is_empty() => insights.failures.push(ReasonCount { reason, calls: g.calls }),
            (14, _, _, _, Some(month)) if g.telephony > 0.0 => {
                months.insert(month.clone(), MonthSpend { month, telephony: g.telephony, ai: 0.0 });
            }
            _ => {}
        }
    }
    for (month, ai) in ai_spend {
        months.entry(month.clone()).or_insert(MonthSpend { month, telephony: 0.0, ai: 0.0 }).ai += ai;
    }
    insights.per_week.sort_by(|a, b| a.week.cmp(&b.week));
    insights.by_kind.sort_by(|a, b| b.tally.calls.cmp(&a.tally.calls).then_with(|| a.kind.cmp(&b.kind)));
    insights.failures.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.reason.cmp(&b.reason)));
    insights.spend_by_month = months.into_values().collect();
    insights
}
