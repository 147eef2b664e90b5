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

#[server(prefix = "/api/fn", endpoint = "mark_notification")]
pub async fn mark_notification(id: Uuid, is_read: bool) -> Result<Notification, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::notifications::set_read(&state, &user, id, is_read).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<u64, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::notifications::read_all(&state, &user).await
        }
        .await,
    )
}
