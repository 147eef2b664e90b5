//! Call tasks: what the user asked for, its plan, and the status machine
//! every change goes through.

use super::enums::{FailureReason, Priority, SessionStatus, TaskStatus};
use super::plan::AiPlan;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use uuid::Uuid;

pub const MAX_INSTRUCTION_CHARS: usize = 2000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_CLARIFICATION_CHARS: usize = 500;
pub const DEFAULT_LIST_LIMIT: u32 = 20;
pub const MAX_LIST_LIMIT: u32 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallTask {
    pub id: Uuid,
    pub title: String,
    pub raw_instruction: String,
    #[cfg_attr(feature = "ssr", schema(example = "ready_to_call"))]
    pub status: TaskStatus,
    #[cfg_attr(feature = "ssr", schema(example = "normal"))]
    pub priority: Priority,
    pub target_phone_number: Option<String>,
    pub contact_id: Option<Uuid>,
    pub ai_plan: Option<AiPlan>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub user_clarifications: Option<Map<String, Value>>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub updated_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "super::timestamp::option")]
    pub scheduled_for: Option<DateTime<Utc>>,
}

/// A task as the task list shows it: what a row needs and nothing more (no
/// instruction, plan or answers; the task's own page loads those), so a page
/// of a hundred rows stays small to render and to hydrate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskListItem {
    pub id: Uuid,
    pub title: String,
    pub status: TaskStatus,
    pub priority: Priority,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "super::timestamp::option")]
    pub scheduled_for: Option<DateTime<Utc>>,
}

impl From<CallTask> for TaskListItem {
    fn from(t: CallTask) -> TaskListItem {
        TaskListItem {
            id: t.id,
            title: t.title,
            status: t.status,
            priority: t.priority,
            created_at: t.created_at,
            scheduled_for: t.scheduled_for,
        }
    }
}

/// One call attempt, as listed with its task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallSessionSummary {
    pub id: Uuid,
    pub call_task_id: Uuid,
    pub provider_call_sid: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "completed"))]
    pub status: SessionStatus,
    pub phone_number_called: Option<String>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub started_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "super::timestamp::option")]
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i32>,
    #[cfg_attr(feature = "ssr", schema(example = "busy"))]
    pub failure_reason: Option<FailureReason>,
    pub retry_count: i32,
    /// What the call cost: the model's tokens and the phone network's price.
    /// (The browser reads only `cost_text`: the numbers' own reader and
    /// wording stay out of its bundle.)
    #[cfg_attr(feature = "hydrate", serde(skip_deserializing))]
    #[serde(default)]
    pub cost: super::usage::CallCost,
    /// `cost` as the pages say it ("$0.42 phone · $0.01 AI (3,120 tokens)").
    #[serde(default)]
    pub cost_text: String,
    /// Where to play the call's recording (`/api/call-sessions/{id}/recording`);
    /// `null` when the call was not recorded (or the recording is not in yet).
    #[serde(default)]
    pub recording_url: Option<String>,
}

/// `POST /api/call-tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 2000, pattern = "\\S"))]
    pub raw_instruction: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "normal"))]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub scheduled_for: Option<DateTime<Utc>>,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[serde(default)]
    pub target_phone_number: Option<String>,
    /// The most the assistant may agree to; tightens (never loosens) any
    /// limit written in the instruction.
    #[serde(default)]
    pub max_price: Option<f64>,
}

/// `PATCH /api/call-tasks/{id}`: absent fields stay; `null` clears.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub target_phone_number: Option<Option<String>>,
    /// Merged into the stored clarifications; a `null` value removes a key.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub user_clarifications: Option<Map<String, Value>>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<DateTime<Utc>>))]
    pub scheduled_for: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub contact_id: Option<Option<Uuid>>,
    /// Only `cancelled` may be asked for; other statuses follow from the task's state.
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

