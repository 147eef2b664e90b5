//! Notifications about a user's calls.

use super::enums::{NotificationPriority, NotificationType};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DEFAULT_LIST_LIMIT: u32 = 20;
pub const MAX_LIST_LIMIT: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: Uuid,
    pub call_task_id: Option<Uuid>,
    pub call_session_id: Option<Uuid>,
    #[cfg_attr(feature = "ssr", schema(example = "call_completed"))]
    pub notification_type: NotificationType,
    pub message: String,
    pub is_read: bool,
    #[cfg_attr(feature = "ssr", schema(example = "normal"))]
    pub priority: NotificationPriority,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationPatch {
    pub is_read: bool,
}
