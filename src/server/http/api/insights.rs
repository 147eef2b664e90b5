//! `/api/insights`: how the user's calls went over a period.

use super::schema::{ErrorBody, InsightsBody};
use crate::server::accounts::CurrentUser;
use crate::server::error::ApiResult;
use crate::server::http::extract::ApiQuery;
use crate::server::insights as service;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InsightsQuery {
    /// First day (`YYYY-MM-DD`, in your time zone); default twelve weeks before `to`.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// Last day, included (`YYYY-MM-DD`); default today. At most 731 days after `from`.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
}

/// Calls per week, success rate, outcomes by kind of errand, why calls did
/// not reach their goal, retries, average duration, spending by month and
/// price approvals, over your own calls.
#[utoipa::path(get, path = "/api/insights", operation_id = "insights", tag = "insights", params(InsightsQuery),
    responses((status = 200, body = InsightsBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn insights(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<InsightsQuery>,
) -> ApiResult<Json<Value>> {
    let insights = service::insights(&state, &user, query.from, query.to).await?;
    Ok(Json(json!({ "success": true, "insights": insights })))
}
