//! What calls cost: the model's tokens, recorded per purpose and priced at
//! the configured price when recorded; the phone network's price of each
//! call; and both read back per call and per task.

use crate::domain::enums::NotificationType;
use crate::domain::money;
use crate::domain::usage::{CallCost, Usage};
use crate::server::ai::ModelUsage;
use crate::server::crypto::Cipher;
use crate::server::error::{ApiError, ApiResult};
use crate::server::notifications;
use crate::server::state::AppState;
use sqlx::PgConnection;
use uuid::Uuid;

/// Why the model was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Planning,
    Conversation,
    Summary,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Planning => "planning",
            Purpose::Conversation => "conversation",
            Purpose::Summary => "summary",
        }
    }
}

/// Where usage belongs: a user, and their task and call when there is one.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub user_id: Uuid,
    pub task_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
}

/// Stores one use of the model, bound as `$1`..`$9` by [`bind`]; nothing
/// for no requests. A statement of its own, or a part of one that also
/// does what goes with it (its own parameters from `$10`; it ends in a
/// `WHERE` clause a caller may add `AND` conditions to).
pub const INSERT: &str = "INSERT INTO ai_usage (user_id, call_task_id, call_session_id, purpose, model, requests,
                                                prompt_tokens, completion_tokens, cost)
                          SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::float8::numeric WHERE $6 > 0";

/// Binds a use of the model as the first nine parameters of [`INSERT`];
/// with its price at the configured rate, if any.
pub fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    state: &AppState,
    owner: Owner,
    purpose: Purpose,
    used: &ModelUsage,
) -> (sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>, Option<f64>) {
    let Usage { requests, prompt_tokens, completion_tokens } = used.usage;
    let cost = state.config.model_price(&used.model).map(|p| p.cost(used.usage));
    let query = query
        .bind(owner.user_id)
        .bind(owner.task_id)
        .bind(owner.session_id)
        .bind(purpose.as_str())
        .bind(used.model.clone())
        .bind(i32::try_from(requests).unwrap_or(i32::MAX))
        .bind(i64::try_from(prompt_tokens).unwrap_or(i64::MAX))
        .bind(i64::try_from(completion_tokens).unwrap_or(i64::MAX))
        .bind(cost);
    (query, cost)
}

/// Records what the model used, in the caller's transaction, and tells
/// the user when that took them past 80% of their budget. Nothing is
/// recorded for no requests.
pub async fn record(
    conn: &mut PgConnection,
    state: &AppState,
    owner: Owner,
    purpose: Purpose,
    used: &ModelUsage,
) -> ApiResult<()> {
    if used.usage.is_empty() {
        return Ok(());
    }
    let (insert, cost) = bind(sqlx::query(INSERT), state, owner, purpose, used);
    insert.execute(&mut *conn).await?;
    spent(conn, state, owner.user_id, cost).await
}

/// After a use priced `cost` was stored: word to the user when it took them
/// past 80% of their budget. Use without a price spends nothing: the
/// budget is not even looked at.
pub async fn spent(conn: &mut PgConnection, state: &AppState, user_id: Uuid, cost: Option<f64>) -> ApiResult<()> {
    if cost.is_some_and(|c| c > 0.0) {
        warn_near_budget(conn, &state.cipher, user_id).await?;
    }
    Ok(())
}

/// The phone network's price of `user_id`'s call (`price` as a positive
/// amount), and word when that took them past 80% of their budget.
pub async fn set_call_price(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
    price: f64,
    unit: &str,
) -> ApiResult<()> {
    sqlx::query("UPDATE call_sessions SET telephony_price = $2::float8::numeric, telephony_price_unit = $3 WHERE id = $1")
        .bind(session_id)
        .bind(price)
        .bind(unit)
        .execute(&mut *conn)
        .await?;
    warn_near_budget(conn, &state.cipher, user_id).await
}

#[derive(sqlx::FromRow)]
struct CostRow {
    requests: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    ai_cost: Option<f64>,
    unpriced: bool,
    telephony_price: Option<f64>,
    telephony_price_unit: Option<String>,
}