impl TaskPatch {
    /// The patch that cancels a task.
    pub fn cancel() -> TaskPatch {
        TaskPatch { status: Some(TaskStatus::Cancelled), ..TaskPatch::default() }
    }
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What happens to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEvent {
    /// The user supplied information; `complete` when nothing is missing any more.
    Clarified {
        complete: bool,
    },
    /// A call is being placed.
    CallStarted,
    /// The call ended and post-call processing judged it.
    CallFinished {
        achieved: bool,
    },
    /// A failed call is to be retried.
    Retry,
    Cancel,
}

impl fmt::Display for TaskEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskEvent::Clarified { .. } => "be changed",
            TaskEvent::CallStarted => "be called",
            TaskEvent::CallFinished { .. } => "finish a call",
            TaskEvent::Retry => "be retried",
            TaskEvent::Cancel => "be cancelled",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This task is {}, so it cannot {event}.", from.as_str().replace('_', " "))]
pub struct InvalidTransition {
    pub from: TaskStatus,
    pub event: TaskEvent,
}

impl TaskStatus {
    /// The status after `event`, or why it cannot happen now.
    pub fn on(self, event: TaskEvent) -> Result<TaskStatus, InvalidTransition> {
        use TaskEvent as E;
        use TaskStatus as S;
        let next = match (self, event) {
            (S::Pending | S::Preparing | S::WaitingForUser | S::ReadyToCall | S::Failed, E::Clarified { complete }) => {
                if complete { S::ReadyToCall } else { S::WaitingForUser }
            }
            // Details of a finished task can be corrected without reopening it.
            (S::Completed, E::Clarified { .. }) => S::Completed,
            (S::ReadyToCall | S::Failed | S::Completed, E::CallStarted) => S::InProgress,
            (S::InProgress, E::CallFinished { achieved: true }) => S::Completed,
            (S::InProgress, E::CallFinished { achieved: false }) => S::Failed,
            (S::Failed, E::Retry) => S::ReadyToCall,
            (S::Pending | S::Preparing | S::WaitingForUser | S::ReadyToCall | S::Failed | S::InProgress, E::Cancel) => {
                S::Cancelled
            }
            (from, event) => return Err(InvalidTransition { from, event }),
        };
        Ok(next)
    }

    /// Whether a queued call (scheduled, or a retry) may be placed for a task
    /// in this status: it is ready, or its last call failed. Unlike a call
    /// started by hand ([`TaskEvent::CallStarted`]), a queued one never
    /// re-calls a completed task, and never one that is cancelled, waiting
    /// for details, or already on a call.
    pub fn awaits_automatic_call(self) -> bool {
        matches!(self, TaskStatus::ReadyToCall | TaskStatus::Failed)
    }

    /// Whether the task can still change (not completed or cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Completed | TaskStatus::Cancelled)
    }
}

/// The plan's missing keys not yet answered by the phone number or the
/// clarifications.
pub fn still_missing(plan: &AiPlan, has_phone: bool, clarifications: &Map<String, Value>) -> Vec<String> {
    plan.missing_info_details
        .iter()
        .map(|m| m.key.clone())
        .chain(plan.missing_info.iter().cloned())
        .fold(Vec::<String>::new(), |mut acc, k| {
            if !acc.contains(&k) {
                acc.push(k);
            }
            acc
        })
        .into_iter()
        .filter(|key| {
            if key == "target_phone_number" {
                return !has_phone;
            }
            match clarifications.get(key) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus as S;

    #[test]
    fn the_status_machine() {
        assert_eq!(S::WaitingForUser.on(TaskEvent::Clarified { complete: true }), Ok(S::ReadyToCall));
        assert_eq!(S::WaitingForUser.on(TaskEvent::Clarified { complete: false }), Ok(S::WaitingForUser));
        assert_eq!(S::ReadyToCall.on(TaskEvent::Clarified { complete: false }), Ok(S::WaitingForUser));
        assert_eq!(S::ReadyToCall.on(TaskEvent::CallStarted), Ok(S::InProgress));
        assert_eq!(S::InProgress.on(TaskEvent::CallFinished { achieved: true }), Ok(S::Completed));
        assert_eq!(S::InProgress.on(TaskEvent::CallFinished { achieved: false }), Ok(S::Failed));
        assert_eq!(S::Failed.on(TaskEvent::Retry), Ok(S::ReadyToCall));
        assert_eq!(S::Failed.on(TaskEvent::CallStarted), Ok(S::InProgress));
        assert_eq!(S::ReadyToCall.on(TaskEvent::Cancel), Ok(S::Cancelled));
        for bad in [
            (S::WaitingForUser, TaskEvent::CallStarted),
            (S::InProgress, TaskEvent::CallStarted),
            (S::Cancelled, TaskEvent::CallStarted),
            (S::Cancelled, TaskEvent::Cancel),
            (S::Completed, TaskEvent::Cancel),
            (S::Cancelled, TaskEvent::Clarified { complete: true }),
            (S::ReadyToCall, TaskEvent::CallFinished { achieved: true }),
        ] {
            let err = bad.0.on(bad.1).unwrap_err();
            assert_eq!(err.from, bad.0);
        }
        assert_eq!(
            S::WaitingForUser.on(TaskEvent::CallStarted).unwrap_err().to_string(),
            "This task is waiting for user, so it cannot be called."
        );
    }

    #[test]
    fn queued_calls_go_only_to_tasks_that_await_one() {
        let awaiting: Vec<S> = S::ALL.iter().copied().filter(|s| s.awaits_automatic_call()).collect();
        assert_eq!(awaiting, [S::ReadyToCall, S::Failed]);
        // Whatever a queued call may start, a call by hand may start too.
        for s in awaiting {
            assert_eq!(s.on(TaskEvent::CallStarted), Ok(S::InProgress), "{s}");
        }
        // A finished task is called again only by hand.
        assert!(S::Completed.on(TaskEvent::CallStarted).is_ok() && !S::Completed.awaits_automatic_call());
    }
}
