//! The live-event protocol of the `/ws` websocket: what a signed-in user's
//! browser hears about their own calls.

use super::enums::{NotificationType, SessionStatus, Speaker, TaskStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// An utterance was stored.
    SegmentAppended {
        call_session_id: Uuid,
        call_task_id: Uuid,
        segment_id: Uuid,
        speaker: Speaker,
        content: String,
        timestamp_ms: i32,
    },
    SessionStatus {
        call_session_id: Uuid,
        call_task_id: Uuid,
        status: SessionStatus,
        failure_reason: Option<String>,
    },
    TaskStatus {
        call_task_id: Uuid,
        status: TaskStatus,
    },
    NotificationCreated {
        notification_id: Uuid,
        notification_type: NotificationType,
        message: String,
        call_task_id: Option<Uuid>,
        call_session_id: Option<Uuid>,
    },
    /// The assistant is waiting for the user's decision on a price.
    ApprovalRequested {
        call_session_id: Uuid,
        call_task_id: Uuid,
        amount: f64,
        limit: f64,
        currency: String,
        reason: String,
        expires_at: DateTime<Utc>,
    },
    /// `approved` is `None` when nobody answered in time.
    ApprovalResolved {
        call_session_id: Uuid,
        approved: Option<bool>,
    },
    /// Post-call processing finished: summary and extracted data are ready.
    CallProcessed {
        call_session_id: Uuid,
        call_task_id: Uuid,
        goal_achieved: bool,
    },
    /// Events were missed: refetch everything shown.
    Resync,
}