impl CostRow {
    fn cost(self) -> CallCost {
        CallCost {
            ai_requests: self.requests,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            ai_cost: if self.unpriced { None } else { Some(self.ai_cost.unwrap_or(0.0)) },
            telephony_cost: self.telephony_price,
            telephony_currency: self.telephony_price_unit,
        }
    }
}

/// The model's usage summed over `ai_usage u`.
const SUMS: &str = "coalesce(sum(u.requests), 0)::int8 AS requests, coalesce(sum(u.prompt_tokens), 0)::int8 AS prompt_tokens,
    coalesce(sum(u.completion_tokens), 0)::int8 AS completion_tokens, sum(u.cost)::float8 AS ai_cost,
    coalesce(bool_or(u.cost IS NULL), false) AS unpriced";

/// What planning a task cost (its calls are summed by the caller).
pub async fn of_planning(conn: &mut PgConnection, task_id: Uuid) -> Result<CallCost, sqlx::Error> {
    let row: CostRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMS}, 0::float8 AS telephony_price, NULL::text AS telephony_price_unit
         FROM ai_usage u WHERE u.call_task_id = $1 AND u.call_session_id IS NULL"
    )))
    .bind(task_id)
    .fetch_one(conn)
    .await?;
    Ok(CallCost { telephony_cost: Some(0.0), ..row.cost() })
}

/// What `user_id`'s calls cost this month (from the first of the month in
/// their time zone): the model's priced usage and the phone network's
/// prices in US dollars. Works in the user's transaction and the system's.
const MONTH_SPEND: &str = "
    (SELECT coalesce(sum(u.cost), 0) FROM ai_usage u
     WHERE u.user_id = a.user_id AND u.created_at >= date_trunc('month', now() AT TIME ZONE a.time_zone) AT TIME ZONE a.time_zone)
  + (SELECT coalesce(sum(s.telephony_price), 0) FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
     WHERE t.user_id = a.user_id AND s.telephony_price_unit = 'USD'
       AND s.started_at >= date_trunc('month', now() AT TIME ZONE a.time_zone) AT TIME ZONE a.time_zone)";

/// This month's spending and the budget, when the user has one.
pub async fn budget_standing(conn: &mut PgConnection, user_id: Uuid) -> Result<Option<(f64, f64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ({MONTH_SPEND})::float8, a.monthly_budget::float8 FROM assistant_settings a
         WHERE a.user_id = $1 AND a.monthly_budget IS NOT NULL"
    )))
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Tells the user, once a month, when this month's spending has passed 80%
/// of their budget. Call after recording a cost, in the same transaction.
pub async fn warn_near_budget(conn: &mut PgConnection, cipher: &Cipher, user_id: Uuid) -> ApiResult<()> {
    let crossed: Option<(f64, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE assistant_settings a SET budget_warned_for = date_trunc('month', now() AT TIME ZONE a.time_zone)::date
         WHERE a.user_id = $1 AND a.monthly_budget IS NOT NULL
           AND a.budget_warned_for IS DISTINCT FROM date_trunc('month', now() AT TIME ZONE a.time_zone)::date
           AND ({MONTH_SPEND}) >= 0.8 * a.monthly_budget
         RETURNING ({MONTH_SPEND})::float8, a.monthly_budget::float8"
    )))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((spent, budget)) = crossed {
        let message = format!(
            "Your calls have cost {} of your {} budget this month. A call that would start past the budget asks you first.",
            money::display(spent, "USD"),
            money::display(budget, "USD")
        );
        notifications::create(conn, cipher, user_id, None, None, NotificationType::BudgetWarning, &message).await?;
    }
    Ok(())
}

/// The refusal of a call that would start past the budget: 409, with what
/// was spent, so the page can ask whether to call anyway.
pub fn over_budget(spent: f64, budget: f64) -> ApiError {
    let mut e = ApiError::conflict(format!(
        "Your calls have cost {} this month, and your monthly budget is {}. Start the call anyway to go past it, or raise the budget in Settings.",
        money::display(spent, "USD"),
        money::display(budget, "USD")
    ));
    e.details = Some(serde_json::json!({ "over_budget": { "spent": spent, "budget": budget } }));
    e
}
