//! What the AI helper produces and the rest of the product consumes: the
//! plan of a call task, the risk verdict on an instruction, the call script,
//! and the post-call summary. Wire names follow the seed specification
//! (`questionsToAsk`, `hardConstraints.max_price`, ...), so seed clients work
//! unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The kind of errand a call is for; it decides the steps and questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TaskKind {
    Booking,
    Reservation,
    Ordering,
    Quote,
    Cancellation,
    Reschedule,
    Negotiation,
    Complaint,
    Confirmation,
    #[default]
    Enquiry,
}

impl TaskKind {
    pub const ALL: [TaskKind; 10] = [
        TaskKind::Booking,
        TaskKind::Reservation,
        TaskKind::Ordering,
        TaskKind::Quote,
        TaskKind::Cancellation,
        TaskKind::Reschedule,
        TaskKind::Negotiation,
        TaskKind::Complaint,
        TaskKind::Confirmation,
        TaskKind::Enquiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Booking => "booking",
            TaskKind::Reservation => "reservation",
            TaskKind::Ordering => "ordering",
            TaskKind::Quote => "quote",
            TaskKind::Cancellation => "cancellation",
            TaskKind::Reschedule => "reschedule",
            TaskKind::Negotiation => "negotiation",
            TaskKind::Complaint => "complaint",
            TaskKind::Confirmation => "confirmation",
            TaskKind::Enquiry => "enquiry",
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Limits the assistant must never cross without the user's approval.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HardConstraints {
    /// The most the user will pay, in `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<f64>,
    /// ISO 4217 code of `max_price`, e.g. `USD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// When the limit is per period: `month`, `year`, `night`, `hour`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

/// One piece of information the plan still needs from the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MissingItem {
    /// The key to send back: `target_phone_number`, or a key of `user_clarifications`.
    pub key: String,
    /// A question for the user, e.g. "What is the dentist's phone number?"
    pub label: String,
    /// Why it is needed or what form to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The plan of a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AiPlan {
    pub goal: String,
    pub steps: Vec<String>,
    pub questions_to_ask: Vec<String>,
    /// Keys of what is missing (see `missingInfoDetails` for questions).
    pub missing_info: Vec<String>,
    pub requires_clarification: bool,
    pub hard_constraints: HardConstraints,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub soft_preferences: Map<String, Value>,
    #[serde(default)]
    pub task_kind: TaskKind,
    /// E.164 number to call, when the instruction or a contact gave one.
    #[serde(default)]
    pub target_phone_number: Option<String>,
    /// Who is being called ("dentist", "Ace Movers"), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    #[serde(default)]
    pub missing_info_details: Vec<MissingItem>,
}

/// How serious a risk concern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// Why an instruction is risky.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RiskCategory {
    EmergencyNumber,
    PremiumRate,
    Threat,
    Harassment,
    Impersonation,
    Fraud,
    /// A false alarm: an emergency made up to make others act.
    FalseAlarm,
    /// Finding out where someone is, or their personal details, behind their back.
    Stalking,
    /// The call's language is one the engine cannot speak.
    Language,
    SensitiveData,
    Legal,
    Financial,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RiskConcern {
    pub category: RiskCategory,
    pub message: String,
    /// Whether this concern alone refuses the task.
    pub blocking: bool,
}

/// The verdict on an instruction: blocked tasks are never stored or dialled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RiskAssessment {
    pub blocked: bool,
    pub level: RiskLevel,
    pub concerns: Vec<RiskConcern>,
}

impl RiskAssessment {
    pub fn from_concerns(concerns: Vec<RiskConcern>) -> RiskAssessment {
        let blocked = concerns.iter().any(|c| c.blocking);
        let level = if blocked {
            RiskLevel::High
        } else if concerns.is_empty() {
            RiskLevel::Low
        } else {
            RiskLevel::Medium
        };
        RiskAssessment { blocked, level, concerns }
    }
}

/// What the assistant says on a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallScript {
    /// Says it is an AI assistant calling on the user's behalf.
    pub introduction: String,
    pub questions: Vec<String>,
    pub fallbacks: Fallbacks,
    pub voicemail_message: String,
    /// Reads back what was agreed; `{agreed}` is replaced at the end of the call.
    pub closing: String,
    pub tone: String,
    /// Hard limits restated for the agent (enforced in code as well).
    pub constraints: Vec<String>,
    /// The call is recorded: the other side is told so before anything else.
    #[serde(default)]
    pub recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Fallbacks {
    pub not_available: String,
    pub callback_number_requested: String,
    pub unknown_question: String,
    pub over_limit: String,
    pub refusal: String,
}

/// One fact taken from a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExtractedItem {
    #[cfg_attr(feature = "ssr", schema(example = "price"))]
    pub data_type: super::enums::DataType,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub extracted_value: Value,
    pub confidence: f64,
    /// The transcript lines of the business that state it (none: nothing
    /// in the call says it).
    #[serde(default)]
    pub segment_ids: Vec<uuid::Uuid>,
    /// The assistant read it back and the business said it was right.
    #[serde(default)]
    pub confirmed: bool,
}

/// The result of post-call processing (the seed's process response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallSummary {
    pub summary: String,
    pub extracted_data: Vec<ExtractedItem>,
    #[cfg_attr(feature = "ssr", schema(example = "positive"))]
    pub sentiment_overall: super::enums::Sentiment,
    pub goal_achieved: bool,
    pub follow_up_required: bool,
    pub follow_up_tasks: Vec<String>,
}
