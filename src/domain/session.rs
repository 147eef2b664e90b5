//! A call attempt as the user sees it: metadata, live transcript, approval,
//! and, after processing, the summary and the extracted facts.

use super::enums::{DataType, Sentiment, SessionStatus, Speaker};
use super::task::CallSessionSummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The session's state machine. A call only moves forward (initiated →
/// ringing → connected → one of the ends), because the network's reports
/// arrive late, twice or out of order and an old one must never undo a newer.
impl SessionStatus {
    /// How far along a call in this status is; every end is the last stage.
    const fn stage(self) -> u8 {
        match self {
            SessionStatus::Initiated => 0,
            SessionStatus::Ringing => 1,
            SessionStatus::Connected => 2,
            SessionStatus::Completed | SessionStatus::Failed | SessionStatus::Cancelled => 3,
        }
    }

    /// Whether the call is over (completed, failed or cancelled).
    pub const fn is_terminal(self) -> bool {
        self.stage() == 3
    }

    /// The status after a report of `reported`: `Some` when it moves the
    /// call forward, `None` when it is stale (not later than where the call
    /// is) or the call has already ended.
    pub fn advance(self, reported: SessionStatus) -> Option<SessionStatus> {
        (reported.stage() > self.stage()).then_some(reported)
    }

    /// The statuses a report of `reported` moves a call forward from (for
    /// a statement that moves it only from one of them).
    pub fn advanced_from(reported: SessionStatus) -> impl Iterator<Item = SessionStatus> {
        SessionStatus::ALL.iter().copied().filter(move |s| s.advance(reported).is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Segment {
    pub id: Uuid,
    #[cfg_attr(feature = "ssr", schema(example = "human"))]
    pub speaker: Speaker,
    pub content: String,
    /// Milliseconds from the start of the conversation.
    pub timestamp_ms: i32,
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Transcript {
    pub full_transcript: String,
    pub ai_summary: Option<String>,
    pub sentiment_overall: Option<Sentiment>,
    pub goal_achieved: Option<bool>,
    pub follow_up_required: bool,
    pub follow_up_tasks: Option<Vec<String>>,
}

/// The words of an extracted fact, for searching and showing it: its text
/// and numbers in order ("75 USD cleaning", "2026-12-01 14:30 DC-1").
pub fn fact_words(value: &Value) -> String {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(fields) => fields.values().for_each(|v| walk(v, out)),
            Value::Bool(_) | Value::Null => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out.join(" ")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExtractedData {
    pub id: Uuid,
    #[cfg_attr(feature = "ssr", schema(example = "price"))]
    pub data_type: DataType,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub extracted_value: Value,
    pub confidence: Option<f64>,
    /// The transcript lines of the business that state it, in order
    /// (empty: nothing in the call says it, or a fact from before this was
    /// recorded).
    #[serde(default)]
    pub segment_ids: Vec<Uuid>,
    /// The assistant read it back on the call and the business confirmed it.
    #[serde(default)]
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Approval {
    pub amount: f64,
    pub limit: f64,
    pub currency: String,
    pub reason: String,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub requested_at: DateTime<Utc>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub expires_at: DateTime<Utc>,
    /// `None` while pending.
    pub decision: Option<bool>,
    pub timed_out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionDetail {
    pub session: CallSessionSummary,
    pub task_title: String,
    pub transcript: Option<Transcript>,
    pub segments: Vec<Segment>,
    pub extracted_data: Vec<ExtractedData>,
    /// The latest approval request of this call, if any.
    pub approval: Option<Approval>,
}

#[cfg(test)]
mod tests {
    use super::SessionStatus::{self, *};

    #[test]
    fn a_call_moves_forward_through_its_stages() {
        assert_eq!(Initiated.advance(Ringing), Some(Ringing));
        assert_eq!(Initiated.advance(Connected), Some(Connected), "a missed ringing report skips ahead");
        assert_eq!(Ringing.advance(Completed), Some(Completed));
        assert_eq!(Connected.advance(Failed), Some(Failed));
        assert_eq!(Initiated.advance(Cancelled), Some(Cancelled));
    }

    #[test]
    fn late_repeated_or_backward_reports_change_nothing() {
        assert_eq!(Ringing.advance(Ringing), None, "a repeat");
        assert_eq!(Connected.advance(Ringing), None, "a late ringing");
        assert_eq!(Connected.advance(Initiated), None);
        for end in [Completed, Failed, Cancelled] {
            for any in SessionStatus::ALL {
                assert_eq!(end.advance(*any), None, "{end} is final, whatever {any} says");
            }
        }
    }

    #[test]
    fn only_the_ends_are_terminal() {
        let terminal: Vec<_> = SessionStatus::ALL.iter().filter(|s| s.is_terminal()).copied().collect();
        assert_eq!(terminal, [Completed, Failed, Cancelled]);
        for &reported in SessionStatus::ALL {
            let from: Vec<_> = SessionStatus::advanced_from(reported).collect();
            for &now in SessionStatus::ALL {
                assert_eq!(from.contains(&now), now.advance(reported).is_some(), "{now} -> {reported}");
            }
        }
        assert_eq!(SessionStatus::advanced_from(Connected).collect::<Vec<_>>(), [Initiated, Ringing]);
    }
}
