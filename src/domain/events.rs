//! The live-event protocol of the `/ws` websocket: what a signed-in user's
//! browser hears about their own calls.

use super::enums::{FailureReason, NotificationType, SessionStatus, Speaker, TaskStatus};
use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Each event is a JSON object whose `type` names the variant in snake case
/// and whose other members are the variant's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        failure_reason: Option<FailureReason>,
    },
    /// The task changed (its status, or any of its details); `status` is its status now.
    TaskStatus {
        call_task_id: Uuid,
        status: TaskStatus,
    },
    /// The task and everything recorded about it were deleted.
    TaskDeleted {
        call_task_id: Uuid,
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

/// Every `type` an event can have.
const KINDS: &[&str] = &[
    "segment_appended",
    "session_status",
    "task_status",
    "task_deleted",
    "notification_created",
    "approval_requested",
    "approval_resolved",
    "call_processed",
    "resync",
];

/// The members any event may have, read in one pass. The browser reads events
/// through this flat record instead of serde's derive for internally tagged
/// enums, which buffers each message into an intermediate tree and adds about
/// 50 KB to the bundle; the wire form is the same (see the round-trip test).
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    call_session_id: Option<Uuid>,
    call_task_id: Option<Uuid>,
    segment_id: Option<Uuid>,
    speaker: Option<Speaker>,
    content: Option<String>,
    timestamp_ms: Option<i32>,
    status: Option<String>,
    failure_reason: Option<FailureReason>,
    notification_id: Option<Uuid>,
    notification_type: Option<NotificationType>,
    message: Option<String>,
    amount: Option<f64>,
    limit: Option<f64>,
    currency: Option<String>,
    reason: Option<String>,
    #[serde(default, deserialize_with = "super::timestamp::option")]
    expires_at: Option<DateTime<Utc>>,
    approved: Option<bool>,
    goal_achieved: Option<bool>,
}

fn required<T, E: de::Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

