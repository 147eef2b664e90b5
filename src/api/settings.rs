//! The assistant's settings.

use crate::domain::calendar::CalendarFeed;
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

/// The private calendar feed, if the user made one.
#[server(prefix = "/api/fn", endpoint = "get_calendar_feed")]
pub async fn get_calendar_feed() -> Result<Option<CalendarFeed>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::calendar::get(&state, &user).await
        }
        .await,
    )
}

/// `on`: a new secret feed address (the previous one stops working);
/// otherwise the feed is turned off.
#[server(prefix = "/api/fn", endpoint = "set_calendar_feed")]
pub async fn set_calendar_feed(on: bool) -> Result<Option<CalendarFeed>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            if on {
                crate::server::calendar::create(&state, &user).await.map(Some)
            } else {
                crate::server::calendar::remove(&state, &user).await.map(|()| None)
            }
        }
        .await,
    )
}
