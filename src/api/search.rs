//! Search across the user's calls.

use crate::domain::error::ApiError;
use crate::domain::search::SearchHit;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "search_calls")]
pub async fn search_calls(q: String) -> Result<Vec<SearchHit>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::search::search(&state, &user, &q, None).await
        }
        .await,
    )
}
