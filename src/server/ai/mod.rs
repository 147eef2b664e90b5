//! The AI helper: planning, risk detection, call scripts, summaries and
//! approval checks, by the offline rules engine or an OpenAI-compatible
//! model. Risk rules and approval limits always run in code, whatever the
//! model says.

pub mod memo;
pub mod openai;
pub mod rules;
pub mod understand;

use crate::domain::error::ErrorCode;
use crate::domain::plan::{AiPlan, CallSummary, RiskAssessment};
use crate::domain::usage::Usage;
use crate::server::breaker::Breaker;
use crate::server::config::AiConfig;
use crate::server::error::ApiError;
use chrono::NaiveDate;
use openai::{ModelError, OpenAiEngine};
use rules::planner::PlanContext;
use rules::summarize::Line;
use std::sync::Arc;

/// Which engine answers.
#[derive(Clone, Debug)]
pub enum Ai {
    Rules,
    OpenAi {
        /// Boxed: the engine (HTTP client, model settings) is large, and `Rules` is empty.
        engine: Box<OpenAiEngine>,
        /// Whether the rules engine answers when the model fails.
        fallback_to_rules: bool,
        /// Opens after the model server failed several times in a row.
        breaker: Arc<Breaker>,
    },
}

/// How long an open model breaker pauses before the model is tried again.
const MODEL_PAUSE: std::time::Duration = std::time::Duration::from_secs(30);

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
    /// What the model used for it (none from the rules engine).
    pub usage: Option<ModelUsage>,
}

/// Tokens a named model used.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelUsage {
    pub model: String,
    pub usage: Usage,
}

impl Ai {
    pub fn from_config(config: &AiConfig) -> Ai {
        match config {
            AiConfig::Rules => Ai::Rules,
            AiConfig::OpenAi { api_key, base_url, model, fallback_to_rules, timeout_secs } => Ai::OpenAi {
                engine: Box::new(OpenAiEngine::new(
                    api_key.as_ref().map(|k| k.expose()),
                    base_url.as_deref(),
                    model,
                    std::time::Duration::from_secs(*timeout_secs),
                )),
                fallback_to_rules: *fallback_to_rules,
                breaker: Arc::new(Breaker::new("model", MODEL_PAUSE)),
            },
        }
    }

    /// The model that words the assistant's replies on live calls, if any
    /// (the rules dialogue manager decides what happens either way).
    pub fn conversation_model(&self) -> Option<&OpenAiEngine> {
        match self {
            Ai::Rules => None,
            Ai::OpenAi { engine, .. } => Some(engine.as_ref()),
        }
    }

    /// Whether the model may be asked now (its breaker is closed, or this
    /// is the trial after the pause). Always true without a model.
    pub fn admit_model(&self) -> bool {
        match self {
            Ai::Rules => true,
            Ai::OpenAi { breaker, .. } => breaker.admit().is_ok(),
        }
    }

    /// Records how asking the model went: an outage counts toward opening
    /// its breaker, anything it answered closes it.
    pub fn model_outcome(&self, outage: bool) {
        if let Ai::OpenAi { breaker, .. } = self {
            if outage { breaker.failure() } else { breaker.success() }
        }
    }

    /// Asks the model through its breaker.
    async fn guarded<T>(&self, ask: impl std::future::Future<Output = Result<T, ModelError>>) -> Result<T, ModelError> {
        let Ai::OpenAi { breaker, .. } = self else { return ask.await };
        if let Err(open) = breaker.admit() {
            return Err(ModelError::Paused(open.retry_after.as_secs().max(1)));
        }
        let result = ask.await;
        self.model_outcome(result.as_ref().is_err_and(ModelError::is_outage));
        result
    }

    pub async fn plan(&self, instruction: &str, ctx: &PlanContext<'_>) -> Result<PlanOutcome, ApiError> {
        let rules_plan = rules::planner::plan(instruction, ctx);
        // Card, bank and identity numbers never leave the server.
        let redacted = rules::risk::redact_sensitive(instruction);
        match self {
            Ai::Rules => Ok(with_risk(instruction, rules_plan, "rules", None)),
            Ai::OpenAi { engine, fallback_to_rules, .. } => match self.guarded(engine.plan(&redacted, ctx, &rules_plan)).await {
                Ok((planned, usage)) => Ok(PlanOutcome {
                    usage: Some(ModelUsage { model: engine.model().to_owned(), usage }),
                    ..with_risk(instruction, planned, "openai", None)
                }),
                Err(e) if *fallback_to_rules => {
                    tracing::warn!(error = %e, "model failed to plan; the rules engine answers");
                    Ok(with_risk(instruction, rules_plan, "rules", Some(e.to_string())))
                }
                Err(e) => Err(model_error(e)),
            },
        }
    }

