//! A call attempt as the user sees it: metadata, live transcript, approval,
//! and, after processing, the summary and the extracted facts.

use super::enums::{DataType, Sentiment, Speaker};
use super::task::CallSessionSummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Segment {
    pub id: Uuid,
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "human"))]
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
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub sentiment_overall: Option<Sentiment>,
    pub goal_achieved: Option<bool>,
    pub follow_up_required: bool,
    pub follow_up_tasks: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExtractedData {
    pub id: Uuid,
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "price"))]
    pub data_type: DataType,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub extracted_value: Value,
    pub confidence: Option<f64>,
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
