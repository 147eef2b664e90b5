//! What calls cost: the model's tokens, recorded per purpose and priced at
//! the configured price when recorded; the phone network's price of each
//! call; and both read back per call and per task.

use crate::domain::usage::{CallCost, Usage};
use crate::server::ai::ModelUsage;
use crate::server::config::Config;
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

/// Records what the model used, in the caller's transaction. Nothing is
/// recorded for no requests.
pub async fn record(
    conn: &mut PgConnection,
    config: &Config,
    owner: Owner,
    purpose: Purpose,
    used: &ModelUsage,
) -> Result<(), sqlx::Error> {
    if used.usage.is_empty() {
        return Ok(());
    }
    let Usage { requests, prompt_tokens, completion_tokens } = used.usage;
    let cost = config.model_price(&used.model).map(|p| p.cost(used.usage));
    sqlx::query(
        "INSERT INTO ai_usage (user_id, call_task_id, call_session_id, purpose, model, requests, prompt_tokens,
                               completion_tokens, cost)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::float8::numeric)",
    )
    .bind(owner.user_id)
    .bind(owner.task_id)
    .bind(owner.session_id)
    .bind(purpose.as_str())
    .bind(&used.model)
    .bind(i32::try_from(requests).unwrap_or(i32::MAX))
    .bind(i64::try_from(prompt_tokens).unwrap_or(i64::MAX))
    .bind(i64::try_from(completion_tokens).unwrap_or(i64::MAX))
    .bind(cost)
    .execute(conn)
    .await?;
    Ok(())
}

/// The phone network's price of a call (`price` as a positive amount).
pub async fn set_call_price(conn: &mut PgConnection, session_id: Uuid, price: f64, unit: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE call_sessions SET telephony_price = $2::float8::numeric, telephony_price_unit = $3 WHERE id = $1")
        .bind(session_id)
        .bind(price)
        .bind(unit)
        .execute(conn)
        .await?;
    Ok(())
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
