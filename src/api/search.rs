//! Search across the user's calls, for the task list: the places found,
//! rendered by the server (the browser bundle carries no search types).

use crate::domain::error::ApiError;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "search_calls")]
pub async fn search_calls(q: String) -> Result<String, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let hits = crate::server::search::search(&state, &user, &q, None).await?;
            Ok(crate::server::search::render_hits(&hits))
        }
        .await,
    )
}
