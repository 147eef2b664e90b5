//! The assistant's settings.

use crate::domain::calendar::CalendarFeed;
use crate::domain::error::ApiError;
use crate::domain::settings::{AssistantSettings, SettingsPatch};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The settings page's data: the settings and the calendar feed, if any.
#[server(prefix = "/api/fn", endpoint = "get_settings")]
pub async fn get_settings() -> Result<(AssistantSettings, Option<CalendarFeed>), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let settings = crate::server::settings::get(&state, &user).await?;
            Ok((settings, crate::server::calendar::get(&state, &user).await?))
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
