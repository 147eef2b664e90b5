//! The assistant's settings.

use crate::domain::error::ApiError;
use crate::domain::settings::{AssistantSettings, SettingsPatch};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/api/fn", endpoint = "get_settings")]
pub async fn get_settings() -> Result<AssistantSettings, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::settings::get(&state, &user).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "update_settings", input = Json)]
pub async fn update_settings(patch: SettingsPatch) -> Result<AssistantSettings, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::settings::update(&state, &user, &patch).await
        }
        .await,
    )
}