impl<'de> Deserialize<'de> for ServerEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(deserializer)?;
        let status = || required(w.status.as_deref(), "status");
        Ok(match w.kind.as_str() {
            "segment_appended" => ServerEvent::SegmentAppended {
                call_session_id: required(w.call_session_id, "call_session_id")?,
                call_task_id: required(w.call_task_id, "call_task_id")?,
                segment_id: required(w.segment_id, "segment_id")?,
                speaker: required(w.speaker, "speaker")?,
                content: required(w.content, "content")?,
                timestamp_ms: required(w.timestamp_ms, "timestamp_ms")?,
            },
            "session_status" => ServerEvent::SessionStatus {
                call_session_id: required(w.call_session_id, "call_session_id")?,
                call_task_id: required(w.call_task_id, "call_task_id")?,
                status: status()?.parse().map_err(de::Error::custom)?,
                failure_reason: w.failure_reason,
            },
            "task_status" => ServerEvent::TaskStatus {
                call_task_id: required(w.call_task_id, "call_task_id")?,
                status: status()?.parse().map_err(de::Error::custom)?,
            },
            "task_deleted" => ServerEvent::TaskDeleted { call_task_id: required(w.call_task_id, "call_task_id")? },
            "notification_created" => ServerEvent::NotificationCreated {
                notification_id: required(w.notification_id, "notification_id")?,
                notification_type: required(w.notification_type, "notification_type")?,
                message: required(w.message, "message")?,
                call_task_id: w.call_task_id,
                call_session_id: w.call_session_id,
            },
            "approval_requested" => ServerEvent::ApprovalRequested {
                call_session_id: required(w.call_session_id, "call_session_id")?,
                call_task_id: required(w.call_task_id, "call_task_id")?,
                amount: required(w.amount, "amount")?,
                limit: required(w.limit, "limit")?,
                currency: required(w.currency, "currency")?,
                reason: required(w.reason, "reason")?,
                expires_at: required(w.expires_at, "expires_at")?,
            },
            "approval_resolved" => ServerEvent::ApprovalResolved {
                call_session_id: required(w.call_session_id, "call_session_id")?,
                approved: w.approved,
            },
            "call_processed" => ServerEvent::CallProcessed {
                call_session_id: required(w.call_session_id, "call_session_id")?,
                call_task_id: required(w.call_task_id, "call_task_id")?,
                goal_achieved: required(w.goal_achieved, "goal_achieved")?,
            },
            "resync" => ServerEvent::Resync,
            other => return Err(de::Error::unknown_variant(other, KINDS)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn every_kind() -> Vec<ServerEvent> {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        vec![
            ServerEvent::SegmentAppended {
                call_session_id: a,
                call_task_id: b,
                segment_id: c,
                speaker: Speaker::Human,
                content: "We have Tuesday at 2:30.".into(),
                timestamp_ms: 4_200,
            },
            ServerEvent::SessionStatus {
                call_session_id: a,
                call_task_id: b,
                status: SessionStatus::Failed,
                failure_reason: Some(FailureReason::Busy),
            },
            ServerEvent::SessionStatus {
                call_session_id: a,
                call_task_id: b,
                status: SessionStatus::Ringing,
                failure_reason: None,
            },
            ServerEvent::TaskStatus { call_task_id: b, status: TaskStatus::WaitingForUser },
            ServerEvent::TaskDeleted { call_task_id: b },
            ServerEvent::NotificationCreated {
                notification_id: c,
                notification_type: NotificationType::CallCompleted,
                message: "Done".into(),
                call_task_id: Some(b),
                call_session_id: None,
            },
            ServerEvent::ApprovalRequested {
                call_session_id: a,
                call_task_id: b,
                amount: 300.0,
                limit: 250.5,
                currency: "USD".into(),
                reason: "Quoted above the limit".into(),
                expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
            ServerEvent::ApprovalResolved { call_session_id: a, approved: None },
            ServerEvent::ApprovalResolved { call_session_id: a, approved: Some(true) },
            ServerEvent::CallProcessed { call_session_id: a, call_task_id: b, goal_achieved: true },
            ServerEvent::Resync,
        ]
    }

    #[test]
    fn every_event_reads_back_as_written() {
        let kinds: Vec<String> =
            every_kind().iter().map(|e| serde_json::to_value(e).unwrap()["type"].as_str().unwrap().to_owned()).collect();
        for kind in KINDS {
            assert!(kinds.iter().any(|k| k == kind), "no example of {kind}");
        }
        for event in every_kind() {
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(serde_json::from_str::<ServerEvent>(&text).unwrap(), event, "{text}");
        }
    }

    #[test]
    fn the_wire_form_is_a_tagged_object() {
        let event = ServerEvent::TaskStatus { call_task_id: Uuid::from_u128(2), status: TaskStatus::Completed };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({"type": "task_status", "call_task_id": "00000000-0000-0000-0000-000000000002", "status": "completed"})
        );
    }

    #[test]
    fn incomplete_or_unknown_events_are_refused_with_the_reason() {
        let missing = serde_json::from_value::<ServerEvent>(json!({"type": "task_status", "status": "completed"})).unwrap_err();
        assert!(missing.to_string().contains("call_task_id"), "{missing}");
        let unknown = serde_json::from_value::<ServerEvent>(json!({"type": "party"})).unwrap_err();
        assert!(unknown.to_string().contains("party"), "{unknown}");
        let bad_status = json!({"type": "task_status", "call_task_id": Uuid::from_u128(2), "status": "ringing"});
        assert!(serde_json::from_value::<ServerEvent>(bad_status).is_err());
        // Members of other kinds are ignored, as the derive did.
        let extra = json!({"type": "resync", "amount": 3});
        assert_eq!(serde_json::from_value::<ServerEvent>(extra).unwrap(), ServerEvent::Resync);
    }
}
