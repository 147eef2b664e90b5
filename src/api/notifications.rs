//! Notifications.

use crate::domain::error::ApiError;
use crate::domain::notification::Notification;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A page of notifications and the user's total unread count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    pub unread_count: i64,
}

#[server(prefix = "/api/fn", endpoint = "list_notifications")]
pub async fn list_notifications(unread_only: bool, limit: Option<u32>) -> Result<NotificationPage, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let (notifications, unread_count) = crate::server::notifications::list(&state, &user, unread_only, limit).await?;
            Ok(NotificationPage { notifications, unread_count })
        }
        .await,
    )
}

/// Marks one notification (`id`) read or unread, or with no `id` marks all
/// of the user's notifications read. One server function for both keeps the
/// browser bundle to one client for them.
#[server(prefix = "/api/fn", endpoint = "mark_notifications")]
pub async fn mark_notifications(id: Option<Uuid>, is_read: bool) -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            match id {
                Some(id) => crate::server::notifications::set_read(&state, &user, id, is_read).await.map(drop),
                None if is_read => crate::server::notifications::read_all(&state, &user).await.map(drop),
                None => Err(ApiError::validation("id", "notifications can only be marked unread one at a time")),
            }
        }
        .await,
    )
}