    pub async fn summarize(
        &self,
        lines: &[Line],
        plan: Option<&AiPlan>,
        call_date: NaiveDate,
        month_first: bool,
    ) -> Result<Summarised, ApiError> {
        let by_rules = || {
            let (summary, why) = rules::summarize::analysed(lines, plan, call_date, month_first);
            Summarised { why_not: why.filter(|_| !summary.goal_achieved), summary, engine: "rules", used: None }
        };
        match self {
            Ai::Rules => Ok(by_rules()),
            Ai::OpenAi { engine, fallback_to_rules, .. } => {
                match self.guarded(engine.summarize(&redacted_lines(lines), plan, call_date)).await {
                    Ok((summary, usage)) => {
                        // Code reads why from the transcript, whatever the model wrote.
                        let why_not = if summary.goal_achieved {
                            None
                        } else {
                            rules::summarize::analysed(lines, plan, call_date, month_first).1
                        };
                        Ok(Summarised {
                            summary,
                            engine: "openai",
                            used: Some(ModelUsage { model: engine.model().to_owned(), usage }),
                            why_not,
                        })
                    }
                    Err(e) if *fallback_to_rules => {
                        tracing::warn!(error = %e, "model failed to summarise; the rules engine answers");
                        Ok(by_rules())
                    }
                    Err(e) => Err(model_error(e)),
                }
            }
        }
    }
}

/// A finished call, summarised.
pub struct Summarised {
    pub summary: CallSummary,
    /// `rules` or `openai`.
    pub engine: &'static str,
    /// What the model used, when one answered.
    pub used: Option<ModelUsage>,
    /// Why a call that did not reach its goal did not, read by code from
    /// the transcript whichever engine summarised it (see
    /// [`rules::summarize::analysed`]); `None` when it did, or nothing says.
    pub why_not: Option<&'static str>,
}

/// A transcript as a model may see it: card, bank and identity numbers
/// redacted.
fn redacted_lines(lines: &[Line]) -> Vec<Line> {
    lines.iter().map(|l| Line { content: rules::risk::redact_sensitive(&l.content), ..l.clone() }).collect()
}

/// A model failure as the API reports it: 504 for a timeout, 503 otherwise.
fn model_error(e: ModelError) -> ApiError {
    let code = match e {
        ModelError::Timeout(_) => ErrorCode::Timeout,
        _ => ErrorCode::Unavailable,
    };
    let mut error = ApiError::new(code, format!("The AI model could not help: {e}. Try again, or set AI_FALLBACK=rules."));
    if let ModelError::Paused(secs) = e {
        error.retry_after = Some(secs);
    }
    error
}

/// Refuses a number the assistant must never dial (premium-rate lines,
/// emergency services), with the same error and verdict as a refused
/// instruction (422): one policy for every way a number reaches the
/// dialler (the instruction, an explicit target, a contact, a
/// clarification, a change), checked again right before dialling.
pub fn refuse_undialable(field: &str, e164: Option<&str>) -> Result<(), ApiError> {
    let Some(number) = e164 else { return Ok(()) };
    let premium = crate::server::phone::is_premium_rate(&crate::domain::phone::E164::from_normalised(number.to_owned()));
    let risk = rules::risk::assess("", Some(number), premium);
    if !risk.blocked {
        return Ok(());
    }
    let reasons: Vec<&str> = risk.concerns.iter().filter(|c| c.blocking).map(|c| c.message.as_str()).collect();
    let mut e = ApiError::new(ErrorCode::RiskBlocked, reasons.join(" "));
    e.field = Some(field.to_owned());
    e.details = Some(serde_json::json!({ "risk": risk }));
    Err(e)
}

/// Adds the rules engine's risk verdict (always computed in code).
fn with_risk(
    instruction: &str,
    planned: rules::planner::Planned,
    engine: &'static str,
    fallback_reason: Option<String>,
) -> PlanOutcome {
    let target = planned.plan.target_phone_number.clone();
    let premium = target
        .as_deref()
        .is_some_and(|t| crate::server::phone::is_premium_rate(&crate::domain::phone::E164::from_normalised(t.to_owned())));
    let risk = rules::risk::assess(instruction, target.as_deref(), premium);
    PlanOutcome {
        title: planned.title,
        plan: planned.plan,
        contact_id: planned.contact_id,
        risk,
        engine,
        fallback_reason,
        usage: None,
    }
}
