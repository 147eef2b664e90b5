//! How a user's calls went over a period: the numbers behind the Insights
//! page and `GET /api/insights`.

use serde::{Deserialize, Serialize};

/// Calls, and how many reached their goal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tally {
    pub calls: i64,
    pub achieved: i64,
}

/// A week's calls (the week starting on `week`, a Monday, in the user's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WeekTally {
    /// `YYYY-MM-DD`.
    pub week: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The calls of one kind of errand (`booking`, `quote`, ...; `unknown` for
/// tasks from before kinds were recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KindTally {
    pub kind: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// Why calls did not reach their goal: the network's reason for a failed
/// call (`busy`, `no_answer`, ...), `over_limit` for a completed call whose
/// price the user declined or did not answer on, `not_achieved` for the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    pub reason: String,
    pub calls: i64,
}

/// A month's spending in US dollars (the model's priced usage and the
/// phone network's prices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthSpend {
    /// `YYYY-MM`.
    pub month: String,
    pub telephony: f64,
    pub ai: f64,
}

/// Price approvals the assistant asked the user for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovalCounts {
    pub asked: i64,
    pub granted: i64,
    pub declined: i64,
    pub timed_out: i64,
}

/// Retried calls, and how many of them reached the goal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RetryCounts {
    pub retries: i64,
    pub helped: i64,
}

/// Everything the Insights page shows, for calls started from `from` up to
/// and including `to` (days in the user's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Insights {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
    pub total: Tally,
    /// `achieved / calls`, `null` without calls.
    pub success_rate: Option<f64>,
    pub per_week: Vec<WeekTally>,
    pub by_kind: Vec<KindTally>,
    pub failures: Vec<ReasonCount>,
    pub retries: RetryCounts,
    /// Of the calls that connected and ended.
    pub average_duration_secs: Option<f64>,
    /// Of the calls that were put on hold (or through to someone else).
    pub average_hold_secs: Option<f64>,
    pub spend_by_month: Vec<MonthSpend>,
    pub approvals: ApprovalCounts,
}
