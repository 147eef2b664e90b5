//! How the user's calls went: the Insights page's body, rendered on the
//! server (charts as SVG with their tables), so the browser bundle carries
//! none of it.

use crate::domain::error::ApiError;
use leptos::prelude::*;

/// The period shown (`from`, `to`, as `YYYY-MM-DD`) and the report's HTML.
/// Empty or missing days take the defaults (the last twelve weeks).
#[server(prefix = "/api/fn", endpoint = "insights_report")]
pub async fn insights_report(from: Option<String>, to: Option<String>) -> Result<(String, String, String), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let day = |field: &str, value: Option<String>| -> Result<_, ApiError> {
                match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| ApiError::validation(field, format!("{field} must be a day written YYYY-MM-DD."))),
                }
            };
            let (from, to) = (day("from", from)?, day("to", to)?);
            let insights = crate::server::insights::insights(&state, &user, from, to).await?;
            let html = crate::server::insights::report::render(&insights);
            Ok((insights.from, insights.to, html))
        }
        .await,
    )
}
