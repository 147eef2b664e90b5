//! `/api/search`: the user's calls, searched.

use super::schema::{ErrorBody, SearchBody};
use crate::server::accounts::CurrentUser;
use crate::server::error::ApiResult;
use crate::server::http::extract::ApiQuery;
use crate::server::search as service;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The words to look for (1 to 200 characters); a word finds the words
    /// it begins (three letters or more; shorter ones find themselves).
    #[param(min_length = 1, max_length = 200)]
    q: String,
    /// 1..=100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Search what the user's calls said, their summaries and their facts:
/// those holding the most of the words first, then the latest.
#[utoipa::path(get, path = "/api/search", operation_id = "search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let results = service::search(&state, &user, &query.q, query.limit).await?;
    Ok(Json(json!({ "success": true, "results": results })))
}
